// Verification of the proof that a Paillier modulus is a product of two large primes ≡ 3 (mod 4): the port of
// crypto/modulus.py `verify_modulus` (docs/protocol.md §P3.4, docs/decisions/0006) and of voting/modulus_json.py
// `modulus_proof_from_json`. The same transcript (`paillier/modulus-proof/v2`), the same checks in the same order,
// the same refusals: ModulusError with kind "key" (crypto InvalidKey: n itself is malformed) or "proof"
// (InvalidProof: a part of the proof does not verify); JSON shape errors are EncodingError (bytes.ts).
//
// Three parts from ONE Fiat–Shamir transcript over the statement (context, n, every parameter, N̂) and every first
// message: GRSB19 §3.2 N-th roots (gcd(n, φ(n)) = 1), the Paillier–Blum part of CGGMP21 Π^mod (Fig. 16: a product
// of two primes ≡ 3 mod 4) and CGGMP21 Π^fac (Fig. 28: no factor below √n / 2^{ℓ+ε+1}), with the ring-Pedersen
// modulus N̂ = RSA-2048. Verification only: the booth never proves a modulus. Not constant time (nothing secret).
import { bitLength, EncodingError, fromHex, hash, toHex, utf8 } from "./bytes.ts";
import { asObject, exactKeys, getList, type JSONObject, type JSONValue } from "./encoding.ts";
import { Transcript } from "./transcript.ts";
import { gcd, mod, modInverse as invert, powmod } from "./arith.ts";

export { gcd, powmod };

export class ModulusError extends Error {
  override name = "ModulusError";
  constructor(
    readonly kind: "key" | "proof",
    message: string,
  ) {
    super(message);
  }
}

const invalidKey = (m: string) => new ModulusError("key", m);
const invalidProof = (m: string) => new ModulusError("proof", m);

export const ALPHA_BITS = 16; // α = 2^16: n has no prime factor below α (GRSB19)
export const GRSB_ROUNDS = 8; // m = ceil(128 / log2 α)
export const BLUM_ROUNDS = 128; // CGGMP21 Fig. 16: soundness 2^-m
export const FAC_L = 128; // ℓ of CGGMP21 Fig. 28
export const FAC_EPSILON = 2 * FAC_L; // ε = 2ℓ

const DOMAIN = "paillier/modulus-proof/v2";
const EXTRA_BITS = 128; // a value reduced modulo m is derived from |m| + 128 bits
const MAX_ATTEMPTS = 64;

/** RSA-2048 (RSA Laboratories' 1991 factoring challenge), the ring-Pedersen modulus N̂; pinned by its SHA-256. */
export const RSA_2048 = BigInt(
  "25195908475657893494027183240048398571429282126204032027777137836043662020707595556264018525880784406918290641249" +
    "51508218929855914917618450280848912007284499268739280728777673597141834727026189637501497182469116507761337985909" +
    "57000973304597488084284017974291006424586918171951187461215151726546322822168699875491824224336372590851418654620" +
    "43576798423387184774447920739934236584823824281198163815010674810451660377306056201619676256133844143603833904414" +
    "95263443219011465754445417842402092461651572335077870774981712577246796292638635637328991215483143816789988504044" +
    "5364023527381951378636564391212010397122822120720357",
);
export const RSA_2048_SHA256 = "b3c2468add10e2a0c4a251d9d2bac4ba04d4b3527156ceead43a1305e03f1fc0";
if (toHex(hash(utf8(RSA_2048.toString()))) !== RSA_2048_SHA256) throw new Error("RSA-2048 constant corrupted");

// --- the proof (crypto.modulus.BlumProof, FacProof, ModulusProof) ------------------------------------------------

export interface BlumProof {
  readonly w: bigint;
  readonly x: readonly bigint[];
  readonly a: readonly number[];
  readonly b: readonly number[];
}

export interface FacProof {
  readonly P: bigint;
  readonly Q: bigint;
  readonly A: bigint;
  readonly B: bigint;
  readonly T: bigint;
  readonly sigma: bigint;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly w1: bigint;
  readonly w2: bigint;
  readonly v: bigint;
}

