"""crypto.bbs against the draft-irtf-cfrg-bbs-signatures-10 fixtures (BLS12-381-SHA-256), plus attacks and batching."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import bbs
from crypto import bls12_381 as g
from crypto.errors import DecodingError, InvalidKey, InvalidProof, InvalidSignature

CORE = Path(__file__).resolve().parent.parent / "vectors" / "bbs" / "core"
SUITE = CORE / "bls12-381-sha-256"
SIGNATURES = sorted((SUITE / "signature").glob("*.json"))
PROOFS = sorted((SUITE / "proof").glob("*.json"))
R = g.CURVE_ORDER


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _h(text: str) -> bytes:
    return bytes.fromhex(text)


KEYPAIR = _load(SUITE / "keypair.json")
SK = _h(KEYPAIR["keyPair"]["secretKey"])
PK = _h(KEYPAIR["keyPair"]["publicKey"])
MESSAGES = [_h(m) for m in _load(CORE / "messages.json")]
HEADER = bytes.fromhex("11223344556677889900aabbccddeeff")
PH = bytes.fromhex("bed231d880675ed101ead304512e043ade9958dd0241ea70b4b3957fba941501")


@functools.cache
def _signature_all() -> bytes:
    return bbs.sign(SK, PK, HEADER, MESSAGES)


@functools.cache
def _proof_0246() -> bytes:
    return bbs.proof_gen(PK, _signature_all(), HEADER, PH, MESSAGES, [0, 2, 4, 6])


def _disclosed(indexes: list[int]) -> list[bytes]:
    return [MESSAGES[i] for i in indexes]


@functools.cache
def _other_key() -> tuple[bytes, bytes]:
    sk = bbs.key_gen(b"another residential community's registrar key material!!", b"other")
    return sk, bbs.sk_to_pk(sk)


# ---- fixtures: utilities -------------------------------------------------------------------------------------


def test_fixture_keypair() -> None:
    sk = bbs.key_gen(_h(KEYPAIR["keyMaterial"]), _h(KEYPAIR["keyInfo"]), _h(KEYPAIR["keyDst"]))
    assert sk == SK
    assert bbs.sk_to_pk(sk) == PK
    # the default key_dst is ciphersuite_id || "KEYGEN_DST_" (the fixture uses api_id || "KEYGEN_DST_")
    assert bbs.key_gen(_h(KEYPAIR["keyMaterial"]), _h(KEYPAIR["keyInfo"])) != SK


def test_key_gen_rejects_short_material_and_long_info() -> None:
    with pytest.raises(InvalidKey):
        bbs.key_gen(bytes(31))
    with pytest.raises(InvalidKey):
        bbs.key_gen(bytes(32), bytes(65536))
    with pytest.raises(InvalidKey):
        bbs.sk_to_pk(bytes(32))  # SK = 0
    with pytest.raises(InvalidKey):
        bbs.sk_to_pk(R.to_bytes(32, "big"))


def test_fixture_generators() -> None:
    data = _load(SUITE / "generators.json")
    assert bbs.P1.hex() == data["P1"]
    generators = bbs.create_generators(1 + len(data["MsgGenerators"]), bbs.API_ID)
    assert g.g1_to_bytes(generators[0]).hex() == data["Q1"]
    assert [g.g1_to_bytes(p).hex() for p in generators[1:]] == data["MsgGenerators"]
    # P1 is create_generators(1) under the "BP_" seed (§7.2.2)
    seed_api = bbs.API_ID + b"BP_"
    v = g.expand_message_xmd(seed_api + b"MESSAGE_GENERATOR_SEED", bbs.API_ID + b"SIG_GENERATOR_SEED_", 48)
    v = g.expand_message_xmd(v + (1).to_bytes(8, "big"), bbs.API_ID + b"SIG_GENERATOR_SEED_", 48)
    assert g.g1_to_bytes(g.hash_to_g1(v, bbs.API_ID + b"SIG_GENERATOR_DST_")) == bbs.P1
    # a prefix request returns the same points (the cache extends, never reorders)
    assert bbs.create_generators(3, bbs.API_ID) == generators[:3]


def test_fixture_hash_to_scalar() -> None:
    data = _load(SUITE / "h2s.json")
    assert bbs.hash_to_scalar(_h(data["message"]), _h(data["dst"])) == int(data["scalar"], 16)


def test_fixture_map_message_to_scalar() -> None:
    data = _load(SUITE / "MapMessageToScalarAsHash.json")
    assert _h(data["dst"]) == bbs.API_ID + b"MAP_MSG_TO_SCALAR_AS_HASH_"
    scalars = bbs.messages_to_scalars([_h(c["message"]) for c in data["cases"]], bbs.API_ID)
    assert scalars == [int(c["scalar"], 16) for c in data["cases"]]


def test_fixture_mocked_random_scalars() -> None:
    data = _load(SUITE / "mockedRng.json")
    assert _h(data["seed"]) == b"3.141592653589793238462643383279"
    scalars = bbs._mocked_calculate_random_scalars(data["count"], seed=_h(data["seed"]), dst=_h(data["dst"]))
    assert scalars == [int(s, 16) for s in data["mockedScalars"]]


def test_default_random_scalars_are_not_the_mocked_ones() -> None:
    first = bbs.calculate_random_scalars(3)
    assert first != bbs._mocked_calculate_random_scalars(3)
    assert first != bbs.calculate_random_scalars(3)
    assert all(0 < s < R for s in first)


# ---- fixtures: signatures and proofs -------------------------------------------------------------------------


@pytest.mark.parametrize("path", SIGNATURES, ids=[p.stem for p in SIGNATURES])
def test_fixture_signature(path: Path) -> None:
    case = _load(path)
    pk = _h(case["signerKeyPair"]["publicKey"])
    header, messages, signature = _h(case["header"]), [_h(m) for m in case["messages"]], _h(case["signature"])
    if case["result"]["valid"]:
        bbs.verify(pk, signature, header, messages)
        assert bbs.sign(_h(case["signerKeyPair"]["secretKey"]), pk, header, messages) == signature
        generators = bbs.create_generators(len(messages) + 1, bbs.API_ID)
        domain = bbs.calculate_domain(pk, generators[0], generators[1:], header, bbs.API_ID)
        assert domain == int(case["trace"]["domain"], 16)
    else:
        with pytest.raises(InvalidSignature):
            bbs.verify(pk, signature, header, messages)


@pytest.mark.parametrize("path", PROOFS, ids=[p.stem for p in PROOFS])
def test_fixture_proof(path: Path) -> None:
    case = _load(path)
    pk, proof = _h(case["signerPublicKey"]), _h(case["proof"])
    header, ph = _h(case["header"]), _h(case["presentationHeader"])
    messages, indexes = [_h(m) for m in case["messages"]], case["disclosedIndexes"]
    disclosed = [messages[i] for i in indexes]
    if not case["result"]["valid"]:
        with pytest.raises(InvalidProof):
            bbs.proof_verify(pk, proof, header, ph, disclosed, indexes)
        return
    bbs.proof_verify(pk, proof, header, ph, disclosed, indexes)
    # ProofGen is byte-exact with the draft's mocked random scalars (§8.1)
    regenerated = bbs._proof_gen(
        pk,
        _h(case["signature"]),
        header,
        ph,
        messages,
        indexes,
        calculate_random_scalars=bbs._mocked_calculate_random_scalars,
    )
    assert regenerated == proof
    trace = case["trace"]["random_scalars"]
    expected = [trace["r1"], trace["r2"], trace["e_tilde"], trace["r1_tilde"], trace["r3_tilde"]]
    expected += trace["m_tilde_scalars"]
    assert bbs._mocked_calculate_random_scalars(len(expected)) == [int(s, 16) for s in expected]


# ---- signatures: attacks ---------------------------------------------------------------------------------------


def test_sign_verify_round_trip_and_tampering() -> None:
    signature = _signature_all()
    bbs.verify(PK, signature, HEADER, MESSAGES)
    with pytest.raises(InvalidSignature):
        bbs.verify(PK, signature, HEADER + b"!", MESSAGES)
    with pytest.raises(InvalidSignature):
        bbs.verify(PK, signature, HEADER, [*MESSAGES[:-1], b"tampered"])
    with pytest.raises(InvalidSignature):
        bbs.verify(PK, signature, HEADER, MESSAGES[:-1])


def test_signature_encoding_checks() -> None:
    signature = _signature_all()
    with pytest.raises(DecodingError):
        bbs.verify(PK, signature[:-1], HEADER, MESSAGES)
    with pytest.raises(DecodingError):  # e = 0
        bbs.verify(PK, signature[:48] + bytes(32), HEADER, MESSAGES)
    with pytest.raises(DecodingError):  # e >= r
        bbs.verify(PK, signature[:48] + R.to_bytes(32, "big"), HEADER, MESSAGES)
    with pytest.raises(DecodingError):  # A = identity
        bbs.verify(PK, bytes([0xC0]) + bytes(47) + signature[48:], HEADER, MESSAGES)
    with pytest.raises(DecodingError):  # PK = identity
        bbs.verify(bytes([0xC0]) + bytes(95), signature, HEADER, MESSAGES)


def test_credential_from_other_community_key_rejected() -> None:
    other_sk, other_pk = _other_key()
    signature = bbs.sign(other_sk, other_pk, HEADER, MESSAGES[:2])
    bbs.verify(other_pk, signature, HEADER, MESSAGES[:2])
    with pytest.raises(InvalidSignature):
        bbs.verify(PK, signature, HEADER, MESSAGES[:2])
    proof = bbs.proof_gen(other_pk, signature, HEADER, PH, MESSAGES[:2], [0])
    bbs.proof_verify(other_pk, proof, HEADER, PH, [MESSAGES[0]], [0])
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof, HEADER, PH, [MESSAGES[0]], [0])


# ---- proofs: attacks -------------------------------------------------------------------------------------------


def test_proof_tampering_fails() -> None:
    proof, indexes = _proof_0246(), [0, 2, 4, 6]
    bbs.proof_verify(PK, proof, HEADER, PH, _disclosed(indexes), indexes)
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof, HEADER, PH, [b"x", *_disclosed(indexes)[1:]], indexes)
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof, HEADER + b"x", PH, _disclosed(indexes), indexes)
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof, HEADER, PH + b"x", _disclosed(indexes), indexes)
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof, HEADER, PH, _disclosed([0, 2, 4, 7]), [0, 2, 4, 7])
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof, HEADER, PH, _disclosed(indexes)[:3], indexes)
    flipped = bytearray(proof)
    flipped[-1] ^= 1  # the challenge
    with pytest.raises((InvalidProof, DecodingError)):
        bbs.proof_verify(PK, bytes(flipped), HEADER, PH, _disclosed(indexes), indexes)
    flipped = bytearray(proof)
    flipped[3 * 48 + 31] ^= 1  # e^
    with pytest.raises((InvalidProof, DecodingError)):
        bbs.proof_verify(PK, bytes(flipped), HEADER, PH, _disclosed(indexes), indexes)


@pytest.mark.parametrize("indexes", [[2, 0, 4, 6], [0, 2, 2, 4], [0, 2, 4, 4, 6], [-1, 0, 2, 4]])
def test_disclosed_indexes_not_strictly_ascending_fail(indexes: list[int]) -> None:
    disclosed = [MESSAGES[i] for i in indexes]
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, _proof_0246(), HEADER, PH, disclosed, indexes)
    with pytest.raises(InvalidProof):
        bbs.proof_gen(PK, _signature_all(), HEADER, PH, MESSAGES, indexes)


def test_proof_gen_rejects_out_of_range_index() -> None:
    with pytest.raises(InvalidProof):
        bbs.proof_gen(PK, _signature_all(), HEADER, PH, MESSAGES, [0, 10])


def _point_alias(encoding: bytes) -> bytes | None:
    """The x + p alias of a compressed point, when it fits in the 381 coordinate bits."""
    x = int.from_bytes(encoding, "big") & ((1 << 381) - 1)
    if x + g.FIELD_MODULUS >= 1 << 381:
        return None
    return (int.from_bytes(encoding, "big") + g.FIELD_MODULUS).to_bytes(48, "big")


def test_noncanonical_point_encoding_rejected() -> None:
    case = _load(SUITE / "proof" / "proof003.json")
    proof, indexes = _h(case["proof"]), case["disclosedIndexes"]
    disclosed = [_h(case["messages"][i]) for i in indexes]
    bbs.proof_verify(PK, proof, HEADER, PH, disclosed, indexes)
    variants: list[bytes] = []
    for k in range(3):  # Abar, Bbar, D
        point = proof[48 * k : 48 * (k + 1)]
        alias = _point_alias(point)
        if alias is not None:
            variants.append(proof[: 48 * k] + alias + proof[48 * (k + 1) :])
        uncompressed = bytes([point[0] & 0x7F]) + point[1:]
        variants.append(proof[: 48 * k] + uncompressed + proof[48 * (k + 1) :])
        stray_infinity = bytes([0xC0 | (point[0] & 0x20)]) + point[1:]
        variants.append(proof[: 48 * k] + stray_infinity + proof[48 * (k + 1) :])
    assert any(_point_alias(proof[48 * k : 48 * (k + 1)]) for k in range(3))  # the x + p alias is exercised
    for variant in variants:
        with pytest.raises(DecodingError):
            bbs.proof_verify(PK, variant, HEADER, PH, disclosed, indexes)
    # a scalar >= r (the same residue plus r) is also an alias
    e_hat = int.from_bytes(proof[144:176], "big")
    if e_hat + R < 1 << 256:
        aliased = proof[:144] + (e_hat + R).to_bytes(32, "big") + proof[176:]
        with pytest.raises(DecodingError):
            bbs.proof_verify(PK, aliased, HEADER, PH, disclosed, indexes)
    with pytest.raises(DecodingError):  # zero scalar
        bbs.proof_verify(PK, proof[:144] + bytes(32) + proof[176:], HEADER, PH, disclosed, indexes)
    with pytest.raises(DecodingError):  # trailing garbage
        bbs.proof_verify(PK, proof + b"\x01", HEADER, PH, disclosed, indexes)


def _non_subgroup_g1_encoding() -> bytes:
    p = g.FIELD_MODULUS
    x = 7
    while True:
        y2 = (x**3 + 4) % p
        y = pow(y2, (p + 1) // 4, p)
        if y * y % p == y2:
            from py_ecc.fields import optimized_bls12_381_FQ as FQ

            if not g._reference_g1_in_subgroup((FQ(x), FQ(y), FQ.one())):
                return (x | (1 << 383)).to_bytes(48, "big")
        x += 1


def test_point_not_in_subgroup_rejected() -> None:
    bad = _non_subgroup_g1_encoding()
    proof, indexes = _proof_0246(), [0, 2, 4, 6]
    for k in range(3):
        variant = proof[: 48 * k] + bad + proof[48 * (k + 1) :]
        with pytest.raises(DecodingError):
            bbs.proof_verify(PK, variant, HEADER, PH, _disclosed(indexes), indexes)
    with pytest.raises(DecodingError):
        bbs.verify(PK, bad + _signature_all()[48:], HEADER, MESSAGES)


@settings(max_examples=2, deadline=None)
@given(disclosed=st.sets(st.integers(min_value=0, max_value=3)), ph=st.binary(max_size=8))
def test_honest_proofs_verify_property(disclosed: set[int], ph: bytes) -> None:
    messages = MESSAGES[:4]
    signature = bbs.sign(SK, PK, b"", messages)
    indexes = sorted(disclosed)
    proof = bbs.proof_gen(PK, signature, b"", ph, messages, indexes)
    bbs.proof_verify(PK, proof, b"", ph, [messages[i] for i in indexes], indexes)
    assert len(proof) == 3 * 48 + (4 + 4 - len(indexes)) * 32


# ---- batch verification -----------------------------------------------------------------------------------------


def _batch_item(proof: bytes, ph: bytes, indexes: list[int]) -> bbs.BatchItem:
    return bbs.BatchItem(proof, HEADER, ph, tuple(_disclosed(indexes)), tuple(indexes))


@functools.cache
def _batch_items() -> tuple[bbs.BatchItem, ...]:
    signature = _signature_all()
    items = []
    for k in range(3):
        ph = b"ballot-%d" % k
        indexes = [k]
        items.append(_batch_item(bbs.proof_gen(PK, signature, HEADER, ph, MESSAGES, indexes), ph, indexes))
    return tuple(items)


def test_batch_of_valid_proofs_passes() -> None:
    bbs.proof_verify_batch(PK, list(_batch_items()))
    bbs.proof_verify_batch(PK, [])


def test_batch_with_one_bad_proof_fails_and_finds_it() -> None:
    items = list(_batch_items())
    good = items[2]
    items[2] = bbs.BatchItem(
        good.proof, good.header, b"moved to another ballot", good.disclosed_messages, good.disclosed_indexes
    )
    with pytest.raises(bbs.BatchVerificationError) as info:
        bbs.proof_verify_batch(PK, items)
    assert info.value.bad_indexes == (2,)
    assert isinstance(info.value, InvalidProof)


def test_batch_finds_proofs_that_fail_only_the_pairing() -> None:
    # A "signature" made with the wrong secret key for PK: the proof's challenge is consistent (the prover runs the
    # protocol honestly on bad values), so only the pairing equation catches it, and the bisection must find it.
    other_sk, _ = _other_key()
    forged_signature = bbs.sign(other_sk, PK, HEADER, MESSAGES)
    forged = bbs.proof_gen(PK, forged_signature, HEADER, b"forged", MESSAGES, [1])
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, forged, HEADER, b"forged", _disclosed([1]), [1])
    items = list(_batch_items())[:2]
    items.insert(1, _batch_item(forged, b"forged", [1]))
    with pytest.raises(bbs.BatchVerificationError) as info:
        bbs.proof_verify_batch(PK, items)
    assert info.value.bad_indexes == (1,)


def test_batch_rejects_malformed_item_and_bad_key() -> None:
    items = list(_batch_items())[:2]
    items.append(bbs.BatchItem(b"\x00" * 10, HEADER, b"", (), ()))
    with pytest.raises(bbs.BatchVerificationError) as info:
        bbs.proof_verify_batch(PK, items)
    assert info.value.bad_indexes == (2,)
    with pytest.raises(DecodingError):
        bbs.proof_verify_batch(bytes([0xC0]) + bytes(95), items)
