"""Fast G1 arithmetic on BLS12-381 with gmpy2 (a hazmat helper for ``crypto.bls12_381`` and BBS).

Inputs and outputs are ``py_ecc.optimized_bls12_381`` G1 points: homogeneous projective tuples ``(X, Y, Z)``
of ``FQ`` with ``x = X/Z``, ``y = Y/Z``; the identity has ``Z == 0``. Results are returned normalised
(``Z == 1``, or :data:`py_ecc.optimized_bls12_381.Z1` for the identity), so they compare equal with
``py_ecc.optimized_bls12_381.eq`` and encode with ``compress_G1`` as usual.

Internally the points are Jacobian (``x = X/Z²``, ``y = Y/Z³``) with ``gmpy2.mpz`` coordinates and the
``a = 0`` formulas of the Explicit-Formulas Database (EFD, g1p/shortw/jacobian-0): ``dbl-2009-l``,
``add-2007-bl`` and ``madd-2007-bl``. In CPython the cost is the number of big-integer operations, not
the M/S count the EFD optimises, so the code departs from the EFD text where that is measurably faster:
squarings written as ``(a+b)² − a² − b²`` are computed as the equal product ``2ab``, and the additions
drop the bl formulas' factors of 2 (which only rescale (X, Y, Z) by (4, 8, 2); the result is the
``add-1998-cmo-2`` / ``madd-2004-hmv`` form). Reductions mod p are kept wherever skipping them made the
next multiplication dearer than the reduction saved. Many points are normalised to affine at once with
Montgomery's trick (one inversion in all), and Pippenger's buckets are summed in affine coordinates with
one inversion per round.

Public API (every scalar is reduced mod r = ``curve_order``):

* :func:`mul` ``(P, k)``: ``k·P`` by GLV (``k = a + b·λ``, ``λ = u² − 1``, ``φ(x, y) = (β·x, y)``) with
  an interleaved width-5 wNAF over odd-multiple tables built per call.
* :func:`msm` ``(points, scalars)``: ``Σ k_i·P_i``; Straus (interleaved wNAF) below
  :data:`PIPPENGER_THRESHOLD` points, Pippenger's bucket method (signed digits) from there on.
  Both split every scalar with GLV first.
* :class:`FixedBaseTable` ``(P, window=8)`` with ``.mul(k)``, and :func:`fixed_base_msm` over several tables:
  precomputed signed-window tables for generators used again and again. :func:`fixed_base` ``(P)`` returns
  a table from a small bounded LRU cache keyed by the affine coordinates.
* :func:`is_in_subgroup` ``(P)``: on the curve and in the order-r subgroup G1 (Scott's endomorphism test).

Preconditions. ``mul``, ``msm`` and the fixed-base tables assume that their points are in G1 (as every
point decoded through a subgroup check is): the scalar is reduced mod r and GLV uses ``φ(P) = λ·P``,
which both hold only on G1. For a point outside G1 the result is some other point, not ``k·P``, or
:class:`~crypto.errors.DecodingError` when a small-order component happens to show up in a table.
Check untrusted points with :func:`is_in_subgroup` first.

NOT CONSTANT TIME. Every function here runs in time (and memory access pattern) that depends on the
scalar: wNAF and bucket digits skip additions for zero digits, table lookups are indexed by the digits,
the GLV split and the Python big-integer arithmetic are variable time, and the exceptional cases of the
addition formulas branch. An attacker who can time many operations with the same secret scalar (a BBS
signer's key SK, a prover's blinding scalars r1, r2, r3~, m~_j, a pseudonym secret) may learn bits of it,
remotely over a network in the worst case. Python big integers give no constant-time guarantee in any
case, so a constant-time ladder written in Python would not fix this either. Use these functions on
public scalars (verification, batch verification, public generators) freely; on secret scalars only
where that risk is accepted, as it is for py_ecc's own ``multiply``, which is not constant time either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final

import gmpy2
from gmpy2 import mpz
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.optimized_bls12_381.optimized_curve import curve_order, field_modulus

from crypto.errors import DecodingError

__all__ = [
    "FIXED_BASE_CACHE_SIZE",
    "PIPPENGER_THRESHOLD",
    "FixedBaseTable",
    "G1Point",
    "fixed_base",
    "fixed_base_msm",
    "is_in_subgroup",
    "msm",
    "mul",
]

G1Point = tuple[FQ, FQ, FQ]
"""A ``py_ecc.optimized_bls12_381`` G1 point: homogeneous projective ``(X, Y, Z)``, identity iff ``Z == 0``."""

# Internal representations: Jacobian (X, Y, Z) with Z == 0 for the identity, and affine (x, y).
# gmpy2 ships no type stubs, so mpz values are typed as int here.
_Jac = tuple[int, int, int]
_Aff = tuple[int, int]

_P: Final[int] = mpz(field_modulus)
_R: Final[int] = curve_order
_B: Final[int] = mpz(4)  # E: y² = x³ + 4
# The BLS parameter u = -0xd201000000010000 = -(2^63 + 2^62 + 2^60 + 2^57 + 2^48 + 2^16)
# (draft-irtf-cfrg-pairing-friendly-curves §4.2.1; RFC 9380 §8.8.1 uses h_eff = 1 − u).
_U_ABS: Final[int] = 0xD201000000010000
# GLV: λ = u² − 1 satisfies λ² + λ + 1 = u⁴ − u² + 1 = r ≡ 0, so it is a cube root of unity mod r, and
# φ(x, y) = (β·x, y) with this cube root of unity β in Fp acts on G1 as multiplication by λ
# (the other root β² gives λ² = −u²; tests check the pairing of β and λ).
_LAMBDA: Final[int] = _U_ABS * _U_ABS - 1
_BETA: Final[int] = mpz(
    0x1A0111EA397FE699EC02408663D4DE85AA0D857D89759AD4897D29650FB85F9B409427EB4F49FFFD8BFD00000000AAAC
)
_INF: Final[_Jac] = (mpz(1), mpz(1), mpz(0))

PIPPENGER_THRESHOLD: Final = 32
"""``msm`` switches from Straus to Pippenger's bucket method at this many (non-trivial) points."""

