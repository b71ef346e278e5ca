"""The append-only ledger on SQLAlchemy: atomic appends, proofs, and the operator attacks it must expose."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.errors import MerkleProofError
from crypto.note import NoteSigner, open_checkpoint, verify_checkpoint_extends
from server.errors import LedgerInconsistency, StorageError
from server.ledger import Ledger
from server.storage import CheckpointRow, EntryRow, NodeRow, make_engine


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
    real_execute = Session.execute

    def failing_execute(self, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        # SQLite: after the entry's INSERT; PostgreSQL: the one INSERT of entry, checkpoint and nodes
        if "INSERT INTO checkpoints" in str(statement.compile(dialect=self.get_bind().dialect)):
            raise RuntimeError("power cut")
        return real_execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(Session, "execute", failing_execute)
    with pytest.raises(RuntimeError):
        ledger.append("e1", "x", b"lost", extends=1)
    monkeypatch.setattr(Session, "execute", real_execute)
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


def _nodes(ledger: Ledger, election_id: str) -> dict[tuple[int, int], bytes]:
    with Session(ledger._engine) as s:
        rows = s.execute(select(NodeRow.level, NodeRow.idx, NodeRow.hash).where(NodeRow.election_id == election_id))
        return {(h, i): bytes(v) for h, i, v in rows}


def test_stored_nodes_give_the_trees_proofs(ledger: Ledger) -> None:
    """ADR 0019: every append stores the perfect subtrees it completes; proofs from them equal the tree's."""
    for i in range(13):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    nodes = _nodes(ledger, "e1")
    assert len(nodes) == 2 * 13 - (13).bit_count()
    get = lambda h, i: nodes[h, i]  # noqa: E731
    for n in range(1, 14):
        for i in range(n):
            assert merkle.inclusion_proof_from_subtrees(get, i, n) == ledger.inclusion_proof("e1", i, n)[1]
        for m in range(1, n + 1):
            assert merkle.consistency_proof_from_subtrees(get, m, n) == list(ledger.consistency_proof("e1", m, n))


def test_a_corrupted_node_row_is_refused_at_load(ledger: Ledger) -> None:
    for i in range(6):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    with Session(ledger._engine) as s, s.begin():
        s.execute(update(NodeRow).where(NodeRow.level == 1, NodeRow.idx == 1).values(hash=b"\x00" * 32))
    ledger._trees.clear()
    with pytest.raises(LedgerInconsistency, match=r"node \(1, 1\) of e1 does not match"):
        ledger.size("e1")
    with pytest.raises(LedgerInconsistency):  # and stays refused: no wrong proof is served
        ledger.inclusion_proof("e1", 2, 6)


def test_older_records_get_their_nodes_at_load(ledger: Ledger) -> None:
    """A database written by an older version has entries but no node rows: they are built from the entries."""
    for i in range(7):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    before = _nodes(ledger, "e1")
    with Session(ledger._engine) as s, s.begin():
        s.execute(delete(NodeRow))
    ledger._trees.clear()
    assert ledger.size("e1") == 7
    assert _nodes(ledger, "e1") == before
    assert ledger.append("e1", "x", b"entry 7", extends=7).size == 8
    assert len(_nodes(ledger, "e1")) == 2 * 8 - 1


def test_a_crash_writes_no_node(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes are written in the append's transaction: a failure before the commit leaves none."""
    ledger.append("e1", "x", b"first", extends=0)

    def boom(self):  # type: ignore[no-untyped-def]
        raise RuntimeError("power cut")

    monkeypatch.setattr(Session, "commit", boom)
    with pytest.raises(RuntimeError):
        ledger.append("e1", "x", b"lost", extends=1)
    monkeypatch.undo()
    assert set(_nodes(ledger, "e1")) == {(0, 0)}
    assert ledger.append("e1", "x", b"second", extends=1).size == 2
    assert set(_nodes(ledger, "e1")) == {(0, 0), (0, 1), (1, 0)}
