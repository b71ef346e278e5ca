// BBS signatures: draft-irtf-cfrg-bbs-signatures-10, ciphersuite BLS12-381-SHA-256 — the same bytes as
// crypto/bbs.py (docs/protocol.md §P5.2). Layout follows the draft and the Python module:
//
// * the Interface (§3.4, api_id = "BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_"): keyGen, skToPk, sign, verify,
//   proofGen, proofVerify (sign and keyGen exist for the fixtures and tests; the phone never signs);
// * the Core operations (§3.6) with api_id and the generators as parameters, reused by bbs_blind.ts and
//   bbs_pseudonym.ts: coreSign, coreVerify, coreProofGen, coreProofVerify;
// * the proof subroutines (§3.7): proofInit, proofFinalize, proofVerifyInit, proofChallengeCalculate;
// * the utilities (§4): createGenerators, messagesToScalars, hashToScalar, calculateDomain, and the octet
//   encodings with every check of §4.2.4 (points strict: canonical, in the subgroup, not the identity).
//
// Curve arithmetic is @noble/curves (bls12_381); random scalars come from crypto.getRandomValues. The draft's
// seeded "mocked" scalars (§8.1) exist only as mockedCalculateRandomScalars, which the fixture runner passes to the
// `_`-prefixed generation functions (the Python module's private `_proof_gen` and friends).
//
// Verification throws DecodingError (bytes that do not parse), InvalidSignature or InvalidProof — all BbsError —
// and returns nothing on success. Not constant time: JavaScript BigInt arithmetic leaks timing, as Python's does.
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { expand_message_xmd } from "@noble/curves/abstract/hash-to-curve.js";
import type { WeierstrassPoint } from "@noble/curves/abstract/weierstrass.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToInt, concat, equalBytes, fromHex, intToFixed, toHex, utf8 } from "./bytes.ts";

/** The exception tree of the BBS modules (crypto/errors.py): BbsError ⊃ DecodingError, InvalidKey, InvalidProof,
 * InvalidSignature. */
export class BbsError extends Error {
  override name = "BbsError";
}
/** Bytes or integers that do not decode to a valid, canonical value. */
export class DecodingError extends BbsError {
  override name = "DecodingError";
}
/** A key or key material that is not well formed. */
export class InvalidKey extends BbsError {
  override name = "InvalidKey";
}
/** A zero-knowledge proof that does not verify. */
export class InvalidProof extends BbsError {
  override name = "InvalidProof";
}
/** A signature that does not verify. */
export class InvalidSignature extends BbsError {
  override name = "InvalidSignature";
}

export type G1Point = WeierstrassPoint<bigint>;
type G2Point = (typeof bls12_381.G2.Point)["BASE"];

const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
const Fp12 = bls12_381.fields.Fp12;

// §7.2.2 BLS12-381-SHA-256 ciphersuite parameters
export const CIPHERSUITE_ID = utf8("BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_");
export const API_ID = concat(CIPHERSUITE_ID, utf8("H2G_HM2S_")); // §3.4 Interface identifier
export const OCTET_SCALAR_LENGTH = 32;
export const OCTET_POINT_LENGTH = 48;
export const EXPAND_LEN = 48;
/** The curve order r (the scalar field of G1 and G2). */
export const R = bls12_381.fields.Fr.ORDER;
/** The ciphersuite's fixed G1 point P1 (§7.2.2), encoded. */
export const P1 = fromHex(
  "a8ce256102840821a3e94ea9025e4662b205762f9776b3a766c872b948f1fd225e7c59698588e70d11406d161b4e28c9",
);
const MOCK_SEED = utf8("3.141592653589793238462643383279"); // §8.1 "nothing up my sleeve" seed of the fixtures
export const PROOF_LEN_FLOOR = 3 * OCTET_POINT_LENGTH + 4 * OCTET_SCALAR_LENGTH;

/** `calculateRandomScalars(count)`: the source of the prover's blinding scalars. */
export type RandomScalars = (count: number) => bigint[];

export const mod = (a: bigint): bigint => {
  const m = a % R;
  return m < 0n ? m + R : m;
};

/** a^-1 mod r (a ≠ 0 mod r). */
export function invert(a: bigint): bigint {
  let [x, y, u, v] = [mod(a), R, 1n, 0n];
  if (x === 0n) throw new RangeError("zero has no inverse");
  while (x !== 0n) {
    const q = y / x;
    [x, y, u, v] = [y - q * x, x, v - q * u, u];
  }
  return mod(v);
}

