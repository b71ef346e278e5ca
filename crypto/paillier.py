"""Paillier encryption in the Damgård–Jurik–Nielsen form (ballot format v2; docs/protocol.md §P3.3, ADR 0011).

``Enc(m; r) = (1 + n)^m · H^r mod n²`` for ``0 <= m < n`` and ``r ∈ [0, 2^ℓ_r)``, ``ℓ_r = ⌈|n| / 2⌉``, with the
public n-th residue ``H = h^n``, ``h = −x² mod n`` and x hashed from n (:func:`key_base`: nobody chooses it). DJN
(Int. J. Inf. Security 2010, §3, s = 1); semantic security rests on DCR alone (ADR 0011). Every exponentiation of
H goes through a fixed-base table (:mod:`crypto.fixed_base`), built once per key.

Ciphertexts that cross a trust boundary go through :func:`validate_ciphertext` / :func:`ciphertext_from_bytes`
(``0 < c < n²``, ``gcd(c, n) = 1``). The private key lives only in :mod:`crypto.threshold` (shares);
:func:`decrypt_with_factors` is a non-threshold reference decryption for tests and cross-checks (python-paillier's
``phe`` decrypts the same ciphertexts: tests/crypto/test_paillier.py).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field

import gmpy2

from crypto.errors import DecodingError, InvalidKey
from crypto.fixed_base import FixedBase
from crypto.transcript import Transcript

__all__ = [
    "KeyBase",
    "PublicKey",
    "add",
    "ciphertext_from_bytes",
    "ciphertext_to_bytes",
    "decrypt_with_factors",
    "encrypt",
    "key_base",
    "random_exponent",
    "randomness_bits",
    "scalar_mul",
    "validate_ciphertext",
]

_BASE_DOMAIN = "paillier-v2/h"


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A Paillier public key ``n`` (with g = n + 1). ``n2`` = n² is derived."""

    n: int
    n2: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.n, int) or isinstance(self.n, bool):
            raise InvalidKey("Paillier modulus must be an int")
        if self.n <= 1 or self.n % 2 == 0:
            raise InvalidKey("Paillier modulus must be an odd integer > 1")
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "n2", self.n * self.n)

    @classmethod
    def from_int(cls, n: int, min_bits: int) -> PublicKey:
        """Parse a modulus received from elsewhere: odd, and at least ``min_bits`` bits."""
        key = cls(n)
        if n.bit_length() < min_bits:
            raise InvalidKey(f"Paillier modulus has {n.bit_length()} bits, at least {min_bits} required")
        return key

    @property
    def ciphertext_length(self) -> int:
        """Byte length of an encoded ciphertext (the byte length of n²)."""
        return (self.n2.bit_length() + 7) // 8


def _is_unit(x: int, modulus: int) -> bool:
    return 0 < x < modulus and gmpy2.gcd(x, modulus) == 1


def randomness_bits(pk: PublicKey) -> int:
    """ℓ_r = ⌈|n| / 2⌉: the length of the encryption exponent r (DJN 2010 §3; docs/decisions/0011)."""
    return (pk.n.bit_length() + 1) // 2


def random_exponent(pk: PublicKey) -> int:
    """A fresh encryption exponent r, uniform in [0, 2^ℓ_r) (from :mod:`secrets`)."""
    return secrets.randbits(randomness_bits(pk))


@dataclass(frozen=True, slots=True, eq=False)
class KeyBase:
    """The key's public base ``H = h^n mod n²`` with ``h = −x² mod n``, x hashed from n (docs/decisions/0011), and
    its fixed-base tables modulo n² and modulo n for exponents up to :func:`table_bits` bits."""

    n: int
    h: int
    H: int
    table_n2: FixedBase = field(repr=False)
    table_n: FixedBase = field(repr=False)

    def pow_n2(self, exponent: int) -> int:
        """``H^exponent mod n²`` (fixed-base)."""
        return self.table_n2.pow(exponent)

    def pow_n(self, exponent: int) -> int:
        """``H^exponent mod n`` (fixed-base)."""
        return self.table_n.pow(exponent)


def table_bits(n: int) -> int:
    """Exponents of H up to this many bits use the tables: ℓ_r plus four 128-bit margins (challenge, slack, batch
    weights, sums); longer ones fall back to a plain exponentiation."""
    return (n.bit_length() + 1) // 2 + 4 * 128


