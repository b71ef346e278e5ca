"""Tests of crypto.g1: the gmpy2 fast path must equal py_ecc's reference arithmetic.

py_ecc's ``multiply``/``add`` are the oracle throughout. For large MSMs the points are built as
P_i = A + i·D (py_ecc additions), so that Σ k_i·P_i = (Σ k_i·(a + i·d))·G is a single py_ecc multiply.
Points outside G1 come from solving y² = x³ + 4 for random x without clearing the cofactor.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.optimized_bls12_381.optimized_curve import (
    G1,
    Z1,
    add,
    curve_order,
    eq,
    field_modulus,
    is_inf,
    is_on_curve,
    multiply,
    neg,
)

from crypto import g1
from crypto.errors import DecodingError

R = curve_order
P = field_modulus
B = FQ(4)
U_ABS = 0xD201000000010000  # |u|, u = -0xd201000000010000
H = (U_ABS + 1) ** 2 // 3  # cofactor h = (u − 1)²/3
# h = 3·11²·10177²·859267²·52437899², and E(Fp)[h] ≅ Z/((u−1)/3) × Z/(u−1): for ℓ > 3 the ℓ-part is
# (Z/ℓ)², so there are no points of order ℓ², only the ℓ² − 1 points of order ℓ.
H_PRIMES = (3, 11, 10177, 859267, 52437899)
EDGE_SCALARS = [0, 1, 2, 3, R - 2, R - 1, R, R + 1, 2 * R, 2 * R + 5, -1, -R, 2**255 - 1, 2**256 + 7]

Point = tuple[FQ, FQ, FQ]


def _ref_msm(points: Sequence[Point], scalars: Sequence[int]) -> Point:
    acc: Point = Z1
    for pt, k in zip(points, scalars, strict=True):
        acc = add(acc, multiply(pt, k % R))
    return acc


def _rescale(pt: Point, c: int) -> Point:
    """The same projective point with Z ≠ 1 (py_ecc points need not be normalised)."""
    return (pt[0] * c, pt[1] * c, pt[2] * c)


def _is_normalised(pt: Point) -> bool:
    return pt == Z1 or pt[2] == FQ.one()


def _curve_point_from_x(x: int) -> Point | None:
    """(x, y) on y² = x³ + 4 if x³ + 4 is a square (p ≡ 3 mod 4), without clearing the cofactor."""
    rhs = (x * x * x + 4) % P
    y = pow(rhs, (P + 1) // 4, P)
    if y * y % P != rhs:
        return None
    return (FQ(x), FQ(y), FQ.one())


def _random_curve_point(seed: int) -> Point:
    x = seed % P
    while (pt := _curve_point_from_x(x)) is None:
        x += 1
    return pt


def _point_of_order(prime: int, seed: int) -> Point:
    """A point of order ``prime`` | h: (h·r/ℓ^e)·Q for random curve points Q (ℓ^e ∥ h), until not O."""
    m = H * R
    while m % prime == 0:
        m //= prime
    while True:
        pt = multiply(_random_curve_point(seed), m)
        if not is_inf(pt):
            return pt
        seed += 1


def _phi(pt: Point) -> Point:
    return (pt[0] * int(g1._BETA), pt[1], pt[2])  # x = X/Z scales like X


@pytest.fixture(scope="module")
def points() -> list[Point]:
    """Independent random G1 points (py_ecc multiply), some with Z ≠ 1, plus a negation."""
    pts = [multiply(G1, secrets.randbelow(R - 1) + 1) for _ in range(6)]
    pts[1] = _rescale(pts[1], 7)
    pts[2] = _rescale(neg(pts[2]), secrets.randbelow(P - 1) + 1)
    return pts


@pytest.fixture(scope="module")
def g_table() -> g1.FixedBaseTable:
    return g1.FixedBaseTable(G1)


scalars = st.one_of(st.sampled_from(EDGE_SCALARS), st.integers(0, R - 1), st.integers(-(2**300), 2**300))


# ---------------------------------------------------------------------------------------------------------------
# Constants and recodings


def test_endomorphism_constants() -> None:
    beta = int(g1._BETA)
    lam = int(g1._LAMBDA)
    assert pow(beta, 3, P) == 1 and beta != 1
    assert (lam * lam + lam + 1) % R == 0
    gx, gy = int(G1[0].n), int(G1[1].n)
    assert eq((FQ(beta * gx % P), FQ(gy), FQ.one()), multiply(G1, lam))
    # The other cube root of unity belongs to the other eigenvalue: the pairing of β and λ matters.
    assert not eq((FQ(beta * beta * gx % P), FQ(gy), FQ.one()), multiply(G1, lam))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**300))
def test_glv_split(k: int) -> None:
    a, b = g1._glv_split(k)
    assert (a + b * g1._LAMBDA - k) % R == 0
    assert 0 <= a < 2**128 and 0 <= b < 2**128


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**260), st.integers(2, 8))
def test_wnaf_recoding(k: int, w: int) -> None:
    digits = g1._wnaf(k, w)
    assert sum(d << pos for pos, d in digits) == k
    assert all(d % 2 == 1 and abs(d) < 1 << (w - 1) for _, d in digits)
    positions = [pos for pos, _ in digits]
    assert all(b - a >= w for a, b in itertools.pairwise(positions))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**255 - 1), st.integers(2, 12), st.booleans())
def test_signed_windows(k: int, w: int, top_unsigned: bool) -> None:
    count = -(-256 // w)
    digits = g1._signed_windows(k, w, count, top_unsigned=top_unsigned)
    assert sum(d << (w * i) for i, d in enumerate(digits)) == k
    assert all(-(1 << (w - 1)) < d <= 1 << (w - 1) for d in digits[: count - 1])
    assert -(1 << (w - 1)) < digits[-1] <= (1 << w if top_unsigned else 1 << (w - 1))


def test_signed_windows_rejects_overflow() -> None:
    with pytest.raises(ValueError, match="too large"):
        g1._signed_windows(2**16, 8, 2)
    with pytest.raises(ValueError, match="too large"):
        g1._signed_windows(2**16 + 129, 8, 2, top_unsigned=True)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, P - 1), min_size=1, max_size=20))
def test_batch_invert(values: list[int]) -> None:
    invs = g1._batch_invert(values)
    assert all(v * i % P == 1 for v, i in zip(values, invs, strict=True))


# ---------------------------------------------------------------------------------------------------------------
# Variable-base multiplication


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 6), scalars)
def test_mul_matches_py_ecc(points: list[Point], which: int, k: int) -> None:
    pt = Z1 if which == len(points) else points[which]
    got = g1.mul(pt, k)
    assert eq(got, multiply(pt, k % R))
    assert _is_normalised(got)


@pytest.mark.parametrize("k", EDGE_SCALARS)
def test_mul_edge_scalars_on_generator(k: int) -> None:
    assert eq(g1.mul(G1, k), multiply(G1, k % R))


def test_mul_identity_and_negation(points: list[Point]) -> None:
    pt = points[0]
    assert g1.mul(Z1, 12345) == Z1
    assert g1.mul(pt, R) == Z1
    assert eq(g1.mul(neg(pt), 5), neg(g1.mul(pt, 5)))
    assert eq(g1.mul(pt, -1), neg(pt))
    assert not eq(g1.mul(pt, 6), multiply(pt, 5))  # a different scalar gives a different point


def test_mul_rejects_small_order_point() -> None:
    order3 = (FQ(0), FQ(2), FQ.one())  # x = 0: y² = 4, a point of order 3
    assert is_on_curve(order3, B)
    with pytest.raises(DecodingError):
        g1.mul(order3, 5)
    with pytest.raises(DecodingError):
        g1.msm([G1, order3], [5, 5])
    with pytest.raises(DecodingError):
        g1.mul((FQ(5), FQ(0), FQ.one()), 5)  # y = 0 (off the curve): "order 2"


# ---------------------------------------------------------------------------------------------------------------
# Multi-scalar multiplication


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), scalars), max_size=3))
def test_msm_small_matches_py_ecc(points: list[Point], terms: list[tuple[int, int]]) -> None:
    pts = [Z1 if i == len(points) else points[i] for i, _ in terms]
    ks = [k for _, k in terms]
    got = g1.msm(pts, ks)
    assert eq(got, _ref_msm(pts, ks))
    assert _is_normalised(got)


def test_msm_counts_0_1_2(points: list[Point]) -> None:
    assert g1.msm([], []) == Z1
    k = secrets.randbelow(R)
    assert eq(g1.msm([points[1]], [k]), multiply(points[1], k))
    ks = [secrets.randbelow(R), R - 1]
    assert eq(g1.msm(points[:2], ks), _ref_msm(points[:2], ks))
    # P and −P cancel; zero scalars and the identity drop out.
    assert g1.msm([points[0], neg(points[0])], [7, 7]) == Z1
    assert g1.msm([points[0], Z1], [0, 5]) == Z1


def test_msm_rejects_length_mismatch(points: list[Point]) -> None:
    with pytest.raises(ValueError, match="length"):
        g1.msm(points[:2], [1])


def _arithmetic_points(count: int) -> tuple[list[Point], int, int]:
    """P_i = (a + i·d)·G for i < count, built with py_ecc additions; returns (points, a, d)."""
    a = secrets.randbelow(R)
    d = secrets.randbelow(R)
    pt, step = multiply(G1, a), multiply(G1, d)
    pts = []
    for _ in range(count):
        pts.append(pt)
        pt = add(pt, step)
    return pts, a, d


def test_msm_50_points_matches_py_ecc() -> None:
    pts, a, d = _arithmetic_points(50)
    ks = [secrets.randbelow(R) for _ in pts]
    ks[:5] = [0, 1, R - 1, R, R + 1]
    expected = multiply(G1, sum(k * (a + i * d) for i, k in enumerate(ks)) % R)
    assert len(pts) >= g1.PIPPENGER_THRESHOLD  # the bucket path
    assert eq(g1.msm(pts, ks), expected)
    ks[7] += 1
    assert not eq(g1.msm(pts, ks), expected)


def test_msm_300_points_pippenger_equals_straus_and_py_ecc() -> None:
    pts, a, d = _arithmetic_points(150)
    # Duplicates and negations force doublings and cancellations inside the buckets.
    pts = pts + pts[:100] + [neg(p) for p in pts[:50]]
    ks = [secrets.randbelow(R) for _ in range(250)] + [7] * 50
    ks[150:200] = ks[:50]
    ks[:50] = [7] * 50  # 7·P_i + 7·(−P_i) = O for i < 50
    coeff = [(a + i * d) % R for i in range(150)]
    coeff = coeff + coeff[:100] + [-c for c in coeff[:50]]
    expected = multiply(G1, sum(k * c for k, c in zip(ks, coeff, strict=True)) % R)
    got = g1.msm(pts, ks)
    assert eq(got, expected)
    affs = [q for q in g1._affine_from_pyecc(pts) if q is not None]
    assert g1._from_jac(g1._pippenger(affs, ks)) == g1._from_jac(g1._straus(affs, ks, 5)) == got


def test_msm_pippenger_short_and_equal_scalars() -> None:
    pts, a, d = _arithmetic_points(40)
    for ks in ([1] * 40, [2**128 + 3] * 40, [secrets.randbits(20) for _ in range(40)], [R - 1] * 40):
        expected = multiply(G1, sum(k * (a + i * d) for i, k in enumerate(ks)) % R)
        assert eq(g1.msm(pts, ks), expected)
    assert g1.msm(pts, [R] * 40) == Z1


def test_pippenger_without_terms() -> None:
    assert g1._pippenger([], []) == g1._INF


def test_sum_groups_affine_edge_cases(points: list[Point]) -> None:
    q, q2 = (x for x in g1._affine_from_pyecc(points[:2]) if x is not None)
    nq = (q[0], P - q[1])
    groups: list[list[tuple[int, int]]] = [[q, q], [q, nq], [q, nq, q2], [q], [], [q, q2, q, q2]]
    g1._sum_groups_affine(groups)
    doubled = g1._affine_from_pyecc([multiply(points[0], 2)])[0]
    assert groups[0] == [doubled]
    assert groups[1] == []
    assert groups[2] == [q2]
    assert groups[3] == [q]
    assert groups[4] == []
    expected = g1._affine_from_pyecc([multiply(add(points[0], points[1]), 2)])[0]
    assert groups[5] == [expected]


# ---------------------------------------------------------------------------------------------------------------
# Fixed-base tables


@settings(max_examples=40, deadline=None)
@given(scalars)
def test_fixed_base_matches_py_ecc(g_table: g1.FixedBaseTable, k: int) -> None:
    got = g_table.mul(k)
    assert eq(got, multiply(G1, k % R))
    assert _is_normalised(got)


@pytest.mark.parametrize("window", [2, 3, 5, 7])
def test_fixed_base_windows(points: list[Point], window: int) -> None:
    table = g1.FixedBaseTable(points[2], window=window)  # a negated point with Z ≠ 1
    for k in [0, 1, R - 1, R, R + 1, secrets.randbelow(R)]:
        assert eq(table.mul(k), multiply(points[2], k % R))


def test_fixed_base_identity_and_bad_window(points: list[Point]) -> None:
    assert g1.FixedBaseTable(Z1).mul(5) == Z1
    with pytest.raises(ValueError, match="window"):
        g1.FixedBaseTable(points[0], window=1)
    with pytest.raises(ValueError, match="window"):
        g1.FixedBaseTable(points[0], window=13)
    with pytest.raises(DecodingError):
        g1.FixedBaseTable((FQ(0), FQ(P - 2), FQ.one()), window=4)  # order 3


def test_fixed_base_msm(points: list[Point], g_table: g1.FixedBaseTable) -> None:
    tables = [g_table, g1.FixedBaseTable(points[0], window=4), g1.FixedBaseTable(Z1)]
    ks = [secrets.randbelow(R), R + 3, 9]
    assert eq(g1.fixed_base_msm(tables, ks), _ref_msm([G1, points[0], Z1], ks))
    assert g1.fixed_base_msm([], []) == Z1
    with pytest.raises(ValueError, match="length"):
        g1.fixed_base_msm(tables, ks[:2])


def test_fixed_base_cache_is_keyed_by_affine_point_and_bounded(points: list[Point]) -> None:
    t1 = g1.fixed_base(points[1])
    assert g1.fixed_base(_rescale(points[1], 5)) is t1  # same point, other representation
    assert g1.fixed_base(points[0]) is not t1
    k = secrets.randbelow(R)
    assert eq(t1.mul(k), multiply(points[1], k))
    base = g1.FixedBaseTable(G1, window=3)
    extra = [base.mul(i + 2) for i in range(g1.FIXED_BASE_CACHE_SIZE + 1)]
    for pt in extra:
        g1.fixed_base(pt)
    assert len(g1._cache) == g1.FIXED_BASE_CACHE_SIZE
    assert g1.fixed_base(points[1]) is not t1  # evicted (least recently used), then rebuilt


# ---------------------------------------------------------------------------------------------------------------
# Subgroup check


@settings(max_examples=30, deadline=None)
@given(st.integers(0, R - 1))
def test_subgroup_accepts_g1(g_table: g1.FixedBaseTable, k: int) -> None:
    assert g1.is_in_subgroup(g_table.mul(k))


def test_subgroup_accepts_generators_and_identity(points: list[Point]) -> None:
    assert g1.is_in_subgroup(G1)
    assert g1.is_in_subgroup(Z1)
    assert all(g1.is_in_subgroup(pt) for pt in points)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, P - 1))
def test_subgroup_rejects_random_curve_points(seed: int) -> None:
    pt = _random_curve_point(seed)
    assert is_on_curve(pt, B)
    in_g1 = is_inf(multiply(pt, R))  # the reference: r·P = O
    assert g1.is_in_subgroup(pt) == in_g1
    assert not in_g1  # a random point lies in G1 with probability 1/h ≈ 2^-126
    assert g1.is_in_subgroup(multiply(pt, H))  # clearing the cofactor lands in G1


def test_cofactor_structure() -> None:
    assert H == 3 * 11**2 * 10177**2 * 859267**2 * 52437899**2
    assert H * R == P + 1 - (1 - U_ABS)  # #E(Fp) = p + 1 − t with trace t = u + 1


@pytest.mark.parametrize("prime", H_PRIMES)
def test_subgroup_rejects_every_small_order_component(points: list[Point], prime: int) -> None:
    # A point of order ℓ for each prime ℓ | h, alone and added to G1 points, must be caught.
    t = _point_of_order(prime, secrets.randbelow(P))
    assert is_on_curve(t, B) and is_inf(multiply(t, prime))
    assert not g1.is_in_subgroup(t)
    assert not g1.is_in_subgroup(add(points[0], t))
    assert not g1.is_in_subgroup(_rescale(add(points[1], t), 3))
    # Where φ has eigenvectors on E[ℓ] (ℓ ≡ 1 mod 3), test them too: S = Σ_i μ^(−i)·φ^i(T) has φ(S) = μ·S.
    if prime % 3 == 1:
        omega = next(w for g in range(2, 50) if (w := pow(g, (prime - 1) // 3, prime)) != 1)
        for mu in (omega, omega * omega % prime):  # the two non-trivial cube roots of unity mod ℓ
            inv = pow(mu, -1, prime)
            s = add(add(t, multiply(_phi(t), inv)), multiply(_phi(_phi(t)), inv * inv % prime))
            if not is_inf(s):
                assert eq(_phi(s), multiply(s, mu))
                assert not g1.is_in_subgroup(s)
                assert not g1.is_in_subgroup(add(points[2], s))


def test_subgroup_rejects_order_3_and_off_curve_points(points: list[Point]) -> None:
    for y0 in (2, P - 2):
        assert not g1.is_in_subgroup((FQ(0), FQ(y0), FQ.one()))
    x, y, z = points[0]
    assert not is_on_curve((x, y + z, z), B)
    assert not g1.is_in_subgroup((x, y + z, z))
