"""Tests for crypto.note: C2SP signed notes (Ed25519) and tlog checkpoints."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import DecodingError, InvalidKey, InvalidSignature, MerkleProofError
from crypto.merkle import EMPTY_ROOT, MerkleTree, leaf_hash
from crypto.note import (
    MAX_SIGNATURES,
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    key_id,
    open_checkpoint,
    open_signed_note,
    sign_checkpoint,
    verify_checkpoint_extends,
)

# Published vectors from the Go reference implementation of signed notes: golang.org/x/mod
# sumdb/note/note_test.go (TestNewSigner, TestSign, TestOpen; BSD-3-Clause). Ed25519 is deterministic, so
# signing the same text with the same key must reproduce the published note byte for byte.
GO_PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
).encode()
GO_ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
).encode()


def _go_peter_signer() -> NoteSigner:
    # Go's private key string is PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || 32-byte seed).
    raw = base64.b64decode(GO_PETER_SKEY.split("+", 4)[4])
    assert raw[0] == 0x01
    return NoteSigner.from_private_bytes("PeterNeumann", raw[1:])


def _sig_lines(note: bytes) -> bytes:
    return note[note.rfind(b"\n\n") + 2 :]


@pytest.fixture(scope="module")
def log_signer() -> NoteSigner:
    return NoteSigner.generate("example.com/linli-log")


@pytest.fixture(scope="module")
def checkpoint() -> Checkpoint:
    tree = MerkleTree.from_leaf_hashes([leaf_hash(bytes([i])) for i in range(11)])
    return Checkpoint("example.com/linli-log", 11, tree.root())


# ---------------------------------------------------------------------------------------------------------
# Published vectors and the key ID definition
# ---------------------------------------------------------------------------------------------------------


def test_go_vector_sign_reproduces_published_note() -> None:
    signer = _go_peter_signer()
    assert signer.verifier().to_vkey() == GO_PETER_VKEY
    assert signer.sign(GO_TEXT) == GO_TEXT + b"\n" + GO_PETER_SIG


def test_go_vector_open() -> None:
    peter = NoteVerifier.from_vkey(GO_PETER_VKEY)
    enoch = NoteVerifier.from_vkey(GO_ENOCH_VKEY)
    both = GO_TEXT + b"\n" + GO_PETER_SIG + GO_ENOCH_SIG
    assert open_signed_note(both, peter) == GO_TEXT
    assert open_signed_note(both, enoch) == GO_TEXT
    with pytest.raises(InvalidSignature):
        open_signed_note(GO_TEXT + b"\n" + GO_ENOCH_SIG, peter)
    # Go's "invalid signature" case: four base64 characters inserted into Peter's signature.
    bad = GO_PETER_SIG[:60] + b"ABCD" + GO_PETER_SIG[60:]
    with pytest.raises(InvalidSignature):
        open_signed_note(GO_TEXT + b"\n" + bad, peter)


def test_key_id_matches_spec_definition() -> None:
    # signed-note: key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]
    for vkey in (GO_PETER_VKEY, GO_ENOCH_VKEY):
        v = NoteVerifier.from_vkey(vkey)
        spec = hashlib.sha256(v.name.encode() + b"\x0a" + b"\x01" + v.public_key).digest()[:4]
        assert v.key_id == spec == key_id(v.name, v.public_key)
        assert v.key_id.hex() == vkey.split("+")[1]
    signer = NoteSigner.generate("example.com/ключ")  # non-ASCII names are hashed as UTF-8
    v = signer.verifier()
    assert v.key_id == hashlib.sha256("example.com/ключ".encode() + b"\n\x01" + v.public_key).digest()[:4]
    # The key ID commits to the name: same key, other name, other ID.
    assert key_id("example.com/other", v.public_key) != v.key_id


def test_vkey_round_trip_and_manglings_rejected() -> None:
    v = NoteVerifier.from_vkey(GO_PETER_VKEY)
    assert v.to_vkey() == GO_PETER_VKEY
    assert NoteVerifier.from_public_key(v.name, v.public_key) == v
    # As in Go's TestNewVerifier: every proper substring, and every single character bumped, is rejected.
    for i in range(len(GO_PETER_VKEY) + 1):
        for j in range(i + 1, len(GO_PETER_VKEY) + 1):
            if (i, j) != (0, len(GO_PETER_VKEY)):
                with pytest.raises(InvalidKey):
                    NoteVerifier.from_vkey(GO_PETER_VKEY[i:j])
    for i in range(len(GO_PETER_VKEY)):
        bumped = GO_PETER_VKEY[:i] + chr(ord(GO_PETER_VKEY[i]) + 1) + GO_PETER_VKEY[i + 1 :]
        with pytest.raises(InvalidKey):
            NoteVerifier.from_vkey(bumped)
    for bad in (
        GO_PETER_VKEY.upper(),
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # non-canonical hex
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # Go: wrong length
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # Go: unknown algorithm
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "",
    ):
        with pytest.raises(InvalidKey):
            NoteVerifier.from_vkey(bad)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\tb", "a\nb", "a\u00a0b", "a\u2003b", "a\x01b"])
def test_invalid_key_names_rejected(name: str) -> None:
    pub = _go_peter_signer().verifier().public_key
    with pytest.raises(InvalidKey):
        key_id(name, pub)
    with pytest.raises(InvalidKey):
        NoteVerifier.from_public_key(name, pub)
    with pytest.raises(InvalidKey):
        NoteSigner.generate(name)


def test_verifier_key_id_must_match() -> None:
    v = NoteVerifier.from_vkey(GO_PETER_VKEY)
    with pytest.raises(InvalidKey):
        NoteVerifier(v.name, b"\x00\x00\x00\x00", v.public_key)
    with pytest.raises(InvalidKey):
        NoteVerifier("PeterNeumann2", v.key_id, v.public_key)
    with pytest.raises(InvalidKey):
        NoteVerifier(v.name, v.key_id, v.public_key[:31])


def test_signer_keys() -> None:
    a, b = NoteSigner.generate("example.com/a"), NoteSigner.generate("example.com/a")
    assert a.private_bytes() != b.private_bytes()
    assert a.verifier() != b.verifier()
    again = NoteSigner.from_private_bytes("example.com/a", a.private_bytes())
    assert again.verifier() == a.verifier()
    assert "private" not in repr(a) and a.private_bytes().hex() not in repr(a)
    for raw in (b"", b"\x00" * 31, b"\x00" * 33, b"\x00" * 64):
        with pytest.raises(InvalidKey):
            NoteSigner.from_private_bytes("example.com/a", raw)
    with pytest.raises(InvalidKey):
        NoteSigner("example.com/a", b"\x00" * 32)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------------------------------------

origin_st = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30).filter(
    lambda s: "\n" not in s
)
checkpoint_st = st.builds(
    Checkpoint,
    origin=origin_st,
    size=st.integers(0, 2**64 - 1),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(origin_st, max_size=3).map(tuple),
)


@settings(max_examples=100, deadline=None)
@given(cp=checkpoint_st)
def test_checkpoint_body_round_trip(cp: Checkpoint) -> None:
    body = cp.to_body()
    assert Checkpoint.from_body(body) == cp
    assert body.endswith(b"\n") and body.count(b"\n") == 3 + len(cp.extensions)


@settings(max_examples=25, deadline=None)
@given(cp=checkpoint_st)
def test_signed_checkpoint_round_trip(cp: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(cp, log_signer)
    assert note.startswith(cp.to_body() + b"\n\xe2\x80\x94 ")
    assert open_checkpoint(note, log_signer.verifier()) == cp
    assert open_signed_note(note, log_signer.verifier()) == cp.to_body()


def test_checkpoint_body_format(checkpoint: Checkpoint) -> None:
    root = base64.b64encode(checkpoint.root_hash).decode()
    assert checkpoint.to_body() == f"example.com/linli-log\n11\n{root}\n".encode()
    ext = Checkpoint("o", 0, EMPTY_ROOT, ("ext one", "ext two"))
    assert ext.to_body() == f"o\n0\n{base64.b64encode(EMPTY_ROOT).decode()}\next one\next two\n".encode()


_ROOT_B64 = base64.b64encode(bytes(range(32))).decode()


@pytest.mark.parametrize(
    "body",
    [
        f"log\n5\n{_ROOT_B64}".encode(),  # no final newline
        f"log\n05\n{_ROOT_B64}\n".encode(),  # leading zero
        f"log\n00\n{_ROOT_B64}\n".encode(),
        f"log\n+5\n{_ROOT_B64}\n".encode(),
        f"log\n 5\n{_ROOT_B64}\n".encode(),
        f"log\n-1\n{_ROOT_B64}\n".encode(),
        f"log\n1_000\n{_ROOT_B64}\n".encode(),
        f"log\n\u0665\n{_ROOT_B64}\n".encode(),  # ARABIC-INDIC DIGIT FIVE: int() would accept it
        f"log\n{2**64}\n{_ROOT_B64}\n".encode(),
        f"log\n\n{_ROOT_B64}\n".encode(),
        f"\n5\n{_ROOT_B64}\n".encode(),  # empty origin
        f"log\n5\n{_ROOT_B64}\n\n".encode(),  # empty extension line
        f"log\n5\n{_ROOT_B64}\next\n\n".encode(),
        b"log\n5\n",  # no root
        b"",
        f"log\r\n5\n{_ROOT_B64}\n".encode(),  # CR is a control character
        f"log\t1\n5\n{_ROOT_B64}\n".encode(),
        f"log\n5\r\n{_ROOT_B64}\n".encode(),
        b"l\xffg\n5\n" + _ROOT_B64.encode() + b"\n",  # not UTF-8
        f"log\n5\n{base64.b64encode(bytes(31)).decode()}\n".encode(),  # 31-byte root
        f"log\n5\n{base64.b64encode(bytes(33)).decode()}\n".encode(),  # 33-byte root
        f"log\n5\n{_ROOT_B64.rstrip('=')}\n".encode(),  # missing padding
        f"log\n5\n{_ROOT_B64[:-2]}B=\n".encode(),  # non-canonical trailing bits
        f"log\n5\n{base64.urlsafe_b64encode(bytes([251] * 32)).decode()}\n".encode(),  # URL-safe alphabet
        f"log\n5\n {_ROOT_B64}\n".encode(),
    ],
)
def test_checkpoint_from_body_rejects(body: bytes) -> None:
    with pytest.raises(DecodingError):
        Checkpoint.from_body(body)


def test_checkpoint_from_body_accepts_minimal_forms() -> None:
    cp = Checkpoint.from_body(f"log\n0\n{_ROOT_B64}\n".encode())
    assert (cp.origin, cp.size, cp.root_hash, cp.extensions) == ("log", 0, bytes(range(32)), ())
    assert Checkpoint.from_body(f"a b+c\n{2**64 - 1}\n{_ROOT_B64}\nx\n".encode()).size == 2**64 - 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "a\nb"},
        {"origin": "a\x00b"},
        {"origin": "\ud800"},
        {"size": -1},
        {"size": 2**64},
        {"size": True},
        {"root_hash": bytes(31)},
        {"root_hash": "x" * 32},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
        {"extensions": ["a"]},
    ],
)
def test_checkpoint_constructor_rejects(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"origin": "log", "size": 1, "root_hash": bytes(32), "extensions": ()}
    fields.update(kwargs)
    with pytest.raises(DecodingError):
        Checkpoint(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# Tampering, other keys, malformed notes
# ---------------------------------------------------------------------------------------------------------


def test_every_bit_flip_of_a_signed_checkpoint_fails(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(checkpoint, log_signer)
    verifier = log_signer.verifier()
    for bit in range(len(note) * 8):
        tampered = bytearray(note)
        tampered[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises((InvalidSignature, DecodingError)):
            open_checkpoint(bytes(tampered), verifier)


def test_tampered_body_fails_signature(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(checkpoint, log_signer)
    forged = Checkpoint(checkpoint.origin, checkpoint.size + 1, checkpoint.root_hash)
    tampered = forged.to_body() + b"\n" + _sig_lines(note)
    with pytest.raises(InvalidSignature):
        open_checkpoint(tampered, log_signer.verifier())
    # Appending an extension line is tampering too.
    tampered = checkpoint.to_body() + b"extra\n\n" + _sig_lines(note)
    with pytest.raises(InvalidSignature):
        open_checkpoint(tampered, log_signer.verifier())


def test_tampered_signature_fails(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(checkpoint, log_signer)
    body, line = note[: note.rfind(b"\n\n") + 2], _sig_lines(note)
    prefix, b64 = line[:-1].rsplit(b" ", 1)
    raw = base64.b64decode(b64)
    for i in range(4, len(raw)):  # every byte of the Ed25519 signature (key ID kept)
        bad = raw[:i] + bytes([raw[i] ^ 0x80]) + raw[i + 1 :]
        with pytest.raises(InvalidSignature):
            open_signed_note(body + prefix + b" " + base64.b64encode(bad) + b"\n", log_signer.verifier())
    truncated = raw[:-1]  # 63-byte signature under the right key ID
    with pytest.raises(InvalidSignature):
        open_signed_note(body + prefix + b" " + base64.b64encode(truncated) + b"\n", log_signer.verifier())


def test_other_key_fails(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(checkpoint, log_signer)
    # A different key under the same name (different key ID): no signature by it.
    impostor = NoteSigner.generate(log_signer.name)
    with pytest.raises(InvalidSignature):
        open_checkpoint(note, impostor.verifier())
    # The attacker's note under the log's name verifies only for the attacker's key.
    forged = sign_checkpoint(checkpoint, impostor)
    with pytest.raises(InvalidSignature):
        open_checkpoint(forged, log_signer.verifier())


def test_wrong_name_fails(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(checkpoint, log_signer)
    pub = log_signer.verifier().public_key
    # Same public key trusted under another name: the key ID differs, so the line is not by this key.
    with pytest.raises(InvalidSignature):
        open_checkpoint(note, NoteVerifier.from_public_key("example.com/other-log", pub))
    # Renaming the signature line breaks the key ID match as well.
    renamed = note.replace("— example.com/linli-log ".encode(), "— example.com/other-log ".encode())
    with pytest.raises(InvalidSignature):
        open_checkpoint(renamed, log_signer.verifier())


def test_extra_unknown_key_signature_still_verifies(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    witness = NoteSigner.generate("example.com/witness")
    note = sign_checkpoint(checkpoint, log_signer)
    witness_line = _sig_lines(sign_checkpoint(checkpoint, witness))
    # Another algorithm's (say, post-quantum) signature by an unknown key: any length is fine.
    pq_line = ("— example.com/pq " + base64.b64encode(bytes(range(256)) * 10).decode() + "\n").encode()
    # Unknown keys sharing the name but not the ID, or the ID but not the name, are ignored too.
    vk = log_signer.verifier()
    same_name = f"— {vk.name} {base64.b64encode(b'XXXX' + bytes(64)).decode()}\n".encode()
    same_id = f"— example.com/x {base64.b64encode(vk.key_id + bytes(64)).decode()}\n".encode()
    extras = witness_line + pq_line + same_name + same_id
    for combined in (note + extras, checkpoint.to_body() + b"\n" + extras + _sig_lines(note)):
        assert open_checkpoint(combined, vk) == checkpoint
        assert open_checkpoint(combined, witness.verifier()) == checkpoint
    # Without the log's own line, the witness line alone does not satisfy the log's verifier.
    with pytest.raises(InvalidSignature):
        open_checkpoint(checkpoint.to_body() + b"\n" + extras, vk)


def test_many_signatures(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(checkpoint, log_signer)
    other = _sig_lines(sign_checkpoint(checkpoint, NoteSigner.generate("example.com/w")))
    # signed-note: verifiers MUST accept at least 16 signatures.
    assert open_checkpoint(note + other * 15, log_signer.verifier()) == checkpoint
    assert open_checkpoint(note + other * (MAX_SIGNATURES - 1), log_signer.verifier()) == checkpoint
    with pytest.raises(DecodingError):
        open_checkpoint(note + other * MAX_SIGNATURES, log_signer.verifier())


def test_bad_signature_by_known_key_rejects_whole_note(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    note = sign_checkpoint(checkpoint, log_signer)
    vk = log_signer.verifier()
    bad_line = f"— {vk.name} {base64.b64encode(vk.key_id + bytes(64)).decode()}\n".encode()
    for combined in (note + bad_line, checkpoint.to_body() + b"\n" + bad_line + _sig_lines(note)):
        with pytest.raises(InvalidSignature):
            open_checkpoint(combined, vk)
    # A repeated valid line is fine.
    assert open_checkpoint(note + _sig_lines(note), vk) == checkpoint


def test_malformed_notes(checkpoint: Checkpoint, log_signer: NoteSigner) -> None:
    vk = log_signer.verifier()
    note = sign_checkpoint(checkpoint, log_signer)
    body, line = checkpoint.to_body(), _sig_lines(note)
    b64 = line[:-1].rsplit(b" ", 1)[1]
    malformed = [
        body,  # no signatures
        body + b"\n",  # blank line, no signatures
        body + line,  # no blank line
        body + b"\n" + line[:-1],  # no final newline
        body + b"\n" + line + b"Unexpected line.\n",
        body + b"\n" + line.replace("—".encode(), b"--"),
        body + b"\n" + line.replace("— ".encode(), "—".encode()),
        body + b"\n" + line.replace("—".encode(), "–".encode()),  # EN DASH
        body + b"\n" + line.replace(b" " + b64, b" " + b64[:-2]),  # bad base64
        body + b"\n" + line.replace(b" " + b64, b"  " + b64),  # double space
        body + b"\n" + line.replace(b" " + b64, b" " + b64 + b" "),
        body + b"\n" + line.replace(b" " + b64, b""),  # no signature
        body + b"\n" + f"— {vk.name} {base64.b64encode(vk.key_id).decode()}\n".encode(),  # 4 bytes only
        body + b"\n" + line.replace(vk.name.encode(), b"Bad Name"),
        body + b"\n" + line.replace(vk.name.encode(), b"a+b"),
        b"\x01" + body + b"\n" + line,  # control character
        b"\xff" + body + b"\n" + line,  # not UTF-8
        body + b"\n" + line.replace(b"\n", b"\r\n"),
        b"",
    ]
    for bad in malformed:
        with pytest.raises(DecodingError):
            open_signed_note(bad, vk)
    # Go's malformed-note list, against the published vector.
    peter = NoteVerifier.from_vkey(GO_PETER_VKEY)
    for bad in (
        GO_TEXT,
        GO_TEXT + b"\n",
        GO_TEXT + b"\n" + GO_PETER_SIG[:-1],
        b"\x01" + GO_TEXT + b"\n" + GO_PETER_SIG,
        b"\xff" + GO_TEXT + b"\n" + GO_PETER_SIG,
        GO_TEXT + b"\n" + GO_PETER_SIG.replace(b"PeterNeumann", b"Bad Name")[:-1],
        GO_TEXT + b"\n" + GO_PETER_SIG + b"Unexpected line.\n",
    ):
        with pytest.raises(DecodingError):
            open_signed_note(bad, peter)


def test_note_text_may_contain_blank_lines(log_signer: NoteSigner) -> None:
    # signed-note: the text is separated from the signatures by the LAST empty line.
    text = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n".encode()
    note = log_signer.sign(text)
    assert open_signed_note(note, log_signer.verifier()) == text
    with pytest.raises(DecodingError):
        open_checkpoint(note, log_signer.verifier())  # verified, but not a checkpoint


@pytest.mark.parametrize("body", [b"", b"no newline", b"a\x00b\n", b"\xff\n", b"a\r\n", "a".encode("utf-16")])
def test_sign_rejects_malformed_text(body: bytes, log_signer: NoteSigner) -> None:
    with pytest.raises(DecodingError):
        log_signer.sign(body)


# ---------------------------------------------------------------------------------------------------------
# Checkpoint consistency: a checkpoint never shrinks
# ---------------------------------------------------------------------------------------------------------

ORIGIN = "example.com/linli-log"


def _tree(n: int, salt: bytes = b"") -> MerkleTree:
    return MerkleTree.from_leaf_hashes([leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)])


def _cp(tree: MerkleTree, size: int, origin: str = ORIGIN) -> Checkpoint:
    return Checkpoint(origin, size, tree.root(size))


def test_checkpoint_extends_honest() -> None:
    tree = _tree(20)
    for size1 in range(1, 21):
        for size2 in range(size1, 21):
            verify_checkpoint_extends(_cp(tree, size1), _cp(tree, size2), tree.consistency_proof(size1, size2))
    # Every tree extends the empty tree, with an empty proof.
    verify_checkpoint_extends(_cp(tree, 0), _cp(tree, 7), [])
    verify_checkpoint_extends(_cp(tree, 0), _cp(tree, 0), [])


def test_checkpoint_rollback() -> None:
    tree = _tree(20)
    old, new = _cp(tree, 12), _cp(tree, 9)
    with pytest.raises(MerkleProofError, match="rolls back"):
        verify_checkpoint_extends(old, new, tree.consistency_proof(9, 12))
    with pytest.raises(MerkleProofError, match="rolls back"):
        verify_checkpoint_extends(old, new, [])
    with pytest.raises(MerkleProofError, match="rolls back"):
        verify_checkpoint_extends(_cp(tree, 1), _cp(tree, 0), [])
    # The same size with another root is a fork, not an extension.
    forked = _cp(_tree(12, salt=b"fork"), 12)
    with pytest.raises(MerkleProofError):
        verify_checkpoint_extends(old, forked, [])


@settings(max_examples=60, deadline=None)
@given(sizes=st.tuples(st.integers(1, 40), st.integers(1, 40)))
def test_checkpoint_extends_property(sizes: tuple[int, int]) -> None:
    a, b = sizes
    tree = _tree(40)
    small, large = min(a, b), max(a, b)
    proof = tree.consistency_proof(small, large)
    verify_checkpoint_extends(_cp(tree, small), _cp(tree, large), proof)
    if small != large:
        with pytest.raises(MerkleProofError, match="rolls back"):
            verify_checkpoint_extends(_cp(tree, large), _cp(tree, small), proof)


def test_checkpoint_extends_rejects() -> None:
    tree = _tree(10)
    old, new = _cp(tree, 4), _cp(tree, 10)
    proof = tree.consistency_proof(4, 10)
    verify_checkpoint_extends(old, new, proof)
    other = _tree(11, salt=b"other history")
    cases = [
        (old, _cp(tree, 10, origin="example.com/other"), proof),  # another log
        (old, new, proof[:-1]),  # bad proof
        (old, new, []),
        (old, _cp(other, 10), proof),  # another history (a fork) of the same size
        # A size whose proof has another shape. (Sizes 9 and 11 would pass with this proof and root: a
        # consistency proof only binds the sizes through the roots, which the log's signature binds.)
        (old, Checkpoint(ORIGIN, 17, tree.root(10)), proof),
        (Checkpoint(ORIGIN, 0, bytes(32)), new, []),  # size 0 must carry SHA-256("")
        (_cp(tree, 0), Checkpoint(ORIGIN, 0, bytes(32)), []),
        (_cp(tree, 0), new, proof),  # nothing to prove from the empty tree
        (old, _cp(tree, 4), proof),  # equal sizes need an empty proof
    ]
    for a, b, p in cases:
        with pytest.raises(MerkleProofError):
            verify_checkpoint_extends(a, b, p)


def test_vkey_whose_base64_contains_plus_round_trips() -> None:
    """Base64 key data may contain '+'; only the first two '+' separate name, key id and key."""
    import base64

    from crypto.note import NoteVerifier

    pub = next(k for k in (bytes([i]) * 32 for i in range(256)) if "+" in base64.b64encode(b"\x01" + k).decode())
    v = NoteVerifier.from_public_key("log", pub)
    assert "+" in v.to_vkey().split("+", 2)[2]
    assert NoteVerifier.from_vkey(v.to_vkey()) == v
