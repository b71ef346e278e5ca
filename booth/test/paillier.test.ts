// booth/src/crypto/paillier.ts and fixed_base.ts: the table equals square-and-multiply; encryption decrypts and
// adds; ciphertext validation refuses what crypto.paillier.validate_ciphertext refuses. (H equals Python's:
// tests/booth/test_ballot_interop.py.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { bitLength } from "../src/crypto/bytes.ts";
import { modInverse, powmod as modPow } from "../src/crypto/arith.ts";
import { FixedBase } from "../src/crypto/fixed_base.ts";
import { add, DecodingError, encrypt, InvalidKey, keyBase, randomBits, randomExponent, randomnessBits, validateCiphertext } from "../src/crypto/paillier.ts";
import { decrypt, testFactors } from "./support.ts";

const [p, q] = testFactors();
const n = p * q;

test("the fixed-base table agrees with square-and-multiply, inside and beyond its size", () => {
  for (const w of [1, 4, 5, 7]) {
    const table = new FixedBase(12345n, n, 300, w);
    for (const e of [0n, 1n, 2n ** 299n + 5n, randomBits(300), randomBits(700)]) assert.equal(table.pow(e), modPow(12345n, e, n));
  }
  assert.throws(() => new FixedBase(2n, 1n, 10), RangeError);
  assert.throws(() => new FixedBase(2n, n, 10, 17), RangeError);
  assert.throws(() => new FixedBase(2n, n, 10).pow(-1n), RangeError);
  assert.equal((modInverse(12345n, n) * 12345n) % n, 1n);
  assert.throws(() => modInverse(p, n), RangeError);
});

test("H is an n-th residue derived from n alone, h = −x² mod n", () => {
  const base = keyBase(n);
  assert.equal(base.H, modPow(base.h, n, n * n));
  assert.equal(base.table.pow(12345n), modPow(base.H, 12345n, n * n));
  assert.equal(keyBase(n), base); // cached
  assert.throws(() => keyBase(n + 1n), InvalidKey);
});

test("Enc(m; r) decrypts to m and the product of ciphertexts to the sum", () => {
  assert.equal(randomnessBits(n), Math.floor((bitLength(n) + 1) / 2));
  const r1 = randomExponent(n);
  const r2 = randomExponent(n);
  assert.ok(r1 < 1n << BigInt(randomnessBits(n)));
  const c1 = encrypt(n, 5n, r1);
  const c2 = encrypt(n, 7n, r2);
  assert.equal(decrypt(c1), 5n);
  assert.equal(decrypt(add(n, c1, c2)), 12n);
  assert.equal(add(n), 1n);
  assert.throws(() => encrypt(n, n, r1), RangeError);
  assert.throws(() => encrypt(n, 1n, 1n << BigInt(randomnessBits(n))), RangeError);
  assert.throws(() => encrypt(n, -1n, r1), RangeError);
});

test("ciphertexts outside Z*_(n²) are refused", () => {
  assert.equal(validateCiphertext(n, 2n), 2n);
  for (const c of [0n, -1n, n * n, n * n + 1n, p, q * 3n]) assert.throws(() => validateCiphertext(n, c), DecodingError);
});
