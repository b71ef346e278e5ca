"""The append-only Merkle ledger: one RFC 9162 log per election, C2SP checkpoints signed by the server key
(docs/protocol.md §P10)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Integer, Select, case, func, insert, literal, null, select, text, union_all
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.errors import CryptoError, MerkleProofError
from crypto.note import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint
from server.errors import (
    Interrupted,
    LedgerInconsistency,
    OutOfRange,
    ReplicaMismatch,
    StaleAppend,
    StorageError,
    WriterLocked,
)
from server.storage import CheckpointRow, ElectionRow, EntryRow, LogSignerRow, NodeRow

__all__ = ["Appended", "GroupPlan", "Ledger", "Plan"]


@dataclass(frozen=True, slots=True)
class Appended:
    election_id: str
    index: int
    leaf_hash: bytes
    size: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint: bytes


# -- §P11.2 the single writer ------------------------------------------------------------------------------------
class _WriterLock(Protocol):
    def release(self) -> None: ...


class _NoLock:
    """In-memory SQLite: the database lives and dies with this process, so no one else can write to it."""

    def release(self) -> None:
        pass


class _SidecarFileLock:
    """SQLite file: an exclusive ``flock`` on ``<database>.lock`` next to it, held for the life of the Ledger.

    ``flock`` locks belong to an open file description, so a second Ledger is refused whether it runs in another
    process or in this one; the kernel drops the lock when the process dies, so a crash leaves no stale lock.
    """

    def __init__(self, database: Path) -> None:
        import fcntl

        self.path = database.with_name(database.name + ".lock")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            raise WriterLocked(
                f"another Linli server already writes to the SQLite database {database} (lock {self.path} is held)"
            ) from e
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the operator; the lock itself is the flock
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


class _SharedAdvisoryLock:
    """PostgreSQL (§P16.1): many replicas share the database, so each holds the writer key of ADR 0008 *shared*, on
    a dedicated connection, for its whole life. Replicas do not exclude each other; a single-writer server of an
    older version (which takes that key exclusively) is refused while replicas run, and refuses them while it runs.

    The key is derived from the database and schema names, so ledgers in different schemas (tests) do not collide.
    PostgreSQL drops the lock with the session, so a crash leaves no stale lock.
    """

    def __init__(self, engine: Engine) -> None:
        conn = engine.connect()
        try:
            database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
            key = _pg_key("linli/ledger-writer/v1", database, schema)
            locked = conn.execute(text("SELECT pg_try_advisory_lock_shared(:key)"), {"key": key}).scalar_one()
            conn.commit()  # the session lock outlives the transaction; leave no transaction open
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        if not locked:
            conn.close()
            raise WriterLocked(
                f"another Linli server already writes to the PostgreSQL database {database!r} (schema {schema!r}) as"
                f" its single writer (advisory lock {key} is held exclusively): stop it before starting replicas"
            )
        self.database, self.schema = str(database), str(schema)
        self._conn: Connection | None = conn
        self._key = key

    def release(self) -> None:
        if self._conn is not None:
            try:  # synchronously: a session's end is noticed by the backend a moment after the socket closes
                self._conn.execute(text("SELECT pg_advisory_unlock_shared(:key)"), {"key": self._key})
                self._conn.commit()
            except SQLAlchemyError:
                pass  # the session is gone, and the lock with it
            self._conn.invalidate()  # and end the session, so the pooled connection cannot carry the lock
            self._conn.close()
            self._conn = None


def _pg_key(tag: str, *names: str) -> int:
    """A signed 64-bit advisory lock key: the first 8 bytes of SHA-256 over the tag and the names, NUL-separated."""
    digest = hashlib.sha256("\x00".join((tag, *names)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _acquire_writer_lock(engine: Engine) -> _WriterLock:
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return _SharedAdvisoryLock(engine)
    if dialect == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or engine.url.query.get("mode") == "memory":
            return _NoLock()
        return _SidecarFileLock(Path(database).resolve())
    raise StorageError(f"no writer lock for the {dialect} dialect: use SQLite or PostgreSQL")


#: What the service answers for the entries a caught-up append brings in and the entry it then wants appended:
#: ``(kind, canonical bytes, milestone)``, or None to append nothing (the transaction is rolled back).
Plan = Callable[[Sequence[bytes]], "tuple[str, bytes, bool] | None"]
#: The same for a group commit (§P11.5.4): the entries to append in this order, each with its own signed checkpoint
#: (empty: append nothing, the transaction is rolled back).
GroupPlan = Callable[[Sequence[bytes]], "Sequence[tuple[str, bytes, bool]]"]


# -- the ledger ----------------------------------------------------------------------------------------------------
class Ledger:
    """Append-only logs over SQLAlchemy. In memory, per election, only the right frontier (ADR 0019: the O(log n)
    perfect subtrees of the current size, whose root the last signed checkpoint holds); proofs and receipts are
    computed from the stored node rows (one query each) and verified against that root before they are served.

    §P11.2, §P16: on SQLite a Ledger is the only writer of its database (``WriterLocked`` otherwise). On PostgreSQL
    any number of Ledgers — replicas, in one process or many — share it: every append takes the election's
    transaction-scoped advisory lock, reads and verifies what the others appended since this ledger last looked
    (every leaf hash recomputed, every new checkpoint's signature and root checked), lets the caller decide against
    the caught-up log, and writes the entry with its signed checkpoint in the same transaction. ``(election, idx)``
    stays the primary key: the last line of defence. A frontier is loaded only if the stored frontier nodes give the
    root of the last signed checkpoint and the last entry hashes to its leaf (§P11.3); ``check_log`` re-verifies
    every entry and node at load instead (``linli serve --check-log``).
    """

    def __init__(self, engine: Engine, signer: NoteSigner, origin_prefix: str, *, check_log: bool = False) -> None:
        self._engine = engine
        self._signer = signer
        self._verifier = signer.verifier()
        self._prefix = origin_prefix
        self._check_log = check_log
        self._views: dict[str, merkle.Frontier] = {}  # per election: its verified right frontier (ADR 0019)
        self._locks: dict[str, threading.RLock] = {}  # per election: its frontier, in this process
        self._lock = threading.Lock()  # guards the two dicts
        self._writer: _WriterLock | None = None
        self._names: tuple[str, str] = ("", "")
        try:
            self._writer = _acquire_writer_lock(engine)
            if isinstance(self._writer, _SharedAdvisoryLock):
                self._names = (self._writer.database, self._writer.schema)
                self._check_signer()
        except BaseException:
            if self._writer is not None:
                self._writer.release()
            engine.dispose()  # the ledger owns its engine (close() disposes it): a refused start leaves no connection
            raise

    def close(self) -> None:
        """Release the writer lock and the database connections (idempotent)."""
        with self._lock:
            if self._writer is not None:
                self._writer.release()
                self._writer = None
            self._engine.dispose()

    @property
    def engine(self) -> Engine:
        """The database, for the server's other tables (the relay, §P13); the ledger owns and disposes it."""
        return self._engine

    @property
    def signer(self) -> NoteSigner:
        return self._signer

    @property
    def shared(self) -> bool:
        """Whether other replicas may append to this database (PostgreSQL, §P16); a SQLite file has one writer."""
        return isinstance(self._writer, _SharedAdvisoryLock)

    def describe(self) -> str:
        """One line for ``linli serve`` to print at start-up: who else may write to this database."""
        writer = self._writer
        if isinstance(writer, _SharedAdvisoryLock):
            return (
                f"replicas: PostgreSQL database {writer.database!r} (schema {writer.schema!r}) may be shared by other"
                " linli serve processes with the same --key, --name and --origin; appends are serialised per election"
            )
        if isinstance(writer, _SidecarFileLock):
            return (
                f"single writer: this server holds {writer.path}; SQLite takes one server per database (run replicas"
                " on PostgreSQL)"
            )
        return "single writer: an in-memory database, private to this process"

    def _check_signer(self) -> None:
        """§P16.1: every replica signs with the key and origin prefix the database's first server recorded."""
        vkey = self._verifier.to_vkey()
        try:
            with Session(self._engine) as s, s.begin():
                s.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _pg_key("linli/log-signer/v1", *self._names)}
                )
                row = s.get(LogSignerRow, 1)
                if row is None:
                    s.add(LogSignerRow(id=1, verifier_key=vkey, origin_prefix=self._prefix))
                    return
                stored_key, stored_prefix = row.verifier_key, row.origin_prefix
        except SQLAlchemyError as e:
            raise StorageError("could not read the log signer of the database") from e
        if stored_key != vkey:
            raise ReplicaMismatch(
                f"the servers on this database sign their logs with {stored_key}, this one with {vkey}: every replica"
                " runs with the same --key file and --name"
            )
        if stored_prefix != self._prefix:
            raise ReplicaMismatch(
                f"the servers on this database use the log origin prefix {stored_prefix!r}, this one {self._prefix!r}:"
                " every replica runs with the same --origin"
            )

    def origin(self, election_id: str) -> str:
        return f"{self._prefix}/{election_id}"

    def election_ids(self) -> list[str]:
        try:
            with Session(self._engine) as s:
                return list(s.scalars(select(ElectionRow.election_id).order_by(ElectionRow.election_id)))
        except SQLAlchemyError as e:
            raise StorageError("could not list the elections") from e

    def exists(self, election_id: str) -> bool:
        """Whether the database holds the election (another replica may have created it)."""
        try:
            with Session(self._engine) as s:
                return s.get(ElectionRow, election_id) is not None
        except SQLAlchemyError as e:
            raise StorageError(f"could not look up election {election_id}") from e

    def _election_lock(self, election_id: str) -> threading.RLock:
        with self._lock:
            lock = self._locks.get(election_id)
            if lock is None:
                lock = self._locks[election_id] = threading.RLock()
            return lock

    def _view(self, election_id: str) -> merkle.Frontier:
        """The election's verified right frontier (the caller holds its lock)."""
        front = self._views.get(election_id)
        if front is None:
            front = self._load(election_id)
            self._views[election_id] = front
        return front

    def _load(self, election_id: str) -> merkle.Frontier:
        """§P11.3 (ADR 0019): the latest signed checkpoint must be the root of the stored frontier nodes, and the
        last entry must hash to its leaf and its level-0 node; O(log n) rows, one snapshot (REPEATABLE READ on
        PostgreSQL, so that replicas appending meanwhile are not mistaken for a gap). Older entries are checked when
        they are read (:meth:`entries`, :meth:`updates`) and every proof against the verified root before it is
        served; ``check_log`` re-verifies every entry and node instead (:meth:`_replay_nodes`). An election with
        entries but no node row (an older version's record) gets its nodes rebuilt from every entry."""
        engine = self._snapshot_engine()
        try:
            with Session(engine) as s:
                last, note = self._last_checkpoint(s, election_id)
                top = s.scalar(select(func.max(EntryRow.idx)).where(EntryRow.election_id == election_id))
                held = 0 if top is None else top + 1
                if held != last:
                    raise LedgerInconsistency(
                        f"the log of {election_id} holds {held} entries but its last checkpoint has size {last}"
                    )
                if last == 0:
                    return merkle.Frontier()
                has_nodes = s.scalar(select(NodeRow.idx).where(NodeRow.election_id == election_id).limit(1))
                if self._check_log or has_nodes is None:
                    return self._replay_nodes(s, election_id, write=has_nodes is None)
                nodes = _fetch_nodes(s, election_id, {*merkle.frontier_subtrees(last), (0, last - 1)})
                data, stored = s.execute(
                    select(EntryRow.data, EntryRow.leaf_hash).where(
                        EntryRow.election_id == election_id, EntryRow.idx == last - 1
                    )
                ).one()
        except SQLAlchemyError as e:
            raise StorageError(f"could not read the log of {election_id}") from e
        assert note is not None
        get = _getter(nodes, election_id)
        leaf = merkle.leaf_hash(bytes(data))
        if leaf != bytes(stored):
            raise LedgerInconsistency(
                f"entry {last - 1} of the log of {election_id} was edited: its bytes do not hash to its leaf"
            )
        if get(0, last - 1) != leaf:
            raise LedgerInconsistency(
                f"the stored tree node (0, {last - 1}) of {election_id} does not match its entries:"
                " this election is not served"
            )
        front = merkle.Frontier.from_subtrees(get, last)
        self._check_note(election_id, front.root(), last, note, "last checkpoint")
        return front

    def _snapshot_engine(self) -> Engine:
        return self._engine.execution_options(isolation_level="REPEATABLE READ") if self.shared else self._engine

    @staticmethod
    def _last_checkpoint(s: Session, election_id: str) -> tuple[int, bytes | None]:
        row = s.execute(
            select(CheckpointRow.size, CheckpointRow.note)
            .where(CheckpointRow.election_id == election_id)
            .order_by(CheckpointRow.size.desc())
            .limit(1)
        ).first()
        return (0, None) if row is None else (int(row[0]), bytes(row[1]))

    def _replay_nodes(self, s: Session, election_id: str, *, write: bool) -> merkle.Frontier:
        """§P11.3 in full (``linli serve --check-log``, and the migration of an older version's record): every entry
        hashed to its stored leaf, the tree rebuilt from them and checked against the last signed checkpoint, and
        every stored perfect subtree within its size compared with the rebuilt one. O(n) time, O(log n + chunk)
        memory: entries are read in chunks. ``write``: the election has no node row yet; they are written, under the
        election's append advisory lock on PostgreSQL, in one transaction, re-checked inside it (two replicas do not
        both write them). Rows beyond the verified size are not trusted and ignored."""
        if write:
            s.rollback()  # leave the snapshot; write in a transaction of its own
            with Session(self._engine) as w, w.begin():
                if self.shared:
                    w.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": self._append_key(election_id)})
                has_nodes = w.scalar(select(NodeRow.idx).where(NodeRow.election_id == election_id).limit(1))
                return self._replay_nodes_in(w, election_id, write=has_nodes is None)
        return self._replay_nodes_in(s, election_id, write=False)

    def _replay_nodes_in(self, s: Session, election_id: str, *, write: bool) -> merkle.Frontier:
        last, note = self._last_checkpoint(s, election_id)
        front = merkle.Frontier()
        count = 0  # entries read (more than ``last`` is refused below)
        bad_node = ""
        while True:
            rows = s.execute(
                select(EntryRow.idx, EntryRow.data, EntryRow.leaf_hash)
                .where(EntryRow.election_id == election_id, EntryRow.idx >= count)
                .order_by(EntryRow.idx)
                .limit(_CHUNK)
            ).all()
            done: dict[tuple[int, int], bytes] = {}
            for idx, data, stored in rows:
                if idx != count:
                    raise LedgerInconsistency(f"the log of {election_id} has no entry {count} (next is {idx})")
                leaf = merkle.leaf_hash(bytes(data))
                if leaf != bytes(stored):
                    raise LedgerInconsistency(
                        f"entry {idx} of the log of {election_id} was edited: its bytes do not hash to its leaf"
                    )
                count += 1
                if front.size < last:
                    front, completed = front.append(leaf)
                    done.update(((h, i), v) for h, i, v in completed)
            if done:
                stored_nodes = _fetch_node_ranges(s, election_id, done)
                missing = [(h, i, v) for (h, i), v in done.items() if (h, i) not in stored_nodes]
                if write and missing:
                    s.execute(
                        insert(NodeRow),
                        [{"election_id": election_id, "level": h, "idx": i, "hash": v} for h, i, v in missing],
                    )
                elif missing and not bad_node:
                    h, i, _ = missing[0]
                    bad_node = f"the stored tree node ({h}, {i}) of {election_id} is missing"
                for key, value in done.items():
                    if key in stored_nodes and stored_nodes[key] != value and not bad_node:
                        bad_node = (
                            f"the stored tree node ({key[0]}, {key[1]}) of {election_id} does not match its entries:"
                            " this election is not served"
                        )
            if len(rows) < _CHUNK:
                break
        if count != last:
            raise LedgerInconsistency(
                f"the log of {election_id} holds {count} entries but its last checkpoint has size {last}"
            )
        if note is not None:
            self._check_note(election_id, front.root(), last, note, "last checkpoint")
        if bad_node:
            raise LedgerInconsistency(bad_node)
        return front

    def _check_note(self, election_id: str, root: bytes, size: int, note: bytes, what: str = "") -> None:
        """A stored checkpoint is trusted only if this server's key signed it, for this election, over this root."""
        what = what or f"checkpoint of size {size}"
        try:
            checkpoint = open_checkpoint(note, self._verifier)
        except CryptoError as e:
            raise LedgerInconsistency(f"the {what} of {election_id} is not signed by this server's key ({e})") from e
        if checkpoint.origin != self.origin(election_id) or checkpoint.size != size or checkpoint.root_hash != root:
            raise LedgerInconsistency(
                f"the stored entries of {election_id} do not match the root of its "
                + what.replace("checkpoint", "signed checkpoint")
            )

    # -- §P16.2 catching up with the other replicas ----------------------------------------------------------------
    def _catch_up(
        self, s: Session, election_id: str, front: merkle.Frontier, since: int, *, locked: bool
    ) -> tuple[merkle.Frontier, list[bytes]]:
        """Extend ``front`` with what the database holds beyond it; return it and the entries from ``since`` on.

        Trusted only once checked: each new row's bytes must hash to its stored leaf hash and its level-0 node, the
        rows the frontier already covers (and the parent of the first new one) must carry their level-0 nodes' leaf
        hashes (ADR 0019), and every new checkpoint must be signed by the log key over this election's origin with
        the root of the extended frontier at its size. ``locked``: inside an append, under the election's lock,
        where the database's entries and checkpoints must also agree in number (a row without its checkpoint is a
        foreign writer: StaleAppend). If the frontier took leaves a checkpoint refutes, the view is dropped (the
        next call reloads).
        """
        old = front.size
        if not 0 <= since <= old:
            raise StaleAppend(f"the state of {election_id} has {since} entries, beyond this server's log ({old})")
        if locked and since == old and self._unchanged(s, election_id, front):
            return front, []
        mine_cp = CheckpointRow.election_id == election_id
        notes = s.execute(
            select(CheckpointRow.size, CheckpointRow.note)
            .where(mine_cp, CheckpointRow.size > old)
            .order_by(CheckpointRow.size)
        ).all()
        upto = notes[-1][0] if notes else old
        if not locked and upto == old and since == old:
            return front, []
        lo = max(min(since, old - 1), 0)
        where = [EntryRow.election_id == election_id, EntryRow.idx >= lo]
        if not locked:
            where.append(EntryRow.idx < upto)
        # ADR 0019: with the entries, their level-0 node rows; two index ranges in one statement (a join's plan,
        # on a table PostgreSQL has not analysed yet, scanned every level-0 row of the election)
        found = s.execute(
            union_all(
                select(
                    EntryRow.idx,
                    EntryRow.leaf_hash,
                    case((EntryRow.idx >= since, EntryRow.data), else_=null()),
                    literal(0, Integer),
                ).where(*where),
                _leaf_nodes(election_id, lo, None if locked else upto),
            )
        ).all()
        leaf_nodes = {int(idx): bytes(v) for idx, v, _, is_node in found if is_node}
        entry_rows = sorted((r[:3] for r in found if not r[3]), key=lambda r: int(r[0]))
        rows = [(idx, stored, data, leaf_nodes.get(int(idx))) for idx, stored, data in entry_rows]
        last_leaf = front.hashes[-1] if old % 2 else None  # the frontier's last subtree is leaf old - 1 itself
        for i, (idx, stored, _, node) in enumerate(rows):
            if idx != lo + i:
                raise LedgerInconsistency(f"the log of {election_id} has no entry {lo + i} (next is {idx})")
            if idx < old and (
                node is None
                or bytes(stored) != bytes(node)
                or (idx == old - 1 and last_leaf is not None and bytes(stored) != last_leaf)
            ):
                raise StaleAppend(f"entry {idx} of {election_id} in the database is not the one this tree holds")
        stored_size = lo + len(rows)
        if old and stored_size < old:
            raise StaleAppend(f"entry {old - 1} of {election_id} in the database is not the one this tree holds")
        if stored_size != upto:
            if locked:
                raise StaleAppend(
                    f"append to {election_id} extends size {old}, but the database holds {stored_size} entries"
                    f" and a checkpoint of size {upto}"
                )
            raise LedgerInconsistency(
                f"the log of {election_id} holds {stored_size} entries but its last checkpoint has size {upto}"
            )
        out: list[bytes] = []
        pending = list(notes)
        try:
            for idx, stored, data, node in rows:
                if idx < since:
                    continue
                entry = bytes(data)
                leaf = merkle.leaf_hash(entry)
                if leaf != bytes(stored) or (idx < old and leaf != node):
                    raise LedgerInconsistency(
                        f"entry {idx} of the log of {election_id} was edited: its bytes do not hash to its leaf"
                    )
                if idx >= old:
                    front, _ = front.append(leaf)
                    while pending and pending[0][0] == front.size:
                        size, note = pending.pop(0)
                        self._check_note(election_id, front.root(), size, bytes(note))
                out.append(entry)
            for idx, stored, _, node in rows:
                if idx < old:
                    continue
                if node is None:  # ADR 0019: a server of an older version appends no node rows
                    raise LedgerInconsistency(
                        f"entry {idx} of the log of {election_id} has no stored tree node (appended by a server of an"
                        " older version?): this election is not served"
                    )
                if bytes(node) != bytes(stored):
                    raise LedgerInconsistency(
                        f"the stored tree node (0, {idx}) of {election_id} does not match its entries:"
                        " this election is not served"
                    )
        except BaseException:
            if front.size != old:
                self._views.pop(election_id, None)  # the frontier took leaves it could not trust: reload from scratch
            raise
        return front, out

    @staticmethod
    def _unchanged(s: Session, election_id: str, front: merkle.Frontier) -> bool:
        """The append's fast path (§P16.2.2), one query: whether the database holds exactly this frontier's log — no
        checkpoint beyond its size, no entry beyond its last leaf, and that leaf's stored hash is its level-0 node's
        (and, at an odd size, the frontier's last subtree, which is that leaf). The same checks as the full catch-up
        when nothing is new; on any other answer the full catch-up runs (and raises what it finds)."""
        old = front.size
        lo = max(old - 1, 0)
        checkpoints = (
            select(func.count())
            .select_from(CheckpointRow)
            .where(CheckpointRow.election_id == election_id, CheckpointRow.size > old)
            .scalar_subquery()
        )
        entries = (
            select(func.count())
            .select_from(EntryRow)
            .where(EntryRow.election_id == election_id, EntryRow.idx >= lo)
            .scalar_subquery()
        )
        last = select(EntryRow.leaf_hash).where(EntryRow.election_id == election_id, EntryRow.idx == lo)
        node = select(NodeRow.hash).where(NodeRow.election_id == election_id, NodeRow.level == 0, NodeRow.idx == lo)
        beyond, held, leaf, level0 = s.execute(
            select(checkpoints, entries, last.scalar_subquery(), node.scalar_subquery())
        ).one()
        if beyond or held != old - lo:
            return False
        if old == 0:
            return True
        if leaf is None or level0 is None or bytes(leaf) != bytes(level0):
            return False
        return old % 2 == 0 or bytes(leaf) == front.hashes[-1]

    def updates(self, election_id: str, since: int) -> list[bytes]:
        """§P16.3: the entries from ``since`` on, after catching up with what other replicas appended (verified as
        in an append, without its lock). On SQLite, with one writer, only what this ledger holds beyond ``since``."""
        with self._election_lock(election_id):
            front = self._view(election_id)
            if not self.shared and since == front.size:
                return []
            try:
                with Session(self._engine) as s:
                    front, out = self._catch_up(s, election_id, front, since, locked=False)
            except SQLAlchemyError as e:
                raise _storage_error(e, f"could not read the log of {election_id}") from e
            self._views[election_id] = front
            return out

    def size(self, election_id: str) -> int:
        with self._election_lock(election_id):
            return self._view(election_id).size

    # -- §P16.2 the append ---------------------------------------------------------------------------------------
    def append_planned(self, election_id: str, since: int, plan: Plan) -> Appended | None:
        """Append what ``plan`` decides, against the log as the database holds it, with its signed checkpoint.

        In one transaction: the election's advisory lock (PostgreSQL; a SQLite file has one writer), the catch-up
        (:meth:`_catch_up`), then ``plan(entries since since)`` — the caller applies them to its state and runs its
        checks there — then the entry and its checkpoint, and the commit. ``plan`` returning None appends nothing.
        Errors: StaleAppend (the log moved in a way no lock allows: a foreign writer), Interrupted (the connection
        was lost: the append may have landed; the next one catches up), StorageError, or whatever ``plan`` raises.
        """

        def group(new: Sequence[bytes]) -> Sequence[tuple[str, bytes, bool]]:
            planned = plan(new)
            return () if planned is None else (planned,)

        appended = self.append_group(election_id, since, group)
        return appended[0] if appended else None

    def append_group(self, election_id: str, since: int, plan: GroupPlan) -> list[Appended]:
        """:meth:`append_planned` for several entries in one transaction (group commit, §P11.5.4): each entry gets
        the checkpoint signed at its own size, all are written with one statement and one commit, and the receipts
        are returned only once the commit is durable; if anything fails, none of them is in the log."""
        lock = self._election_lock(election_id)
        with lock:  # loaded before the advisory lock: a migration (_replay_nodes) takes it on its own connection
            self._view(election_id)
        with Session(self._engine) as s:
            try:
                s.begin()
                if self.shared:
                    s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": self._append_key(election_id)})
                with lock:
                    return self._append_locked(s, election_id, since, plan)
            except SQLAlchemyError as e:
                if isinstance(e, IntegrityError):  # (election, idx) is the primary key: someone else wrote it
                    raise StaleAppend(f"an entry of {election_id} was written by someone else meanwhile") from e
                raise _storage_error(e, f"could not append to the log of {election_id}") from e

    def _append_key(self, election_id: str) -> int:
        return _pg_key("linli/ledger-append/v1", *self._names, election_id)

    def _append_locked(self, s: Session, election_id: str, since: int, plan: GroupPlan) -> list[Appended]:
        front, new = self._catch_up(s, election_id, self._view(election_id), since, locked=True)
        self._views[election_id] = front
        if front.size == 0 and s.get(ElectionRow, election_id) is not None:
            raise StaleAppend(f"election {election_id} already exists in the database")
        planned = plan(new)
        if not planned:
            s.rollback()
            return []
        origin = self.origin(election_id)
        first = front.size
        after = front
        signed: list[tuple[int, bytes, bytes, tuple[bytes, ...]]] = []  # (index, leaf, note, inclusion proof)
        nodes: list[dict[str, object]] = []
        try:
            for _, data, _ in planned:
                index = after.size
                leaf = merkle.leaf_hash(data)
                path = tuple(after.next_leaf_path())  # §P11.4: the new leaf's siblings are the frontier it extends
                after, completed = after.append(leaf)
                note = sign_checkpoint(Checkpoint(origin, after.size, after.root()), self._signer)
                signed.append((index, leaf, note, path))
                # ADR 0019: the perfect subtrees this leaf completes, in the same transaction as the entry.
                nodes.extend({"election_id": election_id, "level": h, "idx": i, "hash": v} for h, i, v in completed)
            rows = list(zip(planned, signed, strict=True))
            entries = [
                {"election_id": election_id, "idx": index, "kind": kind, "data": data, "leaf_hash": leaf}
                for (kind, data, _), (index, leaf, _, _) in rows
            ]
            checkpoints = [
                {"election_id": election_id, "size": index + 1, "note": note, "milestone": milestone}
                for (_, _, milestone), (index, _, note, _) in rows
            ]
            if first == 0:
                s.execute(insert(ElectionRow).values(election_id=election_id, origin=origin))
            if self.shared:  # PostgreSQL: every row of the group in one prepared statement, one round trip
                s.execute(_PG_GROUP_INSERT, _columns(election_id, entries, checkpoints, nodes))
            else:
                for table, values in ((EntryRow, entries), (CheckpointRow, checkpoints), (NodeRow, nodes)):
                    s.execute(insert(table), values)
            s.commit()
        except BaseException:
            self._views.pop(election_id, None)  # the database may hold the group or not: reload what it holds
            raise
        self._views[election_id] = after
        return [Appended(election_id, index, leaf, index + 1, path, note) for index, leaf, note, path in signed]

    def append(self, election_id: str, kind: str, data: bytes, *, extends: int, milestone: bool = False) -> Appended:
        """Append one entry and its signed checkpoint atomically, as leaf ``extends`` of a tree of that size.

        §P11.2: refused with :class:`StaleAppend` unless, inside the transaction (under the election's lock), the
        database's entries and checkpoints have exactly ``extends`` leaves with this tree's leaves (nobody can fork
        or overwrite the log). The service appends with :meth:`append_planned`.
        """
        since = self.size(election_id)

        def plan(new: Sequence[bytes]) -> tuple[str, bytes, bool]:
            if since + len(new) != extends:
                raise StaleAppend(f"append to {election_id} extends size {extends}, but the log has {since + len(new)}")
            return kind, data, milestone

        appended = self.append_planned(election_id, since, plan)
        assert appended is not None  # the plan always appends
        return appended

    # -- reads: from this ledger's verified frontier and the stored nodes (ADR 0019) -------------------------------
    def _proof_nodes(
        self, election_id: str, front: merkle.Frontier, size: int, *, index: int | None = None, size1: int | None = None
    ) -> merkle.SubtreeGetter:
        """One query for every node a proof at ``size`` reads, checked before anything is served: the root of
        ``size`` computed from them must be the verified root (``size`` is the frontier's) or be proven consistent
        with it (a consistency proof to the frontier's size from the same rows, verified against its root). A row
        that breaks this is LedgerInconsistency (DATA_LOSS), never a wrong proof."""
        wanted = merkle.subtrees_for_proofs(size, index=index, size1=size1)
        if index is not None:
            wanted.add((0, index))
        if size1 is not None:
            wanted |= set(merkle.frontier_subtrees(size1))
        if size < front.size:
            wanted |= merkle.subtrees_for_proofs(front.size, size1=size)
        try:
            with Session(self._engine) as s:
                nodes = _fetch_nodes(s, election_id, wanted)
        except SQLAlchemyError as e:
            raise _storage_error(e, f"could not read the tree nodes of {election_id}") from e
        get = _getter(nodes, election_id)
        if size < front.size:
            try:
                merkle.verify_consistency(
                    size,
                    front.size,
                    merkle.consistency_proof_from_subtrees(get, size, front.size),
                    merkle.root_from_subtrees(get, size),
                    front.root(),
                )
            except MerkleProofError as e:
                raise _edited_nodes(election_id, front.size) from e
        return get

    def _root(self, get: merkle.SubtreeGetter, front: merkle.Frontier, size: int) -> bytes:
        # the root of ``size``: the verified one, or (after _proof_nodes proved it consistent) from the nodes
        return front.root() if size == front.size else merkle.root_from_subtrees(get, size)

    def _inclusion(self, election_id: str, front: merkle.Frontier, index: int, size: int) -> tuple[bytes, list[bytes]]:
        get = self._proof_nodes(election_id, front, size, index=index)
        leaf, proof = get(0, index), merkle.inclusion_proof_from_subtrees(get, index, size)
        try:
            merkle.verify_inclusion(leaf, index, size, proof, self._root(get, front, size))
        except MerkleProofError as e:
            raise _edited_nodes(election_id, front.size) from e
        return leaf, proof

    def root_at(self, election_id: str, size: int) -> bytes:
        """The root of the log at ``size`` (up to this ledger's verified size), from the stored nodes, proven
        consistent with the verified root before it is returned (:meth:`_proof_nodes`; DATA_LOSS otherwise)."""
        with self._election_lock(election_id):
            front = self._view(election_id)
            if not 0 <= size <= front.size:
                raise OutOfRange(f"no tree of size {size} in the log of {election_id} (size {front.size})")
            if size == front.size:
                return front.root()
            if size == 0:
                return merkle.EMPTY_ROOT
            return self._root(self._proof_nodes(election_id, front, size), front, size)

    def receipt(self, election_id: str, index: int) -> Appended:
        """The receipt of an entry already in the log, against the current signed checkpoint (§P11.4)."""
        with self._election_lock(election_id):
            front = self._view(election_id)
            size = front.size
            if not 0 <= index < size:
                raise OutOfRange(f"no entry {index} in the log of {election_id} (size {size})")
            leaf, proof = self._inclusion(election_id, front, index, size)
            note = self.checkpoint(election_id, size)
            return Appended(election_id, index, leaf, size, tuple(proof), note)

    def entries(self, election_id: str, start: int = 0, limit: int = 1000) -> list[bytes]:
        """Up to ``limit`` entries from ``start``, within this ledger's tree; the range is checked before any SQL.

        §P11.3 (ADR 0019): each entry is served only if it is there (no gap), hashes to its stored leaf hash and to
        its level-0 node (the node rows the proofs are computed from), otherwise LedgerInconsistency."""
        size = self.size(election_id)
        if not 0 <= start <= size:
            raise OutOfRange(f"start {start} is beyond the log of {election_id} (size {size})")
        if not 0 < limit <= 1000:
            raise OutOfRange("limit must be in 1..1000")
        if start == size:
            return []
        end = min(size, start + limit)
        try:
            with Session(self._engine) as s:
                found = s.execute(
                    union_all(
                        select(EntryRow.idx, EntryRow.data, EntryRow.leaf_hash, literal(0, Integer)).where(
                            EntryRow.election_id == election_id, EntryRow.idx >= start, EntryRow.idx < end
                        ),
                        _leaf_nodes(election_id, start, end, data_first=True),
                    )
                ).all()
        except SQLAlchemyError as e:
            raise _storage_error(e, f"could not read the log of {election_id}") from e
        leaf_nodes = {int(idx): bytes(v) for idx, _, v, is_node in found if is_node}
        entry_rows = sorted((r[:3] for r in found if not r[3]), key=lambda r: int(r[0]))
        rows = [(idx, data, stored, leaf_nodes.get(int(idx))) for idx, data, stored in entry_rows]
        out: list[bytes] = []
        for i, (idx, data, stored, node) in enumerate(rows):
            if idx != start + i:
                raise LedgerInconsistency(f"the log of {election_id} has no entry {start + i} (next is {idx})")
            entry = bytes(data)
            leaf = merkle.leaf_hash(entry)
            if leaf != bytes(stored) or node is None or leaf != bytes(node):
                raise LedgerInconsistency(
                    f"entry {idx} of the log of {election_id} was edited: its bytes do not hash to its leaf"
                )
            out.append(entry)
        if len(out) < min(limit, size - start):
            raise LedgerInconsistency(f"the log of {election_id} has no entry {start + len(out)}")
        return out

    def checkpoint(self, election_id: str, size: int | None = None) -> bytes:
        """The signed checkpoint of ``size`` (default: this ledger's tree size, never a size it has not verified)."""
        current = self.size(election_id)
        if size is None:
            if current == 0:
                raise OutOfRange(f"the log of {election_id} has no checkpoint")
            size = current
        elif not 0 < size <= current:
            raise OutOfRange(f"no checkpoint of size {size} in the log of {election_id}")
        try:
            with Session(self._engine) as s:
                note = s.scalar(
                    select(CheckpointRow.note).where(
                        CheckpointRow.election_id == election_id, CheckpointRow.size == size
                    )
                )
        except SQLAlchemyError as e:
            raise _storage_error(e, f"could not read the checkpoints of {election_id}") from e
        if note is None:
            raise OutOfRange(f"no checkpoint of size {size} in the log of {election_id}")
        return bytes(note)

    def milestone_checkpoints(self, election_id: str) -> list[bytes]:
        """Checkpoints kept for the record: every milestone (non-ballot entry) and the latest this ledger holds."""
        last = self.size(election_id)
        try:
            with Session(self._engine) as s:
                rows = s.scalars(
                    select(CheckpointRow.note)
                    .where(
                        CheckpointRow.election_id == election_id,
                        CheckpointRow.size <= last,
                        (CheckpointRow.milestone.is_(True)) | (CheckpointRow.size == last),
                    )
                    .order_by(CheckpointRow.size)
                )
                return [bytes(r) for r in rows]
        except SQLAlchemyError as e:
            raise _storage_error(e, f"could not read the checkpoints of {election_id}") from e

    def inclusion_proof(self, election_id: str, index: int, size: int) -> tuple[bytes, list[bytes]]:
        with self._election_lock(election_id):
            front = self._view(election_id)
            if not 0 <= index < size <= front.size:
                raise OutOfRange(f"need 0 <= leaf_index < tree_size <= {front.size}")
            return self._inclusion(election_id, front, index, size)

    def consistency_proof(self, election_id: str, size1: int, size2: int) -> Sequence[bytes]:
        with self._election_lock(election_id):
            front = self._view(election_id)
            if not 0 < size1 <= size2 <= front.size:
                raise OutOfRange(f"need 0 < size1 <= size2 <= {front.size}")
            if size1 == size2:
                return []
            get = self._proof_nodes(election_id, front, size2, size1=size1)
            proof = merkle.consistency_proof_from_subtrees(get, size1, size2)
            try:
                root2 = self._root(get, front, size2)
                merkle.verify_consistency(size1, size2, proof, merkle.root_from_subtrees(get, size1), root2)
            except MerkleProofError as e:
                raise _edited_nodes(election_id, front.size) from e
            return proof


