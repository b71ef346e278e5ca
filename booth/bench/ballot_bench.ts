// Ballot building in Node at full size (issue 10 item 5; docs/protocol.md §P6.7): prints JSON.
//   cd booth && npx tsx bench/ballot_bench.ts [--modulus-bits 3072] [--repeat 3]
// The modulus is a random odd number of the given size (timing needs no factorisation: every operation costs the
// same as with a real key); figures are medians of `repeat` runs. The targets are for headless Chromium:
// precomputation < 3 s, committee 10 / 3 built < 700 ms after precomputation, referendum < 200 ms.
import { bitLength } from "../src/crypto/bytes.ts";
import { buildBallot, precompute, verifyBallot } from "../src/crypto/ballot.ts";
import { generateSeed, publicKey, signingEvidence, verifySigningEvidence } from "../src/crypto/ed25519.ts";
import type { ElectionContext } from "../src/crypto/election.ts";
import { FixedBase } from "../src/crypto/fixed_base.ts";
import { keyBase, randomBits, tableBits } from "../src/crypto/paillier.ts";
import { testContext } from "../test/support.ts";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const bits = arg("--modulus-bits", 3072);
const repeat = arg("--repeat", 3);

const ms = (f: () => unknown): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x * 10) / 10;

const n = randomBits(bits) | (1n << BigInt(bits - 1)) | 1n;
const n2 = n * n;
const out: Record<string, unknown> = { node: process.version, modulus_bits: bitLength(n), repeat };

// One multiplication modulo n² (the unit of every cost here).
{
  let a = randomBits(2 * bits) % n2;
  const b = randomBits(2 * bits) % n2;
  const count = 2000;
  out["mulmod_n2_us"] = round((ms(() => { for (let i = 0; i < count; i++) a = (a * b) % n2; }) / count) * 1000);
}

// The key's base H and its table (once per key; the booth does it while the voter reads).
out["key_base_ms"] = round(ms(() => keyBase(n)));

// The window: table build plus the 45 exponentiations of ≈ 1,800 bits of a committee 10 / 3 ballot's material.
const H = keyBase(n).H;
const exponents = Array.from({ length: 45 }, () => randomBits(Math.floor(bits / 2) + 260));
out["windows"] = [4, 5, 6].map((w) => {
  let table: FixedBase | undefined;
  const build = ms(() => (table = new FixedBase(H, n2, tableBits(n), w)));
  const pows = ms(() => exponents.forEach((e) => table!.pow(e)));
  return { window: w, entries: table!.entries, table_mb: round((table!.entries * 2 * bits) / 8 / 1e6), build_ms: round(build), pow45_ms: round(pows), fb_ms: round(pows / 45) };
});

function shape(ctx: ElectionContext, name: string): Record<string, number> {
  const seed = generateSeed();
  const binding = publicKey(seed);
  const pre: number[] = [];
  const build: number[] = [];
  const full: number[] = [];
  const verify: number[] = [];
  const choice = ctx.definition.kind === "committee" ? [0, 4, 9] : 1;
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

Object.assign(out, shape(testContext("referendum", { n }), "referendum"));
Object.assign(out, shape(testContext("committee", { n, candidates: 10, seats: 3 }), "committee_10_3"));
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
