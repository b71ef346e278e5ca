// Encrypted ballots in the booth (docs/protocol.md §P4, §P6; docs/decisions/0011): the mirror of voting/ballot.py
// — the same ciphertexts, proofs, JSON bytes and ballot hash as build_ballot, and the same parse and checks as
// EncryptedBallot.from_json / verify_ballot.
//
// Speed (issue 10): `precompute(ctx)` makes every exponentiation that does not depend on the vote — H^r of each
// ciphertext, and of every proof its branches' W_j and the real branch's H^ρ (proofs.ts explains why that is all
// of them) — as plain data (structured-cloneable: it can run in a Web Worker, while the voter reads). After the
// choice, `buildBallot(ctx, choice, binding, evidence, material)` needs only multiplications, hashing and the
// evidence. Material is used once (a second build with it, or with a copy of it, is refused) and its nonces are
// forgotten; the built ballot keeps the encryption exponents r only for an audit's opening (opening.ts).
//
// The eligibility evidence is injected: `evidence(ballotHash)` returns the ballot's "eligibility" JSON (signing:
// ed25519.ts signingEvidence; anonymous: the BBS module). Verification likewise takes the mode's EvidenceCheck.
import { concat, EncodingError, hash, intToFixed, toHex, uint, utf8 } from "./bytes.ts";
import { type ElectionContext, type ElectionDefinition, hexBytes, hexInt, InvalidBallot, NotEligible, proofContext } from "./election.ts";
import { canonical, exactKeys, getInt, getList, getStr, parseCanonical, type JSONObject, type JSONValue } from "./encoding.ts";
import { CryptoError, keyBase, randomBits, randomnessBits, validateCiphertext, type RandomBits } from "./paillier.ts";
import { precomputeProof, proveMembership, responseBits, verifyMembership, type MembershipProof, type ProofMaterial } from "./proofs.ts";

export const BALLOT_HASH_DOMAIN = utf8("linli/ballot-hash/v2\x00");
const CHALLENGE_BYTES = 16;
const NYM_PROOF_LENGTH = 3 * 48 + (4 + 1 + 1) * 32; // voting/eligibility.py _NYM_PROOF_LENGTH (NYM_LENGTH = 1)

/** An option index (referendum, assembly), or the option indexes marked (committee, approval). */
export type Choice = number | readonly number[];

// -- choices (voting/kinds: encode) -----------------------------------------------------------------------------

/** Kind.encode: the index of the choice in each ciphertext's allowed set (raises InvalidBallot). */
export function encodeChoice(d: ElectionDefinition, choice: Choice): number[] {
  if (d.kind === "referendum" || d.kind === "assembly") {
    if (typeof choice !== "number" || !Number.isInteger(choice) || choice < 0 || choice >= d.options.length) {
      throw new InvalidBallot(`choose one of: ${d.options.join(", ")}`);
    }
    return [choice];
  }
  const most = d.kind === "committee" ? d.seats : d.options.length; // zero_one_marks
  const marks = typeof choice === "number" ? [choice] : [...choice];
  if (new Set(marks).size !== marks.length) throw new InvalidBallot("an option is marked twice");
  if (marks.length > most || marks.some((j) => !Number.isInteger(j) || j < 0 || j >= d.options.length)) {
    throw new InvalidBallot(`mark at most ${most} of the ${d.options.length} options`);
  }
  return d.options.map((_, j) => (marks.includes(j) ? 1 : 0));
}

/** The choice in its one written form: an index, or the marked indexes in increasing order. */
export function normaliseChoice(d: ElectionDefinition, choice: Choice): Choice {
  const indexes = encodeChoice(d, choice);
  if (d.kind === "referendum" || d.kind === "assembly") return indexes[0]!;
  return indexes.flatMap((x, j) => (x ? [j] : []));
}

// -- JSON (voting/ballot.py _proof_to_json, Contest, EncryptedBallot) -------------------------------------------

const modulusBytes = (ctx: ElectionContext): number => ctx.definition.modulusBits / 8;

