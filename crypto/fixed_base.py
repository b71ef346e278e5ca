"""Fixed-base and multi-base modular exponentiation (docs/decisions/0011, docs/protocol.md §P3.3).

Ballot format v2 raises the same few bases to many exponents: the key's ``H`` (modulo n² and modulo n) in every
encryption, commitment and verification, and ``v`` in every decryption share. For those, :class:`FixedBase` keeps a
table of ``g^{d·2^{w·i}}`` for every window ``i`` and digit ``d ∈ [1, 2^w)`` (the "fixed-window" method, Handbook of
Applied Cryptography Alg. 14.109 with the digits' powers stored), so ``g^e`` costs one multiplication per non-zero
w-bit digit of ``e`` and no squaring: ``⌈|e| / w⌉`` multiplications instead of about ``1.2·|e|`` for a square-and-
multiply. The table holds ``⌈bits / w⌉·(2^w − 1)`` residues; ``w`` is the trade-off between memory and speed
(measured in benchmarks/linli_bench.py ``fixed_base``, stated in ADR 0011).

:func:`multi_pow` computes ``∏ g_i^{e_i}`` for many different bases with shared squarings (Straus / the
"simultaneous" method, HAC Alg. 14.88 with a window per base): the batched class check of crypto/proofs.py uses it.

Pure functions over explicit integers; nothing here depends on a secret exponent being hidden (Python integers are
variable time): secret exponents (the prover's r and ρ) are short-lived and the timing model is the project's
(docs/decisions/0002).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import gmpy2

__all__ = ["DEFAULT_WINDOW", "FixedBase", "multi_pow", "multi_pow_plan"]

DEFAULT_WINDOW = 6  # bits per window: ADR 0011 gives the measured trade-off


@dataclass(frozen=True, slots=True, eq=False)
class FixedBase:
    """``base^e mod modulus`` with a precomputed window table for exponents up to ``max_bits`` bits.

    Exponents longer than ``max_bits`` fall back to ``gmpy2.powmod`` (same result, no table): correctness never
    depends on the table's size.
    """

    base: int
    modulus: int
    max_bits: int
    window: int = DEFAULT_WINDOW
    _rows: tuple[tuple[gmpy2.mpz, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.modulus < 2:
            raise ValueError("modulus must be at least 2")
        if not 1 <= self.window <= 16:
            raise ValueError("window must be between 1 and 16 bits")
        if self.max_bits < 1:
            raise ValueError("max_bits must be positive")
        mod = gmpy2.mpz(self.modulus)
        g = gmpy2.mpz(self.base) % mod
        rows = []
        for _ in range((self.max_bits + self.window - 1) // self.window):
            row = [g]  # row i holds g_i^d for d = 1 .. 2^w - 1, with g_i = g^{2^{w·i}}
            for _ in range((1 << self.window) - 2):
                row.append(row[-1] * g % mod)
            rows.append(tuple(row))
            g = row[-1] * g % mod  # g_{i+1} = g_i^{2^w}
        object.__setattr__(self, "_rows", tuple(rows))

    @property
    def entries(self) -> int:
        """Number of residues stored (the table's size is ``entries`` times the modulus' byte length)."""
        return len(self._rows) * ((1 << self.window) - 1)

    def pow(self, exponent: int) -> int:
        """``base^exponent mod modulus`` for ``exponent >= 0``."""
        if exponent < 0:
            raise ValueError("exponent must be non-negative")
        if exponent.bit_length() > self.max_bits:
            return int(gmpy2.powmod(self.base, exponent, self.modulus))
        mod = gmpy2.mpz(self.modulus)
        w, mask = self.window, (1 << self.window) - 1
        acc = gmpy2.mpz(1)
        e = gmpy2.mpz(exponent)
        i = 0
        while e:
            d = int(e & mask)
            if d:
                acc = acc * self._rows[i][d - 1] % mod
            e >>= w
            i += 1
        return int(acc % mod)


def multi_pow(bases: Sequence[int], exponents: Sequence[int], modulus: int, window: int = 4) -> int:
    """``∏ bases[i]^{exponents[i]} mod modulus`` (non-negative exponents) with one shared chain of squarings.

    Few bases: each gets a table of its first ``2^window − 1`` powers and the exponents are scanned together, most
    significant window first (Straus; HAC Alg. 14.88, windowed). Many bases: the bucket method (Pippenger; as in
    Bernstein et al., "Faster batch forgery identification", INDOCRYPT 2012, §4), whose window is chosen to
    minimise the number of multiplications; its cost per base falls as the batch grows.
    """
    if modulus < 2:
        raise ValueError("modulus must be at least 2")
    if not 1 <= window <= 16:
        raise ValueError("window must be between 1 and 16 bits")
    if len(bases) != len(exponents):
        raise ValueError("bases and exponents differ in length")
    if any(e < 0 for e in exponents):
        raise ValueError("exponents must be non-negative")
    mod = gmpy2.mpz(modulus)
    pairs = [(gmpy2.mpz(b) % mod, gmpy2.mpz(e)) for b, e in zip(bases, exponents, strict=True) if e]
    if not pairs:
        return 1 % modulus
    top = max(e.bit_length() for _, e in pairs)
    method, chosen, _ = multi_pow_plan([int(e) for _, e in pairs], window)
    if method == "buckets":
        return _buckets(pairs, mod, chosen, top)
    return _straus(pairs, mod, chosen, top)


def multi_pow_plan(exponents: Sequence[int], window: int = 4) -> tuple[str, int, int]:
    """How :func:`multi_pow` computes a product with these (non-zero) exponents: ``("straus" | "buckets", window,
    estimated multiplications)`` — the cheaper of the two by the count of modular multiplications."""
    lengths = [e.bit_length() for e in exponents]
    top = max(lengths)
    straus = top + sum(min((1 << window) - 1, e) + bits // window for e, bits in zip(exponents, lengths, strict=True))
    bucket_window, buckets = _bucket_plan(lengths)
    return ("buckets", bucket_window, buckets) if buckets < straus else ("straus", window, straus)


def _bucket_plan(lengths: Sequence[int]) -> tuple[int, int]:
    """The bucket window c with the fewest multiplications, and that count: per window position, one per base
    whose exponent reaches it plus ``2^{c+1}`` to combine the buckets; plus the squarings."""
    top = max(lengths)
    best = (0, 1 << 62)
    for c in range(2, 13):
        positions = (top + c - 1) // c
        cost = top + sum(sum(1 for bits in lengths if bits > pos * c) + (2 << c) for pos in range(positions))
        if cost < best[1]:
            best = (c, cost)
    return best


def _buckets(pairs: Sequence[tuple[gmpy2.mpz, gmpy2.mpz]], mod: gmpy2.mpz, c: int, top: int) -> int:
    mask = (1 << c) - 1
    acc = gmpy2.mpz(1)
    for pos in range((top + c - 1) // c - 1, -1, -1):
        for _ in range(c):
            acc = acc * acc % mod
        shift = pos * c
        buckets: dict[int, gmpy2.mpz] = {}
        for b, e in pairs:
            d = int((e >> shift) & mask)
            if d:
                held = buckets.get(d)
                buckets[d] = b if held is None else held * b % mod
        # ∏_d bucket_d^d = ∏_{d} (∏_{d' >= d} bucket_d'): a running product, highest digit first
        running = gmpy2.mpz(1)
        window_product = gmpy2.mpz(1)
        for d in range(max(buckets, default=0), 0, -1):
            held = buckets.get(d)
            if held is not None:
                running = running * held % mod
            window_product = window_product * running % mod
        acc = acc * window_product % mod
    return int(acc)


def _straus(pairs: Sequence[tuple[gmpy2.mpz, gmpy2.mpz]], mod: gmpy2.mpz, window: int, top: int) -> int:
    digits = (top + window - 1) // window
    mask = (1 << window) - 1
    tables = []
    for b, e in pairs:
        # powers b^1 .. b^(2^w - 1), only as many as this exponent's digits can reach
        row = [b]
        for _ in range(min(mask, int(e)) - 1):
            row.append(row[-1] * b % mod)
        tables.append(row)
    acc = gmpy2.mpz(1)
    for pos in range(digits - 1, -1, -1):
        if pos != digits - 1:
            for _ in range(window):
                acc = acc * acc % mod
        shift = pos * window
        for (_, e), row in zip(pairs, tables, strict=True):
            d = int((e >> shift) & mask)
            if d:
                acc = acc * row[d - 1] % mod
    return int(acc)
