"""Batched checks at ballot intake (docs/protocol.md §P5.2.6, §P6.6).

The costly parts of a ballot's check batch well: its validity proofs share one full-length exponentiation with other
ballots' (``voting.ballot.find_invalid_claims``), and an anonymous ballot's BBS pairing equation shares one pairing
check (``crypto.bbs.find_invalid_in_batch``). Concurrent requests hand those parts to a :class:`Batcher`: the first to
arrive waits a few milliseconds for others, then runs the batch, and every request gets its own verdict — the batch
functions fall back to per-item checks on failure, so no ballot is accepted or refused on another's account.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from crypto import bbs, paillier
from crypto.bls12_381 import G1Point
from crypto.proofs import MembershipStatement
from voting.ballot import find_invalid_claims

__all__ = ["Batcher", "pairing_batcher", "validity_batcher"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Item(Generic[T, R]):
    value: T
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None


class Batcher(Generic[T, R]):
    """Runs ``run(items) -> results`` (one result per item, in order) over the items of concurrent callers."""

    def __init__(self, run: Callable[[list[T]], Sequence[R]], *, max_wait: float = 0.02, max_batch: int = 256) -> None:
        self._run = run
        self.max_wait = max_wait
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Item[T, R]] = []
        self._leader = False
        self.batches = 0  # number of batches run (for tests and metrics)

    def check(self, value: T) -> R:
        item: _Item[T, R] = _Item(value)
        with self._lock:
            self._pending.append(item)
            lead = not self._leader
            if lead:
                self._leader = True
        if lead:
            self._lead()
        item.done.wait()
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[return-value]

    def _lead(self) -> None:
        deadline = time.monotonic() + self.max_wait
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._pending) >= self.max_batch:
                    break
            time.sleep(0.002)
        with self._lock:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            self._leader = False
            if self._pending:  # leftovers get a leader of their own right away
                self._leader = True
                threading.Thread(target=self._lead, daemon=True).start()
        try:
            results = self._run([it.value for it in batch])
            for it, result in zip(batch, results, strict=True):
                it.result = result
        except Exception as e:  # every waiting request must be released
            for it in batch:
                it.error = e
        finally:
            for it in batch:
                it.done.set()
            self.batches += 1


def _group_by_key(items: list[tuple[bytes, T]], run: Callable[[bytes, list[T]], Sequence[R]]) -> list[R]:
    out: list[R | None] = [None] * len(items)
    groups: dict[bytes, list[int]] = {}
    for i, (key, _) in enumerate(items):
        groups.setdefault(key, []).append(i)
    for key, positions in groups.items():
        for i, result in zip(positions, run(key, [items[i][1] for i in positions]), strict=True):
            out[i] = result
    return out  # type: ignore[return-value]


def _pairings(key: bytes, pairs: list[tuple[G1Point, G1Point]]) -> list[bool]:
    bad = set(bbs.find_invalid_in_batch(key, [(i, a, b) for i, (a, b) in enumerate(pairs)]))
    return [i not in bad for i in range(len(pairs))]


def pairing_batcher(max_wait: float = 0.02) -> Batcher[tuple[bytes, tuple[G1Point, G1Point]], bool]:
    """Items: (BBS public key, (Abar, Bbar)); result: whether the pairing equation holds."""
    return Batcher(lambda items: _group_by_key(items, _pairings), max_wait=max_wait)


def _claims(key: bytes, batch: list[Sequence[tuple[str, MembershipStatement]]]) -> list[str | None]:
    return find_invalid_claims(paillier.PublicKey(int.from_bytes(key, "big")), batch)


def validity_batcher(
    max_wait: float = 0.02,
) -> Batcher[tuple[bytes, Sequence[tuple[str, MembershipStatement]]], str | None]:
    """Items: (Paillier modulus as bytes, a ballot's validity claims); result: the first failing claim, or None."""
    return Batcher(lambda items: _group_by_key(items, _claims), max_wait=max_wait)