// ==============================================================================================================
// Points: strict decoding (bls12_381.py g1_from_bytes / g2_from_bytes) and group operations

export function g1ToBytes(p: G1Point): Uint8Array {
  return p.toBytes(true);
}

/** octets_to_point_E1 + subgroup_check_G1; rejects the identity and every non-canonical form. */
export function g1FromBytes(data: Uint8Array): G1Point {
  if (data.length !== OCTET_POINT_LENGTH) throw new DecodingError(`a G1 point is 48 bytes, got ${data.length}`);
  if (!(data[0]! & 0x80)) throw new DecodingError("G1 point is not in compressed form (c_flag = 0)");
  if (data[0]! & 0x40) throw new DecodingError("G1 point is the identity (or a non-canonical infinity encoding)");
  let p: G1Point;
  try {
    p = G1.fromBytes(data); // on the curve and in the prime-order subgroup (noble's assertValidity)
  } catch (e) {
    throw new DecodingError(`G1 point does not decode: ${(e as Error).message}`);
  }
  if (p.is0() || !equalBytes(p.toBytes(true), data)) throw new DecodingError("G1 point encoding is not canonical");
  return p;
}

export function g2ToBytes(q: G2Point): Uint8Array {
  return q.toBytes(true);
}

/** octets_to_point_E2 + subgroup_check_G2; rejects the identity and every non-canonical form. */
export function g2FromBytes(data: Uint8Array): G2Point {
  if (data.length !== 96) throw new DecodingError(`a G2 point is 96 bytes, got ${data.length}`);
  if (!(data[0]! & 0x80)) throw new DecodingError("G2 point is not in compressed form (c_flag = 0)");
  if (data[0]! & 0x40) throw new DecodingError("G2 point is the identity (or a non-canonical infinity encoding)");
  let q: G2Point;
  try {
    q = G2.fromBytes(data);
  } catch (e) {
    throw new DecodingError(`G2 point does not decode: ${(e as Error).message}`);
  }
  if (q.is0() || !equalBytes(q.toBytes(true), data)) throw new DecodingError("G2 point encoding is not canonical");
  return q;
}

/** k·P for any scalar (reduced mod r; 0 gives the identity). */
export function g1Mul(p: G1Point, k: bigint): G1Point {
  const s = mod(k);
  return s === 0n || p.is0() ? G1.ZERO : p.multiply(s);
}

/** Σ k_i·P_i (scalars reduced mod r), one constant-time multiplication per term: the sums here have at most a
 * few terms and many carry secrets (nym secret, blind, the proof's masks), where Pippenger's bucket method is both
 * slower (measured: 5.2 ms for 2 points against 3.7 ms) and variable-time. */
export function g1Msm(points: G1Point[], scalars: bigint[]): G1Point {
  if (points.length !== scalars.length) throw new RangeError("g1Msm: as many scalars as points");
  let acc = G1.ZERO;
  points.forEach((p, i) => {
    const k = mod(scalars[i]!);
    acc = k === 1n ? acc.add(p) : acc.add(g1Mul(p, k));
  });
  return acc;
}

export const G1_IDENTITY: G1Point = G1.ZERO;
export const G1_GENERATOR: G1Point = G1.BASE;

/** hash_to_curve_g1 (RFC 9380, BLS12381G1_XMD:SHA-256_SSWU_RO_) with an explicit DST. */
export function hashToG1(msg: Uint8Array, dst: Uint8Array): G1Point {
  return bls12_381.G1.hashToCurve(msg, { DST: dst }) as G1Point;
}

export function expandMessageXmd(msg: Uint8Array, dst: Uint8Array, length: number): Uint8Array {
  return expand_message_xmd(msg, dst, length, sha256);
}

/** Π e(P_i, Q_i) == 1 in GT; pairs with an identity component contribute 1 (bls12_381.py pairing_check). */
export function pairingCheck(pairs: [G1Point, G2Point][]): boolean {
  const live = pairs.filter(([p, q]) => !p.is0() && !q.is0()).map(([g1, g2]) => ({ g1, g2 }));
  return Fp12.eql(bls12_381.pairingBatch(live), Fp12.ONE);
}

// ==============================================================================================================
// §4 Utilities

/** RFC 8017 I2OSP. */
export function i2osp(value: number | bigint, length: number): Uint8Array {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * length)) throw new DecodingError(`integer does not fit in ${length} bytes`);
  return intToFixed(v, length);
}

