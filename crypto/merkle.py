"""RFC 9162 Merkle tree hashes, inclusion and consistency proofs (SHA-256).

Two layers live here:

* the **reference** functions :func:`root_from_leaf_hashes`, :func:`inclusion_proof` and
  :func:`consistency_proof`, written as the literal recursive definitions of RFC 9162 §2.1.1, §2.1.3.1 and
  §2.1.4.1 over a list of leaf hashes (simple and obviously right, but O(n) per call);
* :class:`MerkleTree`, an incremental in-memory tree (clients, the election state). It keeps the hash of every
  complete (perfect, aligned) subtree, so ``append`` is O(1) amortized and every root of a prefix and every
  proof costs O(log² n) hash look-ups and O(log n) hash computations. The test suite checks it against the
  reference functions;
* proofs from **stored** perfect subtrees (:func:`inclusion_proof_from_subtrees` and the rest, over a
  ``get(level, index)`` accessor) and :class:`Frontier`, the O(log n) right frontier the ledger server keeps in
  memory instead of a tree (ADR 0019).

The verifiers :func:`verify_inclusion` and :func:`verify_consistency` follow RFC 9162 §2.1.3.2 and §2.1.4.2
step by step, after a strict check of every input (hash lengths, ranges, the exact proof length). They
return ``None`` or raise :class:`~crypto.errors.MerkleProofError`.

Hashing (RFC 9162 §2.1.1): ``MTH({}) = SHA-256()``, leaf ``SHA-256(0x00 || d)``, node
``SHA-256(0x01 || left || right)``. The distinct prefixes stop the second-preimage attack in which a
64-byte leaf is passed off as an interior node.

All indices are 0-based, as in RFC 9162.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from crypto.errors import DecodingError, MerkleProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "MerkleTree",
    "SubtreeGetter",
    "completed_subtrees",
    "consistency_proof",
    "consistency_proof_from_subtrees",
    "frontier_subtrees",
    "inclusion_proof",
    "inclusion_proof_from_subtrees",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "root_from_subtrees",
    "subtrees_for_proofs",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

#: RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``MTH({d(0)}) = HASH(0x00 || d(0))``."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise MerkleProofError(f"{what} must be {HASH_SIZE} bytes")


def _check_leaf_hashes(leaf_hashes: Sequence[bytes]) -> None:
    for h in leaf_hashes:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise DecodingError(f"leaf hashes must be {HASH_SIZE} bytes")


def _is_size(value: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# ---------------------------------------------------------------------------------------------------------
# Reference definitions (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1), over leaf hashes
# ---------------------------------------------------------------------------------------------------------


def _mth(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    # RFC 9162 §2.1.1: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n.
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[start]
    k = _split(n)
    return node_hash(_mth(leaves, start, start + k), _mth(leaves, start + k, end))


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over already-hashed leaves (reference implementation, O(n))."""
    _check_leaf_hashes(leaf_hashes)
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def _path(leaves: Sequence[bytes], m: int, start: int, end: int) -> list[bytes]:
    # RFC 9162 §2.1.3.1: PATH(0, {d(0)}) = {};
    # m < k: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]);  m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k]).
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(leaves, m, start, start + k), _mth(leaves, start + k, end)]
    return [*_path(leaves, m - k, start + k, end), _mth(leaves, start, start + k)]


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]) (reference implementation, O(size))."""
    _check_leaf_hashes(leaf_hashes)
    if not (_is_size(size) and size <= len(leaf_hashes)):
        raise MerkleProofError(f"tree size {size} is out of range (have {len(leaf_hashes)} leaves)")
    if not (_is_size(index) and index < size):
        raise MerkleProofError(f"leaf index {index} is not in a tree of size {size}")
    return _path(leaf_hashes, index, 0, size)


def _subproof(leaves: Sequence[bytes], m: int, start: int, end: int, complete: bool) -> list[bytes]:
    # RFC 9162 §2.1.4.1: SUBPROOF(m, D[m], true) = {};  SUBPROOF(m, D[m], false) = {MTH(D[m])};
    # m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]);  m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
    n = end - start
    if m == n:
        return [] if complete else [_mth(leaves, start, end)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves, m, start, start + k, complete), _mth(leaves, start + k, end)]
    return [*_subproof(leaves, m - k, start + k, end, False), _mth(leaves, start, start + k)]


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]) (reference implementation, O(size2)); ``0 < size1``."""
    _check_leaf_hashes(leaf_hashes)
    if not (_is_size(size2) and size2 <= len(leaf_hashes)):
        raise MerkleProofError(f"tree size {size2} is out of range (have {len(leaf_hashes)} leaves)")
    if not (_is_size(size1) and 0 < size1 <= size2):
        raise MerkleProofError(f"no consistency proof from size {size1} to size {size2}")
    return _subproof(leaf_hashes, size1, 0, size2, True)


