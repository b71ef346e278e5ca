// The measurements of ballot_bench.ts, without Node APIs so that ballot_bench_chromium.mjs runs them in a browser.
// The modulus is a random odd number of the given size (timing needs no factorisation: every operation costs the
// same as with a real key); figures are medians of `repeat` runs.
import { bitLength } from "../src/crypto/bytes.ts";
import { buildBallot, precompute, verifyBallot } from "../src/crypto/ballot.ts";
import { generateSeed, publicKey, signingEvidence, verifySigningEvidence } from "../src/crypto/ed25519.ts";
import type { ElectionContext } from "../src/crypto/election.ts";
import { FixedBase } from "../src/crypto/fixed_base.ts";
import { keyBase, randomBits, tableBits } from "../src/crypto/paillier.ts";
import { testContext } from "../test/support.ts";

const ms = (f: () => unknown): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x * 10) / 10;

function shape(ctx: ElectionContext, name: string, repeat: number): Record<string, number> {
  const seed = generateSeed();
  const binding = publicKey(seed);
  const choice = ctx.definition.kind === "committee" ? [0, 4, 9] : 1;
  const pre: number[] = [];
  const build: number[] = [];
  const full: number[] = [];
  const verify: number[] = [];
  for (let i = 0; i < repeat; i++) {
    let material = precompute(ctx);
    pre.push(ms(() => (material = precompute(ctx))));
    let built: ReturnType<typeof buildBallot> | undefined;
    build.push(ms(() => (built = buildBallot(ctx, choice, binding, signingEvidence(ctx, seed), material))));
    full.push(ms(() => buildBallot(ctx, choice, binding, signingEvidence(ctx, seed))));
    verify.push(ms(() => verifyBallot(ctx, built!.bytes, verifySigningEvidence)));
  }
  return {
    [`${name}_precompute_ms`]: round(median(pre)),
    [`${name}_build_after_precompute_ms`]: round(median(build)),
    [`${name}_build_without_material_ms`]: round(median(full)),
    [`${name}_verify_ms`]: round(median(verify)),
  };
}

export function benchBallots(bits: number, repeat: number): Record<string, unknown> {
  const n = randomBits(bits) | (1n << BigInt(bits - 1)) | 1n;
  const n2 = n * n;
  const out: Record<string, unknown> = { modulus_bits: bitLength(n), repeat };

  // One multiplication modulo n² (the unit of every cost here).
  let a = randomBits(2 * bits) % n2;
  const b = randomBits(2 * bits) % n2;
  const count = 2000;
  out["mulmod_n2_us"] = round((ms(() => { for (let i = 0; i < count; i++) a = (a * b) % n2; }) / count) * 1000);

  // The key's base H and its table (once per key; the booth does it while the voter reads).
  out["key_base_ms"] = round(ms(() => keyBase(n)));

  // The window: table build plus the 45 exponentiations of ≈ 1,800 bits of a committee 10 / 3 ballot's material.
  const H = keyBase(n).H;
  const exponents = Array.from({ length: 45 }, () => randomBits(Math.floor(bits / 2) + 260));
  out["windows"] = [4, 5, 6].map((w) => {
    let table: FixedBase | undefined;
    const built = ms(() => (table = new FixedBase(H, n2, tableBits(n), w)));
    const pows = ms(() => exponents.forEach((e) => table!.pow(e)));
    const mb = round((table!.entries * 2 * bits) / 8 / 1e6);
    return { window: w, entries: table!.entries, table_mb: mb, build_ms: round(built), pow45_ms: round(pows) };
  });

  Object.assign(out, shape(testContext("referendum", { n }), "referendum", repeat));
  Object.assign(out, shape(testContext("committee", { n, candidates: 10, seats: 3 }), "committee_10_3", repeat));
  return out;
}