/** Byte width of a response z (voting/ballot.py _response_bytes: response_bits of a modulus of nb bytes). */
const responseBytes = (nb: number): number => Math.ceil(responseBits((1n << BigInt(8 * nb)) - 1n) / 8);

const hexFixed = (value: bigint, width: number): string => toHex(intToFixed(value, width));

function proofToJson(proof: MembershipProof, nb: number): JSONObject {
  const zb = responseBytes(nb);
  return {
    a: proof.commitments.map((a) => hexFixed(a, 2 * nb)),
    e: proof.challenges.map((e) => hexFixed(e, CHALLENGE_BYTES)),
    z: proof.responses.map((z) => hexFixed(z, zb)),
  };
}

function proofFromJson(value: JSONValue | undefined, k: number, nb: number, what: string): MembershipProof {
  const obj = exactKeys(value, ["a", "e", "z"], what);
  const part = (name: string, width: number): bigint[] => {
    const values = getList(obj, name, what);
    if (values.length !== k) throw new EncodingError(`${what}.${name}: expected ${k} values, got ${values.length}`);
    return values.map((v) => hexInt(v, `${what}.${name}`, width));
  };
  return { commitments: part("a", 2 * nb), challenges: part("e", CHALLENGE_BYTES), responses: part("z", responseBytes(nb)) };
}

export interface Contest {
  readonly ciphertext: bigint;
  readonly proof: MembershipProof;
}

/** The ballot's eligibility evidence, parsed as voting/eligibility.py SigningEvidence / AnonymousEvidence.from_json
 *  (fields and widths; an anonymous pseudonym's and proof's cryptography are its EvidenceCheck's). */
export type Evidence =
  | { readonly mode: "signing"; readonly credential: Uint8Array; readonly signature: Uint8Array }
  | { readonly mode: "anonymous"; readonly pseudonym: Uint8Array; readonly proof: Uint8Array; readonly weight: number };

export const bindingOf = (e: Evidence): Uint8Array => (e.mode === "signing" ? e.credential : e.pseudonym);

export function parseEvidence(ctx: ElectionContext, value: JSONValue | undefined): Evidence {
  const what = "eligibility";
  if (ctx.definition.eligibility === "signing") {
    const obj = exactKeys(value, ["credential", "mode", "signature"], what);
    if (getStr(obj, "mode", what) !== "signing") throw new EncodingError("eligibility.mode: this election uses signing credentials");
    return {
      mode: "signing",
      credential: hexBytes(obj["credential"], "eligibility.credential", 32),
      signature: hexBytes(obj["signature"], "eligibility.signature", 64),
    };
  }
  const obj = exactKeys(value, ["mode", "proof", "pseudonym", "weight"], what);
  if (getStr(obj, "mode", what) !== "anonymous") throw new EncodingError("eligibility.mode: this election uses anonymous credentials");
  const pseudonym = hexBytes(obj["pseudonym"], "eligibility.pseudonym", 48);
  const proof = hexBytes(obj["proof"], "eligibility.proof");
  if (proof.length !== NYM_PROOF_LENGTH) throw new EncodingError(`eligibility.proof: expected ${NYM_PROOF_LENGTH} bytes`);
  const weight = getInt(obj, "weight", what);
  if (weight < 0 || weight >= 2 ** 40) throw new EncodingError("eligibility.weight out of range");
  return { mode: "anonymous", pseudonym, proof, weight };
}

/** A parsed ballot (EncryptedBallot): `json` is the ballot as it travels; `ballotHash` what the evidence signs. */
export interface Ballot {
  readonly electionId: string;
  readonly contests: readonly Contest[];
  readonly sumProof: MembershipProof | null;
  readonly evidence: Evidence;
  readonly json: JSONObject;
  readonly ballotHash: Uint8Array;
}

function body(ctx: ElectionContext, contests: readonly Contest[], sumProof: MembershipProof | null): JSONObject {
  const nb = modulusBytes(ctx);
  const out: JSONObject = {
    contests: contests.map((c) => ({ ciphertext: hexFixed(c.ciphertext, 2 * nb), proof: proofToJson(c.proof, nb) })),
    election: ctx.electionId,
  };
  if (sumProof) out["sum_proof"] = proofToJson(sumProof, nb);
  return out;
}

