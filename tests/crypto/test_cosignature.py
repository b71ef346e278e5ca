"""Tests for crypto.cosignature: C2SP tlog-cosignature (cosignature/v1, Ed25519) and the witness quorum."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.cosignature import (
    COSIGNATURE_TYPE,
    MAX_TIMESTAMP,
    Cosigner,
    CosignerVerifier,
    QuorumNotMet,
    add_signature_lines,
    cosignature_key_id,
    cosignature_message,
    cosignature_timestamp,
    cosignatures,
    open_cosigned_checkpoint,
    parse_signature_lines,
)
from crypto.errors import DecodingError, InvalidKey, InvalidSignature
from crypto.merkle import MerkleTree, leaf_hash
from crypto.note import Checkpoint, NoteSigner, SignatureLine, sign_checkpoint, split_signed_note

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "cosignature" / "vectors.json").read_text())
T0 = 1_764_662_400  # 2025-12-02 00:00 UTC


def _checkpoint(size: int = 3, origin: str = "linli.test/e-1") -> Checkpoint:
    tree = MerkleTree.from_leaf_hashes([leaf_hash(bytes([i])) for i in range(size)])
    return Checkpoint(origin, size, tree.root())


@pytest.fixture
def log() -> NoteSigner:
    return NoteSigner.from_private_bytes("linli.test", bytes(range(32)))


@pytest.fixture
def witnesses() -> list[Cosigner]:
    return [Cosigner.from_private_bytes(f"witness.test/w{i}", bytes([i + 1]) * 32) for i in range(3)]


def _cosigned(log: NoteSigner, cp: Checkpoint, signers: list[Cosigner], t: int = T0) -> bytes:
    note = sign_checkpoint(cp, log)
    return add_signature_lines(note, [w.cosign(cp.to_body(), t) for w in signers])


# -- the format, against the spec and published vectors ------------------------------------------------------------
def test_key_id_is_the_spec_algorithm_with_type_0x04() -> None:
    pk = bytes(range(32))
    want = hashlib.sha256(b"w.example/w1\n\x04" + pk).digest()[:4]
    assert cosignature_key_id("w.example/w1", pk) == want
    assert COSIGNATURE_TYPE == 0x04


@pytest.mark.parametrize("case", VECTORS["key_ids"], ids=lambda c: c["vkey"].split("+")[0])
def test_published_vkey_key_id(case: dict[str, str]) -> None:
    v = CosignerVerifier.from_vkey(case["vkey"])
    assert v.to_vkey() == case["vkey"]
    assert cosignature_key_id(v.name, v.public_key).hex() == case["vkey"].split("+")[1]


@pytest.mark.parametrize("case", VECTORS["timestamps"], ids=lambda c: str(c["timestamp"]))
def test_published_cosignature_timestamps(case: dict[str, object]) -> None:
    (line,) = parse_signature_lines((str(case["line"]) + "\n").encode())
    assert line.key_id.hex() == case["key_id"]
    assert cosignature_timestamp(line) == case["timestamp"]


@pytest.mark.parametrize("case", VECTORS["not_cosignatures"], ids=lambda c: "plain-ed25519")
def test_a_plain_note_signature_is_not_a_cosignature(case: dict[str, str]) -> None:
    (line,) = parse_signature_lines((case["line"] + "\n").encode())
    with pytest.raises(DecodingError):
        cosignature_timestamp(line)


def test_signed_message_is_header_time_line_and_body(witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    body = cp.to_body()
    assert cosignature_message(body, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + body
    line = witnesses[0].cosign(body, 1679315147)
    # key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64)
    assert line.key_id == witnesses[0].verifier().key_id
    assert line.signature[:8] == (1679315147).to_bytes(8, "big")
    pk = Ed25519PublicKey.from_public_bytes(witnesses[0].verifier().public_key)
    pk.verify(line.signature[8:], b"cosignature/v1\ntime 1679315147\n" + body)  # raises if not
    text = line.to_line().decode()
    assert text.startswith("\u2014 witness.test/w0 ")
    assert len(base64.b64decode(text.split(" ")[2])) == 4 + 8 + 64


def test_vkey_round_trip_and_type(witnesses: list[Cosigner]) -> None:
    v = witnesses[0].verifier()
    assert CosignerVerifier.from_vkey(v.to_vkey()) == v
    assert base64.b64decode(v.to_vkey().split("+")[2])[0] == 0x04
    # a signed-note (type 0x01) vkey of the same key is not a cosigner key
    ed = NoteSigner.from_private_bytes(v.name, witnesses[0].private_bytes()).verifier().to_vkey()
    with pytest.raises(InvalidKey):
        CosignerVerifier.from_vkey(ed)


@pytest.mark.parametrize(
    "vkey",
    [
        "w+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # wrong key ID
        "remora.n621.de+da77ade7",  # two parts
        "remora.n621.de+DA77ADE7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # upper-case hex
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw",  # short, not base64
        "remora.n621.de+da77ade7+!!!!",
        "bad name+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    ],
)
def test_malformed_vkeys_are_refused(vkey: str) -> None:
    with pytest.raises(InvalidKey):
        CosignerVerifier.from_vkey(vkey)


# -- verification: every check has its negative --------------------------------------------------------------------
def test_round_trip_and_quorum(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    note = _cosigned(log, cp, witnesses[:2])
    verifiers = [w.verifier() for w in witnesses]
    got, found = open_cosigned_checkpoint(note, log.verifier(), verifiers, 2)
    assert got == cp
    assert {c.witness.name for c in found} == {"witness.test/w0", "witness.test/w1"}
    assert all(c.timestamp == T0 for c in found)


def test_quorum_minus_one_is_refused(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    note = _cosigned(log, cp, witnesses[:2])
    with pytest.raises(QuorumNotMet):
        open_cosigned_checkpoint(note, log.verifier(), [w.verifier() for w in witnesses], 3)


def test_quorum_zero_is_the_log_signature_alone(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    note = sign_checkpoint(_checkpoint(), log)
    cp, found = open_cosigned_checkpoint(note, log.verifier(), [], 0)
    assert found == () and cp.size == 3
    with pytest.raises(InvalidSignature):  # the log signature is still required
        open_cosigned_checkpoint(note, NoteSigner.generate("linli.test").verifier(), [], 0)


def test_duplicate_signer_counts_once(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    body = cp.to_body()
    note = add_signature_lines(
        sign_checkpoint(cp, log), [witnesses[0].cosign(body, T0), witnesses[0].cosign(body, T0 + 5)]
    )
    assert len(split_signed_note(note)[1]) == 3
    verifiers = [w.verifier() for w in witnesses]
    (only,) = cosignatures(note, verifiers)
    assert only.timestamp == T0 + 5
    with pytest.raises(QuorumNotMet):
        open_cosigned_checkpoint(note, log.verifier(), verifiers, 2)


def test_same_key_under_two_names_counts_once(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    alias = Cosigner.from_private_bytes("alias.test/w0", witnesses[0].private_bytes())
    note = _cosigned(log, cp, [witnesses[0], alias])
    with pytest.raises(QuorumNotMet):
        open_cosigned_checkpoint(note, log.verifier(), [witnesses[0].verifier(), alias.verifier()], 2)


def test_unknown_signers_are_ignored(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    stranger = Cosigner.generate("stranger.test")
    # a stranger's (valid) cosignature, and a line with a named witness's name but another key ID, are ignored
    impostor = Cosigner.generate("witness.test/w1")
    note = _cosigned(log, cp, [witnesses[0], stranger, impostor])
    verifiers = [w.verifier() for w in witnesses]
    found = cosignatures(note, verifiers)
    assert [c.witness.name for c in found] == ["witness.test/w0"]
    with pytest.raises(QuorumNotMet):
        open_cosigned_checkpoint(note, log.verifier(), verifiers, 2)


def test_bad_cosignature_by_a_named_witness_rejects_the_note(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    good = witnesses[0].cosign(cp.to_body(), T0)
    bad = SignatureLine(good.name, good.key_id, good.signature[:-1] + bytes([good.signature[-1] ^ 1]))
    note = add_signature_lines(sign_checkpoint(cp, log), [bad, witnesses[1].cosign(cp.to_body(), T0)])
    with pytest.raises(InvalidSignature):
        cosignatures(note, [w.verifier() for w in witnesses])


def test_wrong_key_does_not_verify(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    line = witnesses[0].cosign(cp.to_body(), T0)
    forged = SignatureLine(witnesses[1].name, witnesses[1].verifier().key_id, line.signature)
    note = add_signature_lines(sign_checkpoint(cp, log), [forged])
    with pytest.raises(InvalidSignature):
        cosignatures(note, [w.verifier() for w in witnesses])


def test_tampered_timestamp_does_not_verify(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    line = witnesses[0].cosign(cp.to_body(), T0)
    moved = SignatureLine(line.name, line.key_id, (T0 + 1).to_bytes(8, "big") + line.signature[8:])
    with pytest.raises(InvalidSignature):
        witnesses[0].verifier().verify(cp.to_body(), moved.signature)


def test_cosignature_of_another_body_does_not_verify(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    old, new = _checkpoint(3), _checkpoint(4)
    line = witnesses[0].cosign(old.to_body(), T0)
    note = add_signature_lines(sign_checkpoint(new, log), [line])
    with pytest.raises(InvalidSignature):
        cosignatures(note, [witnesses[0].verifier()])
    # extension lines are covered too
    ext = Checkpoint(old.origin, old.size, old.root_hash, ("extra",))
    with pytest.raises(InvalidSignature):
        witnesses[0].verifier().verify(ext.to_body(), line.signature)


def test_a_plain_ed25519_note_signature_by_the_witness_key_is_not_a_cosignature(
    log: NoteSigner, witnesses: list[Cosigner]
) -> None:
    cp = _checkpoint()
    plain = NoteSigner.from_private_bytes(witnesses[0].name, witnesses[0].private_bytes())
    note = plain.sign(sign_checkpoint(cp, log))  # type 0x01 key ID: not the cosigner's, so ignored
    assert cosignatures(note, [witnesses[0].verifier()]) == ()


def test_timestamp_bounds(witnesses: list[Cosigner]) -> None:
    body = _checkpoint().to_body()
    witnesses[0].verifier().verify(body, witnesses[0].cosign(body, MAX_TIMESTAMP).signature)
    for t in (-1, MAX_TIMESTAMP + 1, True):
        with pytest.raises(DecodingError):
            witnesses[0].cosign(body, t)  # type: ignore[arg-type]
    sig = witnesses[0].cosign(body, 0).signature
    with pytest.raises(InvalidSignature):
        witnesses[0].verifier().verify(body, (2**63).to_bytes(8, "big") + sig[8:])
    with pytest.raises(InvalidSignature):
        witnesses[0].verifier().verify(body, sig[:-1])


def test_only_checkpoints_are_cosigned(witnesses: list[Cosigner]) -> None:
    with pytest.raises(DecodingError):
        witnesses[0].cosign(b"not a checkpoint\n", T0)


def test_quorum_argument_is_checked(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    note = _cosigned(log, _checkpoint(), witnesses)
    for q in (-1, 4, True):
        with pytest.raises(InvalidKey):
            open_cosigned_checkpoint(note, log.verifier(), [w.verifier() for w in witnesses], q)  # type: ignore[arg-type]


def test_parse_signature_lines_is_strict() -> None:
    for bad in (b"", b"no dash\n", "\u2014 w AAAA\n".encode(), "\u2014 w QUFBQUE=".encode()):
        with pytest.raises(DecodingError):
            parse_signature_lines(bad)


def test_add_signature_lines_does_not_repeat(log: NoteSigner, witnesses: list[Cosigner]) -> None:
    cp = _checkpoint()
    line = witnesses[0].cosign(cp.to_body(), T0)
    once = add_signature_lines(sign_checkpoint(cp, log), [line])
    assert add_signature_lines(once, [line]) == once


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 50), t=st.integers(0, MAX_TIMESTAMP), k=st.integers(0, 3))
def test_any_k_of_the_witnesses_meet_quorum_k(size: int, t: int, k: int) -> None:
    log = NoteSigner.from_private_bytes("linli.test", bytes(32))
    ws = [Cosigner.from_private_bytes(f"w{i}", bytes([i + 7]) * 32) for i in range(3)]
    cp = _checkpoint(size)
    note = _cosigned(log, cp, ws[:k], t)
    open_cosigned_checkpoint(note, log.verifier(), [w.verifier() for w in ws], k)
    if k < 3:
        with pytest.raises(QuorumNotMet):
            open_cosigned_checkpoint(note, log.verifier(), [w.verifier() for w in ws], k + 1)
