// RFC 9162 Merkle tree hashes, roots and proof verification (SHA-256): the port of crypto/merkle.py.
//
// Hashing (RFC 9162 §2.1.1): MTH({}) = SHA-256(), leaf SHA-256(0x00 || d), node SHA-256(0x01 || left || right).
// `verifyInclusion` and `verifyConsistency` follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step after a strict check
// of every input (hash lengths, ranges, the exact proof length), as the Python functions of the same names do;
// they return nothing or throw MerkleProofError. Indices are 0-based. Sizes are bigints inside (a checkpoint's size
// is a uint64, and JavaScript's bit operators on numbers are 32-bit); numbers are accepted at the edges.
import { concat, equalBytes, hash } from "./bytes.ts";

export class MerkleProofError extends Error {
  override name = "MerkleProofError";
}

export const HASH_SIZE = 32;
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string. */
export const EMPTY_ROOT: Uint8Array = hash(new Uint8Array(0));

/** RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)) (merkle.leaf_hash). */
export function leafHash(entry: Uint8Array): Uint8Array {
  return hash(concat(LEAF_PREFIX, entry));
}

/** RFC 9162 §2.1.1: HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])) (merkle.node_hash). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash(concat(NODE_PREFIX, left, right));
}

type Size = number | bigint;

function toSize(value: Size, what: string): bigint {
  if (typeof value === "bigint") {
    if (value < 0n) throw new MerkleProofError(`${what} must be a non-negative integer`);
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0) throw new MerkleProofError(`${what} must be a non-negative integer`);
  return BigInt(value);
}

function checkHash(value: Uint8Array, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    throw new MerkleProofError(`${what} must be ${HASH_SIZE} bytes`);
  }
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function bitCount(x: bigint): number {
  let n = 0;
  for (const c of x.toString(2)) if (c === "1") n++;
  return n;
}

/** RFC 9162 §2.1.1: the largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[start]!;
  const k = split(n);
  return nodeHash(mth(leaves, start, start + k), mth(leaves, start + k, end));
}

/** RFC 9162 §2.1.1 MTH over already-hashed leaves (the reference definition, O(n); merkle.root_from_leaf_hashes). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  for (const h of leafHashes) checkHash(h, "leaf hash");
  return mth(leafHashes, 0, leafHashes.length);
}

// The path has one element per level where the leaf's ancestor has a sibling: the levels below the point where
// index and size - 1 diverge ("inner"), plus one per set bit above it ("border").
function inclusionProofLength(index: bigint, size: bigint): number {
  const inner = bitLength(index ^ (size - 1n));
  const border = bitCount(index >> BigInt(inner));
  return inner + border;
}

// PROOF(size1, D[size2]) is the inclusion path of leaf size1 - 1 in D[size2] with the levels inside the largest
// complete subtree ending at size1 dropped, plus that subtree's root unless it is all of D[size1].
function consistencyProofLength(size1: bigint, size2: bigint): number {
  const shift = bitLength(size1 & -size1) - 1;
  const seed = size1 === 1n << BigInt(shift) ? 0 : 1;
  return seed + inclusionProofLength(size1 - 1n, size2) - shift;
}

/** RFC 9162 §2.1.3.2: `leaf` is leaf `index` of the tree of `size` with `root` (merkle.verify_inclusion). */
export function verifyInclusion(
  leaf: Uint8Array,
  index: Size,
  size: Size,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(leaf, "leaf hash");
  checkHash(root, "root hash");
  for (const p of proof) checkHash(p, "proof element");
  const i = toSize(index, "index"),
    n = toSize(size, "size");
  // Step 1: a leaf index at or beyond the tree size fails.
  if (i >= n) throw new MerkleProofError(`leaf index ${i} is not in a tree of size ${n}`);
  if (proof.length !== inclusionProofLength(i, n)) {
    throw new MerkleProofError(`wrong inclusion proof length ${proof.length} for leaf ${i} of ${n}`);
  }
  // Step 2: fn = leaf_index, sn = tree_size - 1. Step 3: r = hash.
  let fn = i,
    sn = n - 1n,
    r = leaf;
  // Step 4: for each p in the inclusion path.
  for (const p of proof) {
    // 4a: if sn is 0, fail.
    if (sn === 0n) throw new MerkleProofError("inclusion proof is too long");
    // 4b: if LSB(fn) is set or fn == sn: r = HASH(0x01 || p || r), then shift until LSB(fn) is set or fn is 0.
    if (fn & 1n || fn === sn) {
      r = nodeHash(p, r);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p); // otherwise r = HASH(0x01 || r || p)
    }
    // 4c: shift both once.
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 5: sn is 0 and r is the root.
  if (sn !== 0n) throw new MerkleProofError("inclusion proof is too short");
  if (!equalBytes(r, root)) throw new MerkleProofError("inclusion proof does not lead to the root hash");
}

