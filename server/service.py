"""The service, independent of any transport (docs/protocol.md §P2, §P6, §P10, §P11, §P13).

Two layers, one file:

* :class:`ElectionService`, the server's logic. Every request becomes at most one appended entry: the entry is
  parsed and *staged* against the election's state (voting.state: every check, no change), appended to the
  ledger, and only once the append is committed is the staged change applied to the in-memory state (§P2.2). A
  failed append leaves the state as it was: no ghost election, no ballot counted that the log does not hold. The
  phone credential relay (§P13) is kept beside the log, never in it.
* :class:`LinliRpc`, the RPCs of wire/linli.proto over it, on the protobuf messages both transports share
  (``server.grpc_service`` for grpcio, ``server.connect_app`` for Connect, gRPC-Web and gRPC on one port). §P11.1:
  every untrusted value is bounded here before it reaches the logic or SQL — a request that is not a valid message
  of its type is INVALID_ARGUMENT (:func:`decode`), election ids must have the election id format, indexes and
  sizes must fit int64 (INVALID_ARGUMENT) and the election's log (OUT_OF_RANGE); the canonical-JSON payloads are
  bounded by ``voting.encoding.parse``. Every error becomes a canonical status code name through the one table
  :data:`STATUS_TABLE`, and every request one log line.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, cast

from google.protobuf.message import DecodeError, Message

from crypto import merkle
from crypto.errors import CryptoError
from crypto.note import Checkpoint, split_signed_note
from server.batching import BallotVerifier, InlineVerifier, Material
from server.board import BoardStatus, BoardStore
from server.errors import (
    BadRequest,
    Exhausted,
    Interrupted,
    LedgerInconsistency,
    OutOfRange,
    ReplicaMismatch,
    StaleAppend,
    StorageError,
    Unavailable,
    WriterLocked,
)
from server.ledger import Appended, GroupPlan, Ledger, Plan, StoredTree
from server.relay import RelayStore
from server.witnesses import CosignatureStore
from voting.ballot import EncryptedBallot, max_ballot_bytes
from voting.board import ROUND_NAME, BoardMessage
from voting.ceremony import RecordedMessage, verify_transcript
from voting.election import EligibilityMode
from voting.encoding import parse
from voting.errors import (
    Conflict,
    DuplicateBallot,
    InvalidBallot,
    InvalidElection,
    InvalidEncoding,
    InvalidShare,
    InvalidStatement,
    NotEligible,
    NotFound,
    Precondition,
    RecordError,
    VotingError,
    WrongPhase,
)
from voting.records import Entry, EntryKind
from voting.relay import RelayIssuance, RelayRequest, parse_code
from voting.state import ElectionState, Phase
from voting.statements import KeyPublished
from wire import linli_pb2 as pb

__all__ = [
    "ELECTION_ID",
    "METHODS",
    "STATUS_TABLE",
    "ElectionService",
    "LinliRpc",
    "Refused",
    "ServiceConfig",
    "Undecodable",
    "decode",
    "election_id",
    "status_for",
]

MAX_ENTRY_BYTES = 4 << 20
APPEND_ATTEMPTS = 6  # §P16.2: a lost connection or a foreign writer is retried this often, transparently
MAX_GROUP = 64  # §P11.5.4: at most this many ballots in one group commit

# A correction travels on the RPC of the statement it corrects (docs/protocol.md §P2.4, §P5.3; wire/linli.proto).
CORRECTIONS = {
    EntryKind.ROLL_PUBLISHED: EntryKind.ROLL_CORRECTED,
    EntryKind.CREDENTIAL_ISSUED: EntryKind.CREDENTIAL_REVOKED,
}


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Server policy. ``admin_keys`` lists who may create elections (empty: anyone with a key may)."""

    min_modulus_bits: int = 3072
    admin_keys: frozenset[bytes] = frozenset()
    clock: Callable[[], float] = time.time


_Outcome = Appended | tuple[Entry, Callable[[], None]] | None


@dataclass(slots=True)
class _GroupAttempt:
    """What one attempt of a group commit decided: answers without an append (a retried ballot's receipt, a
    refusal) by group position, the positions appended in log order, identical ballots, whether the state moved."""

    answers: dict[int, Appended | BaseException] = field(default_factory=dict)
    appended: list[int] = field(default_factory=list)
    same: dict[int, int] = field(default_factory=dict)
    advanced: bool = False


class _Pending:
    """§P11.5.4: a verified ballot waiting for its group commit, and what became of it (set by whichever caller's
    thread wrote the group, before it released the election's lock)."""

    __slots__ = ("appended", "ballot", "data", "done", "entry", "error", "leaf")

    def __init__(self, entry: Entry, ballot: EncryptedBallot) -> None:
        self.entry = entry
        self.ballot = ballot
        self.data = entry.to_bytes()  # canonical bytes and leaf hash, computed before the lock
        self.leaf = merkle.leaf_hash(self.data)
        self.done = False
        self.appended: Appended | None = None
        self.error: BaseException | None = None

    def settle(self, appended: Appended | None = None, error: BaseException | None = None) -> None:
        self.appended, self.error, self.done = appended, error, True

    def result(self) -> Appended:
        if self.error is not None:
            raise self.error
        assert self.appended is not None
        return self.appended