@functools.lru_cache(maxsize=8)  # about 42 MB of tables per 3072-bit key: at most 8 keys held (ADR 0011)
def key_base(n: int) -> KeyBase:
    """Derive H for the modulus n (docs/protocol.md §P3.3): x = the first output of a transcript over n and a
    counter that is a unit modulo n, reduced from |n| + 128 bits; h = −x² mod n; H = h^n mod n². Deterministic:
    every party derives the same H and nobody can choose it."""
    counter = 0
    while True:
        t = Transcript(_BASE_DOMAIN).append_int("n", n).append_int("counter", counter)
        x = t.challenge_int("x", n.bit_length() + 128) % n
        if _is_unit(x, n):
            break
        counter += 1  # pragma: no cover - only if x shares a factor with n (probability about 2^-1535)
    h = int((-x * x) % n)
    big_h = int(gmpy2.powmod(h, n, n * n))
    bits = table_bits(n)
    # Window sizes: ADR 0011 (w = 6 modulo n², w = 8 modulo n, where every verified branch needs one)
    return KeyBase(n, h, big_h, FixedBase(big_h, n * n, bits, 6), FixedBase(big_h % n, n, bits, 8))


def encrypt(pk: PublicKey, m: int, r: int) -> int:
    """``Enc(m; r) = (1 + n)^m · H^r mod n² = (1 + m·n) · H^r mod n²`` for ``0 <= m < n`` and ``0 <= r < 2^ℓ_r``
    (docs/protocol.md §P3.3)."""
    if not 0 <= m < pk.n:
        raise ValueError("plaintext out of range [0, n)")
    if not 0 <= r < 1 << randomness_bits(pk):
        raise ValueError(f"randomness r must lie in [0, 2^{randomness_bits(pk)})")
    return int((1 + m * pk.n) * key_base(pk.n).pow_n2(r) % pk.n2)


def validate_ciphertext(pk: PublicKey, c: int) -> int:
    """Return ``c`` if it is a valid ciphertext (``0 < c < n²`` and ``gcd(c, n) = 1``), else raise DecodingError."""
    if not isinstance(c, int) or isinstance(c, bool):
        raise DecodingError("ciphertext must be an int")
    if c <= 0:
        raise DecodingError("ciphertext must be positive (0 < c < n²)")
    if c >= pk.n2:
        raise DecodingError("ciphertext must be less than n² (0 < c < n²)")
    if gmpy2.gcd(c, pk.n) != 1:
        raise DecodingError("ciphertext shares a factor with n (gcd(c, n) != 1)")
    return int(c)


def add(pk: PublicKey, *cs: int) -> int:
    """Homomorphic addition: ``∏ c_i mod n²`` encrypts ``Σ m_i mod n`` (no arguments: the trivial encryption of 0)."""
    acc = gmpy2.mpz(1)
    for c in cs:
        acc = acc * c % pk.n2
    return int(acc)


def scalar_mul(pk: PublicKey, c: int, k: int) -> int:
    """Homomorphic scalar multiplication: ``c^k mod n²`` encrypts ``k·m mod n`` (negative k via the inverse)."""
    if k < 0:
        return int(gmpy2.powmod(gmpy2.invert(c, pk.n2), -k, pk.n2))
    return int(gmpy2.powmod(c, k, pk.n2))


def ciphertext_to_bytes(pk: PublicKey, c: int) -> bytes:
    """Fixed-width big-endian encoding (``pk.ciphertext_length`` bytes)."""
    validate_ciphertext(pk, c)
    return c.to_bytes(pk.ciphertext_length, "big")


def ciphertext_from_bytes(pk: PublicKey, data: bytes) -> int:
    """Parse exactly ``pk.ciphertext_length`` big-endian bytes into a validated ciphertext."""
    if len(data) != pk.ciphertext_length:
        raise DecodingError(f"ciphertext must be exactly {pk.ciphertext_length} bytes, got {len(data)}")
    return validate_ciphertext(pk, int.from_bytes(data, "big"))


def _decrypt_mod_prime(c: int, r: int, n: int) -> int:
    """m mod r = L_r(c^{r-1} mod r²) · L_r(g^{r-1} mod r²)^{-1} mod r, with L_r(u) = (u - 1) / r and g = n + 1."""
    r2 = r * r
    lc = (gmpy2.powmod(c, r - 1, r2) - 1) // r
    lg = (gmpy2.powmod(n + 1, r - 1, r2) - 1) // r
    return int(lc * gmpy2.invert(lg, r) % r)


def decrypt_with_factors(p: int, q: int, c: int) -> int:
    """Non-threshold reference decryption with the factors (Paillier '99 decryption, CRT over p and q).

    For tests and cross-checks only: production keys are dealt as threshold shares (:mod:`crypto.threshold`).
    """
    if p == q:
        raise InvalidKey("p and q must be distinct")
    n = p * q
    validate_ciphertext(PublicKey(n), c)
    mp = _decrypt_mod_prime(c, p, n)
    mq = _decrypt_mod_prime(c, q, n)
    # CRT: m ≡ mp (mod p), m ≡ mq (mod q)
    return int((mp + p * ((mq - mp) * gmpy2.invert(p, q) % q)) % n)