export interface ModulusProof {
  readonly sigmas: readonly bigint[];
  readonly blum: BlumProof;
  readonly fac: FacProof;
}

/** The Jacobi symbol (a / n) for odd n > 0 (gmpy2.jacobi). */
export function jacobi(a: bigint, n: bigint): number {
  a = mod(a, n);
  let t = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) t = -t;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) t = -t;
    a %= n;
  }
  return n === 1n ? t : 0;
}

/** ⌊x^(1/k)⌋ for x ≥ 0 (Newton's method from above). */
function iroot(x: bigint, k: number): bigint {
  if (x < 2n) return x;
  const K = BigInt(k);
  let r = 1n << BigInt(Math.ceil(bitLength(x) / k)); // ≥ the root
  for (;;) {
    const next = ((K - 1n) * r + x / r ** (K - 1n)) / K;
    if (next >= r) return r;
    r = next;
  }
}

export const isqrt = (x: bigint): bigint => iroot(x, 2);

function smallPrimesBelow(limit: number): number[] {
  const sieve = new Uint8Array(limit);
  const out: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (sieve[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += i) sieve[j] = 1;
  }
  return out;
}

let SMALL_PRIMES: number[] | undefined;
const smallPrimes = (): number[] => (SMALL_PRIMES ??= smallPrimesBelow(1 << ALPHA_BITS));

/** gmpy2.is_power: n = a^k for some integer a and k > 1 (enough to try prime k up to |n|). */
function isPerfectPower(n: bigint): boolean {
  const bits = bitLength(n);
  for (const k of smallPrimes()) {
    if (k > bits) break;
    const r = iroot(n, k);
    if (r ** BigInt(k) === n) return true;
  }
  return false;
}

function randomBelow(limit: bigint): bigint {
  const bytes = new Uint8Array(Math.ceil(bitLength(limit) / 8) + 16);
  crypto.getRandomValues(bytes);
  return BigInt("0x" + toHex(bytes)) % limit;
}

/** gmpy2.is_prime(n, 32): Miller–Rabin, base 2 then 31 random bases (a composite is refused after one round, with
 * overwhelming probability; a prime always passes). */