#: Entries read per query when every entry is re-verified (``check_log``, the migration of an older record).
_CHUNK = 4096


#: PostgreSQL: the wanted (level, idx) pairs as two arrays joined to the primary key, one index probe each. A nested
#: loop whatever the statistics say (an IN-list plan, on a bulk-loaded table not yet analysed, scanned the election).
_PG_NODES = text(
    "SELECT n.level, n.idx, n.hash FROM ledger_nodes n"  # NodeRow
    " JOIN unnest(CAST(:levels AS integer[]), CAST(:idxs AS integer[])) AS w(level, idx)"
    " ON n.level = w.level AND n.idx = w.idx WHERE n.election_id = :election_id"
)


def _fetch_nodes(s: Session, election_id: str, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The node rows ``wanted`` (a proof's: O(log² n)) in one query. PostgreSQL: :data:`_PG_NODES`. SQLite seeks
    neither row values nor an OR of per-level terms (it scans the election), but it does seek ``level IN (..) AND
    idx IN (..)`` on the primary key: a superset (every level times every index, most of them absent), filtered."""
    if not wanted:
        return {}
    if s.get_bind().dialect.name == "postgresql":
        pairs = sorted(wanted)
        params = {"levels": [h for h, _ in pairs], "idxs": [i for _, i in pairs], "election_id": election_id}
        return {(h, i): bytes(v) for h, i, v in s.execute(_PG_NODES, params)}
    levels, idxs = sorted({h for h, _ in wanted}), sorted({i for _, i in wanted})
    rows = s.execute(
        select(NodeRow.level, NodeRow.idx, NodeRow.hash).where(
            NodeRow.election_id == election_id, NodeRow.level.in_(levels), NodeRow.idx.in_(idxs)
        )
    )
    return {(h, i): bytes(v) for h, i, v in rows if (h, i) in wanted}


def _fetch_node_ranges(
    s: Session, election_id: str, done: dict[tuple[int, int], bytes]
) -> dict[tuple[int, int], bytes]:
    """The stored rows at the positions of ``done`` (a chunk's completed subtrees), level by level."""
    bounds: dict[int, tuple[int, int]] = {}
    for h, i in done:
        lo, hi = bounds.get(h, (i, i))
        bounds[h] = (min(lo, i), max(hi, i))
    out: dict[tuple[int, int], bytes] = {}
    for h, (lo, hi) in sorted(bounds.items()):  # one index range per query (SQLite scans an OR of them)
        rows = s.execute(
            select(NodeRow.idx, NodeRow.hash).where(
                NodeRow.election_id == election_id, NodeRow.level == h, NodeRow.idx.between(lo, hi)
            )
        )
        out.update(((h, i), bytes(v)) for i, v in rows if (h, i) in done)
    return out


def _leaf_nodes(election_id: str, lo: int, hi: int | None, *, data_first: bool = False) -> Select[Any, Any, Any, Any]:
    """The level-0 node rows of ``[lo, hi)`` (``hi`` None: to the end) as the second branch of a UNION ALL with
    entry rows: ``(idx, hash, NULL, 1)``, or ``(idx, NULL, hash, 1)`` with ``data_first``."""
    where = [NodeRow.election_id == election_id, NodeRow.level == 0, NodeRow.idx >= lo]
    if hi is not None:
        where.append(NodeRow.idx < hi)
    if data_first:
        return select(NodeRow.idx, null(), NodeRow.hash, literal(1, Integer)).where(*where)
    return select(NodeRow.idx, NodeRow.hash, null(), literal(1, Integer)).where(*where)


def _getter(nodes: dict[tuple[int, int], bytes], election_id: str) -> merkle.SubtreeGetter:
    def get(level: int, idx: int) -> bytes:
        value = nodes.get((level, idx))
        if value is None:
            raise LedgerInconsistency(
                f"the stored tree node ({level}, {idx}) of {election_id} is missing: this election is not served"
            )
        return value

    return get


def _edited_nodes(election_id: str, size: int) -> LedgerInconsistency:
    return LedgerInconsistency(
        f"the stored tree nodes of {election_id} do not match its signed checkpoint of size {size}: a node row was"
        " edited, no proof from them is served"
    )


#: §P11.5.4: a group's entry, checkpoint and node rows in one statement (arrays of columns, so that the statement's
#: text is the same for every group and PostgreSQL prepares it once). The table names are server.storage's.
_PG_GROUP_INSERT = text(
    "WITH e AS (INSERT INTO ledger_entries (election_id, idx, kind, data, leaf_hash)"
    " SELECT :election, * FROM unnest(CAST(:e_idx AS integer[]), CAST(:e_kind AS varchar[]),"
    " CAST(:e_data AS bytea[]), CAST(:e_leaf AS bytea[]))),"
    " c AS (INSERT INTO checkpoints (election_id, size, note, milestone)"
    " SELECT :election, * FROM unnest(CAST(:c_size AS integer[]), CAST(:c_note AS bytea[]),"
    " CAST(:c_milestone AS boolean[])))"
    " INSERT INTO ledger_nodes (election_id, level, idx, hash)"
    " SELECT :election, * FROM unnest(CAST(:n_level AS integer[]), CAST(:n_idx AS integer[]), CAST(:n_hash AS bytea[]))"
)


def _columns(
    election_id: str,
    entries: list[dict[str, object]],
    checkpoints: list[dict[str, object]],
    nodes: list[dict[str, object]],
) -> dict[str, object]:
    """The parameters of :data:`_PG_GROUP_INSERT`: one array per column."""
    return {
        "election": election_id,
        "e_idx": [r["idx"] for r in entries],
        "e_kind": [r["kind"] for r in entries],
        "e_data": [r["data"] for r in entries],
        "e_leaf": [r["leaf_hash"] for r in entries],
        "c_size": [r["size"] for r in checkpoints],
        "c_note": [r["note"] for r in checkpoints],
        "c_milestone": [r["milestone"] for r in checkpoints],
        "n_level": [r["level"] for r in nodes],
        "n_idx": [r["idx"] for r in nodes],
        "n_hash": [r["hash"] for r in nodes],
    }


def _storage_error(e: SQLAlchemyError, message: str) -> StorageError:
    """A lost connection (a database restart, a cut network, a terminated backend) is Interrupted: the caller may
    retry once it has caught up; anything else the database refused is a StorageError."""
    if isinstance(e, OperationalError | InterfaceError) or (isinstance(e, DBAPIError) and e.connection_invalidated):
        return Interrupted(f"{message}: the database connection was lost ({type(e.orig or e).__name__})")
    return StorageError(message)


class StoredTree:
    """The server's :class:`voting.state.LogTree` of one election (ADR 0019): the right frontier of the state's own
    size in memory (the current root, O(log n) hashes), and the root of any earlier size from the ledger's stored
    nodes (:meth:`Ledger.root_at`, checked against its verified root). The state appends a leaf only once the ledger
    holds it (or, in a group commit, holds every size the state is asked about: statements are appended alone)."""

    def __init__(self, ledger: Ledger, election_id: str) -> None:
        self._ledger = ledger
        self._election_id = election_id
        self._front = merkle.Frontier()

    @property
    def size(self) -> int:
        return self._front.size

    def append(self, leaf_hash: bytes) -> int:
        self._front, _ = self._front.append(leaf_hash)
        return self._front.size - 1

    def root(self, size: int | None = None) -> bytes:
        if size is None or size == self._front.size:
            return self._front.root()
        if not 0 <= size < self._front.size:
            raise MerkleProofError(f"tree size {size} is out of range (the state's log has {self._front.size})")
        return self._ledger.root_at(self._election_id, size)
