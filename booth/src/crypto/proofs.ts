// Zero-knowledge proofs about v2 Paillier ciphertexts (docs/protocol.md §P6.2, docs/decisions/0011): the mirror of
// crypto/proofs.py — the CDS OR-proof of set membership and the known-plaintext (sum) proof, same transcript,
// challenge bits, slack and integer responses, so a proof made here verifies in Python and vice versa.
//
//   j ≠ i:  e_j ← [0, 2^k),  z_j ← [0, 2^{B+k+s}),  a_j = H^{z_j}·u_j^{-e_j} mod n²      (simulated branches)
//   j = i:  ρ ← [0, 2^{B+k+s}),  a_i = H^ρ mod n²
//   e = H(context, n, H, {m_j}, c, {a_j}) (k bits);  e_i = e − Σ_{j≠i} e_j mod 2^k;  z_i = ρ + e_i·r
//
// Precomputation (issue 10: the phone does its exponentiations while the voter reads). With c = (1+n)^{m_i}·H^r,
//   u_j^{-e_j} = (c·(1+n)^{-m_j})^{-e_j} = H^{-r·e_j} · (1 − (m_i − m_j)·e_j·n)   (mod n²),
// so a_j = W_j · (1 − (m_i − m_j)·e_j·n) with W_j = H^{z_j − r·e_j}: one fixed-base exponentiation that does not
// depend on the vote. `precomputeProof` draws e_j, z_j and W_j for EVERY branch (the real branch's are discarded
// once the vote is known) and ρ, H^ρ; proving then costs multiplications and one hash. The values are exactly
// Python's (same a_j for the same e_j, z_j, ρ); only the order of the random draws differs (ProofMaterial).
import { bitLength } from "./bytes.ts";
import { modInverse, modPow } from "./fixed_base.ts";
import {
  CryptoError,
  DecodingError,
  gcd,
  InvalidKey,
  keyBase,
  randomBits,
  randomnessBits,
  validateCiphertext,
  type RandomBits,
} from "./paillier.ts";
import { Transcript } from "./transcript.ts";

export class InvalidProof extends CryptoError {
  override name = "InvalidProof";
}

export const CHALLENGE_BITS = 128; // k
export const SLACK_BITS = 128; // s
export const SUM_TERMS_BITS = 16; // witnesses may be sums of up to 2^16 encryption exponents
const MASK = (1n << BigInt(CHALLENGE_BITS)) - 1n;

export const MEMBERSHIP_DOMAIN = "paillier-v2/set-membership";
export const SUM_DOMAIN = "paillier-v2/known-plaintext";

/** Z: every response lies in [0, 2^Z) — ℓ_r + SUM_TERMS_BITS + k + s + 1 (crypto.proofs.response_bits). */
export const responseBits = (n: bigint): number => randomnessBits(n) + SUM_TERMS_BITS + CHALLENGE_BITS + SLACK_BITS + 1;

/** a_j ∈ Z*_{n²}, e_j ∈ [0, 2^k), z_j ∈ [0, 2^Z), one per allowed value, in the allowed set's order. */
export interface MembershipProof {
  readonly commitments: readonly bigint[];
  readonly challenges: readonly bigint[];
  readonly responses: readonly bigint[];
}

/** The vote-independent part of one proof (plain data: structured-cloneable, so a Web Worker can make it). Random
 *  draws, in order: for every branch j, e_j then z_j; then ρ. Used once: proving consumes it. */
export interface ProofMaterial {
  used: boolean;
  readonly n: bigint;
  readonly r: bigint; // the witness (a sum of `terms` encryption exponents)
  readonly hR: bigint; // H^r mod n²
  readonly terms: number;
  readonly challenges: bigint[]; // e_j
  readonly responses: bigint[]; // z_j
  readonly simulated: bigint[]; // W_j = H^{z_j − r·e_j} mod n²
  rho: bigint;
  readonly commitment: bigint; // H^ρ mod n²
}

function checkStatement(n: bigint, allowed: readonly bigint[]): void {
  if (bitLength(n) < 2 * CHALLENGE_BITS + 2) {
    throw new InvalidKey(`modulus too small for ${CHALLENGE_BITS}-bit challenges (need 2^k < min(p, q))`);
  }
  if (allowed.length === 0) throw new RangeError("the allowed set is empty");
  if (new Set(allowed).size !== allowed.length) throw new RangeError("the allowed set has duplicate values");
  if (allowed.some((m) => m < 0n || m >= n)) throw new RangeError("allowed values must lie in [0, n)");
}

