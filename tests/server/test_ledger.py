"""The append-only ledger on SQLAlchemy: atomic appends, proofs, and the operator attacks it must expose."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.errors import MerkleProofError
from crypto.note import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint, verify_checkpoint_extends
from server.errors import LedgerInconsistency, OutOfRange, StorageError
from server.ledger import Ledger, StoredTree
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
    ledger._views.clear()
    new = open_checkpoint(ledger.checkpoint("e1"), verifier)
    with pytest.raises(MerkleProofError, match="rolls back"):
        verify_checkpoint_extends(old, new, [])


def test_rewritten_entry_breaks_the_receipts_signed_before(ledger: Ledger) -> None:
    """Rewriting a stored entry breaks its inclusion proof against every checkpoint a voter kept (the ledger's own
    refusal of an edited row at load is tested in test_single_writer.py)."""
    receipts = [ledger.append("e1", "x", f"entry {i}".encode(), extends=i) for i in range(5)]
    with Session(ledger._engine) as s, s.begin():
        s.execute(update(EntryRow).where(EntryRow.idx == 2).values(data=b"entry X"))
    with pytest.raises(LedgerInconsistency, match="entry 2 of the log of e1 was edited"):
        ledger.entries("e1")  # ADR 0019: an entry is served only if it hashes to its level-0 node
    with Session(ledger._engine) as s:
        tampered = [bytes(d) for d in s.scalars(select(EntryRow.data).order_by(EntryRow.idx))]
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


def _six(ledger: Ledger) -> None:
    for i in range(6):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)


def _set_node(ledger: Ledger, level: int, idx: int, value: bytes | None) -> None:
    """Overwrite (or, with None, delete) one node row, and make the ledger reload."""
    where = (NodeRow.election_id == "e1", NodeRow.level == level, NodeRow.idx == idx)
    with Session(ledger._engine) as s, s.begin():
        if value is None:
            s.execute(delete(NodeRow).where(*where))
        else:
            s.execute(update(NodeRow).where(*where).values(hash=value))
    ledger._views.clear()


def test_a_corrupted_inner_node_row_serves_no_proof(ledger: Ledger) -> None:
    """(1, 1) is not on the frontier of 6 ((2, 0), (1, 2)): the load's check passes, but every proof that reads it
    fails its check against the verified root before it is served (DATA_LOSS), and a full check refuses the log."""
    _six(ledger)
    _set_node(ledger, 1, 1, b"\x00" * 32)
    assert ledger.size("e1") == 6
    with pytest.raises(LedgerInconsistency, match="do not match its signed checkpoint of size 6"):
        ledger.inclusion_proof("e1", 0, 6)
    with pytest.raises(LedgerInconsistency, match="do not match its signed checkpoint of size 6"):
        ledger.receipt("e1", 1)
    with pytest.raises(LedgerInconsistency, match="do not match its signed checkpoint of size 6"):
        ledger.consistency_proof("e1", 2, 6)
    with pytest.raises(LedgerInconsistency, match="do not match its signed checkpoint of size 6"):
        ledger.inclusion_proof("e1", 0, 5)  # an older size: its root is tied to the verified one
    leaf, proof = ledger.inclusion_proof("e1", 4, 6)  # a proof that does not read it is right
    root = open_checkpoint(ledger.checkpoint("e1"), ledger.signer.verifier()).root_hash
    merkle.verify_inclusion(leaf, 4, 6, proof, root)
    ledger._check_log = True  # as linli serve --check-log
    ledger._views.clear()
    with pytest.raises(LedgerInconsistency, match=r"node \(1, 1\) of e1 does not match"):
        ledger.size("e1")


def test_a_corrupted_frontier_node_row_is_refused_at_load(ledger: Ledger) -> None:
    _six(ledger)
    _set_node(ledger, 2, 0, b"\x00" * 32)
    with pytest.raises(LedgerInconsistency, match="do not match the root of its last signed checkpoint"):
        ledger.size("e1")
    with pytest.raises(LedgerInconsistency):  # and stays refused: no wrong proof is served
        ledger.inclusion_proof("e1", 2, 6)


def test_a_corrupted_last_leaf_node_is_refused_at_load(ledger: Ledger) -> None:
    _six(ledger)
    _set_node(ledger, 0, 5, merkle.leaf_hash(b"entry X"))
    with pytest.raises(LedgerInconsistency, match=r"node \(0, 5\) of e1 does not match its entries"):
        ledger.size("e1")


def test_a_missing_frontier_node_row_is_refused_at_load(ledger: Ledger) -> None:
    _six(ledger)
    _set_node(ledger, 1, 2, None)
    with pytest.raises(LedgerInconsistency, match=r"node \(1, 2\) of e1 is missing"):
        ledger.size("e1")


def test_a_missing_inner_node_row_serves_no_proof(ledger: Ledger) -> None:
    _six(ledger)
    _set_node(ledger, 0, 0, None)
    assert ledger.size("e1") == 6
    with pytest.raises(LedgerInconsistency, match=r"node \(0, 0\) of e1 is missing"):
        ledger.inclusion_proof("e1", 1, 6)
    with pytest.raises(LedgerInconsistency, match="entry 0 of the log of e1 was edited"):
        ledger.entries("e1")  # an entry without its level-0 node is not served either


def test_a_checkpoint_not_matching_the_nodes_is_refused_at_load(ledger: Ledger) -> None:
    """A correctly signed last checkpoint over another root (a key holder rewrote it): the nodes refute it."""
    _six(ledger)
    forged = sign_checkpoint(Checkpoint("linli.test/e1", 6, merkle.leaf_hash(b"other")), ledger.signer)
    with Session(ledger._engine) as s, s.begin():
        s.execute(update(CheckpointRow).where(CheckpointRow.size == 6).values(note=forged))
    ledger._views.clear()
    with pytest.raises(LedgerInconsistency, match="do not match the root of its last signed checkpoint"):
        ledger.size("e1")


def test_proofs_equal_the_reference_ones_for_every_size(db_url: str) -> None:
    """Ledger's proofs (from node rows, verified against its frontier) equal crypto.merkle's reference proofs for
    every index and pair of sizes up to 17, before and after a reload (a fresh Ledger on the same rows)."""
    signer = NoteSigner.generate("linli-test")
    ledger = Ledger(make_engine(db_url), signer, "linli.test")
    leaves: list[bytes] = []
    try:
        for n in range(1, 18):
            r = ledger.append("e1", "x", f"entry {n}".encode(), extends=n - 1)
            leaves.append(merkle.leaf_hash(f"entry {n}".encode()))
            assert list(r.inclusion_proof) == merkle.inclusion_proof(leaves, n - 1, n)
            for i in range(n):
                assert ledger.receipt("e1", i).inclusion_proof == tuple(merkle.inclusion_proof(leaves, i, n))
            for m in range(1, n + 1):
                assert list(ledger.consistency_proof("e1", m, n)) == merkle.consistency_proof(leaves, m, n)
        for size in range(1, 18):
            for i in range(size):
                assert ledger.inclusion_proof("e1", i, size) == (leaves[i], merkle.inclusion_proof(leaves, i, size))
            for m in range(1, size + 1):
                assert list(ledger.consistency_proof("e1", m, size)) == merkle.consistency_proof(leaves, m, size)
        ledger._views.clear()
        assert ledger.size("e1") == 17
        assert ledger.receipt("e1", 16).inclusion_proof == tuple(merkle.inclusion_proof(leaves, 16, 17))
        assert list(ledger.consistency_proof("e1", 5, 13)) == merkle.consistency_proof(leaves, 5, 13)
    finally:
        ledger.close()


def test_a_full_check_accepts_an_intact_log(db_url: str) -> None:
    signer = NoteSigner.generate("linli-test")
    ledger = Ledger(make_engine(db_url), signer, "linli.test")
    try:
        for i in range(9):
            ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
        front = ledger._views["e1"]
        ledger._check_log = True
        ledger._views.clear()
        assert ledger.size("e1") == 9 and ledger._views["e1"] == front
    finally:
        ledger.close()


def test_older_records_get_their_nodes_at_load(ledger: Ledger) -> None:
    """A database written by an older version has entries but no node rows: they are built from the entries."""
    for i in range(7):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    before = _nodes(ledger, "e1")
    with Session(ledger._engine) as s, s.begin():
        s.execute(delete(NodeRow))
    ledger._views.clear()
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


def test_load_reads_the_frontier_not_every_entry(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """§P11.3 (ADR 0019): a load hashes one entry (the last) and keeps O(log n) hashes, whatever the size."""
    for i in range(50):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    ledger._views.clear()
    calls: list[bytes] = []
    real = merkle.leaf_hash

    def counting(entry: bytes) -> bytes:
        calls.append(entry)
        return real(entry)

    monkeypatch.setattr(merkle, "leaf_hash", counting)
    assert ledger.size("e1") == 50
    assert calls == [b"entry 49"]
    assert len(ledger._views["e1"].hashes) == (50).bit_count()
    ledger._check_log = True  # the full check hashes every entry
    ledger._views.clear()
    calls.clear()
    assert ledger.size("e1") == 50 and len(calls) == 50


def test_an_older_record_with_an_edited_entry_gets_no_nodes(ledger: Ledger) -> None:
    """The migration rebuilds the nodes from every entry and checks them against the last signed checkpoint before
    it commits: an older record with an edited entry (leaf hash recomputed) is refused and left without nodes."""
    for i in range(7):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    with Session(ledger._engine) as s, s.begin():
        s.execute(delete(NodeRow))
        s.execute(
            update(EntryRow).where(EntryRow.idx == 3).values(data=b"entry X", leaf_hash=merkle.leaf_hash(b"entry X"))
        )
    ledger._views.clear()
    with pytest.raises(LedgerInconsistency, match="root of its last signed checkpoint"):
        ledger.size("e1")
    assert _nodes(ledger, "e1") == {}


def test_a_full_check_refuses_a_missing_inner_node(ledger: Ledger) -> None:
    _six(ledger)
    _set_node(ledger, 1, 0, None)
    ledger._check_log = True
    with pytest.raises(LedgerInconsistency, match=r"node \(1, 0\) of e1 is missing"):
        ledger.size("e1")


def test_stored_tree_gives_the_roots_of_every_earlier_size(ledger: Ledger) -> None:
    """The service state's tree (ADR 0019, voting.state.LogTree): the frontier in memory, every earlier root from
    the stored nodes, equal to the in-memory reference; sizes beyond the log are refused."""
    entries = [f"entry {i}".encode() for i in range(11)]
    tree, reference = StoredTree(ledger, "e1"), merkle.MerkleTree()
    for i, data in enumerate(entries):
        ledger.append("e1", "x", data, extends=i)
        tree.append(merkle.leaf_hash(data))
        reference.append(merkle.leaf_hash(data))
        assert tree.size == reference.size and tree.root() == reference.root()
    assert [tree.root(m) for m in range(12)] == [reference.root(m) for m in range(12)]
    with pytest.raises(MerkleProofError, match="out of range"):
        tree.root(12)
    with pytest.raises(OutOfRange):
        ledger.root_at("e1", 12)


def test_stored_tree_refuses_an_edited_node(ledger: Ledger) -> None:
    """A statement naming an older tree head is checked against a root from the node rows: an edited row there is
    DATA_LOSS, never a wrong answer to the split-view check (§P2.3)."""
    _six(ledger)
    tree = StoredTree(ledger, "e1")
    for i in range(6):
        tree.append(merkle.leaf_hash(f"entry {i}".encode()))
    _set_node(ledger, 1, 0, b"\x00" * 32)  # not on the frontier of 6: (2, 0), (1, 2)
    assert (
        tree.root()
        == merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(f"entry {i}".encode()) for i in range(6)]).root()
    )  # the current root is the frontier's
    with pytest.raises(LedgerInconsistency, match="do not match its signed checkpoint of size 6"):
        tree.root(2)


def test_the_service_state_keeps_no_leaf_list(db_url: str) -> None:
    """The server's election state uses the stored tree, not a list of every leaf (ADR 0019, memory flat)."""
    from server.service import ElectionService, ServiceConfig

    service = ElectionService(
        Ledger(make_engine(db_url), NoteSigner.generate("linli-test"), "linli.test"), ServiceConfig()
    )
    try:
        service._register("none-yet")
        assert isinstance(service.state("none-yet").tree, StoredTree)
    finally:
        service.close()
