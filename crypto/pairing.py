"""The optimal ate pairing on BLS12-381 with gmpy2 integers (a hazmat helper for ``crypto.bls12_381``).

Inputs are ``py_ecc.optimized_bls12_381`` points: homogeneous projective ``(X, Y, Z)`` of ``FQ`` (G1) or ``FQ2``
(G2, on the twist), the identity having ``Z == 0``. Everything inside is plain ``gmpy2.mpz`` arithmetic; no
py_ecc field class is touched after the inputs are read.

The tower (draft-irtf-cfrg-pairing-friendly-curves-11 §4.2.2, the one blst, noble-curves and zkcrypto use):

* Fp2 = Fp[u]/(u² + 1), Fp6 = Fp2[v]/(v³ − ξ) with ξ = u + 1, Fp12 = Fp6[w]/(w² − v).
* An Fp12 value (:data:`Fp12`) is a flat 12-tuple of ints in [0, p):
  ``(g0, g1, g2, h0, h1, h2)`` for ``(g0 + g1·v + g2·v²) + (h0 + h1·v + h2·v²)·w``, each Fp2 coefficient
  as two ints ``(c0, c1)`` for ``c0 + c1·u``. Since w⁶ = ξ and u = w⁶ − 1, this is py_ecc's FQ12 = Fp[w]/(w¹² −
  2w⁶ + 2) with a change of basis (the tests convert between the two).
* The hot functions (:func:`_f12_mul`, :func:`_f12_sqr`, :func:`_f12_mul_by_line`, :func:`_f12_cyc_sqr`) are
  written out on the 24 integers of their operands: each output coefficient is one sum of products reduced
  mod p once (lazy reduction). In CPython the cost is the number of big-integer operations, so Fp2 products are
  schoolbook (4 multiplications, 2 additions: Karatsuba's 3 + 5 does not pay) and Karatsuba is used only at
  the Fp12 level, where it saves a whole Fp6 product.

The pairing. e(P, Q) = f_{x,Q}(P)^((p¹² − 1)/r) for P ∈ G1, Q ∈ G2 ⊂ E'(Fp2): y² = x³ + 4ξ (the M-type
sextic twist, untwisted by ψ(x, y) = (x/w², y/w³) as in py_ecc) and x = −0xd201000000010000.

* Miller loop over |x| (63 doublings, 5 additions). The line through ψ(T) with slope λ·w⁻¹ (λ the slope on
  the twist), times w³ and divided by y_P (factors in proper subfields, which the final exponentiation
  removes), is ``a + b·v + v·w`` with ``a = (λ·x_T − y_T)/y_P`` and ``b = −λ·x_P/y_P``: one sparse product
  (:func:`_f12_mul_by_line`) per line. The points T are kept affine, so a line is two Fp2 constants
  ``(λ·x_T − y_T, −λ)`` that depend on Q only; :func:`prepare_g2` computes them once per Q
  (:class:`G2Prepared`) and a loop against a prepared Q only scales them by 1/y_P and x_P/y_P.
* A product of pairings shares one loop: one Fp12 squaring per step for all pairs (:func:`miller_loop`).
* x < 0: f_{x,Q} = 1/f_{|x|,Q} up to a vertical line, and after the easy part of the final exponentiation the
  inverse is the conjugate f^(p⁶), so the loop ends with a conjugation.
* Final exponentiation (:func:`final_exponentiation`), exactly (p¹² − 1)/r, not a multiple of it:
  easy part f^((p⁶ − 1)(p² + 1)) with one inversion and a Frobenius; hard part (p⁴ − p² + 1)/r =
  ((x − 1)²/3)·(x + p)·(x² + p² − 1) + 1 (Hayashida–Hayasaka–Teruya, eprint 2020/875, divided by 3, which
  is possible as x ≡ 1 mod 3): four exponentiations by |x|, one by (|x| + 1)/3, with Granger–Scott cyclotomic
  squarings (eprint 2009/565) and conjugation as the inverse.

py_ecc's ``miller_loop`` runs over |x| and does not conjugate, so its GT value is the inverse of ours:
``pairing(P, Q) == final_exponentiate(miller_loop(Q, P))^(−1)`` element-wise (the tests check exactly that).
Both are bilinear and non-degenerate and give the same verdict for "is this product of pairings 1".

Preconditions: P ∈ G1 and Q ∈ G2 (every decoded point is subgroup-checked). For other points of the curves the
value is not a pairing; a degenerate step (a vertical tangent, T = ±Q) raises ``ValueError``.

NOT CONSTANT TIME (Python integers); the pairing only ever sees public points here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

import gmpy2
from gmpy2 import mpz
from py_ecc.optimized_bls12_381.optimized_curve import field_modulus

__all__ = [
    "GT_ONE",
    "Fp12",
    "G2Prepared",
    "final_exponentiation",
    "miller_loop",
    "pairing",
    "pairing_product_is_one",
    "prepare_g2",
]

Fp12: TypeAlias = tuple[int, int, int, int, int, int, int, int, int, int, int, int]
"""An element of Fp12 in the tower basis (see the module docstring); also the type of GT values."""

_G1In: TypeAlias = tuple[Any, Any, Any]  # py_ecc (FQ, FQ, FQ)
_G2In: TypeAlias = tuple[Any, Any, Any]  # py_ecc (FQ2, FQ2, FQ2)
_Fp2: TypeAlias = tuple[int, int]
_Line: TypeAlias = tuple[int, int, int, int]  # (λ·x_T − y_T, −λ) as four ints

_P: Final[int] = mpz(field_modulus)
_X_ABS: Final[int] = 0xD201000000010000  # |x|, x = −0xd201000000010000 (pairing-friendly-curves §4.2.1)
_LOOP_BITS: Final[tuple[int, ...]] = tuple(int(b) for b in bin(_X_ABS)[3:])  # the 63 bits after the top one

_ZERO = mpz(0)
_ONE = mpz(1)
GT_ONE: Final[Fp12] = (_ONE, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO)
"""The identity of GT (and of Fp12)."""


# ---------------------------------------------------------------------------------------------------------------
# Fp2 helpers for the cold paths (constants, inversion, preparing G2 points)


def _f2_mul(a: _Fp2, b: _Fp2) -> _Fp2:
    p = _P
    return ((a[0] * b[0] - a[1] * b[1]) % p, (a[0] * b[1] + a[1] * b[0]) % p)


def _f2_sub(a: _Fp2, b: _Fp2) -> _Fp2:
    return ((a[0] - b[0]) % _P, (a[1] - b[1]) % _P)


def _f2_inv(a: _Fp2) -> _Fp2:
    """1/(a0 + a1·u) = (a0 − a1·u)/(a0² + a1²)."""
    norm = (a[0] * a[0] + a[1] * a[1]) % _P
    if not norm:
        raise ValueError("inverse of zero in Fp2")
    n = gmpy2.invert(norm, _P)
    return (a[0] * n % _P, -a[1] * n % _P)


def _f2_pow(a: _Fp2, e: int) -> _Fp2:
    acc: _Fp2 = (_ONE, _ZERO)
    for bit in bin(e)[2:]:
        acc = _f2_mul(acc, acc)
        if bit == "1":
            acc = _f2_mul(acc, a)
    return acc


def _f2_mul_xi(a: _Fp2) -> _Fp2:
    """ξ·a with ξ = 1 + u: (a0 − a1) + (a0 + a1)·u."""
    return ((a[0] - a[1]) % _P, (a[0] + a[1]) % _P)


# ---------------------------------------------------------------------------------------------------------------
# Fp6 and Fp12 arithmetic (hot paths written out on the integers)


def _f6_mul_lazy(
    a0: int, a1: int, a2: int, a3: int, a4: int, a5: int, b0: int, b1: int, b2: int, b3: int, b4: int, b5: int
) -> tuple[int, int, int, int, int, int]:
    """(A0 + A1·v + A2·v²)(B0 + B1·v + B2·v²) in Fp6, NOT reduced mod p; Ai = (a_2i, a_2i+1) and so on.

    Schoolbook with v³ = ξ: C0 = A0B0 + ξ(A1B2 + A2B1), C1 = A0B1 + A1B0 + ξ·A2B2, C2 = A0B2 + A1B1 + A2B0.
    """
    s0 = a2 * b4 - a3 * b5 + a4 * b2 - a5 * b3  # A1B2 + A2B1
    s1 = a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2
    t0 = a4 * b4 - a5 * b5  # A2B2
    t1 = a4 * b5 + a5 * b4
    return (
        a0 * b0 - a1 * b1 + s0 - s1,
        a0 * b1 + a1 * b0 + s0 + s1,
        a0 * b2 - a1 * b3 + a2 * b0 - a3 * b1 + t0 - t1,
        a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + t0 + t1,
        a0 * b4 - a1 * b5 + a2 * b2 - a3 * b3 + a4 * b0 - a5 * b1,
        a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0,
    )


def _f12_mul(f: Fp12, g: Fp12) -> Fp12:
    """f·g: Karatsuba over Fp6, (f0 + f1·w)(g0 + g1·w) = (t0 + v·t1) + ((f0 + f1)(g0 + g1) − t0 − t1)·w."""
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11 = f
    b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11 = g
    p = _P
    t0, t1, t2, t3, t4, t5 = _f6_mul_lazy(a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5)
    u0, u1, u2, u3, u4, u5 = _f6_mul_lazy(a6, a7, a8, a9, a10, a11, b6, b7, b8, b9, b10, b11)
    s0, s1, s2, s3, s4, s5 = _f6_mul_lazy(
        a0 + a6, a1 + a7, a2 + a8, a3 + a9, a4 + a10, a5 + a11,
        b0 + b6, b1 + b7, b2 + b8, b3 + b9, b4 + b10, b5 + b11,
    )  # fmt: skip
    # v·(U0 + U1·v + U2·v²) = ξ·U2 + U0·v + U1·v²
    return (
        (t0 + u4 - u5) % p,
        (t1 + u4 + u5) % p,
        (t2 + u0) % p,
        (t3 + u1) % p,
        (t4 + u2) % p,
        (t5 + u3) % p,
        (s0 - t0 - u0) % p,
        (s1 - t1 - u1) % p,
        (s2 - t2 - u2) % p,
        (s3 - t3 - u3) % p,
        (s4 - t4 - u4) % p,
        (s5 - t5 - u5) % p,
    )


def _f12_sqr(f: Fp12) -> Fp12:
    """f² for any f (complex squaring): with t = f0·f1, f² = ((f0 + f1)(f0 + v·f1) − t − v·t) + 2t·w."""
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11 = f
    p = _P
    t0, t1, t2, t3, t4, t5 = _f6_mul_lazy(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11)
    # f0 + v·f1 = (g0 + ξ·h2) + (g1 + h0)·v + (g2 + h1)·v²
    s0, s1, s2, s3, s4, s5 = _f6_mul_lazy(
        a0 + a6, a1 + a7, a2 + a8, a3 + a9, a4 + a10, a5 + a11,
        a0 + a10 - a11, a1 + a10 + a11, a2 + a6, a3 + a7, a4 + a8, a5 + a9,
    )  # fmt: skip
    # v·t = ξ·T2 + T0·v + T1·v²
    return (
        (s0 - t0 - t4 + t5) % p,
        (s1 - t1 - t4 - t5) % p,
        (s2 - t2 - t0) % p,
        (s3 - t3 - t1) % p,
        (s4 - t4 - t2) % p,
        (s5 - t5 - t3) % p,
        2 * t0 % p,
        2 * t1 % p,
        2 * t2 % p,
        2 * t3 % p,
        2 * t4 % p,
        2 * t5 % p,
    )


def _f12_mul_by_line(f: Fp12, l0: int, l1: int, m0: int, m1: int) -> Fp12:
    """f·(a + b·v + v·w) for a = l0 + l1·u, b = m0 + m1·u (a line of the Miller loop).

    With f = (G0 + G1·v + G2·v²) + (H0 + H1·v + H2·v²)·w the product is
    (G0·a + ξ(G2·b + H1)) + (G0·b + G1·a + ξ·H2)·v + (G1·b + G2·a + H0)·v²
    + [(H0·a + ξ(H2·b + G2)) + (H0·b + H1·a + G0)·v + (H1·b + H2·a + G1)·v²]·w: 12 Fp2 products.
    """
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11 = f
    p = _P
    s0 = a4 * m0 - a5 * m1 + a8  # G2·b + H1
    s1 = a4 * m1 + a5 * m0 + a9
    t0 = a10 * m0 - a11 * m1 + a4  # H2·b + G2
    t1 = a10 * m1 + a11 * m0 + a5
    return (
        (a0 * l0 - a1 * l1 + s0 - s1) % p,
        (a0 * l1 + a1 * l0 + s0 + s1) % p,
        (a0 * m0 - a1 * m1 + a2 * l0 - a3 * l1 + a10 - a11) % p,
        (a0 * m1 + a1 * m0 + a2 * l1 + a3 * l0 + a10 + a11) % p,
        (a2 * m0 - a3 * m1 + a4 * l0 - a5 * l1 + a6) % p,
        (a2 * m1 + a3 * m0 + a4 * l1 + a5 * l0 + a7) % p,
        (a6 * l0 - a7 * l1 + t0 - t1) % p,
        (a6 * l1 + a7 * l0 + t0 + t1) % p,
        (a6 * m0 - a7 * m1 + a8 * l0 - a9 * l1 + a0) % p,
        (a6 * m1 + a7 * m0 + a8 * l1 + a9 * l0 + a1) % p,
        (a8 * m0 - a9 * m1 + a10 * l0 - a11 * l1 + a2) % p,
        (a8 * m1 + a9 * m0 + a10 * l1 + a11 * l0 + a3) % p,
    )


def _f12_cyc_sqr(f: Fp12) -> Fp12:
    """f² for f in the cyclotomic subgroup (f^(p⁶+1) = 1 and f^(p⁴−p²+1) = 1), Granger–Scott.

    Regroup f over Fp4 = Fp2[s]/(s² − ξ), s = w³: f = A + B·w + C·w² with A = g0 + h1·s, B = h0 + g2·s,
    C = g1 + h2·s (and w³ = s). Then f² = (3A² − 2Ā) + (3s·C² + 2B̄)·w + (3B² − 2C̄)·w², where the bar is
    the conjugation s ↦ −s, and (x + y·s)² = (x² + ξy²) + 2xy·s: three Fp4 squarings.
    """
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11 = f
    p = _P
    # A = (a0, a1) + (a8, a9)·s
    x0 = (a0 + a1) * (a0 - a1)  # (a0 + a1·u)²
    x1 = 2 * a0 * a1
    y0 = (a8 + a9) * (a8 - a9)  # (a8 + a9·u)²
    y1 = 2 * a8 * a9
    g0_0 = 3 * (x0 + y0 - y1) - 2 * a0  # 3(x² + ξy²) − 2x
    g0_1 = 3 * (x1 + y0 + y1) - 2 * a1
    h1_0 = 6 * (a0 * a8 - a1 * a9) + 2 * a8  # 6xy + 2y
    h1_1 = 6 * (a0 * a9 + a1 * a8) + 2 * a9
    # B = (a6, a7) + (a4, a5)·s
    x0 = (a6 + a7) * (a6 - a7)
    x1 = 2 * a6 * a7
    y0 = (a4 + a5) * (a4 - a5)
    y1 = 2 * a4 * a5
    g1_0 = 3 * (x0 + y0 - y1) - 2 * a2  # C' = 3B² − 2C̄: constant part 3(x² + ξy²) − 2·g1
    g1_1 = 3 * (x1 + y0 + y1) - 2 * a3
    h2_0 = 6 * (a6 * a4 - a7 * a5) + 2 * a10  # s-part 6xy + 2·h2
    h2_1 = 6 * (a6 * a5 + a7 * a4) + 2 * a11
    # C = (a2, a3) + (a10, a11)·s; s·C² = 2ξ·xy + (x² + ξy²)·s
    x0 = (a2 + a3) * (a2 - a3)
    x1 = 2 * a2 * a3
    y0 = (a10 + a11) * (a10 - a11)
    y1 = 2 * a10 * a11
    g2_0 = 3 * (x0 + y0 - y1) - 2 * a4  # B' = 3s·C² + 2B̄: s-part 3(x² + ξy²) − 2·g2
    g2_1 = 3 * (x1 + y0 + y1) - 2 * a5
    z0 = a2 * a10 - a3 * a11  # xy
    z1 = a2 * a11 + a3 * a10
    h0_0 = 6 * (z0 - z1) + 2 * a6  # constant part 6ξ·xy + 2·h0
    h0_1 = 6 * (z0 + z1) + 2 * a7
    return (
        g0_0 % p,
        g0_1 % p,
        g1_0 % p,
        g1_1 % p,
        g2_0 % p,
        g2_1 % p,
        h0_0 % p,
        h0_1 % p,
        h1_0 % p,
        h1_1 % p,
        h2_0 % p,
        h2_1 % p,
    )


def _f12_conj(f: Fp12) -> Fp12:
    """f^(p⁶): w ↦ −w, that is (f0 + f1·w) ↦ (f0 − f1·w); the inverse of a cyclotomic element."""
    p = _P
    return (f[0], f[1], f[2], f[3], f[4], f[5], -f[6] % p, -f[7] % p, -f[8] % p, -f[9] % p, -f[10] % p, -f[11] % p)


def _f6_mul(a: Sequence[int], b: Sequence[int]) -> tuple[int, int, int, int, int, int]:
    c = _f6_mul_lazy(*a, *b)
    return (c[0] % _P, c[1] % _P, c[2] % _P, c[3] % _P, c[4] % _P, c[5] % _P)


def _f6_inv(d: Sequence[int]) -> tuple[int, int, int, int, int, int]:
    """1/(D0 + D1·v + D2·v²) = (T0 + T1·v + T2·v²)/N with T0 = D0² − ξD1D2, T1 = ξD2² − D0D1, T2 = D1² − D0D2
    and N = D0·T0 + ξ(D2·T1 + D1·T2) ∈ Fp2."""
    d0: _Fp2 = (d[0], d[1])
    d1: _Fp2 = (d[2], d[3])
    d2: _Fp2 = (d[4], d[5])
    t0 = _f2_sub(_f2_mul(d0, d0), _f2_mul_xi(_f2_mul(d1, d2)))
    t1 = _f2_sub(_f2_mul_xi(_f2_mul(d2, d2)), _f2_mul(d0, d1))
    t2 = _f2_sub(_f2_mul(d1, d1), _f2_mul(d0, d2))
    x = _f2_mul_xi(_f2_mul(d2, t1))
    y = _f2_mul_xi(_f2_mul(d1, t2))
    z = _f2_mul(d0, t0)
    n = _f2_inv(((x[0] + y[0] + z[0]) % _P, (x[1] + y[1] + z[1]) % _P))
    c0, c1, c2 = _f2_mul(t0, n), _f2_mul(t1, n), _f2_mul(t2, n)
    return (c0[0], c0[1], c1[0], c1[1], c2[0], c2[1])


def _f12_inv(f: Fp12) -> Fp12:
    """1/(f0 + f1·w) = (f0 − f1·w)/(f0² − v·f1²)."""
    p = _P
    f0, f1 = f[:6], f[6:]
    s = _f6_mul(f0, f0)
    t = _f6_mul(f1, f1)
    # f0² − v·f1², v·(T0 + T1·v + T2·v²) = ξ·T2 + T0·v + T1·v²
    xi_t2 = _f2_mul_xi((t[4], t[5]))
    d = (s[0] - xi_t2[0], s[1] - xi_t2[1], s[2] - t[0], s[3] - t[1], s[4] - t[2], s[5] - t[3])
    di = _f6_inv([c % p for c in d])
    c0 = _f6_mul(f0, di)
    c1 = _f6_mul(f1, di)
    return (c0[0], c0[1], c0[2], c0[3], c0[4], c0[5], -c1[0] % p, -c1[1] % p, -c1[2] % p, -c1[3] % p, -c1[4] % p,
            -c1[5] % p)  # fmt: skip


# Frobenius. Write f = Σ_k F_k·w^k (k = 0 … 5, F_k ∈ Fp2; the tower slots g0, g1, g2, h0, h1, h2 are
# k = 0, 2, 4, 1, 3, 5). Then f^(p^n) = Σ_k F_k^(p^n)·γ_{n,k}·w^k with γ_{n,k} = ξ^(k(p^n − 1)/6) (as
# w^(p^n) = w·(w⁶)^((p^n − 1)/6)), and F^p is the conjugate c0 − c1·u since p ≡ 3 (mod 4).
_SLOT_POWERS: Final = (0, 2, 4, 1, 3, 5)
_XI: Final[_Fp2] = (_ONE, _ONE)


def _frobenius_constants(n: int) -> tuple[_Fp2, ...]:
    e = (int(_P) ** n - 1) // 6
    return tuple(_f2_pow(_XI, k * e) for k in _SLOT_POWERS)


_GAMMA1: Final = _frobenius_constants(1)
_GAMMA2: Final = _frobenius_constants(2)


def _f12_frobenius(f: Fp12, gammas: tuple[_Fp2, ...], conjugate: bool) -> Fp12:
    p = _P
    out: list[int] = []
    for j, (g0, g1) in enumerate(gammas):
        c0, c1 = f[2 * j], f[2 * j + 1]
        if conjugate:
            c1 = -c1
        out.append((c0 * g0 - c1 * g1) % p)
        out.append((c0 * g1 + c1 * g0) % p)
    return (out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8], out[9], out[10], out[11])


def _f12_frobenius1(f: Fp12) -> Fp12:
    """f^p."""
    return _f12_frobenius(f, _GAMMA1, True)


def _f12_frobenius2(f: Fp12) -> Fp12:
    """f^(p²)."""
    return _f12_frobenius(f, _GAMMA2, False)


# ---------------------------------------------------------------------------------------------------------------
# Final exponentiation


def _signed_digits(e: int, w: int) -> tuple[int, ...]:
    """The width-w NAF of e > 0, most significant digit first (zeros included); w = 1 gives the binary digits."""
    digits: list[int] = []
    while e:
        if w > 1 and e & 1:
            d = e & ((1 << w) - 1)
            if d >= 1 << (w - 1):
                d -= 1 << w
        else:
            d = e & 1
        digits.append(d)
        e = (e - d) >> 1
    return tuple(reversed(digits))


_DIGITS_X_ABS: Final = _signed_digits(_X_ABS, 1)  # 6 set bits: plain square-and-multiply
_DIGITS_X_PLUS_1_OVER_3: Final = _signed_digits((_X_ABS + 1) // 3, 4)  # 0x460055555555aaab: dense, width-4 NAF


def _cyc_pow(f: Fp12, digits: tuple[int, ...]) -> Fp12:
    """f^e for a cyclotomic f and e given by its signed odd digits (most significant first, the first non-zero).

    Negative digits use the conjugate, which is the inverse here.
    """
    top = max(abs(d) for d in digits)
    table = [f]
    if top > 1:
        f2 = _f12_cyc_sqr(f)
        for _ in range(top // 2):
            table.append(_f12_mul(table[-1], f2))  # f, f³, f⁵, …
    acc = table[digits[0] >> 1]
    for d in digits[1:]:
        acc = _f12_cyc_sqr(acc)
        if d > 0:
            acc = _f12_mul(acc, table[d >> 1])
        elif d < 0:
            acc = _f12_mul(acc, _f12_conj(table[-d >> 1]))
    return acc


def final_exponentiation(f: Fp12) -> Fp12:
    """f^((p¹² − 1)/r) for f ≠ 0, exactly (equal to py_ecc's ``final_exponentiate``)."""
    # Easy part: f^((p⁶ − 1)(p² + 1)); the result t is in the cyclotomic subgroup.
    t = _f12_mul(_f12_conj(f), _f12_inv(f))
    t = _f12_mul(_f12_frobenius2(t), t)
    # Hard part: t^((p⁴ − p² + 1)/r) with (p⁴ − p² + 1)/r = ((x − 1)²/3)(x + p)(x² + p² − 1) + 1 and
    # (x − 1)²/3 = (|x| + 1)·(|x| + 1)/3 (x < 0); t^x = conj(t^|x|).
    a = _f12_mul(_cyc_pow(t, _DIGITS_X_ABS), t)  # t^(|x| + 1)
    a = _cyc_pow(a, _DIGITS_X_PLUS_1_OVER_3)  # t^((x − 1)²/3)
    b = _f12_mul(_f12_conj(_cyc_pow(a, _DIGITS_X_ABS)), _f12_frobenius1(a))  # a^(x + p)
    c = _cyc_pow(_cyc_pow(b, _DIGITS_X_ABS), _DIGITS_X_ABS)  # b^(x²)
    c = _f12_mul(_f12_mul(c, _f12_frobenius2(b)), _f12_conj(b))  # b^(x² + p² − 1)
    return _f12_mul(c, t)


# ---------------------------------------------------------------------------------------------------------------
# Miller loop


@dataclass(frozen=True, slots=True)
class G2Prepared:
    """The Miller-loop lines of a point Q of G2, in the order the loop uses them (build with :func:`prepare_g2`).

    ``lines[i] = (A0, A1, B0, B1)`` for the line ``A·(1/y_P) + B·(x_P/y_P)·v + v·w`` with A = λ·x_T − y_T and
    B = −λ (λ the slope at step i on the twist). No lines: Q is the identity, and its pairings are 1.
    """

    lines: tuple[_Line, ...] = field(repr=False)

    @property
    def is_identity(self) -> bool:
        return not self.lines


def _line(lam: _Fp2, x: _Fp2, y: _Fp2) -> _Line:
    a = _f2_sub(_f2_mul(lam, x), y)
    return (a[0], a[1], -lam[0] % _P, -lam[1] % _P)


def prepare_g2(q: _G2In) -> G2Prepared:
    """Precompute the 68 lines of the Miller loop for Q ∈ G2 (about 70 Fp2 inversions; cache the result for a
    fixed Q such as a public key or the base point). Raises ``ValueError`` on a degenerate step (Q ∉ G2)."""
    p = _P
    zx, zy, zz = ([mpz(c) for c in coord.coeffs] for coord in q)
    if not zz[0] and not zz[1]:
        return G2Prepared(())
    zi = _f2_inv((zz[0], zz[1]))
    xq = _f2_mul((zx[0], zx[1]), zi)
    yq = _f2_mul((zy[0], zy[1]), zi)
    x, y = xq, yq
    lines: list[_Line] = []
    for bit in _LOOP_BITS:
        # Tangent at T: λ = 3x²/(2y); 2T = (λ² − 2x, λ(x − x3) − y).
        if not y[0] and not y[1]:
            raise ValueError("point of order 2 in the Miller loop: Q is not in G2")
        x2 = _f2_mul(x, x)
        lam = _f2_mul((3 * x2[0], 3 * x2[1]), _f2_inv((2 * y[0], 2 * y[1])))
        lines.append(_line(lam, x, y))
        l2 = _f2_mul(lam, lam)
        x3 = ((l2[0] - 2 * x[0]) % p, (l2[1] - 2 * x[1]) % p)
        y3 = _f2_sub(_f2_mul(lam, _f2_sub(x, x3)), y)
        x, y = x3, y3
        if bit:
            # Chord through T and Q: λ = (y − yq)/(x − xq); T + Q = (λ² − x − xq, λ(x − x3) − y).
            if x == xq:
                raise ValueError("T = ±Q in the Miller loop: Q is not in G2")
            lam = _f2_mul(_f2_sub(y, yq), _f2_inv(_f2_sub(x, xq)))
            lines.append(_line(lam, x, y))
            l2 = _f2_mul(lam, lam)
            x3 = ((l2[0] - x[0] - xq[0]) % p, (l2[1] - x[1] - xq[1]) % p)
            y3 = _f2_sub(_f2_mul(lam, _f2_sub(x, x3)), y)
            x, y = x3, y3
    return G2Prepared(tuple(lines))


def _g1_line_scalars(pt: _G1In) -> tuple[int, int] | None:
    """(x_P/y_P, 1/y_P) = (X/Y, Z/Y) for P = (X, Y, Z); None for the identity."""
    x, y, z = mpz(pt[0].n), mpz(pt[1].n), mpz(pt[2].n)
    if not z:
        return None
    if not y:
        raise ValueError("point of order 2: P is not in G1")
    yi = gmpy2.invert(y, _P)
    return (x * yi % _P, z * yi % _P)


def miller_loop(pairs: Sequence[tuple[_G1In, G2Prepared]]) -> Fp12:
    """Π f_{x,Q_i}(P_i) (one shared loop, conjugated for x < 0); pairs with an identity are left out."""
    p = _P
    terms: list[tuple[int, int, tuple[_Line, ...]]] = []
    for pt, prepared in pairs:
        scalars = _g1_line_scalars(pt)
        if scalars is not None and not prepared.is_identity:
            terms.append((scalars[0], scalars[1], prepared.lines))
    f = GT_ONE
    i = 0
    for step, bit in enumerate(_LOOP_BITS):
        if step:
            f = _f12_sqr(f)
        for xy, yi, lines in terms:
            a0, a1, b0, b1 = lines[i]
            f = _f12_mul_by_line(f, a0 * yi % p, a1 * yi % p, b0 * xy % p, b1 * xy % p)
        i += 1
        if bit:
            for xy, yi, lines in terms:
                a0, a1, b0, b1 = lines[i]
                f = _f12_mul_by_line(f, a0 * yi % p, a1 * yi % p, b0 * xy % p, b1 * xy % p)
            i += 1
    return _f12_conj(f)


def pairing_product_is_one(pairs: Sequence[tuple[_G1In, G2Prepared]]) -> bool:
    """Π e(P_i, Q_i) == 1 in GT, with one Miller loop and one final exponentiation."""
    return final_exponentiation(miller_loop(pairs)) == GT_ONE


def pairing(pt: _G1In, q: _G2In | G2Prepared) -> Fp12:
    """e(P, Q) ∈ GT (the inverse of py_ecc's ``pairing(Q, P)``; see the module docstring)."""
    prepared = q if isinstance(q, G2Prepared) else prepare_g2(q)
    return final_exponentiation(miller_loop([(pt, prepared)]))
