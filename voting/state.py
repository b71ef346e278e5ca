"""The election state machine: every entry of an election's log, applied in order (docs/protocol.md §P2).

The server applies each entry before appending it; the verifier replays the published record through the same
rules. :meth:`ElectionState.apply` checks an entry against the state and, only if every check passes, records it.
It verifies statement signatures, the key's modulus proof, issuance rules, phases, duplicates and re-votes,
recomputes the tally and the result — everything except the per-ballot proofs, which the caller checks with
:func:`voting.ballot.verify_ballot` (the server at intake, the verifier in bulk) because they are the costly part.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from crypto import bbs, ed25519, merkle, threshold
from crypto.errors import CryptoError
from voting.area_disclosure import check_roll_disclosure
from voting.ballot import EncryptedBallot
from voting.ceremony import CeremonyRecord
from voting.election import (
    ElectionContext,
    ElectionDefinition,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
)
from voting.eligibility import AnonymousEvidence, verify_revocation
from voting.encoding import JSON, canonical
from voting.errors import (
    Conflict,
    DuplicateBallot,
    InvalidElection,
    InvalidStatement,
    NotEligible,
    NotFound,
    OutcomeMismatch,
    Precondition,
    RecordError,
    WrongPhase,
)
from voting.kinds import Tallied
from voting.modulus_json import modulus_proof_from_json, modulus_proof_to_json
from voting.records import HEAD_BOUND, Entry, EntryKind, LogHead, Role, sign_statement
from voting.statements import (
    MAX_ROLL_BATCH,
    CredentialIssued,
    CredentialRevoked,
    ElectionClosed,
    ElectionCreated,
    ElectionOpened,
    KeyPublished,
    Result,
    RollCorrected,
    RollPublished,
    Statement,
    Tally,
    sign,
)
from voting.statements import DecryptionShare as DecryptionShareStatement
from voting.tally import TrusteeShares, combine_totals, verify_trustee_shares

__all__ = [
    "MAX_ROLL_BATCH",
    "CastRecord",
    "ElectionState",
    "Phase",
    "modulus_proof_from_json",
    "modulus_proof_to_json",
]


class Phase(StrEnum):
    EMPTY = "empty"
    CREATED = "created"
    KEYED = "keyed"
    OPEN = "open"
    CLOSED = "closed"  # closed and tallied: waiting for decryption shares
    PUBLISHED = "published"


class LogTree(Protocol):
    """The log's Merkle tree as the state needs it (§P2.3): its size, appending a leaf hash, and the root at the
    current or any earlier size. :class:`crypto.merkle.MerkleTree` (every leaf in memory) for clients and the
    verifier; the server's is ``server.ledger.StoredTree`` (the frontier in memory, older roots from the stored nodes,
    ADR 0019), so its memory does not grow with the log."""

    @property
    def size(self) -> int: ...

    def append(self, leaf_hash: bytes) -> object: ...

    def root(self, size: int | None = None) -> bytes: ...


@dataclass(frozen=True, slots=True)
class CastRecord:
    index: int  # leaf index of the ballot entry
    binding: bytes  # credential key or pseudonym
    ciphertexts: tuple[int, ...]
    weight: int = 0  # assembly: the voter's exclusive area in 0.01 m²


@dataclass
class ElectionState:
    """Mutable, in-memory state of one election, rebuilt by applying its log."""

    min_modulus_bits: int = 3072
    size: int = 0
    phase: Phase = Phase.EMPTY
    definition: ElectionDefinition | None = None
    election_hash: bytes = b""
    context: ElectionContext | None = None
    roll: dict[str, RollEntry] = field(default_factory=dict)
    issued: dict[str, bytes] = field(default_factory=dict)  # roll id -> credential, live issuances only (§P5.3)
    credentials: dict[bytes, str] = field(default_factory=dict)  # credential -> roll id, every key ever issued
    issuance_index: dict[str, int] = field(default_factory=dict)  # roll id -> leaf index of its live issuance
    issuances: dict[int, str] = field(default_factory=dict)  # leaf index of every issuance (live or revoked) -> roll id
    revoked: set[bytes] = field(default_factory=set)  # bindings (credential keys, pseudonyms) that never count
    ballots_cast: int = 0
    counted: dict[bytes, CastRecord] = field(default_factory=dict)  # binding -> last counted ballot
    seen_ciphertexts: set[int] = field(default_factory=set)
    tally: tuple[int, ...] = ()
    tally_entry: bytes = b""
    shares: dict[int, TrusteeShares] = field(default_factory=dict)
    totals: tuple[int, ...] = ()
    outcome: JSON = None  # the result's outcome (docs/record.md "result")
    result_entry: bytes = b""
    _counted_weights: Counter[int] = field(default_factory=Counter)
    key_entry: bytes = b""
    ceremony: CeremonyRecord | None = None  # the key's ceremony (§P15.10); None: a dealer's key, or no key yet
    definition_entry: bytes = b""
    roll_area: int = 0  # assembly: the roll's total exclusive area (0.01 m²)
    tally_index: int = -1  # leaf index of the tally entry
    tree: LogTree = field(default_factory=merkle.MerkleTree)  # the log so far (§P2.3 tree heads)

    # -- helpers -----------------------------------------------------------------------------------------------
    def _require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            allowed = " or ".join(p.value for p in phases)
            raise WrongPhase(f"the election is {self.phase.value}; this needs it {allowed}")

    def require_context(self) -> ElectionContext:
        if self.context is None:
            raise WrongPhase("the election has no published key yet")
        return self.context

    def require_definition(self) -> ElectionDefinition:
        if self.definition is None:
            raise WrongPhase("the log has no election definition")
        return self.definition

    def _check_author(self, entry: Entry, key: bytes, who: str) -> None:
        if entry.author is None or entry.author.key != key:
            raise InvalidStatement(f"{entry.kind.value} must be signed by the election's {who}")
        entry.verify_signature()

    def log_head(self) -> LogHead:
        """The head of the log as this state has replayed it (§P2.3)."""
        if not self.size:
            raise WrongPhase("the log is empty")
        return LogHead(self.size, self.tree.root())

    def statement(self, body: Statement, key: ed25519.SigningKey, role: Role, index: int = 0) -> Entry:
        """Sign a typed statement of this election (:func:`voting.statements.sign`); its election hash and tree
        head are the body's: build it from :attr:`election_hash` and :meth:`log_head` after verifying the state."""
        if isinstance(body, ElectionCreated):
            return sign(body, body.definition.election_id, key, role, index)
        return sign(body, self.require_definition().election_id, key, role, index)

    def raw_statement(self, kind: EntryKind, body: JSON, key: ed25519.SigningKey, role: Role, index: int = 0) -> Entry:
        """Sign an untyped body about this election instance as this state has it: its election hash and, for open,
        close and decryption shares, its tree head (§P2.3). For tests that build malformed statements; everything
        else signs a typed body with :meth:`statement`."""
        if kind is EntryKind.ELECTION_CREATED:
            return sign_statement(kind, body["election"]["election_id"], body, key, role, index)
        head = self.log_head() if kind in HEAD_BOUND else None
        election_id = self.require_definition().election_id
        return sign_statement(
            kind, election_id, body, key, role, index, election_hash=self.election_hash, log_head=head
        )

    # -- the reducer --------------------------------------------------------------------------------------------
    def apply(self, entry: Entry, ballot: EncryptedBallot | None = None) -> None:
        """Check ``entry`` against the state and record it; raise a VotingError and change nothing otherwise.

        For a ballot entry the caller passes the parsed ``ballot`` it has already verified with
        :func:`voting.ballot.verify_ballot`; without it, the entry is parsed here.
        """
        self.stage(entry, ballot)()

    def stage(self, entry: Entry, ballot: EncryptedBallot | None = None) -> Callable[[], None]:
        """Every check of :meth:`apply`, without changing the state; returns the function that records the entry.

        The server stages an entry, appends it to the ledger, and commits only once the append is durable
        (docs/protocol.md §P2.2), so the in-memory state never runs ahead of the log. The commit refuses to run if
        the state has moved since staging.
        """
        if self.phase is not Phase.EMPTY and entry.election_id != self.require_definition().election_id:
            raise InvalidStatement(f"entry for election {entry.election_id!r} in the log of another election")
        handlers: dict[EntryKind, Callable[[Entry], Callable[[], None]]] = {
            EntryKind.ELECTION_CREATED: self._created,
            EntryKind.ROLL_PUBLISHED: self._roll,
            EntryKind.ROLL_CORRECTED: self._roll_corrected,
            EntryKind.KEY_PUBLISHED: self._key,
            EntryKind.CREDENTIAL_ISSUED: self._credential,
            EntryKind.CREDENTIAL_REVOKED: self._revoked,
            EntryKind.ELECTION_OPENED: self._opened,
            EntryKind.ELECTION_CLOSED: self._closed,
            EntryKind.TALLY: self._tally,
            EntryKind.DECRYPTION_SHARE: self._share,
            EntryKind.RESULT: self._result,
        }
        commit = self._ballot(entry, ballot) if entry.kind is EntryKind.BALLOT else handlers[entry.kind](entry)
        leaf = merkle.leaf_hash(entry.to_bytes())
        size = self.size

        def record() -> None:
            if self.size != size:
                raise RuntimeError("the election state moved between staging and commit")
            commit()
            self.tree.append(leaf)
            self.size += 1

        return record

    def _created(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.EMPTY)
        definition = ElectionCreated.from_json(entry.body).definition
        if definition.election_id != entry.election_id:
            raise InvalidElection("the definition's election id differs from the entry's")
        if definition.modulus_bits < self.min_modulus_bits:
            raise InvalidElection(
                f"modulus of {definition.modulus_bits} bits is below the minimum {self.min_modulus_bits}"
            )
        self._check_author(entry, definition.admin_key, "administrator")
        if definition.credential_key:
            try:
                bbs.octets_to_pubkey(definition.credential_key)  # canonical, in G2, not the identity
            except CryptoError as e:
                raise InvalidElection(f"credential_key is not a valid BBS public key: {e}") from e
        definition_entry = entry.to_bytes()

        def commit() -> None:
            self.definition = definition
            self.definition_entry = definition_entry
            self.election_hash = hashlib.sha256(definition_entry).digest()
            self.phase = Phase.CREATED

        return commit

    def _check_bound(self, what: str, election_hash: bytes, log_head: LogHead | None = None) -> None:
        """§P2.3: a statement names the election instance it is about (the election hash) and, where it attests
        to the log (open, close, decryption shares), a tree head of this log its signer saw."""
        if election_hash != self.election_hash:
            raise InvalidStatement(f"{what} is signed for another election instance (election hash differs)")
        if log_head is not None:
            if log_head.size > self.size:
                raise InvalidStatement(
                    f"{what} names a tree head of size {log_head.size}, beyond the log's {self.size}"
                )
            if self.tree.root(log_head.size) != log_head.root:
                raise InvalidStatement(f"{what} names a tree head that is not a prefix of this log (split view)")

    def _roll(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CREATED, Phase.KEYED)
        definition = self.require_definition()
        self._check_author(entry, definition.admin_key, "administrator")
        roll = RollPublished.from_json(entry.body)
        self._check_bound(entry.kind.value, roll.election_hash)
        batch = roll.entries
        ids = [r.roll_id for r in batch]
        if len(set(ids)) != len(ids):
            raise Conflict("roll batch lists a roll id twice")
        again = [i for i in ids if i in self.roll]
        if again:
            raise Conflict(f"roll id {again[0]!r} is already on the roll")
        definition.kind_rules.check_roll(definition, [r.area for r in batch])
        if len(self.roll) + len(batch) > definition.max_voters:
            raise InvalidElection(f"the roll would exceed the election's max_voters ({definition.max_voters})")
        # §P7.2: every packed counter must hold its largest possible total, or "area yes" would carry into
        # "area no". The area counters sum at most the roll's total area; head counters at most the roll's size.
        area = self.roll_area + sum(r.area for r in batch)
        if area >> definition.counter_bits:
            raise InvalidElection(
                f"the roll's total area ({area} × 0.01 m²) does not fit the tally's {definition.counter_bits}-bit "
                "area counters"
            )

        def commit() -> None:
            for r in batch:
                self.roll[r.roll_id] = r
            self.roll_area = area

        return commit

    def _key(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CREATED)
        definition = self.require_definition()
        self._check_author(entry, definition.admin_key, "administrator")
        key = KeyPublished.from_json(entry.body, definition)
        self._check_bound(entry.kind.value, key.election_hash)
        pk = key.public_key
        try:  # §P3.4: structure, commitments ↔ verification keys, θ, the modulus proof, the two-quorum test decryption
            threshold.verify_public_key(
                pk, key.modulus_proof, key.test_decryption, self.election_hash, min_bits=definition.modulus_bits
            )
        except CryptoError as e:
            raise InvalidElection(f"the published key is not well formed: {e}") from e
        if pk.n.bit_length() != definition.modulus_bits:
            raise InvalidElection(
                f"the modulus has {pk.n.bit_length()} bits, the election asks for {definition.modulus_bits}"
            )
        if key.ceremony is not None:  # §P15.10 step 3: every trustee endorsed this key (its transcript: the record's)
            key.ceremony.verify(definition, self.election_hash, key.key_digest())
        key_entry = entry.to_bytes()
        context = ElectionContext(definition, pk, self.election_hash, hashlib.sha256(key_entry).digest())

        def commit() -> None:
            self.key_entry = key_entry
            self.ceremony = key.ceremony
            self.context = context
            self.phase = Phase.KEYED

        return commit

    def _credential(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CREATED, Phase.KEYED, Phase.OPEN)
        definition = self.require_definition()
        self._check_author(entry, definition.registrar_key, "registrar")
        # Anonymous issuance logs the roll entry only: no commitment, no signature, no pseudonym (§P5.2).
        issuance = CredentialIssued.from_json(entry.body, anonymous=definition.eligibility is EligibilityMode.ANONYMOUS)
        self._check_bound(entry.kind.value, issuance.election_hash)
        roll_id, credential = issuance.roll_id, issuance.credential
        if roll_id not in self.roll:
            raise InvalidStatement(f"roll id {roll_id!r} is not on the roll")
        if roll_id in self.issued:
            raise Conflict(
                f"a credential was already issued for roll id {roll_id!r} (entry {self.issuance_index[roll_id]}); "
                "before the election opens the registrar may revoke it and issue another"
            )
        if credential and credential in self.credentials:
            raise Conflict("this credential key was already issued (a revoked key is never issued again)")
        index = self.size

        def commit() -> None:
            self.issued[roll_id] = credential
            self.issuance_index[roll_id] = index
            self.issuances[index] = roll_id
            if credential:
                self.credentials[credential] = roll_id

        return commit

    def _before_opening(self, what: str) -> None:
        if self.phase in (Phase.OPEN, Phase.CLOSED, Phase.PUBLISHED):
            raise WrongPhase(f"the election is {self.phase.value}: {what} only before it opens")
        self._require(Phase.CREATED, Phase.KEYED)

    def _revoked(self, entry: Entry) -> Callable[[], None]:
        """§P5.3: withdraw a live issuance before opening. The roll entry may then be issued a new credential; the
        revoked one never counts (its key, or in anonymous mode the pseudonym it presented, is refused)."""
        self._before_opening("a credential can be revoked")
        definition = self.require_definition()
        self._check_author(entry, definition.registrar_key, "registrar")
        anonymous = definition.eligibility is EligibilityMode.ANONYMOUS
        revocation = CredentialRevoked.from_json(entry.body, anonymous=anonymous)
        self._check_bound(entry.kind.value, revocation.election_hash)
        roll_id, index = revocation.roll_id, revocation.issuance
        if index not in self.issuances:
            raise NotFound(f"entry {index} is not a credential issuance of this election")
        if self.issuances[index] != roll_id:
            raise InvalidStatement(
                f"the issuance at entry {index} is for roll id {self.issuances[index]!r}, not {roll_id!r}"
            )
        if self.issuance_index.get(roll_id) != index:
            raise Conflict(f"the issuance at entry {index} was already revoked")
        binding = self.issued[roll_id]  # signing mode: the credential key
        if revocation.evidence is not None:
            binding = revocation.evidence.pseudonym
            if binding in self.revoked:
                raise Conflict("the credential presented was already revoked (its pseudonym is refused already)")
            verify_revocation(definition.credential_key, self.election_hash, roll_id, index, revocation.evidence)

        def commit() -> None:
            del self.issued[roll_id]
            del self.issuance_index[roll_id]
            self.revoked.add(binding)

        return commit

    def _roll_corrected(self, entry: Entry) -> Callable[[], None]:
        """§P2.4: replace or remove one roll entry before opening; an entry with a live credential is corrected only
        after the registrar revokes it (§P5.3). The roll's bounds (max_voters, the kind's areas, §P7.2) still hold."""
        self._before_opening("the roll can be corrected")
        definition = self.require_definition()
        self._check_author(entry, definition.admin_key, "administrator")
        correction = RollCorrected.from_json(entry.body)
        self._check_bound(entry.kind.value, correction.election_hash)
        old, new = self.roll.get(correction.roll_id), correction.replacement
        if old is None:
            raise NotFound(f"roll id {correction.roll_id!r} is not on the roll")
        if old.roll_id in self.issued:
            raise Precondition(
                f"roll id {old.roll_id!r} has a live credential (entry {self.issuance_index[old.roll_id]}): the "
                "registrar must revoke it before the entry is corrected"
            )
        if new == old:
            raise InvalidElection(f"the correction of roll id {old.roll_id!r} changes nothing")
        if new is not None and new.roll_id != old.roll_id and new.roll_id in self.roll:
            raise Conflict(f"roll id {new.roll_id!r} is already on the roll")
        if new is not None:
            definition.kind_rules.check_roll(definition, [new.area])
        area = self.roll_area - old.area + (new.area if new is not None else 0)
        if area >> definition.counter_bits:  # §P7.2, as for roll.published
            raise InvalidElection(
                f"the roll's total area ({area} × 0.01 m²) does not fit the tally's {definition.counter_bits}-bit "
                "area counters"
            )

        def commit() -> None:
            corrected: dict[str, RollEntry] = {}
            for k, v in self.roll.items():
                if k != old.roll_id:
                    corrected[k] = v
                elif new is not None:  # replaced in place: the roll keeps its order
                    corrected[new.roll_id] = new
            self.roll.clear()
            self.roll.update(corrected)
            self.roll_area = area

        return commit

    def _opened(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.KEYED)
        self._check_author(entry, self.require_definition().admin_key, "administrator")
        opened = ElectionOpened.from_json(entry.body)
        self._check_bound(entry.kind.value, opened.election_hash, opened.log_head)
        if not self.roll:
            raise WrongPhase("cannot open an election with an empty roll")
        # §P9.5: the roll is final once open; an anonymous assembly whose areas identify votes needs acceptance
        check_roll_disclosure(self.require_definition(), [r.area for r in self.roll.values()])

        def commit() -> None:
            self.phase = Phase.OPEN

        return commit

    def parse_ballot(self, entry: Entry) -> EncryptedBallot:
        return EncryptedBallot.from_json(entry.body, self.require_context())

    def ballot_weight(self, ballot: EncryptedBallot) -> int:
        """§P6.7: an assembly ballot's weight is its owner's exclusive area: from the roll entry of its credential
        (signing mode) or disclosed from the credential (anonymous mode). Other kinds: 0."""
        definition = self.require_definition()
        if not definition.kind_rules.weighted:
            return 0
        evidence = ballot.evidence
        if evidence.binding in self.revoked:
            raise NotEligible("the ballot's credential was revoked before the election opened")
        if isinstance(evidence, AnonymousEvidence):
            if evidence.weight <= 0:
                raise NotEligible("an assembly ballot must disclose its owner's area")
            return evidence.weight
        roll_id = self.credentials.get(evidence.binding)
        if roll_id is None:
            raise NotEligible("the ballot's credential was never issued for this election")
        return self.roll[roll_id].area

    def check_ballot(self, ballot: EncryptedBallot) -> int:
        """The stateful checks of a ballot (§P6.7), without recording it; returns its weight."""
        self._require(Phase.OPEN)
        definition = self.require_definition()
        binding = ballot.evidence.binding
        if binding in self.revoked:  # §P5.3: a revoked credential never counts
            raise NotEligible("the ballot's credential was revoked before the election opened")
        weight = self.ballot_weight(ballot)
        if definition.eligibility is EligibilityMode.SIGNING:
            if binding not in self.credentials:
                raise NotEligible("the ballot's credential was never issued for this election")
        elif binding not in self.counted:
            # Each issued credential has exactly one pseudonym here: more pseudonyms than issuances means
            # credentials were made outside the log (registrar stuffing).
            if len(self.counted) >= len(self.issued):
                raise NotEligible("more pseudonyms than credentials issued: this credential was not issued on the log")
            if weight and self._counted_weights[weight] >= self._issued_weights()[weight]:
                raise NotEligible("more ballots of this area than owners of this area were issued credentials")
        elif weight != self.counted[binding].weight:
            raise NotEligible("a re-vote must carry the same area as the ballot it replaces")
        if any(c.ciphertext in self.seen_ciphertexts for c in ballot.contests):
            raise DuplicateBallot("this ciphertext was already cast: a replayed or copied ballot")
        if binding in self.counted and definition.revote is RevotePolicy.REFUSE:
            raise DuplicateBallot("this credential has already voted and the election refuses re-votes")
        return weight

    def _issued_weights(self) -> Counter[int]:
        return Counter(self.roll[roll_id].area for roll_id in self.issued)

    def _ballot(self, entry: Entry, ballot: EncryptedBallot | None) -> Callable[[], None]:
        parsed = ballot if ballot is not None else self.parse_ballot(entry)
        if parsed.to_bytes(self.require_context()) != _body_bytes(entry):
            raise InvalidStatement("the parsed ballot differs from the entry")
        weight = self.check_ballot(parsed)
        cts = tuple(c.ciphertext for c in parsed.contests)
        binding = parsed.evidence.binding
        index = self.size

        def commit() -> None:
            self.seen_ciphertexts.update(cts)
            if binding not in self.counted and weight:
                self._counted_weights[weight] += 1
            self.counted[binding] = CastRecord(index, binding, cts, weight)
            self.ballots_cast += 1

        return commit

    def _closed(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.OPEN)
        self._check_author(entry, self.require_definition().admin_key, "administrator")
        closed = ElectionClosed.from_json(entry.body)
        self._check_bound(entry.kind.value, closed.election_hash, closed.log_head)

        def commit() -> None:
            self.phase = Phase.CLOSED

        return commit

    # -- tally and result -----------------------------------------------------------------------------------------
    def counted_records(self) -> list[CastRecord]:
        """The counted ballots in log order: the last ballot of each binding (§P6.6)."""
        return sorted(self.counted.values(), key=lambda r: r.index)

    def tally_statement(self) -> Tally:
        """§P7: the server's tally entry body, recomputed by every verifier: ONE ciphertext carrying every counter,
        packed by the election's kind (:mod:`voting.kinds`)."""
        context = self.require_context()
        definition = context.definition
        records = self.counted_records()
        tally = definition.kind_rules.tally(context, [Tallied(r.ciphertexts, r.weight) for r in records])
        return Tally(self.ballots_cast, (tally,), tuple(r.index for r in records), definition.modulus_bits)

    def tally_body(self) -> JSON:
        """The JSON of :meth:`tally_statement`."""
        return self.tally_statement().to_json()

    def _tally(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CLOSED)
        if self.tally:
            raise Conflict("the election is already tallied")
        expected = self.tally_statement()
        if entry.body != expected.to_json():  # the body is the recomputed one, to the byte
            raise RecordError("the tally entry is not the product of the counted ballots")
        tally = expected.ciphertexts
        tally_entry = entry.to_bytes()
        index = self.size

        def commit() -> None:
            self.tally = tally
            self.tally_entry = tally_entry
            self.tally_index = index

        return commit

    def parse_share_statement(self, entry: Entry) -> DecryptionShareStatement:
        return DecryptionShareStatement.from_json(entry.body, self.require_context(), len(self.tally))

    def _share(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CLOSED)
        if not self.tally:
            raise WrongPhase("the election is not tallied yet")
        context = self.require_context()
        statement = self.parse_share_statement(entry)
        self._check_bound(entry.kind.value, statement.election_hash, statement.log_head)
        if statement.log_head.size <= self.tally_index:
            raise InvalidStatement("a decryption share must name a tree head that includes the tally entry")
        shares = statement.shares
        trustee = context.definition.trustee(shares.trustee)
        if entry.author is None or entry.author.index != trustee.index:
            raise InvalidStatement("a decryption share must be signed by the trustee it names")
        self._check_author(entry, trustee.key, f"trustee {trustee.index}")
        if shares.trustee in self.shares:
            raise Conflict(f"trustee {shares.trustee} has already submitted a decryption share")
        verify_trustee_shares(context, shares, self.tally)

        def commit() -> None:
            self.shares[shares.trustee] = shares

        return commit

    def result_statement(self) -> Result:
        """§P8–§P9: combine the first ``threshold`` shares in log order, decode, apply the rules."""
        context = self.require_context()
        definition = context.definition
        t = definition.threshold
        if len(self.shares) < t:
            raise WrongPhase(f"{len(self.shares)} of the {t} decryption shares needed have been submitted")
        used = list(self.shares.values())[:t]
        totals = combine_totals(context, self.tally, used)
        ballots = len(self.counted)
        roll_area = self.roll_area
        outcome = definition.kind_rules.decide(definition, totals, ballots, len(self.roll), roll_area)
        return Result(
            ballots=ballots,
            kind=definition.kind,
            options=tuple(definition.options),
            outcome=outcome,
            roll_area=roll_area,
            roll_size=len(self.roll),
            shares_used=tuple(s.trustee for s in used),
            totals=tuple(totals),
        )

    def result_body(self) -> JSON:
        """The JSON of :meth:`result_statement`."""
        return self.result_statement().to_json()

    def _result(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CLOSED)
        statement = self.result_statement()
        expected = statement.to_json()
        body = entry.body  # compared to the recomputed result as a whole: to the byte
        if body.get("outcome") != expected["outcome"] and {k: v for k, v in body.items() if k != "outcome"} == {
            k: v for k, v in expected.items() if k != "outcome"
        }:
            raise OutcomeMismatch(f"the published outcome is wrong: the rules give {expected['outcome']}")
        if body != expected:
            raise RecordError("the result entry differs from the combination of the shares (totals)")
        result_entry = entry.to_bytes()

        def commit() -> None:
            self.totals = statement.totals
            self.outcome = statement.outcome
            self.result_entry = result_entry
            self.phase = Phase.PUBLISHED

        return commit


def _body_bytes(entry: Entry) -> bytes:
    return canonical(entry.body)