/** I2OSP(s, octet_scalar_length) for a scalar in [0, r). */
export function scalarToBytes(s: bigint): Uint8Array {
  if (s < 0n || s >= R) throw new DecodingError("scalar out of range");
  return intToFixed(s, OCTET_SCALAR_LENGTH);
}

/** OS2IP of a 32-byte scalar, rejecting s = 0 and s >= r (§4.2.4.3 step 11). */
export function scalarFromBytes(data: Uint8Array): bigint {
  if (data.length !== OCTET_SCALAR_LENGTH) throw new DecodingError(`a scalar is 32 bytes, got ${data.length}`);
  const s = bytesToInt(data);
  if (s === 0n || s >= R) throw new DecodingError("scalar is zero or not below r");
  return s;
}

/** §4.2.2 hash_to_scalar: OS2IP(expand_message(msg, dst, expand_len)) mod r. */
export function hashToScalar(msgOctets: Uint8Array, dst: Uint8Array): bigint {
  if (dst.length > 255) throw new RangeError("hash_to_scalar DST longer than 255 bytes");
  return bytesToInt(expandMessageXmd(msgOctets, dst, EXPAND_LEN)) % R;
}

/** §4.2.1 calculate_random_scalars with crypto.getRandomValues as get_random (uniform in [1, r), bias < 2^-256). */
export function calculateRandomScalars(count: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(64);
    crypto.getRandomValues(bytes);
    out.push((bytesToInt(bytes) % (R - 1n)) + 1n);
  }
  return out;
}

/** §8.1 seeded_random_scalars (test vectors only). */
export function seededRandomScalars(seed: Uint8Array, dst: Uint8Array, count: number): bigint[] {
  const outLen = EXPAND_LEN * count;
  if (outLen > 65535) throw new RangeError("too many mocked scalars");
  const v = expandMessageXmd(seed, dst, outLen);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(bytesToInt(v.subarray(i * EXPAND_LEN, (i + 1) * EXPAND_LEN)) % R);
  return out;
}

/** §8.1 mocked_calculate_random_scalars: DETERMINISTIC, for reproducing the published test vectors only. Never a
 * default anywhere; the fixture runner passes it (or `mockedScalars(seed, dst)`) to the `_`-prefixed functions. */
export function mockedCalculateRandomScalars(count: number): bigint[] {
  return seededRandomScalars(MOCK_SEED, concat(API_ID, utf8("MOCK_RANDOM_SCALARS_DST_")), count);
}

/** mocked_calculate_random_scalars with another seed and DST (the blind and pseudonym fixtures). */
export function mockedScalars(seed: Uint8Array, dst: Uint8Array): RandomScalars {
  return (count) => seededRandomScalars(seed, dst, count);
}

// §4.1.1 create_generators, cached per api_id and extended on demand (the draft allows caching v).
const generatorCache = new Map<string, { v: Uint8Array; points: G1Point[] }>();

/** §4.1.1 create_generators(count, api_id): hash a seed to `count` independent points of G1. */
export function createGenerators(count: number, apiId: Uint8Array): G1Point[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError("invalid generator count");
  const seedDst = concat(apiId, utf8("SIG_GENERATOR_SEED_"));
  const generatorDst = concat(apiId, utf8("SIG_GENERATOR_DST_"));
  const key = toHex(apiId);
  let cached = generatorCache.get(key);
  if (cached === undefined) {
    // step 1: v = expand_message(generator_seed, seed_dst, expand_len)
    cached = { v: expandMessageXmd(concat(apiId, utf8("MESSAGE_GENERATOR_SEED")), seedDst, EXPAND_LEN), points: [] };
    generatorCache.set(key, cached);
  }
  // steps 2-4: v = expand_message(v || I2OSP(i, 8), seed_dst, expand_len); generator_i = hash_to_curve_g1(v)
  for (let i = cached.points.length + 1; i <= count; i++) {
    cached.v = expandMessageXmd(concat(cached.v, i2osp(i, 8)), seedDst, EXPAND_LEN);
    cached.points.push(hashToG1(cached.v, generatorDst));
  }
  return cached.points.slice(0, count);
}

/** §4.1.2 messages_to_scalars (MAP_TO_SCALAR_ID "HM2S_"). */
export function messagesToScalars(messages: Uint8Array[], apiId: Uint8Array): bigint[] {
  const mapDst = concat(apiId, utf8("MAP_MSG_TO_SCALAR_AS_HASH_"));
  return messages.map((m) => hashToScalar(m, mapDst));
}

