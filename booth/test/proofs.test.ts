// booth/src/crypto/proofs.ts: honest proofs verify; every mutated field, another context, another ciphertext and
// reused material are refused; the prover refuses a false statement. (Python's verifier accepts these proofs and
// vice versa: tests/booth/test_ballot_interop.py.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { encrypt, keyBase, randomExponent, randomnessBits } from "../src/crypto/paillier.ts";
import { InvalidProof, precomputeProof, proveMembership, proveSum, responseBits, verifyMembership, verifySum, type MembershipProof } from "../src/crypto/proofs.ts";
import { testFactors } from "./support.ts";

const [p, q] = testFactors();
const n = p * q;
const allowed = [1n, 1n << 10n, 1n << 20n];
const context = new Uint8Array(32).fill(1);

function honest(index = 1): { c: bigint; proof: MembershipProof } {
  const r = randomExponent(n);
  const c = encrypt(n, allowed[index]!, r);
  return { c, proof: proveMembership(n, c, r, index, allowed, context) };
}

test("an honest membership proof verifies, whichever branch is real", () => {
  for (const i of [0, 1, 2]) {
    const { c, proof } = honest(i);
    verifyMembership(n, c, allowed, proof, context);
    assert.ok(proof.responses.every((z) => z >= 0n && z < 1n << BigInt(responseBits(n))));
  }
});

test("every mutated field, another context or ciphertext is refused", () => {
  const { c, proof } = honest();
  const n2 = n * n;
  const bump = (xs: readonly bigint[], j: number, f: (x: bigint) => bigint): bigint[] => xs.map((x, i) => (i === j ? f(x) : x));
  const mutations: MembershipProof[] = [];
  for (let j = 0; j < 3; j++) {
    mutations.push({ ...proof, commitments: bump(proof.commitments, j, (a) => (a * 2n) % n2) });
    mutations.push({ ...proof, commitments: bump(proof.commitments, j, (a) => n2 - a) }); // δ = −1
    mutations.push({ ...proof, commitments: bump(proof.commitments, j, () => 0n) });
    mutations.push({ ...proof, challenges: bump(proof.challenges, j, (e) => e ^ 1n) });
    mutations.push({ ...proof, challenges: bump(proof.challenges, j, (e) => e + (1n << 128n)) });
    mutations.push({ ...proof, responses: bump(proof.responses, j, (z) => z + 1n) });
    mutations.push({ ...proof, responses: bump(proof.responses, j, () => 1n << BigInt(responseBits(n))) });
    mutations.push({ ...proof, responses: bump(proof.responses, j, () => -1n) });
  }
  mutations.push({ ...proof, commitments: proof.commitments.slice(1) });
  for (const bad of mutations) assert.throws(() => verifyMembership(n, c, allowed, bad, context), InvalidProof);
  assert.throws(() => verifyMembership(n, c, allowed, proof, new Uint8Array(32)), InvalidProof);
  assert.throws(() => verifyMembership(n, (c * keyBase(n).H) % n2, allowed, proof, context), InvalidProof);
  assert.throws(() => verifyMembership(n, 0n, allowed, proof, context), InvalidProof);
  assert.throws(() => verifyMembership(n, c, [1n, 2n, 3n], proof, context), InvalidProof);
});

test("the prover refuses a false statement, reused material and a wrong witness", () => {
  const r = randomExponent(n);
  const c = encrypt(n, 5n, r);
  assert.throws(() => proveMembership(n, c, r, 0, allowed, context), RangeError);
  assert.throws(() => proveMembership(n, c, r, 3, allowed, context), RangeError);
  assert.throws(() => proveMembership(n, c, r, 0, [5n, 5n], context), RangeError);
  const good = encrypt(n, allowed[0]!, r);
  const material = precomputeProof(n, r, keyBase(n).table.pow(r), 3);
  verifyMembership(n, good, allowed, proveMembership(n, good, r, 0, allowed, context, { material }), context);
  assert.ok(material.used && material.rho === 0n);
  assert.throws(() => proveMembership(n, good, r, 0, allowed, context, { material }), /used once/);
  const other = precomputeProof(n, r + 1n, keyBase(n).table.pow(r + 1n), 3);
  assert.throws(() => proveMembership(n, good, r, 0, allowed, context, { material: other }), /another witness/);
});

test("a sum proof shows the exact plaintext of a product, with the summed exponents", () => {
  // Each exponent has its top bit set, so their sum surely exceeds one exponent's bound (the last check below).
  const top = 1n << BigInt(randomnessBits(n) - 1);
  const rs = [randomExponent(n) | top, randomExponent(n) | top, randomExponent(n) | top];
  const cs = rs.map((r, i) => encrypt(n, BigInt(i % 2), r));
  const total = cs.reduce((a, c) => (a * c) % (n * n), 1n);
  const proof = proveSum(n, total, rs[0]! + rs[1]! + rs[2]!, 1n, context, { terms: 3 });
  verifySum(n, total, 1n, proof, context);
  assert.throws(() => verifySum(n, total, 2n, proof, context), InvalidProof);
  assert.throws(() => verifyMembership(n, total, [1n], proof, context), InvalidProof); // another domain
  assert.throws(() => proveSum(n, total, rs[0]! + rs[1]! + rs[2]!, 1n, context), RangeError); // terms bound
});