FIXED_BASE_CACHE_SIZE: Final = 32
"""How many tables :func:`fixed_base` keeps (about 1 MB each at the default window of 8)."""

_WNAF_WINDOW: Final = 5  # measured best for 1 … 40 points (tables of 8 odd multiples)
_GLV_BITS: Final = 128  # both GLV halves are below 2^128, so their wNAF has at most 129 digits


# ---------------------------------------------------------------------------------------------------------------
# Conversions


def _to_jac(pt: G1Point) -> _Jac:
    """py_ecc homogeneous (X, Y, Z) → Jacobian (X·Z, Y·Z², Z): the same point, no inversion."""
    x, y, z = pt[0].n, pt[1].n, pt[2].n
    if z == 0:
        return _INF
    if z == 1:
        return (mpz(x), mpz(y), mpz(1))
    zm = mpz(z)
    return (x * zm % _P, y * zm * zm % _P, zm)


def _affine_from_pyecc(pts: Sequence[G1Point]) -> list[_Aff | None]:
    """Affine mpz coordinates of py_ecc points (None for the identity), with one shared inversion."""
    out: list[_Aff | None] = [None] * len(pts)
    todo: list[int] = []
    for i, (x, y, z) in enumerate(pts):
        if z.n == 1:
            out[i] = (mpz(x.n), mpz(y.n))
        elif z.n != 0:
            todo.append(i)
    if todo:
        invs = _batch_invert([mpz(pts[i][2].n) for i in todo])
        for i, zi in zip(todo, invs, strict=True):
            out[i] = (pts[i][0].n * zi % _P, pts[i][1].n * zi % _P)
    return out


def _from_jac(p: _Jac) -> G1Point:
    """Jacobian → normalised py_ecc point (one inversion)."""
    x, y, z = p
    if not z:
        return (FQ.one(), FQ.one(), FQ.zero())
    zi = gmpy2.invert(z, _P)
    zi2 = zi * zi % _P
    return (FQ(int(x * zi2 % _P)), FQ(int(y * zi2 * zi % _P)), FQ.one())


