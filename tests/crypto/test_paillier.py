"""Paillier in the Damgård–Jurik–Nielsen form (ballot format v2, ADR 0011): Enc(m; r) = (1+n)^m·H^r mod n².

Cross-checks: our CRT decryption, the textbook λ/μ decryption and python-paillier (phe) all decrypt v2 ciphertexts
(H^r is an n-th residue), and a v2 encryption with exponent r is the textbook encryption with the root h^r mod n
(H^r = (h^r)^n). The published vectors (v1-form ciphertexts, tests/vectors/README.md) still pin decryption and the
homomorphic operations, which v2 did not change.
"""

from __future__ import annotations

import math
import random
from typing import Any

import gmpy2
import phe
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import DecodingError, InvalidKey
from crypto.paillier import (
    PublicKey,
    add,
    ciphertext_from_bytes,
    ciphertext_to_bytes,
    decrypt_with_factors,
    encrypt,
    key_base,
    random_exponent,
    randomness_bits,
    scalar_mul,
    table_bits,
    validate_ciphertext,
)
from crypto.transcript import Transcript


def textbook_encrypt(n: int, m: int, root: int) -> int:
    """Paillier '99 with g = n + 1 and an n-th root ``root`` ∈ Z*_n: (1+n)^m · root^n mod n²."""
    n2 = n * n
    return pow(1 + n, m, n2) * pow(root, n, n2) % n2


def textbook_decrypt(p: int, q: int, c: int) -> int:
    """Paillier '99 with λ = lcm(p−1, q−1) and μ = L(g^λ mod n²)^{-1} mod n."""
    n, n2 = p * q, (p * q) ** 2
    lam = (p - 1) * (q - 1) // gmpy2.gcd(p - 1, q - 1)

    def ell(u: int) -> int:
        return (u - 1) // n

    mu = pow(ell(pow(n + 1, lam, n2)), -1, n)
    return int(ell(pow(c, lam, n2)) * mu % n)


def phe_decrypt(p: int, q: int, c: int) -> int:
    return int(phe.PaillierPrivateKey(phe.PaillierPublicKey(p * q), p, q).raw_decrypt(c))


def _int(x: str) -> int:
    return int(x, 0)


def _keys(paillier_vectors: dict[str, Any], safe_primes: tuple[int, int]) -> list[tuple[str, int, int]]:
    """(name, p, q): the three published pairs (one tiny, one with p ≢ q mod 4, one of safe primes) and the
    session's small safe-prime pair."""
    rows = [(s["name"], _int(s["p"]), _int(s["q"])) for s in paillier_vectors["sets"]]
    return [*rows, ("session safe primes", *safe_primes)]


# --- vectors (v1-form ciphertexts: decryption and the homomorphic operations are unchanged) ------------------------


def _all_vectors(data: dict[str, Any]) -> list[tuple[str, int, int, int, int, int, int]]:
    rows = []
    for s in data["sets"]:
        p, q, n = _int(s["p"]), _int(s["q"]), _int(s["n"])
        for v in s["vectors"]:
            rows.append((s["name"], p, q, n, _int(v["m"]), _int(v["r"]), _int(v["c"])))
    return rows


def test_vectors_file_has_the_expected_sets(paillier_vectors: dict[str, Any]) -> None:
    names = [s["name"] for s in paillier_vectors["sets"]]
    assert names == ["phe-regression", "pkcs1-oaep-int-1024", "safe-prime-2048"]
    assert len(_all_vectors(paillier_vectors)) == 13


def test_vectors_are_textbook_and_phe_encryptions(paillier_vectors: dict[str, Any]) -> None:
    """The vectors' c = (1+n)^m·r^n (they are v1 ciphertexts, not ``encrypt`` outputs any more)."""
    for name, p, q, n, m, r, c in _all_vectors(paillier_vectors):
        assert p * q == n, name
        assert textbook_encrypt(n, m, r) == c, name
        assert phe.PaillierPublicKey(n).raw_encrypt(m, r_value=r) == c, name


def test_decrypt_matches_vectors_phe_and_textbook(paillier_vectors: dict[str, Any]) -> None:
    for name, p, q, _n, m, _r, c in _all_vectors(paillier_vectors):
        assert decrypt_with_factors(p, q, c) == m, name
        assert decrypt_with_factors(q, p, c) == m, name
        assert textbook_decrypt(p, q, c) == m, name
        assert phe_decrypt(p, q, c) == m, name


