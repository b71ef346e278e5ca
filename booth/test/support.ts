// Small explicit parameters for the TS unit tests: a random 1024-bit modulus (two 512-bit primes) and election
// contexts of every kind built from it without a log (the cross-implementation tests use real entries).
import { bitLength } from "../src/crypto/bytes.ts";
import { definitionFromJson, layout, sumAllowed, type ElectionContext, type KindName } from "../src/crypto/election.ts";
import { modInverse, powmod as modPow } from "../src/crypto/arith.ts";
import { randomBits } from "../src/crypto/paillier.ts";

const SMALL_PRIMES = [3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n];

function isProbablePrime(p: bigint): boolean {
  if (SMALL_PRIMES.some((s) => p % s === 0n)) return false;
  let d = p - 1n;
  let s = 0;
  while (!(d & 1n)) [d, s] = [d >> 1n, s + 1];
  for (let i = 0; i < 20; i++) {
    let x = modPow(2n + (randomBits(bitLength(p) - 2) % (p - 3n)), d, p);
    if (x === 1n || x === p - 1n) continue;
    let composite = true;
    for (let k = 1; k < s && composite; k++) {
      x = (x * x) % p;
      if (x === p - 1n) composite = false;
    }
    if (composite) return false;
  }
  return true;
}

export function randomPrime(bits: number): bigint {
  for (;;) {
    const p = randomBits(bits) | (1n << BigInt(bits - 1)) | (1n << BigInt(bits - 2)) | 1n;
    if (isProbablePrime(p)) return p;
  }
}

let factors: [bigint, bigint] | undefined;

/** One test modulus per process (1024 bits, p ≡ q ≡ 3 mod 4 not needed here). */
export function testFactors(): [bigint, bigint] {
  factors ??= [randomPrime(512), randomPrime(512)];
  return factors;
}

/** Reference decryption with the factors: m = L(c^λ mod n²)·λ^{-1} mod n (tests only). */
export function decrypt(c: bigint): bigint {
  const [p, q] = testFactors();
  const n = p * q;
  const lambda = (p - 1n) * (q - 1n);
  const l = (modPow(c, lambda, n * n) - 1n) / n;
  return (l * modInverse(lambda, n)) % n;
}

const hex = (byte: number, n: number): string => byte.toString(16).padStart(2, "0").repeat(n);

export interface TestOptions {
  eligibility?: "signing" | "anonymous";
  n?: bigint; // default: the test modulus p·q
  candidates?: number; // committee and approval: options named c1, c2, …; default the four of tests/factories.py
  seats?: number;
}

export function testContext(kind: KindName, options: TestOptions = {}): ElectionContext {
  const eligibility = options.eligibility ?? "signing";
  const n = options.n ?? testFactors()[0] * testFactors()[1];
  const named = kind === "committee" || kind === "approval";
  const candidates = options.candidates ? Array.from({ length: options.candidates }, (_, i) => `c${i + 1}`) : ["Wang", "Li", "Zhang", "Liu"];
  const definition = definitionFromJson({
    accept_area_disclosure: kind === "assembly",
    admin_key: hex(1, 32),
    closes_at: 0,
    credential_key: eligibility === "anonymous" ? hex(9, 96) : "",
    description: "",
    election_id: `unit-${kind}`,
    eligibility,
    kind,
    major: false,
    max_voters: 1000,
    modulus_bits: bitLength(n),
    opens_at: 0,
    options: named ? candidates : ["yes", "no", "abstain"],
    question: "Repaint the east gate?",
    registrar_key: hex(2, 32),
    revote: "last",
    seats: kind === "committee" ? (options.seats ?? 2) : 0,
    threshold: 1,
    title: `Unit ${kind}`,
    trustees: [{ index: 1, key: hex(3, 32), name: "t1" }],
  });
  return {
    definition,
    publicKey: { n, threshold: 1, parties: 1, theta: 1n, commitments: [16n], verificationKeys: [16n] },
    electionHash: new Uint8Array(32).fill(7),
    keyHash: new Uint8Array(32).fill(8),
    electionId: definition.electionId,
    contestAllowed: layout(definition),
    sumAllowed: sumAllowed(definition),
  };
}
