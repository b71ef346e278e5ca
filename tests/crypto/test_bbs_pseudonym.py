"""crypto.bbs_pseudonym against the draft-irtf-cfrg-bbs-per-verifier-linkability-02 fixtures, plus the attacks that
matter when the pseudonym is a per-election nullifier."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crypto import bbs, bbs_pseudonym
from crypto import bls12_381 as g
from crypto.errors import DecodingError, InvalidProof, InvalidSignature

NYM = Path(__file__).resolve().parent.parent / "vectors" / "bbs" / "pseudonym"
SUITE = NYM / "bls12-381-sha-256"
COMMITS = sorted((SUITE / "nymCommit").glob("*.json"))
SIGNATURES = sorted((SUITE / "nymSignature").glob("*.json"))
PROOFS = sorted((SUITE / "nymProof").glob("*.json"))
R = g.CURVE_ORDER
P = g.FIELD_MODULUS


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _h(text: str | None) -> bytes:
    return bytes.fromhex(text or "")


def _scalars(texts: list[str]) -> list[int]:
    return [int(t, 16) for t in texts]  # int(): some fixture scalars have an odd number of hex digits


def _mock(params: dict[str, Any], key: str) -> bbs.RandomScalars:
    return functools.partial(
        bbs._mocked_calculate_random_scalars, seed=params["SEED"].encode(), dst=params[key]["DST"].encode()
    )


def test_fixture_generators() -> None:
    data = _load(SUITE / "generators.json")
    api_id = bbs_pseudonym.API_ID
    for key, gen_api in (("generators", api_id), ("blindGenerators", b"BLIND_" + api_id)):
        assert data[key]["api_id"].encode() == gen_api
        points = bbs.create_generators(1 + len(data[key]["MsgGenerators"]), gen_api)
        assert g.g1_to_bytes(points[0]).hex() == data[key]["Q1"]
        assert [g.g1_to_bytes(p).hex() for p in points[1:]] == data[key]["MsgGenerators"]


@pytest.mark.parametrize("path", COMMITS, ids=[p.stem for p in COMMITS])
def test_fixture_nym_commit(path: Path) -> None:
    case = _load(path)
    committed = [_h(m) for m in case["committedMessages"] or []]
    commitment, blind = bbs_pseudonym._commit_with_nym(
        committed,
        _scalars(case["proverNyms"]),
        bbs_pseudonym.API_ID,
        calculate_random_scalars=_mock(case["mockRngParameters"], "commit"),
    )
    assert commitment.hex() == case["commitmentWithProof"]
    assert blind == int(case["proverBlind"], 16)


@pytest.mark.parametrize("path", SIGNATURES, ids=[p.stem for p in SIGNATURES])
def test_fixture_nym_signature(path: Path) -> None:
    case = _load(path)
    sk, pk = _h(case["signerKeyPair"]["secretKey"]), _h(case["signerKeyPair"]["publicKey"])
    header, signature = _h(case["header"]), _h(case["signature"])
    messages = [_h(m) for m in case["messages"] or []]
    committed = [_h(m) for m in case["committedMessages"] or []]
    prover_nyms, entropy = _scalars(case["proverNyms"]), int(case["signer_nym_entropy"], 16)
    blind = int(case["proverBlind"], 16)
    issued, used_entropy = bbs_pseudonym.blind_sign_with_nym(
        sk, pk, _h(case["commitmentWithProof"]), len(prover_nyms), entropy, header, messages
    )
    assert issued == signature and used_entropy == entropy
    nym_secrets = bbs_pseudonym.finalize_nym_signature(
        pk, signature, header, messages, committed, prover_nyms, entropy, blind
    )
    assert nym_secrets == _scalars(case["nym_secrets"])
    with pytest.raises(InvalidSignature):  # a holder given the wrong entropy notices
        bbs_pseudonym.finalize_nym_signature(
            pk, signature, header, messages, committed, prover_nyms, (entropy + 1) % R, blind
        )


def _disclosed(case: dict[str, Any]) -> tuple[dict[int, bytes], dict[int, bytes]]:
    revealed = {int(k): _h(v) for k, v in (case["revealedMessages"] or {}).items()}
    revealed_committed = {int(k): _h(v) for k, v in (case["revealedCommittedMessages"] or {}).items()}
    return revealed, revealed_committed


@pytest.mark.parametrize("path", PROOFS, ids=[p.stem for p in PROOFS])
def test_fixture_nym_proof(path: Path) -> None:
    case = _load(path)
    pk, proof, pseudonym = _h(case["signerPublicKey"]), _h(case["proof"]), _h(case["pseudonym"])
    header, ph, context_id = _h(case["header"]), _h(case["presentationHeader"]), _h(case["context_id"])
    nym_secrets = _scalars(case["nym_secrets"])
    revealed, revealed_committed = _disclosed(case)
    bbs_pseudonym.proof_verify_with_nym(
        pk,
        proof,
        header,
        ph,
        pseudonym,
        context_id,
        case["L"],
        list(revealed.values()),
        list(revealed_committed.values()),
        list(revealed),
        list(revealed_committed),
        length_nym_vector=len(nym_secrets),
    )
    assert bbs_pseudonym.calculate_pseudonym(context_id, nym_secrets) == pseudonym
    regenerated, regenerated_pseudonym = bbs_pseudonym._proof_gen_with_nym(
        pk,
        _h(case["signature"]),
        header,
        ph,
        nym_secrets,
        context_id,
        [_h(m) for m in case["messages"] or []],
        [_h(m) for m in case["committedMessages"] or []],
        list(revealed),
        list(revealed_committed),
        int(case["proverBlind"], 16),
        bbs_pseudonym.API_ID,
        calculate_random_scalars=_mock(case["mockRngParameters"], "proof"),
    )
    assert regenerated == proof
    assert regenerated_pseudonym == pseudonym


# ---- a fresh credential (fresh randomness) for the attack tests ------------------------------------------------

SIGNER = _load(SUITE / "nymSignature" / "nymSignature004.json")["signerKeyPair"]
SK, PK = _h(SIGNER["secretKey"]), _h(SIGNER["publicKey"])
HEADER = b"community roll 2026"
MESSAGES = [b"unit 4B", b"owner"]
COMMITTED = [b"holder device key"]
ELECTION_A = b"election-2026-budget/contest-1"
ELECTION_B = b"election-2026-board/contest-1"


@dataclass(frozen=True)
class Credential:
    signature: bytes
    nym_secrets: list[int]
    blind: int


@functools.cache
def _credential() -> Credential:
    prover_nyms = bbs.calculate_random_scalars(2)
    commitment, blind = bbs_pseudonym.commit_with_nym(COMMITTED, prover_nyms)
    signature, entropy = bbs_pseudonym.blind_sign_with_nym(SK, PK, commitment, 2, None, HEADER, MESSAGES)
    nym_secrets = bbs_pseudonym.finalize_nym_signature(
        PK, signature, HEADER, MESSAGES, COMMITTED, prover_nyms, entropy, blind
    )
    assert nym_secrets[:-1] == prover_nyms[:-1] and nym_secrets[-1] == (prover_nyms[-1] + entropy) % R
    return Credential(signature, nym_secrets, blind)


def _prove(context_id: bytes, ph: bytes) -> tuple[bytes, bytes]:
    cred = _credential()
    return bbs_pseudonym.proof_gen_with_nym(
        PK, cred.signature, HEADER, ph, cred.nym_secrets, context_id, MESSAGES, COMMITTED, [0], [], cred.blind
    )


def _verify(proof: bytes, pseudonym: bytes, context_id: bytes, ph: bytes, length_nym_vector: int = 2) -> None:
    bbs_pseudonym.proof_verify_with_nym(
        PK,
        proof,
        HEADER,
        ph,
        pseudonym,
        context_id,
        len(MESSAGES),
        [MESSAGES[0]],
        [],
        [0],
        [],
        length_nym_vector=length_nym_vector,
    )


@functools.cache
def _proof_a() -> tuple[bytes, bytes]:
    return _prove(ELECTION_A, b"ballot-1")


def test_pseudonyms_differ_across_contexts_and_are_stable_within_one() -> None:
    cred = _credential()
    nym_a = bbs_pseudonym.calculate_pseudonym(ELECTION_A, cred.nym_secrets)
    nym_b = bbs_pseudonym.calculate_pseudonym(ELECTION_B, cred.nym_secrets)
    assert nym_a != nym_b
    proof, pseudonym = _proof_a()
    assert pseudonym == nym_a
    _verify(proof, pseudonym, ELECTION_A, b"ballot-1")


def test_proof_moved_to_other_election_rejected() -> None:
    proof, pseudonym = _proof_a()
    nym_b = bbs_pseudonym.calculate_pseudonym(ELECTION_B, _credential().nym_secrets)
    with pytest.raises(InvalidProof):
        _verify(proof, pseudonym, ELECTION_B, b"ballot-1")
    with pytest.raises(InvalidProof):
        _verify(proof, nym_b, ELECTION_B, b"ballot-1")


def test_proof_moved_to_other_ballot_rejected() -> None:
    proof, pseudonym = _proof_a()
    with pytest.raises(InvalidProof):
        _verify(proof, pseudonym, ELECTION_A, b"ballot-2")


def test_pseudonym_of_another_credential_rejected() -> None:
    proof, _ = _proof_a()
    stranger = bbs_pseudonym.calculate_pseudonym(ELECTION_A, bbs.calculate_random_scalars(2))
    with pytest.raises(InvalidProof):
        _verify(proof, stranger, ELECTION_A, b"ballot-1")


def test_wrong_nym_vector_length_or_layout_rejected() -> None:
    proof, pseudonym = _proof_a()
    with pytest.raises(InvalidProof):
        _verify(proof, pseudonym, ELECTION_A, b"ballot-1", length_nym_vector=1)
    with pytest.raises(InvalidProof):  # a "disclosed committed message" index that would point at a nym secret
        bbs_pseudonym.proof_verify_with_nym(
            PK,
            proof,
            HEADER,
            b"ballot-1",
            pseudonym,
            ELECTION_A,
            2,
            [MESSAGES[0]],
            [b"x"],
            [0],
            [1],
            length_nym_vector=2,
        )
    with pytest.raises(InvalidProof):  # the prover cannot disclose a nym secret either
        bbs_pseudonym._core_proof_gen_with_nym(
            PK,
            _credential().signature,
            ELECTION_A,
            bbs.create_generators(3, bbs_pseudonym.API_ID),
            HEADER,
            b"",
            [1, 2, 3, 4, 5, 6],
            [5],
            2,
            bbs_pseudonym.API_ID,
            calculate_random_scalars=bbs.calculate_random_scalars,
        )


def _alias(encoding: bytes) -> bytes | None:
    x = int.from_bytes(encoding, "big") & ((1 << 381) - 1)
    if x + P >= 1 << 381:
        return None
    return (int.from_bytes(encoding, "big") + P).to_bytes(48, "big")


def test_pseudonym_noncanonical_encoding_rejected() -> None:
    """An aliasing double vote: the same pseudonym point under a second byte string must not verify, or the
    server's nullifier table (keyed by bytes) would accept a second ballot."""
    cred = _credential()
    # find an election id whose pseudonym has an x-coordinate alias x + p that fits the 381 coordinate bits
    context_id, pseudonym = next(
        (ctx, nym)
        for ctx, nym in (
            (c, bbs_pseudonym.calculate_pseudonym(c, cred.nym_secrets))
            for c in (b"election-alias-%d" % i for i in range(200))
        )
        if _alias(nym) is not None
    )
    proof, generated = _prove(context_id, b"ballot")
    assert generated == pseudonym
    _verify(proof, pseudonym, context_id, b"ballot")
    alias = _alias(pseudonym)
    assert alias is not None and alias != pseudonym
    uncompressed_flag = bytes([pseudonym[0] & 0x7F]) + pseudonym[1:]
    infinity_with_stray_bits = bytes([0xC0]) + pseudonym[1:]
    for variant in (alias, uncompressed_flag, infinity_with_stray_bits, pseudonym + b"\x00", pseudonym[:-1]):
        with pytest.raises(DecodingError):
            _verify(proof, variant, context_id, b"ballot")
        with pytest.raises(DecodingError):
            bbs_pseudonym.pseudonym_from_bytes(variant)
    # the identity and the base point are not pseudonyms
    for special in (bytes([0xC0]) + bytes(47), g.g1_to_bytes(g.G1_GENERATOR)):
        with pytest.raises(DecodingError):
            _verify(proof, special, context_id, b"ballot")
    assert g.g1_to_bytes(bbs_pseudonym.pseudonym_from_bytes(pseudonym)) == pseudonym


