// Fixed-base modular exponentiation in BigInt (crypto/fixed_base.py FixedBase; docs/decisions/0011, §P3.5).
// The table holds g^{d·2^{w·i}} for every window i and digit d ∈ [1, 2^w), so g^e costs one multiplication per
// non-zero w-bit digit of e and no squaring. Also the plain square-and-multiply `modPow` for other bases and the
// modular inverse: BigInt has neither.
//
// The window, measured at |n| = 3072 (booth/bench/ballot_bench.ts and ballot_bench_chromium.mjs; 2 shared cores,
// so ±15 % between runs): the booth builds the table once per key (exponents up to table_bits = ℓ_r + 512 = 2,048
// bits, as Python), then a committee ballot of 10 candidates needs 45 fixed-base exponentiations of about 1,800 bits
// (its material). Table build + those 45, for one ballot:
//   w = 4:  7,680 entries,  5.9 MB: Node 20 740–900 ms, Chromium 156 620–640 ms
//   w = 5: 12,710 entries,  9.8 MB: Node 20 740–830 ms, Chromium 156 560–650 ms
//   w = 6: 21,546 entries, 16.5 MB: Node 20 990–1,050 ms, Chromium 156 710–880 ms
// Counted in multiplications (7,680 + 45·450·15/16 against 12,710 + 45·360·31/32) w = 4 and w = 5 are equal for
// one ballot and w = 4 stays ahead up to three. w = 4 is chosen: as fast as any for the ballots a voter makes (one,
// or an audited one and the cast one) with the smallest table for a phone. The window changes no byte of any
// ballot (Python's tables use w = 6).
import { powmod as modPow } from "./arith.ts";
export const BOOTH_WINDOW = 4;


export class FixedBase {
  readonly base: bigint;
  readonly modulus: bigint;
  readonly maxBits: number;
  readonly window: number;
  private readonly rows: bigint[][];

  constructor(base: bigint, modulus: bigint, maxBits: number, window = BOOTH_WINDOW) {
    if (modulus < 2n) throw new RangeError("modulus must be at least 2");
    if (window < 1 || window > 16) throw new RangeError("window must be between 1 and 16 bits");
    if (maxBits < 1) throw new RangeError("maxBits must be positive");
    this.base = base;
    this.modulus = modulus;
    this.maxBits = maxBits;
    this.window = window;
    this.rows = [];
    let g = ((base % modulus) + modulus) % modulus;
    for (let i = 0; i < Math.ceil(maxBits / window); i++) {
      const row = [g]; // row i holds g_i^d for d = 1 .. 2^w − 1, with g_i = g^{2^{w·i}}
      for (let d = 2; d < 1 << window; d++) row.push((row[row.length - 1]! * g) % modulus);
      this.rows.push(row);
      g = (row[row.length - 1]! * g) % modulus; // g_{i+1} = g_i^{2^w}
    }
  }

  /** Number of residues stored. */
  get entries(): number {
    return this.rows.length * ((1 << this.window) - 1);
  }

  /** base^exponent mod modulus for exponent ≥ 0 (longer than maxBits: plain square-and-multiply). */
  pow(exponent: bigint): bigint {
    if (exponent < 0n) throw new RangeError("exponent must be non-negative");
    const mask = BigInt((1 << this.window) - 1);
    const w = BigInt(this.window);
    if (exponent >> BigInt(this.maxBits)) return modPow(this.base, exponent, this.modulus);
    let acc = 1n;
    let e = exponent;
    for (let i = 0; e; i++, e >>= w) {
      const d = Number(e & mask);
      if (d) acc = (acc * this.rows[i]![d - 1]!) % this.modulus;
    }
    return acc % this.modulus;
  }
}