/** §4.2.3 calculate_domain(PK, Q_1, H_Points, header, api_id). */
export function calculateDomain(
  pk: Uint8Array,
  q1: G1Point,
  hPoints: G1Point[],
  header: Uint8Array,
  apiId: Uint8Array,
): bigint {
  // step 1-2: dom_octs = serialize((L, Q_1, H_1, ..., H_L)) || api_id
  const domOcts = concat(i2osp(hPoints.length, 8), g1ToBytes(q1), ...hPoints.map(g1ToBytes), apiId);
  // step 3: dom_input = PK || dom_octs || I2OSP(length(header), 8) || header
  const domInput = concat(pk, domOcts, i2osp(header.length, 8), header);
  return hashToScalar(domInput, concat(apiId, utf8("H2S_")));
}

const P1_POINT: G1Point = g1FromBytes(P1);

/** The ciphersuite's P1 as a point (shared with bbs_blind.ts). */
export function p1(): G1Point {
  return P1_POINT;
}

// ---- §4.2.4 serialization -------------------------------------------------------------------------------------

/** §4.2.4.2 signature_to_octets: serialize((A, e)). */
export function signatureToOctets(a: G1Point, e: bigint): Uint8Array {
  return concat(g1ToBytes(a), scalarToBytes(e));
}

/** §4.2.4.3 octets_to_signature: A a non-identity point of G1, 0 < e < r. */
export function octetsToSignature(signature: Uint8Array): [G1Point, bigint] {
  if (signature.length !== OCTET_POINT_LENGTH + OCTET_SCALAR_LENGTH) throw new DecodingError("a BBS signature is 80 bytes");
  const a = g1FromBytes(signature.subarray(0, OCTET_POINT_LENGTH)); // steps 4-7 (identity and subgroup rejected)
  const e = scalarFromBytes(signature.subarray(OCTET_POINT_LENGTH)); // steps 10-11
  return [a, e];
}

/** A decoded BBS proof (§3.6.3): (Abar, Bbar, D, e^, r1^, r3^, (m^_j1, ..., m^_jU), c). */
export interface Proof {
  abar: G1Point;
  bbar: G1Point;
  d: G1Point;
  eHat: bigint;
  r1Hat: bigint;
  r3Hat: bigint;
  commitments: bigint[];
  challenge: bigint;
}

/** §4.2.4.4 proof_to_octets. */
export function proofToOctets(proof: Proof): Uint8Array {
  const scalars = [proof.eHat, proof.r1Hat, proof.r3Hat, ...proof.commitments, proof.challenge];
  return concat(g1ToBytes(proof.abar), g1ToBytes(proof.bbar), g1ToBytes(proof.d), ...scalars.map(scalarToBytes));
}

/** §4.2.4.5 octets_to_proof: three non-identity points of G1, then 4+U scalars in [1, r). */
export function octetsToProof(octets: Uint8Array): Proof {
  const n = octets.length;
  if (n < PROOF_LEN_FLOOR || (n - 3 * OCTET_POINT_LENGTH) % OCTET_SCALAR_LENGTH) {
    throw new DecodingError("proof length is not 3*48 + (4+U)*32 bytes"); // steps 1-2, 17
  }
  const points = [0, 1, 2].map((i) => g1FromBytes(octets.subarray(i * OCTET_POINT_LENGTH, (i + 1) * OCTET_POINT_LENGTH)));
  const scalars: bigint[] = [];
  for (let i = 3 * OCTET_POINT_LENGTH; i < n; i += OCTET_SCALAR_LENGTH) {
    scalars.push(scalarFromBytes(octets.subarray(i, i + OCTET_SCALAR_LENGTH))); // steps 10-16
  }
  return {
    abar: points[0]!,
    bbar: points[1]!,
    d: points[2]!,
    eHat: scalars[0]!,
    r1Hat: scalars[1]!,
    r3Hat: scalars[2]!,
    commitments: scalars.slice(3, -1),
    challenge: scalars[scalars.length - 1]!,
  };
}

const pubkeyCache = new Map<string, G2Point>();

/** §4.2.4.6 octets_to_pubkey: a non-identity point of G2 (decoded and subgroup-checked once per key). */
export function octetsToPubkey(pk: Uint8Array): G2Point {
  const key = toHex(pk);
  let w = pubkeyCache.get(key);
  if (w === undefined) {
    w = g2FromBytes(pk);
    if (pubkeyCache.size > 16) pubkeyCache.clear();
    pubkeyCache.set(key, w);
  }
  return w;
}

