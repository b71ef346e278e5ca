"""The BLS12-381 group layer under the BBS modules (a seam for a faster backend).

Every BBS operation reaches the curve only through this module. Points are ``py_ecc.optimized_bls12_381``
homogeneous projective tuples (``(X, Y, Z)`` with ``x = X/Z``) of ``FQ`` (G1) or ``FQ2`` (G2); scalars are
Python ints reduced modulo the group order ``r``.

* G1 scalar multiplication, multi-scalar multiplication and the subgroup check go through :func:`g1_mul`,
  :func:`g1_msm` and :func:`g1_in_subgroup` only. They run on the gmpy2 fast path :mod:`crypto.g1`; the py_ecc
  versions stay available as ``_reference_*`` and the tests cross-check the two.
* Encodings are the ZCash compressed format (draft-irtf-cfrg-bbs-signatures-10 Appendix "Point Encoding",
  draft-irtf-cfrg-pairing-friendly-curves-11 Appendix C). ``*_from_bytes`` are strict parsers: wrong length, wrong
  flag bits, coordinates not below ``p``, points off the curve, points outside the prime-order subgroup and the
  identity all raise :class:`~crypto.errors.DecodingError`. ``py_ecc``'s ``decompress_G1`` skips the subgroup
  check; we do it here.
* :func:`pairing_check` evaluates a product of pairings with one multi-Miller loop and one final exponentiation
  on the gmpy2 optimal ate pairing :mod:`crypto.pairing` (some 50 times faster than py_ecc's FQ12 classes). A G2
  point used again and again (a public key, the base point) is best passed as a :class:`G2Prepared` from
  :func:`g2_prepare` or :func:`g2_prepared_from_bytes_cached`: its Miller-loop lines are then computed once.
  py_ecc's version stays available as ``_reference_pairing_check`` and the tests cross-check the two.

Nothing here is constant time (py_ecc and Python integers are variable time).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any, TypeAlias

import gmpy2
from py_ecc.bls.hash import expand_message_xmd as _py_ecc_expand_message_xmd
from py_ecc.bls.hash_to_curve import hash_to_G1 as _py_ecc_hash_to_g1
from py_ecc.bls.point_compression import compress_G2 as _py_ecc_compress_g2
from py_ecc.bls.point_compression import decompress_G2 as _py_ecc_decompress_g2
from py_ecc.bls.typing import G2Compressed
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381.optimized_curve import G1 as _G1
from py_ecc.optimized_bls12_381.optimized_curve import G2 as _G2
from py_ecc.optimized_bls12_381.optimized_curve import Z1 as _Z1
from py_ecc.optimized_bls12_381.optimized_curve import Z2 as _Z2
from py_ecc.optimized_bls12_381.optimized_curve import add as _add
from py_ecc.optimized_bls12_381.optimized_curve import b2 as _B2
from py_ecc.optimized_bls12_381.optimized_curve import curve_order as _curve_order
from py_ecc.optimized_bls12_381.optimized_curve import eq as _eq
from py_ecc.optimized_bls12_381.optimized_curve import field_modulus as _field_modulus
from py_ecc.optimized_bls12_381.optimized_curve import is_inf as _is_inf
from py_ecc.optimized_bls12_381.optimized_curve import is_on_curve as _is_on_curve
from py_ecc.optimized_bls12_381.optimized_curve import multiply as _multiply
from py_ecc.optimized_bls12_381.optimized_curve import neg as _neg
from py_ecc.optimized_bls12_381.optimized_pairing import final_exponentiate as _final_exponentiate
from py_ecc.optimized_bls12_381.optimized_pairing import miller_loop as _miller_loop

from crypto import g1 as _fast_g1
from crypto import pairing as _fast_pairing
from crypto.errors import DecodingError
from crypto.pairing import G2Prepared

__all__ = [
    "CURVE_ORDER",
    "FIELD_MODULUS",
    "G1_GENERATOR",
    "G1_IDENTITY",
    "G1_POINT_LENGTH",
    "G2_GENERATOR",
    "G2_IDENTITY",
    "G2_POINT_LENGTH",
    "G1Point",
    "G2Point",
    "G2Prepared",
    "expand_message_xmd",
    "g1_add",
    "g1_eq",
    "g1_from_bytes",
    "g1_in_subgroup",
    "g1_is_identity",
    "g1_msm",
    "g1_mul",
    "g1_neg",
    "g1_to_bytes",
    "g2_eq",
    "g2_from_bytes",
    "g2_from_bytes_cached",
    "g2_in_subgroup",
    "g2_is_identity",
    "g2_mul",
    "g2_neg",
    "g2_prepare",
    "g2_prepared_from_bytes_cached",
    "g2_to_bytes",
    "hash_to_g1",
    "pairing_check",
]

G1Point: TypeAlias = tuple[Any, Any, Any]
"""A point of E1(Fp) in homogeneous projective coordinates ``(X, Y, Z)`` of ``FQ``."""
G2Point: TypeAlias = tuple[Any, Any, Any]
"""A point of E2(Fp2) in homogeneous projective coordinates ``(X, Y, Z)`` of ``FQ2``."""

CURVE_ORDER: int = int(_curve_order)
"""r, the prime order of G1, G2 and GT."""
FIELD_MODULUS: int = int(_field_modulus)
"""p, the base field modulus."""
G1_GENERATOR: G1Point = _G1
G2_GENERATOR: G2Point = _G2
G1_IDENTITY: G1Point = _Z1
G2_IDENTITY: G2Point = _Z2
G1_POINT_LENGTH = 48
G2_POINT_LENGTH = 96

_B1 = 4  # E1: y^2 = x^3 + 4
_MASK_381 = (1 << 381) - 1
_C_FLAG = 1 << 383  # compressed form
_B_FLAG = 1 << 382  # point at infinity
_A_FLAG = 1 << 381  # sign of y
_HALF_P = (FIELD_MODULUS - 1) // 2
_SQRT_EXP = (FIELD_MODULUS + 1) // 4  # p = 3 (mod 4)


# --------------------------------------------------------------------------------------------------------------
# G1 arithmetic


def g1_add(p: G1Point, q: G1Point) -> G1Point:
    return _add(p, q)


def g1_neg(p: G1Point) -> G1Point:
    return _neg(p)


def g1_eq(p: G1Point, q: G1Point) -> bool:
    if g1_is_identity(p) or g1_is_identity(q):
        return g1_is_identity(p) and g1_is_identity(q)
    return bool(_eq(p, q))


def g1_is_identity(p: G1Point) -> bool:
    return bool(_is_inf(p))


def _reference_g1_mul(p: G1Point, k: int) -> G1Point:
    """k*P with py_ecc's double-and-add (variable time)."""
    return _multiply(p, k % CURVE_ORDER)


