"""Replicas: several services on ONE PostgreSQL database, one linear log per election (docs/protocol.md §P16,
ADR 0017). Two ElectionService instances (each with its own Ledger, its own in-memory state and its own connection
pool) share a per-test schema in this process; threads race them. Each test is named after what two servers on one
database used to get wrong, or after the attack the catch-up refuses. The same over real ``linli serve`` processes,
with faults, is tests/server/test_replica_faults.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from client import actions
from client.api import LinliClient
from client.verifier import check_record
from crypto import merkle, paillier
from crypto.cosignature import CosignerVerifier
from crypto.note import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint, verify_checkpoint_extends
from server.errors import LedgerInconsistency, ReplicaMismatch, StaleAppend, WriterLocked
from server.ledger import Ledger, _pg_key
from server.service import ElectionService, ServiceConfig
from server.storage import CheckpointRow, ElectionRow, EntryRow, NodeRow, make_engine
from tests import factories
from tests.client.cli_support import run as cli
from tests.factories import MODULUS_BITS, make_election
from tests.server.conftest import start_service, submit
from voting.ballot import build_ballot
from voting.election import RevotePolicy
from voting.encoding import canonical
from voting.errors import Conflict, DuplicateBallot, WrongPhase
from voting.records import Entry, EntryKind, Role
from voting.state import ElectionState, Phase
from voting.tally import make_trustee_shares
from wire import linli_pb2 as pb
from wire.linli_pb2_grpc import LinliStub

# Replicas share a PostgreSQL database: the db_url fixture's PostgreSQL schema only.
pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)]

SIGNER = NoteSigner.generate("linli-test")
ELECTION = "replicated"


@pytest.fixture
def pg_url(db_url: str) -> str:
    assert db_url.startswith("postgresql")
    return db_url


@dataclass
class Replica:
    name: str  # its sessions' application_name
    service: ElectionService
    server: grpc.Server
    client: LinliClient
    channel: grpc.Channel
    address: str

    def stop(self) -> None:
        self.channel.close()
        self.server.stop(None)
        self.service.close()


def _named(url: str, name: str) -> str:
    """The URL with a PostgreSQL application_name, so that a test terminates its own replicas' sessions only (the
    database is shared with other tests)."""
    return f"{url}&application_name={name}"


@pytest.fixture
def replicas(pg_url: str) -> Iterator[tuple[Replica, Replica]]:
    started: list[Replica] = []
    tag = uuid.uuid4().hex[:8]
    for name in "ab":
        service, server, port = start_service(_named(pg_url, f"linli-{tag}-{name}"), SIGNER)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        started.append(
            Replica(
                f"linli-{tag}-{name}",
                service,
                server,
                LinliClient(channel, timeout=60, min_modulus_bits=MODULUS_BITS),
                channel,
                f"127.0.0.1:{port}",
            )
        )
    yield started[0], started[1]
    for r in started:
        r.stop()


def _election(primes: tuple[int, int], voters: int = 8, **kwargs: object) -> factories.TestElection:
    return make_election(primes, voters=voters, election_id=ELECTION, **kwargs)  # type: ignore[arg-type]


def _set_up(service: ElectionService, e: factories.TestElection) -> None:
    for entry in e.entries:
        submit(service, entry)


def _ballot(e: factories.TestElection, voter: int, choice: int, randomness: list[int] | None = None) -> bytes:
    return canonical(build_ballot(e.context, choice, e.voters[voter], randomness=randomness).to_json(e.context))


def _race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at once (a barrier, one thread each); each call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    out: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = calls[i]()
        except Exception as e:
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return out


def _log(service: ElectionService, election_id: str = ELECTION) -> list[bytes]:
    size = service.state(election_id).size
    return [d for start in range(0, size, 1000) for d in service.ledger.entries(election_id, start, 1000)]


def _replayed(entries: list[bytes]) -> ElectionState:
    state = ElectionState(min_modulus_bits=MODULUS_BITS)
    for data in entries:
        state.apply(Entry.from_bytes(data))
    return state


def _close_decrypt_verify(
    e: factories.TestElection, closer: LinliClient, trustee: LinliClient, exporter: LinliClient
) -> None:
    """Close on one replica, decrypt on another, export from a third view: the record passes the verifier."""
    state = _replayed(closer.entries(ELECTION))
    closer.submit(state.raw_statement(EntryKind.ELECTION_CLOSED, {}, e.admin, Role.ADMIN))
    for t in range(1, state.require_definition().threshold + 1):
        state = _replayed(trustee.entries(ELECTION))
        shares = make_trustee_shares(state.require_context(), e.shares[t - 1], state.tally)
        body = shares.to_json(state.require_context())
        trustee.submit(state.raw_statement(EntryKind.DECRYPTION_SHARE, body, e.trustees[t - 1], Role.TRUSTEE, t))
    record = actions.export_record(exporter, ELECTION)
    report = check_record(record, min_modulus_bits=MODULUS_BITS, workers=1)
    assert report.passed, report.render()
    assert _replayed(list(record.entries)).phase is Phase.PUBLISHED


# -- one log ---------------------------------------------------------------------------------------------------------
def test_ballots_raced_on_two_replicas_make_one_linear_log(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """Two servers on one database forked the log (each appended at its own stale size): now each append catches up
    under the election's lock first, so every ballot lands once, at its own index, and the record verifies."""
    a, b = replicas
    e = _election(safe_primes_1024)
    _set_up(a.service, e)
    ballots = [_ballot(e, v % 8, v % 3) for v in range(16)]
    results = _race(*[lambda i=i: (a, b)[i % 2].service.cast_ballot(ELECTION, ballots[i]) for i in range(16)])
    assert not [r for r in results if isinstance(r, Exception)], results
    indexes = sorted(r.index for r in results)  # type: ignore[attr-defined]
    base = len(e.entries)
    assert indexes == list(range(base, base + 16))
    assert _log(a.service) == _log(b.service)
    replayed = _replayed(_log(a.service))
    assert replayed.ballots_cast == 16 and len(replayed.counted) == 8
    for r in (a, b):  # both in-memory states equal the replay
        s = r.service.state(ELECTION)
        assert (s.size, s.ballots_cast, s.tree.root(), set(s.counted)) == (
            replayed.size,
            replayed.ballots_cast,
            replayed.tree.root(),
            set(replayed.counted),
        )
    with Session(a.service.ledger.engine) as s:
        assert s.scalar(select(func.count()).select_from(EntryRow)) == base + 16
        assert s.scalar(select(func.count()).select_from(CheckpointRow)) == base + 16
    _close_decrypt_verify(e, b.client, a.client, b.client)


