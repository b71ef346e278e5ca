"""Ballot verification at intake: batched, and off the service's threads in a pool of worker processes
(docs/protocol.md §P5.2.6, §P6.6, §P11.5; decisions/0016).

Every stateless check of a ballot — its canonical parse, its eligibility signature or BBS proof, its validity
proofs — is :func:`verify_ballots`, over a batch: the validity proofs of the whole batch share one fixed-base
exponentiation and one multi-exponentiation (``voting.ballot.check_ballots``), the anonymous ballots' BBS pairing
equations one pairing check (``crypto.bbs.find_invalid_in_batch``). Each ballot keeps its own verdict: the batch
checks are exact per ballot (decisions/0005), and a failing batch falls back to per-item checks, so no ballot is
accepted or refused on another's account, and the verdict never depends on the batch (tests/server/test_pool.py).

Two verifiers run it for :class:`server.service.ElectionService`:

* :class:`PoolVerifier` (``linli serve --workers N``): a ``ProcessPoolExecutor`` of N spawned worker processes.
  A ballot travels as its bytes, a verdict as ``None`` or an error's class name and message; an election's
  verification material (its definition and key entries, :class:`Material`) travels once per worker, which
  rebuilds the :class:`~voting.election.ElectionContext` and its fixed-base tables and caches them. Ballots that
  arrive while every worker is busy wait and go together as the next chunk (natural batching: no timer at low
  load, large batches under load); while a chunk is in flight, a free worker takes the next one only once it holds
  ``min_batch`` ballots (8), so that two workers under load do not split the queue into chunks of one or two. A
  worker that dies (killed, out of memory) breaks the executor: it is rebuilt and the ballots it held are tried
  once more, then refused :class:`~server.errors.Unavailable`; the server goes on.
* :class:`InlineVerifier`: the same checks in the calling threads, concurrent callers batched by a
  :class:`Batcher` (the tests, the demo and the in-process grpcio server).
"""

from __future__ import annotations

import hashlib
import logging
import math
import multiprocessing
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from crypto import bbs, paillier
from crypto.bls12_381 import G1Point
from crypto.errors import CryptoError
from crypto.proofs import MembershipStatement
from server.errors import Unavailable
from voting import errors as voting_errors
from voting.ballot import EncryptedBallot, check_ballots, find_invalid_claims
from voting.election import ElectionContext, EligibilityMode
from voting.encoding import parse
from voting.errors import InvalidBallot, InvalidEncoding, NotEligible, VotingError
from voting.records import Entry
from voting.statements import ElectionCreated, KeyPublished

__all__ = [
    "BallotVerifier",
    "Batcher",
    "InlineVerifier",
    "Material",
    "PoolVerifier",
    "pairing_batcher",
    "validity_batcher",
    "verify_ballots",
]

log = logging.getLogger("linli.server.pool")

T = TypeVar("T")
R = TypeVar("R")


# -- the one verdict ---------------------------------------------------------------------------------------------
def verify_ballots(context: ElectionContext, ballots: Sequence[EncryptedBallot]) -> list[VotingError | None]:
    """Every stateless check of each ballot (§P6.6), as one batch; per ballot, its error or None."""
    checked = check_ballots(context, ballots)
    pending = [(i, pairing) for i, (error, pairing) in enumerate(checked) if error is None and pairing is not None]
    bad = set(
        bbs.find_invalid_in_batch(context.definition.credential_key, [(i, a, b) for i, (a, b) in pending])
        if pending
        else ()
    )
    return [
        NotEligible("eligibility proof does not verify: pairing check fails") if i in bad else error
        for i, (error, _) in enumerate(checked)
    ]


def parse_ballot(context: ElectionContext, data: bytes) -> EncryptedBallot:
    """§P6.6 step 1, as the service does it: bounded canonical JSON, the election's layout, canonical form."""
    ballot = EncryptedBallot.from_json(parse(data), context)
    if ballot.to_bytes(context) != data:
        raise InvalidEncoding("ballot is not in canonical form")
    return ballot


# -- what a worker needs to know about an election -------------------------------------------------------------
MATERIAL_DOMAIN = b"linli/verification-material/v1\x00"


