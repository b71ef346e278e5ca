"""The append-only Merkle ledger: one RFC 9162 log per election, C2SP checkpoints signed by the server key
(docs/protocol.md §P10)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.errors import CryptoError
from crypto.note import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint
from server.errors import LedgerInconsistency, OutOfRange, StaleAppend, StorageError, WriterLocked
from server.storage import CheckpointRow, ElectionRow, EntryRow

__all__ = ["Appended", "Ledger"]


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


class _AdvisoryLock:
    """PostgreSQL: a session advisory lock on a dedicated connection, held for the life of the Ledger.

    The key is derived from the database and schema names, so ledgers in different schemas (tests) do not collide.
    The server restarting after a crash is not blocked: PostgreSQL drops the lock with the session.
    """

    def __init__(self, engine: Engine) -> None:
        conn = engine.connect()
        try:
            database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
            digest = hashlib.sha256(f"linli/ledger-writer/v1\x00{database}\x00{schema}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
            conn.commit()  # the session lock outlives the transaction; leave no transaction open
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        if not locked:
            conn.close()
            raise WriterLocked(
                f"another Linli server already writes to the PostgreSQL database {database!r} (schema {schema!r}):"
                f" its advisory lock {key} is held"
            )
        self._conn: Connection | None = conn
        self._key = key

    def release(self) -> None:
        if self._conn is not None:
            try:  # synchronously: a session's end is noticed by the backend a moment after the socket closes
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                self._conn.commit()
            except SQLAlchemyError:
                pass  # the session is gone, and the lock with it
            self._conn.invalidate()  # and end the session, so the pooled connection cannot carry the lock
            self._conn.close()
            self._conn = None


def _acquire_writer_lock(engine: Engine) -> _WriterLock:
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return _AdvisoryLock(engine)
    if dialect == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or engine.url.query.get("mode") == "memory":
            return _NoLock()
        return _SidecarFileLock(Path(database).resolve())
    raise StorageError(f"no single-writer lock for the {dialect} dialect: use SQLite or PostgreSQL")


# -- the ledger ----------------------------------------------------------------------------------------------------
class Ledger:
    """Append-only logs over SQLAlchemy; Merkle trees are kept in memory and rebuilt from the stored entries.

    §P11.2: a Ledger is the only writer of its database for as long as it is open (``WriterLocked`` otherwise);
    every append names the tree size it extends and is checked against the database inside its transaction;
    a tree is loaded only if every stored entry hashes to its stored leaf hash and the root matches the last
    checkpoint this server signed.
    """

    def __init__(self, engine: Engine, signer: NoteSigner, origin_prefix: str) -> None:
        self._engine = engine
        self._signer = signer
        self._prefix = origin_prefix
        self._trees: dict[str, merkle.MerkleTree] = {}
        self._lock = threading.RLock()
        try:
            self._writer: _WriterLock | None = _acquire_writer_lock(engine)
        except BaseException:
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

    def origin(self, election_id: str) -> str:
        return f"{self._prefix}/{election_id}"

    def election_ids(self) -> list[str]:
        with Session(self._engine) as s:
            return list(s.scalars(select(ElectionRow.election_id).order_by(ElectionRow.election_id)))

    def _tree(self, election_id: str) -> merkle.MerkleTree:
        tree = self._trees.get(election_id)
        if tree is None:
            tree = self._load(election_id)
            self._trees[election_id] = tree
        return tree

    def _load(self, election_id: str) -> merkle.MerkleTree:
        """§P11.3: rebuild a tree from the stored entry bytes, refusing a log that disagrees with itself."""
        tree = merkle.MerkleTree()
        problem = ""
        try:
            with Session(self._engine) as s:
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
            try:
                checkpoint = open_checkpoint(bytes(note), self._signer.verifier())
            except CryptoError as e:
                raise LedgerInconsistency(
                    f"the last checkpoint of {election_id} is not signed by this server's key ({e})"
                ) from e
            if checkpoint.origin != self.origin(election_id) or checkpoint.root_hash != tree.root():
                raise LedgerInconsistency(
                    f"the stored entries of {election_id} do not match the root of its last signed checkpoint"
                )
        return tree

    def size(self, election_id: str) -> int:
        with self._lock:
            return self._tree(election_id).size

    def append(self, election_id: str, kind: str, data: bytes, *, extends: int, milestone: bool = False) -> Appended:
        """Append one entry and its signed checkpoint atomically, as leaf ``extends`` of a tree of that size.

        §P11.2: refused with :class:`StaleAppend` unless the in-memory tree and, inside the transaction, the
        database's entries and checkpoints all have exactly ``extends`` leaves with the same last leaf (a second
        writer, or a caller whose state is stale, cannot fork or overwrite the log). The caller serialises appends
        per election.
        """
        with self._lock:
            tree = self._tree(election_id)
            if extends != tree.size:
                raise StaleAppend(f"append to {election_id} extends size {extends}, but the log has {tree.size}")
            index = tree.size
            parent = tree.leaf_hashes[index - 1] if index else None
            leaf = merkle.leaf_hash(data)
            tree.append(leaf)
            size = tree.size
            note = sign_checkpoint(Checkpoint(self.origin(election_id), size, tree.root()), self._signer)
            try:
                with Session(self._engine) as s, s.begin():
                    self._check_extends(s, election_id, index, parent)
                    if index == 0:
                        s.add(ElectionRow(election_id=election_id, origin=self.origin(election_id)))
                        s.flush()
                    s.add(EntryRow(election_id=election_id, idx=index, kind=kind, data=data, leaf_hash=leaf))
                    s.add(CheckpointRow(election_id=election_id, size=size, note=note, milestone=milestone))
            except BaseException as e:
                self._trees.pop(election_id, None)  # reload from what the database really holds
                if isinstance(e, IntegrityError):  # (election, idx) is the primary key: someone else wrote it
                    raise StaleAppend(f"entry {index} of {election_id} already exists in the database") from e
                if isinstance(e, SQLAlchemyError):
                    raise StorageError(f"could not append to the log of {election_id}") from e
                raise
            return Appended(election_id, index, leaf, size, tuple(tree.inclusion_proof(index, size)), note)

    @staticmethod
    def _check_extends(s: Session, election_id: str, index: int, parent: bytes | None) -> None:
        last_idx = s.scalar(select(func.max(EntryRow.idx)).where(EntryRow.election_id == election_id))
        last_cp = s.scalar(select(func.max(CheckpointRow.size)).where(CheckpointRow.election_id == election_id))
        stored = 0 if last_idx is None else last_idx + 1
        if stored != index or (last_cp or 0) != index:
            raise StaleAppend(
                f"append to {election_id} extends size {index}, but the database holds {stored} entries"
                f" and a checkpoint of size {last_cp or 0}"
            )
        if index == 0:
            if s.get(ElectionRow, election_id) is not None:
                raise StaleAppend(f"election {election_id} already exists in the database")
            return
        stored_parent = s.scalar(
            select(EntryRow.leaf_hash).where(EntryRow.election_id == election_id, EntryRow.idx == index - 1)
        )
        if stored_parent is None or bytes(stored_parent) != parent:
            raise StaleAppend(f"entry {index - 1} of {election_id} in the database is not the one this tree holds")

    def receipt(self, election_id: str, index: int) -> Appended:
        """The receipt of an entry already in the log, against the current signed checkpoint (§P11.4)."""
        with self._lock:
            tree = self._tree(election_id)
            size = tree.size
            if not 0 <= index < size:
                raise OutOfRange(f"no entry {index} in the log of {election_id} (size {size})")
            note = self.checkpoint(election_id, size)
            return Appended(
                election_id, index, tree.leaf_hashes[index], size, tuple(tree.inclusion_proof(index, size)), note
            )

    def entries(self, election_id: str, start: int = 0, limit: int = 1000) -> list[bytes]:
        """Up to ``limit`` entries from ``start``; the range is checked against the tree before any SQL (§P11.1)."""
        size = self.size(election_id)
        if not 0 <= start <= size:
            raise OutOfRange(f"start {start} is beyond the log of {election_id} (size {size})")
        if not 0 < limit <= 1000:
            raise OutOfRange("limit must be in 1..1000")
        if start == size:
            return []
        with Session(self._engine) as s:
            rows = s.scalars(
                select(EntryRow.data)
                .where(EntryRow.election_id == election_id, EntryRow.idx >= start)
                .order_by(EntryRow.idx)
                .limit(limit)
            )
            return [bytes(r) for r in rows]

    def checkpoint(self, election_id: str, size: int | None = None) -> bytes:
        with Session(self._engine) as s:
            q = select(CheckpointRow.note).where(CheckpointRow.election_id == election_id)
            if size is None:
                last = s.scalar(select(func.max(CheckpointRow.size)).where(CheckpointRow.election_id == election_id))
                if last is None:
                    raise OutOfRange(f"the log of {election_id} has no checkpoint")
                size = last
            elif not 0 < size <= self.size(election_id):
                raise OutOfRange(f"no checkpoint of size {size} in the log of {election_id}")
            note = s.scalar(q.where(CheckpointRow.size == size))
            if note is None:
                raise OutOfRange(f"no checkpoint of size {size} in the log of {election_id}")
            return bytes(note)

    def milestone_checkpoints(self, election_id: str) -> list[bytes]:
        """Checkpoints kept for the record: every milestone (non-ballot entry) and the latest."""
        with Session(self._engine) as s:
            last = s.scalar(select(func.max(CheckpointRow.size)).where(CheckpointRow.election_id == election_id))
            rows = s.scalars(
                select(CheckpointRow.note)
                .where(
                    CheckpointRow.election_id == election_id,
                    (CheckpointRow.milestone.is_(True)) | (CheckpointRow.size == last),
                )
                .order_by(CheckpointRow.size)
            )
            return [bytes(r) for r in rows]

    def inclusion_proof(self, election_id: str, index: int, size: int) -> tuple[bytes, list[bytes]]:
        with self._lock:
            tree = self._tree(election_id)
            if not 0 <= index < size <= tree.size:
                raise OutOfRange(f"need 0 <= leaf_index < tree_size <= {tree.size}")
            return tree.leaf_hashes[index], tree.inclusion_proof(index, size)

    def consistency_proof(self, election_id: str, size1: int, size2: int) -> Sequence[bytes]:
        with self._lock:
            tree = self._tree(election_id)
            if not 0 < size1 <= size2 <= tree.size:
                raise OutOfRange(f"need 0 < size1 <= size2 <= {tree.size}")
            return tree.consistency_proof(size1, size2)