/** RFC 9162 §2.1.4.2: the tree of `size1`/`root1` is a prefix of `size2`/`root2` (merkle.verify_consistency).
 * size1 == 0 is always refused (even 0 -> 0); size1 == size2 needs an empty proof and equal roots. */
export function verifyConsistency(
  size1: Size,
  size2: Size,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkHash(root1, "first root hash");
  checkHash(root2, "second root hash");
  for (const p of proof) checkHash(p, "proof element");
  const m = toSize(size1, "tree size"),
    n = toSize(size2, "tree size");
  if (m === 0n) throw new MerkleProofError("no consistency proof from an empty tree");
  if (m > n) throw new MerkleProofError(`tree size ${n} is smaller than ${m}`);
  if (m === n) {
    // §2.1.4.1: PROOF(n, D[n]) is empty, and the two trees are the same tree.
    if (proof.length) throw new MerkleProofError("consistency proof between equal sizes must be empty");
    if (!equalBytes(root1, root2)) throw new MerkleProofError("different root hashes for the same tree size");
    return;
  }
  // Step 1: an empty path fails.
  if (!proof.length) throw new MerkleProofError("empty consistency proof");
  if (proof.length !== consistencyProofLength(m, n)) {
    throw new MerkleProofError(`wrong consistency proof length ${proof.length} for sizes ${m} -> ${n}`);
  }
  // Step 2: if first is an exact power of 2, prepend first_hash.
  const path = (m & (m - 1n)) === 0n ? [root1, ...proof] : [...proof];
  // Step 3: fn = first - 1, sn = second - 1. Step 4: shift while LSB(fn) is set.
  let fn = m - 1n,
    sn = n - 1n;
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 5: fr = sr = the first value.
  let fr = path[0]!,
    sr = path[0]!;
  // Step 6: for each subsequent value c.
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new MerkleProofError("consistency proof is too long"); // 6a
    if (fn & 1n || fn === sn) {
      // 6b
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n; // 6c
    sn >>= 1n;
  }
  // Step 7: fr is first_hash, sr is second_hash, sn is 0.
  if (sn !== 0n) throw new MerkleProofError("consistency proof is too short");
  if (!equalBytes(fr, root1)) throw new MerkleProofError("consistency proof does not lead to the first root hash");
  if (!equalBytes(sr, root2)) throw new MerkleProofError("consistency proof does not lead to the second root hash");
}

/** An append-only RFC 9162 tree over leaf hashes (merkle.MerkleTree, without proof generation: the booth only
 * verifies). `levels[h][i]` is the root of the complete subtree over leaves [i·2^h, (i+1)·2^h); the root of any
 * prefix folds at most log2(n) of them. */
export class MerkleTree {
  private readonly levels: Uint8Array[][] = [[]];

  static fromLeafHashes(leafHashes: readonly Uint8Array[]): MerkleTree {
    const tree = new MerkleTree();
    for (const h of leafHashes) tree.append(h);
    return tree;
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  append(leaf: Uint8Array): number {
    checkHash(leaf, "leaf hash");
    const levels = this.levels;
    const index = levels[0]!.length;
    levels[0]!.push(leaf);
    let h = 0,
      node = leaf;
    while (levels[h]!.length % 2 === 0) {
      const level = levels[h]!;
      node = nodeHash(level[level.length - 2]!, node);
      h++;
      if (h === levels.length) levels.push([]);
      levels[h]!.push(node);
    }
    return index;
  }

  /** RFC 9162 §2.1.1 MTH(D[0:size]); the current root without `size`. */
  root(size: number = this.size): Uint8Array {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new MerkleProofError(`tree size ${size} is out of range (have ${this.size} leaves)`);
    }
    if (size === 0) return EMPTY_ROOT;
    const parts: Uint8Array[] = [];
    let pos = 0;
    while (pos < size) {
      let h = 0;
      while (2 ** (h + 1) <= size - pos) h++; // the largest complete subtree that fits
      const width = 2 ** h;
      parts.push(this.levels[h]![pos / width]!);
      pos += width;
    }
    let r = parts[parts.length - 1]!;
    for (let j = parts.length - 2; j >= 0; j--) r = nodeHash(parts[j]!, r);
    return r;
  }
}