@dataclass(frozen=True, slots=True)
class Material:
    """An election's verification material as logged: its ``election.created`` and ``key.published`` entries
    (canonical bytes). ``key`` names it in the workers' caches."""

    definition_entry: bytes = field(repr=False)
    key_entry: bytes = field(repr=False)
    key: bytes = b""

    @classmethod
    def of(cls, definition_entry: bytes, key_entry: bytes) -> Material:
        digest = hashlib.sha256(MATERIAL_DOMAIN)
        for part in (definition_entry, key_entry):
            digest.update(len(part).to_bytes(8, "big") + part)
        return cls(definition_entry, key_entry, digest.digest())

    def context(self) -> ElectionContext:
        """The context the election's state derived when it applied these entries (voting.state ``_key``); their
        checks (signatures, the modulus proof) ran there, before the material was ever sent."""
        definition = ElectionCreated.from_json(Entry.from_bytes(self.definition_entry).body).definition
        key = KeyPublished.from_json(Entry.from_bytes(self.key_entry).body, definition)
        return ElectionContext(
            definition,
            key.public_key,
            hashlib.sha256(self.definition_entry).digest(),
            hashlib.sha256(self.key_entry).digest(),
        )


# -- in each worker process --------------------------------------------------------------------------------------
_CONTEXTS: OrderedDict[bytes, ElectionContext] = OrderedDict()
_MAX_CONTEXTS = 8  # as crypto.paillier.key_base's table cache
Verdict = tuple[str, str] | None  # None: every check passed; else (error class name, message)


def _load(material: Material) -> ElectionContext:
    context = material.context()
    paillier.key_base(context.paillier_key.n)  # the fixed-base tables, once per key (ADR 0011)
    if context.definition.eligibility is EligibilityMode.ANONYMOUS:
        bbs.find_invalid_in_batch(context.definition.credential_key, [])  # decode and prepare the issuer key
    _CONTEXTS[material.key] = context
    while len(_CONTEXTS) > _MAX_CONTEXTS:
        _CONTEXTS.popitem(last=False)
    return context


def _warm(material: Material) -> int:
    """Load an election into this worker; a worker that has it already lingers a moment so that the next warm-up
    task lands on another worker."""
    if material.key in _CONTEXTS:
        time.sleep(0.2)
    else:
        _load(material)
    return len(_CONTEXTS)


def _verdict(error: VotingError | CryptoError | None) -> Verdict:
    if error is None:
        return None
    name = type(error).__name__ if isinstance(error, VotingError) else "InvalidBallot"
    return name, str(error)


def _verify_chunk(key: bytes, material: Material | None, ballots: list[bytes]) -> list[Verdict] | None:
    """A worker's task: the verdicts of ``ballots`` (bytes) of the election ``key`` names, or None when this worker
    does not hold that election and ``material`` was not sent (the caller sends it and asks again)."""
    context = _CONTEXTS.get(key)
    if context is None:
        if material is None:
            return None
        context = _load(material)
    _CONTEXTS.move_to_end(key)
    verdicts: list[Verdict] = [None] * len(ballots)
    parsed: list[tuple[int, EncryptedBallot]] = []
    for i, data in enumerate(ballots):
        try:
            parsed.append((i, parse_ballot(context, data)))
        except (VotingError, CryptoError) as e:
            verdicts[i] = _verdict(e)
    for (i, _), error in zip(parsed, verify_ballots(context, [b for _, b in parsed]), strict=True):
        verdicts[i] = _verdict(error)
    return verdicts


def _ready() -> int:
    return 0


def _worker_started() -> None:
    """A worker ignores Ctrl-C: the terminal sends SIGINT to the whole process group, and the server, not its
    workers, decides when to stop (it finishes the ballots it holds, then shuts the pool down)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_ERRORS: dict[str, type[VotingError]] = {
    name: cls
    for name in voting_errors.__all__
    if isinstance(cls := getattr(voting_errors, name), type) and issubclass(cls, VotingError)
}


def _raise(verdict: Verdict) -> None:
    if verdict is not None:
        name, message = verdict
        raise _ERRORS.get(name, InvalidBallot)(message)


# -- the verifiers -------------------------------------------------------------------------------------------------
class BallotVerifier(Protocol):
    """What the service asks of a verifier: raise the ballot's VotingError (or Unavailable), or return."""

    def verify(self, context: ElectionContext, material: Material, data: bytes, ballot: EncryptedBallot) -> None: ...

    def warm(self, material: Material) -> None: ...

    def close(self) -> None: ...


