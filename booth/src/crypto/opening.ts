// The Benaloh audit (issue 10 item 2; the mirror of voting/audit.py): after the booth has built and shown a ballot,
// the voter may cast it or audit it. Auditing *opens* the ballot — its choice and every encryption exponent r —
// so that another device (`linli verify-audit`, or checkOpening here) can re-encrypt the choice and compare every
// ciphertext: a booth that encrypted something else is caught, and since it must commit to the ballot before it
// knows whether it will be audited, it cannot cheat on the ballots it casts without risking detection.
//
// An opened ballot reveals its vote, so it is SPOILED: it is never cast. openBallot marks the BuiltBallot spoiled
// (ballot.ts assertCastable then refuses it) and the booth discards it and builds a new ballot from fresh material
// (material is used once). A spoiled ballot that reached the server anyway would be counted like any other: the
// booth's discipline is the guarantee, and its cast path calls assertCastable.
//
// The opening: {"type": "linli-ballot-opening", "election": id, "ballot": <the ballot JSON>, "choice": an index or
// the marked indexes, "randomness": [hex r_j, fixed width ⌈ℓ_r / 8⌉ bytes, one per ciphertext]}.
import { EncodingError, intToFixed, toHex } from "./bytes.ts";
import { type ElectionContext, hexInt, InvalidBallot } from "./election.ts";
import { exactKeys, getList, getStr, type JSONObject, type JSONValue } from "./encoding.ts";
import { encodeChoice, normaliseChoice, verifyBallot, type Ballot, type BuiltBallot, type Choice, type EvidenceCheck } from "./ballot.ts";
import { encrypt, randomnessBits } from "./paillier.ts";

export const OPENING_TYPE = "linli-ballot-opening";

const randomnessBytes = (ctx: ElectionContext): number => Math.ceil(randomnessBits(ctx.publicKey.n) / 8);

/** Open a built ballot for an audit; the ballot is spoiled from now on (it can never be cast). */
export function openBallot(ctx: ElectionContext, built: BuiltBallot): JSONObject {
  built.spoiled = true;
  const width = randomnessBytes(ctx);
  return {
    ballot: built.ballot,
    choice: typeof built.choice === "number" ? built.choice : [...built.choice],
    election: ctx.electionId,
    randomness: built.randomness.map((r) => toHex(intToFixed(r, width))),
    type: OPENING_TYPE,
  };
}

export interface CheckedOpening {
  readonly ballot: Ballot;
  readonly ballotHash: Uint8Array;
  readonly choice: Choice;
}

function choiceFromJson(value: JSONValue | undefined): Choice {
  if (typeof value === "number") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) return value as number[];
  throw new EncodingError("opening.choice: an option index or a list of option indexes");
}

/** voting.audit.check_opening: the ballot verifies (evidence and proofs), and re-encrypting the opened choice with
 *  the revealed exponents gives every one of its ciphertexts (raises InvalidBallot, NotEligible, EncodingError). */
export function checkOpening(ctx: ElectionContext, opening: JSONValue, checkEvidence: EvidenceCheck): CheckedOpening {
  const what = "opening";
  const obj = exactKeys(opening, ["ballot", "choice", "election", "randomness", "type"], what);
  if (getStr(obj, "type", what) !== OPENING_TYPE) throw new EncodingError(`opening.type: expected ${JSON.stringify(OPENING_TYPE)}`);
  const electionId = getStr(obj, "election", what);
  if (electionId !== ctx.electionId) {
    throw new InvalidBallot(`the opening is for election ${JSON.stringify(electionId)}, not ${JSON.stringify(ctx.electionId)}`);
  }
  const choice = choiceFromJson(obj["choice"]);
  const indexes = encodeChoice(ctx.definition, choice);
  const layout = ctx.contestAllowed;
  const items = getList(obj, "randomness", what);
  if (items.length !== layout.length) {
    throw new EncodingError(`opening.randomness: this election's ballot has ${layout.length} ciphertext(s)`);
  }
  const n = ctx.publicKey.n;
  // ⌈ℓ_r / 8⌉ bytes hold exactly [0, 2^ℓ_r): ℓ_r = modulus_bits / 2 is a multiple of 128
  const randomness = items.map((item) => hexInt(item, "opening.randomness", randomnessBytes(ctx)));
  const ballot = verifyBallot(ctx, obj["ballot"]!, checkEvidence);
  layout.forEach((allowed, j) => {
    if (encrypt(n, allowed[indexes[j]!]!, randomness[j]!) !== ballot.contests[j]!.ciphertext) {
      throw new InvalidBallot(`ciphertext ${j} is not the encryption of the opened choice with the revealed randomness`);
    }
  });
  return { ballot, ballotHash: ballot.ballotHash, choice: normaliseChoice(ctx.definition, choice) };
}
