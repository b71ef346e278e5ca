// tests/booth/test_ballot_interop.py: build, verify and open ballots as the booth does. Each op names its
// election by the created / key.published entries (hex); contexts are cached per pair.
import { fromHex, toHex } from "../../src/crypto/bytes.ts";
import { bindingOf, buildBallot, parseBallot, precompute, verifyBallot, type Choice } from "../../src/crypto/ballot.ts";
import { publicKey, signingEvidence, verifySigningEvidence } from "../../src/crypto/ed25519.ts";
import { electionContext, type ElectionContext } from "../../src/crypto/election.ts";
import { canonical, type JSONValue } from "../../src/crypto/encoding.ts";
import { checkOpening, openBallot } from "../../src/crypto/opening.ts";
import { randomBits, type RandomBits } from "../../src/crypto/paillier.ts";
import { attempt, serve } from "./io.ts";

type Op =
  | { op: "build"; created: string; key: string; seed: string; choice: Choice }
  | { op: "verify"; created: string; key: string; ballot: JSONValue }
  | { op: "parse"; created: string; key: string; ballot: JSONValue }
  | { op: "check_opening"; created: string; key: string; opening: JSONValue };

const contexts = new Map<string, ElectionContext>();
function context(op: { created: string; key: string }): ElectionContext {
  const id = op.created + op.key;
  if (!contexts.has(id)) contexts.set(id, electionContext(fromHex(op.created), fromHex(op.key)));
  return contexts.get(id)!;
}

function run(op: Op): unknown {
  const ctx = context(op);
  switch (op.op) {
    case "build": {
      // Every random draw is recorded (bits, value) so Python can replay the same ones (the byte-for-byte test).
      const draws: [number, string][] = [];
      const recorded: RandomBits = (bits) => {
        const value = randomBits(bits);
        draws.push([bits, value.toString(16)]);
        return value;
      };
      const seed = fromHex(op.seed);
      const built = buildBallot(ctx, op.choice, publicKey(seed), signingEvidence(ctx, seed), precompute(ctx, undefined, recorded));
      return { ballot: built.ballot, bytes: toHex(built.bytes), hash: toHex(built.ballotHash), draws, opening: openBallot(ctx, built) };
    }
    case "parse": {
      // the parse and hash only: an anonymous ballot's evidence is the BBS module's to verify
      const ballot = parseBallot(ctx, op.ballot);
      return { ballot_hash: toHex(ballot.ballotHash), binding: toHex(bindingOf(ballot.evidence)), bytes: toHex(canonical(ballot.json)) };
    }
    case "verify":
      return { ballot_hash: toHex(verifyBallot(ctx, op.ballot, verifySigningEvidence).ballotHash) };
    case "check_opening": {
      const checked = checkOpening(ctx, op.opening, verifySigningEvidence);
      return { ballot_hash: toHex(checked.ballotHash), choice: checked.choice };
    }
  }
}

serve((input: { ops: Op[] }) => input.ops.map((op) => attempt(() => run(op))));