function challenge(
  domain: string,
  n: bigint,
  c: bigint,
  allowed: readonly bigint[],
  commitments: readonly bigint[],
  context: Uint8Array,
): bigint {
  const t = new Transcript(domain);
  t.appendBytes("context", context);
  t.appendInt("n", n);
  t.appendInt("H", keyBase(n).H);
  t.appendInts("allowed", allowed);
  t.appendInt("c", c);
  t.appendInts("a", commitments);
  return t.challengeInt("e", CHALLENGE_BITS);
}

/** B + k + s with B the PUBLIC bound on the witness: ℓ_r + ⌈log₂ terms⌉ (never r's actual length). */
function witnessBits(n: bigint, terms: number): number {
  if (!Number.isInteger(terms) || terms < 1 || terms > 2 ** SUM_TERMS_BITS) {
    throw new RangeError(`a witness sums 1 to 2^${SUM_TERMS_BITS} encryption exponents`);
  }
  return randomnessBits(n) + bitLength(BigInt(terms - 1));
}

/** H^e mod n² for any integer e (negative: the inverse; happens with probability about 2^-128). */
function powH(n: bigint, e: bigint): bigint {
  const base = keyBase(n);
  return e >= 0n ? base.table.pow(e) : modInverse(base.table.pow(-e), base.n2);
}

/** Every exponentiation of one proof with `branches` branches and witness r (H^r = hR), before the vote is known. */
export function precomputeProof(
  n: bigint,
  r: bigint,
  hR: bigint,
  branches: number,
  terms = 1,
  random: RandomBits = randomBits,
): ProofMaterial {
  const wb = witnessBits(n, terms);
  if (r < 0n || r >> BigInt(wb)) throw new RangeError(`randomness r exceeds the bound for a sum of ${terms} exponent(s)`);
  const nonceBits = wb + CHALLENGE_BITS + SLACK_BITS;
  const challenges: bigint[] = [];
  const responses: bigint[] = [];
  const simulated: bigint[] = [];
  for (let j = 0; j < branches; j++) {
    const e = random(CHALLENGE_BITS);
    const z = random(nonceBits);
    challenges.push(e);
    responses.push(z);
    simulated.push(powH(n, z - r * e));
  }
  const rho = random(nonceBits);
  return { used: false, n, r, hR, terms, challenges, responses, simulated, rho, commitment: powH(n, rho) };
}

function prove(
  domain: string,
  c: bigint,
  index: number,
  allowed: readonly bigint[],
  context: Uint8Array,
  material: ProofMaterial,
): MembershipProof {
  const { n, r, hR } = material;
  checkStatement(n, allowed);
  const n2 = n * n;
  validateCiphertext(n, c);
  if (!Number.isInteger(index) || index < 0 || index >= allowed.length) throw new RangeError("index outside the allowed set");
  if (material.challenges.length !== allowed.length) throw new RangeError("the material was made for another number of branches");
  if (material.used) throw new RangeError("this proof material was already used: material is used once");
  const mi = allowed[index]!;
  // The prover refuses a false statement: u_i = c·(1+n)^{-m_i} = H^r (mod n²)
  if ((((c * (1n - mi * n)) % n2) + n2) % n2 !== hR) throw new RangeError("c is not an encryption of allowed[index] with randomness r");
  material.used = true;
  const commitments: bigint[] = [];
  const challenges: bigint[] = [];
  const responses: bigint[] = [];
  allowed.forEach((mj, j) => {
    if (j === index) {
      commitments.push(material.commitment); // a_i = H^ρ
      challenges.push(0n);
      responses.push(0n);
      return;
    }
    const e = material.challenges[j]!;
    const classPart = (((1n - (mi - mj) * e * n) % n2) + n2) % n2; // (1+n)^{-(m_i − m_j)·e_j}
    commitments.push((material.simulated[j]! * classPart) % n2); // a_j = H^{z_j}·u_j^{-e_j}
    challenges.push(e);
    responses.push(material.responses[j]!);
  });
  const e = challenge(domain, n, c, allowed, commitments, context);
  const ei = (e - challenges.reduce((s, x) => s + x, 0n)) & MASK; // e_i = e − Σ_{j≠i} e_j mod 2^k
  challenges[index] = ei;
  responses[index] = material.rho + ei * r; // z_i = ρ + e_i·r over the integers
  wipe(material);
  return { commitments, challenges, responses };
}

/** Forget a used material's secrets (the nonces; the witness stays with the ballot, for an audit's opening). */
function wipe(material: ProofMaterial): void {
  material.challenges.fill(0n);
  material.responses.fill(0n);
  material.simulated.fill(0n);
  material.rho = 0n;
}

