"""Batched pairing checks at ballot intake (docs/protocol.md §P5.2.6).

An anonymous ballot's BBS proof ends with one pairing equation ``e(Abar, W)·e(Bbar, −BP2) = 1``, the costly part
of its check. Concurrent requests hand their (Abar, Bbar) to a :class:`PairingBatcher`; the first to arrive
waits a few milliseconds for others, then checks the whole batch with one random linear combination (one
multi-Miller loop and one final exponentiation), and bisection singles out any bad proof. Each request gets its
own verdict; no ballot is accepted on another's account.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from crypto import bbs
from crypto.bls12_381 import G1Point

__all__ = ["PairingBatcher"]


@dataclass
class _Item:
    key: bytes
    abar: G1Point
    bbar: G1Point
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False
    error: BaseException | None = None


class PairingBatcher:
    def __init__(self, *, max_wait: float = 0.02, max_batch: int = 256) -> None:
        self.max_wait = max_wait
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Item] = []
        self._leader = False
        self.batches = 0  # number of batch checks run (for tests and metrics)

    def check(self, key: bytes, abar: G1Point, bbar: G1Point) -> bool:
        """True if this proof's pairing equation holds (checked together with concurrent ones)."""
        item = _Item(key, abar, bbar)
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
        return item.ok

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
        by_key: dict[bytes, list[_Item]] = {}
        for item in batch:
            by_key.setdefault(item.key, []).append(item)
        for key, items in by_key.items():
            try:
                bad = set(bbs.find_invalid_in_batch(key, [(i, it.abar, it.bbar) for i, it in enumerate(items)]))
                for i, it in enumerate(items):
                    it.ok = i not in bad
            except Exception as e:
                for it in items:
                    it.error = e
            finally:
                for it in items:
                    it.done.set()
        self.batches += 1