// ==============================================================================================================
// §3.3 Key generation

/** §3.3.1 KeyGen: SK = hash_to_scalar(key_material || I2OSP(len(key_info), 2) || key_info, key_dst). */
export function keyGen(keyMaterial: Uint8Array, keyInfo: Uint8Array = new Uint8Array(0), keyDst?: Uint8Array): Uint8Array {
  if (keyMaterial.length < 32) throw new InvalidKey("key_material must be at least 32 bytes"); // step 1
  if (keyInfo.length > 65535) throw new InvalidKey("key_info longer than 65535 bytes"); // step 2
  const dst = keyDst ?? concat(CIPHERSUITE_ID, utf8("KEYGEN_DST_"));
  const sk = hashToScalar(concat(keyMaterial, i2osp(keyInfo.length, 2), keyInfo), dst); // steps 3-4
  if (sk === 0n) throw new InvalidKey("derived secret key is zero");
  return scalarToBytes(sk);
}

export function skFromBytes(sk: Uint8Array): bigint {
  try {
    return scalarFromBytes(sk);
  } catch (e) {
    throw new InvalidKey("a secret key is a 32-byte scalar in [1, r)", { cause: e });
  }
}

/** §3.3.2 SkToPk: W = SK * BP2, encoded. */
export function skToPk(sk: Uint8Array): Uint8Array {
  return g2ToBytes(G2.BASE.multiply(skFromBytes(sk)));
}

// ==============================================================================================================
// §3.6 Core operations

function checkGenerators(generators: G1Point[], count: number): void {
  if (generators.length !== count + 1) throw new RangeError(`expected ${count + 1} generators, got ${generators.length}`);
}

/** B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L. */
function computeB(generators: G1Point[], domain: bigint, messages: bigint[]): G1Point {
  return g1Msm([P1_POINT, ...generators], [1n, domain, ...messages]);
}

/** §3.6.1 steps 4-5: A = B * (1 / (SK + e)); return signature_to_octets((A, e)). */
export function signWithE(sk: bigint, b: G1Point, e: bigint): Uint8Array {
  if (mod(sk + e) === 0n || b.is0()) throw new InvalidSignature("degenerate signature (SK + e = 0 or B = identity)");
  return signatureToOctets(g1Mul(b, invert(sk + e)), e);
}

/** §3.6.1 CoreSign. */
export function coreSign(
  sk: Uint8Array,
  pk: Uint8Array,
  generators: G1Point[],
  header: Uint8Array,
  messages: bigint[],
  apiId: Uint8Array,
): Uint8Array {
  const skInt = skFromBytes(sk);
  checkGenerators(generators, messages.length);
  const domain = calculateDomain(pk, generators[0]!, generators.slice(1), header, apiId); // step 1
  // step 2: e = hash_to_scalar(serialize((SK, msg_1, ..., msg_L, domain)), hash_to_scalar_dst)
  const eOcts = concat(scalarToBytes(skInt), ...messages.map(scalarToBytes), scalarToBytes(domain));
  const e = hashToScalar(eOcts, concat(apiId, utf8("H2S_")));
  return signWithE(skInt, computeB(generators, domain, messages), e); // steps 3-5
}

/** §3.6.2 CoreVerify; throws DecodingError or InvalidSignature. */
export function coreVerify(
  pk: Uint8Array,
  signature: Uint8Array,
  generators: G1Point[],
  header: Uint8Array,
  messages: bigint[],
  apiId: Uint8Array,
): void {
  const [a, e] = octetsToSignature(signature); // deserialization steps 1-3
  const w = octetsToPubkey(pk); // steps 4-5
  checkGenerators(generators, messages.length); // steps 6-9
  const domain = calculateDomain(pk, generators[0]!, generators.slice(1), header, apiId); // procedure step 1
  const b = computeB(generators, domain, messages); // step 2
  // step 3: h(A, W) * h(A * e - B, BP2) == Identity_GT
  const aeMinusB = g1Msm([a, b], [e, R - 1n]);
  if (!pairingCheck([[a, w], [aeMinusB, G2.BASE]])) throw new InvalidSignature("BBS signature does not verify");
}

/** init_res of §3.7.1 / §3.7.3: (Abar, Bbar, D, T1, T2, domain). */
export interface ProofInitResult {
  abar: G1Point;
  bbar: G1Point;
  d: G1Point;
  t1: G1Point;
  t2: G1Point;
  domain: bigint;
}