class ElectionService:
    """``verifier`` runs every ballot's stateless checks (§P11.5): :class:`server.batching.PoolVerifier` in
    ``linli serve``, :class:`server.batching.InlineVerifier` (the callers' threads) by default. The service owns it
    and closes it with the ledger."""

    def __init__(
        self, ledger: Ledger, config: ServiceConfig | None = None, *, verifier: BallotVerifier | None = None
    ) -> None:
        self.ledger = ledger
        self.config = config or ServiceConfig()
        self.verifier: BallotVerifier = verifier or InlineVerifier()
        self._materials: dict[str, Material] = {}
        self._states: dict[str, ElectionState] = {}
        self._ballots: dict[str, dict[bytes, int]] = {}  # §P11.4: leaf hash of each ballot entry -> its index
        self._locks: dict[str, threading.Lock] = {}
        self._global = threading.Lock()
        self._pending: dict[str, list[_Pending]] = {}  # §P11.5.4: verified ballots waiting for a group commit
        self._queue = threading.Lock()  # guards _pending
        self._stale: set[str] = set()  # elections whose state a failed group commit left ahead of the log
        self.relay = RelayStore(ledger.engine)
        self.cosignatures = CosignatureStore(ledger.engine)
        self.board = BoardStore(ledger.engine)
        try:
            for election_id in ledger.election_ids():
                self._register(election_id)
                with self._locks[election_id]:
                    self._complete(election_id, self._states[election_id])
                self._warm(self._states[election_id])
        except BaseException:
            self.verifier.close()
            ledger.close()  # the service owns its ledger: a refused start releases the writer lock
            raise

    def _register(self, election_id: str) -> None:
        """Replay an election's log into a state of its own (the caller holds ``_global`` or is the constructor)."""
        self._states[election_id], self._ballots[election_id] = self._replay(election_id)
        self._locks[election_id] = threading.Lock()

    def _replay(self, election_id: str) -> tuple[ElectionState, dict[bytes, int]]:
        """Rebuild an election's state from its own log (its ballots' proofs were checked at intake), with the
        index of every ballot entry by its leaf hash. The ledger refuses a log that disagrees with itself."""
        state = ElectionState(min_modulus_bits=self.config.min_modulus_bits, tree=StoredTree(self.ledger, election_id))
        ballots: dict[bytes, int] = {}
        start = 0
        while True:
            batch = self.ledger.entries(election_id, start, 1000)
            for data in batch:
                entry = Entry.from_bytes(data)
                if entry.kind is EntryKind.BALLOT:
                    ballots[merkle.leaf_hash(data)] = state.size
                state.apply(entry)
            if len(batch) < 1000:
                return state, ballots
            start += len(batch)

    def close(self) -> None:
        """Graceful: the verifier finishes the ballots it holds (later ones are refused UNAVAILABLE), then the
        ledger releases the writer lock."""
        try:
            self.verifier.close()
        finally:
            self.ledger.close()

    def material(self, state: ElectionState) -> Material:
        """§P11.5: what a verification worker needs of this election (its definition and key entries)."""
        election_id = state.require_definition().election_id
        material = self._materials.get(election_id)
        if material is None:
            state.require_context()
            material = Material.of(state.definition_entry, state.key_entry)
            self._materials[election_id] = material
        return material

    def _warm(self, state: ElectionState) -> None:
        """Load an election into the verification workers once its key is known, ahead of its first ballot."""
        if state.phase in (Phase.KEYED, Phase.OPEN):
            self.verifier.warm(self.material(state))

    # -- §P16.3 the state, caught up with the other replicas ------------------------------------------------------
    def _apply_new(self, election_id: str, state: ElectionState, new: Sequence[bytes]) -> None:
        """Apply entries another replica appended (the ledger has checked their leaf hashes and checkpoints) with
        the same state transition as a replay: their ballots' proofs were checked at that replica's intake."""
        ballots = self._ballots[election_id]
        for data in new:
            index = state.size
            try:
                entry = Entry.from_bytes(data)
                state.apply(entry)
            except (VotingError, CryptoError) as e:
                raise LedgerInconsistency(
                    f"entry {index} of the log of {election_id}, appended by another server, breaks the rules: {e}"
                ) from e
            if entry.kind is EntryKind.BALLOT:
                ballots[merkle.leaf_hash(data)] = index

    def _refresh(self, election_id: str) -> ElectionState:
        """The election's state after catching up with the database (a no-op on SQLite: one writer)."""
        state = self._states[election_id]
        with self._locks[election_id]:  # never in the middle of a group commit (§P11.5.4)
            self._current(election_id, state)
            if self.ledger.shared:
                self._apply_new(election_id, state, self.ledger.updates(election_id, state.size))
        return state

    # -- reads -------------------------------------------------------------------------------------------------
    def state(self, election_id: str) -> ElectionState:
        """The election's state, caught up with what other replicas appended (§P16.3)."""
        if election_id not in self._states and self.ledger.shared and self.ledger.exists(election_id):
            with self._global:  # created by another replica: replay it once
                if election_id not in self._states:
                    self._register(election_id)
        if election_id not in self._states:
            raise NotFound(f"no election {election_id!r}")
        return self._refresh(election_id)

    def election_ids(self) -> list[str]:
        if self.ledger.shared:
            return self.ledger.election_ids()
        return sorted(self._states)

    # -- writes: §P16.2 ------------------------------------------------------------------------------------------
    def _write(
        self,
        election_id: str,
        state: ElectionState,
        decide: Callable[[ElectionState], Entry | Appended | None],
        ballot: EncryptedBallot | None = None,
        *,
        creating: bool = False,
    ) -> Appended | None:
        """§P2.2, §P16.2: under the election's lock in the database, catch ``state`` up with the log, let ``decide``
        choose the entry against it (or answer without an append), stage it (every check, nothing changes), append
        it, and commit the staged change once the append is durable. The caller holds the election's lock here.

        A StaleAppend (a foreign writer) or an Interrupted append (a lost connection: it may have landed) is retried
        transparently: the next attempt catches up first, and an entry of ours found in the log gets its receipt.
        """
        self._current(election_id, state)
        first = state.size
        for attempt in range(APPEND_ATTEMPTS):
            outcome: list[_Outcome] = []
            plan = self._planner(election_id, state, decide, ballot, outcome, creating, first if attempt else None)
            try:
                appended = self.ledger.append_planned(election_id, state.size, plan)
            except (StaleAppend, Interrupted) as e:
                if attempt + 1 == APPEND_ATTEMPTS:
                    raise
                log.warning("append to %s failed (%s); retrying (attempt %d)", election_id, e, attempt + 2)
                time.sleep(0.01 * 2**attempt)
                continue
            if appended is None:
                answer = outcome[0]
                assert not isinstance(answer, tuple)
                return answer
            entry, commit = cast("tuple[Entry, Callable[[], None]]", outcome[0])
            commit()
            if entry.kind is EntryKind.BALLOT:
                self._ballots[election_id][appended.leaf_hash] = appended.index
            return appended
        raise AssertionError("unreachable")

    def _write_ballots(self, election_id: str, state: ElectionState, group: list[_Pending]) -> None:
        """§P11.5.4: append a group of verified ballots in one transaction (each with its own signed checkpoint) and
        settle every one: its receipt once the commit is durable, or its error. Under the database lock each ballot
        is checked against the caught-up state *and the group's earlier ballots*: a retried ballot (§P11.4) gets
        its receipt, one that fails a rule check gets that error alone, the others are appended. Their changes are
        applied to the state as they are staged (the election's lock is held throughout); if the transaction
        fails, none of the group is acknowledged and the state is rebuilt from the durable log. A StaleAppend or an
        Interrupted append is retried as in :meth:`_write`. The caller holds the election's lock."""
        try:
            self._current(election_id, state)
            self._write_group(election_id, state, group)
        finally:
            for p in group:
                if not p.done:  # whatever went wrong, no caller waits for ever and none is acknowledged
                    p.settle(error=Unavailable(f"the ballot was not appended to {election_id}: retry"))

    def _write_group(self, election_id: str, state: ElectionState, group: list[_Pending]) -> None:
        for attempt in range(APPEND_ATTEMPTS):
            tried = _GroupAttempt()
            plan = self._group_planner(election_id, state, group, tried)
            try:
                receipts = self.ledger.append_group(election_id, state.size, plan)
            except Exception as e:
                if tried.advanced:
                    try:
                        self._rebuild(election_id, state)
                    except Exception:
                        log.exception("could not rebuild the state of %s after a failed group commit", election_id)
                        for p in group:
                            p.settle(error=e)
                        return
                if isinstance(e, StaleAppend | Interrupted) and attempt + 1 < APPEND_ATTEMPTS:
                    log.warning("group append to %s failed (%s); retrying (attempt %d)", election_id, e, attempt + 2)
                    time.sleep(0.01 * 2**attempt)
                    continue
                for p in group:
                    p.settle(error=e)  # none of the group is acknowledged
                return
            ballots = self._ballots[election_id]
            for k, appended in zip(tried.appended, receipts, strict=True):
                ballots[appended.leaf_hash] = appended.index
                tried.answers[k] = appended
            for k, p in enumerate(group):
                answer = tried.answers[tried.same.get(k, k)]
                if isinstance(answer, BaseException):
                    p.settle(error=answer)
                else:
                    p.settle(appended=answer)
            return
        raise AssertionError("unreachable")

    def _group_planner(
        self, election_id: str, state: ElectionState, group: list[_Pending], tried: _GroupAttempt
    ) -> GroupPlan:
        """The plan of one attempt of :meth:`_write_ballots`, run by the ledger under the database lock."""

        def plan(new: Sequence[bytes]) -> Sequence[tuple[str, bytes, bool]]:
            self._apply_new(election_id, state, new)
            planned: list[tuple[str, bytes, bool]] = []
            first: dict[bytes, int] = {}
            for k, p in enumerate(group):
                data, leaf = p.data, p.leaf
                if leaf in first:  # the same bytes twice in one group: one entry, one receipt (§P11.4)
                    tried.same[k] = first[leaf]
                    continue
                retried = self._retried_leaf(election_id, leaf)
                if retried is not None:
                    tried.answers[k] = retried
                    continue
                try:
                    record = state.stage(p.entry, p.ballot)
                except (VotingError, CryptoError) as e:  # this ballot alone is refused
                    tried.answers[k] = e
                    continue
                record()  # the group's next ballots are checked against this one (re-votes, duplicate ciphertexts)
                tried.advanced = True
                first[leaf] = k
                tried.appended.append(k)
                planned.append((EntryKind.BALLOT.value, data, False))
            return planned

        return plan

    def _rebuild(self, election_id: str, state: ElectionState) -> None:
        """After a failed group commit: the election's state (in place: callers hold it) and ballot index, replayed
        from the durable log, so that none of the group's ballots stays counted (§P2.2)."""
        self._stale.add(election_id)  # until the replay succeeds: every reader and writer retries it first
        fresh, ballots = self._replay(election_id)
        for f in fields(ElectionState):
            setattr(state, f.name, getattr(fresh, f.name))
        self._ballots[election_id] = ballots
        self._stale.discard(election_id)

    def _current(self, election_id: str, state: ElectionState) -> None:
        """Rebuild the state first if a failed group commit left it ahead of the log (the caller holds its lock)."""
        if election_id in self._stale:
            self._rebuild(election_id, state)

    def _planner(
        self,
        election_id: str,
        state: ElectionState,
        decide: Callable[[ElectionState], Entry | Appended | None],
        ballot: EncryptedBallot | None,
        outcome: list[_Outcome],
        creating: bool,
        landed_since: int | None,
    ) -> Plan:
        """The plan of one attempt of :meth:`_write`, run by the ledger under the database lock; what it decided
        goes to ``outcome``: an answer without an append, or the entry with its staged commit."""

        def plan(new: Sequence[bytes]) -> tuple[str, bytes, bool] | None:
            if creating and (new or state.size):
                raise Conflict(f"election {election_id!r} already exists")
            self._apply_new(election_id, state, new)
            what = decide(state)
            if isinstance(what, Entry) and landed_since is not None:
                what = self._landed(election_id, state, what, landed_since) or what
            if not isinstance(what, Entry):
                outcome.append(what)
                return None
            outcome.append((what, state.stage(what, ballot)))  # raises a VotingError on any failed check
            return what.kind.value, what.to_bytes(), what.kind is not EntryKind.BALLOT

        return plan

    def _landed(self, election_id: str, state: ElectionState, entry: Entry, since: int) -> Appended | None:
        """After an interrupted append: the receipt of ``entry`` if it did land (it is in the log after ``since``)."""
        data = entry.to_bytes()
        for start in range(since, state.size, 1000):  # the entries read back, each checked by the ledger (§P11.3)
            for offset, stored in enumerate(self.ledger.entries(election_id, start, 1000)):
                if stored == data:
                    return self.ledger.receipt(election_id, start + offset)
        return None

    def submit_statement(self, data: bytes, kind: EntryKind) -> Appended:
        """An administrative statement (admin, registrar, trustee): parse, check, append. ``kind`` is the RPC's; a
        roll correction comes with the roll's, a revocation with the issuances' (:data:`CORRECTIONS`)."""
        if len(data) > MAX_ENTRY_BYTES:
            raise InvalidStatement("statement too large")
        entry = Entry.from_bytes(data)
        if entry.kind is not kind and entry.kind is not CORRECTIONS.get(kind):
            raise InvalidStatement(f"expected a {kind.value} statement, got {entry.kind.value}")
        if kind is EntryKind.ELECTION_CREATED:
            return self._create(entry)
        self.state(entry.election_id)
        election_id = entry.election_id
        if entry.kind is EntryKind.KEY_PUBLISHED:
            self._check_ceremony(self._states[election_id], entry)
        with self._locks[election_id]:
            state = self._states[election_id]
            self._complete(election_id, state)
            appended = self._write(election_id, state, lambda _: entry)
            assert appended is not None
            self._complete(election_id, state)
        if entry.kind in (EntryKind.KEY_PUBLISHED, EntryKind.ELECTION_OPENED):
            self._warm(state)
        return appended

    def _complete(self, election_id: str, state: ElectionState) -> None:
        """Append the server's own entries that the log calls for: the tally once the election is closed, the
        result once ``threshold`` shares are in. Called after every statement, and before one and at start-up too:
        if such an append failed after the statement that called for it was committed (on this replica or another),
        it is made up for here, so an election never stays closed without its tally. Each is decided on the
        caught-up state under the database lock, so two replicas never both append it (the caller holds the
        election's lock)."""
        if state.phase is not Phase.CLOSED:
            return

        def tally(s: ElectionState) -> Entry | None:
            if s.phase is not Phase.CLOSED or s.tally_entry:
                return None
            return Entry(EntryKind.TALLY, election_id, s.tally_statement().to_json())

        def result(s: ElectionState) -> Entry | None:
            if s.phase is not Phase.CLOSED or not s.tally_entry or s.result_entry:
                return None
            if len(s.shares) < s.require_definition().threshold:
                return None
            return Entry(EntryKind.RESULT, election_id, s.result_statement().to_json())

        if not state.tally_entry:
            self._write(election_id, state, tally)
        if state.tally_entry and len(state.shares) >= state.require_definition().threshold and not state.result_entry:
            self._write(election_id, state, result)

    def _create(self, entry: Entry) -> Appended:
        if self.config.admin_keys and (entry.author is None or entry.author.key not in self.config.admin_keys):
            raise InvalidStatement("this server does not accept elections from that administrator key")
        election_id = entry.election_id
        with self._global:
            if election_id in self._states:
                raise Conflict(f"election {election_id!r} already exists")
            state = ElectionState(
                min_modulus_bits=self.config.min_modulus_bits, tree=StoredTree(self.ledger, election_id)
            )
            self._ballots[election_id] = {}
            try:  # §P16.2: another replica creating the same id meanwhile is refused under the database lock
                appended = self._write(election_id, state, lambda _: entry, creating=True)
            except BaseException:
                del self._ballots[election_id]  # a failed append leaves no trace: the state is only local
                raise
            assert appended is not None
            self._states[election_id] = state
            self._locks[election_id] = threading.Lock()
            return appended

    def cast_ballot(self, election_id: str, data: bytes) -> Appended:
        """§P6: parse, verify every proof (outside the lock), then the stateful checks and the append.

        §P11.4: casting is idempotent. The exact bytes of a ballot already in the log get that entry's receipt
        against the current checkpoint, without an append (a voter whose reply was lost retries, on this replica or
        another); a *different* ballot that reuses a cast ciphertext is still refused. §P16.2: the stateful checks
        run again on the state caught up under the database lock, so the rules hold across replicas.
        """
        if len(data) > MAX_ENTRY_BYTES:
            raise InvalidEncoding("ballot too large")
        if election_id in self._states and self._states[election_id].phase is Phase.OPEN:
            state = self._states[election_id]  # catching up happens under the lock, before the checks that matter
        else:
            state = self.state(election_id)
        if state.context is not None and len(data) > (limit := max_ballot_bytes(state.context)):
            raise InvalidEncoding(f"ballot too large for this election (at most {limit} bytes)")  # §P11.5
        entry = Entry(EntryKind.BALLOT, election_id, parse(data))  # bounded, canonical JSON
        retried = self._retried(election_id, entry)
        if retried is not None:
            return retried
        if state.phase is not Phase.OPEN:
            raise WrongPhase(f"the election is {state.phase.value}, not open for voting")
        definition = state.require_definition()
        now = self.config.clock()
        if (definition.opens_at and now < definition.opens_at) or (
            definition.closes_at and now >= definition.closes_at
        ):
            raise WrongPhase("the ballot arrived outside the election's voting window")
        context = state.require_context()
        ballot = EncryptedBallot.from_json(entry.body, context)
        if ballot.to_bytes(context) != data:
            raise InvalidEncoding("ballot is not in canonical form")
        # §P6.6, §P11.5: the well-formed ballot's proofs, batched with concurrent ballots (in the worker processes)
        self.verifier.verify(context, self.material(state), data, ballot)
        # §P11.5.4 group commit: queue the ballot, then take the election's lock; whoever holds it writes every
        # ballot queued so far (this one included, unless an earlier holder already did) in one transaction.
        pending = _Pending(entry, ballot)
        with self._queue:
            self._pending.setdefault(election_id, []).append(pending)
        with self._locks[election_id]:
            while not pending.done:
                with self._queue:
                    queue = self._pending[election_id]
                    group, self._pending[election_id] = queue[:MAX_GROUP], queue[MAX_GROUP:]
                self._write_ballots(election_id, state, group)
        return pending.result()

    def _retried(self, election_id: str, entry: Entry) -> Appended | None:
        return self._retried_leaf(election_id, merkle.leaf_hash(entry.to_bytes()))

    def _retried_leaf(self, election_id: str, leaf: bytes) -> Appended | None:
        index = self._ballots[election_id].get(leaf)
        return None if index is None else self.ledger.receipt(election_id, index)

    # -- the phone credential relay (§P13): beside the log, never in it ----------------------------------------
    def _issuing(self, election_id: str) -> ElectionState:
        """The election, while credentials can be issued (the phases ``credential.issued`` is accepted in)."""
        state = self.state(election_id)
        if state.phase not in ISSUANCE_PHASES:
            raise WrongPhase(
                f"election {election_id} is {state.phase.value}: credentials are requested and issued only while it"
                " is created, keyed or open"
            )
        return state

    def post_credential_request(self, election_id: str, data: bytes) -> str:
        """§P13.1: check a phone's request (shape, election, mode, commitment proof) and store it; its code."""
        state = self._issuing(election_id)
        request = RelayRequest.from_bytes(data)
        if request.election_id != election_id:
            raise InvalidEncoding(f"the credential request is for election {request.election_id!r}, not this one")
        mode = state.require_definition().eligibility
        if request.mode is not mode:
            raise InvalidEncoding(f"election {election_id} uses {mode.value} credentials, not {request.mode.value}")
        roll = len(state.roll)
        return self.relay.post_request(
            election_id,
            data,
            max_pending=RELAY_PENDING_PER_VOTER * roll + RELAY_SLACK,
            max_total=2 * (RELAY_PENDING_PER_VOTER * roll + RELAY_SLACK),
        )

    def credential_request(self, election_id: str, code: str) -> bytes:
        self.state(election_id)
        return self.relay.request(election_id, parse_code(code))

    def post_issuance(self, election_id: str, data: bytes) -> None:
        """§P13.3: a registrar-signed answer to a stored request; the first one stands."""
        state = self._issuing(election_id)
        issuance = RelayIssuance.from_bytes(data)
        if issuance.election_id != election_id:
            raise InvalidEncoding(f"the issuance is for election {issuance.election_id!r}, not this one")
        if issuance.election_hash != state.election_hash:
            raise InvalidStatement("the issuance names another instance of this election (§P2.3)")
        issuance.verify(state.require_definition().registrar_key)
        request = RelayRequest.from_bytes(self.relay.request(election_id, issuance.code))
        if (request.mode is EligibilityMode.ANONYMOUS) != (issuance.issued is not None):
            raise InvalidStatement(
                "an anonymous request is answered with its blind signature, a signing one with none (issued: null)"
            )
        if request.mode is EligibilityMode.SIGNING and request.public_key not in state.credentials:
            raise Precondition(
                f"the log has no credential.issued for the key of request {issuance.code}: log the issuance first"
            )
        self.relay.post_issuance(election_id, issuance.code, data)

    def issuance(self, election_id: str, code: str) -> bytes:
        self.state(election_id)
        return self.relay.issuance(election_id, parse_code(code))

    # -- witnesses (§P17.3): cosignatures beside the log, appended to checkpoints when served ---------------------
    def add_cosignature(self, election_id: str, size: int, data: bytes) -> bytes:
        """§P17.3: keep a named witness's valid cosignature lines on the checkpoint of ``size``; that checkpoint's
        note with every cosignature held for it."""
        definition = self.state(election_id).require_definition()
        if not definition.witnesses:
            raise Precondition(f"election {election_id} names no witnesses: its checkpoints are not cosigned")
        if not 0 < size <= self.ledger.size(election_id):
            raise OutOfRange(f"no checkpoint of size {size} in the log of {election_id}")
        note = self.ledger.checkpoint(election_id, size)
        return self.cosignatures.add(election_id, size, note, data, definition.witnesses)

    # -- the key ceremony's board (§P15.9): signed trustee messages beside the log, until the key is published ------
    def post_board_message(self, message: BoardMessage, encoded: bytes) -> bool:
        """§P15.9: check a trustee's board message (its signature, the election's trustees, no key yet) and keep it;
        False when the same message was already there."""
        state = self.state(message.election_id)
        definition = state.require_definition()
        if state.key_entry:
            raise Precondition(f"the key of {message.election_id} is published: its ceremony board is closed")
        message.verify(definition)
        return self.board.post(message, encoded)

    def board_round(self, election_id: str, attempt: int, round_name: str) -> list[bytes]:
        self.state(election_id).require_definition()
        return self.board.round(election_id, attempt, round_name)

    def ceremony_transcript(self, election_id: str) -> tuple[int, list[RecordedMessage]]:
        """§P15.10: the attempt that made the published key and its transcript as the record keeps it
        (Precondition before the key, or for a dealer's key, which has none)."""
        state = self.state(election_id)
        state.require_definition()
        if not state.key_entry:
            raise Precondition(f"the key of {election_id} is not published yet")
        if state.ceremony is None:
            raise Precondition(f"the key of {election_id} was made by a dealer: it has no ceremony transcript")
        attempt = state.ceremony.attempt
        return attempt, [_recorded(data) for data in self.board.transcript(election_id, attempt)]

    def _check_ceremony(self, state: ElectionState, entry: Entry) -> None:
        """§P15.10 step 3, before a ceremony's key is logged: the transcript on this board is the one its trustees
        endorsed and it verifies, so the record that `linli export` writes will (Precondition otherwise)."""
        definition = state.require_definition()
        key = KeyPublished.from_json(entry.body, definition)
        if key.ceremony is None:
            return
        messages = [_recorded(data) for data in self.board.transcript(entry.election_id, key.ceremony.attempt)]
        try:
            verify_transcript(definition, state.election_hash, key.ceremony, messages, key.public_key.n)
        except InvalidStatement as e:
            raise Precondition(
                f"this server's board does not hold the transcript the trustees endorsed for attempt "
                f"{key.ceremony.attempt}: {e}"
            ) from e

    def board_status(self, election_id: str) -> tuple[BoardStatus, bool]:
        state = self.state(election_id)
        state.require_definition()
        return self.board.status(election_id), bool(state.key_entry)

    def checkpoint_note(self, election_id: str, *, cosigned: bool = False) -> bytes:
        """§P17.3: the newest checkpoint with the cosignatures held for it, or (``cosigned``) the newest one that
        has the election's quorum (Precondition while none has; without witnesses, the newest)."""
        definition = self.state(election_id).require_definition()
        if cosigned and definition.witnesses:
            sizes = self.cosignatures.sizes_with_quorum(election_id, definition.witnesses, definition.witness_quorum)
            if not sizes:
                raise Precondition(
                    f"no checkpoint of {election_id} has {definition.witness_quorum} witness cosignatures yet"
                )
            size = sizes[-1]
        else:
            size = self.ledger.size(election_id)
        return self.cosignatures.with_cosignatures(election_id, size, self.ledger.checkpoint(election_id, size))

    def record_checkpoints(self, election_id: str) -> list[bytes]:
        """The checkpoints kept for the record (milestones and the newest), each with its cosignatures, plus the
        newest checkpoint that has the witness quorum (§P17.3), in size order."""
        definition = self.state(election_id).require_definition()
        notes = {_checkpoint_size(n): n for n in self.ledger.milestone_checkpoints(election_id)}
        if definition.witnesses:
            sizes = self.cosignatures.sizes_with_quorum(election_id, definition.witnesses, definition.witness_quorum)
            if sizes and sizes[-1] not in notes:
                notes[sizes[-1]] = self.ledger.checkpoint(election_id, sizes[-1])
        return [self.cosignatures.with_cosignatures(election_id, size, notes[size]) for size in sorted(notes)]