# ---------------------------------------------------------------------------------------------------------
# Proofs from stored perfect subtrees (for a log kept on disk: the ledger's node rows, ADR 0019)
# ---------------------------------------------------------------------------------------------------------

#: ``get(level, index)``: the root of the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``
#: (level 0 is the leaf hash). Only subtrees inside the tree asked about are requested.
SubtreeGetter = Callable[[int, int], bytes]


def completed_subtrees(index: int, leaf_hash: bytes, left: SubtreeGetter) -> list[tuple[int, int, bytes]]:
    """The perfect subtrees ``(level, index, hash)`` that appending leaf ``index`` completes, bottom-up.

    Level 0 is the leaf itself; each time the new node is a right child, its parent is complete too, and its left
    sibling (``left(level, i - 1)``, a subtree of the right frontier) is read. O(log n), hashes never change.
    """
    out = [(0, index, leaf_hash)]
    h, i, node = 0, index, leaf_hash
    while i & 1:
        node = node_hash(left(h, i - 1), node)
        h, i = h + 1, i >> 1
        out.append((h, i, node))
    return out


def _decompose(start: int, end: int) -> list[tuple[int, int]]:
    # D[start:end] for a range RFC 9162's recursion produces (start aligned): the perfect subtrees given by the
    # binary digits of end - start, largest first (§2.1.1 splits off the largest power of two below n first).
    parts: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        h = (end - pos).bit_length() - 1
        parts.append((h, pos >> h))
        pos += 1 << h
    return parts


def _range_from(get: SubtreeGetter, start: int, end: int) -> bytes:
    if start == end:
        return EMPTY_ROOT
    parts = [get(h, i) for h, i in _decompose(start, end)]
    r = parts[-1]
    for left in reversed(parts[:-1]):
        r = node_hash(left, r)
    return r


def root_from_subtrees(get: SubtreeGetter, size: int) -> bytes:
    """RFC 9162 §2.1.1 MTH(D[0:size]) from at most log2(size) + 1 perfect subtrees (its binary digits)."""
    if not _is_size(size):
        raise MerkleProofError(f"tree size {size} is out of range")
    return _range_from(get, 0, size)


def inclusion_proof_from_subtrees(get: SubtreeGetter, index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), bottom-up, from O(log² size) perfect-subtree look-ups."""
    if not (_is_size(size) and _is_size(index) and index < size):
        raise MerkleProofError(f"leaf index {index} is not in a tree of size {size}")
    # Walk the §2.1.3.1 recursion from the top, collecting the sibling subtree at each split.
    siblings: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            siblings.append(_range_from(get, start + k, end))
            end = start + k
        else:
            siblings.append(_range_from(get, start, start + k))
            start += k
            m -= k
    siblings.reverse()
    return siblings


def consistency_proof_from_subtrees(get: SubtreeGetter, size1: int, size2: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]) from O(log² size2) perfect-subtree look-ups; ``0 < size1``."""
    if not (_is_size(size2) and _is_size(size1) and 0 < size1 <= size2):
        raise MerkleProofError(f"no consistency proof from size {size1} to size {size2}")
    # Walk the §2.1.4.1 SUBPROOF recursion from the top.
    out: list[bytes] = []
    start, end, m, complete = 0, size2, size1, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            out.append(_range_from(get, start + k, end))
            end = start + k
        else:
            out.append(_range_from(get, start, start + k))
            start += k
            m -= k
            complete = False
    # SUBPROOF(m, D[m], b): nothing if b is true, else MTH(D[m]).
    if not complete:
        out.append(_range_from(get, start, end))
    out.reverse()
    return out


