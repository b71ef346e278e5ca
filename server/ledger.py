"""The append-only Merkle ledger: one RFC 9162 log per election, C2SP checkpoints signed by the server key
(docs/protocol.md §P10)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.note import Checkpoint, NoteSigner, sign_checkpoint
from server.errors import StorageError
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


class Ledger:
    """Append-only logs over SQLAlchemy; Merkle trees are kept in memory and rebuilt from stored leaf hashes."""

    def __init__(self, engine: Engine, signer: NoteSigner, origin_prefix: str) -> None:
        self._engine = engine
        self._signer = signer
        self._prefix = origin_prefix
        self._trees: dict[str, merkle.MerkleTree] = {}
        self._lock = threading.RLock()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

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
            with Session(self._engine) as s:
                rows = s.scalars(
                    select(EntryRow.leaf_hash).where(EntryRow.election_id == election_id).order_by(EntryRow.idx)
                )
                tree = merkle.MerkleTree.from_leaf_hashes([bytes(h) for h in rows])
            self._trees[election_id] = tree
        return tree

    def size(self, election_id: str) -> int:
        with self._lock:
            return self._tree(election_id).size

    def append(self, election_id: str, kind: str, data: bytes, *, milestone: bool = False) -> Appended:
        """Append one entry and its signed checkpoint atomically; the caller serialises appends per election."""
        with self._lock:
            tree = self._tree(election_id)
            index = tree.size
            leaf = merkle.leaf_hash(data)
            tree.append(leaf)
            size = tree.size
            note = sign_checkpoint(Checkpoint(self.origin(election_id), size, tree.root()), self._signer)
            try:
                with Session(self._engine) as s, s.begin():
                    if index == 0:
                        s.add(ElectionRow(election_id=election_id, origin=self.origin(election_id)))
                        s.flush()
                    s.add(EntryRow(election_id=election_id, idx=index, kind=kind, data=data, leaf_hash=leaf))
                    s.add(CheckpointRow(election_id=election_id, size=size, note=note, milestone=milestone))
            except BaseException as e:
                self._trees.pop(election_id, None)  # reload from what the database really holds
                if isinstance(e, SQLAlchemyError):
                    raise StorageError(f"could not append to the log of {election_id}") from e
                raise
            return Appended(election_id, index, leaf, size, tuple(tree.inclusion_proof(index, size)), note)

    def entries(self, election_id: str, start: int = 0, limit: int = 1000) -> list[bytes]:
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
                    raise KeyError(election_id)
                size = last
            note = s.scalar(q.where(CheckpointRow.size == size))
            if note is None:
                raise KeyError((election_id, size))
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
            return tree.leaf_hashes[index], tree.inclusion_proof(index, size)

    def consistency_proof(self, election_id: str, size1: int, size2: int) -> Sequence[bytes]:
        with self._lock:
            return self._tree(election_id).consistency_proof(size1, size2)
