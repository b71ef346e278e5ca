// tests/booth/test_election_interop.py: parse election.created / key.published entries as the booth does.
import { fromHex, toHex } from "../../src/crypto/bytes.ts";
import { electionContext, fingerprint, parseFingerprint } from "../../src/crypto/election.ts";
import { attempt, serve } from "./io.ts";

serve((input: { cases: { created: string; key: string }[]; fingerprints: string[] }) => ({
  contexts: input.cases.map((c) =>
    attempt(() => {
      const ctx = electionContext(fromHex(c.created), fromHex(c.key));
      const d = ctx.definition;
      return {
        election_id: ctx.electionId,
        kind: d.kind,
        options: d.options,
        seats: d.seats,
        major: d.major,
        eligibility: d.eligibility,
        threshold: d.threshold,
        trustees: d.trustees.map((t) => [t.index, t.name, toHex(t.key)]),
        modulus_bits: d.modulusBits,
        election_hash: toHex(ctx.electionHash),
        key_hash: toHex(ctx.keyHash),
        fingerprint: fingerprint(ctx.electionHash),
        n: ctx.publicKey.n.toString(16),
        contest_allowed: ctx.contestAllowed.map((a) => a.map((x) => x.toString(16))),
        sum_allowed: ctx.sumAllowed.map((x) => x.toString(16)),
      };
    }),
  ),
  fingerprints: input.fingerprints.map((f) => attempt(() => parseFingerprint(f))),
}));
