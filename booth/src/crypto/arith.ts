// Integer arithmetic on BigInt, what gmpy2 gives the Python side: one place for the booth's gcd, inverse and
// modular exponentiation (used by modulus.ts, fixed_base.ts, paillier.ts, proofs.ts and election.ts).
// Not constant-time (ADR 0012): it handles the ballot's randomness on the voter's own device.

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The inverse of a modulo m (extended Euclid); RangeError if gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError("not invertible");
  return mod(s0, m);
}

/** base^exponent mod m, a negative exponent through the inverse (gmpy2.powmod); fixed 4-bit windows. */
export function powmod(base: bigint, exponent: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  if (exponent < 0n) return powmod(modInverse(base, m), -exponent, m);
  if (exponent === 0n) return 1n;
  base = mod(base, m);
  const table = [1n, base];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * base) % m);
  const hex = exponent.toString(16);
  let r = table[parseInt(hex[0]!, 16)]!;
  for (let i = 1; i < hex.length; i++) {
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    const d = parseInt(hex[i]!, 16);
    if (d) r = (r * table[d]!) % m;
  }
  return r;
}