def _checkpoint_size(note: bytes) -> int:
    """The tree size of one of this server's own stored checkpoint notes."""
    return Checkpoint.from_body(split_signed_note(note)[0]).size


ISSUANCE_PHASES = frozenset({Phase.CREATED, Phase.KEYED, Phase.OPEN})
# At most 4 × roll size + 100 requests wait for the registrar per election, and twice that are kept in all (§P13.1).
RELAY_PENDING_PER_VOTER, RELAY_SLACK = 4, 100


# -- the RPCs, transport-neutral (§P11.1) --------------------------------------------------------------------------
log = logging.getLogger("linli.server")
request_log = logging.getLogger("linli.server.request")  # one key=value line per request (INFO)
VERSION = "0.1.0"
MAX_PAGE_BYTES = 2 << 20
MAX_PAGE_ENTRIES = 1000
MAX_DETAILS = 1000
INT64_MAX = (1 << 63) - 1
# The election id format of voting.election.ElectionDefinition, matched whole (tests/server/test_hostile_input.py pins
# that the two agree): anything else cannot name an election, so it never reaches a lookup or a query.
ELECTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")

# The one table from errors to canonical status codes (gRPC's names; Connect's are the same in lower case), most
# specific first. Each transport maps a name to its own enum.
STATUS_TABLE: tuple[tuple[type[Exception], str], ...] = (
    (OutOfRange, "OUT_OF_RANGE"),
    (BadRequest, "INVALID_ARGUMENT"),
    (Exhausted, "RESOURCE_EXHAUSTED"),
    (NotFound, "NOT_FOUND"),
    (DuplicateBallot, "ALREADY_EXISTS"),
    (Conflict, "ALREADY_EXISTS"),
    (NotEligible, "PERMISSION_DENIED"),
    (InvalidStatement, "PERMISSION_DENIED"),
    (WrongPhase, "FAILED_PRECONDITION"),
    (Precondition, "FAILED_PRECONDITION"),
    (InvalidBallot, "INVALID_ARGUMENT"),
    (InvalidShare, "INVALID_ARGUMENT"),
    (InvalidElection, "INVALID_ARGUMENT"),
    (InvalidEncoding, "INVALID_ARGUMENT"),
    (CryptoError, "INVALID_ARGUMENT"),
    (RecordError, "INTERNAL"),
    (VotingError, "INVALID_ARGUMENT"),
    (StaleAppend, "ABORTED"),  # the log moved under the request: retry
    (LedgerInconsistency, "DATA_LOSS"),  # the stored log was edited: refuse, never serve it
    (WriterLocked, "FAILED_PRECONDITION"),
    (ReplicaMismatch, "FAILED_PRECONDITION"),
    (StorageError, "UNAVAILABLE"),
    (Unavailable, "UNAVAILABLE"),  # the verification pool lost the request (§P11.5): retry
)


