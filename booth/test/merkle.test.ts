// RFC 9162 vectors (tests/vectors/merkle, as tests/crypto/test_merkle.py runs them) against booth/src/crypto/merkle.ts.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/crypto/bytes.ts";
import {
  EMPTY_ROOT,
  leafHash,
  MerkleProofError,
  MerkleTree,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from "../src/crypto/merkle.ts";

const VECTORS = join(import.meta.dirname, "..", "..", "tests", "vectors", "merkle");
const TD = join(VECTORS, "transparency-dev-merkle");
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".json") ? [p] : [];
  });
}

type Reference = {
  leaf_inputs_hex: string[];
  node_hashes_by_level: string[][];
  root_hash_by_tree_size: Record<string, string>;
  inclusion_proofs: { leaf_index_0based: number; tree_size: number; audit_path: string[] }[];
  consistency_proofs: { first: number; second: number; proof: string[] }[];
};
const REF = JSON.parse(readFileSync(join(VECTORS, "rfc6962_reference_tree.json"), "utf8")) as Reference;
const leaves = REF.leaf_inputs_hex.map((h) => leafHash(fromHex(h)));

test("transparency-dev inclusion vectors", () => {
  const paths = files(join(TD, "inclusion"));
  assert.equal(paths.length, 53);
  for (const p of paths) {
    const v = JSON.parse(readFileSync(p, "utf8"));
    const run = () =>
      verifyInclusion(b64(v.leafHash), v.leafIdx, v.treeSize, (v.proof ?? []).map(b64), b64(v.root));
    if (v.wantErr) assert.throws(run, MerkleProofError, p);
    else run();
  }
});

test("transparency-dev consistency vectors", () => {
  const paths = files(join(TD, "consistency"));
  assert.equal(paths.length, 43);
  for (const p of paths) {
    const v = JSON.parse(readFileSync(p, "utf8"));
    const run = () => verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
    if (v.wantErr) assert.throws(run, MerkleProofError, p);
    else run();
  }
});

test("reference tree: leaf and node hashes, roots of every size", () => {
  const levels = REF.node_hashes_by_level;
  assert.deepEqual(leaves.map(toHex), levels[0]);
  for (let h = 1; h < levels.length; h++) {
    const below = levels[h - 1]!.map((x) => fromHex(x));
    assert.deepEqual(
      levels[h]!.map((_, i) => toHex(nodeHash(below[2 * i]!, below[2 * i + 1]!))),
      levels[h],
    );
  }
  const tree = MerkleTree.fromLeafHashes(leaves);
  for (const [size, root] of Object.entries(REF.root_hash_by_tree_size)) {
    assert.equal(toHex(rootFromLeafHashes(leaves.slice(0, +size))), root);
    assert.equal(toHex(tree.root(+size)), root);
  }
  assert.deepEqual(EMPTY_ROOT, new MerkleTree().root());
  assert.throws(() => tree.root(9), MerkleProofError);
});

test("reference tree: inclusion and consistency proofs verify, and not against another root", () => {
  const tree = MerkleTree.fromLeafHashes(leaves);
  for (const c of REF.inclusion_proofs) {
    const proof = c.audit_path.map((x) => fromHex(x));
    verifyInclusion(leaves[c.leaf_index_0based]!, c.leaf_index_0based, c.tree_size, proof, tree.root(c.tree_size));
    assert.throws(
      () => verifyInclusion(leaves[c.leaf_index_0based]!, c.leaf_index_0based, c.tree_size, proof, tree.root(c.tree_size - 1)),
      MerkleProofError,
    );
  }
  for (const c of REF.consistency_proofs) {
    const proof = c.proof.map((x) => fromHex(x));
    verifyConsistency(c.first, c.second, proof, tree.root(c.first), tree.root(c.second));
    assert.throws(
      () => verifyConsistency(c.first, c.second, proof, tree.root(c.first), tree.root(c.second - 1)),
      MerkleProofError,
    );
  }
});

test("malformed inputs are refused", () => {
  const root = MerkleTree.fromLeafHashes(leaves).root();
  assert.throws(() => verifyInclusion(leaves[0]!.slice(1), 0, 8, [], root), MerkleProofError);
  assert.throws(() => verifyInclusion(leaves[0]!, -1, 8, [], root), MerkleProofError);
  assert.throws(() => verifyInclusion(leaves[0]!, 8, 8, [], root), MerkleProofError);
  assert.throws(() => verifyInclusion(leaves[0]!, 0.5, 8, [], root), MerkleProofError);
  assert.throws(() => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT), MerkleProofError);
  assert.throws(() => verifyConsistency(3, 2, [], root, root), MerkleProofError);
  assert.throws(() => verifyConsistency(2, 2, [root], root, root), MerkleProofError);
  assert.throws(() => verifyConsistency(2, 4, [], root, root), MerkleProofError);
  // sizes beyond 2^32 work (bigint arithmetic): a leaf far out in a huge tree has a path of the right length only
  const big = 2n ** 40n + 3n;
  assert.throws(() => verifyInclusion(leaves[0]!, big - 1n, big, [], root), /wrong inclusion proof length/);
});

test("leaf and node hashes are domain-separated (a 64-byte leaf is not a node)", () => {
  const [a, b] = [leaves[0]!, leaves[1]!];
  const fake = new Uint8Array([...a, ...b]);
  assert.notDeepEqual(leafHash(fake), nodeHash(a, b));
});
