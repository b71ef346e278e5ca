"""Paillier (g = n + 1): phe vs textbook vs published vectors, homomorphism, ciphertext parsing."""

from __future__ import annotations

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
    random_unit,
    scalar_mul,
    validate_ciphertext,
)


def textbook_encrypt(n: int, m: int, r: int) -> int:
    n2 = n * n
    return pow(1 + n, m, n2) * pow(r, n, n2) % n2


def textbook_decrypt(p: int, q: int, c: int) -> int:
    """Paillier '99 with λ = lcm(p−1, q−1) and μ = L(g^λ mod n²)^{-1} mod n."""
    n, n2 = p * q, (p * q) ** 2
    lam = (p - 1) * (q - 1) // gmpy2.gcd(p - 1, q - 1)

    def ell(u: int) -> int:
        return (u - 1) // n

    mu = pow(ell(pow(n + 1, lam, n2)), -1, n)
    return int(ell(pow(c, lam, n2)) * mu % n)


def _int(x: str) -> int:
    return int(x, 0)


# --- vectors -------------------------------------------------------------------------------------------------------


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


def test_phe_regression_vector(paillier_vectors: dict[str, Any]) -> None:
    """python-paillier's own regression vector: n = 293·433, m = 10100, r = 74384 → c = 935906717."""
    s = paillier_vectors["sets"][0]
    n, v = _int(s["n"]), s["vectors"][0]
    assert n == 293 * 433 == _int(s["p"]) * _int(s["q"])
    assert encrypt(PublicKey(n), _int(v["m"]), _int(v["r"])) == _int(v["c"]) == 935906717


def test_encrypt_matches_vectors_phe_and_textbook(paillier_vectors: dict[str, Any]) -> None:
    for name, p, q, n, m, r, c in _all_vectors(paillier_vectors):
        pk = PublicKey(n)
        assert p * q == n, name
        assert encrypt(pk, m, r) == c, name
        assert textbook_encrypt(n, m, r) == c, name
        assert phe.PaillierPublicKey(n).raw_encrypt(m, r_value=r) == c, name


def test_decrypt_matches_vectors_phe_and_textbook(paillier_vectors: dict[str, Any]) -> None:
    for name, p, q, n, m, _r, c in _all_vectors(paillier_vectors):
        assert decrypt_with_factors(p, q, c) == m, name
        assert decrypt_with_factors(q, p, c) == m, name
        assert textbook_decrypt(p, q, c) == m, name
        phe_sk = phe.PaillierPrivateKey(phe.PaillierPublicKey(n), p, q)
        assert phe_sk.raw_decrypt(c) == m, name


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


# --- encryption ----------------------------------------------------------------------------------------------------


def test_encrypt_rejects_plaintext_out_of_range(paillier_key: PublicKey) -> None:
    pk = paillier_key
    r = random_unit(pk)
    for m in (-1, pk.n, pk.n + 1):
        with pytest.raises(ValueError, match="plaintext"):
            encrypt(pk, m, r)


def test_encrypt_rejects_randomness_outside_units(paillier_key: PublicKey, safe_primes: tuple[int, int]) -> None:
    """phe silently replaces r = 0 by fresh randomness; we refuse it (and any r not in Z*_n)."""
    pk = paillier_key
    for r in (0, -1, pk.n, pk.n + 1, safe_primes[0], 3 * safe_primes[1]):
        with pytest.raises(ValueError, match="Z\\*_n"):
            encrypt(pk, 1, r)


def test_random_unit_is_a_unit(paillier_key: PublicKey) -> None:
    pk = paillier_key
    values = {random_unit(pk) for _ in range(20)}
    assert len(values) == 20
    assert all(0 < r < pk.n and gmpy2.gcd(r, pk.n) == 1 for r in values)


@settings(max_examples=25, deadline=None)
@given(a=st.integers(min_value=0), b=st.integers(min_value=0), k=st.integers(min_value=-(2**64), max_value=2**64))
def test_homomorphism(paillier_key: PublicKey, safe_primes: tuple[int, int], a: int, b: int, k: int) -> None:
    """Dec(Enc(a)·Enc(b)) = a + b mod n and Dec(Enc(a)^k) = k·a mod n; encryption agrees with the textbook."""
    pk, (p, q) = paillier_key, safe_primes
    a, b = a % pk.n, b % pk.n
    ra, rb = random_unit(pk), random_unit(pk)
    ca, cb = encrypt(pk, a, ra), encrypt(pk, b, rb)
    assert ca == textbook_encrypt(pk.n, a, ra)
    assert decrypt_with_factors(p, q, add(pk, ca, cb)) == (a + b) % pk.n
    assert decrypt_with_factors(p, q, scalar_mul(pk, ca, k)) == k * a % pk.n
    assert add(pk, ca, cb) == encrypt(pk, (a + b) % pk.n, ra * rb % pk.n)


def test_add_of_nothing_is_trivial_encryption_of_zero(paillier_key: PublicKey) -> None:
    pk = paillier_key
    assert add(pk) == 1 == encrypt(pk, 0, 1)


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


def test_valid_ciphertext_accepted(paillier_key: PublicKey) -> None:
    pk = paillier_key
    c = encrypt(pk, 7, random_unit(pk))
    assert validate_ciphertext(pk, c) == c
    assert validate_ciphertext(pk, 1) == 1
    assert validate_ciphertext(pk, pk.n2 - 1) == pk.n2 - 1


@settings(max_examples=20, deadline=None)
@given(m=st.integers(min_value=0))
def test_ciphertext_bytes_round_trip(paillier_key: PublicKey, m: int) -> None:
    pk = paillier_key
    c = encrypt(pk, m % pk.n, random_unit(pk))
    data = ciphertext_to_bytes(pk, c)
    assert len(data) == pk.ciphertext_length
    assert ciphertext_from_bytes(pk, data) == c


def test_ciphertext_wrong_length_rejected(paillier_key: PublicKey) -> None:
    pk = paillier_key
    data = ciphertext_to_bytes(pk, encrypt(pk, 3, random_unit(pk)))
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