@dataclass
class _Ballot:
    material: Material
    data: bytes
    attempts: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    verdict: Verdict = None
    error: BaseException | None = None


class PoolVerifier:
    """:func:`verify_ballots` in ``workers`` spawned processes; see the module docstring. ``max_batch`` bounds a
    chunk; while a chunk is in flight, the next one waits for ``min_batch`` ballots or for the pool to drain (the
    tests vary both: the verdicts do not change)."""

    ATTEMPTS = 2  # a ballot is tried at most twice when workers die under it
    WATCH_SECONDS = 2.0  # how often a waiting caller checks that no worker died unreported (see _watch)
    _task = staticmethod(_verify_chunk)  # what a worker runs on a chunk (the tests replace it with a crash)

    def __init__(self, workers: int, *, max_batch: int = 64, min_batch: int = 8) -> None:
        if not isinstance(workers, int) or workers < 1:
            raise ValueError("a verification pool needs at least one worker process")
        if max_batch < 1 or not 1 <= min_batch <= max_batch:
            raise ValueError("max_batch must be positive and min_batch in 1..max_batch")
        self.workers = workers
        self.max_batch = max_batch
        self.min_batch = min_batch  # while a chunk is in flight, the next one waits for this many ballots
        self._lock = threading.RLock()  # a done callback may run in the submitting thread
        self._pending: OrderedDict[bytes, list[_Ballot]] = OrderedDict()
        self._retry: list[_Ballot] = []  # ballots a dead worker held: tried again one per chunk
        self._in_flight = 0
        self._flight: dict[Future[list[Verdict] | None], tuple[list[_Ballot], int, bool]] = {}
        self._closed = False
        self._generation = 0
        self._executor = self._new_executor()
        self.batches = 0  # chunks verified (for metrics and tests)
        self.ballots = 0
        self.rebuilt = 0  # times the executor was rebuilt after a worker died
        for _ in range(workers):  # start every worker now: a spawn costs about a second of imports
            self._executor.submit(_ready)

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_started
        )

    # -- the service's side
    def verify(self, context: ElectionContext, material: Material, data: bytes, ballot: EncryptedBallot) -> None:
        item = _Ballot(material, data)
        with self._lock:
            if self._closed:
                raise Unavailable("the server is shutting down")
            self._pending.setdefault(material.key, []).append(item)
            self._dispatch()
        while not item.done.wait(self.WATCH_SECONDS):
            self._watch()
        if item.error is not None:
            raise item.error
        _raise(item.verdict)

    def warm(self, material: Material) -> None:
        """Load an election into the workers ahead of its first ballots (best effort, not waited for)."""
        with self._lock:
            if not self._closed:
                for _ in range(self.workers):
                    self._executor.submit(_warm, material).add_done_callback(_ignore)

    def close(self) -> None:
        """Graceful: ballots already handed over are finished, later ones refused Unavailable; workers exit."""
        with self._lock:
            self._closed = True
            executor = self._executor
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with self._lock:
                if not self._in_flight and not self._pending and not self._retry:
                    break
            time.sleep(0.01)
        executor.shutdown(wait=True, cancel_futures=True)

    # -- dispatch (under the lock)
    def _dispatch(self) -> None:
        while self._retry and self._in_flight < self.workers:
            self._submit([self._retry.pop(0)], with_material=False)
        while self._pending and self._in_flight < self.workers:
            key, items = next(iter(self._pending.items()))
            if self._in_flight and len(items) < self.min_batch:
                # §P11.5: under load, a free worker waits for min_batch ballots (or for the pool to drain) rather
                # than take one or two: small chunks lose the batched proofs' saving and the cores are shared
                break
            free = self.workers - self._in_flight
            size = min(self.max_batch, max(self.min_batch, math.ceil(len(items) / free)))
            chunk, rest = items[:size], items[size:]
            if rest:
                self._pending[key] = rest
            else:
                del self._pending[key]
            self._submit(chunk, with_material=False)

    def _submit(self, chunk: list[_Ballot], *, with_material: bool) -> None:
        material = chunk[0].material
        generation = self._generation
        self._in_flight += 1
        try:
            future = self._executor.submit(
                self._task, material.key, material if with_material else None, [b.data for b in chunk]
            )
        except (BrokenProcessPool, RuntimeError) as e:  # broken, or shut down under us
            self._in_flight -= 1
            self._crashed(chunk, generation, e)
            return
        self._flight[future] = (chunk, generation, with_material)
        future.add_done_callback(lambda f: self._done(chunk, f, generation, with_material))

    def _watch(self) -> None:
        """A backstop for CPython's executor, which can miss a worker killed at the wrong moment (SIGKILL while it
        held the call queue's lock: the pool then never reports it, and its futures never complete). If a process
        of the current executor is dead, every chunk still in flight there is handled as a crash: the executor is
        rebuilt and the ballots are tried again (a late callback of the old executor is then ignored)."""
        with self._lock:
            processes = dict(getattr(self._executor, "_processes", None) or {})
            if not any(p.exitcode is not None for p in processes.values()):
                return
            generation = self._generation
            stale = [(f, chunk) for f, (chunk, g, _) in self._flight.items() if g == generation]
            if not stale:  # no ballot waits on this executor: rebuild it for the next ones
                self._crashed([], generation, BrokenProcessPool("a verification worker died"))
                return
            for future, chunk in stale:
                del self._flight[future]
                self._in_flight -= 1
                self._crashed(chunk, generation, BrokenProcessPool("a verification worker died unreported"))
            self._dispatch()

    def _done(self, chunk: list[_Ballot], future: Future[list[Verdict] | None], generation: int, sent: bool) -> None:
        with self._lock:
            if self._flight.pop(future, None) is None:
                return  # already handled as a crash by _watch
            self._in_flight -= 1
            try:
                verdicts = future.result()
            except BrokenProcessPool as e:
                self._crashed(chunk, generation, e)
            except BaseException as e:  # a bug in a worker: every ballot of the chunk gets it (INTERNAL)
                log.exception("verification worker failed")
                self._finish(chunk, error=e)
            else:
                if verdicts is None:  # that worker had not seen this election: send the material along
                    self._submit(chunk, with_material=True)
                else:
                    self.batches += 1
                    self.ballots += len(chunk)
                    for item, verdict in zip(chunk, verdicts, strict=True):
                        item.verdict = verdict
                    self._finish(chunk)
            self._dispatch()

    def _crashed(self, chunk: list[_Ballot], generation: int, error: BaseException) -> None:
        """A worker died: rebuild the executor (once per breakage) and try each ballot again, up to ATTEMPTS."""
        if self._closed:
            self._finish(chunk, error=Unavailable("the server is shutting down"))
            return
        if generation == self._generation:
            log.error("a verification worker died (%s): rebuilding the pool of %d", error, self.workers)
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            self._generation += 1
            self.rebuilt += 1
        again = []
        for item in chunk:
            item.attempts += 1
            if item.attempts >= self.ATTEMPTS:
                item.error = Unavailable("ballot verification failed twice (a worker process died): try again")
                item.done.set()
            else:
                again.append(item)
        self._retry.extend(again)  # one per chunk: a ballot that kills its worker takes no batch-mate down with it

    @staticmethod
    def _finish(chunk: list[_Ballot], error: BaseException | None = None) -> None:
        for item in chunk:
            item.error = error
            item.done.set()