/** EncryptedBallot.ballot_hash: SHA-256("linli/ballot-hash/v2\0" ‖ canonical({binding, contests, election[,
 *  sum_proof]})) — every field but the evidence, plus the binding (§P6.3). */
function ballotHashOf(ballotBody: JSONObject, binding: Uint8Array): Uint8Array {
  return hash(concat(BALLOT_HASH_DOMAIN, canonical({ ...ballotBody, binding: toHex(binding) })));
}

/** EncryptedBallot.from_json: exact fields, fixed widths, ciphertexts in Z*_{n²}, this election's id and layout.
 *  Takes the ballot's canonical bytes or its JSON. */
export function parseBallot(ctx: ElectionContext, input: Uint8Array | JSONValue): Ballot {
  const value = input instanceof Uint8Array ? parseCanonical(input, "ballot") : input;
  const summed = ctx.sumAllowed.length > 0;
  const obj = exactKeys(value, ["contests", "election", "eligibility", ...(summed ? ["sum_proof"] : [])], "ballot");
  const electionId = getStr(obj, "election", "ballot");
  if (electionId !== ctx.electionId) {
    throw new InvalidBallot(`ballot is for election ${JSON.stringify(electionId)}, not ${JSON.stringify(ctx.electionId)}`);
  }
  const layout = ctx.contestAllowed;
  const items = getList(obj, "contests", "ballot");
  if (items.length !== layout.length) {
    throw new EncodingError(`ballot.contests: this election's ballot has ${layout.length} ciphertext(s)`);
  }
  const evidence = parseEvidence(ctx, obj["eligibility"]);
  const nb = modulusBytes(ctx);
  const sumProof = summed ? proofFromJson(obj["sum_proof"], ctx.sumAllowed.length, nb, "ballot.sum_proof") : null;
  const contests = items.map((item, j): Contest => {
    const contest = exactKeys(item, ["ciphertext", "proof"], "contest");
    const proof = proofFromJson(contest["proof"], layout[j]!.length, nb, "contest.proof");
    const c = hexInt(contest["ciphertext"], "contest.ciphertext", 2 * nb);
    try {
      validateCiphertext(ctx.publicKey.n, c);
    } catch (e) {
      if (e instanceof CryptoError) throw new InvalidBallot(`ciphertext rejected: ${e.message}`);
      throw e;
    }
    return { ciphertext: c, proof };
  });
  const ballotBody = body(ctx, contests, sumProof);
  const json = { ...ballotBody, eligibility: obj["eligibility"]! };
  return { electionId, contests, sumProof, evidence, json, ballotHash: ballotHashOf(ballotBody, bindingOf(evidence)) };
}

// §P6.2: every proof is bound to the election, the key, the voter's binding and the ciphertext's position.
const contestContext = (ctx: ElectionContext, binding: Uint8Array, position: number): Uint8Array =>
  proofContext(ctx, "ballot", binding, uint(position, 4));
const sumContext = (ctx: ElectionContext, binding: Uint8Array): Uint8Array => proofContext(ctx, "ballot-sum", binding);

const product = (n2: bigint, cs: readonly bigint[]): bigint => cs.reduce((acc, c) => (acc * c) % n2, 1n);

// -- precomputation ---------------------------------------------------------------------------------------------

/** How many ciphertexts and branches a ballot has: each ciphertext's allowed set and the sum's (empty: none). */
export interface BallotShape {
  readonly contests: readonly (readonly bigint[])[];
  readonly sum: readonly bigint[];
}

export const ballotShape = (ctx: ElectionContext): BallotShape => ({ contests: ctx.contestAllowed, sum: ctx.sumAllowed });

