"""Test support for the key ceremony: additive factor shares split locally from a generated n = p·q (what
crypto.dkg's ModulusSession outputs, with the same fixed residues), until the ceremony's first half is merged."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import gmpy2


@dataclass(frozen=True, slots=True)
class LocalModulusShares:
    """The shape of crypto.dkg.ModulusShares."""

    n: int
    index: int
    parties: int
    threshold: int
    p_share: int = field(repr=False)
    q_share: int = field(repr=False)


def prime_3_mod_8(bits: int) -> int:
    while True:
        p = secrets.randbits(bits) | (1 << (bits - 1))
        p += 3 - p % 8
        if p.bit_length() == bits and gmpy2.is_prime(p, 40):
            return p


def blum_modulus(bits: int) -> tuple[int, int]:
    """Two distinct primes ≡ 3 (mod 8) of bits/2 bits with gcd(n, φ(n)) = 1 and n of exactly ``bits`` bits."""
    while True:
        p, q = prime_3_mod_8(bits // 2), prime_3_mod_8(bits // 2)
        n = p * q
        if p != q and n.bit_length() == bits and gmpy2.gcd(n, (p - 1) * (q - 1)) == 1:
            return p, q


def split(x: int, parties: int) -> list[int]:
    """Additive shares: trustee 1's ≡ x (mod 8), the others' ≡ 0 (mod 8) and non-negative."""
    others = [8 * secrets.randbits(x.bit_length() - 8) for _ in range(parties - 1)]
    return [x - sum(others), *others]


def modulus_shares(p: int, q: int, parties: int, threshold: int) -> list[LocalModulusShares]:
    ps, qs = split(p, parties), split(q, parties)
    return [LocalModulusShares(p * q, i + 1, parties, threshold, ps[i], qs[i]) for i in range(parties)]