def frontier_subtrees(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees ``(level, index)`` that make up D[0:size], largest first (its binary digits): the right
    frontier of the tree, whose hashes give its root (RFC 9162 §2.1.1) and the left siblings of the next leaf."""
    if not _is_size(size):
        raise MerkleProofError(f"tree size {size} is out of range")
    return _decompose(0, size)


@dataclass(frozen=True, slots=True)
class Frontier:
    """The right frontier of a tree of ``size`` leaves: the hashes of the perfect subtrees of D[0:size], largest
    first (``frontier_subtrees(size)``), at most log2(size) + 1 of them. Enough to compute the root, to append a leaf
    (yielding the subtrees it completes) and to give the appended leaf's inclusion proof; everything else is read
    from stored subtrees. Immutable: :meth:`append` returns the next frontier."""

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if not _is_size(self.size):
            raise MerkleProofError(f"tree size {self.size} is out of range")
        if len(self.hashes) != self.size.bit_count():
            raise MerkleProofError(
                f"a frontier of size {self.size} needs {self.size.bit_count()} subtree hashes, not {len(self.hashes)}"
            )
        for h in self.hashes:
            _check_hash(h, "frontier hash")

    @classmethod
    def from_subtrees(cls, get: SubtreeGetter, size: int) -> Frontier:
        return cls(size, tuple(get(h, i) for h, i in frontier_subtrees(size)))

    def subtrees(self) -> list[tuple[int, int, bytes]]:
        """``(level, index, hash)`` of every subtree of the frontier, largest first."""
        return [(h, i, v) for (h, i), v in zip(frontier_subtrees(self.size), self.hashes, strict=True)]

    def root(self) -> bytes:
        """RFC 9162 §2.1.1 MTH(D[0:size])."""
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            r = node_hash(left, r)
        return r

    def next_leaf_path(self) -> list[bytes]:
        """PATH(size, D[0:size + 1]) (§2.1.3.1), the inclusion proof of the leaf appended next in the tree it makes:
        every split puts that leaf in the right part, so its siblings are this frontier, bottom-up."""
        return list(reversed(self.hashes))

    def append(self, leaf_hash: bytes) -> tuple[Frontier, list[tuple[int, int, bytes]]]:
        """The frontier of size + 1, and the perfect subtrees the new leaf completes (:func:`completed_subtrees`)."""
        _check_hash(leaf_hash, "leaf hash")
        mine = {(h, i): v for h, i, v in self.subtrees()}
        done = completed_subtrees(self.size, leaf_hash, lambda h, i: mine[h, i])
        top = done[-1][0]
        # the subtrees below the new top were merged into it; the larger ones stay
        kept = tuple(v for (h, _), v in zip(frontier_subtrees(self.size), self.hashes, strict=True) if h > top)
        return Frontier(self.size + 1, (*kept, done[-1][2])), done


def subtrees_for_proofs(size: int, index: int | None = None, size1: int | None = None) -> set[tuple[int, int]]:
    """The perfect subtrees ``(level, index)`` that the root of ``size`` and the inclusion proof of ``index`` (or
    the consistency proof from ``size1``) read: what a storage layer fetches in one query before computing."""
    wanted: set[tuple[int, int]] = set()

    def record(h: int, i: int) -> bytes:
        wanted.add((h, i))
        return EMPTY_ROOT

    root_from_subtrees(record, size)
    if index is not None:
        inclusion_proof_from_subtrees(record, index, size)
    if size1 is not None:
        consistency_proof_from_subtrees(record, size1, size)
    return wanted


# ---------------------------------------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2, §2.1.4.2)
# ---------------------------------------------------------------------------------------------------------


def _inclusion_proof_length(index: int, size: int) -> int:
    # The path has one element per level where the leaf's ancestor has a sibling: the levels below the
    # point where index and size - 1 diverge ("inner"), plus one per set bit above it ("border").
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border


def _consistency_proof_length(size1: int, size2: int) -> int:
    # PROOF(size1, D[size2]) is the inclusion path of leaf size1 - 1 in D[size2] with the levels inside the
    # largest complete subtree ending at size1 dropped, plus that subtree's root unless it is all of D[size1].
    shift = (size1 & -size1).bit_length() - 1
    seed = 0 if size1 == 1 << shift else 1
    return seed + _inclusion_proof_length(size1 - 1, size2) - shift


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``."""
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root hash")
    for p in proof:
        _check_hash(p, "proof element")
    if not _is_size(size) or not _is_size(index):
        raise MerkleProofError("index and size must be non-negative integers")
    # §2.1.3.2 step 1: compare leaf_index from the inclusion_proof against tree_size in the inclusion_proof.
    # If leaf_index is greater than or equal to tree_size, then fail the proof verification.
    if index >= size:
        raise MerkleProofError(f"leaf index {index} is not in a tree of size {size}")
    if len(proof) != _inclusion_proof_length(index, size):
        raise MerkleProofError(f"wrong inclusion proof length {len(proof)} for leaf {index} of {size}")
    # Step 2: set fn to leaf_index and sn to tree_size - 1.
    fn, sn = index, size - 1
    # Step 3: set r to hash.
    r = leaf_hash
    # Step 4: for each value p in the inclusion_path array:
    for p in proof:
        # 4a: if sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            raise MerkleProofError("inclusion proof is too long")
        # 4b: if LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        # Otherwise: set r to HASH(0x01 || r || p).
        else:
            r = node_hash(r, p)
        # 4c: finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # Step 5: compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the root_hash
    # are equal, then the log has proven the inclusion of hash. Otherwise, fail the proof verification.
    if sn != 0:
        raise MerkleProofError("inclusion proof is too short")
    if r != root:
        raise MerkleProofError("inclusion proof does not lead to the root hash")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """RFC 9162 §2.1.4.2: check that the tree of ``size1`` with ``root1`` is a prefix of ``size2``/``root2``.

    ``size1 == 0`` is always rejected (even 0 -> 0); ``size1 == size2`` needs an empty proof and equal roots.
    """
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    for p in proof:
        _check_hash(p, "proof element")
    if not _is_size(size1) or not _is_size(size2):
        raise MerkleProofError("tree sizes must be non-negative integers")
    if size1 == 0:
        raise MerkleProofError("no consistency proof from an empty tree")
    if size1 > size2:
        raise MerkleProofError(f"tree size {size2} is smaller than {size1}")
    if size1 == size2:
        # §2.1.4.1: PROOF(n, D[n]) is empty, and the two trees are the same tree.
        if proof:
            raise MerkleProofError("consistency proof between equal sizes must be empty")
        if root1 != root2:
            raise MerkleProofError("different root hashes for the same tree size")
        return
    # Step 1: if consistency_path is an empty array, stop and fail the proof verification.
    if not proof:
        raise MerkleProofError("empty consistency proof")
    if len(proof) != _consistency_proof_length(size1, size2):
        raise MerkleProofError(f"wrong consistency proof length {len(proof)} for sizes {size1} -> {size2}")
    path = list(proof)
    # Step 2: if first is an exact power of 2, then prepend first_hash to the consistency_path array.
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # Step 3: set fn to first - 1 and sn to second - 1.
    fn, sn = size1 - 1, size2 - 1
    # Step 4: if LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5: set both fr and sr to the first value in the consistency_path array.
    fr = sr = path[0]
    # Step 6: for each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # 6a: if sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            raise MerkleProofError("consistency proof is too long")
        # 6b: if LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            # If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        # Otherwise: set sr to HASH(0x01 || sr || c).
        else:
            sr = node_hash(sr, c)
        # 6c: finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # Step 7: after completing iterating through the consistency_path array as described above, verify that
    # the fr calculated is equal to the first_hash supplied, that the sr calculated is equal to the
    # second_hash supplied, and that sn is 0.
    if sn != 0:
        raise MerkleProofError("consistency proof is too short")
    if fr != root1:
        raise MerkleProofError("consistency proof does not lead to the first root hash")
    if sr != root2:
        raise MerkleProofError("consistency proof does not lead to the second root hash")


# ---------------------------------------------------------------------------------------------------------
# Incremental tree
# ---------------------------------------------------------------------------------------------------------


class _LeafView(Sequence[bytes]):
    """A read-only view of the tree's leaf hashes (leaves are never changed once appended)."""

    __slots__ = ("_leaves",)

    def __init__(self, leaves: list[bytes]) -> None:
        self._leaves = leaves

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            return tuple(self._leaves[index])
        return self._leaves[index]

    def __len__(self) -> int:
        return len(self._leaves)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._leaves)

    def __repr__(self) -> str:
        return f"<{len(self._leaves)} leaf hashes>"


