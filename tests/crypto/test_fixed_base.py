"""Fixed-base and multi-base exponentiation (crypto/fixed_base.py, ADR 0011): the fast paths equal gmpy2.powmod."""

from __future__ import annotations

import random

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.fixed_base import DEFAULT_WINDOW, FixedBase, multi_pow

MODULI = st.integers(min_value=2, max_value=2**600)
BASES = st.integers(min_value=-(2**700), max_value=2**700)  # any integer: the table reduces it modulo the modulus


def _powmod(base: int, exponent: int, modulus: int) -> int:
    return int(gmpy2.powmod(base, exponent, modulus))


def _exponents(max_bits: int) -> st.SearchStrategy[int]:
    """0, 1, anything the table covers, the boundary 2^max_bits − 1 / 2^max_bits, and longer exponents (fallback)."""
    return st.one_of(
        st.sampled_from([0, 1, 2, (1 << max_bits) - 1, 1 << (max_bits - 1), 1 << max_bits, (1 << max_bits) + 1]),
        st.integers(min_value=0, max_value=(1 << max_bits) - 1),
        st.integers(min_value=1 << max_bits, max_value=1 << (max_bits + 80)),
    )


# --- FixedBase -----------------------------------------------------------------------------------------------------


@settings(max_examples=60)
@given(
    base=BASES,
    modulus=MODULI,
    max_bits=st.integers(min_value=1, max_value=260),
    window=st.integers(min_value=1, max_value=8),
    data=st.data(),
)
def test_fixed_base_pow_equals_powmod(base: int, modulus: int, max_bits: int, window: int, data: st.DataObject) -> None:
    table = FixedBase(base, modulus, max_bits, window)
    for exponent in data.draw(st.lists(_exponents(max_bits), min_size=1, max_size=6)):
        assert table.pow(exponent) == _powmod(base, exponent, modulus)


@pytest.mark.parametrize("window", range(1, 9))
def test_fixed_base_boundary_exponents_for_every_window(window: int) -> None:
    """Exponents with exactly max_bits bits use the last row of the table; one bit more takes the fallback."""
    modulus = (1 << 255) - 19
    base = 0x1234567890ABCDEF
    max_bits = 97  # not a multiple of any window above 1: the last row is partial
    table = FixedBase(base, modulus, max_bits, window)
    for exponent in (0, 1, (1 << max_bits) - 1, 1 << (max_bits - 1), 1 << max_bits, (1 << (2 * max_bits)) - 1):
        assert table.pow(exponent) == _powmod(base, exponent, modulus)


def test_fixed_base_degenerate_bases() -> None:
    """0, 1, −1, the modulus itself and multiples of a factor of it (not units) all agree with powmod."""
    modulus = 3 * 5 * 7 * 11 * 13 * 2**5
    for base in (0, 1, -1, modulus, modulus + 1, 3, 2**5, -(2**5) * 7):
        table = FixedBase(base, modulus, 40, 3)
        for exponent in (0, 1, 2, 31, 2**40 - 1, 2**40, 2**45 + 3):
            assert table.pow(exponent) == _powmod(base, exponent, modulus), (base, exponent)


def test_fixed_base_result_is_reduced() -> None:
    table = FixedBase(5, 7, 8, 2)
    assert all(0 <= table.pow(e) < 7 for e in range(0, 600, 7))
    assert table.pow(0) == 1  # base^0 = 1 for modulus >= 2


