// Signed notes and checkpoints (booth/src/crypto/note.ts): the Go reference vectors that tests/crypto/test_note.py
// runs (golang.org/x/mod sumdb/note/note_test.go, BSD-3-Clause), and the refusals. Python-made notes and their
// tamperings are compared case by case in tests/booth/test_context_interop.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { concat, utf8 } from "../src/crypto/bytes.ts";
import { EMPTY_ROOT, MerkleProofError, MerkleTree, leafHash } from "../src/crypto/merkle.ts";
import {
  Checkpoint,
  keyId,
  NoteError,
  NoteVerifier,
  openCheckpoint,
  openSignedNote,
  toBase64,
  verifyCheckpointExtends,
} from "../src/crypto/note.ts";

const GO_PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const GO_TEXT = utf8("If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n");
const GO_PETER_SIG = utf8(
  "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
);
const GO_ENOCH_SIG = utf8(
  "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n",
);
const NL = utf8("\n");

const kind = (k: NoteError["kind"]) => (e: unknown) => e instanceof NoteError && e.kind === k;

function signer(name: string) {
  const secret = ed25519.utils.randomSecretKey();
  const v = NoteVerifier.fromPublicKey(name, ed25519.getPublicKey(secret));
  const line = (body: Uint8Array) =>
    utf8(`— ${name} ${toBase64(concat(v.keyId, ed25519.sign(body, secret)))}\n`);
  return { verifier: v, sign: (body: Uint8Array) => concat(body, NL, line(body)), line };
}

test("Go vectors: open, other keys, invalid signature", () => {
  const peter = NoteVerifier.fromVkey(GO_PETER_VKEY);
  const enoch = NoteVerifier.fromVkey(GO_ENOCH_VKEY);
  assert.equal(peter.toVkey(), GO_PETER_VKEY);
  const both = concat(GO_TEXT, NL, GO_PETER_SIG, GO_ENOCH_SIG);
  assert.deepEqual(openSignedNote(both, peter), GO_TEXT);
  assert.deepEqual(openSignedNote(both, enoch), GO_TEXT);
  assert.throws(() => openSignedNote(concat(GO_TEXT, NL, GO_ENOCH_SIG), peter), kind("signature"));
  const bad = concat(GO_PETER_SIG.slice(0, 60), utf8("ABCD"), GO_PETER_SIG.slice(60));
  assert.throws(() => openSignedNote(concat(GO_TEXT, NL, bad), peter), kind("signature"));
  for (const malformed of [
    GO_TEXT,
    concat(GO_TEXT, NL),
    concat(GO_TEXT, NL, GO_PETER_SIG.slice(0, -1)),
    concat(Uint8Array.of(1), GO_TEXT, NL, GO_PETER_SIG),
    concat(Uint8Array.of(0xff), GO_TEXT, NL, GO_PETER_SIG),
    concat(GO_TEXT, NL, GO_PETER_SIG, utf8("Unexpected line.\n")),
  ]) {
    assert.throws(() => openSignedNote(malformed, peter), kind("decoding"));
  }
});

test("key IDs and verifier keys: the definition, manglings refused", () => {
  const v = NoteVerifier.fromVkey(GO_PETER_VKEY);
  assert.equal(Buffer.from(v.keyId).toString("hex"), "c74f20a3");
  assert.deepEqual(keyId("PeterNeumann", v.publicKey), v.keyId);
  for (let i = 0; i < GO_PETER_VKEY.length; i++) {
    const bumped = GO_PETER_VKEY.slice(0, i) + String.fromCharCode(GO_PETER_VKEY.charCodeAt(i) + 1) + GO_PETER_VKEY.slice(i + 1);
    assert.throws(() => NoteVerifier.fromVkey(bumped), kind("key"), bumped);
    assert.throws(() => NoteVerifier.fromVkey(GO_PETER_VKEY.slice(0, i)), kind("key"));
  }
  for (const bad of [
    GO_PETER_VKEY.toUpperCase(),
    "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
    "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "Peter\u0085Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "",
  ]) {
    assert.throws(() => NoteVerifier.fromVkey(bad), kind("key"));
  }
  for (const name of ["", "a b", "a+b", "a\tb", "a\u00a0b", "a\u2003b", "a\u0001b", "a\u0085b"]) {
    assert.throws(() => keyId(name, v.publicKey), kind("key"));
  }
  keyId("a\ufeffb", v.publicKey); // Python's isspace() does not count U+FEFF (JavaScript's \s does)
});