def test_homomorphic_vectors(paillier_vectors: dict[str, Any]) -> None:
    for s in paillier_vectors["sets"][1:]:
        p, q, n = _int(s["p"]), _int(s["q"]), _int(s["n"])
        pk = PublicKey(n)
        c = [_int(v["c"]) for v in s["vectors"]]
        h = s["homomorphic"]
        assert add(pk, c[0], c[1]) == _int(h["add"]["c"])
        assert decrypt_with_factors(p, q, _int(h["add"]["c"])) == _int(h["add"]["m"])
        k = int(h["scalar_mul"]["k"])
        assert scalar_mul(pk, c[0], k) == _int(h["scalar_mul"]["c"])
        assert decrypt_with_factors(p, q, _int(h["scalar_mul"]["c"])) == _int(h["scalar_mul"]["m"])


def test_v2_encryption_under_every_vector_key_decrypts_three_ways(
    paillier_vectors: dict[str, Any], safe_primes: tuple[int, int]
) -> None:
    for name, p, q in _keys(paillier_vectors, safe_primes):
        pk = PublicKey(p * q)
        for m in (0, 1, 10100 % pk.n, pk.n - 1):
            c = encrypt(pk, m, random_exponent(pk))
            assert decrypt_with_factors(p, q, c) == m, name
            assert textbook_decrypt(p, q, c) == m, name
            assert phe_decrypt(p, q, c) == m, name


# --- public key ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, -15, 2, 126868, 2**64])
def test_public_key_rejects_even_or_tiny_modulus(n: int) -> None:
    with pytest.raises(InvalidKey):
        PublicKey(n)


def test_public_key_rejects_non_int() -> None:
    with pytest.raises(InvalidKey):
        PublicKey(True)
    with pytest.raises(InvalidKey):
        PublicKey("126869")  # type: ignore[arg-type]


def test_public_key_from_int_checks_size(paillier_key: PublicKey) -> None:
    n = paillier_key.n
    assert PublicKey.from_int(n, n.bit_length()) == paillier_key
    with pytest.raises(InvalidKey):
        PublicKey.from_int(n, n.bit_length() + 1)


def test_public_key_derived_fields(paillier_key: PublicKey) -> None:
    pk = paillier_key
    assert pk.n2 == pk.n**2
    assert pk.ciphertext_length == (pk.n2.bit_length() + 7) // 8
    assert hash(pk) == hash(PublicKey(pk.n))


# --- the key's base H (docs/protocol.md §P3.3) ----------------------------------------------------------------------


def _derive_h(n: int) -> int:
    """ADR 0011 re-derived from its text: x = the first counter whose transcript output (|n| + 128 bits, reduced
    modulo n) is a unit; h = −x² mod n."""
    counter = 0
    while True:
        t = Transcript("paillier-v2/h").append_int("n", n).append_int("counter", counter)
        x = t.challenge_int("x", n.bit_length() + 128) % n
        if x and math.gcd(x, n) == 1:
            return (-x * x) % n
        counter += 1


def test_key_base_matches_its_definition(paillier_vectors: dict[str, Any], safe_primes: tuple[int, int]) -> None:
    for name, p, q in _keys(paillier_vectors, safe_primes):
        n = p * q
        base = key_base(n)
        assert base.n == n, name
        assert base.h == _derive_h(n), name
        assert 0 < base.h < n and math.gcd(base.h, n) == 1, name
        assert pow(base.h, n, n * n) == base.H, name


def test_key_base_is_deterministic_per_modulus(paillier_key: PublicKey) -> None:
    """A fresh derivation (bypassing the cache) gives the same h and H: every party derives the same base."""
    n = paillier_key.n
    fresh = key_base.__wrapped__(n)
    cached = key_base(n)
    assert fresh is not cached
    assert (fresh.h, fresh.H) == (cached.h, cached.H)
    assert key_base(n) is cached


def test_key_base_differs_between_moduli(paillier_key: PublicKey, other_paillier_key: PublicKey) -> None:
    a, b = key_base(paillier_key.n), key_base(other_paillier_key.n)
    assert a.h != b.h
    assert a.H != b.H
    assert a.H % other_paillier_key.n2 != b.H


