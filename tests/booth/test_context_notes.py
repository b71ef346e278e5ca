"""booth/src/crypto/note.ts opens signed notes and checkpoints as crypto/note.py does: Python-signed checkpoints
verify, and every bit flip, every malformed note and body of tests/crypto/test_note.py, every mangled verifier key is
refused with the same class of error (DecodingError, InvalidKey, InvalidSignature)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from crypto.errors import CryptoError, DecodingError, InvalidKey, InvalidSignature
from crypto.merkle import MerkleTree, leaf_hash
from crypto.note import Checkpoint, NoteSigner, NoteVerifier, open_checkpoint, sign_checkpoint
from tests.booth.node import requires_node, run_ts
from tests.crypto import test_note

pytestmark = requires_node

DRIVER = "test/drivers/context.ts"
KIND = {DecodingError: "decoding", InvalidKey: "key", InvalidSignature: "signature"}


def python(vkey: str, note: bytes) -> dict[str, Any]:
    try:
        v = NoteVerifier.from_vkey(vkey)
        cp = open_checkpoint(note, v)
    except CryptoError as e:
        return {"error": "NoteError", "kind": KIND[type(e)]}
    return {
        "ok": {
            "origin": cp.origin,
            "size": str(cp.size),
            "root": cp.root_hash.hex(),
            "extensions": list(cp.extensions),
            "vkey": v.to_vkey(),
        }
    }


def _sign_raw(signer: NoteSigner, body: bytes) -> bytes:
    """A note signed over any bytes (NoteSigner.sign refuses malformed text): the signature is valid, the text not."""
    v = signer.verifier()
    sig = base64.b64encode(v.key_id + signer.private_key.sign(body)).decode()
    return body + f"\n— {v.name} {sig}\n".encode()


def _compare(pairs: list[tuple[str, bytes]]) -> None:
    cases = [{"op": "open_checkpoint", "vkey": v, "note": n.hex()} for v, n in pairs]
    results = run_ts(DRIVER, {"cases": cases})["results"]
    for (v, n), ts in zip(pairs, results, strict=True):
        assert {k: ts.get(k) for k in ("ok", "error", "kind") if k in ts} == python(v, n), (v, n)


@pytest.fixture(scope="module")
def signed() -> tuple[NoteSigner, bytes]:
    signer = NoteSigner.generate("example.com/linli-log")
    tree = MerkleTree.from_leaf_hashes([leaf_hash(bytes([i])) for i in range(11)])
    return signer, sign_checkpoint(Checkpoint("example.com/linli-log", 11, tree.root(), ("ext",)), signer)


def test_every_bit_flip_of_a_python_checkpoint(signed: tuple[NoteSigner, bytes]) -> None:
    signer, note = signed
    vkey = signer.verifier().to_vkey()
    pairs = [(vkey, note)]
    for bit in range(len(note) * 8):
        t = bytearray(note)
        t[bit // 8] ^= 1 << (bit % 8)
        pairs.append((vkey, bytes(t)))
    _compare(pairs)


def test_malformed_notes_and_bodies(signed: tuple[NoteSigner, bytes]) -> None:
    signer, note = signed
    vkey = signer.verifier().to_vkey()
    body = note[: note.rfind(b"\n\n") + 1]
    line = note[note.rfind(b"\n\n") + 2 :]
    other = NoteSigner.generate("example.com/w")
    bodies: list[bytes] = next(
        m.args[1] for m in test_note.test_checkpoint_from_body_rejects.pytestmark if m.name == "parametrize"
    )
    pairs = [(vkey, _sign_raw(signer, b)) for b in bodies]
    pairs += [
        (vkey, body),
        (vkey, body + b"\n"),
        (vkey, body + line),
        (vkey, body + b"\n" + line[:-1]),
        (vkey, body + b"\n" + line + b"Unexpected line.\n"),
        (vkey, body + b"\n" + line.replace("—".encode(), b"--")),
        (vkey, body + b"\n" + line.replace(b"\n", b"\r\n")),
        (vkey, b"\xef\xbb\xbf" + note),  # a byte-order mark is text, not ignored
        (vkey, note + sign_checkpoint(Checkpoint.from_body(body), other)[len(body) + 1 :]),  # a witness: ignored
        (vkey, note + line.replace(b"linli-log ", b"linli-log2 ")),
        (other.verifier().to_vkey(), note),
        (test_note.GO_PETER_VKEY, test_note.GO_TEXT + b"\n" + test_note.GO_PETER_SIG),  # verified, not a checkpoint
    ]
    _compare(pairs)


def test_verifier_keys(signed: tuple[NoteSigner, bytes]) -> None:
    _, note = signed
    go = test_note.GO_PETER_VKEY
    keys = [go, go.upper(), "", "a+b", "a+b+c", "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"]
    keys += [go[:i] + chr(ord(go[i]) + 1) + go[i + 1 :] for i in range(0, len(go), 3)]
    raw = base64.b64decode(go.split("+", 2)[2])
    keys.append(f"PeterNeumann+c74f20a3+{base64.b64encode(raw[1:]).decode()}")  # no type byte
    _compare([(k, note) for k in keys])


def test_a_signature_line_cut_in_two_is_a_decoding_error_in_both(signed: tuple[NoteSigner, bytes]) -> None:
    """A newline inside the base64: the first half names the log's key and decodes (to a short signature), the second
    half is not a signature line. Every line is parsed before any is verified, in both languages: decoding."""
    signer, note = signed
    start = note.rindex(b" ") + 1
    cut = [(signer.verifier().to_vkey(), note[: start + at] + b"\n" + note[start + at + 1 :]) for at in (8, 40, 80)]
    assert all(python(v, n) == {"error": "NoteError", "kind": "decoding"} for v, n in cut)
    _compare(cut)
