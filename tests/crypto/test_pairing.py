"""crypto.pairing: the gmpy2 optimal ate pairing against py_ecc's (the oracle), and the pairing laws.

py_ecc's FQ12 is Fp[w]/(w¹² − 2w⁶ + 2); ours is the tower Fp2[v]/(v³ − ξ)[w]/(w² − v) with u = w⁶ − 1. The two
helpers below convert between them, so that every tower operation and the final exponentiation can be compared
element-wise. py_ecc's Miller loop runs over |x| without the conjugation for x < 0, so its GT value is the
inverse of ours: that is asserted exactly, not just the verdicts. The py_ecc pairing costs some 100 ms per pair,
so the hypothesis tests run few examples.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381 import optimized_pairing as ref

from crypto import bls12_381 as g
from crypto import pairing as pr
from crypto.errors import DecodingError

P = g.FIELD_MODULUS
R = g.CURVE_ORDER
_SLOT_POWERS = (0, 2, 4, 1, 3, 5)  # tower slot j holds the coefficient of w^k, k = _SLOT_POWERS[j]
scalars = st.integers(min_value=1, max_value=R - 1)


def _to_pyecc(f: pr.Fp12) -> FQ12:
    """Σ (a_k + b_k·u)·w^k with u = w⁶ − 1 is Σ (a_k − b_k)·w^k + b_k·w^(k+6)."""
    coeffs = [0] * 12
    for j, k in enumerate(_SLOT_POWERS):
        a, b = int(f[2 * j]), int(f[2 * j + 1])
        coeffs[k] += a - b
        coeffs[k + 6] += b
    return FQ12([c % P for c in coeffs])


def _from_pyecc(x: FQ12) -> pr.Fp12:
    c = [int(v) for v in x.coeffs]
    out: list[int] = []
    for k in _SLOT_POWERS:
        out += [pr.mpz((c[k] + c[k + 6]) % P), pr.mpz(c[k + 6])]
    return (out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8], out[9], out[10], out[11])


def _random_fp12(rng: random.Random) -> pr.Fp12:
    return _from_pyecc(FQ12([rng.randrange(P) for _ in range(12)]))


def _cyclotomic(f: pr.Fp12) -> pr.Fp12:
    """f^((p⁶ − 1)(p² + 1)): an element of the cyclotomic subgroup."""
    t = pr._f12_mul(pr._f12_conj(f), pr._f12_inv(f))
    return pr._f12_mul(pr._f12_frobenius2(t), t)


def _gt_pow(f: pr.Fp12, k: int) -> pr.Fp12:
    return pr._cyc_pow(f, pr._signed_digits(k, 1)) if k else pr.GT_ONE


def _reference_gt(p1: g.G1Point, q2: g.G2Point) -> FQ12:
    return ref.final_exponentiate(ref.miller_loop(q2, p1, final_exponentiate=False))


# ---- the tower against py_ecc's FQ12 ----------------------------------------------------------------------------


def test_tower_arithmetic_equals_py_ecc_fq12() -> None:
    rng = random.Random(20260101)
    for _ in range(5):
        f, h = _random_fp12(rng), _random_fp12(rng)
        ff, hh = _to_pyecc(f), _to_pyecc(h)
        assert _from_pyecc(ff) == f
        assert _to_pyecc(pr._f12_mul(f, h)) == ff * hh
        assert _to_pyecc(pr._f12_sqr(f)) == ff * ff
        assert _to_pyecc(pr._f12_inv(f)) * ff == FQ12.one()
        assert _to_pyecc(pr._f12_conj(f)) == ff ** (P**6)
        assert _to_pyecc(pr._f12_frobenius1(f)) == ff**P
        assert _to_pyecc(pr._f12_frobenius2(f)) == ff ** (P**2)
        assert pr._f12_mul(f, h) != pr._f12_mul(f, pr._f12_conj(h))  # negative: the product sees every slot


def test_sparse_line_product_equals_the_dense_product() -> None:
    rng = random.Random(7)
    for _ in range(5):
        f = _random_fp12(rng)
        l0, l1, m0, m1 = (pr.mpz(rng.randrange(P)) for _ in range(4))
        zero, one = pr.mpz(0), pr.mpz(1)
        line = (l0, l1, m0, m1, zero, zero, zero, zero, one, zero, zero, zero)  # a + b·v + v·w
        assert pr._f12_mul_by_line(f, l0, l1, m0, m1) == pr._f12_mul(f, line)


def test_cyclotomic_squaring_is_squaring_only_in_the_cyclotomic_subgroup() -> None:
    rng = random.Random(11)
    for _ in range(5):
        f = _random_fp12(rng)
        t = _cyclotomic(f)
        assert pr._f12_cyc_sqr(t) == pr._f12_sqr(t)
        assert pr._f12_mul(t, pr._f12_conj(t)) == pr.GT_ONE  # the conjugate is the inverse there
        assert pr._f12_cyc_sqr(f) != pr._f12_sqr(f)  # negative: the shortcut needs the subgroup


def test_signed_digits_recompose() -> None:
    for e in (1, 2, 3, 0xD201000000010000, (0xD201000000010000 + 1) // 3, R):
        for w in (1, 2, 4, 5):
            digits = pr._signed_digits(e, w)
            assert digits[0] > 0
            assert sum(d << i for i, d in enumerate(reversed(digits))) == e
            assert all(d == 0 or d % 2 == 1 for d in digits) or w == 1


def test_final_exponentiation_equals_py_ecc() -> None:
    rng = random.Random(3)
    for _ in range(2):
        f = _random_fp12(rng)
        assert _to_pyecc(pr.final_exponentiation(f)) == ref.final_exponentiate(_to_pyecc(f))


def test_final_exponentiation_of_zero_raises() -> None:
    zero = pr.mpz(0)
    with pytest.raises(ValueError):
        pr.final_exponentiation((zero,) * 12)  # type: ignore[arg-type]


# ---- GT values ---------------------------------------------------------------------------------------------------


def test_gt_value_is_the_inverse_of_py_ecc_pairing() -> None:
    rng = random.Random(5)
    for _ in range(2):
        p1 = g.g1_mul(g.G1_GENERATOR, rng.randrange(1, R))
        q2 = g.g2_mul(g.G2_GENERATOR, rng.randrange(1, R))
        ours = pr.pairing(p1, q2)
        theirs = _reference_gt(p1, q2)
        assert _to_pyecc(ours) * theirs == FQ12.one()
        assert ours == pr._f12_conj(_from_pyecc(theirs))  # GT is unitary: the inverse is the conjugate
        assert ours != _from_pyecc(theirs)  # and not the value itself (e(P, Q) has order r > 2)


def test_pairing_is_non_degenerate_of_order_r() -> None:
    e = pr.pairing(g.G1_GENERATOR, g.G2_GENERATOR)
    assert e != pr.GT_ONE
    assert _gt_pow(e, R) == pr.GT_ONE
    assert _gt_pow(e, R - 1) == pr._f12_conj(e)


def test_pairings_with_the_identity_are_one() -> None:
    assert pr.pairing(g.G1_IDENTITY, g.G2_GENERATOR) == pr.GT_ONE
    assert pr.pairing(g.G1_GENERATOR, g.G2_IDENTITY) == pr.GT_ONE
    assert pr.prepare_g2(g.G2_IDENTITY).is_identity
    assert not pr.prepare_g2(g.G2_GENERATOR).is_identity
    assert len(pr.prepare_g2(g.G2_GENERATOR).lines) == 63 + 5


@settings(max_examples=4, deadline=None)
@given(a=scalars, b=scalars)
def test_bilinearity(a: int, b: int) -> None:
    p1 = g.g1_mul(g.G1_GENERATOR, 0xC0FFEE)
    q2 = g.G2_GENERATOR
    e = pr.pairing(p1, q2)
    assert pr.pairing(g.g1_mul(p1, a), g.g2_mul(q2, b)) == _gt_pow(e, a * b % R)
    assert pr.pairing(g.g1_mul(p1, a), q2) == pr.pairing(p1, g.g2_mul(q2, a))
    assert pr.pairing(g.g1_add(p1, g.g1_mul(p1, a)), q2) == pr._f12_mul(e, _gt_pow(e, a))
    assert pr.pairing(g.g1_mul(p1, a), q2) != _gt_pow(e, (a + 1) % R)  # negative


@settings(max_examples=4, deadline=None)
@given(a=scalars, b=scalars)
def test_a_pair_and_its_negation_cancel(a: int, b: int) -> None:
    p1 = g.g1_mul(g.G1_GENERATOR, a)
    q2 = g.g2_prepare(g.g2_mul(g.G2_GENERATOR, b))
    assert pr.pairing_product_is_one([(p1, q2), (g.g1_neg(p1), q2)])
    assert pr.pairing_product_is_one([(p1, q2), (p1, g.g2_prepare(g.g2_neg(g.g2_mul(g.G2_GENERATOR, b))))])
    assert not pr.pairing_product_is_one([(p1, q2), (p1, q2)])  # e(P, Q)² ≠ 1
    assert not pr.pairing_product_is_one([(p1, q2)])


# ---- bls12_381.pairing_check: the fast path against py_ecc's -----------------------------------------------------


pair_lists = st.lists(
    st.tuples(st.integers(min_value=0, max_value=R - 1), st.integers(min_value=0, max_value=R - 1)),
    min_size=1,
    max_size=3,
)


@settings(max_examples=6, deadline=None)
@given(ks=pair_lists, balanced=st.booleans(), prepared=st.booleans())
def test_pairing_check_equals_the_py_ecc_reference(ks: list[tuple[int, int]], balanced: bool, prepared: bool) -> None:
    """Π e(k_i·G1, m_i·G2) (k = 0 or m = 0 gives an identity pair), balanced by e(−Σ k_i·m_i·G1, G2) or not."""
    pairs: list[tuple[g.G1Point, g.G2Point]] = [
        (g.g1_mul(g.G1_GENERATOR, k), g.g2_mul(g.G2_GENERATOR, m)) for k, m in ks
    ]
    total = sum(k * m for k, m in ks) % R
    if balanced:
        pairs.append((g.g1_mul(g.G1_GENERATOR, R - total), g.G2_GENERATOR))
    fast_pairs = [(p1, g.g2_prepare(q2) if prepared else q2) for p1, q2 in pairs]
    verdict = g.pairing_check(fast_pairs)
    assert verdict == g._reference_pairing_check(pairs)
    assert verdict == (balanced or total == 0)


def test_pairing_check_rejects_a_wrong_bbs_style_product() -> None:
    """e(A, W)·e(B, −BP2) = 1 iff B = sk·A: an off-by-one B is rejected by both paths."""
    sk = 0x1234567890ABCDEF
    a = g.g1_mul(g.G1_GENERATOR, 0xFEED)
    w = g.g2_mul(g.G2_GENERATOR, sk)
    neg_bp2 = g.g2_neg(g.G2_GENERATOR)
    good = g.g1_mul(a, sk)
    bad = g.g1_add(good, g.G1_GENERATOR)
    prepared = [g.g2_prepare(w), g.g2_prepare(neg_bp2)]
    assert g.pairing_check([(a, prepared[0]), (good, prepared[1])])
    assert not g.pairing_check([(a, prepared[0]), (bad, prepared[1])])
    assert not g.pairing_check([(a, w), (bad, neg_bp2)])
    assert not g._reference_pairing_check([(a, w), (bad, neg_bp2)])


def test_pairing_check_of_identity_pairs_and_the_empty_product() -> None:
    assert g.pairing_check([])
    assert g.pairing_check([(g.G1_IDENTITY, g.G2_GENERATOR), (g.G1_GENERATOR, g.g2_prepare(g.G2_IDENTITY))])
    assert not g.pairing_check([(g.G1_IDENTITY, g.G2_GENERATOR), (g.G1_GENERATOR, g.G2_GENERATOR)])


def test_unnormalised_projective_inputs_give_the_same_value() -> None:
    p1 = g.g1_mul(g.G1_GENERATOR, 99)
    q2 = g.g2_mul(g.G2_GENERATOR, 77)
    scaled_p = (p1[0] * 5, p1[1] * 5, p1[2] * 5)
    c = FQ2([3, 8])
    scaled_q = (q2[0] * c, q2[1] * c, q2[2] * c)
    assert pr.pairing(scaled_p, scaled_q) == pr.pairing(p1, q2)


def test_g2_prepared_from_bytes_is_cached_and_strict() -> None:
    enc = g.g2_to_bytes(g.g2_mul(g.G2_GENERATOR, 5))
    assert g.g2_prepared_from_bytes_cached(enc) is g.g2_prepared_from_bytes_cached(enc)
    assert g.g2_prepared_from_bytes_cached(enc) == g.g2_prepare(g.g2_mul(g.G2_GENERATOR, 5))
    with pytest.raises(DecodingError):
        g.g2_prepared_from_bytes_cached(enc[:-1])


# ---- degenerate inputs (not in G1 or G2) ---------------------------------------------------------------------


def test_degenerate_miller_loop_steps_raise() -> None:
    one = FQ2.one()
    with pytest.raises(ValueError, match="order 2"):
        pr.prepare_g2((FQ2([5, 1]), FQ2.zero(), one))  # a vertical tangent (y = 0)
    # (3, 9/2) satisfies y² = 3x³/4, so its "double" has x = λ² − 2x = 3 again: the first addition step meets
    # T = ±Q, which happens for a point of order 3 and never in G2.
    with pytest.raises(ValueError, match="T = ±Q"):
        pr.prepare_g2((FQ2([3, 0]), FQ2([9 * pow(2, -1, P) % P, 0]), one))
    with pytest.raises(ValueError, match="order 2"):
        pr.miller_loop([((FQ(1), FQ(0), FQ(1)), pr.prepare_g2(g.G2_GENERATOR))])
