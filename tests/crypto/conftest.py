"""Key fixtures for the Paillier / threshold / proof tests: small, freshly generated, session-scoped.

The 512-bit moduli keep every test fast; full-size parameters come from the published 2048-bit safe-prime pair in
tests/vectors/paillier/ (see ``paillier_vectors``) in tests marked ``slow``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crypto.paillier import PublicKey
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
