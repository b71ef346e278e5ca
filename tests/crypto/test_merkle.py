"""Tests for crypto.merkle: RFC 9162 tree hashes, proofs and their verification."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import DecodingError, MerkleProofError
from crypto.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "merkle"
TD_VECTORS = VECTORS / "transparency-dev-merkle"
REFERENCE_TREE = json.loads((VECTORS / "rfc6962_reference_tree.json").read_text())


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _hex(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _flip(value: bytes, bit: int) -> bytes:
    b = bytearray(value)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def _vector_id(path: Path) -> str:
    return str(path.relative_to(TD_VECTORS))


# ---------------------------------------------------------------------------------------------------------
# Published vectors
# ---------------------------------------------------------------------------------------------------------

INCLUSION_FILES = sorted((TD_VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY_FILES = sorted((TD_VECTORS / "consistency").rglob("*.json"))


def test_vector_files_present() -> None:
    assert len(INCLUSION_FILES) == 53
    assert len(CONSISTENCY_FILES) == 43
    loaded = [json.loads(p.read_text()) for p in INCLUSION_FILES + CONSISTENCY_FILES]
    assert {d["wantErr"] for d in loaded} == {True, False}


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=_vector_id)
def test_transparency_dev_inclusion(path: Path) -> None:
    v: dict[str, Any] = json.loads(path.read_text())
    proof = [_b64(p) for p in v["proof"] or []]
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(MerkleProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=_vector_id)
def test_transparency_dev_consistency(path: Path) -> None:
    v: dict[str, Any] = json.loads(path.read_text())
    proof = [_b64(p) for p in v["proof"] or []]
    args = (v["size1"], v["size2"], proof, _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(MerkleProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def _reference_leaves() -> list[bytes]:
    return [leaf_hash(bytes.fromhex(d)) for d in REFERENCE_TREE["leaf_inputs_hex"]]


def test_reference_tree_leaf_and_node_hashes() -> None:
    levels = [_hex(level) for level in REFERENCE_TREE["node_hashes_by_level"]]
    assert _reference_leaves() == levels[0]
    for below, above in itertools.pairwise(levels):
        assert [node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(above))] == above


def test_reference_tree_roots() -> None:
    leaves = _reference_leaves()
    tree = MerkleTree.from_leaf_hashes(leaves)
    roots = {int(k): bytes.fromhex(v) for k, v in REFERENCE_TREE["root_hash_by_tree_size"].items()}
    assert sorted(roots) == list(range(9))
    for size, root in roots.items():
        assert root_from_leaf_hashes(leaves[:size]) == root
        assert tree.root(size) == root
        assert MerkleTree.from_leaf_hashes(leaves[:size]).root() == root


def test_empty_tree_root() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT == MerkleTree().root()
    assert bytes.fromhex(REFERENCE_TREE["root_hash_by_tree_size"]["0"]) == EMPTY_ROOT


@pytest.mark.parametrize("case", REFERENCE_TREE["inclusion_proofs"], ids=lambda c: str(c["tree_size"]))
def test_reference_tree_inclusion_proofs(case: dict[str, Any]) -> None:
    leaves = _reference_leaves()
    tree = MerkleTree.from_leaf_hashes(leaves)
    index, size, want = case["leaf_index_0based"], case["tree_size"], _hex(case["audit_path"])
    assert inclusion_proof(leaves, index, size) == want
    assert tree.inclusion_proof(index, size) == want
    verify_inclusion(leaves[index], index, size, want, tree.root(size))
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaves[index], index, size, want, tree.root(size - 1))


@pytest.mark.parametrize("case", REFERENCE_TREE["consistency_proofs"], ids=lambda c: f"{c['first']}-{c['second']}")
def test_reference_tree_consistency_proofs(case: dict[str, Any]) -> None:
    leaves = _reference_leaves()
    tree = MerkleTree.from_leaf_hashes(leaves)
    size1, size2, want = case["first"], case["second"], _hex(case["proof"])
    assert consistency_proof(leaves, size1, size2) == want
    assert tree.consistency_proof(size1, size2) == want
    verify_consistency(size1, size2, want, tree.root(size1), tree.root(size2))
    with pytest.raises(MerkleProofError):
        verify_consistency(size1, size2, want, tree.root(size1), tree.root(size2 - 1))


# ---------------------------------------------------------------------------------------------------------
# The attack the 0x00 / 0x01 prefixes stop
# ---------------------------------------------------------------------------------------------------------


def test_leaf_node_domain_separation() -> None:
    """A 64-byte leaf equal to left || right must not hash like the node over (left, right).

    Without the 0x00 / 0x01 prefixes, the entry ``h0 || h1`` would hash to the parent of leaves 0 and 1, so
    a log could prove the inclusion of an entry it never logged (the second-preimage attack of RFC 9162
    §2.1.1 / RFC 6962 §2.1).
    """
    entries = [b"entry 0", b"entry 1", b"entry 2", b"entry 3"]
    leaves = [leaf_hash(e) for e in entries]
    forged = leaves[0] + leaves[1]
    assert len(forged) == 64
    parent = node_hash(leaves[0], leaves[1])
    root = root_from_leaf_hashes(leaves)

    # The attack works against an unprefixed tree: the forged leaf collides with the parent node.
    def plain(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    plain_leaves = [plain(e) for e in entries]
    plain_root = plain(plain(plain_leaves[0] + plain_leaves[1]) + plain(plain_leaves[2] + plain_leaves[3]))
    plain_forged_leaf = plain(plain_leaves[0] + plain_leaves[1])  # leaf hash of the 64-byte entry
    assert plain(plain_forged_leaf + plain(plain_leaves[2] + plain_leaves[3])) == plain_root

    # With prefixes the forged leaf hash differs from the node hash ...
    assert leaf_hash(forged) != parent
    # ... so "forged is leaf 0 of a 2-leaf tree whose other leaf is the right subtree" fails against the
    # real root, and the forged leaf is not a one-leaf tree with the parent's hash either.
    right_subtree = node_hash(leaves[2], leaves[3])
    assert node_hash(parent, right_subtree) == root
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaf_hash(forged), 0, 2, [right_subtree], root)
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaf_hash(forged), 0, 1, [], parent)
    # The honest claim with the same proof shape succeeds (the check is not vacuous).
    verify_inclusion(parent, 0, 2, [right_subtree], root)


# ---------------------------------------------------------------------------------------------------------
# Malformed input
# ---------------------------------------------------------------------------------------------------------


def _small_tree(n: int) -> tuple[list[bytes], MerkleTree]:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    return leaves, MerkleTree.from_leaf_hashes(leaves)


@pytest.mark.parametrize("bad_len", [0, 31, 33, 64])
def test_verify_inclusion_rejects_wrong_hash_lengths(bad_len: int) -> None:
    leaves, tree = _small_tree(5)
    proof, root = tree.inclusion_proof(1), tree.root()
    verify_inclusion(leaves[1], 1, 5, proof, root)
    bad = b"\x01" * bad_len
    with pytest.raises(MerkleProofError):
        verify_inclusion(bad, 1, 5, proof, root)
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaves[1], 1, 5, proof, bad)
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaves[1], 1, 5, [bad, *proof[1:]], root)


@pytest.mark.parametrize(("index", "size"), [(5, 5), (6, 5), (-1, 5), (0, 0), (0, -1)])
def test_verify_inclusion_rejects_index_out_of_range(index: int, size: int) -> None:
    leaves, tree = _small_tree(5)
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaves[0], index, size, tree.inclusion_proof(0), tree.root())


def test_verify_inclusion_rejects_wrong_proof_length() -> None:
    leaves, tree = _small_tree(6)
    proof, root = tree.inclusion_proof(2), tree.root()
    verify_inclusion(leaves[2], 2, 6, proof, root)
    for bad in (proof[:-1], [*proof, proof[0]], [proof[0], *proof], []):
        with pytest.raises(MerkleProofError):
            verify_inclusion(leaves[2], 2, 6, bad, root)


def test_verify_consistency_rejects_malformed() -> None:
    _, tree = _small_tree(7)
    r3, r7 = tree.root(3), tree.root(7)
    proof = tree.consistency_proof(3, 7)
    verify_consistency(3, 7, proof, r3, r7)
    cases = [
        (7, 3, proof, r7, r3),  # size1 > size2
        (0, 7, [], EMPTY_ROOT, r7),  # size1 == 0 is always an error
        (0, 7, proof, EMPTY_ROOT, r7),
        (0, 0, [], EMPTY_ROOT, EMPTY_ROOT),  # ... even 0 -> 0
        (3, 3, proof[:1], r3, r3),  # equal sizes need an empty proof
        (3, 3, [], r3, r7),  # ... and equal roots
        (3, 7, [], r3, r7),  # empty proof for different sizes
        (3, 7, proof[:-1], r3, r7),  # truncated
        (3, 7, [*proof, proof[0]], r3, r7),  # extended
        (3, 7, proof, r3[:31], r7),  # short hashes
        (3, 7, proof, r3, r7 + b"\x00"),
        (3, 7, [proof[0][:16], *proof[1:]], r3, r7),
        (-1, 7, proof, r3, r7),
    ]
    for case in cases:
        with pytest.raises(MerkleProofError):
            verify_consistency(*case)
    verify_consistency(3, 3, [], r3, r3)


def test_reference_functions_reject_bad_arguments() -> None:
    leaves, _ = _small_tree(4)
    for index, size in [(4, 4), (-1, 4), (0, 5), (0, 0)]:
        with pytest.raises(MerkleProofError):
            inclusion_proof(leaves, index, size)
    for size1, size2 in [(0, 4), (3, 2), (1, 5), (-1, 2)]:
        with pytest.raises(MerkleProofError):
            consistency_proof(leaves, size1, size2)
    with pytest.raises(DecodingError):
        root_from_leaf_hashes([*leaves, b"short"])
    assert consistency_proof(leaves, 4, 4) == []


def test_tree_rejects_bad_arguments() -> None:
    _, tree = _small_tree(4)
    with pytest.raises(DecodingError):
        tree.append(b"\x00" * 31)
    with pytest.raises(DecodingError):
        tree.append("x" * 32)  # type: ignore[arg-type]
    assert tree.size == 4
    for bad_size in (5, -1):
        with pytest.raises(MerkleProofError):
            tree.root(bad_size)
    inclusion_args: list[tuple[int, int | None]] = [(4, None), (-1, None), (2, 2), (0, 5), (0, 0)]
    for index, size in inclusion_args:
        with pytest.raises(MerkleProofError):
            tree.inclusion_proof(index, size)
    consistency_args: list[tuple[int, int | None]] = [(0, None), (5, None), (3, 2), (1, 5)]
    for size1, size2 in consistency_args:
        with pytest.raises(MerkleProofError):
            tree.consistency_proof(size1, size2)


def test_tree_append_and_leaf_view() -> None:
    tree = MerkleTree()
    view = tree.leaf_hashes
    assert len(view) == 0 and tree.size == 0 and len(tree) == 0
    hashes = [leaf_hash(bytes([i])) for i in range(5)]
    assert [tree.append(h) for h in hashes] == [0, 1, 2, 3, 4]
    assert list(view) == hashes and view[4] == hashes[4] and view[1:3] == tuple(hashes[1:3])
    assert tree.size == 5
    assert not hasattr(view, "append")
    assert repr(tree) == "MerkleTree(size=5)"


# ---------------------------------------------------------------------------------------------------------
# Properties: the incremental tree equals the reference definitions; proofs are complete and sound
# ---------------------------------------------------------------------------------------------------------

# Distinct entries, so that distinct leaves have distinct hashes (wrong-index checks need that).
entries_st = st.lists(st.binary(max_size=8), min_size=1, max_size=40, unique=True)


def test_tree_matches_reference_all_small_sizes() -> None:
    leaves, _ = _small_tree(33)
    for n in range(34):
        tree = MerkleTree.from_leaf_hashes(leaves[:n])
        assert tree.root() == root_from_leaf_hashes(leaves[:n])
        for index in range(n):
            assert tree.inclusion_proof(index) == inclusion_proof(leaves, index, n)
        for size1 in range(1, n + 1):
            assert tree.consistency_proof(size1) == consistency_proof(leaves, size1, n)


@settings(max_examples=60, deadline=None)
@given(entries=entries_st)
def test_tree_matches_reference(entries: list[bytes]) -> None:
    leaves = [leaf_hash(e) for e in entries]
    tree = MerkleTree()
    for i, h in enumerate(leaves):
        assert tree.append(h) == i
        assert tree.root() == root_from_leaf_hashes(leaves[: i + 1])
    n = len(leaves)
    for size in range(n + 1):
        assert tree.root(size) == root_from_leaf_hashes(leaves[:size])
    for size in range(1, n + 1):
        for index in range(size):
            assert tree.inclusion_proof(index, size) == inclusion_proof(leaves, index, size)
        for size1 in range(1, size + 1):
            assert tree.consistency_proof(size1, size) == consistency_proof(leaves, size1, size)
    assert tree.inclusion_proof(n - 1) == inclusion_proof(leaves, n - 1, n)
    assert tree.consistency_proof(1) == consistency_proof(leaves, 1, n)


@st.composite
def inclusion_case_st(draw: st.DrawFn) -> tuple[list[bytes], int, int]:
    leaves = [leaf_hash(e) for e in draw(entries_st)]
    size = draw(st.integers(1, len(leaves)))
    return leaves, draw(st.integers(0, size - 1)), size


@st.composite
def consistency_case_st(draw: st.DrawFn) -> tuple[list[bytes], int, int]:
    leaves = [leaf_hash(e) for e in draw(entries_st)]
    size2 = draw(st.integers(1, len(leaves)))
    return leaves, draw(st.integers(1, size2)), size2


@settings(max_examples=150, deadline=None)
@given(case=inclusion_case_st(), data=st.data())
def test_inclusion_proof_sound_against_bit_flips(case: tuple[list[bytes], int, int], data: st.DataObject) -> None:
    leaves, index, size = case
    tree = MerkleTree.from_leaf_hashes(leaves)
    proof, root = tree.inclusion_proof(index, size), tree.root(size)
    verify_inclusion(leaves[index], index, size, proof, root)
    bit = data.draw(st.integers(0, 255), label="bit")
    with pytest.raises(MerkleProofError):
        verify_inclusion(_flip(leaves[index], bit), index, size, proof, root)
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaves[index], index, size, proof, _flip(root, bit))
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1), label="element")
        bad = [*proof[:j], _flip(proof[j], bit), *proof[j + 1 :]]
        with pytest.raises(MerkleProofError):
            verify_inclusion(leaves[index], index, size, bad, root)


@settings(max_examples=150, deadline=None)
@given(case=consistency_case_st(), data=st.data())
def test_consistency_proof_sound_against_bit_flips(case: tuple[list[bytes], int, int], data: st.DataObject) -> None:
    leaves, size1, size2 = case
    tree = MerkleTree.from_leaf_hashes(leaves)
    proof, root1, root2 = tree.consistency_proof(size1, size2), tree.root(size1), tree.root(size2)
    verify_consistency(size1, size2, proof, root1, root2)
    bit = data.draw(st.integers(0, 255), label="bit")
    with pytest.raises(MerkleProofError):
        verify_consistency(size1, size2, proof, _flip(root1, bit), root2)
    with pytest.raises(MerkleProofError):
        verify_consistency(size1, size2, proof, root1, _flip(root2, bit))
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1), label="element")
        bad = [*proof[:j], _flip(proof[j], bit), *proof[j + 1 :]]
        with pytest.raises(MerkleProofError):
            verify_consistency(size1, size2, bad, root1, root2)


# Wrong index / size. A proof is only a list of hashes, so it is accepted for another (index, size) exactly
# when RFC 9162's recursion combines the same inputs in the same way for both (e.g. PATH(0, D[3]) and
# PATH(0, D[4]) both hash "leaf, then sibling, then sibling on the right"). We compute that combination
# symbolically, straight from the §2.1.1 / §2.1.3.1 / §2.1.4.1 recursions over index ranges, and require
# the verifier to accept precisely when it matches.

Expr = tuple[Any, ...] | str


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _expr(start: int, end: int, atoms: dict[tuple[int, int], Expr]) -> Expr:
    if (start, end) in atoms:
        return atoms[(start, end)]
    if end - start == 1:
        return ("unknown leaf", start)
    k = _k(end - start)
    return ("node", _expr(start, start + k, atoms), _expr(start + k, end, atoms))


def _path_ranges(m: int, start: int, end: int) -> list[tuple[int, int]]:
    if end - start == 1:
        return []
    k = _k(end - start)
    if m < k:
        return [*_path_ranges(m, start, start + k), (start + k, end)]
    return [*_path_ranges(m - k, start + k, end), (start, start + k)]


def _subproof_ranges(m: int, start: int, end: int, complete: bool) -> list[tuple[int, int]]:
    if m == end - start:
        return [] if complete else [(start, end)]
    k = _k(end - start)
    if m <= k:
        return [*_subproof_ranges(m, start, start + k, complete), (start + k, end)]
    return [*_subproof_ranges(m - k, start + k, end, False), (start, start + k)]


def _inclusion_shape(index: int, size: int) -> Expr:
    atoms: dict[tuple[int, int], Expr] = {(index, index + 1): "leaf hash"}
    atoms.update({r: ("proof", j) for j, r in enumerate(_path_ranges(index, 0, size))})
    return _expr(0, size, atoms)


def _subst(e: Expr, name: str, value: Expr) -> Expr:
    if e == name:
        return value
    if isinstance(e, tuple) and e[0] == "node":
        return ("node", _subst(e[1], name, value), _subst(e[2], name, value))
    return e


def _consistency_shape(size1: int, size2: int) -> tuple[Expr, Expr]:
    atoms: dict[tuple[int, int], Expr] = {
        r: ("proof", j) for j, r in enumerate(_subproof_ranges(size1, 0, size2, True))
    }
    if size1 & (size1 - 1) == 0:
        atoms[(0, size1)] = "root1"  # §2.1.4.2 step 2: first_hash is prepended
    return _expr(0, size1, atoms), _expr(0, size2, atoms)


def _accepts(fn: Any, *args: Any) -> bool:
    try:
        fn(*args)
    except MerkleProofError:
        return False
    return True


def test_shape_model_examples() -> None:
    # The model itself: PATH(0, D[3]) and PATH(0, D[4]) really are interchangeable, other pairs are not.
    assert _inclusion_shape(0, 3) == _inclusion_shape(0, 4)
    assert _inclusion_shape(0, 4) != _inclusion_shape(0, 5)
    assert _inclusion_shape(1, 4) != _inclusion_shape(2, 4)
    leaves, tree = _small_tree(4)
    proof3 = tree.inclusion_proof(0, 3)
    verify_inclusion(leaves[0], 0, 4, proof3, tree.root(3))
    with pytest.raises(MerkleProofError):
        verify_inclusion(leaves[0], 0, 5, proof3, tree.root(3))


@settings(max_examples=200, deadline=None)
@given(case=inclusion_case_st(), d_index=st.integers(-3, 3), d_size=st.integers(-3, 3))
def test_inclusion_wrong_index_or_size(case: tuple[list[bytes], int, int], d_index: int, d_size: int) -> None:
    leaves, index, size = case
    tree = MerkleTree.from_leaf_hashes(leaves)
    proof, root = tree.inclusion_proof(index, size), tree.root(size)
    index2, size2 = index + d_index, size + d_size
    expected = 0 <= index2 < size2 and _inclusion_shape(index2, size2) == _inclusion_shape(index, size)
    if d_index != 0 and d_size == 0:
        assert not expected  # in one tree, another leaf index never has the same shape
    assert _accepts(verify_inclusion, leaves[index], index2, size2, proof, root) == expected


@settings(max_examples=200, deadline=None)
@given(case=consistency_case_st(), d1=st.integers(-3, 3), d2=st.integers(-3, 3))
def test_consistency_wrong_sizes(case: tuple[list[bytes], int, int], d1: int, d2: int) -> None:
    leaves, size1, size2 = case
    tree = MerkleTree.from_leaf_hashes(leaves)
    proof, root1, root2 = tree.consistency_proof(size1, size2), tree.root(size1), tree.root(size2)
    a, b = size1 + d1, size2 + d2
    if size1 == size2:
        # Empty proof: accepted only for another pair of equal sizes (the roots are equal).
        expected = 0 < a == b
    elif not 0 < a < b:
        expected = False
    else:
        # Express everything in the honest proof's atoms: "root1" stands for the true first root.
        e1, e2 = _consistency_shape(size1, size2)
        f1, f2 = _consistency_shape(a, b)
        expected = _subst(f1, "root1", e1) == e1 and _subst(f2, "root1", e1) == _subst(e2, "root1", e1)
    assert _accepts(verify_consistency, a, b, proof, root1, root2) == expected


def test_wrong_index_or_size_exhaustive_small() -> None:
    # Every honest (index, size) proof against every other (index', size') with sizes up to 12, and the
    # same for consistency proofs: accepted exactly when the shapes coincide.
    n_max = 12
    leaves, tree = _small_tree(n_max)
    incl = [(i, n) for n in range(1, n_max + 1) for i in range(n)]
    accepted_elsewhere = 0
    for index, size in incl:
        proof, root = tree.inclusion_proof(index, size), tree.root(size)
        shape = _inclusion_shape(index, size)
        for index2, size2 in incl:
            expected = _inclusion_shape(index2, size2) == shape
            assert _accepts(verify_inclusion, leaves[index], index2, size2, proof, root) == expected
            accepted_elsewhere += expected and (index2, size2) != (index, size)
    cons = [(a, b) for b in range(2, n_max + 1) for a in range(1, b)]
    for size1, size2 in cons:
        proof, root1, root2 = tree.consistency_proof(size1, size2), tree.root(size1), tree.root(size2)
        e1, e2 = _consistency_shape(size1, size2)
        for a, b in cons:
            f1, f2 = _consistency_shape(a, b)
            expected = _subst(f1, "root1", e1) == e1 and _subst(f2, "root1", e1) == _subst(e2, "root1", e1)
            assert _accepts(verify_consistency, a, b, proof, root1, root2) == expected
            accepted_elsewhere += expected and (a, b) != (size1, size2)
    assert accepted_elsewhere > 0  # the model does predict genuinely interchangeable proofs


# ---------------------------------------------------------------------------------------------------------
# A larger tree
# ---------------------------------------------------------------------------------------------------------


def test_tree_medium_against_reference() -> None:
    rng = random.Random(9162)
    leaves = [leaf_hash(i.to_bytes(8, "big")) for i in range(3000)]
    tree = MerkleTree.from_leaf_hashes(leaves)
    assert tree.root() == root_from_leaf_hashes(leaves)
    for _ in range(20):
        size = rng.randint(1, len(leaves))
        index = rng.randrange(size)
        proof = tree.inclusion_proof(index, size)
        assert proof == inclusion_proof(leaves, index, size)
        verify_inclusion(leaves[index], index, size, proof, tree.root(size))
        size1 = rng.randint(1, size)
        cproof = tree.consistency_proof(size1, size)
        assert cproof == consistency_proof(leaves, size1, size)
        verify_consistency(size1, size, cproof, tree.root(size1), tree.root(size))


def test_tree_100k_leaves_serves_proofs() -> None:
    tree = MerkleTree()
    n = 100_000
    for i in range(n):
        tree.append(leaf_hash(i.to_bytes(8, "big")))
    root = tree.root()
    rng = random.Random(6962)
    for _ in range(200):
        index = rng.randrange(n)
        verify_inclusion(tree.leaf_hashes[index], index, n, tree.inclusion_proof(index), root)
        size1 = rng.randint(1, n)
        verify_consistency(size1, n, tree.consistency_proof(size1), tree.root(size1), root)
