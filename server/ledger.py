"""The append-only Merkle ledger: one RFC 9162 log per election, C2SP checkpoints signed by the server key
(docs/protocol.md §P10)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, case, func, insert, null, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.errors import CryptoError
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
    """Append-only logs over SQLAlchemy; Merkle trees are kept in memory, rebuilt from the stored entries and caught
    up with what other replicas append.

    §P11.2, §P16: on SQLite a Ledger is the only writer of its database (``WriterLocked`` otherwise). On PostgreSQL
    any number of Ledgers — replicas, in one process or many — share it: every append takes the election's
    transaction-scoped advisory lock, reads and verifies what the others appended since this ledger last looked
    (every leaf hash recomputed, every new checkpoint's signature and root checked), lets the caller decide against
    the caught-up log, and writes the entry with its signed checkpoint in the same transaction. ``(election, idx)``
    stays the primary key: the last line of defence. A tree is loaded only if every stored entry hashes to its
    stored leaf hash and the root matches the last signed checkpoint (§P11.3).
    """

    def __init__(self, engine: Engine, signer: NoteSigner, origin_prefix: str) -> None:
        self._engine = engine
        self._signer = signer
        self._verifier = signer.verifier()
        self._prefix = origin_prefix
        self._trees: dict[str, merkle.MerkleTree] = {}
        self._locks: dict[str, threading.RLock] = {}  # per election: its tree, in this process
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

    def _tree(self, election_id: str) -> merkle.MerkleTree:
        """The election's tree (the caller holds its lock)."""
        tree = self._trees.get(election_id)
        if tree is None:
            tree = self._load(election_id)
            self._trees[election_id] = tree
        return tree

    def _load(self, election_id: str) -> merkle.MerkleTree:
        """§P11.3: rebuild a tree from the stored entry bytes, refusing a log that disagrees with itself. One snapshot
        (REPEATABLE READ on PostgreSQL), so that replicas appending meanwhile are not mistaken for a gap."""
        tree = merkle.MerkleTree()
        problem = ""
        engine = self._engine.execution_options(isolation_level="REPEATABLE READ") if self.shared else self._engine
        try:
            with Session(engine) as s:
                rows = s.execute(
                    select(EntryRow.idx, EntryRow.data, EntryRow.leaf_hash)
                    .where(EntryRow.election_id == election_id)
                    .order_by(EntryRow.idx)
                    .execution_options(yield_per=256)
                )
                try:
                    for idx, data, stored in rows:
                        if idx != tree.size:
                            problem = f"the log of {election_id} has no entry {tree.size} (next is {idx})"
                            break
                        leaf = merkle.leaf_hash(bytes(data))
                        if leaf != bytes(stored):
                            problem = (
                                f"entry {idx} of the log of {election_id} was edited: its bytes do not hash to its leaf"
                            )
                            break
                        tree.append(leaf)
                finally:
                    rows.close()
                last = s.scalar(select(func.max(CheckpointRow.size)).where(CheckpointRow.election_id == election_id))
                note = (
                    None
                    if last is None
                    else s.scalar(
                        select(CheckpointRow.note).where(
                            CheckpointRow.election_id == election_id, CheckpointRow.size == last
                        )
                    )
                )
        except SQLAlchemyError as e:
            raise StorageError(f"could not read the log of {election_id}") from e
        if problem:
            raise LedgerInconsistency(problem)
        if (last or 0) != tree.size:
            raise LedgerInconsistency(
                f"the log of {election_id} holds {tree.size} entries but its last checkpoint has size {last or 0}"
            )
        if note is not None:
            self._check_note(election_id, tree, tree.size, bytes(note), "last checkpoint")
        self._check_nodes(election_id, tree)
        return tree

    def _check_nodes(self, election_id: str, tree: merkle.MerkleTree) -> None:
        """ADR 0019, §P11.3: the stored perfect subtrees must be exactly the verified tree's (rows beyond its size
        are not trusted and ignored). An election with none (records of older versions) gets them written now."""
        size = tree.size
        if size == 0:
            return
        try:
            with Session(self._engine) as s:
                stored = {
                    (level, idx): bytes(h)
                    for level, idx, h in s.execute(
                        select(NodeRow.level, NodeRow.idx, NodeRow.hash).where(NodeRow.election_id == election_id)
                    )
                }
            if not stored:
                with Session(self._engine) as s, s.begin():
                    if self.shared:
                        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": self._append_key(election_id)})
                    if s.scalar(select(func.count()).select_from(NodeRow).where(NodeRow.election_id == election_id)):
                        return  # another replica wrote them meanwhile; the next load checks them
                    s.add_all(NodeRow(election_id=election_id, level=h, idx=i, hash=v) for h, i, v in tree.subtrees())
                return
        except SQLAlchemyError as e:
            raise StorageError(f"could not read the tree nodes of {election_id}") from e
        for level, idx, value in tree.subtrees():
            if stored.get((level, idx)) != value:
                raise LedgerInconsistency(
                    f"the stored tree node ({level}, {idx}) of {election_id} does not match its entries:"
                    " this election is not served"
                )

    def _check_note(self, election_id: str, tree: merkle.MerkleTree, size: int, note: bytes, what: str = "") -> None:
        """A stored checkpoint is trusted only if this server's key signed it, for this election, over this tree."""
        what = what or f"checkpoint of size {size}"
        try:
            checkpoint = open_checkpoint(note, self._verifier)
        except CryptoError as e:
            raise LedgerInconsistency(f"the {what} of {election_id} is not signed by this server's key ({e})") from e
        if (
            checkpoint.origin != self.origin(election_id)
            or checkpoint.size != size
            or checkpoint.root_hash != (tree.root(size))
        ):
            raise LedgerInconsistency(
                f"the stored entries of {election_id} do not match the root of its "
                + what.replace("checkpoint", "signed checkpoint")
            )

    # -- §P16.2 catching up with the other replicas ----------------------------------------------------------------
    def _catch_up(
        self, s: Session, election_id: str, tree: merkle.MerkleTree, since: int, *, locked: bool
    ) -> list[bytes]:
        """Extend ``tree`` with what the database holds beyond it and return the entries from ``since`` on.

        Trusted only once checked: each new row's bytes must hash to its stored leaf hash, the rows the tree
        already holds (and the parent of the first new one) must carry the tree's leaf hashes, and every new
        checkpoint must be signed by the log key over this election's origin with the root of the caught-up tree at
        its size. ``locked``: inside an append, under the election's lock, where the database's entries and
        checkpoints must also agree in number (a row without its checkpoint is a foreign writer: StaleAppend).
        """
        old = tree.size
        if not 0 <= since <= old:
            raise StaleAppend(f"the state of {election_id} has {since} entries, beyond this server's log ({old})")
        if locked and since == old and self._unchanged(s, election_id, tree):
            return []
        mine_cp = CheckpointRow.election_id == election_id
        notes = s.execute(
            select(CheckpointRow.size, CheckpointRow.note)
            .where(mine_cp, CheckpointRow.size > old)
            .order_by(CheckpointRow.size)
        ).all()
        upto = notes[-1][0] if notes else old
        if not locked and upto == old and since == old:
            return []
        lo = max(min(since, old - 1), 0)
        where = [EntryRow.election_id == election_id, EntryRow.idx >= lo]
        if not locked:
            where.append(EntryRow.idx < upto)
        rows = s.execute(
            select(EntryRow.idx, EntryRow.leaf_hash, case((EntryRow.idx >= since, EntryRow.data), else_=null()))
            .where(*where)
            .order_by(EntryRow.idx)
        ).all()
        for i, (idx, stored, _) in enumerate(rows):
            if idx != lo + i:
                raise LedgerInconsistency(f"the log of {election_id} has no entry {lo + i} (next is {idx})")
            if idx < old and bytes(stored) != tree.leaf_hashes[idx]:
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
        try:
            for idx, stored, data in rows:
                if idx < since:
                    continue
                entry = bytes(data)
                leaf = merkle.leaf_hash(entry)
                if leaf != bytes(stored) or (idx < old and leaf != tree.leaf_hashes[idx]):
                    raise LedgerInconsistency(
                        f"entry {idx} of the log of {election_id} was edited: its bytes do not hash to its leaf"
                    )
                if idx >= old:
                    tree.append(leaf)
                out.append(entry)
            for size, note in notes:
                self._check_note(election_id, tree, size, bytes(note))
        except BaseException:
            if tree.size != old:
                self._trees.pop(election_id, None)  # the tree took leaves it could not trust: reload from scratch
            raise
        return out

    @staticmethod
    def _unchanged(s: Session, election_id: str, tree: merkle.MerkleTree) -> bool:
        """The append's fast path (§P16.2.2), one query: whether the database holds exactly this tree's log — no
        checkpoint beyond its size, no entry beyond its last leaf, and that leaf's stored hash is the tree's. The
        same checks as the full catch-up when nothing is new; on any other answer the full catch-up runs (and
        raises what it finds)."""
        old = tree.size
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
        beyond, held, leaf = s.execute(select(checkpoints, entries, last.scalar_subquery())).one()
        if beyond or held != old - lo:
            return False
        return old == 0 or (leaf is not None and bytes(leaf) == tree.leaf_hashes[lo])

    def updates(self, election_id: str, since: int) -> list[bytes]:
        """§P16.3: the entries from ``since`` on, after catching up with what other replicas appended (verified as
        in an append, without its lock). On SQLite, with one writer, only what this ledger holds beyond ``since``."""
        with self._election_lock(election_id):
            tree = self._tree(election_id)
            if not self.shared and since == tree.size:
                return []
            try:
                with Session(self._engine) as s:
                    return self._catch_up(s, election_id, tree, since, locked=False)
            except SQLAlchemyError as e:
                raise _storage_error(e, f"could not read the log of {election_id}") from e

    def size(self, election_id: str) -> int:
        with self._election_lock(election_id):
            return self._tree(election_id).size

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
        tree = self._tree(election_id)
        new = self._catch_up(s, election_id, tree, since, locked=True)
        if tree.size == 0 and s.get(ElectionRow, election_id) is not None:
            raise StaleAppend(f"election {election_id} already exists in the database")
        planned = plan(new)
        if not planned:
            s.rollback()
            return []
        origin = self.origin(election_id)
        first = tree.size
        signed: list[tuple[int, bytes, bytes]] = []  # (index, leaf hash, checkpoint note) per entry
        nodes: list[dict[str, object]] = []
        try:
            for _, data, _ in planned:
                index = tree.size
                leaf = merkle.leaf_hash(data)
                tree.append(leaf)
                signed.append((index, leaf, sign_checkpoint(Checkpoint(origin, tree.size, tree.root()), self._signer)))
                # ADR 0019: the perfect subtrees this leaf completes, in the same transaction as the entry.
                nodes.extend(
                    {"election_id": election_id, "level": h, "idx": i, "hash": v}
                    for h, i, v in merkle.completed_subtrees(index, leaf, tree.subtree)
                )
            rows = list(zip(planned, signed, strict=True))
            entries = [
                {"election_id": election_id, "idx": index, "kind": kind, "data": data, "leaf_hash": leaf}
                for (kind, data, _), (index, leaf, _) in rows
            ]
            checkpoints = [
                {"election_id": election_id, "size": index + 1, "note": note, "milestone": milestone}
                for (_, _, milestone), (index, _, note) in rows
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
            self._trees.pop(election_id, None)  # the tree holds leaves the database may not: reload what it holds
            raise
        return [
            Appended(election_id, index, leaf, index + 1, tuple(tree.inclusion_proof(index, index + 1)), note)
            for index, leaf, note in signed
        ]

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

    # -- reads: from this ledger's verified tree -----------------------------------------------------------------
    def receipt(self, election_id: str, index: int) -> Appended:
        """The receipt of an entry already in the log, against the current signed checkpoint (§P11.4)."""
        with self._election_lock(election_id):
            tree = self._tree(election_id)
            size = tree.size
            if not 0 <= index < size:
                raise OutOfRange(f"no entry {index} in the log of {election_id} (size {size})")
            note = self.checkpoint(election_id, size)
            return Appended(
                election_id, index, tree.leaf_hashes[index], size, tuple(tree.inclusion_proof(index, size)), note
            )

    def entries(self, election_id: str, start: int = 0, limit: int = 1000) -> list[bytes]:
        """Up to ``limit`` entries from ``start``, within this ledger's tree; the range is checked before any SQL."""
        size = self.size(election_id)
        if not 0 <= start <= size:
            raise OutOfRange(f"start {start} is beyond the log of {election_id} (size {size})")
        if not 0 < limit <= 1000:
            raise OutOfRange("limit must be in 1..1000")
        if start == size:
            return []
        try:
            with Session(self._engine) as s:
                rows = s.scalars(
                    select(EntryRow.data)
                    .where(EntryRow.election_id == election_id, EntryRow.idx >= start, EntryRow.idx < size)
                    .order_by(EntryRow.idx)
                    .limit(limit)
                )
                return [bytes(r) for r in rows]
        except SQLAlchemyError as e:
            raise _storage_error(e, f"could not read the log of {election_id}") from e

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
            tree = self._tree(election_id)
            if not 0 <= index < size <= tree.size:
                raise OutOfRange(f"need 0 <= leaf_index < tree_size <= {tree.size}")
            return tree.leaf_hashes[index], tree.inclusion_proof(index, size)

    def consistency_proof(self, election_id: str, size1: int, size2: int) -> Sequence[bytes]:
        with self._election_lock(election_id):
            tree = self._tree(election_id)
            if not 0 < size1 <= size2 <= tree.size:
                raise OutOfRange(f"need 0 < size1 <= size2 <= {tree.size}")
            return tree.consistency_proof(size1, size2)


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
