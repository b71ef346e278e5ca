"""Proofs from stored perfect subtrees (ADR 0019) equal the RFC 9162 reference proofs for every size and index."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import MerkleProofError
from crypto.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    completed_subtrees,
    consistency_proof,
    consistency_proof_from_subtrees,
    frontier_subtrees,
    inclusion_proof,
    inclusion_proof_from_subtrees,
    leaf_hash,
    root_from_leaf_hashes,
    root_from_subtrees,
    subtrees_for_proofs,
)


def _store(n: int) -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    leaves = [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]
    nodes: dict[tuple[int, int], bytes] = {}
    for i, leaf in enumerate(leaves):
        for h, j, value in completed_subtrees(i, leaf, lambda h, j: nodes[h, j]):
            assert (h, j) not in nodes  # a perfect subtree is written once and never changes
            nodes[h, j] = value
    return leaves, nodes


def test_every_size_and_index_up_to_40() -> None:
    leaves, nodes = _store(40)
    tree = MerkleTree.from_leaf_hashes(leaves)
    get = lambda h, j: nodes[h, j]  # noqa: E731
    assert root_from_subtrees(get, 0) == EMPTY_ROOT
    for n in range(1, 41):
        assert root_from_subtrees(get, n) == root_from_leaf_hashes(leaves[:n]) == tree.root(n)
        for i in range(n):
            assert inclusion_proof_from_subtrees(get, i, n) == inclusion_proof(leaves, i, n)
        for m in range(1, n + 1):
            assert consistency_proof_from_subtrees(get, m, n) == consistency_proof(leaves, m, n)


def test_every_subtree_is_perfect() -> None:
    leaves, nodes = _store(37)
    for (h, j), value in nodes.items():
        assert value == root_from_leaf_hashes(leaves[j << h : (j + 1) << h])
    # exactly the complete subtrees: n - popcount(n) interior nodes plus the n leaves
    assert len(nodes) == 2 * 37 - (37).bit_count()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.data())
def test_proofs_equal_the_in_memory_tree(n: int, data: st.DataObject) -> None:
    leaves, nodes = _store(n)
    tree = MerkleTree.from_leaf_hashes(leaves)
    i = data.draw(st.integers(0, n - 1))
    m = data.draw(st.integers(1, n))
    read: list[tuple[int, int]] = []

    def get(h: int, j: int) -> bytes:
        read.append((h, j))
        return nodes[h, j]

    assert inclusion_proof_from_subtrees(get, i, n) == tree.inclusion_proof(i, n)
    assert consistency_proof_from_subtrees(get, m, n) == tree.consistency_proof(m, n)
    assert root_from_subtrees(get, n) == tree.root(n)
    # one query fetches everything the computation reads
    assert set(read) == subtrees_for_proofs(n, i, m) | subtrees_for_proofs(n)


def test_bad_ranges_are_refused() -> None:
    _, nodes = _store(4)
    get = lambda h, j: nodes[h, j]  # noqa: E731
    with pytest.raises(MerkleProofError):
        inclusion_proof_from_subtrees(get, 4, 4)
    with pytest.raises(MerkleProofError):
        inclusion_proof_from_subtrees(get, -1, 4)
    with pytest.raises(MerkleProofError):
        consistency_proof_from_subtrees(get, 0, 4)
    with pytest.raises(MerkleProofError):
        consistency_proof_from_subtrees(get, 5, 4)
    with pytest.raises(MerkleProofError):
        root_from_subtrees(get, -1)


def test_a_missing_subtree_is_not_invented() -> None:
    _, nodes = _store(6)
    del nodes[1, 2]  # leaves 4..5
    with pytest.raises(KeyError):
        root_from_subtrees(lambda h, j: nodes[h, j], 6)


# -- the right frontier (what the ledger keeps in memory, ADR 0019) ----------------------------------------------
def test_frontier_grows_as_the_tree_for_every_size_up_to_70() -> None:
    """Frontier.append yields exactly the subtrees completed_subtrees does, its root is MTH(D[0:n]), the path it
    gives the next leaf is the reference PATH(n, D[0:n+1]), and from_subtrees reads it back from stored nodes."""
    leaves, nodes = _store(70)
    front = Frontier()
    assert front.root() == EMPTY_ROOT and front.subtrees() == []
    for n, leaf in enumerate(leaves):
        path = front.next_leaf_path()
        front, done = front.append(leaf)
        assert path == inclusion_proof(leaves, n, n + 1)
        assert done == [(h, j, nodes[h, j]) for h, j, _ in done] and done[0] == (0, n, leaf)
        assert front.size == n + 1 and front.root() == root_from_leaf_hashes(leaves[: n + 1])
        assert [(h, j) for h, j, _ in front.subtrees()] == frontier_subtrees(n + 1)
        assert Frontier.from_subtrees(lambda h, j: nodes[h, j], n + 1) == front


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=300))
def test_frontier_root_equals_the_tree(entries: list[bytes]) -> None:
    front, tree = Frontier(), MerkleTree()
    for e in entries:
        front, _ = front.append(leaf_hash(e))
        tree.append(leaf_hash(e))
    assert front.root() == tree.root() and len(front.hashes) == len(entries).bit_count()


def test_frontier_rejects_a_wrong_shape() -> None:
    with pytest.raises(MerkleProofError, match="needs 2 subtree hashes, not 1"):
        Frontier(3, (EMPTY_ROOT,))  # 3 = 0b11: two subtrees
    with pytest.raises(MerkleProofError, match="frontier hash must be 32 bytes"):
        Frontier(1, (b"short",))
    with pytest.raises(MerkleProofError, match="out of range"):
        frontier_subtrees(-1)
    with pytest.raises(MerkleProofError, match="out of range"):
        Frontier(-1, ())
    with pytest.raises(MerkleProofError, match="leaf hash must be 32 bytes"):
        Frontier().append(b"short")
