"""The limit: how much of an operation's time is modular arithmetic, and how much is everything else.

:func:`count_ops` runs an operation once while recording every modular exponentiation it performs — gmpy2
``powmod`` / ``powmod_sec`` calls by modulus and exponent length, and the multiplications of the fixed-base and
multi-base exponentiations of :mod:`crypto.fixed_base` by modulus length — without changing any result.
:func:`bare_seconds` then times a bare gmpy2 loop of exactly those operations (fresh random operands of the same
sizes), so ``Linli / bare`` says what the encoding, hashing, parsing and Python around the arithmetic cost. The BBS
curve operations of anonymous ballots are counted the same way — G1 scalar multiplications, multi-scalar
multiplications by size, point decodings (with their subgroup check) and pairing checks by number of pairs — and
replayed with the same primitives (``crypto.bls12_381``: the gmpy2 G1 and pairing code) on fresh random points.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2

from crypto import bbs, bbs_pseudonym, bls12_381, fixed_base, proofs

__all__ = ["OpCount", "bare_seconds", "count_ops"]


@dataclass
class OpCount:
    """Modular exponentiations by (modulus bits, exponent bits), and modular multiplications by modulus bits."""

    powmods: Counter[tuple[int, int]] = field(default_factory=Counter)
    mults: Counter[int] = field(default_factory=Counter)
    curve: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, size) -> calls

    def summary(self) -> dict[str, Any]:
        """Powmods grouped by modulus and exponent length rounded up to 64 bits, multiplications by modulus."""
        grouped: Counter[str] = Counter()
        for (mod_bits, exp_bits), count in self.powmods.items():
            grouped[f"mod {mod_bits}, exp <= {-(-exp_bits // 64) * 64}"] += count
        return {
            "powmod": dict(sorted(grouped.items())),
            "mulmod": {f"mod {bits}": count for bits, count in sorted(self.mults.items())},
            "curve": {f"{op} {size}" if size else op: count for (op, size), count in sorted(self.curve.items())},
        }


def _digits(exponent: int, window: int) -> int:
    mask, count = (1 << window) - 1, 0
    while exponent:
        count += bool(exponent & mask)
        exponent >>= window
    return count


@contextlib.contextmanager
def count_ops() -> Iterator[OpCount]:
    """Record the arithmetic of everything run inside (single-threaded; results unchanged)."""
    ops = OpCount()
    real_powmod, real_sec = gmpy2.powmod, gmpy2.powmod_sec
    real_pow, real_multi = fixed_base.FixedBase.pow, fixed_base.multi_pow

    def powmod(base: Any, exponent: Any, modulus: Any) -> Any:
        ops.powmods[(int(modulus).bit_length(), abs(int(exponent)).bit_length())] += 1
        return real_powmod(base, exponent, modulus)

    def powmod_sec(base: Any, exponent: Any, modulus: Any) -> Any:
        ops.powmods[(int(modulus).bit_length(), int(exponent).bit_length())] += 1
        return real_sec(base, exponent, modulus)

    def fb_pow(self: fixed_base.FixedBase, exponent: int) -> int:
        if exponent.bit_length() <= self.max_bits:  # otherwise the fallback powmod is counted
            ops.mults[self.modulus.bit_length()] += _digits(exponent, self.window)
        return real_pow(self, exponent)

    def multi(bases: Sequence[int], exponents: Sequence[int], modulus: int, window: int = 4) -> int:
        live = [int(e) for e in exponents if e]
        if live:  # the method multi_pow will take, and its count of multiplications
            ops.mults[modulus.bit_length()] += fixed_base.multi_pow_plan(live, window)[2]
        return real_multi(bases, exponents, modulus, window)

    # the BBS modules imported the curve primitives by name: count them where they are called
    curve_names = {"g1_mul": "G1 mul", "g1_msm": "G1 MSM", "g1_from_bytes": "G1 decode", "pairing_check": "pairing"}
    saved: list[tuple[Any, str, Any]] = []
    for module in (bbs, bbs_pseudonym):
        for name, label in curve_names.items():
            real = getattr(module, name, None)
            if real is None:
                continue

            def counted(*args: Any, _real: Any = real, _label: str = label, _name: str = name) -> Any:
                size = len(args[0]) if _name in ("g1_msm", "pairing_check") else 0
                ops.curve[(_label, size)] += 1
                return _real(*args)

            saved.append((module, name, real))
            setattr(module, name, counted)
    gmpy2.powmod, gmpy2.powmod_sec = powmod, powmod_sec  # type: ignore[assignment]
    fixed_base.FixedBase.pow = fb_pow  # type: ignore[method-assign]
    proofs.multi_pow = multi  # crypto.proofs imported it by name
    try:
        yield ops
    finally:
        gmpy2.powmod, gmpy2.powmod_sec = real_powmod, real_sec
        fixed_base.FixedBase.pow = real_pow  # type: ignore[method-assign]
        proofs.multi_pow = real_multi
        for module, name, real in saved:
            setattr(module, name, real)


def _modulus(bits: int) -> gmpy2.mpz:
    return gmpy2.mpz(secrets.randbits(bits) | (1 << (bits - 1)) | 1)


def bare_seconds(ops: OpCount, repeat: int = 3) -> float:
    """The median time of a bare gmpy2 loop doing exactly ``ops``: each powmod with a random base and exponent of
    its recorded sizes, each multiplication as ``acc * x % m``."""
    moduli = {bits: _modulus(bits) for bits in {m for m, _ in ops.powmods} | set(ops.mults)}
    work: list[Callable[[], object]] = []
    for (mod_bits, exp_bits), count in ops.powmods.items():
        m = moduli[mod_bits]
        base, exponent = gmpy2.mpz(secrets.randbelow(m)), gmpy2.mpz(secrets.randbits(max(exp_bits, 1)))
        work.extend([lambda b=base, e=exponent, m=m: gmpy2.powmod(b, e, m)] * count)

    def loop(m: gmpy2.mpz, count: int) -> None:
        acc, x = gmpy2.mpz(secrets.randbelow(m)), gmpy2.mpz(secrets.randbelow(m))
        for _ in range(count):
            acc = acc * x % m

    for bits, count in ops.mults.items():
        work.append(lambda m=moduli[bits], c=count: loop(m, c))
    work.extend(_curve_work(ops.curve))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for job in work:
            job()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def _curve_work(curve: Counter[tuple[str, int]]) -> list[Callable[[], object]]:
    """The same curve operations on fresh random points (G2 points of pairings prepared, as BBS prepares W)."""
    if not curve:
        return []
    r = bls12_381.CURVE_ORDER

    def point() -> bls12_381.G1Point:
        return bls12_381.g1_mul(bls12_381.G1_GENERATOR, secrets.randbelow(r - 1) + 1)

    q = bls12_381.g2_prepare(bls12_381.g2_mul(bls12_381.G2_GENERATOR, secrets.randbelow(r - 1) + 1))
    work: list[Callable[[], object]] = []
    for (op, size), count in curve.items():
        if op == "G1 mul":
            p, k = point(), secrets.randbelow(r)
            work.extend([lambda p=p, k=k: bls12_381.g1_mul(p, k)] * count)
        elif op == "G1 MSM":
            ps, ks = [point() for _ in range(size)], [secrets.randbelow(r) for _ in range(size)]
            work.extend([lambda ps=ps, ks=ks: bls12_381.g1_msm(ps, ks)] * count)
        elif op == "G1 decode":
            data = bls12_381.g1_to_bytes(point())
            work.extend([lambda d=data: bls12_381.g1_from_bytes(d)] * count)
        elif op == "pairing":
            pairs = [(point(), q) for _ in range(size)]
            work.extend([lambda pairs=pairs: bls12_381.pairing_check(pairs)] * count)
    return work


def measure(fn: Callable[[], object], per: int = 1) -> dict[str, Any]:
    """Count the arithmetic of one call of ``fn`` and time its bare loop; ``per`` divides both (batch → per
    ballot)."""
    with count_ops() as ops:
        fn()
    return {"bare_s": bare_seconds(ops) / per, "ops": ops.summary(), "per": per}