def _batch_invert(values: Sequence[int]) -> list[int]:
    """Montgomery's trick: the inverses of non-zero field elements with a single modular inversion."""
    n = len(values)
    prefix = [mpz(0)] * n
    acc = mpz(1)
    for i, v in enumerate(values):
        prefix[i] = acc
        acc = acc * v % _P
    inv = gmpy2.invert(acc, _P)
    out = [mpz(0)] * n
    for i in range(n - 1, -1, -1):
        out[i] = inv * prefix[i] % _P
        inv = inv * values[i] % _P
    return out


def _batch_to_affine(pts: Sequence[_Jac]) -> list[_Aff | None]:
    """Jacobian → affine for many points at once (None for the identity)."""
    out: list[_Aff | None] = [None] * len(pts)
    idx = [i for i, p in enumerate(pts) if p[2]]
    if not idx:
        return out
    invs = _batch_invert([pts[i][2] for i in idx])
    for i, zi in zip(idx, invs, strict=True):
        x, y, _ = pts[i]
        zi2 = zi * zi % _P
        out[i] = (x * zi2 % _P, y * zi2 * zi % _P)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Jacobian formulas (a = 0). Coordinates are kept reduced in [0, p) between operations.


def _dbl(pt: _Jac) -> _Jac:
    """EFD dbl-2009-l: 2·P."""
    x, y, z = pt
    if not z:
        return _INF
    p = _P
    b = y * y % p  # B = Y1²
    e = 3 * x * x % p  # E = 3A, A = X1²
    d = x * b % p * 4  # D = 2((X1+B)² − A − C) = 4·X1·B
    x3 = (e * e - d - d) % p  # X3 = F − 2D, F = E²
    return (x3, (e * (d - x3) - b * b * 8) % p, y * z * 2 % p)  # Y3 = E(D − X3) − 8C, C = B²; Z3 = 2·Y1·Z1


def _madd(pt: _Jac, x2: int, y2: int) -> _Jac:
    """EFD madd-2007-bl without its factors of 2 (H, r → H/2, r/2; that is madd-2004-hmv): P + (x2, y2).

    The second point is affine (Z2 = 1); the exceptional cases (P = O, P = ±Q) are handled.
    """
    x1, y1, z1 = pt
    if not z1:
        return (x2, y2, mpz(1))
    p = _P
    z1z1 = z1 * z1 % p  # Z1Z1 = Z1²
    h = (x2 * z1z1 - x1) % p  # H = U2 − X1, U2 = X2·Z1Z1
    r = (y2 * z1 * z1z1 - y1) % p  # r = S2 − Y1, S2 = Y2·Z1·Z1Z1
    if not h:
        if not r:
            return _dbl((x2, y2, mpz(1)))
        return _INF
    hh = h * h % p  # HH = H²
    hhh = h * hh % p  # J = H·HH
    v = x1 * hh % p  # V = X1·HH
    x3 = (r * r - hhh - v - v) % p  # X3 = r² − J − 2V
    return (x3, (r * (v - x3) - y1 * hhh) % p, z1 * h % p)  # Y3 = r(V − X3) − Y1·J; Z3 = Z1·H


def _add(p1: _Jac, p2: _Jac) -> _Jac:
    """EFD add-2007-bl without its factors of 2 (as in add-1998-cmo-2): P1 + P2, both Jacobian.

    The exceptional cases (either point O, P1 = ±P2) are handled.
    """
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if not z1:
        return p2
    if not z2:
        return p1
    p = _P
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p  # U1 = X1·Z2Z2
    s1 = y1 * z2 * z2z2 % p  # S1 = Y1·Z2·Z2Z2
    h = (x2 * z1z1 - u1) % p  # H = U2 − U1, U2 = X2·Z1Z1
    r = (y2 * z1 * z1z1 - s1) % p  # r = S2 − S1, S2 = Y2·Z1·Z1Z1
    if not h:
        if not r:
            return _dbl(p1)
        return _INF
    hh = h * h % p
    hhh = h * hh % p  # J = H·HH
    v = u1 * hh % p  # V = U1·HH
    x3 = (r * r - hhh - v - v) % p  # X3 = r² − J − 2V
    y3 = (r * (v - x3) - s1 * hhh) % p  # Y3 = r(V − X3) − S1·J
    return (x3, y3, z1 * z2 % p * h % p)  # Z3 = Z1·Z2·H


