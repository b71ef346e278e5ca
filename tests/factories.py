"""Build elections, ballots and records directly through the domain layer (no server), for tests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from client.record import Record
from crypto import bbs, merkle, threshold
from crypto.ed25519 import SigningKey
from crypto.note import Checkpoint, NoteSigner, sign_checkpoint
from voting.ballot import build_ballot, verify_ballot
from voting.election import (
    REFERENDUM_OPTIONS,
    ElectionContext,
    ElectionDefinition,
    ElectionKind,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
    Trustee,
)
from voting.kinds import kind_of
from voting.records import Entry, EntryKind, Role
from voting.setup import set_up_election
from voting.state import ElectionState
from voting.statements import DecryptionShare, ElectionClosed
from voting.tally import make_trustee_shares

MODULUS_BITS = 1024


@dataclass
class TestElection:
    election_id: str
    admin: SigningKey
    registrar: SigningKey
    trustees: list[SigningKey]
    shares: list[threshold.KeyShare]
    voters: list[Any]  # SigningKey (signing mode) or AnonymousCredential (anonymous mode)
    state: ElectionState
    entries: list[Entry] = field(default_factory=list)
    bbs_sk: bytes | None = None

    @property
    def context(self) -> ElectionContext:
        return self.state.require_context()

    def append(self, entry: Entry) -> Entry:
        if entry.kind is EntryKind.BALLOT:
            ballot = self.state.parse_ballot(entry)
            verify_ballot(self.context, ballot)
            self.state.apply(entry, ballot)
        else:
            self.state.apply(entry)
        self.entries.append(entry)
        return entry

    def statement(
        self, kind: EntryKind, body: dict, key: SigningKey | None = None, role: Role = Role.ADMIN, index: int = 0
    ) -> Entry:
        """An untyped statement bound to this election instance and, where the kind needs it, to the current tree
        head (for tests that build malformed bodies)."""
        return self.state.raw_statement(kind, body, key or self.admin, role, index)

    def ballot_entry(self, voter: int, choice: int | list[int]) -> Entry:
        ballot = build_ballot(self.context, choice, self.voters[voter])
        return Entry(EntryKind.BALLOT, self.election_id, ballot.to_json(self.context))

    def vote_with(self, credential: Any, choice: int | list[int]) -> Entry:
        ballot = build_ballot(self.context, choice, credential)
        return self.append(Entry(EntryKind.BALLOT, self.election_id, ballot.to_json(self.context)))

    def vote(self, voter: int, choice: int | list[int]) -> Entry:
        return self.append(self.ballot_entry(voter, choice))

    def close(self) -> None:
        state = self.state
        self.append(state.statement(ElectionClosed(state.election_hash, state.log_head()), self.admin, Role.ADMIN))
        self.append(Entry(EntryKind.TALLY, self.election_id, state.tally_statement().to_json()))

    def share_entry(self, trustee: int) -> Entry:
        shares = make_trustee_shares(self.context, self.shares[trustee - 1], self.state.tally)
        state = self.state
        body = DecryptionShare(state.election_hash, state.log_head(), shares, self.context)
        return state.statement(body, self.trustees[trustee - 1], Role.TRUSTEE, trustee)

    def decrypt(self, trustees: list[int]) -> None:
        for t in trustees:
            self.append(self.share_entry(t))
        self.append(Entry(EntryKind.RESULT, self.election_id, self.state.result_statement().to_json()))


def make_election(
    primes: tuple[int, int],
    *,
    voters: int = 5,
    revote: RevotePolicy = RevotePolicy.LAST_COUNTS,
    threshold_: int = 3,
    parties: int = 5,
    election_id: str = "test-election",
    open_: bool = True,
    eligibility: EligibilityMode = EligibilityMode.SIGNING,
    bbs_sk: bytes | None = None,
    kind: str = ElectionKind.REFERENDUM,
    candidates: tuple[str, ...] = ("Wang", "Li", "Zhang", "Liu"),
    seats: int = 2,
    areas: list[int] | None = None,
    major: bool = False,
    opens_at: int = 0,
    closes_at: int = 0,
    accept_area_disclosure: bool | None = None,
    witnesses: tuple[Any, ...] = (),
    witness_quorum: int | None = None,
) -> TestElection:
    """``accept_area_disclosure`` None: accepted for every assembly (the small test rolls' areas identify votes,
    §P9.5); the tests of that rule pass False."""
    admin, registrar = SigningKey.generate(), SigningKey.generate()
    anonymous = eligibility is EligibilityMode.ANONYMOUS
    bbs_sk = bbs_sk or (bbs.key_gen(secrets.token_bytes(32)) if anonymous else None)
    trustees = [SigningKey.generate() for _ in range(parties)]
    definition = ElectionDefinition(
        witnesses=tuple(witnesses),
        witness_quorum=len(witnesses) if witness_quorum is None else witness_quorum,
        election_id=election_id,
        kind=kind,
        title=f"Test {kind}",  # any kind name (ElectionKind is a StrEnum)
        question="Repaint the east gate?",
        options=kind_of(kind).options(candidates) if kind_of(kind).named_options else REFERENDUM_OPTIONS,
        seats=seats if kind == ElectionKind.COMMITTEE else 0,
        major=major,
        eligibility=eligibility,
        revote=revote,
        threshold=threshold_,
        trustees=tuple(Trustee(i + 1, f"t{i + 1}", k.public_key) for i, k in enumerate(trustees)),
        admin_key=admin.public_key,
        registrar_key=registrar.public_key,
        modulus_bits=MODULUS_BITS,
        max_voters=1000,
        opens_at=opens_at,
        closes_at=closes_at,
        credential_key=bbs.sk_to_pk(bbs_sk) if bbs_sk else b"",
        accept_area_disclosure=kind_of(kind).weighted if accept_area_disclosure is None else accept_area_disclosure,
    )
    areas = list(areas or [0] * voters)
    setup = set_up_election(
        definition,
        admin,
        registrar,
        primes,
        [RollEntry(f"unit-{i}", areas[i]) for i in range(voters)],
        bbs_sk=bbs_sk,
        open_=open_,
    )
    return TestElection(
        election_id,
        admin,
        registrar,
        trustees,
        setup.shares,
        list(setup.credentials),
        setup.state,
        setup.entries,
        bbs_sk=bbs_sk,
    )


def make_record(
    entries: list[bytes],
    signer: NoteSigner,
    election_id: str = "test-election",
    origin: str | None = None,
    checkpoint_sizes: list[int] | None = None,
) -> Record:
    """Sign checkpoints over ``entries`` as a (possibly dishonest) log operator would."""
    origin = origin or f"linli.test/{election_id}"
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in entries])
    sizes = checkpoint_sizes or [len(entries)]
    notes = tuple(sign_checkpoint(Checkpoint(origin, s, tree.root(s)), signer) for s in sizes)
    return Record(election_id, origin, signer.verifier().to_vkey(), notes, tuple(entries))


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