def _ignore(future: Future[int]) -> None:
    future.exception()  # a failed warm-up is harmless: the first chunk loads the election


# -- in-process ---------------------------------------------------------------------------------------------------
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


class InlineVerifier:
    """:func:`verify_ballots` in the callers' threads; concurrent callers wait up to ``max_wait`` for each other
    and share a batch."""

    def __init__(self, max_wait: float = 0.02) -> None:
        self._contexts: dict[bytes, ElectionContext] = {}
        self._batcher: Batcher[tuple[bytes, EncryptedBallot], VotingError | None] = Batcher(
            lambda items: _group_by_key(items, lambda key, ballots: verify_ballots(self._contexts[key], ballots)),
            max_wait=max_wait,
        )

    @property
    def batches(self) -> int:
        return self._batcher.batches

    @property
    def max_wait(self) -> float:
        return self._batcher.max_wait

    @max_wait.setter
    def max_wait(self, value: float) -> None:
        self._batcher.max_wait = value

    def verify(self, context: ElectionContext, material: Material, data: bytes, ballot: EncryptedBallot) -> None:
        self._contexts[material.key] = context
        error = self._batcher.check((material.key, ballot))
        if error is not None:
            raise error

    def warm(self, material: Material) -> None:
        pass

    def close(self) -> None:
        pass


# -- the parts, batched on their own (tests of the batch functions) ----------------------------------------------
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
