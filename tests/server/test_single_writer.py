"""One log per election, whatever runs (docs/protocol.md §P11.2–§P11.3, ADR 0008): a second writer is refused at
start-up, an append must extend the stored tree, an edited row is refused at load, and a failed append leaves the
in-memory state untouched (no ghost election). Each test is named after the attack or failure it stops."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import grpc
import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from client.api import LinliClient
from crypto import merkle
from crypto.note import NoteSigner
from server.errors import LedgerInconsistency, ReplicaMismatch, StaleAppend, StorageError, WriterLocked
from server.ledger import GroupPlan, Ledger, Plan
from server.service import ElectionService, ServiceConfig
from server.storage import EntryRow, LogSignerRow, make_engine
from tests.factories import MODULUS_BITS, make_election
from tests.server.conftest import REFERENCE, Live, start_service
from voting.encoding import canonical
from voting.errors import NotFound, WrongPhase
from voting.records import EntryKind, Role

SIGNER = NoteSigner.generate("linli-test")


def _ledger(url: str, signer: NoteSigner = SIGNER, *, check_log: bool = False) -> Ledger:
    return Ledger(make_engine(url), signer, "linli.test", check_log=check_log)


# -- §P11.2 the single writer (SQLite; PostgreSQL takes replicas, tests/server/test_replicas.py) --------------------
@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'linli.db'}"


def test_second_writer_on_one_database_refused(sqlite_url: str) -> None:
    """Two servers on one SQLite file re-created each other's elections: refused."""
    db_url = sqlite_url
    first = _ledger(db_url)
    try:
        with pytest.raises(WriterLocked, match="another Linli server already writes to"):
            _ledger(db_url)
    finally:
        first.close()
    second = _ledger(db_url)  # the lock goes with the first ledger: a restart is not blocked
    second.close()
    second.close()  # idempotent