def test_checkpoints_and_proofs_agree_across_replicas(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """A replica serves only checkpoints it signed or verified; any two replicas' answers are consistent."""
    a, b = replicas
    e = _election(safe_primes_1024)
    _set_up(a.service, e)
    first = a.client.cast_ballot(ELECTION, _ballot(e, 0, 1))
    b.client.cast_ballot(ELECTION, _ballot(e, 1, 2))  # B catches up with A's ballot before appending its own
    assert a.client.checkpoint_note(ELECTION) == b.client.checkpoint_note(ELECTION)  # A catches up on the read
    verifier = SIGNER.verifier()
    latest = open_checkpoint(b.client.checkpoint_note(ELECTION), verifier)
    assert latest.size == first.tree_size + 1
    old = open_checkpoint(first.checkpoint, verifier)
    proof = list(b.service.ledger.consistency_proof(ELECTION, old.size, latest.size))
    verify_checkpoint_extends(old, latest, proof)
    b.client.check_receipt(first)  # A's receipt, checked against B: inclusion and consistency with B's checkpoint
    assert b.client.checkpoints(ELECTION) == a.client.checkpoints(ELECTION)
    assert b.client.entries(ELECTION) == a.client.entries(ELECTION)
    sizes = [
        LinliStub(r.channel).GetElection(pb.ElectionRef(election_id=ELECTION), timeout=60).tree_size for r in (a, b)
    ]
    assert sizes == [latest.size] * 2


def test_retry_on_the_other_replica_gets_the_receipt(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """§P11.4 across replicas: a voter whose reply from A was lost retries on B and gets the same entry."""
    a, b = replicas
    e = _election(safe_primes_1024)
    _set_up(a.service, e)
    ballot = _ballot(e, 3, 0)
    first = a.service.cast_ballot(ELECTION, ballot)
    again = b.service.cast_ballot(ELECTION, ballot)
    assert (again.index, again.leaf_hash) == (first.index, first.leaf_hash)
    assert b.service.state(ELECTION).size == first.size  # nothing appended


# -- the rules hold across replicas ----------------------------------------------------------------------------------
def test_revote_raced_on_two_replicas_counts_once_when_refused(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """ "Refuse re-votes" was broken by two servers: each accepted one of a voter's two ballots. Raced, one wins."""
    a, b = replicas
    e = _election(safe_primes_1024, revote=RevotePolicy.REFUSE)
    _set_up(a.service, e)
    calls = []
    for voter in range(6):
        first, second = _ballot(e, voter, 0), _ballot(e, voter, 1)
        calls += [
            lambda x=first: a.service.cast_ballot(ELECTION, x),
            lambda x=second: b.service.cast_ballot(ELECTION, x),
        ]
    results = _race(*calls)
    for voter in range(6):
        pair = results[2 * voter : 2 * voter + 2]
        refused = [r for r in pair if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], DuplicateBallot), pair
        assert "refuses re-votes" in str(refused[0])
    replayed = _replayed(_log(b.service))
    assert replayed.ballots_cast == len(replayed.counted) == 6


def test_copied_ciphertext_on_the_other_replica_refused(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """A replayed ciphertext (fresh proofs over a copied ciphertext) sent to the replica that did not take the
    original is refused: the duplicate check runs on the state caught up under the lock."""
    a, b = replicas
    e = _election(safe_primes_1024)
    _set_up(a.service, e)
    randomness = [paillier.random_exponent(e.context.paillier_key) for _ in e.context.contest_allowed()]
    original, copy = _ballot(e, 2, 0, randomness), _ballot(e, 2, 0, randomness)
    assert original != copy
    results = _race(lambda: a.service.cast_ballot(ELECTION, original), lambda: b.service.cast_ballot(ELECTION, copy))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], DuplicateBallot) and "already cast" in str(refused[0])
    assert _replayed(_log(a.service)).ballots_cast == 1


def test_election_closed_on_one_replica_refuses_ballots_on_the_other(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    a, b = replicas
    e = _election(safe_primes_1024)
    _set_up(a.service, e)
    b.service.cast_ballot(ELECTION, _ballot(e, 0, 0))  # B has an up-to-date, open state
    state = _replayed(_log(a.service))
    closing = state.raw_statement(EntryKind.ELECTION_CLOSED, {}, e.admin, Role.ADMIN)
    a.service.submit_statement(closing.to_bytes(), EntryKind.ELECTION_CLOSED)
    with pytest.raises(WrongPhase):  # B still believed the election open: it finds out under the lock
        b.service.cast_ballot(ELECTION, _ballot(e, 1, 1))
    assert b.service.state(ELECTION).phase is Phase.CLOSED
    kinds = [Entry.from_bytes(d).kind for d in _log(b.service)]
    assert kinds.count(EntryKind.TALLY) == 1 and kinds[-1] is EntryKind.TALLY


def test_same_election_created_on_two_replicas_gives_one(pg_url: str, safe_primes_1024: tuple[int, int]) -> None:
    """Two servers re-created each other's elections; raced creations of one id now give one election."""
    services = [
        ElectionService(Ledger(make_engine(pg_url), SIGNER, "linli.test"), ServiceConfig(min_modulus_bits=MODULUS_BITS))
        for _ in range(2)
    ]
    try:
        for round_ in range(3):
            election_id = f"{ELECTION}-{round_}"
            mine = make_election(safe_primes_1024, voters=1, election_id=election_id, open_=False)
            theirs = make_election(safe_primes_1024, voters=1, election_id=election_id, open_=False)
            results = _race(
                *[
                    lambda s=s, x=x: s.submit_statement(x.entries[0].to_bytes(), EntryKind.ELECTION_CREATED)
                    for s, x in zip(services, (mine, theirs), strict=True)
                ]
            )
            refused = [r for r in results if isinstance(r, Exception)]
            assert len(refused) == 1 and isinstance(refused[0], Conflict), results
            winner = (mine, theirs)[results.index(next(r for r in results if not isinstance(r, Exception)))]
            for s in services:
                assert s.state(election_id).definition_entry == winner.entries[0].to_bytes()
                assert election_id in s.election_ids()
            with Session(services[0].ledger.engine) as s:
                assert (
                    s.scalar(
                        select(func.count()).select_from(ElectionRow).where(ElectionRow.election_id == election_id)
                    )
                    == 1
                )
                assert (
                    s.scalar(select(func.count()).select_from(EntryRow).where(EntryRow.election_id == election_id)) == 1
                )
            loser = services[results.index(refused[0])]
            with pytest.raises(Conflict):  # and the loser knows it now
                loser.submit_statement(winner.entries[0].to_bytes(), EntryKind.ELECTION_CREATED)
    finally:
        for s in services:
            s.close()


def test_statements_on_one_replica_and_ballots_on_the_other(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """Every kind of request on any replica: set up on A, ballots on B; B learns the election it never saw."""
    a, b = replicas
    e = _election(safe_primes_1024, voters=4)
    assert b.service.election_ids() == []
    _set_up(a.service, e)
    assert ELECTION in b.service.election_ids()
    assert b.service.state(ELECTION).phase is Phase.OPEN
    for voter in range(4):
        b.client.cast_ballot(ELECTION, _ballot(e, voter, voter % 3))
    _close_decrypt_verify(e, a.client, b.client, a.client)


# -- the ambiguous commit: a lost connection is retried, transparently -----------------------------------------------
def _commit_then_lose_reply(times: int) -> Callable[[Session], None]:
    """A Session.commit that commits and then raises as if the connection died before COMMIT's reply arrived."""
    real = Session.commit
    left = [times]

    def commit(session: Session) -> None:
        real(session)
        if left[0]:
            left[0] -= 1
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    return commit


@pytest.mark.parametrize("what", ["ballot", "statement"])
def test_commit_whose_reply_is_lost_is_not_appended_twice(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int], monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    """The append committed but the connection died before COMMIT's reply: the service retries, finds its entry
    in the log on catching up, and answers with that entry's receipt — no second entry, no error to the client."""
    a, b = replicas
    e = _election(safe_primes_1024, open_=what == "ballot")
    _set_up(a.service, e)
    size = a.service.state(ELECTION).size
    opening = _replayed(_log(a.service)).raw_statement(EntryKind.ELECTION_OPENED, {}, e.admin, Role.ADMIN)
    ballot = _ballot(e, 0, 1) if what == "ballot" else b""
    monkeypatch.setattr(Session, "commit", _commit_then_lose_reply(1))
    if what == "ballot":
        receipt = a.service.cast_ballot(ELECTION, ballot)
    else:
        receipt = a.service.submit_statement(opening.to_bytes(), EntryKind.ELECTION_OPENED)
    monkeypatch.undo()
    assert receipt.index == size and a.service.state(ELECTION).size == size + 1
    assert _log(b.service) == _log(a.service) and len(_log(a.service)) == size + 1
    assert _replayed(_log(a.service)).size == size + 1


def test_terminated_backends_are_reconnected(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """pg_terminate_backend on every session of the replicas (a database restart, a cut network): the pools
    reconnect and the next ballots are accepted."""
    a, b = replicas
    e = _election(safe_primes_1024)
    _set_up(a.service, e)
    a.service.cast_ballot(ELECTION, _ballot(e, 0, 0))
    b.service.cast_ballot(ELECTION, _ballot(e, 1, 0))
    with a.service.ledger.engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = ANY(:names) AND pid <> pg_backend_pid()"
            ),
            {"names": [a.name, b.name]},
        ).scalar_one()
    assert killed >= 2
    a.service.cast_ballot(ELECTION, _ballot(e, 2, 0))
    b.service.cast_ballot(ELECTION, _ballot(e, 3, 0))
    assert _replayed(_log(a.service)).ballots_cast == 4


# -- negative: what the catch-up refuses ----------------------------------------------------------------------------
def _two_ledgers(url: str) -> tuple[Ledger, Ledger]:
    return Ledger(make_engine(url), SIGNER, "linli.test"), Ledger(make_engine(url), SIGNER, "linli.test")


def test_stale_append_refused_across_ledgers(pg_url: str) -> None:
    a, b = _two_ledgers(pg_url)
    try:
        a.append("e1", "x", b"zero", extends=0)
        assert b.size("e1") == 1
        a.append("e1", "x", b"one", extends=1)
        with pytest.raises(StaleAppend, match="extends size 1, but the log has 2"):
            b.append("e1", "x", b"fork", extends=1)  # B's view was one entry behind
        assert b.append("e1", "x", b"two", extends=2).index == 2  # caught up meanwhile
        assert a.entries("e1") == [b"zero", b"one"]  # A serves only what it has verified ...
        assert a.updates("e1", 2) == [b"two"]  # ... until it catches up
        assert a.entries("e1") == b.entries("e1") == [b"zero", b"one", b"two"]
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("leaf", ["kept", "recomputed"])
def test_tampered_row_refused_by_the_replica_catching_up(pg_url: str, leaf: str) -> None:
    """A row another replica appended, edited in the database before this one read it: refused (DATA_LOSS), with
    its leaf hash kept (the bytes do not hash to it) or recomputed (the root differs from the signed checkpoint)."""
    a, b = _two_ledgers(pg_url)
    try:
        a.append("e1", "x", b"zero", extends=0)
        assert b.size("e1") == 1
        a.append("e1", "x", b"one", extends=1)
        values: dict[str, object] = {"data": b"edited"}
        if leaf == "recomputed":
            values["leaf_hash"] = merkle.leaf_hash(b"edited")
        with Session(a.engine) as s, s.begin():
            s.execute(update(EntryRow).where(EntryRow.election_id == "e1", EntryRow.idx == 1).values(**values))
        match = "was edited" if leaf == "kept" else "do not match the root of its (last )?signed checkpoint"
        with pytest.raises(LedgerInconsistency, match=match):
            b.updates("e1", 1)
        with pytest.raises(
            LedgerInconsistency, match=match if leaf == "kept" else r"node \(0, 1\) of e1 does not match"
        ):
            b.append("e1", "x", b"two", extends=2)  # recomputed: the view was dropped, the reload refuses the log
        if leaf == "kept":  # refused before the tree took the row: it keeps serving the entry it verified
            assert b.size("e1") == 1
        else:  # the tree took a leaf the checkpoint refutes: dropped, and the reload refuses the log
            with pytest.raises(LedgerInconsistency):
                b.size("e1")
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("how", ["missing", "edited"])
def test_new_entry_without_its_node_row_refused_on_catch_up(pg_url: str, how: str) -> None:
    """ADR 0019: an entry appended without its level-0 node (a replica of an older version writes none), or with
    another one, is refused by the replica catching up (DATA_LOSS) rather than served with proofs that cannot exist."""
    a, b = _two_ledgers(pg_url)
    try:
        a.append("e1", "x", b"zero", extends=0)
        assert b.size("e1") == 1
        a.append("e1", "x", b"one", extends=1)
        where = (NodeRow.election_id == "e1", NodeRow.level == 0, NodeRow.idx == 1)
        with Session(a.engine) as s, s.begin():
            if how == "missing":
                s.execute(delete(NodeRow).where(*where))
            else:
                s.execute(update(NodeRow).where(*where).values(hash=merkle.leaf_hash(b"other")))
        match = "has no stored tree node" if how == "missing" else r"node \(0, 1\) of e1 does not match its entries"
        with pytest.raises(LedgerInconsistency, match=match):
            b.updates("e1", 1)
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("old", [2, 3])
def test_rewritten_old_leaf_refused_on_catch_up(pg_url: str, old: int) -> None:
    """§P16.2: the rows this replica already verified are compared with their level-0 nodes (and the frontier's
    last leaf, for an odd size); a foreign writer that rewrote the parent of the next entry is a StaleAppend."""
    a, b = _two_ledgers(pg_url)
    try:
        for i in range(old):
            a.append("e1", "x", f"entry {i}".encode(), extends=i)
        assert b.size("e1") == old
        other = merkle.leaf_hash(b"other")
        with Session(a.engine) as s, s.begin():
            s.execute(
                update(NodeRow)
                .where(NodeRow.election_id == "e1", NodeRow.level == 0, NodeRow.idx == old - 1)
                .values(hash=other)
            )
            if old % 2:  # both rows agree: only the frontier in memory knows
                s.execute(
                    update(EntryRow)
                    .where(EntryRow.election_id == "e1", EntryRow.idx == old - 1)
                    .values(leaf_hash=other)
                )
        with pytest.raises(StaleAppend, match=f"entry {old - 1} of e1 in the database is not the one this tree holds"):
            b.append("e1", "x", b"next", extends=old)
    finally:
        a.close()
        b.close()


def test_checkpoint_signed_by_another_key_refused_on_catch_up(pg_url: str) -> None:
    a, b = _two_ledgers(pg_url)
    try:
        a.append("e1", "x", b"zero", extends=0)
        assert b.size("e1") == 1
        a.append("e1", "x", b"one", extends=1)
        root = merkle.root_from_leaf_hashes([merkle.leaf_hash(b"zero"), merkle.leaf_hash(b"one")])
        forged = sign_checkpoint(Checkpoint("linli.test/e1", 2, root), NoteSigner.generate("linli-test"))
        with Session(a.engine) as s, s.begin():
            s.execute(
                update(CheckpointRow)
                .where(CheckpointRow.election_id == "e1", CheckpointRow.size == 2)
                .values(note=forged)
            )
        with pytest.raises(LedgerInconsistency, match="not signed by this server's key"):
            b.updates("e1", 1)
    finally:
        a.close()
        b.close()


def test_entry_breaking_the_rules_refused_on_catch_up(
    replicas: tuple[Replica, Replica], safe_primes_1024: tuple[int, int]
) -> None:
    """A row that hashes and is signed, but breaks the rules (a second opening, written behind the services' backs
    with a valid checkpoint): the replica catching up refuses the log instead of serving it."""
    a, b = replicas
    e = _election(safe_primes_1024)
    _set_up(a.service, e)
    assert b.service.state(ELECTION).phase is Phase.OPEN
    opened = next(d for d in _log(a.service) if Entry.from_bytes(d).kind is EntryKind.ELECTION_OPENED)
    a.service.ledger.append(ELECTION, "election.opened", opened, extends=len(e.entries))
    with pytest.raises(LedgerInconsistency, match="appended by another server, breaks the rules"):
        b.service.state(ELECTION)


def test_replica_with_another_key_or_origin_refused_at_start(pg_url: str) -> None:
    first = Ledger(make_engine(pg_url), SIGNER, "linli.test")
    try:
        with pytest.raises(ReplicaMismatch, match="same --key file and --name"):
            Ledger(make_engine(pg_url), NoteSigner.generate("linli-test"), "linli.test")
        with pytest.raises(ReplicaMismatch, match="same --origin"):
            Ledger(make_engine(pg_url), SIGNER, "linli.other")
        Ledger(make_engine(pg_url), SIGNER, "linli.test").close()  # the same key and origin: a replica
    finally:
        first.close()


def test_single_writer_of_an_older_version_and_replicas_exclude_each_other(pg_url: str) -> None:
    """ADR 0008's servers take the writer key exclusively; replicas take it shared: never both at once."""
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
            key = _pg_key("linli/ledger-writer/v1", database, schema)
            assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one()
            conn.commit()
            with pytest.raises(WriterLocked, match="single writer"):
                Ledger(make_engine(pg_url), SIGNER, "linli.test")
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
            replica = Ledger(make_engine(pg_url), SIGNER, "linli.test")
            try:
                assert not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one()
                conn.commit()
            finally:
                replica.close()
    finally:
        engine.dispose()


def test_two_replicas_make_one_log_that_verifies_with_the_witnesses_cosignatures(
    replicas: tuple[Replica, Replica],
    safe_primes_1024: tuple[int, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12's "done when": ballots raced on two replicas, the election closed on one and decrypted on the other;
    one witness watches replica A, the other replica B (each checks consistency with what it cosigned before); the
    record exported from B passes `linli verify` only once the final checkpoint carries both cosignatures."""
    a, b = replicas
    keys = []
    for i in (1, 2):
        path = tmp_path / f"w{i}.json"
        code, out, _ = cli(capsys, "keygen", "--role", "witness", "--name", f"witness.test/w{i}", "--out", str(path))
        assert code == 0
        keys.append((path, out.strip()))
    witnesses = tuple(CosignerVerifier.from_vkey(vkey) for _, vkey in keys)
    e = _election(safe_primes_1024, witnesses=witnesses, witness_quorum=2)
    _set_up(a.service, e)

    def witness(i: int, replica: Replica) -> None:
        argv = ["witness", "--server", replica.address, "--election", ELECTION, "--key", str(keys[i][0])]
        code, _, err = cli(capsys, *argv, "--state", str(tmp_path / f"w{i}.state"), "--once")
        assert code == 0, err

    witness(0, a)  # cosigns the set-up's checkpoint: later ones must extend it
    witness(1, b)
    ballots = [_ballot(e, v % 8, v % 3) for v in range(12)]
    results = _race(*[lambda i=i: (a, b)[i % 2].service.cast_ballot(ELECTION, ballots[i]) for i in range(12)])
    assert not [r for r in results if isinstance(r, Exception)], results
    witness(0, a)
    witness(1, b)
    state = _replayed(a.client.entries(ELECTION))
    a.client.submit(state.raw_statement(EntryKind.ELECTION_CLOSED, {}, e.admin, Role.ADMIN))
    for t in range(1, state.require_definition().threshold + 1):
        state = _replayed(b.client.entries(ELECTION))
        body = make_trustee_shares(state.require_context(), e.shares[t - 1], state.tally).to_json(
            state.require_context()
        )
        b.client.submit(state.raw_statement(EntryKind.DECRYPTION_SHARE, body, e.trustees[t - 1], Role.TRUSTEE, t))
    out_dir = tmp_path / "record"
    witness(0, a)  # only one witness has seen the result's checkpoint yet
    code, _, err = cli(capsys, "export", "--server", b.address, "--election", ELECTION, "--out", str(out_dir))
    assert code == 0 and "1 of the 2 witness cosignatures" in err, err
    code, out, err = cli(capsys, "verify", str(out_dir), "--min-modulus-bits", str(MODULUS_BITS))
    assert code == 1, out + err
    witness(1, b)
    code, _, err = cli(capsys, "export", "--server", b.address, "--election", ELECTION, "--out", str(out_dir))
    assert code == 0 and "warning" not in err, err
    code, out, err = cli(capsys, "verify", str(out_dir), "--min-modulus-bits", str(MODULUS_BITS))
    assert code == 0, out + err
    assert "cosigned by 2 witnesses (quorum 2 of 2)" in out and "RESULT: every check passed" in out
    assert _replayed(_log(a.service)).phase is Phase.PUBLISHED and _log(a.service) == _log(b.service)