def _reference_g1_msm(points: Sequence[G1Point], scalars: Sequence[int]) -> G1Point:
    """Σ k_i*P_i with one py_ecc multiplication per term."""
    if len(points) != len(scalars):
        raise ValueError("points and scalars differ in length")
    acc: G1Point = G1_IDENTITY
    for p, k in zip(points, scalars, strict=True):
        acc = _add(acc, _multiply(p, k % CURVE_ORDER))
    return acc


def _reference_g1_in_subgroup(p: G1Point) -> bool:
    """r*P == O, for a point already known to be on E1."""
    return bool(_is_inf(_multiply(p, CURVE_ORDER)))


def g1_mul(p: G1Point, k: int) -> G1Point:
    """k*P (k is reduced modulo r); gmpy2 fast path crypto.g1 (cross-checked against the py_ecc reference)."""
    return _fast_g1.mul(p, k % CURVE_ORDER)


def g1_msm(points: Sequence[G1Point], scalars: Sequence[int]) -> G1Point:
    """Σ k_i*P_i (the k_i are reduced modulo r)."""
    if len(points) != len(scalars):
        raise ValueError("points and scalars differ in length")
    return _fast_g1.msm(list(points), [k % CURVE_ORDER for k in scalars])


def g1_in_subgroup(p: G1Point) -> bool:
    """True when P (a point of E1) lies in the order-r subgroup G1 (crypto.g1: Scott's endomorphism test)."""
    return bool(_fast_g1.is_in_subgroup(p))


# --------------------------------------------------------------------------------------------------------------
# G2 arithmetic


def g2_neg(q: G2Point) -> G2Point:
    return _neg(q)


def g2_mul(q: G2Point, k: int) -> G2Point:
    return _multiply(q, k % CURVE_ORDER)