def test_h_is_an_nth_residue_decrypting_to_zero(paillier_vectors: dict[str, Any], safe_primes: tuple[int, int]) -> None:
    """H = h^n decrypts to 0 under every decryption (so H^r does too); h itself is no n-th residue (control)."""
    for name, p, q in _keys(paillier_vectors, safe_primes):
        base = key_base(p * q)
        assert base.H != 1, name
        assert decrypt_with_factors(p, q, base.H) == 0, name
        assert textbook_decrypt(p, q, base.H) == 0, name
        assert phe_decrypt(p, q, base.H) == 0, name
        assert decrypt_with_factors(p, q, base.h) != 0, name


def test_jacobi_symbol_of_h(paillier_vectors: dict[str, Any], safe_primes: tuple[int, int]) -> None:
    """h = −x² has the quadratic character of −1 modulo each prime: (h/p) = (−1/p), so (h/n) = (−1/n). For the
    project's keys (p ≡ q ≡ 3 mod 4, which the modulus proof shows) that is (h/n) = +1 with h a non-residue modulo
    both primes — not a square. The pkcs1 pair (p ≡ 3, q ≡ 1 mod 4) shows (h/n) = −1 is possible otherwise."""
    symbols = {}
    for name, p, q in _keys(paillier_vectors, safe_primes):
        n, h = p * q, key_base(p * q).h
        assert gmpy2.legendre(h, p) == gmpy2.legendre(-1, p), name
        assert gmpy2.legendre(h, q) == gmpy2.legendre(-1, q), name
        assert gmpy2.jacobi(h, n) == gmpy2.jacobi(-1, n), name
        symbols[name] = gmpy2.jacobi(h, n)
        if p % 4 == 3 and q % 4 == 3:
            assert gmpy2.jacobi(h, n) == 1, name
            assert gmpy2.legendre(h, p) == gmpy2.legendre(h, q) == -1, name
    assert symbols["pkcs1-oaep-int-1024"] == -1
    assert symbols["safe-prime-2048"] == symbols["session safe primes"] == 1


@settings(max_examples=40)
@given(data=st.data())
def test_key_base_tables_equal_powmod(paillier_key: PublicKey, data: st.DataObject) -> None:
    """pow_n2 / pow_n are H^e mod n² / mod n, inside the tables' range and above it (the fallback)."""
    n, n2 = paillier_key.n, paillier_key.n2
    base = key_base(n)
    top = table_bits(n)
    exponent = data.draw(
        st.one_of(
            st.sampled_from([0, 1, (1 << top) - 1, 1 << top]),
            st.integers(min_value=0, max_value=(1 << top) - 1),
            st.integers(min_value=1 << top, max_value=1 << (top + 200)),
        )
    )
    assert base.pow_n2(exponent) == pow(base.H, exponent, n2)
    assert base.pow_n(exponent) == pow(base.H, exponent, n)


# --- encryption ----------------------------------------------------------------------------------------------------


def test_randomness_bits_is_half_the_modulus_rounded_up() -> None:
    for bits in (17, 18, 511, 512, 1024, 3071, 3072):
        assert randomness_bits(PublicKey((1 << (bits - 1)) + 1)) == math.ceil(bits / 2)
    assert randomness_bits(PublicKey((1 << 3071) + 1)) == 1536  # ADR 0011's figure at |n| = 3072


def test_random_exponent_range(paillier_key: PublicKey) -> None:
    pk = paillier_key
    bits = randomness_bits(pk)
    values = [random_exponent(pk) for _ in range(64)]
    assert len(set(values)) == 64
    assert all(0 <= r < 1 << bits for r in values)
    assert max(r.bit_length() for r in values) == bits  # the top bit is used (fails with probability 2^-64)


def test_encrypt_is_the_djn_formula(paillier_key: PublicKey) -> None:
    pk = paillier_key
    n, n2 = pk.n, pk.n2
    big_h = key_base(n).H
    for m, r in ((0, 0), (1, 0), (0, 1), (5, random_exponent(pk)), (n - 1, (1 << randomness_bits(pk)) - 1)):
        assert encrypt(pk, m, r) == pow(1 + n, m, n2) * pow(big_h, r, n2) % n2