def test_second_writer_in_another_process_refused(sqlite_url: str) -> None:
    """The lock holds across processes (flock on the SQLite sidecar file)."""
    db_url = sqlite_url
    holder = _ledger(db_url)
    try:
        code = (
            "import sys\n"
            "from crypto.note import NoteSigner\n"
            "from server.errors import WriterLocked\n"
            "from server.ledger import Ledger\n"
            "from server.storage import make_engine\n"
            "try:\n"
            f"    Ledger(make_engine({db_url!r}), NoteSigner.generate('x'), 'o')\n"
            "except WriterLocked as e:\n"
            "    print(e); sys.exit(7)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 7, proc.stdout + proc.stderr
        assert "already writes to" in proc.stdout
    finally:
        holder.close()


def test_in_memory_sqlite_needs_no_lock() -> None:
    a, b = _ledger("sqlite://"), _ledger("sqlite://")  # two separate in-memory databases
    a.close()
    b.close()


def _serve(db: str, tmp_path: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "client.cli", "serve", "--listen", "127.0.0.1:0", "--db", db]
    cmd += ["--key", str(tmp_path / "server.key.json"), "--min-modulus-bits", "2048"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_second_linli_serve_on_one_database_exits_with_one_line(sqlite_url: str, tmp_path: Path) -> None:
    db_url = sqlite_url
    first = _serve(db_url, tmp_path)
    try:
        assert first.stdout is not None and first.stderr is not None
        line = first.stdout.readline()
        assert line.startswith("linli serving on port"), line + first.stderr.read()
        said = first.stderr.readline()  # §P16: the one line that says SQLite has one writer
        while said.startswith("created a new log signing key"):
            said = first.stderr.readline()
        assert said.startswith("single writer: this server holds") and "PostgreSQL" in said, said
        second = _serve(db_url, tmp_path)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 1, out + err
        lines = [x for x in err.splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: another Linli server already writes to"), err
        assert "Traceback" not in err and out == ""
    finally:
        first.terminate()
        first.wait(timeout=30)
        for stream in (first.stdout, first.stderr):
            if stream is not None:
                stream.close()


# -- §P11.2 appends must extend the stored tree ----------------------------------------------------------------------
def test_append_with_stale_size_refused(db_url: str) -> None:
    ledger = _ledger(db_url)
    try:
        ledger.append("e1", "x", b"zero", extends=0)
        ledger.append("e1", "x", b"one", extends=1)
        for stale in (0, 1, 3):
            with pytest.raises(StaleAppend, match="extends size"):
                ledger.append("e1", "x", b"fork", extends=stale)
        assert ledger.entries("e1") == [b"zero", b"one"]
        assert ledger.append("e1", "x", b"two", extends=2).index == 2
    finally:
        ledger.close()


def test_append_behind_a_foreign_row_refused(db_url: str) -> None:
    """A row written behind the ledger's back (a second writer that slipped past the lock, a manual INSERT): the
    check inside the transaction sees the database's max index, and the (election, idx) key refuses a duplicate."""
    ledger = _ledger(db_url)
    try:
        ledger.append("e1", "x", b"zero", extends=0)
        with Session(ledger._engine) as s, s.begin():
            s.execute(
                insert(EntryRow).values(
                    election_id="e1", idx=1, kind="x", data=b"foreign", leaf_hash=merkle.leaf_hash(b"foreign")
                )
            )
        with pytest.raises(StaleAppend, match="database holds 2 entries"):
            ledger.append("e1", "x", b"mine", extends=1)
        with Session(ledger._engine) as s, s.begin(), pytest.raises(Exception, match=r"(?i)unique|primary|duplicate"):
            s.execute(insert(EntryRow).values(election_id="e1", idx=1, kind="x", data=b"again", leaf_hash=bytes(32)))
    finally:
        ledger.close()


def test_recreating_an_existing_election_row_refused(db_url: str) -> None:
    ledger = _ledger(db_url)
    try:
        ledger.append("e1", "x", b"zero", extends=0)
        ledger._views.clear()
        ledger._views["e1"] = merkle.Frontier()  # a stale view that believes the log is empty
        with pytest.raises(StaleAppend):
            ledger.append("e1", "x", b"again", extends=0)
    finally:
        ledger.close()


# -- §P11.3 the tree is loaded only from consistent rows -------------------------------------------------------------
def _edited(url: str, **values: object) -> None:
    ledger = _ledger(url)
    for i in range(4):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    if values:
        with Session(ledger._engine) as s, s.begin():
            s.execute(update(EntryRow).where(EntryRow.election_id == "e1", EntryRow.idx == 2).values(**values))
    ledger.close()


def test_edited_row_refused_when_read_and_at_a_full_check(db_url: str) -> None:
    """ADR 0019: the load checks the last checkpoint against the stored nodes, not every entry; an edited old entry
    is refused when it is read (the service replays every log at start) and by ``check_log`` at load."""
    _edited(db_url, data=b"entry X")
    ledger = _ledger(db_url)
    try:
        assert ledger.size("e1") == 4
        with pytest.raises(LedgerInconsistency, match="entry 2 of the log of e1 was edited"):
            ledger.entries("e1")
        assert ledger.entries("e1", 3) == [b"entry 3"]  # the entries it can check are still served
    finally:
        ledger.close()
    ledger = _ledger(db_url, check_log=True)
    try:
        with pytest.raises(LedgerInconsistency, match="entry 2 of the log of e1 was edited"):
            ledger.size("e1")
        with pytest.raises(LedgerInconsistency):
            ledger.entries("e1")
    finally:
        ledger.close()


def test_edited_last_row_refused_at_load(db_url: str) -> None:
    _edited(db_url)
    ledger = _ledger(db_url)
    with Session(ledger._engine) as s, s.begin():
        s.execute(update(EntryRow).where(EntryRow.election_id == "e1", EntryRow.idx == 3).values(data=b"entry X"))
    ledger.close()
    ledger = _ledger(db_url)
    try:
        with pytest.raises(LedgerInconsistency, match="entry 3 of the log of e1 was edited"):
            ledger.size("e1")
    finally:
        ledger.close()


def test_edited_row_with_recomputed_leaf_hash_refused(db_url: str) -> None:
    _edited(db_url, data=b"entry X", leaf_hash=merkle.leaf_hash(b"entry X"))
    ledger = _ledger(db_url)
    try:
        with pytest.raises(LedgerInconsistency, match="entry 2 of the log of e1 was edited"):
            ledger.entries("e1")  # its bytes no longer hash to its level-0 node
    finally:
        ledger.close()
    ledger = _ledger(db_url, check_log=True)
    try:
        with pytest.raises(LedgerInconsistency, match="root of its last signed checkpoint"):
            ledger.size("e1")
    finally:
        ledger.close()


@pytest.mark.parametrize("check_log", [False, True])
def test_log_with_a_deleted_row_refused(db_url: str, check_log: bool) -> None:
    _edited(db_url)
    ledger = _ledger(db_url, check_log=check_log)
    with Session(ledger._engine) as s, s.begin():
        s.execute(delete(EntryRow).where(EntryRow.idx == 1))
    try:
        if check_log:  # at load
            with pytest.raises(LedgerInconsistency, match="no entry 1"):
                ledger.size("e1")
        else:  # when read: the last entry and the nodes are intact
            assert ledger.size("e1") == 4
            with pytest.raises(LedgerInconsistency, match="no entry 1"):
                ledger.entries("e1")
    finally:
        ledger.close()


def test_log_opened_with_another_server_key_refused_at_load(db_url: str) -> None:
    _edited(db_url)
    other = NoteSigner.generate("linli-test")
    if db_url.startswith("postgresql"):  # §P16.1: a replica with another key is refused at start-up already ...
        with pytest.raises(ReplicaMismatch, match="sign their logs with"):
            _ledger(db_url, other)
        engine = make_engine(db_url)
        with Session(engine) as s, s.begin():  # ... and if the record of the key is wiped, at load
            s.execute(delete(LogSignerRow))
        engine.dispose()
    ledger = _ledger(db_url, other)
    try:
        with pytest.raises(LedgerInconsistency, match="not signed by this server's key"):
            ledger.size("e1")
    finally:
        ledger.close()


def test_edited_ballot_row_refuses_service_start_with_a_status(live: Live) -> None:
    """The service replays every log at start; an edited row is a clear LedgerInconsistency (DATA_LOSS)."""
    from server.service import status_for

    index = len(live.election.entries) - 1
    live.stop()
    ledger = _ledger(live.url, live.signer)
    with Session(ledger._engine) as s, s.begin():
        s.execute(update(EntryRow).where(EntryRow.idx == index).values(data=b'{"edited":true}'))
    ledger.close()
    with pytest.raises(LedgerInconsistency) as e:
        start_service(live.url, live.signer)
    assert status_for(e.value) == "DATA_LOSS"


# -- §P2.2 the state moves only after the commit --------------------------------------------------------------------
class _FailingAppends:
    """Wraps a ledger; its appends fail as a database would (nothing written)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.fail = True

    def append_planned(self, election_id: str, since: int, plan: Plan) -> object:
        if self.fail:
            raise StorageError("injected: the database is unavailable")
        return self._ledger.append_planned(election_id, since, plan)

    def append_group(self, election_id: str, since: int, plan: GroupPlan) -> object:
        if self.fail:
            raise StorageError("injected: the database is unavailable")
        return self._ledger.append_group(election_id, since, plan)

    def __getattr__(self, name: str) -> object:
        return getattr(self._ledger, name)


def test_failed_create_leaves_no_ghost_election(tmp_path: Path, safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=1, election_id="ghost-test", open_=False)
    created = e.entries[0]
    service = ElectionService(_ledger(f"sqlite:///{tmp_path / 'g.db'}"), ServiceConfig(min_modulus_bits=MODULUS_BITS))
    failing = _FailingAppends(service.ledger)
    service.ledger = failing  # type: ignore[assignment]
    try:
        with pytest.raises(StorageError, match="injected"):
            service.submit_statement(created.to_bytes(), EntryKind.ELECTION_CREATED)
        assert service.election_ids() == []
        with pytest.raises(NotFound):
            service.state("ghost-test")
        failing.fail = False
        assert service.submit_statement(created.to_bytes(), EntryKind.ELECTION_CREATED).index == 0
        for entry in e.entries[1:]:
            service.submit_statement(entry.to_bytes(), entry.kind)
        assert service.state("ghost-test").size == len(e.entries)
    finally:
        service.close()


def _summary(service: ElectionService, election_id: str) -> tuple[object, ...]:
    s = service.state(election_id)
    return (s.size, s.phase, s.ballots_cast, dict(s.counted), set(s.seen_ciphertexts), s.tree.root(), dict(s.issued))


def test_state_equals_replay_after_failed_append(live: Live) -> None:
    service = live.service
    before = _summary(service, REFERENCE)
    failing = _FailingAppends(service.ledger)
    service.ledger = failing  # type: ignore[assignment]
    ballot = canonical(live.election.ballot_entry(2, 1).body)
    with pytest.raises(StorageError):
        service.cast_ballot(REFERENCE, ballot)
    closing = live.election.statement(EntryKind.ELECTION_CLOSED, {})
    with pytest.raises(StorageError):
        service.submit_statement(closing.to_bytes(), EntryKind.ELECTION_CLOSED)
    assert _summary(service, REFERENCE) == before
    replayed, _ = service._replay(REFERENCE)
    assert (replayed.size, replayed.phase, replayed.ballots_cast, replayed.tree.root()) == (*before[:3], before[5])
    service.ledger = failing._ledger
    assert service.cast_ballot(REFERENCE, ballot).index == before[0]  # the same ballot is accepted afterwards
    live.verify()


class _FailingKind:
    """Wraps a ledger; appends of one entry kind fail (nothing written), the others go through."""

    def __init__(self, ledger: Ledger, kind: str) -> None:
        self._ledger = ledger
        self.kind = kind

    def append_planned(self, election_id: str, since: int, plan: Plan) -> object:
        def failing(new: Sequence[bytes]) -> tuple[str, bytes, bool] | None:
            planned = plan(new)
            if planned is not None and planned[0] == self.kind:
                raise StorageError(f"injected: the {self.kind} append fails")
            return planned

        return self._ledger.append_planned(election_id, since, failing)

    def __getattr__(self, name: str) -> object:
        return getattr(self._ledger, name)


def test_failed_tally_append_after_close_is_made_up_at_restart(live: Live) -> None:
    """The close is committed, the server's tally append fails: the election must not stay closed untallied."""
    service = live.service
    service.ledger = _FailingKind(service.ledger, "tally")  # type: ignore[assignment]
    closing = live.replayed().raw_statement(EntryKind.ELECTION_CLOSED, {}, live.election.admin, Role.ADMIN)
    with pytest.raises(StorageError, match="tally"):
        service.submit_statement(closing.to_bytes(), EntryKind.ELECTION_CLOSED)
    state = service.state(REFERENCE)
    assert state.phase.value == "closed" and not state.tally_entry
    live.service.ledger = service.ledger._ledger  # type: ignore[attr-defined]
    live.stop()
    live.service, live.server, port = start_service(live.url, live.signer)
    live.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    live.client = LinliClient(live.channel, timeout=30, min_modulus_bits=MODULUS_BITS)
    assert live.service.state(REFERENCE).tally_entry  # appended at start-up
    live.verify()


def test_failed_tally_append_is_made_up_by_the_next_statement(live: Live) -> None:
    service = live.service
    real = service.ledger
    service.ledger = _FailingKind(real, "tally")  # type: ignore[assignment]
    closing = live.replayed().raw_statement(EntryKind.ELECTION_CLOSED, {}, live.election.admin, Role.ADMIN)
    with pytest.raises(StorageError):
        service.submit_statement(closing.to_bytes(), EntryKind.ELECTION_CLOSED)
    service.ledger = real
    with pytest.raises(WrongPhase):  # the close is refused, but the missing tally is appended first
        service.submit_statement(closing.to_bytes(), EntryKind.ELECTION_CLOSED)
    assert service.state(REFERENCE).tally_entry
    live.verify()