/** Check disclosed_indexes (strictly ascending, each in [0, total)) and return the complement. */
function undisclosed(disclosedIndexes: number[], total: number): number[] {
  let previous = -1;
  for (const i of disclosedIndexes) {
    if (!Number.isSafeInteger(i) || i <= previous || i >= total) {
      throw new InvalidProof("disclosed indexes must be strictly ascending and in range");
    }
    previous = i;
  }
  const disclosed = new Set(disclosedIndexes);
  const out: number[] = [];
  for (let j = 0; j < total; j++) if (!disclosed.has(j)) out.push(j);
  return out;
}

/** §3.7.1 ProofInit. */
export function proofInit(
  pk: Uint8Array,
  signature: [G1Point, bigint],
  generators: G1Point[],
  randomScalars: bigint[],
  header: Uint8Array,
  messages: bigint[],
  undisclosedIndexes: number[],
  apiId: Uint8Array,
): ProofInitResult {
  const [a, e] = signature;
  const bigL = messages.length;
  const u = undisclosedIndexes.length;
  if (randomScalars.length !== u + 5) throw new RangeError("need exactly U + 5 random scalars"); // step 5
  const [r1, r2, eTilde, r1Tilde, r3Tilde] = randomScalars as [bigint, bigint, bigint, bigint, bigint];
  const mTilde = randomScalars.slice(5);
  checkGenerators(generators, bigL); // step 8
  if (u > bigL || undisclosedIndexes.some((j) => j < 0 || j >= bigL)) throw new RangeError("undisclosed index out of range");
  const q1 = generators[0]!;
  const h = generators.slice(1);
  const domain = calculateDomain(pk, q1, h, header, apiId); // procedure step 1
  const b = computeB(generators, domain, messages); // step 2
  const d = g1Mul(b, r2); // step 3: D = B * r2
  const abar = g1Mul(a, r1 * r2); // step 4: Abar = A * (r1 * r2)
  const bbar = g1Msm([d, abar], [r1, R - e]); // step 5: Bbar = D * r1 - Abar * e
  const t1 = g1Msm([abar, d], [eTilde, r1Tilde]); // step 6: T1 = Abar * e~ + D * r1~
  // step 7: T2 = D * r3~ + H_j1 * m~_j1 + ... + H_jU * m~_jU
  const t2 = g1Msm([d, ...undisclosedIndexes.map((j) => h[j]!)], [r3Tilde, ...mTilde]);
  return { abar, bbar, d, t1, t2, domain };
}

/** §3.7.2 ProofFinalize. */
export function proofFinalize(
  initRes: ProofInitResult,
  challenge: bigint,
  eValue: bigint,
  randomScalars: bigint[],
  undisclosedMessages: bigint[],
): Uint8Array {
  const u = undisclosedMessages.length;
  if (randomScalars.length !== u + 5) throw new RangeError("need exactly U + 5 random scalars");
  const [r1, r2, eTilde, r1Tilde, r3Tilde] = randomScalars as [bigint, bigint, bigint, bigint, bigint];
  const mTilde = randomScalars.slice(5);
  const r3 = invert(r2); // step 1
  return proofToOctets({
    abar: initRes.abar,
    bbar: initRes.bbar,
    d: initRes.d,
    eHat: mod(eTilde + eValue * challenge), // step 2
    r1Hat: mod(r1Tilde - r1 * challenge), // step 3
    r3Hat: mod(r3Tilde - r3 * challenge), // step 4
    commitments: mTilde.map((mt, i) => mod(mt + undisclosedMessages[i]! * challenge)), // step 5
    challenge,
  }); // steps 6-7
}

