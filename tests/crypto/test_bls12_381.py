"""crypto.bls12_381: RFC 9380 vectors, strict point encodings, pairing checks, and fast path == reference path."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.bls.hash_to_curve import hash_to_G1 as _py_ecc_hash_to_g1
from py_ecc.bls.point_compression import compress_G1 as _py_ecc_compress_g1
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2

from crypto import bls12_381 as g
from crypto.errors import DecodingError

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "h2c"
P = g.FIELD_MODULUS
R = g.CURVE_ORDER


def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def _affine_g1(x: int, y: int) -> g.G1Point:
    return (FQ(x), FQ(y), FQ.one())


def _fq2(text: str) -> Any:
    c0, c1 = (int(part, 16) for part in text.split(","))
    return FQ2([c0, c1])


def _g1_eq_affine(point: g.G1Point, x: int, y: int) -> bool:
    return g.g1_eq(point, _affine_g1(x, y))


# ---- RFC 9380 vectors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["expand_message_xmd_SHA256_38.json", "expand_message_xmd_SHA256_256.json"])
def test_expand_message_xmd_rfc9380_vectors(name: str) -> None:
    data = _load(name)
    dst = data["DST"].encode()
    for case in data["tests"]:
        out = g.expand_message_xmd(case["msg"].encode(), dst, int(case["len_in_bytes"], 16))
        assert out.hex() == case["uniform_bytes"]


def test_expand_message_xmd_rejects_long_output() -> None:
    with pytest.raises(ValueError):
        g.expand_message_xmd(b"", b"dst", 255 * 32 + 1)


def test_hash_to_g1_rfc9380_vectors() -> None:
    data = _load("BLS12381G1_XMD:SHA-256_SSWU_RO_.json")
    dst = data["dst"].encode()
    for case in data["vectors"]:
        point = g.hash_to_g1(case["msg"].encode(), dst)
        assert _g1_eq_affine(point, int(case["P"]["x"], 16), int(case["P"]["y"], 16))
        # a different DST gives a different point (negative)
        other = g.hash_to_g1(case["msg"].encode(), dst + b"X")
        assert not g.g1_eq(point, other)


def test_rfc9380_g1_and_g2_points_round_trip_through_the_strict_encodings() -> None:
    for name in ("BLS12381G1_XMD:SHA-256_SSWU_RO_.json", "BLS12381G1_XMD:SHA-256_SSWU_NU_.json"):
        for case in _load(name)["vectors"]:
            point = _affine_g1(int(case["P"]["x"], 16), int(case["P"]["y"], 16))
            enc = g.g1_to_bytes(point)
            assert g.g1_eq(g.g1_from_bytes(enc), point)
            assert g.g1_to_bytes(g.g1_from_bytes(enc)) == enc
    case = _load("BLS12381G2_XMD:SHA-256_SSWU_RO_.json")["vectors"][0]
    q = (_fq2(case["P"]["x"]), _fq2(case["P"]["y"]), FQ2.one())
    enc2 = g.g2_to_bytes(q)
    assert g.g2_eq(g.g2_from_bytes(enc2), q)


# ---- strict G1 decoding ---------------------------------------------------------------------------------------


def _non_subgroup_g1_point() -> tuple[int, int]:
    """A point of E1(Fp) outside G1 (the cofactor is about 2^126, so almost every curve point qualifies)."""
    x = 5
    while True:
        y2 = (x**3 + 4) % P
        y = pow(y2, (P + 1) // 4, P)
        if y * y % P == y2 and not g._reference_g1_in_subgroup(_affine_g1(x, y)):
            return x, y
        x += 1


def _raw_g1(x: int, large_y: bool) -> bytes:
    return (x | (1 << 383) | ((1 << 381) if large_y else 0)).to_bytes(48, "big")


def test_g1_to_bytes_ignores_the_projective_scale_and_matches_py_ecc() -> None:
    point = g.g1_mul(g.G1_GENERATOR, 0xABCDEF)
    assert point[2] == FQ.one()
    for scale in (2, 0xDEADBEEF, P - 1):
        scaled = (point[0] * scale, point[1] * scale, point[2] * scale)
        assert g.g1_to_bytes(scaled) == g.g1_to_bytes(point)
        assert int.from_bytes(g.g1_to_bytes(scaled), "big") == int(_py_ecc_compress_g1(scaled))
    assert g.g1_to_bytes(g.G1_IDENTITY) == bytes([0xC0]) + bytes(47)


def test_hash_to_g1_returns_a_normalised_point_equal_to_py_ecc() -> None:
    point = g.hash_to_g1(b"abc", b"TEST-NORMALISED")
    raw = _py_ecc_hash_to_g1(b"abc", b"TEST-NORMALISED", hashlib.sha256)
    assert raw[2] != FQ.one()  # py_ecc's result is projective, so the normalisation is not vacuous
    assert point[2] == FQ.one()
    assert g.g1_eq(point, raw)


def test_g1_from_bytes_accepts_generator_and_both_signs() -> None:
    enc = g.g1_to_bytes(g.G1_GENERATOR)
    assert g.g1_eq(g.g1_from_bytes(enc), g.G1_GENERATOR)
    neg = g.g1_to_bytes(g.g1_neg(g.G1_GENERATOR))
    assert neg != enc and neg[1:] == enc[1:]
    assert g.g1_eq(g.g1_from_bytes(neg), g.g1_neg(g.G1_GENERATOR))


@pytest.mark.parametrize("length", [0, 47, 49, 96])
def test_g1_from_bytes_rejects_wrong_length(length: int) -> None:
    with pytest.raises(DecodingError):
        g.g1_from_bytes(b"\xa0" + bytes(length - 1) if length else b"")


def test_g1_from_bytes_rejects_uncompressed_flag() -> None:
    enc = bytearray(g.g1_to_bytes(g.G1_GENERATOR))
    enc[0] &= 0x7F  # c_flag = 0
    with pytest.raises(DecodingError):
        g.g1_from_bytes(bytes(enc))


@pytest.mark.parametrize(
    "encoding",
    [
        bytes([0xC0]) + bytes(47),  # canonical infinity: still rejected (identity)
        bytes([0xE0]) + bytes(47),  # infinity with the sign bit set
        bytes([0xC0]) + bytes(46) + b"\x01",  # infinity with stray x bits
        bytes([0xC1]) + bytes(47),
    ],
)
def test_g1_from_bytes_rejects_identity_and_noncanonical_infinity(encoding: bytes) -> None:
    with pytest.raises(DecodingError):
        g.g1_from_bytes(encoding)


def test_g1_from_bytes_rejects_x_not_below_p() -> None:
    # a point whose x has an alias x + p that still fits in the 381 coordinate bits
    x = next(
        enc
        for enc in (g.g1_to_bytes(g.hash_to_g1(bytes([i]), b"TEST-ALIAS")) for i in range(64))
        if (int.from_bytes(enc, "big") & ((1 << 381) - 1)) + P < 1 << 381
    )
    gx = int.from_bytes(x, "big") & ((1 << 381) - 1)
    alias = bytearray((gx + P).to_bytes(48, "big"))
    alias[0] |= x[0] & 0xE0
    with pytest.raises(DecodingError):
        g.g1_from_bytes(bytes(alias))
    with pytest.raises(DecodingError):
        g.g1_from_bytes(_raw_g1(P, False))


def test_g1_from_bytes_rejects_point_not_on_curve() -> None:
    x = 0
    while pow((x**3 + 4) % P, (P - 1) // 2, P) == 1:  # find an x with x^3 + 4 a non-square
        x += 1
    with pytest.raises(DecodingError):
        g.g1_from_bytes(_raw_g1(x, False))


def test_g1_from_bytes_rejects_point_not_in_subgroup() -> None:
    x, y = _non_subgroup_g1_point()
    encoding = _raw_g1(x, y > (P - 1) // 2)
    with pytest.raises(DecodingError):
        g.g1_from_bytes(encoding)


# ---- strict G2 decoding ---------------------------------------------------------------------------------------


def test_g2_round_trip_and_cache() -> None:
    q = g.g2_mul(g.G2_GENERATOR, 123456789)
    enc = g.g2_to_bytes(q)
    assert g.g2_eq(g.g2_from_bytes(enc), q)
    assert g.g2_from_bytes_cached(enc) is g.g2_from_bytes_cached(enc)


def test_g2_from_bytes_rejections() -> None:
    enc = g.g2_to_bytes(g.G2_GENERATOR)
    with pytest.raises(DecodingError):
        g.g2_from_bytes(enc[:-1])
    with pytest.raises(DecodingError):
        g.g2_from_bytes(bytes([enc[0] & 0x7F]) + enc[1:])  # not compressed
    with pytest.raises(DecodingError):
        g.g2_from_bytes(bytes([0xC0]) + bytes(95))  # identity
    with pytest.raises(DecodingError):
        g.g2_from_bytes(bytes([0xC0]) + bytes(94) + b"\x01")  # infinity with stray bits
    # x.c0 not below p
    with pytest.raises(DecodingError):
        g.g2_from_bytes(enc[:48] + P.to_bytes(48, "big"))


def test_g2_from_bytes_rejects_point_not_in_subgroup() -> None:
    from py_ecc.bls.point_compression import modular_squareroot_in_FQ2

    c0 = 1
    while True:
        x = FQ2([c0, 1])
        y = modular_squareroot_in_FQ2(x**3 + FQ2([4, 4]))
        if y is not None and not g.g2_in_subgroup((x, y, FQ2.one())):
            break
        c0 += 1
    z1, z2 = 1, c0  # x = c0 + 1*u is encoded as x.c1 || x.c0
    flags = 1 << 383
    for sign in (0, 1 << 381):
        candidate = (z1 | flags | sign).to_bytes(48, "big") + z2.to_bytes(48, "big")
        with pytest.raises(DecodingError):
            g.g2_from_bytes(candidate)


# ---- pairing -------------------------------------------------------------------------------------------------


@settings(max_examples=2, deadline=None)
@given(a=st.integers(min_value=1, max_value=R - 1), b=st.integers(min_value=1, max_value=R - 1))
def test_pairing_check_bilinearity(a: int, b: int) -> None:
    p = g.g1_mul(g.G1_GENERATOR, a)
    q = g.g2_mul(g.G2_GENERATOR, b)
    ab_g1 = g.g1_mul(g.G1_GENERATOR, a * b)
    # e(aP, bQ) * e(-abP, Q) == 1
    assert g.pairing_check([(p, q), (g.g1_neg(ab_g1), g.G2_GENERATOR)])
    # a perturbed equation fails
    assert not g.pairing_check([(p, q), (g.g1_neg(g.g1_add(ab_g1, g.G1_GENERATOR)), g.G2_GENERATOR)])


def test_pairing_check_skips_identity_pairs() -> None:
    assert g.pairing_check([(g.G1_IDENTITY, g.G2_GENERATOR), (g.G1_GENERATOR, g.G2_IDENTITY)])
    assert not g.pairing_check([(g.G1_GENERATOR, g.G2_GENERATOR)])


# ---- G1 arithmetic: fast path == reference path -----------------------------------------------------------


@settings(max_examples=5, deadline=None)
@given(k=st.integers(min_value=-(2**300), max_value=2**300))
def test_g1_mul_matches_reference(k: int) -> None:
    assert g.g1_eq(g.g1_mul(g.G1_GENERATOR, k), g._reference_g1_mul(g.G1_GENERATOR, k))


@settings(max_examples=3, deadline=None)
@given(scalars=st.lists(st.integers(min_value=0, max_value=R - 1), min_size=0, max_size=5))
def test_g1_msm_matches_reference(scalars: list[int]) -> None:
    points = [g.hash_to_g1(bytes([i]), b"TEST-MSM") for i in range(len(scalars))]
    assert g.g1_eq(g.g1_msm(points, scalars), g._reference_g1_msm(points, scalars))


def test_g1_msm_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError):
        g.g1_msm([g.G1_GENERATOR], [1, 2])


def test_g1_in_subgroup_matches_reference() -> None:
    x, y = _non_subgroup_g1_point()
    outside = _affine_g1(x, y)
    assert not g.g1_in_subgroup(outside)
    assert g.g1_in_subgroup(g.G1_GENERATOR)
    assert g.g1_in_subgroup(g.hash_to_g1(b"abc", b"TEST"))
    assert g._reference_g1_in_subgroup(g.G1_GENERATOR)


def test_g1_identity_helpers() -> None:
    assert g.g1_is_identity(g.G1_IDENTITY)
    assert not g.g1_is_identity(g.G1_GENERATOR)
    assert g.g1_eq(g.g1_add(g.G1_GENERATOR, g.g1_neg(g.G1_GENERATOR)), g.G1_IDENTITY)
    assert g.g1_is_identity(g.g1_mul(g.G1_GENERATOR, R))
    assert g.g1_to_bytes(g.G1_IDENTITY) == bytes([0xC0]) + bytes(47)


def test_g1_in_subgroup_agrees_with_reference_on_curve_points() -> None:
    x, checked = 11, 0
    while checked < 4:  # points of E1(Fp), almost all outside G1, and their cofactor-cleared multiples inside
        y2 = (x**3 + 4) % P
        y = pow(y2, (P + 1) // 4, P)
        if y * y % P == y2:
            point = _affine_g1(x, y)
            cleared = g._reference_g1_mul(point, 0xD201000000010001)  # h_eff: clear_cofactor_G1
            for candidate in (point, g.g1_neg(point)):
                assert g.g1_in_subgroup(candidate) == g._reference_g1_in_subgroup(candidate)
            assert g.g1_in_subgroup(cleared) and g._reference_g1_in_subgroup(cleared)
            checked += 1
        x += 1