# ---------------------------------------------------------------------------------------------------------------
# Scalar recodings


def _wnaf(k: int, w: int) -> list[tuple[int, int]]:
    """Width-w NAF of k ≥ 0 as its non-zero digits (position, digit), least significant first.

    Every digit is odd with |d| < 2^(w−1), and any two non-zero digits are at least w positions apart.
    """
    digits: list[tuple[int, int]] = []
    full = 1 << w
    half = 1 << (w - 1)
    mask = full - 1
    pos = 0
    while k:
        tz = (k & -k).bit_length() - 1  # skip the run of zero digits
        k >>= tz
        pos += tz
        d = k & mask
        if d >= half:
            d -= full
        digits.append((pos, d))
        k = (k - d) >> 1
        pos += 1
    return digits


def _signed_windows(k: int, w: int, count: int, top_unsigned: bool = False) -> list[int]:
    """k ≥ 0 as ``count`` base-2^w digits in (−2^(w−1), 2^(w−1)], least significant first.

    With ``top_unsigned`` the most significant digit is left unrecoded, in [0, 2^w].
    """
    digits = [0] * count
    full = 1 << w
    half = 1 << (w - 1)
    mask = full - 1
    last = count - 1 if top_unsigned else count
    for i in range(last):
        d = k & mask
        k >>= w
        if d > half:
            d -= full
            k += 1
        digits[i] = d
    if top_unsigned and k <= full:
        digits[last] = k
        return digits
    if k:
        raise ValueError("scalar too large for the signed window recoding")
    return digits


def _glv_split(k: int) -> tuple[int, int]:
    """k mod r = a + b·λ (mod r) with 0 ≤ a < λ and 0 ≤ b ≤ λ + 1 < 2^128 (since r = λ² + λ + 1)."""
    b, a = divmod(k % _R, _LAMBDA)
    return a, b


def _phi(a: _Aff) -> _Aff:
    """The GLV endomorphism φ(x, y) = (β·x, y), equal to multiplication by λ on G1."""
    return (_BETA * a[0] % _P, a[1])


# ---------------------------------------------------------------------------------------------------------------
# Variable-base multiplication and Straus MSM


def _odd_multiples(points: Sequence[_Aff], w: int) -> list[list[_Aff]]:
    """For each affine point Q (in G1, not the identity): [Q, 3Q, …, (2^(w−1) − 1)Q], normalised together."""
    m = 1 << (w - 2)
    twos = _batch_to_affine([_dbl((q[0], q[1], mpz(1))) for q in points])
    jac: list[_Jac] = []
    for q, t in zip(points, twos, strict=True):
        if t is None:  # y = 0: order 2, which no point of E(Fp) has (#E(Fp) = h·r is odd); off the curve
            raise DecodingError("point of order 2: not in G1")
        cur: _Jac = (q[0], q[1], mpz(1))
        jac.append(cur)
        for _ in range(m - 1):
            cur = _madd(cur, t[0], t[1])
            jac.append(cur)
    aff = _batch_to_affine(jac)
    out: list[list[_Aff]] = []
    for i in range(len(points)):
        row = aff[i * m : (i + 1) * m]
        if any(a is None for a in row):  # jQ = O for an odd j < 2^(w−1): Q has small order, not in G1
            raise DecodingError("point of small order: not in G1")
        out.append([a for a in row if a is not None])
    return out


