"""The limit: how much of an operation's time is modular arithmetic, and how much is everything else.

:func:`count_ops` runs an operation once while recording every modular exponentiation it performs — gmpy2
``powmod`` / ``powmod_sec`` calls by modulus and exponent length, and the multiplications of the fixed-base and
multi-base exponentiations of :mod:`crypto.fixed_base` by modulus length — without changing any result.
:func:`bare_seconds` then times a bare gmpy2 loop of exactly those operations (fresh random operands of the same
sizes), so ``Linli / bare`` says what the encoding, hashing, parsing and Python around the arithmetic cost. BBS curve
operations are not replayed (they are not modular exponentiations); rows whose work includes them say so.
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

from crypto import fixed_base, proofs

__all__ = ["OpCount", "bare_seconds", "count_ops"]


@dataclass
class OpCount:
    """Modular exponentiations by (modulus bits, exponent bits), and modular multiplications by modulus bits."""

    powmods: Counter[tuple[int, int]] = field(default_factory=Counter)
    mults: Counter[int] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        """Powmods grouped by modulus and exponent length rounded up to 64 bits, multiplications by modulus."""
        grouped: Counter[str] = Counter()
        for (mod_bits, exp_bits), count in self.powmods.items():
            grouped[f"mod {mod_bits}, exp <= {-(-exp_bits // 64) * 64}"] += count
        return {
            "powmod": dict(sorted(grouped.items())),
            "mulmod": {f"mod {bits}": count for bits, count in sorted(self.mults.items())},
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

    gmpy2.powmod, gmpy2.powmod_sec = powmod, powmod_sec  # type: ignore[assignment]
    fixed_base.FixedBase.pow = fb_pow  # type: ignore[method-assign]
    proofs.multi_pow = multi  # crypto.proofs imported it by name
    try:
        yield ops
    finally:
        gmpy2.powmod, gmpy2.powmod_sec = real_powmod, real_sec
        fixed_base.FixedBase.pow = real_pow  # type: ignore[method-assign]
        proofs.multi_pow = real_multi


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
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for job in work:
            job()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def measure(fn: Callable[[], object], per: int = 1) -> dict[str, Any]:
    """Count the arithmetic of one call of ``fn`` and time its bare loop; ``per`` divides both (batch → per
    ballot)."""
    with count_ops() as ops:
        fn()
    return {"bare_s": bare_seconds(ops) / per, "ops": ops.summary(), "per": per}