function isProbablePrime(n: bigint, rounds = 32): boolean {
  if (n < 2n) return false;
  for (const p of [2n, 3n, 5n, 7n]) if (n % p === 0n) return n === p;
  let d = n - 1n,
    s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (let i = 0; i < rounds; i++) {
    const a = i === 0 ? 2n : 2n + randomBelow(n - 3n);
    let x = powmod(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let witness = true;
    for (let j = 1; j < s && witness; j++) {
      x = (x * x) % n;
      if (x === n - 1n) witness = false;
    }
    if (witness) return false;
  }
  return true;
}

// --- bounds and widths (crypto.modulus._bounds, fac_widths) ------------------------------------------------------

interface Bounds {
  z: bigint; // z1, z2: 2^{ℓ+ε}·⌊√n⌋ — the factor-size check
  sigma: bigint; // σ: 2^ℓ·n·N̂
  w: bigint; // w1, w2: 2^{ℓ+ε+1}·N̂
  v: bigint; // v: 2^{ℓ+ε+1}·n·N̂
}

function bounds(n: bigint): Bounds {
  const le = BigInt(FAC_L + FAC_EPSILON);
  return {
    z: isqrt(n) << le,
    sigma: (n * RSA_2048) << BigInt(FAC_L),
    w: RSA_2048 << (le + 1n),
    v: (n * RSA_2048) << (le + 1n),
  };
}

/** Byte widths of Π^fac's two's-complement integers for a `modulusBits`-bit n, and of ring elements ("ring"). */
export function facWidths(modulusBits: number): { sigma: number; z: number; w: number; v: number; ring: number } {
  const hat = bitLength(RSA_2048);
  const le = FAC_L + FAC_EPSILON;
  const width = (bits: number) => Math.floor(bits / 8) + 1; // one sign bit more, rounded up to bytes
  return {
    sigma: width(FAC_L + modulusBits + hat),
    z: width(le + Math.floor((modulusBits + 1) / 2)),
    w: width(le + 1 + hat),
    v: width(le + 1 + modulusBits + hat),
    ring: Math.ceil(hat / 8),
  };
}

// --- the JSON (voting/modulus_json.py) ---------------------------------------------------------------------------

function hexField(value: JSONValue | undefined, what: string, width: number): Uint8Array {
  if (typeof value !== "string") throw new EncodingError(`${what}: expected a hex string`);
  return fromHex(value, what, width);
}

const unsigned = (value: JSONValue | undefined, what: string, width: number): bigint =>
  BigInt("0x0" + toHex(hexField(value, what, width)));

function signed(value: JSONValue | undefined, what: string, width: number): bigint {
  const raw = hexField(value, what, width);
  const u = BigInt("0x0" + toHex(raw));
  return raw[0]! & 0x80 ? u - (1n << BigInt(8 * width)) : u;
}

/** The `modulus_proof` body of key.published (docs/record.md): exact fields, exact list lengths (checked before
 * any value is parsed), fixed widths. Ranges and group membership are the verifier's. */
export function modulusProofFromJson(value: JSONValue | undefined, modulusBits: number): ModulusProof {
  const what = "modulus_proof";
  const obj = exactKeys(value, ["blum", "fac", "sigmas"], what);
  const nb = modulusBits / 8;
  const widths = facWidths(modulusBits);
  const values = (parent: JSONObject, key: string, count: number, where: string): JSONValue[] => {
    const items = getList(parent, key, where);
    if (items.length !== count) throw new EncodingError(`${where}.${key}: expected ${count} values, got ${items.length}`);
    return items;
  };
  const bits = (v: JSONValue | undefined, where: string): number[] => {
    const m = unsigned(v, where, BLUM_ROUNDS / 8);
    return Array.from({ length: BLUM_ROUNDS }, (_, i) => Number((m >> BigInt(i)) & 1n));
  };
  const sigmas = values(obj, "sigmas", GRSB_ROUNDS, what);
  const blum = exactKeys(asObject(obj["blum"], what + ".blum"), ["a", "b", "w", "x"], `${what}.blum`);
  const xs = values(blum, "x", BLUM_ROUNDS, `${what}.blum`);
  const fac = exactKeys(
    asObject(obj["fac"], what + ".fac"),
    ["A", "B", "P", "Q", "T", "sigma", "v", "w1", "w2", "z1", "z2"],
    `${what}.fac`,
  );
  const ring = (name: string) => unsigned(fac[name], `${what}.fac.${name}`, widths.ring);
  const [A, B, P, Q, T] = [ring("A"), ring("B"), ring("P"), ring("Q"), ring("T")];
  return {
    sigmas: sigmas.map((s) => unsigned(s, `${what}.sigmas`, nb)),
    blum: {
      w: unsigned(blum["w"], `${what}.blum.w`, nb),
      x: xs.map((x) => unsigned(x, `${what}.blum.x`, nb)),
      a: bits(blum["a"], `${what}.blum.a`),
      b: bits(blum["b"], `${what}.blum.b`),
    },
    fac: {
      A,
      B,
      P,
      Q,
      T,
      sigma: signed(fac["sigma"], `${what}.fac.sigma`, widths.sigma),
      z1: signed(fac["z1"], `${what}.fac.z1`, widths.z),
      z2: signed(fac["z2"], `${what}.fac.z2`, widths.z),
      w1: signed(fac["w1"], `${what}.fac.w1`, widths.w),
      w2: signed(fac["w2"], `${what}.fac.w2`, widths.w),
      v: signed(fac["v"], `${what}.fac.v`, widths.v),
    },
  };
}

// --- the transcript (crypto.modulus._statement, _unit, _ring_pedersen, _challenges, _rhos) -----------------------

function statement(n: bigint, context: Uint8Array): Transcript {
  const t = new Transcript(DOMAIN);
  t.appendBytes("context", context).appendInt("n", n);
  t.appendInt("alpha_bits", ALPHA_BITS).appendInt("grsb_rounds", GRSB_ROUNDS);
  t.appendInt("blum_rounds", BLUM_ROUNDS).appendInt("fac_l", FAC_L).appendInt("fac_epsilon", FAC_EPSILON);
  t.appendInt("ring_pedersen_modulus", RSA_2048);
  return t;
}

function unit(t: Transcript, label: string, modulus: bigint): bigint {
  const bits = bitLength(modulus) + EXTRA_BITS;
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const x = t.challengeInt(label, bits) % modulus;
    if (x !== 0n && gcd(x, modulus) === 1n) return x;
  }
  throw invalidKey(`could not derive a unit modulo the modulus (${label})`);
}