@pytest.mark.parametrize(("max_bits", "window"), [(1, 1), (8, 4), (9, 4), (2048, 6), (97, 5), (100, 16)])
def test_fixed_base_entries_counts_the_table(max_bits: int, window: int) -> None:
    """⌈max_bits / w⌉ rows of 2^w − 1 residues (ADR 0011's size table is computed from this)."""
    table = FixedBase(3, 101, max_bits, window)
    assert table.entries == -(-max_bits // window) * ((1 << window) - 1)


def test_fixed_base_default_window() -> None:
    table = FixedBase(3, 101, 64)
    assert table.window == DEFAULT_WINDOW == 6
    assert table.pow(2**63 + 5) == _powmod(3, 2**63 + 5, 101)


def test_fixed_base_rejects_negative_exponent() -> None:
    table = FixedBase(3, 101, 16, 4)
    for exponent in (-1, -(2**20)):
        with pytest.raises(ValueError, match="non-negative"):
            table.pow(exponent)


@pytest.mark.parametrize("window", [0, -1, 17])
def test_fixed_base_rejects_bad_window(window: int) -> None:
    with pytest.raises(ValueError, match="window"):
        FixedBase(3, 101, 16, window)


@pytest.mark.parametrize("modulus", [1, 0, -7])
def test_fixed_base_rejects_bad_modulus(modulus: int) -> None:
    with pytest.raises(ValueError, match="modulus"):
        FixedBase(3, modulus, 16, 4)


@pytest.mark.parametrize("max_bits", [0, -5])
def test_fixed_base_rejects_bad_max_bits(max_bits: int) -> None:
    with pytest.raises(ValueError, match="max_bits"):
        FixedBase(3, 101, max_bits, 4)


# --- multi_pow -----------------------------------------------------------------------------------------------------


def _product_of_powmods(bases: list[int], exponents: list[int], modulus: int) -> int:
    acc = 1 % modulus
    for b, e in zip(bases, exponents, strict=True):
        acc = acc * _powmod(b, e, modulus) % modulus
    return acc


@settings(max_examples=80)
@given(
    modulus=MODULI,
    window=st.integers(min_value=1, max_value=8),
    pairs=st.lists(
        st.tuples(
            BASES,
            st.one_of(st.sampled_from([0, 1, 2, 15, 16]), st.integers(min_value=0, max_value=2**300)),
        ),
        max_size=8,
    ),
)
def test_multi_pow_equals_product_of_powmods(modulus: int, window: int, pairs: list[tuple[int, int]]) -> None:
    bases = [b for b, _ in pairs]
    exponents = [e for _, e in pairs]
    assert multi_pow(bases, exponents, modulus, window) == _product_of_powmods(bases, exponents, modulus)


def test_multi_pow_edge_cases() -> None:
    m = 2**127 - 1
    assert multi_pow([], [], m) == 1
    assert multi_pow([5], [0], m) == 1
    assert multi_pow([5, 7, 9], [0, 0, 0], m) == 1
    assert multi_pow([5], [1], m) == 5
    assert multi_pow([m + 5], [1], m) == 5
    assert multi_pow([0], [3], m) == 0
    assert multi_pow([0], [0], m) == 1  # 0^0 = 1, as powmod
    assert multi_pow([5], [2**200 + 1], m) == _powmod(5, 2**200 + 1, m)
    # zero exponents mixed with others, exponents of very different lengths
    bases, exponents = [3, 5, 7, 11], [0, 2**130 + 7, 1, 0]
    for window in range(1, 9):
        assert multi_pow(bases, exponents, m, window) == _product_of_powmods(bases, exponents, m)
    # the same base twice: exponents add
    assert multi_pow([3, 3], [10, 20], m) == _powmod(3, 30, m)


def test_multi_pow_rejects_length_mismatch() -> None:
    for bases, exponents in (([2, 3], [1]), ([2], [1, 2]), ([], [1]), ([2], [])):
        with pytest.raises(ValueError, match="length"):
            multi_pow(bases, exponents, 101)


def test_multi_pow_rejects_negative_exponent() -> None:
    for exponents in ([-1], [3, -1], [0, -(2**100)]):
        with pytest.raises(ValueError, match="non-negative"):
            multi_pow([2] * len(exponents), exponents, 101)


@pytest.mark.parametrize("window", [0, -1, 17])
def test_multi_pow_rejects_bad_window(window: int) -> None:
    with pytest.raises(ValueError, match="window"):
        multi_pow([2, 3], [5, 7], 101, window)
    with pytest.raises(ValueError, match="window"):
        multi_pow([], [], 101, window)


@pytest.mark.parametrize("modulus", [1, 0, -7])
def test_multi_pow_rejects_bad_modulus(modulus: int) -> None:
    with pytest.raises(ValueError, match="modulus"):
        multi_pow([2, 3], [5, 7], modulus)
    with pytest.raises(ValueError, match="modulus"):
        multi_pow([], [], modulus)


def test_multi_pow_bucket_and_straus_paths_agree() -> None:
    """Many bases take the bucket method, few take Straus; both equal the product of powmods (mixed lengths,
    repeated bases, zero exponents)."""
    from crypto.fixed_base import _bucket_plan, _buckets, _straus

    modulus = gmpy2.mpz((1 << 521) - 1)
    rng = random.Random(7)
    bases = [rng.randrange(1, int(modulus)) for _ in range(300)]
    bases[5] = bases[6]
    exponents = [rng.getrandbits(128 if i % 3 else 256) for i in range(300)]
    exponents[7] = 0
    expected = 1
    for b, e in zip(bases, exponents, strict=True):
        expected = expected * pow(b, e, int(modulus)) % int(modulus)
    pairs = [(gmpy2.mpz(b), gmpy2.mpz(e)) for b, e in zip(bases, exponents, strict=True) if e]
    window, _ = _bucket_plan([int(e).bit_length() for _, e in pairs])
    assert window > 2  # a real bucket window for 300 bases
    assert _buckets(pairs, modulus, window, 256) == expected
    assert _straus(pairs, modulus, 4, 256) == expected
    assert multi_pow(bases, exponents, int(modulus)) == expected
    assert multi_pow(bases, [e + 1 for e in exponents], int(modulus)) != expected