class MerkleTree:
    """An append-only RFC 9162 tree over leaf hashes, kept in memory.

    ``self._levels[h][i]`` is the root of the complete subtree over leaves ``[i * 2**h, (i + 1) * 2**h)``;
    only complete subtrees are stored, so appending touches at most one node per level and stored hashes
    never change. Every subtree that RFC 9162 mentions for a prefix ``D[0:n]`` is either one of these
    complete subtrees or splits into at most log2(n) of them (the binary digits of its size), which is why
    roots of any prefix and all proofs need only O(log² n) look-ups.
    """

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Sequence[bytes]) -> MerkleTree:
        """Build a tree from existing leaf hashes (e.g. when a server reloads its ledger)."""
        tree = cls()
        for h in leaf_hashes:
            tree.append(h)
        return tree

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    @property
    def leaf_hashes(self) -> Sequence[bytes]:
        """A read-only view of the leaf hashes, in order."""
        return _LeafView(self._levels[0])

    def append(self, leaf_hash: bytes) -> int:
        """Append a leaf hash (``leaf_hash(entry)``, 32 bytes) and return its 0-based index."""
        if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
            raise DecodingError(f"leaf hashes must be {HASH_SIZE} bytes")
        levels = self._levels
        index = len(levels[0])
        levels[0].append(leaf_hash)
        # Each time a level gains a right child, the complete parent subtree above it is finished.
        h, node = 0, leaf_hash
        while len(levels[h]) % 2 == 0:
            node = node_hash(levels[h][-2], node)
            h += 1
            if h == len(levels):
                levels.append([])
            levels[h].append(node)
        return index

    def subtree(self, level: int, index: int) -> bytes:
        """The root of the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``."""
        if not (_is_size(level) and _is_size(index) and level < len(self._levels) and index < len(self._levels[level])):
            raise MerkleProofError(f"no complete subtree ({level}, {index}) in a tree of size {self.size}")
        return self._levels[level][index]

    def subtrees(self) -> Iterator[tuple[int, int, bytes]]:
        """Every perfect subtree ``(level, index, hash)``, level by level."""
        for h, level in enumerate(self._levels):
            for i, value in enumerate(level):
                yield h, i, value

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range that RFC 9162's recursion can produce (``start`` aligned).

        RFC 9162 §2.1.1 splits D[n] into a complete left subtree of the largest power of two below n and the
        rest, so D[start:end] is the fold, from the right, of the complete subtrees given by the binary
        digits of end - start, largest first.
        """
        if start == end:
            return EMPTY_ROOT
        parts: list[bytes] = []
        pos = start
        while pos < end:
            h = (end - pos).bit_length() - 1
            parts.append(self._levels[h][pos >> h])
            pos += 1 << h
        r = parts[-1]
        for left in reversed(parts[:-1]):
            r = node_hash(left, r)
        return r

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not _is_size(size) or size > self.size:
            raise MerkleProofError(f"tree size {size} is out of range (have {self.size} leaves)")
        return size

    def root(self, size: int | None = None) -> bytes:
        """RFC 9162 §2.1.1 MTH(D[0:size]); the current root when ``size`` is None."""
        return self._range_hash(0, self._check_size(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), bottom-up; the current size when ``size`` is None."""
        n = self._check_size(size)
        if not (_is_size(index) and index < n):
            raise MerkleProofError(f"leaf index {index} is not in a tree of size {n}")
        # Walk the §2.1.3.1 recursion from the top, collecting the sibling subtree at each split.
        siblings: list[bytes] = []
        start, end, m = 0, n, index
        while end - start > 1:
            k = _split(end - start)
            if m < k:
                siblings.append(self._range_hash(start + k, end))
                end = start + k
            else:
                siblings.append(self._range_hash(start, start + k))
                start += k
                m -= k
        siblings.reverse()
        return siblings

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]); the current size when ``size2`` is None."""
        n = self._check_size(size2)
        if not (_is_size(size1) and 0 < size1 <= n):
            raise MerkleProofError(f"no consistency proof from size {size1} to size {n}")
        # Walk the §2.1.4.1 SUBPROOF recursion from the top.
        out: list[bytes] = []
        start, end, m, complete = 0, n, size1, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                out.append(self._range_hash(start + k, end))
                end = start + k
            else:
                out.append(self._range_hash(start, start + k))
                start += k
                m -= k
                complete = False
        # SUBPROOF(m, D[m], b): nothing if b is true, else MTH(D[m]).
        if not complete:
            out.append(self._range_hash(start, end))
        out.reverse()
        return out

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"MerkleTree(size={self.size})"