def status_for(error: Exception) -> str:
    for cls, code in STATUS_TABLE:
        if isinstance(error, cls):
            return code
    return "INTERNAL"


class Refused(Exception):
    """A request's failure as every transport sends it: a canonical status code name and a message that always
    travels (valid UTF-8, at most MAX_DETAILS characters)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Undecodable:
    """What a transport hands :meth:`LinliRpc.call` for bytes that are not a valid message of the method's request
    type (bad wire format, invalid UTF-8 in a string field, nesting beyond protobuf's limit, bad JSON)."""

    message_type: str
    reason: str


def decode(message_type: type[Message], data: bytes) -> Message | Undecodable:
    """§P11.1.1: the request message, or Undecodable (never an exception: the transports would answer INTERNAL)."""
    try:
        return message_type.FromString(data)
    except (DecodeError, ValueError, RecursionError) as e:
        return Undecodable(message_type.DESCRIPTOR.full_name, str(e) or type(e).__name__)


def election_id(value: str, what: str = "election_id") -> str:
    """An election id from a request: the election id format, or BadRequest (INVALID_ARGUMENT)."""
    if not ELECTION_ID.fullmatch(value):
        raise BadRequest(f"{what}: not an election id (3-64 characters of a-z, 0-9 and '-', starting alphanumeric)")
    return value


def _int64(value: int, what: str) -> int:
    if not 0 <= value <= INT64_MAX:
        raise BadRequest(f"{what}: {value} does not fit a signed 64-bit index")
    return value


def _details(message: str) -> str:
    """A status message that always travels: valid UTF-8 (a lone surrogate from a request would break the
    trailer), and short (an error quoting a multi-megabyte field must not exceed the metadata limit)."""
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return message if len(message) <= MAX_DETAILS else message[: MAX_DETAILS - 3] + "..."


_STATEMENT_ELECTION = re.compile(rb'"election":"([a-z0-9][a-z0-9-]{2,63})"')


def _request_election(request: Any) -> str:
    """The election a request names, for the request log only: a well-formed id, else "-" (a hostile id never
    reaches the log line). A signed statement names it in its entry's ``"election"`` field, found in the entry's
    tail: the canonical entry's keys are sorted, so that field follows the body."""
    value: str | bytes = getattr(request, "election_id", "") or ""
    if not value and isinstance(getattr(request, "entry", None), bytes):
        found = _STATEMENT_ELECTION.findall(request.entry[-400:])
        value = found[-1].decode() if found else ""
    return value if isinstance(value, str) and ELECTION_ID.fullmatch(value) else "-"


def _log_request(method: str, request: Any, status: str, started: float) -> None:
    if request_log.isEnabledFor(logging.INFO):
        election = "-" if isinstance(request, Undecodable) else _request_election(request)
        request_log.info(
            "method=%s election=%s status=%s duration_ms=%.1f",
            method,
            election,
            status,
            (time.perf_counter() - started) * 1000,
        )


def _board_message(request: pb.BoardMessage) -> BoardMessage:
    """The domain message of a PostBoardMessage request (InvalidEncoding -> INVALID_ARGUMENT)."""
    return BoardMessage(
        election_id=election_id(request.election_id),
        attempt=request.attempt,
        round=request.round,
        sender=request.sender,
        broadcast=request.broadcast,
        ciphertexts=dict(request.ciphertexts),
        signature=request.signature,
    )


def _recorded(data: bytes) -> RecordedMessage:
    """A stored board message (its own deterministic protobuf, checked when posted) as the record keeps it."""
    return _board_message(pb.BoardMessage.FromString(data)).recorded()


def _receipt(a: Appended) -> pb.Receipt:
    return pb.Receipt(
        election_id=a.election_id,
        leaf_index=a.index,
        leaf_hash=a.leaf_hash,
        tree_size=a.size,
        inclusion_proof=list(a.inclusion_proof),
        checkpoint=a.checkpoint,
    )


def _size(state_size: int, requested: int) -> int:
    return state_size if requested == 0 else requested


_SERVICE = pb.DESCRIPTOR.services_by_name["Linli"]
# Every RPC of wire/linli.proto: name -> (request type, response type).
METHODS: dict[str, tuple[type[Message], type[Message]]] = {
    m.name: (getattr(pb, m.input_type.name), getattr(pb, m.output_type.name)) for m in _SERVICE.methods
}
# The statement RPCs and the entry kind each takes (a correction travels with what it corrects: CORRECTIONS).
_STATEMENTS = {
    "CreateElection": EntryKind.ELECTION_CREATED,
    "PublishKey": EntryKind.KEY_PUBLISHED,
    "PublishRoll": EntryKind.ROLL_PUBLISHED,
    "IssueCredential": EntryKind.CREDENTIAL_ISSUED,
    "OpenElection": EntryKind.ELECTION_OPENED,
    "CloseElection": EntryKind.ELECTION_CLOSED,
    "SubmitDecryptionShare": EntryKind.DECRYPTION_SHARE,
}


class LinliRpc:
    """The RPCs of wire/linli.proto over an :class:`ElectionService`, for any transport: :meth:`call` takes a method
    name and its decoded request (or :class:`Undecodable`) and returns the response message or raises
    :class:`Refused`. Synchronous and CPU-bound: transports call it from worker threads, so that concurrent ballots
    batch (``server.batching``)."""

    def __init__(self, service: ElectionService) -> None:
        self.service = service
        self._handlers: dict[str, Callable[[Any], Message]] = {
            name: getattr(self, f"_{name}", None) or self._statement(_STATEMENTS[name]) for name in METHODS
        }

    def call(self, method: str, request: Message | Undecodable) -> Message:
        started = time.perf_counter()
        try:
            if isinstance(request, Undecodable):
                raise BadRequest(f"not a valid {request.message_type} message: {request.reason}")
            response = self._handlers[method](request)
        except Exception as e:
            code = status_for(e)
            if code == "INTERNAL":
                log.exception("internal error in %s", method)
                message = "internal error" if not isinstance(e, VotingError) else str(e)
            else:
                message = str(e)
            _log_request(method, request, code, started)
            raise Refused(code, _details(message)) from e
        _log_request(method, request, "OK", started)
        return response

    def _statement(self, kind: EntryKind) -> Callable[[pb.SignedStatement], pb.Receipt]:
        return lambda request: _receipt(self.service.submit_statement(request.entry, kind))

    def _GetServerInfo(self, request: pb.ServerInfoRequest) -> pb.ServerInfo:
        ledger = self.service.ledger
        return pb.ServerInfo(
            version=VERSION, log_origin_prefix=ledger.origin(""), verifier_key=ledger.signer.verifier().to_vkey()
        )

    def _ListElections(self, request: pb.ListElectionsRequest) -> pb.ListElectionsResponse:
        return pb.ListElectionsResponse(election_ids=self.service.election_ids())

    def _GetElection(self, request: pb.ElectionRef) -> pb.ElectionInfo:
        s = self.service.state(election_id(request.election_id))
        return pb.ElectionInfo(
            election_id=request.election_id,
            phase=s.phase.value,
            definition=s.definition_entry,
            public_key=s.key_entry,
            roll_size=len(s.roll),
            credentials_issued=len(s.issued),
            ballots_cast=s.ballots_cast,
            ballots_counted=len(s.counted),
            tree_size=s.size,
            tally=s.tally_entry,
            result=s.result_entry,
        )

    def _CastBallot(self, request: pb.CastBallotRequest) -> pb.Receipt:
        return _receipt(self.service.cast_ballot(election_id(request.election_id), request.ballot))

    def _GetCheckpoint(self, request: pb.CheckpointRequest) -> pb.Checkpoint:
        note = self.service.checkpoint_note(election_id(request.election_id), cosigned=request.cosigned)
        return pb.Checkpoint(note=note)

    def _GetCheckpoints(self, request: pb.ElectionRef) -> pb.CheckpointsResponse:
        return pb.CheckpointsResponse(notes=self.service.record_checkpoints(election_id(request.election_id)))

    def _AddCosignature(self, request: pb.AddCosignatureRequest) -> pb.AddCosignatureResponse:
        size = _int64(request.tree_size, "tree_size")
        note = self.service.add_cosignature(election_id(request.election_id), size, request.cosignature)
        return pb.AddCosignatureResponse(note=note)

    # §P15.9, the key ceremony's board
    def _PostBoardMessage(self, request: pb.BoardMessage) -> pb.PostBoardMessageResponse:
        message = _board_message(request)
        encoded = request.SerializeToString(deterministic=True)
        return pb.PostBoardMessageResponse(stored=self.service.post_board_message(message, encoded))

    def _GetBoardRound(self, request: pb.BoardRoundRequest) -> pb.BoardRoundResponse:
        election = election_id(request.election_id)
        if not ROUND_NAME.fullmatch(request.round):
            raise BadRequest("round: 1-64 characters of a-z, 0-9 and ._:/-")
        messages = [
            pb.BoardMessage.FromString(data)
            for data in self.service.board_round(election, request.attempt, request.round)
        ]
        if request.recipient:
            for m in messages:
                kept = {r: c for r, c in m.ciphertexts.items() if r == request.recipient}
                m.ClearField("ciphertexts")
                m.ciphertexts.update(kept)
        return pb.BoardRoundResponse(messages=messages)

    def _GetCeremonyTranscript(self, request: pb.CeremonyTranscriptRequest) -> pb.CeremonyTranscript:
        attempt, messages = self.service.ceremony_transcript(election_id(request.election_id))
        return pb.CeremonyTranscript(attempt=attempt, messages=[m.to_bytes() for m in messages])

    def _GetBoardStatus(self, request: pb.BoardStatusRequest) -> pb.BoardStatusResponse:
        status, published = self.service.board_status(election_id(request.election_id))
        return pb.BoardStatusResponse(
            attempt=status.attempt, round=status.round, senders=status.senders, key_published=published
        )

    def _GetInclusionProof(self, request: pb.InclusionProofRequest) -> pb.InclusionProof:
        index = _int64(request.leaf_index, "leaf_index")
        requested = _int64(request.tree_size, "tree_size")
        state = self.service.state(election_id(request.election_id))
        size = _size(state.size, requested)
        if size > state.size:
            raise OutOfRange(f"tree_size {size} is beyond the log (size {state.size})")
        if index >= size:
            raise OutOfRange(f"leaf_index {index} is not in a tree of size {size}")
        leaf, proof = self.service.ledger.inclusion_proof(request.election_id, index, size)
        return pb.InclusionProof(leaf_index=index, tree_size=size, leaf_hash=leaf, proof=proof)

    def _GetConsistencyProof(self, request: pb.ConsistencyProofRequest) -> pb.ConsistencyProof:
        size1 = _int64(request.size1, "size1")
        requested = _int64(request.size2, "size2")
        state = self.service.state(election_id(request.election_id))
        size2 = _size(state.size, requested)
        if size1 == 0:
            raise BadRequest("size1: a consistency proof starts from a non-empty tree")
        if size2 > state.size:
            raise OutOfRange(f"size2 {size2} is beyond the log (size {state.size})")
        if size1 > size2:
            raise BadRequest(f"need size1 <= size2, got {size1} > {size2}")
        proof = self.service.ledger.consistency_proof(request.election_id, size1, size2)
        return pb.ConsistencyProof(size1=size1, size2=size2, proof=list(proof))

    def _GetEntries(self, request: pb.EntriesRequest) -> pb.EntriesResponse:
        start = _int64(request.start, "start")
        limit = _int64(request.limit, "limit") or MAX_PAGE_ENTRIES
        if limit > MAX_PAGE_ENTRIES:
            raise BadRequest(f"limit is at most {MAX_PAGE_ENTRIES}")
        state = self.service.state(election_id(request.election_id))
        size = state.size
        if start > size:
            raise OutOfRange(f"start {start} is beyond the log (size {size})")
        entries = self.service.ledger.entries(request.election_id, start, limit)
        # Keep every response well under gRPC's default 4 MiB receive limit: at least one entry, then up to
        # MAX_PAGE_BYTES; the client pages on (a 3072-bit committee ballot is tens of kilobytes).
        page: list[bytes] = []
        total = 0
        for data in entries:
            if page and total + len(data) > MAX_PAGE_BYTES:
                break
            page.append(data)
            total += len(data)
        return pb.EntriesResponse(entries=page, tree_size=size)

    # §P13, the phone credential relay
    def _PostCredentialRequest(self, request: pb.PostCredentialRequestRequest) -> pb.PostCredentialRequestResponse:
        code = self.service.post_credential_request(election_id(request.election_id), request.request)
        return pb.PostCredentialRequestResponse(code=code)

    def _GetCredentialRequest(self, request: pb.RelayRef) -> pb.CredentialRequestResponse:
        data = self.service.credential_request(election_id(request.election_id), request.code)
        return pb.CredentialRequestResponse(request=data)

    def _PostIssuance(self, request: pb.PostIssuanceRequest) -> pb.PostIssuanceResponse:
        self.service.post_issuance(election_id(request.election_id), request.issuance)
        return pb.PostIssuanceResponse()

    def _GetIssuance(self, request: pb.RelayRef) -> pb.IssuanceResponse:
        return pb.IssuanceResponse(issuance=self.service.issuance(election_id(request.election_id), request.code))