test("checkpoint bodies: round trip, strict parse", () => {
  const root = new Uint8Array(32).map((_, i) => i);
  const r64 = toBase64(root);
  const cp = new Checkpoint("a b+c", 2n ** 64n - 1n, root, ["x"]);
  assert.ok(Checkpoint.fromBody(cp.toBody()).equals(cp));
  assert.equal(Checkpoint.fromBody(utf8(`log\n0\n${r64}\n`)).size, 0n);
  for (const body of [
    `log\n5\n${r64}`,
    `log\n05\n${r64}\n`,
    `log\n+5\n${r64}\n`,
    `log\n-1\n${r64}\n`,
    `log\n\u0665\n${r64}\n`,
    `log\n${2n ** 64n}\n${r64}\n`,
    `\n5\n${r64}\n`,
    `log\n5\n${r64}\n\n`,
    "log\n5\n",
    "",
    `log\r\n5\n${r64}\n`,
    `log\n5\n${toBase64(new Uint8Array(31))}\n`,
    `log\n5\n${r64.replace(/=$/, "")}\n`,
    `log\n5\n${r64.slice(0, -2)}B=\n`,
    `log\n5\n ${r64}\n`,
  ]) {
    assert.throws(() => Checkpoint.fromBody(utf8(body)), kind("decoding"), JSON.stringify(body));
  }
  assert.throws(() => Checkpoint.fromBody(concat(utf8("l"), Uint8Array.of(0xff), utf8(`g\n5\n${r64}\n`))), kind("decoding"));
});

test("signed checkpoints: open, every bit flip refused, other keys ignored", () => {
  const log = signer("example.com/linli-log");
  const tree = MerkleTree.fromLeafHashes([0, 1, 2].map((i) => leafHash(Uint8Array.of(i))));
  const cp = new Checkpoint("example.com/linli-log", 3n, tree.root());
  const note = log.sign(cp.toBody());
  assert.ok(openCheckpoint(note, log.verifier).equals(cp));
  for (let bit = 0; bit < note.length * 8; bit++) {
    const t = note.slice();
    t[bit >> 3]! ^= 1 << (bit & 7);
    assert.throws(() => openCheckpoint(t, log.verifier), NoteError);
  }
  const witness = signer("example.com/witness");
  assert.ok(openCheckpoint(concat(note, witness.line(cp.toBody())), log.verifier).equals(cp));
  assert.throws(() => openCheckpoint(witness.sign(cp.toBody()), log.verifier), kind("signature"));
  const impostor = signer("example.com/linli-log");
  assert.throws(() => openCheckpoint(impostor.sign(cp.toBody()), log.verifier), kind("signature"));
  const badLine = utf8(`— ${log.verifier.name} ${toBase64(concat(log.verifier.keyId, new Uint8Array(64)))}\n`);
  assert.throws(() => openCheckpoint(concat(note, badLine), log.verifier), kind("signature"));
  const witnesses = (k: number) => Array<Uint8Array>(k).fill(witness.line(cp.toBody()));
  assert.ok(openCheckpoint(concat(note, ...witnesses(99)), log.verifier).equals(cp)); // at most 100 signatures
  assert.throws(() => openCheckpoint(concat(note, ...witnesses(100)), log.verifier), kind("decoding"));
});

test("a checkpoint never shrinks: rollback, fork and other log refused", () => {
  const leaves = Array.from({ length: 9 }, (_, i) => leafHash(Uint8Array.of(i)));
  const tree = MerkleTree.fromLeafHashes(leaves);
  const cp = (n: number, t = tree, origin = "o") => new Checkpoint(origin, BigInt(n), t.root(n));
  verifyCheckpointExtends(cp(4), cp(4), []);
  verifyCheckpointExtends(cp(0), cp(7), []);
  assert.throws(() => verifyCheckpointExtends(cp(5), cp(4), []), /rolls back/);
  assert.throws(() => verifyCheckpointExtends(cp(4), cp(4, tree, "p"), []), /different logs/);
  const fork = MerkleTree.fromLeafHashes([...leaves.slice(0, 3), leafHash(utf8("forked"))]);
  assert.throws(() => verifyCheckpointExtends(cp(4), cp(4, fork), []), MerkleProofError);
  assert.throws(() => verifyCheckpointExtends(new Checkpoint("o", 0n, leaves[0]!), cp(3), []), /empty-tree/);
  assert.throws(() => verifyCheckpointExtends(new Checkpoint("o", 0n, EMPTY_ROOT), cp(3), [leaves[0]!]), MerkleProofError);
});
