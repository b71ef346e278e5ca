"""Key fixtures for the Paillier / threshold / proof tests: small, freshly generated, session-scoped.

The 512-bit moduli keep every test fast; full-size parameters come from the published 2048-bit safe-prime pair in
tests/vectors/paillier/ (see ``paillier_vectors``) in tests marked ``slow``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crypto.paillier import PublicKey, key_base
from crypto.primes import random_safe_prime_pair
from crypto.threshold import KeyShare, ThresholdPublicKey, deal

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "paillier"

SMALL_PRIME_BITS = 256  # n has 512 bits: > 2·128 + 2 bits, as the 128-bit challenges require


@pytest.fixture(scope="session")
def paillier_vectors() -> dict[str, Any]:
    with (VECTORS / "paillier_crosscheck_vectors.json").open() as f:
        data: dict[str, Any] = json.load(f)
    return data


@pytest.fixture(scope="session")
def safe_primes() -> tuple[int, int]:
    return random_safe_prime_pair(SMALL_PRIME_BITS)


@pytest.fixture(scope="session")
def paillier_key(safe_primes: tuple[int, int]) -> PublicKey:
    """The Paillier key n = p·q of ``safe_primes``."""
    p, q = safe_primes
    return PublicKey(p * q)


@pytest.fixture(scope="session")
def other_paillier_key() -> PublicKey:
    """A second, independent key (for "proof not bound to another key" tests)."""
    p, q = random_safe_prime_pair(SMALL_PRIME_BITS)
    return PublicKey(p * q)


@pytest.fixture(scope="session")
def threshold_key(safe_primes: tuple[int, int]) -> tuple[ThresholdPublicKey, list[KeyShare]]:
    """A 3-of-5 key dealt from the session's safe primes."""
    p, q = safe_primes
    return deal(p, q, threshold=3, parties=5)


@pytest.fixture(scope="session")
def base_order(safe_primes: tuple[int, int]) -> int:
    """ord(H) in Z*_{n²} for the session key, computed from the factors (p = 2p'+1, q = 2q'+1): the divisor of
    λ = 2p'q' from which no prime factor (2, p', q') can be removed. Only the tests know it: it lets them build
    responses z + ord(H) (still valid) and z + ord(H)/2 (δ = H^{ord/2} = −1)."""
    p, q = safe_primes
    n = p * q
    n2 = n * n
    big_h = key_base(n).H
    order = 2 * ((p - 1) // 2) * ((q - 1) // 2)
    for f in (2, (p - 1) // 2, (q - 1) // 2):
        while order % f == 0 and pow(big_h, order // f, n2) == 1:
            order //= f
    assert pow(big_h, order, n2) == 1
    return order