/** §3.7.3 ProofVerifyInit. */
export function proofVerifyInit(
  pk: Uint8Array,
  proof: Proof,
  generators: G1Point[],
  header: Uint8Array,
  disclosedMessages: bigint[],
  disclosedIndexes: number[],
  apiId: Uint8Array,
): ProofInitResult {
  const u = proof.commitments.length;
  const bigR = disclosedIndexes.length;
  const bigL = bigR + u; // step 4
  const undisclosedIdx = undisclosed(disclosedIndexes, bigL); // steps 5-7 (plus: strictly ascending)
  if (disclosedMessages.length !== bigR) throw new InvalidProof("number of disclosed messages and indexes differ"); // 8
  if (generators.length !== bigL + 1) throw new InvalidProof("proof does not match the number of signed messages"); // 11
  const q1 = generators[0]!;
  const h = generators.slice(1);
  const c = proof.challenge;
  const domain = calculateDomain(pk, q1, h, header, apiId); // procedure step 1
  const t1 = g1Msm([proof.bbar, proof.abar, proof.d], [c, proof.eHat, proof.r1Hat]); // step 2
  // steps 3-4: Bv = P1 + Q_1*domain + Σ H_i*msg_i;  T2 = Bv*c + D*r3^ + Σ H_j*m^_j  (one MSM)
  const t2 = g1Msm(
    [P1_POINT, q1, ...disclosedIndexes.map((i) => h[i]!), proof.d, ...undisclosedIdx.map((j) => h[j]!)],
    [c, domain * c, ...disclosedMessages.map((m) => m * c), proof.r3Hat, ...proof.commitments],
  );
  return { abar: proof.abar, bbar: proof.bbar, d: proof.d, t1, t2, domain };
}

/** §3.7.4 ProofChallengeCalculate. `extraPoints` (between T2 and domain) and `trailer` (after the presentation
 * header) are the extension points of the pseudonym draft §6.1 (pseudonym and Ut; I2OSP(len(context_id), 8) ||
 * context_id); the plain Interface leaves them empty. */
export function proofChallengeCalculate(
  initRes: ProofInitResult,
  disclosedMessages: bigint[],
  disclosedIndexes: number[],
  ph: Uint8Array,
  apiId: Uint8Array,
  extraPoints: G1Point[] = [],
  trailer: Uint8Array = new Uint8Array(0),
): bigint {
  const bigR = disclosedIndexes.length;
  if (disclosedMessages.length !== bigR) throw new InvalidProof("number of disclosed messages and indexes differ");
  // step 1: c_arr = (R, i1, msg_i1, ..., iR, msg_iR, Abar, Bbar, D, T1, T2, domain)
  const parts: Uint8Array[] = [i2osp(bigR, 8)];
  disclosedIndexes.forEach((i, k) => parts.push(i2osp(i, 8), scalarToBytes(disclosedMessages[k]!)));
  for (const p of [initRes.abar, initRes.bbar, initRes.d, initRes.t1, initRes.t2, ...extraPoints]) parts.push(g1ToBytes(p));
  parts.push(scalarToBytes(initRes.domain));
  // step 2: c_octs = serialize(c_arr) || I2OSP(length(ph), 8) || ph
  parts.push(i2osp(ph.length, 8), ph, trailer);
  return hashToScalar(concat(...parts), concat(apiId, utf8("H2S_"))); // step 3
}

/** CoreProofGen deserialization steps 4-13: (undisclosed_indexes, disclosed, undisclosed messages). */
export function splitMessages(messages: bigint[], disclosedIndexes: number[]): [number[], bigint[], bigint[]] {
  if (disclosedIndexes.length > messages.length) throw new InvalidProof("more disclosed indexes than messages"); // 6
  const undisclosedIndexes = undisclosed(disclosedIndexes, messages.length); // steps 8-9
  return [undisclosedIndexes, disclosedIndexes.map((i) => messages[i]!), undisclosedIndexes.map((j) => messages[j]!)];
}

/** §3.6.3 CoreProofGen. */
export function coreProofGen(
  pk: Uint8Array,
  signature: Uint8Array,
  generators: G1Point[],
  header: Uint8Array,
  ph: Uint8Array,
  messages: bigint[],
  disclosedIndexes: number[],
  apiId: Uint8Array,
  randomScalars: RandomScalars = calculateRandomScalars,
): Uint8Array {
  const [a, e] = octetsToSignature(signature); // deserialization steps 1-3
  const [undisclosedIndexes, disclosedMsgs, undisclosedMsgs] = splitMessages(messages, disclosedIndexes);
  const scalars = randomScalars(5 + undisclosedIndexes.length); // procedure step 1
  const initRes = proofInit(pk, [a, e], generators, scalars, header, messages, undisclosedIndexes, apiId); // step 2
  const challenge = proofChallengeCalculate(initRes, disclosedMsgs, disclosedIndexes, ph, apiId); // step 4
  return proofFinalize(initRes, challenge, e, scalars, undisclosedMsgs); // step 6
}