export interface ProveOptions {
  /** From precomputeProof for this witness; by default made now. */
  material?: ProofMaterial;
  /** H^r mod n² if known (only without material). */
  hR?: bigint;
  terms?: number;
  random?: RandomBits;
}

function materialFor(n: bigint, r: bigint, branches: number, options: ProveOptions): ProofMaterial {
  if (options.material) {
    if (options.material.n !== n || options.material.r !== r) throw new RangeError("the material was made for another witness");
    return options.material;
  }
  const terms = options.terms ?? 1;
  if (r < 0n || r >> BigInt(randomnessBits(n) + SUM_TERMS_BITS)) throw new RangeError("randomness r out of range");
  return precomputeProof(n, r, options.hR ?? keyBase(n).table.pow(r), branches, terms, options.random);
}

/** crypto.proofs.prove_membership: c = Enc(allowed[index]; r) encrypts a value of `allowed` (RangeError if not). */
export function proveMembership(
  n: bigint,
  c: bigint,
  r: bigint,
  index: number,
  allowed: readonly bigint[],
  context: Uint8Array,
  options: ProveOptions = {},
): MembershipProof {
  return prove(MEMBERSHIP_DOMAIN, c, index, allowed, context, materialFor(n, r, allowed.length, options));
}

/** crypto.proofs.prove_sum: c encrypts exactly `value` (c·(1+n)^{-value} = H^r). */
export function proveSum(
  n: bigint,
  c: bigint,
  r: bigint,
  value: bigint,
  context: Uint8Array,
  options: ProveOptions = {},
): MembershipProof {
  return prove(SUM_DOMAIN, c, 0, [value], context, materialFor(n, r, 1, options));
}

// -- verification (crypto.proofs._check_shape and the exact relation of _equations_hold_reference) -----------------

function verify(domain: string, n: bigint, c: bigint, allowed: readonly bigint[], proof: MembershipProof, context: Uint8Array): void {
  checkStatement(n, allowed);
  const n2 = n * n;
  try {
    validateCiphertext(n, c);
  } catch (e) {
    if (e instanceof DecodingError) throw new InvalidProof(`invalid ciphertext: ${e.message}`);
    throw e;
  }
  const k = allowed.length;
  const { commitments: a, challenges: es, responses: zs } = proof;
  const zBits = responseBits(n);
  if (!(a.length === k && es.length === k && zs.length === k)) {
    throw new InvalidProof(`proof must have exactly ${k} commitments, challenges and responses`);
  }
  for (let j = 0; j < k; j++) {
    if (!(a[j]! > 0n && a[j]! < n2 && gcd(a[j]!, n) === 1n)) throw new InvalidProof(`commitment ${j} is not in Z*_(n²)`);
    if (es[j]! < 0n || es[j]! > MASK) throw new InvalidProof(`challenge ${j} out of range [0, 2^${CHALLENGE_BITS})`);
    if (zs[j]! < 0n || zs[j]! >> BigInt(zBits)) throw new InvalidProof(`response ${j} out of range [0, 2^${zBits})`);
  }
  if ((es.reduce((s, x) => s + x, 0n) & MASK) !== challenge(domain, n, c, allowed, a, context)) {
    throw new InvalidProof("challenges do not sum to the Fiat–Shamir challenge");
  }
  // The exact relation H^{z_j} ≡ a_j·u_j^{e_j} (mod n²), u_j = c·(1+n)^{-m_j} = c·(1 − m_j·n): the definition of
  // validity that Python decides in two parts (per branch mod n, classes batched); the verdict is the same.
  const base = keyBase(n);
  allowed.forEach((m, j) => {
    const u = (((c * (1n - m * n)) % n2) + n2) % n2;
    if (base.table.pow(zs[j]!) !== (a[j]! * modPow(u, es[j]!, n2)) % n2) {
      throw new InvalidProof("the proof equations H^z_j = a_j·u_j^{e_j} (mod n²) do not hold");
    }
  });
}

/** crypto.proofs.verify_membership (raises InvalidProof, also for an invalid c). */
export function verifyMembership(n: bigint, c: bigint, allowed: readonly bigint[], proof: MembershipProof, context: Uint8Array): void {
  verify(MEMBERSHIP_DOMAIN, n, c, allowed, proof, context);
}

/** crypto.proofs.verify_sum: c encrypts exactly `value` (raises InvalidProof). */
export function verifySum(n: bigint, c: bigint, value: bigint, proof: MembershipProof, context: Uint8Array): void {
  verify(SUM_DOMAIN, n, c, [value], proof, context);
}
