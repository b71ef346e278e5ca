"""The append-only ledger on SQLAlchemy: atomic appends, proofs, and the operator attacks it must expose."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.errors import MerkleProofError
from crypto.note import NoteSigner, open_checkpoint, verify_checkpoint_extends
from server.errors import StorageError
from server.ledger import Ledger
from server.storage import CheckpointRow, EntryRow, make_engine


@pytest.fixture
def ledger(db_url: str):  # type: ignore[no-untyped-def]
    led = Ledger(make_engine(db_url), NoteSigner.generate("linli-test"), "linli.test")
    yield led
    led.close()


def test_appends_are_provable(ledger: Ledger) -> None:
    receipts = [ledger.append("e1", "ballot", f"entry {i}".encode(), extends=i) for i in range(9)]
    verifier = ledger.signer.verifier()
    for r in receipts:
        cp = open_checkpoint(r.checkpoint, verifier)
        assert cp.origin == "linli.test/e1" and cp.size == r.size == r.index + 1
        merkle.verify_inclusion(r.leaf_hash, r.index, r.size, r.inclusion_proof, cp.root_hash)
    first, last = open_checkpoint(receipts[2].checkpoint, verifier), open_checkpoint(receipts[-1].checkpoint, verifier)
    verify_checkpoint_extends(first, last, list(ledger.consistency_proof("e1", 3, 9)))
    assert ledger.entries("e1", 4, 2) == [b"entry 4", b"entry 5"]
    assert ledger.checkpoint("e1") == receipts[-1].checkpoint


def test_crash_mid_append_leaves_nothing(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure between writing the entry and its checkpoint rolls back both; the next append reuses the index."""
    ledger.append("e1", "x", b"first", extends=0)
    calls = {"n": 0}
    real_add = Session.add

    def failing_add(self, obj, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if isinstance(obj, CheckpointRow):
            raise RuntimeError("power cut")
        return real_add(self, obj, *args, **kwargs)

    monkeypatch.setattr(Session, "add", failing_add)
    with pytest.raises(RuntimeError):
        ledger.append("e1", "x", b"lost", extends=1)
    monkeypatch.setattr(Session, "add", real_add)
    with Session(ledger._engine) as s:
        assert s.scalars(select(EntryRow.idx).where(EntryRow.election_id == "e1")).all() == [0]
        assert s.scalars(select(CheckpointRow.size).where(CheckpointRow.election_id == "e1")).all() == [1]
    # The in-memory tree was dropped and is rebuilt from what the database holds.
    r = ledger.append("e1", "x", b"second", extends=1)
    assert r.index == 1 and r.size == 2


def test_database_error_is_a_storage_error(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    ledger.append("e1", "x", b"first", extends=0)

    def boom(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(Session, "flush", boom)
    with pytest.raises(StorageError):
        ledger.append("e1", "x", b"second", extends=1)
    monkeypatch.undo()
    assert ledger.size("e1") == 1
    assert ledger.append("e1", "x", b"second", extends=1).index == 1


def test_checkpoint_rollback_detected(ledger: Ledger) -> None:
    """An operator who deletes the tail of the log cannot hide it from anyone who kept a checkpoint."""
    for i in range(6):
        kept = ledger.append("e1", "x", f"e{i}".encode(), extends=i)
    verifier = ledger.signer.verifier()
    old = open_checkpoint(kept.checkpoint, verifier)
    with Session(ledger._engine) as s, s.begin():
        s.execute(delete(CheckpointRow).where(CheckpointRow.size > 4))
        s.execute(delete(EntryRow).where(EntryRow.idx >= 4))
    ledger._trees.clear()
    new = open_checkpoint(ledger.checkpoint("e1"), verifier)
    with pytest.raises(MerkleProofError, match="rolls back"):
        verify_checkpoint_extends(old, new, [])


def test_rewritten_entry_breaks_the_receipts_signed_before(ledger: Ledger) -> None:
    """Rewriting a stored entry breaks its inclusion proof against every checkpoint a voter kept (the ledger's own
    refusal of an edited row at load is tested in test_single_writer.py)."""
    receipts = [ledger.append("e1", "x", f"entry {i}".encode(), extends=i) for i in range(5)]
    with Session(ledger._engine) as s, s.begin():
        s.execute(update(EntryRow).where(EntryRow.idx == 2).values(data=b"entry X"))
    tampered = ledger.entries("e1")
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in tampered])
    cp = open_checkpoint(receipts[-1].checkpoint, ledger.signer.verifier())
    assert tree.root(5) != cp.root_hash
    _, proof = ledger.inclusion_proof("e1", 2, 5)
    with pytest.raises(MerkleProofError):
        merkle.verify_inclusion(merkle.leaf_hash(tampered[2]), 2, 5, proof, cp.root_hash)
