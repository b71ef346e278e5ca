// Paillier encryption in the Damgård–Jurik–Nielsen form, ballot format v2 (docs/protocol.md §P3.5, §P6.1,
// docs/decisions/0011): the mirror of crypto/paillier.py. Enc(m; r) = (1 + n)^m · H^r mod n² = (1 + m·n)·H^r,
// r ∈ [0, 2^ℓ_r), ℓ_r = ⌈|n|/2⌉, H = h^n mod n², h = −x² mod n with x hashed from n (key_base: nobody chooses it).
import { bitLength, bytesToInt } from "./bytes.ts";
import { gcd, powmod as modPow } from "./arith.ts";
import { FixedBase } from "./fixed_base.ts";
import { Transcript } from "./transcript.ts";

/** crypto/errors.py CryptoError and its subclasses used by the booth. */
export class CryptoError extends Error {
  override name = "CryptoError";
}
export class DecodingError extends CryptoError {
  override name = "DecodingError";
}
export class InvalidKey extends CryptoError {
  override name = "InvalidKey";
}

const BASE_DOMAIN = "paillier-v2/h";

/** ℓ_r = ⌈|n| / 2⌉ (crypto.paillier.randomness_bits). */
export const randomnessBits = (n: bigint): number => Math.floor((bitLength(n) + 1) / 2);

/** Exponents of H up to this many bits use the table: ℓ_r plus four 128-bit margins (crypto.paillier.table_bits). */
export const tableBits = (n: bigint): number => randomnessBits(n) + 4 * 128;

/** A source of uniform random integers of `bits` bits: the booth's is `randomBits` (crypto.getRandomValues). */
export type RandomBits = (bits: number) => bigint;

/** Uniform in [0, 2^bits), from crypto.getRandomValues (secrets.randbits). */
export const randomBits: RandomBits = (bits) => {
  if (bits <= 0) throw new RangeError("bits must be positive");
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  for (let o = 0; o < bytes.length; o += 65536) crypto.getRandomValues(bytes.subarray(o, o + 65536));
  return bytesToInt(bytes) >> BigInt(bytes.length * 8 - bits);
};

export interface KeyBase {
  readonly n: bigint;
  readonly n2: bigint;
  readonly h: bigint;
  readonly H: bigint;
  /** H^e mod n² through the fixed-base table. */
  readonly table: FixedBase;
}

const bases = new Map<bigint, KeyBase>(); // per modulus; a booth holds one election's key (two at most)

/** crypto.paillier.key_base: x = the first transcript challenge over n and a counter (|n| + 128 bits, mod n) that
 *  is a unit; h = −x² mod n; H = h^n mod n². The table (about 6 MB at 3072 bits) is built on first use. */
export function keyBase(n: bigint): KeyBase {
  const known = bases.get(n);
  if (known) return known;
  if (n <= 1n || n % 2n === 0n) throw new InvalidKey("Paillier modulus must be an odd integer > 1");
  let x = 0n;
  for (let counter = 0; ; counter++) {
    const t = new Transcript(BASE_DOMAIN).appendInt("n", n).appendInt("counter", counter);
    x = t.challengeInt("x", bitLength(n) + 128) % n;
    if (x > 0n && gcd(x, n) === 1n) break;
  }
  const n2 = n * n;
  const h = (((-x * x) % n) + n) % n;
  const H = modPow(h, n, n2);
  const base: KeyBase = { n, n2, h, H, table: new FixedBase(H, n2, tableBits(n)) };
  if (bases.size >= 2) bases.delete(bases.keys().next().value!);
  bases.set(n, base);
  return base;
}

/** crypto.paillier.validate_ciphertext: 0 < c < n² and gcd(c, n) = 1 (raises DecodingError). */
export function validateCiphertext(n: bigint, c: bigint): bigint {
  if (c <= 0n) throw new DecodingError("ciphertext must be positive (0 < c < n²)");
  if (c >= n * n) throw new DecodingError("ciphertext must be less than n² (0 < c < n²)");
  if (gcd(c, n) !== 1n) throw new DecodingError("ciphertext shares a factor with n (gcd(c, n) != 1)");
  return c;
}

/** A fresh encryption exponent r, uniform in [0, 2^ℓ_r). */
export const randomExponent = (n: bigint, random: RandomBits = randomBits): bigint => random(randomnessBits(n));

/** Enc(m; r) = (1 + m·n) · H^r mod n² for 0 ≤ m < n, 0 ≤ r < 2^ℓ_r (crypto.paillier.encrypt). `hR`: H^r if known. */
export function encrypt(n: bigint, m: bigint, r: bigint, hR?: bigint): bigint {
  if (m < 0n || m >= n) throw new RangeError("plaintext out of range [0, n)");
  if (r < 0n || r >> BigInt(randomnessBits(n))) throw new RangeError(`randomness r must lie in [0, 2^${randomnessBits(n)})`);
  const base = keyBase(n);
  return ((1n + m * n) * (hR ?? base.table.pow(r))) % base.n2;
}

/** Homomorphic addition: ∏ c_i mod n² (no arguments: 1, the trivial encryption of 0). */
export function add(n: bigint, ...cs: bigint[]): bigint {
  const n2 = n * n;
  return cs.reduce((acc, c) => (acc * c) % n2, 1n);
}