def test_blind_sign_with_nym_rejects_bad_commitments() -> None:
    commitment, _ = bbs_pseudonym.commit_with_nym(COMMITTED, [5, 7])
    with pytest.raises(DecodingError):
        bbs_pseudonym.blind_sign_with_nym(SK, PK, b"", 2, None, HEADER, MESSAGES)
    with pytest.raises(InvalidProof):  # claims more nym secrets than the commitment holds
        bbs_pseudonym.blind_sign_with_nym(SK, PK, commitment, 4, None, HEADER, MESSAGES)
    tampered = bytearray(commitment)
    tampered[-1] ^= 1
    with pytest.raises((InvalidProof, DecodingError)):
        bbs_pseudonym.blind_sign_with_nym(SK, PK, bytes(tampered), 2, None, HEADER, MESSAGES)
    # the nym interface is domain-separated from the plain blind one: a commitment made for it fails there
    from crypto import bbs_blind

    with pytest.raises(InvalidProof):
        bbs_blind.verify_commitment(commitment)


def test_nym_batch_with_one_bad_proof_fails_and_finds_it() -> None:
    proof_a, nym_a = _proof_a()
    proof_b, nym_b = _prove(ELECTION_B, b"ballot-1")

    def item(proof: bytes, pseudonym: bytes, context_id: bytes) -> bbs_pseudonym.NymBatchItem:
        return bbs_pseudonym.NymBatchItem(
            proof, HEADER, b"ballot-1", pseudonym, context_id, 2, (MESSAGES[0],), (), (0,), (), 2
        )

    bbs_pseudonym.proof_verify_with_nym_batch(PK, [item(proof_a, nym_a, ELECTION_A), item(proof_b, nym_b, ELECTION_B)])
    with pytest.raises(bbs.BatchVerificationError) as info:
        bbs_pseudonym.proof_verify_with_nym_batch(
            PK,
            [item(proof_a, nym_a, ELECTION_A), item(proof_a, nym_a, ELECTION_B), item(proof_b, nym_b, ELECTION_B)],
        )
    assert info.value.bad_indexes == (1,)


def test_context_point_cache_is_the_plain_computation() -> None:
    """The per-context OP and z are cached (every ballot of an election shares them): the cached value is the one
    hash_to_curve and hash_to_scalar give, per context, and two contexts never share an entry."""
    from crypto import bbs_pseudonym
    from crypto.bbs import hash_to_scalar
    from crypto.bls12_381 import g1_eq, hash_to_g1

    api_id = b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_PSEUDONYM_"
    for context in (b"election-a", bytearray(b"election-b")):
        op, z = bbs_pseudonym._context_point_and_z(context, api_id)
        assert g1_eq(op, hash_to_g1(bytes(context), api_id))
        assert z == hash_to_scalar(bytes(context), api_id + b"VECT_NYM_SECRETS")
        again = bbs_pseudonym._context_point_and_z(bytes(context), api_id)
        assert again[0] is op  # served from the cache
    a = bbs_pseudonym._context_point_and_z(b"election-a", api_id)
    b = bbs_pseudonym._context_point_and_z(b"election-b", api_id)
    assert not g1_eq(a[0], b[0]) and a[1] != b[1]
