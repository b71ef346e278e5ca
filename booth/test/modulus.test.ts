// modulus.ts's arithmetic against definitions, its constants against Python's; the proofs themselves (honest,
// every attack modulus, every mutated field, the JSON) are Python-made: tests/booth/test_context_modulus.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import { facWidths, gcd, isqrt, jacobi, powmod, RSA_2048 } from "../src/crypto/modulus.ts";

test("the Jacobi symbol agrees with Euler's criterion and multiplicativity", () => {
  for (const p of [3n, 5n, 7n, 11n, 13n, 65537n]) {
    for (let a = 0n; a < 40n; a++) {
      const euler = powmod(a, (p - 1n) / 2n, p);
      assert.equal(jacobi(a, p), euler === 0n ? 0 : euler === 1n ? 1 : -1, `${a}/${p}`);
    }
  }
  for (let a = 1n; a < 50n; a++) assert.equal(jacobi(a, 15n), jacobi(a, 3n) * jacobi(a, 5n) + 0); // + 0: no negative zero
});

test("powmod: negative exponents through the inverse, and the trivial moduli", () => {
  const m = 1000003n;
  for (const [b, e] of [[2n, 10n], [12345n, -7n], [-3n, 5n], [5n, 0n]] as const) {
    const r = powmod(b, e, m);
    if (e >= 0n) assert.equal(r, ((b % m) + m) ** e % m);
    else assert.equal((powmod(b, -e, m) * r) % m, 1n);
  }
  assert.equal(powmod(7n, 5n, 1n), 0n);
  assert.throws(() => powmod(6n, -1n, 9n), RangeError);
  assert.equal(gcd(-12n, 18n), 6n);
});

test("isqrt is the floor of the square root", () => {
  for (const x of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, RSA_2048, RSA_2048 * RSA_2048 - 1n]) {
    const r = isqrt(x);
    assert.ok(r * r <= x && (r + 1n) * (r + 1n) > x, String(x));
  }
});

test("Π^fac widths are crypto/modulus.py fac_widths", () => {
  assert.deepEqual(facWidths(3072), { sigma: 657, z: 241, w: 305, v: 689, ring: 256 });
  assert.deepEqual(facWidths(1024), { sigma: 401, z: 113, w: 305, v: 433, ring: 256 });
  assert.equal(RSA_2048.toString(2).length, 2048);
});
