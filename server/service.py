"""The election service: the server's logic, independent of gRPC (docs/protocol.md §P2, §P6, §P10, §P11).

Every request becomes at most one appended entry: the entry is parsed and *staged* against the election's state
(voting.state: every check, no change), appended to the ledger, and only once the append is committed is the
staged change applied to the in-memory state (§P2.2). A failed append leaves the state as it was: no ghost
election, no ballot counted that the log does not hold.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from crypto import merkle
from server.batching import pairing_batcher, validity_batcher
from server.errors import StaleAppend
from server.ledger import Appended, Ledger
from voting.ballot import EncryptedBallot, prepare_ballot_checks
from voting.encoding import parse
from voting.errors import (
    Conflict,
    InvalidBallot,
    InvalidEncoding,
    InvalidStatement,
    NotEligible,
    NotFound,
    WrongPhase,
)
from voting.records import Entry, EntryKind
from voting.state import ElectionState, Phase

__all__ = ["ElectionService", "ServiceConfig"]

MAX_ENTRY_BYTES = 4 << 20

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


class ElectionService:
    def __init__(self, ledger: Ledger, config: ServiceConfig | None = None) -> None:
        self.ledger = ledger
        self.config = config or ServiceConfig()
        self._states: dict[str, ElectionState] = {}
        self._ballots: dict[str, dict[bytes, int]] = {}  # §P11.4: leaf hash of each ballot entry -> its index
        self._locks: dict[str, threading.Lock] = {}
        self._global = threading.Lock()
        self.pairings = pairing_batcher()
        self.validity = validity_batcher()
        try:
            for election_id in ledger.election_ids():
                self._states[election_id], self._ballots[election_id] = self._replay(election_id)
                self._locks[election_id] = threading.Lock()
                self._complete(self._states[election_id])
        except BaseException:
            ledger.close()  # the service owns its ledger: a refused start releases the writer lock
            raise

    def _replay(self, election_id: str) -> tuple[ElectionState, dict[bytes, int]]:
        """Rebuild an election's state from its own log (its ballots' proofs were checked at intake), with the
        index of every ballot entry by its leaf hash. The ledger refuses a log that disagrees with itself."""
        state = ElectionState(min_modulus_bits=self.config.min_modulus_bits)
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
        self.ledger.close()

    # -- reads -------------------------------------------------------------------------------------------------
    def state(self, election_id: str) -> ElectionState:
        state = self._states.get(election_id)
        if state is None:
            raise NotFound(f"no election {election_id!r}")
        return state

    def election_ids(self) -> list[str]:
        return sorted(self._states)

    # -- writes ------------------------------------------------------------------------------------------------
    def _append(self, state: ElectionState, entry: Entry, ballot: EncryptedBallot | None = None) -> Appended:
        """§P2.2: stage (every check, nothing changes), append to the log, then commit the staged change."""
        commit = state.stage(entry, ballot)  # raises a VotingError on any failed check
        try:
            appended = self.ledger.append(
                entry.election_id,
                entry.kind.value,
                entry.to_bytes(),
                extends=state.size,
                milestone=entry.kind is not EntryKind.BALLOT,
            )
        except StaleAppend:
            # The log moved under this state (it cannot with the single-writer lock, but the log is the truth):
            # rebuild a known election from it so the next request sees what the database holds.
            if entry.election_id in self._states:
                self._states[entry.election_id], self._ballots[entry.election_id] = self._replay(entry.election_id)
            raise
        commit()
        if entry.kind is EntryKind.BALLOT:
            self._ballots[entry.election_id][appended.leaf_hash] = appended.index
        return appended

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
        with self._locks[entry.election_id]:
            state = self.state(entry.election_id)
            self._complete(state)
            appended = self._append(state, entry)
            self._complete(state)
            return appended

    def _complete(self, state: ElectionState) -> None:
        """Append the server's own entries that the log calls for: the tally once the election is closed, the
        result once ``threshold`` shares are in. Called after every statement, and before one and at start-up too:
        if such an append failed after the statement that called for it was committed, it is made up for here,
        so an election never stays closed without its tally (the caller holds the election's lock)."""
        if state.phase is not Phase.CLOSED:
            return
        election_id = state.require_definition().election_id
        if not state.tally_entry:
            self._append(state, Entry(EntryKind.TALLY, election_id, state.tally_statement().to_json()))
        if len(state.shares) >= state.require_definition().threshold and not state.result_entry:
            self._append(state, Entry(EntryKind.RESULT, election_id, state.result_statement().to_json()))

    def _create(self, entry: Entry) -> Appended:
        if self.config.admin_keys and (entry.author is None or entry.author.key not in self.config.admin_keys):
            raise InvalidStatement("this server does not accept elections from that administrator key")
        with self._global:
            if entry.election_id in self._states:
                raise Conflict(f"election {entry.election_id!r} already exists")
            state = ElectionState(min_modulus_bits=self.config.min_modulus_bits)
            appended = self._append(state, entry)  # a failed append leaves no trace: the state is only local
            self._states[entry.election_id] = state
            self._ballots[entry.election_id] = {}
            self._locks[entry.election_id] = threading.Lock()
            return appended

    def cast_ballot(self, election_id: str, data: bytes) -> Appended:
        """§P6: parse, verify every proof (outside the lock), then the stateful checks and the append.

        §P11.4: casting is idempotent. The exact bytes of a ballot already in the log get that entry's receipt
        against the current checkpoint, without an append (a voter whose reply was lost retries); a *different*
        ballot that reuses a cast ciphertext is still refused.
        """
        if len(data) > MAX_ENTRY_BYTES:
            raise InvalidEncoding("ballot too large")
        state = self.state(election_id)
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
        # §P6.6: the signature (or BBS challenge) here; validity proofs and pairings in batches with concurrent ballots.
        pending = prepare_ballot_checks(context, ballot)
        n = context.paillier_key.n
        error = self.validity.check((n.to_bytes((n.bit_length() + 7) // 8, "big"), pending.claims))
        if error is not None:
            raise InvalidBallot(error)
        if pending.pairing is not None and not self.pairings.check((definition.credential_key, pending.pairing)):
            raise NotEligible("eligibility proof does not verify: pairing check fails")
        with self._locks[election_id]:
            retried = self._retried(election_id, entry)  # the first attempt may have landed meanwhile
            if retried is not None:
                return retried
            return self._append(self.state(election_id), entry, ballot)

    def _retried(self, election_id: str, entry: Entry) -> Appended | None:
        index = self._ballots[election_id].get(merkle.leaf_hash(entry.to_bytes()))
        return None if index is None else self.ledger.receipt(election_id, index)
