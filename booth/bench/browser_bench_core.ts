// What booth/bench/browser_bench.mjs measures, in the browser, through the booth's own code path (src/app/ballots.ts,
// as the engine runs it): the precomputation (the key's base H and its fixed-base table, once per key; then one
// ballot's vote-independent material) and the build after it (encryptions, every validity proof, the sum proof and
// the eligibility evidence: an Ed25519 signature, or a BBS proof with pseudonym) for a referendum and a committee
// ballot (10 candidates, 3 seats). Timing needs no factorisation: the modulus is a random odd number of the size,
// every operation costs what it costs with a real key (as ballot_bench_core.ts). Medians of `repeat` runs.
import { build, precompute } from "../src/app/ballots.ts";
import type { CredentialSecret } from "../src/app/types.ts";
import * as bbs from "../src/crypto/bbs.ts";
import * as nym from "../src/crypto/bbs_pseudonym.ts";
import { toHex, utf8 } from "../src/crypto/bytes.ts";
import { credentialHeader, finishCredential, IssuedCredential, requestCredential, weightMessages } from "../src/crypto/credentials.ts";
import { generateSeed } from "../src/crypto/ed25519.ts";
import type { ElectionContext } from "../src/crypto/election.ts";
import { keyBase, randomBits } from "../src/crypto/paillier.ts";
import { precompute as material } from "../src/crypto/ballot.ts";
import { testContext } from "../test/support.ts";

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x);
const quiet = () => undefined;

function oddModulus(bits: number): bigint {
  return randomBits(bits) | (1n << BigInt(bits - 1)) | 1n;
}

/** A credential of each mode for `ctx` (the anonymous one blindly issued by a registrar key made here). */
function credentialFor(ctx: ElectionContext): [ElectionContext, CredentialSecret] {
  if (ctx.definition.eligibility === "signing") return [ctx, { mode: "signing", secret: { secret: toHex(generateSeed()) } }];
  const sk = bbs.keyGen(utf8("linli booth benchmark registrar key material"));
  const pk = bbs.skToPk(sk);
  const withKey = { ...ctx, definition: { ...ctx.definition, credentialKey: pk } };
  const request = requestCredential(ctx.electionId, ctx.electionHash);
  const [signature, entropy] = nym.blindSignWithNym(sk, pk, request.commitment, 1, null, credentialHeader(ctx.electionHash), weightMessages(0));
  const credential = finishCredential(request, pk, new IssuedCredential(signature, entropy, 0));
  return [withKey, { mode: "anonymous", secret: credential.toJson() }];
}

async function measure(name: string, ctx: ElectionContext, repeat: number): Promise<Record<string, number>> {
  const [c, credential] = credentialFor(ctx);
  const table: number[] = [];
  const pre: number[] = [];
  const built: number[] = [];
  const choice = c.definition.kind === "committee" ? [0, 4, 9] : 1;
  for (let i = 0; i < repeat; i++) {
    const fresh = { ...c, publicKey: { ...c.publicKey, n: oddModulus(c.definition.modulusBits) } }; // a new key: H's table too
    let t = performance.now();
    keyBase(fresh.publicKey.n);
    table.push(performance.now() - t);
    t = performance.now();
    const m = material(fresh);
    pre.push(performance.now() - t);
    t = performance.now();
    await build(fresh, choice, credential, m, quiet);
    built.push(performance.now() - t);
  }
  // the adapter the engine calls, end to end once (table cached): precompute then build
  const again = await precompute(c, quiet);
  await build(c, choice, credential, again, quiet);
  return {
    [`${name}_key_table_ms`]: round(median(table)),
    [`${name}_material_ms`]: round(median(pre)),
    [`${name}_precompute_ms`]: round(median(table.map((x, i) => x + pre[i]!))),
    [`${name}_build_after_precompute_ms`]: round(median(built)),
  };
}

export async function benchBooth(bits: number, repeat: number): Promise<Record<string, number>> {
  const n = oddModulus(bits);
  const out: Record<string, number> = { modulus_bits: bits, repeat };
  for (const eligibility of ["signing", "anonymous"] as const) {
    Object.assign(out, await measure(`referendum_${eligibility}`, testContext("referendum", { n, eligibility }), repeat));
    Object.assign(out, await measure(`committee_10_3_${eligibility}`, testContext("committee", { n, eligibility, candidates: 10, seats: 3 }), repeat));
  }
  return out;
}
