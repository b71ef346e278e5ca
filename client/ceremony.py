"""The dealer's key ceremony on the administrator's machine, on every core (docs/protocol.md §P3).

crypto/ is pure (it starts no process); the two-process race for the safe primes lives here, at the caller. The
``spawn`` start method makes it safe to call from a thread of a gRPC server and from the CLI (no ``fork`` of a
multi-threaded process).
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from crypto.primes import random_safe_prime, random_safe_prime_pair

__all__ = ["safe_prime_pair"]


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


def safe_prime_pair(bits: int, *, workers: int = 2, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Two distinct random safe primes of exactly ``bits`` bits each (so ``p·q`` has ``2·bits`` bits).

    With ``workers >= 2`` two processes race (the first two primes found by either win; the expected time is that of
    one search), in a ``spawn`` process pool: safe to call from a thread of a gRPC server and from the CLI (a script
    that calls this at import time needs the usual ``if __name__ == "__main__"`` guard). ``progress`` receives the
    total number of candidates tested by all searches.
    """
    if workers <= 1:
        return random_safe_prime_pair(bits, progress=progress)
    found: list[int] = []

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