def _straus(points: Sequence[_Aff], scalars: Sequence[int], w: int) -> _Jac:
    """Σ k_i·Q_i for affine points of G1 and scalars already reduced mod r: GLV plus interleaved wNAF."""
    tables = _odd_multiples(points, w)
    # For every bit position, the affine points (negated for negative digits) to add after doubling.
    schedule: list[list[_Aff]] = [[] for _ in range(_GLV_BITS + 1)]
    p = _P
    for table, k in zip(tables, scalars, strict=True):
        a, b = _glv_split(k)
        parts = [(a, table)]
        if b:
            parts.append((b, [_phi(t) for t in table]))  # φ(jQ) = j·φ(Q)
        for part, tab in parts:
            for pos, d in _wnaf(part, w):
                x, y = tab[abs(d) >> 1]
                schedule[pos].append((x, y) if d > 0 else (x, p - y))
    acc = _INF
    for bit in range(len(schedule) - 1, -1, -1):
        acc = _dbl(acc)
        for x, y in schedule[bit]:
            acc = _madd(acc, x, y)
    return acc


def mul(pt: G1Point, k: int) -> G1Point:
    """k·P for P in G1 (k reduced mod r). Equals ``py_ecc.optimized_bls12_381.multiply(P, k % r)``.

    NOT constant time in k (see the module docstring).
    """
    k %= _R
    aff = _affine_from_pyecc([pt])[0]
    if aff is None or k == 0:
        return _from_jac(_INF)
    return _from_jac(_straus([aff], [k], _WNAF_WINDOW))


# ---------------------------------------------------------------------------------------------------------------
# Pippenger


def _pippenger_window(n: int) -> int:
    """Bucket window c for n (GLV-split) terms, measured on this 2-core box (≈ ⌈128/c⌉·(n + 2^c) additions)."""
    for limit, c in ((100, 5), (300, 6), (1000, 7), (3000, 8), (8000, 9)):
        if n < limit:
            return c
    return 10


def _sum_groups_affine(groups: list[list[_Aff]]) -> None:
    """Reduce every list of affine G1 points to its sum in place ([] for O, else [sum]).

    Pairs are added in affine coordinates, all pairs of a round sharing one inversion by Montgomery's
    trick: λ = (y2 − y1)/(x2 − x1) (or 3x1²/(2y1) to double), x3 = λ² − x1 − x2, y3 = λ(x1 − x3) − y1.
    """
    p = _P
    active = [g for g in groups if len(g) > 1]
    while active:
        pairs: list[tuple[list[_Aff], int, int, int, int, int]] = []
        prefix: list[int] = []
        acc = mpz(1)
        for g in active:
            n = len(g)
            for t in range(0, n - 1, 2):
                x1, y1 = g[t]
                x2, y2 = g[t + 1]
                if x1 != x2:
                    den = x2 - x1
                elif y1 == y2 and y1:
                    den = 2 * y1
                else:  # Q + (−Q) = O: the pair vanishes
                    continue
                prefix.append(acc)
                acc = acc * den % p
                pairs.append((g, x1, y1, x2, y2, den))
            del g[: n - (n & 1)]
        if pairs:
            inv = gmpy2.invert(acc, p)  # 1 / Π den
            for i in range(len(pairs) - 1, -1, -1):
                g, x1, y1, x2, y2, den = pairs[i]
                inv_i = inv * prefix[i] % p  # 1 / den_i
                inv = inv * den % p
                lam = ((y2 - y1) if x1 != x2 else 3 * x1 * x1) * inv_i % p
                x3 = (lam * lam - x1 - x2) % p
                g.append((x3, (lam * (x1 - x3) - y1) % p))
        active = [g for g in active if len(g) > 1]