@settings(max_examples=25)
@given(m=st.integers(min_value=0), r=st.integers(min_value=0))
def test_encrypt_equals_textbook_and_phe_with_root_h_to_the_r(
    paillier_key: PublicKey, safe_primes: tuple[int, int], m: int, r: int
) -> None:
    """H^r = (h^r)^n: a v2 ciphertext is the v1 / phe encryption with n-th root h^r mod n."""
    pk = paillier_key
    m, r = m % pk.n, r % (1 << randomness_bits(pk))
    c = encrypt(pk, m, r)
    root = pow(key_base(pk.n).h, r, pk.n)
    assert c == textbook_encrypt(pk.n, m, root)
    assert c == phe.PaillierPublicKey(pk.n).raw_encrypt(m, r_value=root)
    assert decrypt_with_factors(*safe_primes, c) == m
    assert phe_decrypt(*safe_primes, c) == m


def test_encrypt_rejects_plaintext_out_of_range(paillier_key: PublicKey) -> None:
    pk = paillier_key
    r = random_exponent(pk)
    for m in (-1, pk.n, pk.n + 1, pk.n2):
        with pytest.raises(ValueError, match="plaintext"):
            encrypt(pk, m, r)
    for m in (0, pk.n - 1):  # the boundaries are accepted
        assert validate_ciphertext(pk, encrypt(pk, m, r))


def test_encrypt_rejects_randomness_out_of_range(paillier_key: PublicKey) -> None:
    pk = paillier_key
    bits = randomness_bits(pk)
    for r in (-1, -(1 << bits), 1 << bits, (1 << bits) + 1, pk.n):
        with pytest.raises(ValueError, match="randomness"):
            encrypt(pk, 1, r)
    for r in (0, 1, (1 << bits) - 1):  # the boundaries are accepted
        assert validate_ciphertext(pk, encrypt(pk, 1, r))


def test_encryption_exponent_is_not_reduced(paillier_key: PublicKey) -> None:
    """Distinct exponents give distinct ciphertexts (ord(H) > 2^ℓ_r for the project's keys)."""
    pk = paillier_key
    rs = [random_exponent(pk) for _ in range(16)] + [0, 1, (1 << randomness_bits(pk)) - 1]
    assert len({encrypt(pk, 3, r) for r in rs}) == len(set(rs))


@settings(max_examples=25)
@given(a=st.integers(min_value=0), b=st.integers(min_value=0), seed=st.randoms(use_true_random=False))
def test_add_is_homomorphic(
    paillier_key: PublicKey, safe_primes: tuple[int, int], a: int, b: int, seed: random.Random
) -> None:
    """Enc(a; r_a)·Enc(b; r_b) = (1+n)^{a+b}·H^{r_a+r_b}: it decrypts to a + b mod n."""
    pk, (p, q) = paillier_key, safe_primes
    a, b = a % pk.n, b % pk.n
    bits = randomness_bits(pk)
    ra, rb = seed.getrandbits(bits), seed.getrandbits(bits)
    total = add(pk, encrypt(pk, a, ra), encrypt(pk, b, rb))
    assert decrypt_with_factors(p, q, total) == (a + b) % pk.n
    assert phe_decrypt(p, q, total) == (a + b) % pk.n
    assert total == (1 + (a + b) % pk.n * pk.n) * key_base(pk.n).pow_n2(ra + rb) % pk.n2


@settings(max_examples=25)
@given(
    a=st.integers(min_value=0),
    k=st.integers(min_value=-(2**64), max_value=2**64),
    seed=st.randoms(use_true_random=False),
)
def test_scalar_mul_is_homomorphic(
    paillier_key: PublicKey, safe_primes: tuple[int, int], a: int, k: int, seed: random.Random
) -> None:
    """Enc(a; r)^k = (1+n)^{k·a}·H^{k·r} (negative k through the inverse): it decrypts to k·a mod n."""
    pk, (p, q) = paillier_key, safe_primes
    a = a % pk.n
    r = seed.getrandbits(randomness_bits(pk))
    c = scalar_mul(pk, encrypt(pk, a, r), k)
    assert decrypt_with_factors(p, q, c) == k * a % pk.n
    assert phe_decrypt(p, q, c) == k * a % pk.n
    assert c == (1 + k * a % pk.n * pk.n) * pow(key_base(pk.n).H, k * r, pk.n2) % pk.n2


