"""Paillier encryption with g = n + 1 (Paillier, EUROCRYPT '99; docs/protocol.md §P3).

``Enc(m; r) = (1 + n)^m · r^n mod n²`` for ``0 <= m < n`` and ``r ∈ Z*_n``. Encryption goes through
``phe.PaillierPublicKey.raw_encrypt`` (python-paillier, which uses gmpy2); every other modular operation uses gmpy2
directly. phe accepts any integer as a ciphertext, so every ciphertext that crosses a trust boundary must go through
:func:`validate_ciphertext` / :func:`ciphertext_from_bytes` (``0 < c < n²``, ``gcd(c, n) = 1``).

The private key lives only in :mod:`crypto.threshold` (shares); :func:`decrypt_with_factors` is a non-threshold
reference decryption for tests and cross-checks.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import gmpy2
import phe

from crypto.errors import InvalidEncoding, InvalidKey

__all__ = [
    "NthPower",
    "PublicKey",
    "add",
    "ciphertext_from_bytes",
    "ciphertext_to_bytes",
    "decrypt_with_factors",
    "encrypt",
    "encrypt_precomputed",
    "precompute_nth_power",
    "random_unit",
    "scalar_mul",
    "validate_ciphertext",
]


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A Paillier public key ``n`` (with g = n + 1). ``n2`` = n² is derived."""

    n: int
    n2: int = field(init=False, repr=False, compare=False)
    _phe: phe.PaillierPublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.n, int) or isinstance(self.n, bool):
            raise InvalidKey("Paillier modulus must be an int")
        if self.n <= 1 or self.n % 2 == 0:
            raise InvalidKey("Paillier modulus must be an odd integer > 1")
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "n2", self.n * self.n)
        object.__setattr__(self, "_phe", phe.PaillierPublicKey(self.n))

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


def random_unit(pk: PublicKey) -> int:
    """A uniformly random ``r ∈ Z*_n`` (from :mod:`secrets`)."""
    while True:
        r = secrets.randbelow(pk.n)
        if _is_unit(r, pk.n):
            return r


@dataclass(frozen=True, slots=True)
class NthPower:
    """A random unit ``root`` ∈ Z*_n with ``power = root^n mod n²`` computed ahead of time.

    The n-th power is the whole cost of an encryption or a proof commitment; a client computes a few of these
    while the voter reads the question, and the ballot is then built with short exponentiations only. Each one
    must be used once.
    """

    root: int = field(repr=False)
    power: int = field(repr=False)


def precompute_nth_power(pk: PublicKey) -> NthPower:
    """A fresh ``(r, r^n mod n²)`` with ``r`` uniform in Z*_n (from :mod:`secrets`)."""
    r = random_unit(pk)
    return NthPower(r, int(gmpy2.powmod(r, pk.n, pk.n2)))


def encrypt_precomputed(pk: PublicKey, m: int, randomness: NthPower) -> int:
    """``(1 + n)^m · r^n mod n²`` with ``r^n`` precomputed: ``(1 + m·n) · r^n`` (one multiplication)."""
    if not 0 <= m < pk.n:
        raise ValueError("plaintext must lie in [0, n)")
    return int((1 + m * pk.n) * randomness.power % pk.n2)


def encrypt(pk: PublicKey, m: int, r: int) -> int:
    """Raw encryption with explicit randomness: ``(1 + n)^m · r^n mod n²`` (``0 <= m < n``, ``r ∈ Z*_n``)."""
    if not 0 <= m < pk.n:
        raise ValueError("plaintext out of range [0, n)")
    if not _is_unit(r, pk.n):
        raise ValueError("randomness r must be in Z*_n")  # phe would silently replace r = 0 by a random value
    return int(pk._phe.raw_encrypt(int(m), r_value=int(r)))


def validate_ciphertext(pk: PublicKey, c: int) -> int:
    """Return ``c`` if it is a valid ciphertext (``0 < c < n²`` and ``gcd(c, n) = 1``), else raise InvalidEncoding."""
    if not isinstance(c, int) or isinstance(c, bool):
        raise InvalidEncoding("ciphertext must be an int")
    if c <= 0:
        raise InvalidEncoding("ciphertext must be positive (0 < c < n²)")
    if c >= pk.n2:
        raise InvalidEncoding("ciphertext must be less than n² (0 < c < n²)")
    if gmpy2.gcd(c, pk.n) != 1:
        raise InvalidEncoding("ciphertext shares a factor with n (gcd(c, n) != 1)")
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
        raise InvalidEncoding(f"ciphertext must be exactly {pk.ciphertext_length} bytes, got {len(data)}")
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