def _pippenger(points: Sequence[_Aff], scalars: Sequence[int]) -> _Jac:
    """Σ k_i·Q_i for affine points of G1, scalars reduced mod r: GLV, then signed-digit buckets.

    Bucket sums are formed in affine coordinates with batched inversions (:func:`_sum_groups_affine`),
    then Σ_j j·B_j is a running sum from the top bucket down; windows are combined by c doublings.
    """
    pts: list[_Aff] = []
    ks: list[int] = []
    for q, k in zip(points, scalars, strict=True):
        a, b = _glv_split(k)
        if a:
            pts.append(q)
            ks.append(a)
        if b:
            pts.append(_phi(q))
            ks.append(b)
    if not pts:
        return _INF
    c = _pippenger_window(len(pts))
    nwin = -(-max(k.bit_length() for k in ks) // c)
    columns = list(zip(*(_signed_windows(k, c, nwin, top_unsigned=True) for k in ks), strict=True))
    negs = [(q[0], _P - q[1]) for q in pts]
    result = _INF
    for win in range(nwin - 1, -1, -1):
        for _ in range(c):
            result = _dbl(result)
        nbuckets = 1 << (c if win == nwin - 1 else c - 1)  # the top digit is unsigned, in [0, 2^c]
        buckets: list[list[_Aff]] = [[] for _ in range(nbuckets + 1)]
        for q, nq, d in zip(pts, negs, columns[win], strict=True):
            if d > 0:
                buckets[d].append(q)
            elif d < 0:
                buckets[-d].append(nq)
        _sum_groups_affine(buckets)
        running = _INF
        total = _INF
        for j in range(nbuckets, 0, -1):
            bucket = buckets[j]
            if bucket:
                running = _madd(running, *bucket[0])
            total = _add(total, running)
        result = _add(result, total)
    return result


def msm(points: Sequence[G1Point], scalars: Sequence[int]) -> G1Point:
    """Σ k_i·P_i for points in G1 (each k_i reduced mod r); the identity for no points.

    Straus below :data:`PIPPENGER_THRESHOLD` non-trivial terms, Pippenger from there on. NOT constant time.
    """
    if len(points) != len(scalars):
        raise ValueError("msm: points and scalars differ in length")
    affs = _affine_from_pyecc(points)
    pts: list[_Aff] = []
    ks: list[int] = []
    for a, k in zip(affs, scalars, strict=True):
        kr = k % _R
        if a is not None and kr:
            pts.append(a)
            ks.append(kr)
    if not pts:
        return _from_jac(_INF)
    if len(pts) >= PIPPENGER_THRESHOLD:
        return _from_jac(_pippenger(pts, ks))
    return _from_jac(_straus(pts, ks, _WNAF_WINDOW))


# ---------------------------------------------------------------------------------------------------------------
# Fixed base


class FixedBaseTable:
    """Precomputed multiples of one G1 point for fast ``k·P`` (signed windows of ``window`` bits).

    Row i holds the affine points ``j·2^(i·window)·P`` for j = 1 … 2^(window−1); a multiplication is then
    ⌈256/window⌉ mixed additions and no doubling. Building costs about as many additions as the table has
    points (4096 at the default window of 8, some 20 ms and 1 MB). P must be in G1. NOT constant time.
    """

    __slots__ = ("_rows", "point", "window")

    point: G1Point
    window: int
    _rows: list[list[_Aff]]

    def __init__(self, pt: G1Point, window: int = 8) -> None:
        if not 2 <= window <= 12:
            raise ValueError("window must be between 2 and 12")
        self.window = window
        aff = _affine_from_pyecc([pt])[0]
        self.point = _from_jac(_INF) if aff is None else (FQ(int(aff[0])), FQ(int(aff[1])), FQ.one())
        self._rows = []
        if aff is None:
            return
        # k < r < 2^255: a carry can reach bit 255, and ⌈256/w⌉ signed windows always absorb it.
        nwin = -(-256 // window)
        half = 1 << (window - 1)
        jac: list[_Jac] = []
        base: _Jac = (aff[0], aff[1], mpz(1))
        for _ in range(nwin):
            base_aff = _batch_to_affine([base])[0]
            if base_aff is None:  # 2^(i·w)·P = O: P has small order
                raise DecodingError("point of small order: not in G1")
            bx, by = base_aff
            cur = base
            jac.append(cur)
            for _ in range(half - 1):
                cur = _madd(cur, bx, by)
                jac.append(cur)
            base = _dbl(cur)  # 2^(w−1)·B · 2 = 2^w·B
        flat = _batch_to_affine(jac)
        rows = [flat[i * half : (i + 1) * half] for i in range(nwin)]
        if any(a is None for row in rows for a in row):
            raise DecodingError("point of small order: not in G1")
        self._rows = [[a for a in row if a is not None] for row in rows]

    def _mul_jac(self, k: int, acc: _Jac) -> _Jac:
        if not self._rows:
            return acc
        p = _P
        for row, d in zip(self._rows, _signed_windows(k % _R, self.window, len(self._rows)), strict=True):
            if d > 0:
                x, y = row[d - 1]
                acc = _madd(acc, x, y)
            elif d < 0:
                x, y = row[-d - 1]
                acc = _madd(acc, x, p - y)
        return acc

    def mul(self, k: int) -> G1Point:
        """k·P (k reduced mod r). NOT constant time in k."""
        return _from_jac(self._mul_jac(k, _INF))


def fixed_base_msm(tables: Sequence[FixedBaseTable], scalars: Sequence[int]) -> G1Point:
    """Σ k_i·P_i over precomputed tables, with one accumulator and one final inversion. NOT constant time."""
    if len(tables) != len(scalars):
        raise ValueError("fixed_base_msm: tables and scalars differ in length")
    acc = _INF
    for t, k in zip(tables, scalars, strict=True):
        acc = t._mul_jac(k, acc)
    return _from_jac(acc)


_cache: OrderedDict[tuple[int, int, int], FixedBaseTable] = OrderedDict()
_cache_lock = threading.Lock()


def fixed_base(pt: G1Point) -> FixedBaseTable:
    """A cached :class:`FixedBaseTable` (default window) for P, keyed by its affine coordinates.

    The cache is a least-recently-used map of at most :data:`FIXED_BASE_CACHE_SIZE` tables. It only
    saves time: a table is a pure function of P, so a hit and a miss give the same results.
    """
    aff = _affine_from_pyecc([pt])[0]
    key = (0, 0, 1) if aff is None else (int(aff[0]), int(aff[1]), 0)
    with _cache_lock:
        table = _cache.get(key)
        if table is not None:
            _cache.move_to_end(key)
            return table
    table = FixedBaseTable(pt)
    with _cache_lock:
        _cache[key] = table
        _cache.move_to_end(key)
        while len(_cache) > FIXED_BASE_CACHE_SIZE:
            _cache.popitem(last=False)
    return table


# ---------------------------------------------------------------------------------------------------------------
# Subgroup check


def _mul_u_abs(pt: _Jac) -> _Jac:
    """|u|·P by double-and-add over the 6 set bits of |u| = 0xd201000000010000 (any point on E)."""
    acc = pt
    for bit in bin(_U_ABS)[3:]:
        acc = _dbl(acc)
        if bit == "1":
            acc = _add(acc, pt)
    return acc


def _on_curve(pt: G1Point) -> bool:
    """Y²Z = X³ + 4Z³ (homogeneous form of y² = x³ + 4); any point with Z = 0 is the identity."""
    x: int = mpz(pt[0].n)
    y: int = mpz(pt[1].n)
    z: int = mpz(pt[2].n)
    if not z:
        return True
    return (y * y * z - x * x * x - _B * z * z * z) % _P == 0


def is_in_subgroup(pt: G1Point) -> bool:
    """True iff P is on E: y² = x³ + 4 and in the order-r subgroup G1 (the identity is in G1).

    Scott, "A note on group membership tests for G1, G2 and GT on BLS pairing-friendly curves"
    (eprint 2021/1130): P ∈ G1 ⟺ P + u²·φ(P) = O. On G1, u²·λ = u⁴ − u² = r − 1, so the sum is
    O there. Conversely, #E(Fp) = h·r with h = (u−1)²/3, so every prime ℓ | h divides u − 1 and
    u² ≡ 1 (mod ℓ). Were P + u²·φ(P) = O with a non-trivial h-part, some multiple Q of P of prime
    order ℓ | h would satisfy φ(Q) = −u²·Q = −Q, and then O = (φ² + φ + 1)(Q) = Q − Q + Q = Q, absurd.
    About 126 doublings and 10 additions (u² = |u|·|u|, and |u| has 6 set bits).
    """
    if not _on_curve(pt):
        return False
    x, y, z = _to_jac(pt)
    if not z:
        return True
    phi = (_BETA * x % _P, y, z)  # φ in Jacobian coordinates: x = X/Z² scales like X
    t = _mul_u_abs(_mul_u_abs(phi))
    return _add(t, (x, y, z))[2] == 0