def g2_is_identity(q: G2Point) -> bool:
    return bool(_is_inf(q))


def g2_eq(p: G2Point, q: G2Point) -> bool:
    if g2_is_identity(p) or g2_is_identity(q):
        return g2_is_identity(p) and g2_is_identity(q)
    return bool(_eq(p, q))


def g2_in_subgroup(q: G2Point) -> bool:
    """r*Q == O, for a point already known to be on E2 (about 45 ms in py_ecc)."""
    return bool(_is_inf(_multiply(q, CURVE_ORDER)))


# --------------------------------------------------------------------------------------------------------------
# Hashing (RFC 9380)


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 §5.3.1 expand_message_xmd with SHA-256 (a DST over 255 bytes is first hashed, §5.3.3)."""
    if len(dst) > 255:
        dst = hashlib.sha256(b"H2C-OVERSIZE-DST-" + dst).digest()
    if len_in_bytes > 255 * 32 or len_in_bytes > 65535:
        raise ValueError("expand_message_xmd output too long")
    return bytes(_py_ecc_expand_message_xmd(msg, dst, len_in_bytes, hashlib.sha256))  # type: ignore[arg-type]


def hash_to_g1(msg: bytes, dst: bytes) -> G1Point:
    """RFC 9380 §8.8.1 BLS12381G1_XMD:SHA-256_SSWU_RO_ hash_to_curve, normalised to Z = 1 (the BBS generators
    are then affine once and for all: encoding them and reading them into an MSM needs no inversion)."""
    if len(dst) > 255:
        raise ValueError("DST longer than 255 bytes")
    point: G1Point = _py_ecc_hash_to_g1(msg, dst, hashlib.sha256)  # type: ignore[arg-type]
    affine = _g1_affine(point)
    if affine is None:  # pragma: no cover - hash_to_curve hits the identity with negligible probability
        return G1_IDENTITY
    return (FQ(affine[0]), FQ(affine[1]), FQ.one())


# --------------------------------------------------------------------------------------------------------------
# Encodings (ZCash compressed; pairing-friendly-curves-11 Appendix C)


def _g1_affine(p: G1Point) -> tuple[int, int] | None:
    """(x, y) = (X/Z, Y/Z) for P ≠ O (None for O): no inversion when Z = 1, else one gmpy2 inversion."""
    x, y, z = int(p[0].n), int(p[1].n), int(p[2].n)
    if z == 0:
        return None
    if z == 1:
        return x, y
    zi = int(gmpy2.invert(z, FIELD_MODULUS))
    return x * zi % FIELD_MODULUS, y * zi % FIELD_MODULUS


def g1_to_bytes(p: G1Point) -> bytes:
    """point_to_octets_E1: 48 bytes, compressed."""
    affine = _g1_affine(p)
    if affine is None:
        return (_C_FLAG | _B_FLAG).to_bytes(G1_POINT_LENGTH, "big")
    xi, yi = affine
    flags = _C_FLAG | (_A_FLAG if yi > _HALF_P else 0)
    return (xi | flags).to_bytes(G1_POINT_LENGTH, "big")


def g1_from_bytes(data: bytes) -> G1Point:
    """octets_to_point_E1 followed by subgroup_check_G1; rejects the identity and every non-canonical form."""
    if len(data) != G1_POINT_LENGTH:
        raise DecodingError(f"a G1 point is {G1_POINT_LENGTH} bytes, got {len(data)}")
    z = int.from_bytes(data, "big")
    if not z & _C_FLAG:
        raise DecodingError("G1 point is not in compressed form (c_flag = 0)")
    if z & _B_FLAG:
        # The infinity encoding is 0xc0 followed by zeros; any other bit set is non-canonical. Either way the
        # identity is never a valid BBS point (signature A, proof points, pseudonym).
        raise DecodingError("G1 point is the identity (or a non-canonical infinity encoding)")
    x = z & _MASK_381
    if x >= FIELD_MODULUS:
        raise DecodingError("G1 x-coordinate is not below p")
    y2 = (x * x * x + _B1) % FIELD_MODULUS
    y = int(gmpy2.powmod(y2, _SQRT_EXP, FIELD_MODULUS))
    if y * y % FIELD_MODULUS != y2:
        raise DecodingError("G1 point is not on the curve")
    want_large = bool(z & _A_FLAG)
    if (y > _HALF_P) != want_large:
        y = FIELD_MODULUS - y
        if y == FIELD_MODULUS:  # y = 0 has a single sign; a_flag = 1 would be non-canonical
            raise DecodingError("G1 point has a non-canonical sign bit")
    point: G1Point = (FQ(x), FQ(y), FQ.one())
    if not g1_in_subgroup(point):
        raise DecodingError("G1 point is not in the prime-order subgroup")
    return point


def g2_to_bytes(q: G2Point) -> bytes:
    """point_to_octets_E2: 96 bytes, compressed (x.c1 first, then x.c0)."""
    z1, z2 = _py_ecc_compress_g2(q)
    return int(z1).to_bytes(48, "big") + int(z2).to_bytes(48, "big")


def g2_from_bytes(data: bytes) -> G2Point:
    """octets_to_point_E2 followed by subgroup_check_G2; rejects the identity and every non-canonical form."""
    if len(data) != G2_POINT_LENGTH:
        raise DecodingError(f"a G2 point is {G2_POINT_LENGTH} bytes, got {len(data)}")
    z1 = int.from_bytes(data[:48], "big")
    z2 = int.from_bytes(data[48:], "big")
    if not z1 & _C_FLAG:
        raise DecodingError("G2 point is not in compressed form (c_flag = 0)")
    if z1 & _B_FLAG:
        raise DecodingError("G2 point is the identity (or a non-canonical infinity encoding)")
    if (z1 & _MASK_381) >= FIELD_MODULUS or z2 >= FIELD_MODULUS:
        raise DecodingError("G2 x-coordinate is not below p")
    try:
        point: G2Point = _py_ecc_decompress_g2(G2Compressed((z1, z2)))
    except ValueError as e:
        raise DecodingError("G2 point is not on the curve") from e
    if not _is_on_curve(point, _B2) or g2_to_bytes(point) != bytes(data):
        raise DecodingError("G2 point encoding is not canonical")
    if not g2_in_subgroup(point):
        raise DecodingError("G2 point is not in the prime-order subgroup")
    return point


@functools.lru_cache(maxsize=256)
def g2_from_bytes_cached(data: bytes) -> G2Point:
    """:func:`g2_from_bytes` memoised by the encoding (public keys are decoded over and over; the G2 subgroup
    check costs about 45 ms). Only successful decodings are cached."""
    return g2_from_bytes(bytes(data))


# --------------------------------------------------------------------------------------------------------------
# Pairing


def g2_prepare(q: G2Point) -> G2Prepared:
    """The Miller-loop lines of Q ∈ G2 (about 1 ms), for :func:`pairing_check` against a fixed Q."""
    return _fast_pairing.prepare_g2(q)


@functools.lru_cache(maxsize=256)
def g2_prepared_from_bytes_cached(data: bytes) -> G2Prepared:
    """:func:`g2_from_bytes_cached` followed by :func:`g2_prepare`, memoised by the encoding (a public key's lines
    are computed once). Only successful decodings are cached; a bad encoding raises DecodingError every time."""
    return g2_prepare(g2_from_bytes_cached(bytes(data)))


def pairing_check(pairs: Sequence[tuple[G1Point, G2Point | G2Prepared]]) -> bool:
    """True iff Π e(P_i, Q_i) == 1 in GT, for P_i ∈ G1 and Q_i ∈ G2 (points from the strict decoders).

    One shared Miller loop for all pairs, then a single final exponentiation (:mod:`crypto.pairing`). Pairs with
    an identity component contribute 1. A Q_i given as a point is prepared on the spot (about 1 ms).
    """
    prepared = [(p, q if isinstance(q, G2Prepared) else g2_prepare(q)) for p, q in pairs]
    return _fast_pairing.pairing_product_is_one(prepared)


def _reference_pairing_check(pairs: Sequence[tuple[G1Point, G2Point]]) -> bool:
    """:func:`pairing_check` with py_ecc's Miller loop and final exponentiation (about 100 ms per pair)."""
    acc = FQ12.one()
    for p, q in pairs:
        if g1_is_identity(p) or g2_is_identity(q):
            continue
        acc = acc * _miller_loop(q, p, final_exponentiate=False)
    return bool(_final_exponentiate(acc) == FQ12.one())