def test_add_of_nothing_is_trivial_encryption_of_zero(paillier_key: PublicKey) -> None:
    pk = paillier_key
    assert add(pk) == 1 == encrypt(pk, 0, 0)


# --- ciphertext parsing --------------------------------------------------------------------------------------------


def test_ciphertext_out_of_range_rejected(paillier_key: PublicKey, safe_primes: tuple[int, int]) -> None:
    pk, (p, q) = paillier_key, safe_primes
    bad = {
        "zero": 0,
        "negative": -5,
        "n squared": pk.n2,
        "n squared plus one": pk.n2 + 1,
        "multiple of p": 7 * p,
        "multiple of q": q,
        "multiple of n": pk.n,
    }
    for label, c in bad.items():
        with pytest.raises(DecodingError):
            validate_ciphertext(pk, c)
        if 0 <= c < 256**pk.ciphertext_length:
            with pytest.raises(DecodingError):
                ciphertext_from_bytes(pk, c.to_bytes(pk.ciphertext_length, "big"))
        with pytest.raises(DecodingError):
            ciphertext_to_bytes(pk, c)
        assert label  # keeps the label in the traceback of a failure


def test_ciphertext_error_messages_are_precise(paillier_key: PublicKey, safe_primes: tuple[int, int]) -> None:
    pk = paillier_key
    with pytest.raises(DecodingError, match="positive"):
        validate_ciphertext(pk, 0)
    with pytest.raises(DecodingError, match="less than n"):
        validate_ciphertext(pk, pk.n2)
    with pytest.raises(DecodingError, match="gcd"):
        validate_ciphertext(pk, safe_primes[0])
    with pytest.raises(DecodingError, match="int"):
        validate_ciphertext(pk, True)
    with pytest.raises(DecodingError, match="int"):
        validate_ciphertext(pk, gmpy2.mpz(5))


def test_valid_ciphertext_accepted(paillier_key: PublicKey) -> None:
    pk = paillier_key
    c = encrypt(pk, 7, random_exponent(pk))
    assert validate_ciphertext(pk, c) == c
    assert validate_ciphertext(pk, 1) == 1
    assert validate_ciphertext(pk, pk.n2 - 1) == pk.n2 - 1
    assert validate_ciphertext(pk, key_base(pk.n).H) == key_base(pk.n).H


@settings(max_examples=20)
@given(m=st.integers(min_value=0))
def test_ciphertext_bytes_round_trip(paillier_key: PublicKey, m: int) -> None:
    pk = paillier_key
    c = encrypt(pk, m % pk.n, random_exponent(pk))
    data = ciphertext_to_bytes(pk, c)
    assert len(data) == pk.ciphertext_length
    assert ciphertext_from_bytes(pk, data) == c


def test_ciphertext_wrong_length_rejected(paillier_key: PublicKey) -> None:
    pk = paillier_key
    data = ciphertext_to_bytes(pk, encrypt(pk, 3, random_exponent(pk)))
    for bad in (data[:-1], data + b"\x00", b"\x00" + data, b"", data[1:]):
        with pytest.raises(DecodingError, match="exactly"):
            ciphertext_from_bytes(pk, bad)


def test_small_ciphertext_keeps_fixed_width(paillier_key: PublicKey) -> None:
    pk = paillier_key
    data = ciphertext_to_bytes(pk, 1)
    assert len(data) == pk.ciphertext_length and data[-1] == 1 and not any(data[:-1])


def test_decrypt_with_factors_rejects_equal_primes(paillier_key: PublicKey, safe_primes: tuple[int, int]) -> None:
    with pytest.raises(InvalidKey):
        decrypt_with_factors(safe_primes[0], safe_primes[0], 2)


def test_decrypt_with_factors_rejects_invalid_ciphertext(safe_primes: tuple[int, int]) -> None:
    p, q = safe_primes
    for c in (0, p, p * q, (p * q) ** 2):
        with pytest.raises(DecodingError):
            decrypt_with_factors(p, q, c)