/** Everything of a ballot that does not depend on the vote (plain data; structured-cloneable). Used once. */
export interface BallotMaterial {
  readonly type: "linli-ballot-material";
  readonly electionId: string;
  readonly keyHash: string; // hex: the material belongs to this election's key
  readonly randomness: bigint[]; // r_j, one per ciphertext
  readonly hR: bigint[]; // H^{r_j} mod n²
  readonly contests: ProofMaterial[];
  readonly sum: ProofMaterial | null; // witness Σ r_j, H^{Σ r_j} = ∏ H^{r_j}
}

const sameShape = (a: BallotShape, b: BallotShape): boolean =>
  a.contests.length === b.contests.length &&
  a.contests.every((s, i) => s.length === b.contests[i]!.length && s.every((m, j) => m === b.contests[i]![j])) &&
  a.sum.length === b.sum.length &&
  a.sum.every((m, j) => m === b.sum[j]);

/** Every vote-independent exponentiation of a ballot (§P6.1–6.2): r_j and H^{r_j} per ciphertext, and each proof's
 *  material. Random draws in order: every r_j, then each proof's (proofs.ts ProofMaterial), contests then sum. */
export function precompute(ctx: ElectionContext, shape: BallotShape = ballotShape(ctx), random: RandomBits = randomBits): BallotMaterial {
  if (!sameShape(shape, ballotShape(ctx))) throw new InvalidBallot("this shape is not this election's ballot");
  const n = ctx.publicKey.n;
  const base = keyBase(n);
  const randomness = shape.contests.map(() => random(randomnessBits(n)));
  const hR = randomness.map((r) => base.table.pow(r));
  const contests = shape.contests.map((allowed, j) => precomputeProof(n, randomness[j]!, hR[j]!, allowed.length, 1, random));
  const sum = shape.sum.length
    ? precomputeProof(n, randomness.reduce((s, r) => s + r, 0n), product(base.n2, hR), shape.sum.length, shape.contests.length, random)
    : null;
  return { type: "linli-ballot-material", electionId: ctx.electionId, keyHash: toHex(ctx.keyHash), randomness, hR, contests, sum };
}

// -- building ---------------------------------------------------------------------------------------------------

/** What buildBallot returns: the ballot (JSON and canonical bytes), its hash, the choice, and the encryption
 *  exponents — kept only so the voter may audit this ballot instead of casting it (opening.ts). */
export interface BuiltBallot {
  readonly ballot: JSONObject;
  readonly bytes: Uint8Array;
  readonly ballotHash: Uint8Array;
  readonly choice: Choice;
  readonly randomness: readonly bigint[];
  /** Set by openBallot: an opened (audited) ballot reveals its vote and must never be cast. */
  spoiled: boolean;
}

/** The evidence of the ballot's eligibility over its hash: the "eligibility" JSON of the ballot. */
export type EvidenceMaker = (ballotHash: Uint8Array) => JSONValue;

const usedMaterial = new Set<string>(); // the first commitment of every material built into a ballot here

/** voting.ballot.build_ballot: encrypt the choice, prove it valid, add the evidence (§P6.1–6.3). `binding`: the
 *  credential's public key (signing) or the pseudonym (anonymous), which the evidence must carry. */