/** §3.6.4 CoreProofVerify up to and including the challenge check (step 5); returns (Abar, Bbar). */
export function coreProofVerifyPrepare(
  pk: Uint8Array,
  proof: Uint8Array,
  generators: G1Point[],
  header: Uint8Array,
  ph: Uint8Array,
  disclosedMessages: bigint[],
  disclosedIndexes: number[],
  apiId: Uint8Array,
): [G1Point, G1Point] {
  const proofResult = octetsToProof(proof); // deserialization steps 1-3
  octetsToPubkey(pk); // steps 4-5
  const initRes = proofVerifyInit(pk, proofResult, generators, header, disclosedMessages, disclosedIndexes, apiId); // 1
  const challenge = proofChallengeCalculate(initRes, disclosedMessages, disclosedIndexes, ph, apiId); // step 3
  if (challenge !== proofResult.challenge) throw new InvalidProof("BBS proof challenge does not match"); // step 5
  return [proofResult.abar, proofResult.bbar];
}

/** §3.6.4 step 6: h(Abar, W) * h(Bbar, -BP2) == Identity_GT. */
export function checkProofPairing(pk: Uint8Array, abar: G1Point, bbar: G1Point, what = "BBS proof"): void {
  if (!pairingCheck([[abar, octetsToPubkey(pk)], [bbar, G2.BASE.negate()]])) {
    throw new InvalidProof(`${what} pairing check fails`);
  }
}

/** §3.6.4 CoreProofVerify; throws DecodingError or InvalidProof. */
export function coreProofVerify(
  pk: Uint8Array,
  proof: Uint8Array,
  generators: G1Point[],
  header: Uint8Array,
  ph: Uint8Array,
  disclosedMessages: bigint[],
  disclosedIndexes: number[],
  apiId: Uint8Array,
): void {
  const [abar, bbar] = coreProofVerifyPrepare(pk, proof, generators, header, ph, disclosedMessages, disclosedIndexes, apiId);
  checkProofPairing(pk, abar, bbar);
}

// ==============================================================================================================
// §3.4 Interface (api_id = ciphersuite_id || "H2G_HM2S_")

/** §3.4.1 Sign (tests and fixtures only: the phone never signs). */
export function sign(sk: Uint8Array, pk: Uint8Array, header: Uint8Array, messages: Uint8Array[]): Uint8Array {
  const scalars = messagesToScalars(messages, API_ID); // step 1
  const generators = createGenerators(messages.length + 1, API_ID); // step 2
  return coreSign(sk, pk, generators, header, scalars, API_ID); // step 3
}

/** §3.4.2 Verify; throws DecodingError or InvalidSignature. */
export function verify(pk: Uint8Array, signature: Uint8Array, header: Uint8Array, messages: Uint8Array[]): void {
  const scalars = messagesToScalars(messages, API_ID);
  coreVerify(pk, signature, createGenerators(messages.length + 1, API_ID), header, scalars, API_ID);
}

/** §3.4.3 ProofGen with an explicit source of random scalars (the fixtures pass the mocked one). */
export function _proofGen(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  messages: Uint8Array[],
  disclosedIndexes: number[],
  randomScalars: RandomScalars,
): Uint8Array {
  const scalars = messagesToScalars(messages, API_ID); // step 1
  const generators = createGenerators(messages.length + 1, API_ID); // step 2
  return coreProofGen(pk, signature, generators, header, ph, scalars, disclosedIndexes, API_ID, randomScalars);
}

/** §3.4.3 ProofGen (random scalars from crypto.getRandomValues). */
export function proofGen(
  pk: Uint8Array,
  signature: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  messages: Uint8Array[],
  disclosedIndexes: number[],
): Uint8Array {
  return _proofGen(pk, signature, header, ph, messages, disclosedIndexes, calculateRandomScalars);
}

/** §3.4.4 ProofVerify; throws DecodingError or InvalidProof. */
export function proofVerify(
  pk: Uint8Array,
  proof: Uint8Array,
  header: Uint8Array,
  ph: Uint8Array,
  disclosedMessages: Uint8Array[],
  disclosedIndexes: number[],
): void {
  // deserialization steps 1-4 and procedure step 2: create_generators(U + R + 1)
  if (proof.length < PROOF_LEN_FLOOR) throw new DecodingError("proof shorter than 3*48 + 4*32 bytes");
  const u = Math.floor((proof.length - PROOF_LEN_FLOOR) / OCTET_SCALAR_LENGTH);
  const generators = createGenerators(u + disclosedIndexes.length + 1, API_ID);
  const scalars = messagesToScalars(disclosedMessages, API_ID);
  coreProofVerify(pk, proof, generators, header, ph, scalars, disclosedIndexes, API_ID);
}