function appendSigned(t: Transcript, label: string, value: bigint): void {
  t.appendInt(`${label}.negative`, value < 0n ? 1 : 0).appendInt(label, value < 0n ? -value : value);
}

function ringPedersen(t: Transcript): [bigint, bigint] {
  const s = unit(t, "ring_pedersen.s", RSA_2048);
  const u = unit(t, "ring_pedersen.t", RSA_2048);
  return [(s * s) % RSA_2048, (u * u) % RSA_2048];
}

function challenges(t: Transcript, n: bigint, w: bigint, fac: readonly bigint[], sigma: bigint): [bigint[], bigint] {
  t.appendInt("blum.w", w).appendInts("fac.PQABT", fac);
  appendSigned(t, "fac.sigma", sigma);
  const ys = Array.from({ length: BLUM_ROUNDS }, () => unit(t, "blum.y", n));
  return [ys, t.challengeInt("fac.e", FAC_L)];
}

// --- checks on n (crypto.modulus._check_modulus_shape) -----------------------------------------------------------

function checkModulusShape(n: bigint, minBits: number): void {
  if (bitLength(n) < minBits) throw invalidKey(`modulus has ${bitLength(n)} bits, at least ${minBits} required`);
  if (n < 3n || n % 2n === 0n) throw invalidKey("modulus is even");
  // gcd(n, ∏ primes < α) = 1, as trial division by each prime below α (the same test, no 88,000-bit product)
  for (const p of smallPrimes()) {
    if (n % BigInt(p) === 0n) throw invalidKey(`modulus has a prime factor below 2^${ALPHA_BITS}`);
  }
  if (isPerfectPower(n)) throw invalidKey("modulus is a perfect power");
  if (isProbablePrime(n)) throw invalidKey("modulus is prime");
  if (n % 4n !== 1n) throw invalidKey("modulus is not 1 mod 4, so not a product of two primes ≡ 3 (mod 4)");
}

const inRing = (x: bigint): boolean => x > 0n && x < RSA_2048 && gcd(x, RSA_2048) === 1n;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** crypto.modulus.verify_modulus (steps as docs/protocol.md §P3.4): throws ModulusError "key" if n itself is
 * malformed, "proof" if any part of the proof does not verify. */