export function buildBallot(
  ctx: ElectionContext,
  choice: Choice,
  binding: Uint8Array,
  evidence: EvidenceMaker,
  material?: BallotMaterial,
): BuiltBallot {
  const d = ctx.definition;
  const indexes = encodeChoice(d, choice);
  const m = material ?? precompute(ctx);
  if (m.type !== "linli-ballot-material" || m.electionId !== ctx.electionId || m.keyHash !== toHex(ctx.keyHash)) {
    throw new InvalidBallot("this ballot material was made for another election or key");
  }
  const layout = ctx.contestAllowed;
  const proofs = [...m.contests, ...(m.sum ? [m.sum] : [])];
  if (m.contests.length !== layout.length || !m.sum !== !ctx.sumAllowed.length) {
    throw new InvalidBallot("this ballot material does not have this election's layout");
  }
  // Used once: two ballots from one material would share nonces, and two responses z = ρ + e·r with one ρ reveal r.
  // A copy (structured clone from a worker) is caught too, by its first commitment H^ρ, remembered in this realm.
  const id = proofs[0]!.commitment.toString(36);
  if (proofs.some((p) => p.used) || usedMaterial.has(id)) {
    throw new InvalidBallot("this ballot material was already used: material is used once");
  }
  usedMaterial.add(id);
  const n = ctx.publicKey.n;
  const n2 = n * n;
  const contests = layout.map((allowed, position): Contest => {
    // §P6.1: c = (1 + m·n)·H^r
    const c = ((1n + allowed[indexes[position]!]! * n) * m.hR[position]!) % n2;
    const proof = proveMembership(n, c, m.randomness[position]!, indexes[position]!, allowed, contestContext(ctx, binding, position), {
      material: m.contests[position]!,
    });
    return { ciphertext: c, proof };
  });
  let sumProof: MembershipProof | null = null;
  if (m.sum) {
    // §P6.2: the product of the ciphertexts (the number of marks) has randomness Σ r_j
    const marks = layout.reduce((s, allowed, j) => s + allowed[indexes[j]!]!, 0n);
    const total = product(n2, contests.map((c) => c.ciphertext));
    sumProof = proveMembership(n, total, m.sum.r, ctx.sumAllowed.indexOf(marks), ctx.sumAllowed, sumContext(ctx, binding), {
      material: m.sum,
    });
  }
  const ballotBody = body(ctx, contests, sumProof);
  const ballotHash = ballotHashOf(ballotBody, binding);
  const eligibility = evidence(ballotHash);
  const parsed = parseEvidence(ctx, eligibility);
  if (toHex(bindingOf(parsed)) !== toHex(binding)) throw new NotEligible("the evidence is not made with the ballot's binding");
  const ballot: JSONObject = { ...ballotBody, eligibility };
  const normal = normaliseChoice(d, choice);
  return { ballot, bytes: canonical(ballot), ballotHash, choice: normal, randomness: [...m.randomness], spoiled: false };
}

/** Refuse to cast a ballot that was opened for an audit (the booth calls this before casting). */
export function assertCastable(built: BuiltBallot): void {
  if (built.spoiled) throw new InvalidBallot("this ballot was opened for an audit (spoiled): it can never be cast");
}

// -- verification (voting.ballot.verify_ballot) -----------------------------------------------------------------

/** The eligibility check of a mode: raises NotEligible unless `evidence` is valid over `ballotHash` (signing:
 *  ed25519.ts verifySigningEvidence; anonymous: the BBS module's). */
export type EvidenceCheck = (ctx: ElectionContext, evidence: Evidence, ballotHash: Uint8Array) => void;

/** Every stateless check of one ballot (§P6.6): its eligibility evidence, then every validity proof (raises
 *  InvalidBallot or NotEligible; the ballot's encoding errors are EncodingError). Returns the parsed ballot. */
export function verifyBallot(ctx: ElectionContext, input: Uint8Array | JSONValue, checkEvidence: EvidenceCheck): Ballot {
  const ballot = parseBallot(ctx, input);
  checkEvidence(ctx, ballot.evidence, ballot.ballotHash);
  const n = ctx.publicKey.n;
  const binding = bindingOf(ballot.evidence);
  const claims: [string, () => void][] = ballot.contests.map((contest, position) => [
    `validity proof of ciphertext ${position}`,
    () => verifyMembership(n, contest.ciphertext, ctx.contestAllowed[position]!, contest.proof, contestContext(ctx, binding, position)),
  ]);
  if (ballot.sumProof) {
    const total = product(n * n, ballot.contests.map((c) => c.ciphertext));
    const proof = ballot.sumProof;
    claims.push([
      "sum proof (the ballot marks more candidates than seats, or the proof is wrong)",
      () => verifyMembership(n, total, ctx.sumAllowed, proof, sumContext(ctx, binding)),
    ]);
  }
  for (const [what, check] of claims) {
    try {
      check();
    } catch (e) {
      if (e instanceof CryptoError || e instanceof RangeError) throw new InvalidBallot(`${what} does not verify`);
      throw e;
    }
  }
  return ballot;
}
