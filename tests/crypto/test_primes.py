"""Safe-prime generation: exact size, top bits, primality of p and (p−1)/2, the sieve, progress, two processes."""

from __future__ import annotations

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import primes
from crypto.primes import is_safe_prime, random_safe_prime, random_safe_prime_pair, small_primes_below


def test_small_primes_below_matches_trial_division() -> None:
    expected = [k for k in range(2, 2000) if all(k % d for d in range(2, int(k**0.5) + 1))]
    assert small_primes_below(2000).tolist() == expected
    assert small_primes_below(2).tolist() == []
    assert int(primes.SMALL_PRIMES[-1]) < 1 << 20 <= int(gmpy2.next_prime(int(primes.SMALL_PRIMES[-1])))


def test_is_safe_prime_known_values() -> None:
    safe = [5, 7, 11, 23, 47, 59, 83, 107, 167, 179, 227, 263]
    assert [k for k in range(1, 270) if is_safe_prime(k)] == safe


@pytest.mark.parametrize("p", [2, 3, 13, 29, 15, 2**61 - 1, 0, -7])
def test_is_safe_prime_rejects(p: int) -> None:
    assert not is_safe_prime(p)


@settings(max_examples=15, deadline=None)
@given(bits=st.integers(min_value=16, max_value=320))
def test_random_safe_prime_shape(bits: int) -> None:
    p = random_safe_prime(bits)
    assert p.bit_length() == bits
    assert p >> (bits - 2) == 0b11  # top two bits set, so p·q has exactly 2·bits bits
    assert is_safe_prime(p)


def test_product_has_exactly_twice_the_bits() -> None:
    p, q = random_safe_prime_pair(128)
    assert p != q and (p * q).bit_length() == 256
    assert is_safe_prime(p) and is_safe_prime(q)


@pytest.mark.parametrize("bits", [0, 8, 15])
def test_too_few_bits_rejected(bits: int) -> None:
    with pytest.raises(ValueError):
        random_safe_prime(bits)
    with pytest.raises(ValueError):
        random_safe_prime_pair(bits)


def test_sieve_strikes_exactly_the_candidates_with_small_factors() -> None:
    q0 = primes._random_start(160)
    window, count = 4096, 200
    alive = set(primes._sieve_window(q0, window, count).tolist())
    small = [int(s) for s in primes.SMALL_PRIMES[1 : count + 1]]
    for k in range(window):
        qp = q0 + 2 * k
        has_factor = any(qp % s == 0 or (2 * qp + 1) % s == 0 for s in small)
        assert (k in alive) != has_factor, k


@pytest.mark.parametrize("bits", [16, 20, 300, 512, 1024, 4096])
def test_sieve_parameters_stay_below_the_candidates(bits: int) -> None:
    bound, window = primes._sieve_parameters(bits)
    assert 3 <= bound <= 1 << (bits - 3)
    assert 1 <= window <= 1 << (bits - 5)


def test_progress_is_reported_and_increasing() -> None:
    seen: list[int] = []
    p = random_safe_prime(512, progress=seen.append)
    assert is_safe_prime(p)
    assert seen and seen == sorted(seen) and seen[-1] > 0


def test_pair_progress_accumulates_over_both_searches() -> None:
    seen: list[int] = []
    random_safe_prime_pair(256, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] > 0
