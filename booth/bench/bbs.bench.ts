// Timings of the phone's anonymous-credential work in Node (not a test): `npx tsx bench/bbs.bench.ts [runs]`.
// The request commitment (CommitWithNym, N = 1), finishing (VerifyFinalizeWithNym), a ballot's evidence
// (ProofGenWithNym) and its check (ProofVerifyWithNym), median of `runs` after one warm-up run.
import * as bbs from "../src/crypto/bbs.ts";
import * as nym from "../src/crypto/bbs_pseudonym.ts";
import { signAnonymous, verifyAnonymous, type AnonymousContext } from "../src/crypto/anonymous.ts";
import { credentialHeader, finishCredential, IssuedCredential, requestCredential, weightMessages } from "../src/crypto/credentials.ts";
import { utf8 } from "../src/crypto/bytes.ts";

const runs = Number(process.argv[2] ?? 15);
const sk = bbs.keyGen(utf8("the residents' committee registrar key material, 2026"));
const pk = bbs.skToPk(sk);
const electionHash = new Uint8Array(32).fill(0x11);
const ballotHash = new Uint8Array(32).fill(0xab);

function time(name: string, run: () => unknown): void {
  run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (f: number) => samples[Math.min(samples.length - 1, Math.floor(f * samples.length))]!.toFixed(1);
  console.log(`${name.padEnd(44)} median ${q(0.5)} ms  (min ${samples[0]!.toFixed(1)}, p90 ${q(0.9)}; ${runs} runs)`);
}

for (const weight of [0, 7000]) {
  const label = weight ? " [assembly]" : "";
  const ctx: AnonymousContext = { electionId: "e1", electionHash, definition: { credentialKey: pk, kind: weight ? "assembly" : "referendum" } };
  const request = requestCredential("e1", electionHash);
  const [signature, entropy] = nym.blindSignWithNym(sk, pk, request.commitment, 1, null, credentialHeader(electionHash), weightMessages(weight));
  const issued = new IssuedCredential(signature, entropy, weight);
  const credential = finishCredential(request, pk, issued);
  const evidence = signAnonymous(credential, ctx, ballotHash);
  if (!weight) time("request commitment (CommitWithNym)", () => requestCredential("e1", electionHash));
  if (!weight) time("finish (VerifyFinalizeWithNym)", () => finishCredential(request, pk, issued));
  time("evidence (ProofGenWithNym)" + label, () => signAnonymous(credential, ctx, ballotHash));
  time("evidence check (ProofVerifyWithNym)" + label, () => verifyAnonymous(ctx, evidence, ballotHash));
  if (!weight) time("pseudonym (context point cached)", () => credential.pseudonym());
}
