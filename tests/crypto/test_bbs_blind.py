"""crypto.bbs_blind against the draft-irtf-cfrg-bbs-blind-signatures-02 fixtures (BLS12-381-SHA-256), plus attacks."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from crypto import bbs, bbs_blind
from crypto import bls12_381 as g
from crypto.errors import DecodingError, InvalidProof, InvalidSignature

BLIND = Path(__file__).resolve().parent.parent / "vectors" / "bbs" / "blind"
SUITE = BLIND / "bls12-381-sha-256"
COMMITS = sorted((SUITE / "commit").glob("*.json"))
SIGNATURES = sorted((SUITE / "signature").glob("*.json"))
PROOFS = sorted((SUITE / "proof").glob("*.json"))
R = g.CURVE_ORDER


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _h(text: str | None) -> bytes:
    return bytes.fromhex(text or "")


def _scalar(text: str | None) -> int:
    return int(text, 16) if text else 0


def _mock(params: dict[str, Any], key: str) -> bbs.RandomScalars:
    return functools.partial(
        bbs._mocked_calculate_random_scalars, seed=params["SEED"].encode(), dst=params[key]["DST"].encode()
    )


MESSAGES_JSON = _load(BLIND / "messages.json")
MESSAGES = [_h(m) for m in MESSAGES_JSON["messages"]]
COMMITTED = [_h(m) for m in MESSAGES_JSON["committedMessages"]]
SIGNER = _load(SUITE / "signature" / "signature004.json")["signerKeyPair"]
SK, PK = _h(SIGNER["secretKey"]), _h(SIGNER["publicKey"])
HEADER = b"blind header"


def test_fixture_generators() -> None:
    data = _load(SUITE / "generators.json")
    for key, api_id in (("generators", bbs_blind.API_ID), ("blindGenerators", b"BLIND_" + bbs_blind.API_ID)):
        assert data[key]["api_id"].encode() == api_id
        points = bbs.create_generators(1 + len(data[key]["MsgGenerators"]), api_id)
        assert g.g1_to_bytes(points[0]).hex() == data[key]["Q1"]
        assert [g.g1_to_bytes(p).hex() for p in points[1:]] == data[key]["MsgGenerators"]
        assert data[key]["P1"] == bbs.P1.hex()


@pytest.mark.parametrize("path", COMMITS, ids=[p.stem for p in COMMITS])
def test_fixture_commit(path: Path) -> None:
    case = _load(path)
    committed = [_h(m) for m in case["committedMessages"] or []]
    commitment, blind = bbs_blind._commit(
        committed, bbs_blind.API_ID, calculate_random_scalars=_mock(case["mockRngParameters"], "commit")
    )
    assert commitment.hex() == case["commitmentWithProof"]
    assert blind == _scalar(case["proverBlind"])
    bbs_blind.verify_commitment(commitment)
    trace = case["trace"]["random_scalars"]
    mocked = _mock(case["mockRngParameters"], "commit")(len(committed) + 2)
    assert mocked[1:] == [_scalar(trace["s_tilde"]), *(_scalar(m) for m in trace["m_tildes"])]


@pytest.mark.parametrize("path", SIGNATURES, ids=[p.stem for p in SIGNATURES])
def test_fixture_signature(path: Path) -> None:
    case = _load(path)
    sk, pk = _h(case["signerKeyPair"]["secretKey"]), _h(case["signerKeyPair"]["publicKey"])
    header, signature = _h(case["header"]), _h(case["signature"])
    messages = [_h(m) for m in case["messages"] or []]
    committed = [_h(m) for m in case["committedMessages"] or []]
    blind = _scalar(case["proverBlind"])
    assert bbs_blind.blind_sign(sk, pk, _h(case["commitmentWithProof"]), header, messages) == signature
    bbs_blind.verify(pk, signature, header, messages, committed, blind)
    with pytest.raises(InvalidSignature):
        bbs_blind.verify(pk, signature, header, messages, committed, (blind + 1) % R)


def _proof_case_inputs(case: dict[str, Any]) -> tuple[dict[int, bytes], dict[int, bytes], int]:
    revealed = {int(k): _h(v) for k, v in (case["revealedMessages"] or {}).items()}
    revealed_committed = {int(k): _h(v) for k, v in (case["revealedCommittedMessages"] or {}).items()}
    # M from the proof length: U = total - disclosed, total = L + 1 + M (proof005's commitment hex is corrupt)
    u = (len(_h(case["proof"])) - (3 * 48 + 4 * 32)) // 32
    m = len(revealed) + len(revealed_committed) + u - case["L"] - 1
    return revealed, revealed_committed, m


@pytest.mark.parametrize("path", PROOFS, ids=[p.stem for p in PROOFS])
def test_fixture_proof(path: Path) -> None:
    case = _load(path)
    pk, proof = _h(case["signerPublicKey"]), _h(case["proof"])
    header, ph, big_l = _h(case["header"]), _h(case["presentationHeader"]), case["L"]
    revealed, revealed_committed, m = _proof_case_inputs(case)
    bbs_blind.proof_verify(
        pk,
        proof,
        header,
        ph,
        big_l,
        list(revealed.values()),
        list(revealed_committed.values()),
        list(revealed),
        list(revealed_committed),
    )
    regenerated = bbs_blind._proof_gen(
        pk,
        _h(case["signature"]),
        header,
        ph,
        MESSAGES[:big_l],
        COMMITTED[:m],
        list(revealed),
        list(revealed_committed),
        _scalar(case["proverBlind"]),
        bbs_blind.API_ID,
        calculate_random_scalars=_mock(case["mockRngParameters"], "proof"),
    )
    assert regenerated == proof
    # the same proof does not verify for another presentation header
    with pytest.raises(InvalidProof):
        bbs_blind.proof_verify(
            pk,
            proof,
            header,
            ph + b"!",
            big_l,
            list(revealed.values()),
            list(revealed_committed.values()),
            list(revealed),
            list(revealed_committed),
        )


# ---- round trip with fresh randomness, and attacks ------------------------------------------------------------


@functools.cache
def _issued() -> tuple[bytes, int, bytes]:
    commitment, blind = bbs_blind.commit(COMMITTED[:2])
    signature = bbs_blind.blind_sign(SK, PK, commitment, HEADER, MESSAGES[:2])
    return commitment, blind, signature


def test_round_trip_commit_sign_prove() -> None:
    _, blind, signature = _issued()
    assert 0 < blind < R
    bbs_blind.verify(PK, signature, HEADER, MESSAGES[:2], COMMITTED[:2], blind)
    proof = bbs_blind.proof_gen(PK, signature, HEADER, b"ph", MESSAGES[:2], COMMITTED[:2], [1], [0], blind)
    bbs_blind.proof_verify(PK, proof, HEADER, b"ph", 2, [MESSAGES[1]], [COMMITTED[0]], [1], [0])
    # the Signer cannot swap the committed messages
    with pytest.raises(InvalidSignature):
        bbs_blind.verify(PK, signature, HEADER, MESSAGES[:2], [COMMITTED[1], COMMITTED[0]], blind)
    # wrong L shifts every index: rejected
    with pytest.raises(InvalidProof):
        bbs_blind.proof_verify(PK, proof, HEADER, b"ph", 3, [MESSAGES[1]], [COMMITTED[0]], [1], [0])
    # a committed index beyond M, and a signer index pointing at the prover blind, are rejected
    with pytest.raises(InvalidProof):
        bbs_blind.proof_verify(PK, proof, HEADER, b"ph", 2, [MESSAGES[1]], [COMMITTED[0]], [1], [2])
    with pytest.raises(InvalidProof):
        bbs_blind.proof_verify(PK, proof, HEADER, b"ph", 2, [MESSAGES[1]], [COMMITTED[0]], [2], [0])


def test_tampered_commitment_proof_rejected() -> None:
    commitment, _, _ = _issued()
    bbs_blind.verify_commitment(commitment)
    tampered = bytearray(commitment)
    tampered[48 + 31] ^= 1  # s^
    with pytest.raises((InvalidProof, DecodingError)):
        bbs_blind.blind_sign(SK, PK, bytes(tampered), HEADER, MESSAGES[:2])
    with pytest.raises((InvalidProof, DecodingError)):
        bbs_blind.verify_commitment(bytes(tampered))
    # a commitment over other generators (claims one committed message less) does not verify
    short = commitment[:48] + commitment[48 + 32 :]
    with pytest.raises(InvalidProof):
        bbs_blind.verify_commitment(short)


def test_commitment_encoding_checks() -> None:
    commitment, _, _ = _issued()
    with pytest.raises(DecodingError):
        bbs_blind.verify_commitment(commitment + b"\x00")
    with pytest.raises(DecodingError):
        bbs_blind.verify_commitment(commitment[:48] + bytes(32) + commitment[80:])  # zero scalar
    with pytest.raises(DecodingError):
        bbs_blind.verify_commitment(bytes([0xC0]) + bytes(47) + commitment[48:])  # identity commitment
    with pytest.raises(DecodingError):
        bbs_blind.verify_commitment(b"")
    with pytest.raises(DecodingError):
        bbs_blind.blind_sign(SK, PK, commitment[:100], HEADER, MESSAGES[:2])


def test_blind_signature_without_commitment() -> None:
    signature = bbs_blind.blind_sign(SK, PK, b"", HEADER, MESSAGES[:1])
    bbs_blind.verify(PK, signature, HEADER, MESSAGES[:1], [], 0)
    # the blind interface is domain-separated from the core interface
    with pytest.raises(InvalidSignature):
        bbs.verify(PK, signature, HEADER, MESSAGES[:1])
