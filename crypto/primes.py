"""Safe primes for Paillier / Shoup threshold keys (the dealer key generation of docs/protocol.md §P3).

A *safe prime* is ``p = 2p' + 1`` with ``p'`` prime (Shoup, EUROCRYPT 2000: QR_n is then cyclic of order p'q').

Search strategy (:func:`random_safe_prime`):

1. pick a random start ``q0`` (from :mod:`secrets`) for the Sophie Germain candidate ``q' = (p - 1) / 2`` so that
   ``p = 2q' + 1`` has exactly ``bits`` bits with the top two bits set (then ``p·q`` has exactly ``2·bits`` bits);
2. sieve a window of candidates ``q' = q0 + 2k`` (``0 <= k < window``) with numpy: for every odd prime ``s`` up to
   a bound (2^20 for 1024 bits and more, see :func:`_sieve_parameters`) strike out ``q' ≡ 0 (mod s)`` and
   ``2q' + 1 ≡ 0 (mod s)``; a deeper sieve leaves fewer survivors per safe prime (∝ (ln bound)^-2) and a large window
   amortises the per-prime cost of the sieve;
3. for every survivor run a base-2 Fermat test on ``q'`` then on ``2q' + 1`` (one modular exponentiation each,
   most survivors fail the first one);
4. confirm both with Miller–Rabin (``gmpy2.is_prime(x, _MR_ROUNDS)``).

:func:`random_safe_prime_pair` runs two searches in separate processes (``spawn`` start method, so it is safe to call
from a thread of a gRPC server: no ``fork`` of a multi-threaded process).

Nothing here is constant time; the search leaks timing about rejected candidates only.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import secrets
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import gmpy2
import numpy as np

__all__ = [
    "SMALL_PRIMES",
    "is_safe_prime",
    "random_safe_prime",
    "random_safe_prime_pair",
    "small_primes_below",
]

_SIEVE_LIMIT = 1 << 20  # the sieve strikes out candidates with a factor below 2^20 at most (82000 primes)
_MR_ROUNDS = 64  # Miller–Rabin rounds in the final confirmation (error < 4^-64 per number)
_PROGRESS_EVERY = 64  # survivors tested between progress callbacks
_MIN_BITS = 16


def small_primes_below(limit: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """All primes ``< limit`` (sieve of Eratosthenes), as an int64 array."""
    if limit < 3:
        return np.zeros(0, dtype=np.int64)
    is_p = np.ones(limit, dtype=np.bool_)
    is_p[:2] = False
    for i in range(2, int(limit**0.5) + 1):
        if is_p[i]:
            is_p[i * i :: i] = False
    return np.nonzero(is_p)[0].astype(np.int64)


SMALL_PRIMES: np.ndarray[Any, np.dtype[np.int64]] = small_primes_below(_SIEVE_LIMIT)
_ODD_SMALL_PRIMES: tuple[int, ...] = tuple(int(s) for s in SMALL_PRIMES[1:])
_INV2: tuple[int, ...] = tuple((s + 1) // 2 for s in _ODD_SMALL_PRIMES)  # 2^{-1} mod s


def is_safe_prime(p: int) -> bool:
    """True iff ``p`` and ``(p - 1) / 2`` are both (probable) primes."""
    if p < 5 or p % 2 == 0:
        return False
    return bool(gmpy2.is_prime(p, _MR_ROUNDS)) and bool(gmpy2.is_prime((p - 1) // 2, _MR_ROUNDS))


def _sieve_window(q0: int, window: int, prime_count: int) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Offsets ``k`` in ``[0, window)`` such that neither ``q0 + 2k`` nor ``2(q0 + 2k) + 1`` is divisible by one of
    the first ``prime_count`` odd primes (``q0`` odd, so every candidate is odd)."""
    alive = np.ones(window, dtype=np.bool_)
    for s, inv2 in zip(_ODD_SMALL_PRIMES[:prime_count], _INV2[:prime_count], strict=True):
        r = q0 % s
        # q0 + 2k ≡ 0 (mod s)  <=>  k ≡ -q0 / 2
        k1 = (-r * inv2) % s
        # 2(q0 + 2k) + 1 ≡ 0 (mod s)  <=>  q0 + 2k ≡ (s - 1) / 2  <=>  k ≡ ((s - 1) / 2 - q0) / 2
        k2 = (((s - 1) // 2 - r) * inv2) % s
        alive[k1::s] = False
        alive[k2::s] = False
    return np.nonzero(alive)[0]


def _sieve_parameters(bits: int) -> tuple[int, int]:
    """(prime bound, window) for a search: deeper sieves pay off when the Fermat tests get expensive. The bound stays
    below 2^{bits-3} <= q' (a small safe prime is never struck out by itself) and the window within 2^{bits-5}."""
    if bits >= 1024:
        bound, window = 1 << 20, 1 << 19
    elif bits >= 512:
        bound, window = 1 << 18, 1 << 17
    else:
        bound, window = 1 << 14, 1 << 14
    return min(bound, 1 << (bits - 3)), min(window, 1 << (bits - 5))


def _random_start(bits: int) -> int:
    """A random odd ``q0`` with ``2·q0 + 1`` of exactly ``bits`` bits and its top two bits set."""
    # p in [2^{bits-1} + 2^{bits-2}, 2^bits)  <=>  q' in [2^{bits-2} + 2^{bits-3}, 2^{bits-1})
    top = (1 << (bits - 2)) | (1 << (bits - 3))
    return top | secrets.randbits(bits - 3) | 1


def random_safe_prime(bits: int, *, progress: Callable[[int], None] | None = None) -> int:
    """A random safe prime ``p = 2p' + 1`` of exactly ``bits`` bits, top two bits set.

    Incremental search from a uniform random start (so, as with any such search, primes after long gaps are
    slightly favoured; this does not matter for factoring resistance).

    ``progress`` (optional) is called with the number of sieve survivors tested so far (every
    ``_PROGRESS_EVERY`` candidates and once at the end); it must be cheap.
    """
    if bits < _MIN_BITS:
        raise ValueError(f"safe primes need at least {_MIN_BITS} bits, got {bits}")
    bound, window = _sieve_parameters(bits)
    p_min = (1 << (bits - 1)) | (1 << (bits - 2))
    prime_count = int(np.searchsorted(SMALL_PRIMES[1:], bound))
    limit = (1 << (bits - 1)) - 2 * window  # the window must not run past 2^{bits-1}
    tested = 0
    two = gmpy2.mpz(2)
    while True:
        q0 = _random_start(bits)
        if q0 >= limit:
            continue
        base = gmpy2.mpz(q0)
        for k in _sieve_window(q0, window, prime_count):
            qp = base + 2 * int(k)
            p = 2 * qp + 1
            tested += 1
            if progress is not None and tested % _PROGRESS_EVERY == 0:
                progress(tested)
            # Fermat base 2 on q' first (cheaper modulus), then on p.
            if gmpy2.powmod(two, qp - 1, qp) != 1:
                continue
            if gmpy2.powmod(two, p - 1, p) != 1:
                continue
            if not (gmpy2.is_prime(qp, _MR_ROUNDS) and gmpy2.is_prime(p, _MR_ROUNDS)):
                continue
            result = int(p)
            if result.bit_length() != bits or result < p_min:  # pragma: no cover - excluded by construction
                continue
            if progress is not None:
                progress(tested)
            return result


# --- two cores -------------------------------------------------------------------------------------------------


class _Counter:
    """Forwards progress counts and remembers the last one."""

    __slots__ = ("_sink", "last")

    def __init__(self, sink: Callable[[int], None]) -> None:
        self.last = 0
        self._sink = sink

    def __call__(self, count: int) -> None:
        self.last = count
        self._sink(count)


class _Stopped(Exception):
    """Raised inside a worker's progress callback when the parent has enough primes."""


_worker_queue: Any = None  # set in each worker process by _init_worker (never used in the parent)
_worker_stop: Any = None


def _init_worker(result_queue: Any, stop: Any) -> None:
    global _worker_queue, _worker_stop
    _worker_queue = result_queue
    _worker_stop = stop


def _worker_race(bits: int, slot: int) -> None:
    """Find safe primes and post them to the parent until it signals stop (posts ``("count"|"prime", slot, x)``)."""
    result_queue, stop = _worker_queue, _worker_stop
    done = 0

    def report(count: int) -> None:
        if stop.is_set():
            raise _Stopped
        result_queue.put(("count", slot, done + count))

    while not stop.is_set():
        tracker = _Counter(report)
        try:
            prime = random_safe_prime(bits, progress=tracker)
        except _Stopped:
            return
        done += tracker.last
        result_queue.put(("prime", slot, prime))


def random_safe_prime_pair(
    bits: int, *, workers: int = 2, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Two distinct random safe primes of exactly ``bits`` bits each (so ``p·q`` has ``2·bits`` bits).

    With ``workers >= 2`` two processes race (the first two primes found by either win; the expected time is that of
    one search), in a ``spawn`` process pool: safe to call from a thread of a gRPC server and from the CLI (a script
    that calls this at import time needs the usual ``if __name__ == "__main__"`` guard). ``progress`` receives the
    total number of candidates tested by all searches.
    """
    if bits < _MIN_BITS:
        raise ValueError(f"safe primes need at least {_MIN_BITS} bits, got {bits}")
    found: list[int] = []
    if workers <= 1:
        finished = 0  # candidates tested by the searches that already returned

        def report(count: int) -> None:
            if progress is not None:
                progress(finished + count)

        while len(found) < 2:
            tracker = _Counter(report)
            prime = random_safe_prime(bits, progress=tracker)
            finished += tracker.last
            if prime not in found:
                found.append(prime)
        return found[0], found[1]

    ctx = multiprocessing.get_context("spawn")
    result_queue = ctx.Queue()
    stop = ctx.Event()
    counts = [0, 0]
    with ProcessPoolExecutor(
        max_workers=2, mp_context=ctx, initializer=_init_worker, initargs=(result_queue, stop)
    ) as pool:
        futures = [pool.submit(_worker_race, bits, slot) for slot in (0, 1)]
        try:
            while len(found) < 2:
                try:
                    kind, slot, value = result_queue.get(timeout=0.5)
                except queue_module.Empty:
                    for f in futures:
                        if f.done():  # a worker only returns early on an error
                            raise RuntimeError("safe-prime search failed in a worker process") from f.exception()
                    continue
                if kind == "count":
                    counts[slot] = value
                    if progress is not None:
                        progress(sum(counts))
                elif value not in found:
                    found.append(value)
        finally:
            stop.set()
    while True:  # drain what the workers posted before they stopped
        try:
            result_queue.get_nowait()
        except queue_module.Empty:
            break
    result_queue.close()
    return found[0], found[1]