export function verifyModulus(n: bigint, proof: ModulusProof, context: Uint8Array, minBits: number): void {
  // 0. the modulus itself
  checkModulusShape(n, minBits);
  const { sigmas, blum, fac } = proof;
  // 1. shapes and ranges of every field, before any exponentiation
  if (sigmas.length !== GRSB_ROUNDS) throw invalidProof(`modulus proof must have ${GRSB_ROUNDS} N-th roots, got ${sigmas.length}`);
  sigmas.forEach((s, i) => {
    if (!(s > 0n && s < n)) throw invalidProof(`N-th root ${i + 1} out of range (0, n)`);
  });
  if (!(blum.x.length === BLUM_ROUNDS && blum.a.length === BLUM_ROUNDS && blum.b.length === BLUM_ROUNDS)) {
    throw invalidProof(`the Blum part must have ${BLUM_ROUNDS} rounds of (x, a, b)`);
  }
  if (!(blum.w > 0n && blum.w < n)) throw invalidProof("w out of range (0, n)");
  if (jacobi(blum.w, n) !== -1) throw invalidProof("w does not have Jacobi symbol −1 modulo n");
  for (let i = 0; i < BLUM_ROUNDS; i++) {
    if (!(blum.x[i]! > 0n && blum.x[i]! < n)) throw invalidProof(`Blum root x_${i} out of range (0, n)`);
    if (![0, 1].includes(blum.a[i]!) || ![0, 1].includes(blum.b[i]!)) throw invalidProof(`Blum bits a_${i}, b_${i} must be 0 or 1`);
  }
  const commitments = [fac.P, fac.Q, fac.A, fac.B, fac.T];
  commitments.forEach((value, i) => {
    if (!inRing(value)) throw invalidProof(`commitment ${"PQABT"[i]} is not in Z*_N̂`);
  });
  const b = bounds(n);
  for (const [name, value, bound] of [
    ["sigma", fac.sigma, b.sigma],
    ["z1", fac.z1, b.z], // CGGMP21 Fig. 28, "z1, z2 ∈ ±√N0·2^{ℓ+ε}": the factor-size check
    ["z2", fac.z2, b.z],
    ["w1", fac.w1, b.w],
    ["w2", fac.w2, b.w],
    ["v", fac.v, b.v],
  ] as const) {
    if (abs(value) > bound) throw invalidProof(`Π^fac response ${name} out of range`);
  }
  // 2. the transcript: ρ_i from the statement, s and t, then the first messages, then y_i and e
  const t = statement(n, context);
  const rhos = Array.from({ length: GRSB_ROUNDS }, () => unit(t, "grsb.rho", n));
  const [s, tt] = ringPedersen(t);
  const [ys, e] = challenges(t, n, blum.w, commitments, fac.sigma);
  // 3. GRSB19 §3.2: σ_i^n ≡ ρ_i (mod n)
  sigmas.forEach((sigma, i) => {
    if (powmod(sigma, n, n) !== rhos[i]) {
      throw invalidProof(`N-th root ${i + 1} is not an n-th root of ρ_${i + 1}: gcd(n, φ(n)) = 1 not shown`);
    }
  });
  // 4. CGGMP21 Fig. 16: x_i^4 ≡ (−1)^{a_i} w^{b_i} y_i (mod n) — two squarings per round
  for (let i = 0; i < BLUM_ROUNDS; i++) {
    let rhs = (ys[i]! * (blum.b[i] ? blum.w : 1n)) % n;
    if (blum.a[i]) rhs = n - rhs;
    const x2 = (blum.x[i]! * blum.x[i]!) % n;
    if ((x2 * x2) % n !== rhs) {
      throw invalidProof(`Blum round ${i}: x_${i} is not a 4th root: not a product of two primes ≡ 3 mod 4`);
    }
  }
  // 5. CGGMP21 Fig. 28 modulo N̂: R = s^N t^σ, and the three equations
  const hat = RSA_2048;
  const R = (powmod(s, n, hat) * powmod(tt, fac.sigma, hat)) % hat;
  if ((powmod(s, fac.z1, hat) * powmod(tt, fac.w1, hat)) % hat !== (fac.A * powmod(fac.P, e, hat)) % hat) {
    throw invalidProof("Π^fac: s^z1 t^w1 ≠ A·P^e");
  }
  if ((powmod(s, fac.z2, hat) * powmod(tt, fac.w2, hat)) % hat !== (fac.B * powmod(fac.Q, e, hat)) % hat) {
    throw invalidProof("Π^fac: s^z2 t^w2 ≠ B·Q^e");
  }
  if ((powmod(fac.Q, fac.z1, hat) * powmod(tt, fac.v, hat)) % hat !== (fac.T * powmod(R, e, hat)) % hat) {
    throw invalidProof("Π^fac: Q^z1 t^v ≠ T·R^e");
  }
}
