"""BBS per-verifier linkability (pseudonyms): draft-irtf-cfrg-bbs-per-verifier-linkability-02, BLS12-381-SHA-256.

A credential carries a secret vector ``nym_secrets`` (length N) signed blindly: the holder commits to
``prover_nyms`` (:func:`commit_with_nym`), the registrar adds ``signer_nym_entropy`` to the last entry while
signing (:func:`blind_sign_with_nym`), and the holder checks the signature and derives
``nym_secrets[-1] = prover_nyms[-1] + signer_nym_entropy`` (:func:`finalize_nym_signature`). For a context
(for voting: an election/contest id) the pseudonym is

    OP = hash_to_curve_g1(context_id, api_id);  z = hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS")
    pseudonym = OP * Σ_i nym_secrets[i] * z^i

which is constant per (credential, context) and unlinkable across contexts. :func:`proof_gen_with_nym` proves
knowledge of a signature and that the pseudonym uses the signed nym secrets; :func:`proof_verify_with_nym` checks
it. The pseudonym bytes are canonical (strict decoding, re-encoding equal), so they can serve as a nullifier.

Layout (verified against every fixture; the published text has errata, see notes §1.4):
api_id = ciphersuite_id || "H2G_HM2S_PSEUDONYM_"; generators = create_generators(L+1, api_id) ||
create_generators(1+M+N, "BLIND_" || api_id); scalars = msgs || secret_prover_blind || committed || nym_secrets;
header' = header || I2OSP(N, 8); the blind signature hashes e = H2S(SK || B) as in crypto.bbs_blind.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from crypto import bbs, bbs_blind
from crypto.bbs import (
    CIPHERSUITE_ID,
    OCTET_SCALAR_LENGTH,
    RandomScalars,
    calculate_random_scalars,
    core_verify,
    create_generators,
    hash_to_scalar,
    i2osp,
    messages_to_scalars,
    octets_to_proof,
    octets_to_pubkey,
    octets_to_signature,
    proof_challenge_calculate,
    proof_finalize,
    proof_init,
    proof_verify_init,
)
from crypto.bls12_381 import (
    CURVE_ORDER,
    G1_GENERATOR,
    G2_GENERATOR,
    G1Point,
    g1_eq,
    g1_from_bytes,
    g1_is_identity,
    g1_msm,
    g1_mul,
    g1_to_bytes,
    g2_neg,
    g2_prepare,
    g2_prepared_from_bytes_cached,
    hash_to_g1,
    pairing_check,
)
from crypto.errors import CryptoError, DecodingError, InvalidProof

__all__ = [
    "API_ID",
    "NymBatchItem",
    "blind_sign_with_nym",
    "calculate_pseudonym",
    "commit_with_nym",
    "finalize_nym_signature",
    "proof_gen_with_nym",
    "proof_verify_with_nym",
    "proof_verify_with_nym_prepare",
    "pseudonym_from_bytes",
]

API_ID = CIPHERSUITE_ID + b"H2G_HM2S_PSEUDONYM_"  # §5 Interface identifier
_R = CURVE_ORDER
_NEG_BP2_PREPARED = g2_prepare(g2_neg(G2_GENERATOR))  # -BP2 with its Miller-loop lines computed once
_PROOF_LEN_FLOOR = 3 * bbs.OCTET_POINT_LENGTH + 4 * OCTET_SCALAR_LENGTH


# ==============================================================================================================
# §4 Pseudonym calculation


def _context_point_and_z(context_id: bytes, api_id: bytes) -> tuple[G1Point, int]:
    """OP = hash_to_curve_g1(context_id, api_id); z = hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS").

    (The fixtures use api_id itself as the hash_to_curve DST.) A pure function of public inputs, cached: every
    ballot of an election shares its context id, and hashing to the curve was most of an anonymous ballot's cost
    outside the pairing."""
    return _context_point_and_z_cached(bytes(context_id), bytes(api_id))


@functools.lru_cache(maxsize=64)
def _context_point_and_z_cached(context_id: bytes, api_id: bytes) -> tuple[G1Point, int]:
    return hash_to_g1(context_id, api_id), hash_to_scalar(context_id, api_id + b"VECT_NYM_SECRETS")


def _poly_eval(coefficients: Sequence[int], z: int) -> int:
    """Σ_i coefficients[i] * z^i (mod r), by Horner's rule."""
    acc = 0
    for c in reversed(coefficients):
        acc = (acc * z + c) % _R
    return acc


def _check_nym_secrets(nym_secrets: Sequence[int]) -> None:
    if len(nym_secrets) == 0:
        raise ValueError("nym_secrets must not be empty")
    if any(not isinstance(s, int) or not 0 <= s < _R for s in nym_secrets):
        raise ValueError("nym secrets are scalars in [0, r)")


def calculate_pseudonym(context_id: bytes, nym_secrets: Sequence[int], api_id: bytes = API_ID) -> bytes:
    """§4 pseudonym = OP * poly(nym_secrets, z), encoded (48 bytes)."""
    _check_nym_secrets(nym_secrets)
    op, z = _context_point_and_z(context_id, api_id)
    pseudonym = g1_mul(op, _poly_eval(nym_secrets, z))
    if g1_is_identity(pseudonym):  # pragma: no cover - probability 2^-255
        raise InvalidProof("pseudonym is the identity")
    return g1_to_bytes(pseudonym)


def pseudonym_from_bytes(data: bytes) -> G1Point:
    """Strict decoding of a pseudonym: canonical compressed encoding of a point of G1 other than the identity
    and the base point (§3.3), which re-encodes to exactly the same bytes (it is used as a nullifier)."""
    point = g1_from_bytes(bytes(data))
    if g1_to_bytes(point) != bytes(data):  # belt and braces: g1_from_bytes already rejects every alias
        raise DecodingError("pseudonym encoding is not canonical")
    if g1_eq(point, G1_GENERATOR):
        raise DecodingError("pseudonym is the base point")
    return point


# ==============================================================================================================
# §5.1 Signature generation and verification with pseudonym


def _commit_with_nym(
    committed_messages: Sequence[bytes],
    prover_nyms: Sequence[int],
    api_id: bytes,
    *,
    calculate_random_scalars: RandomScalars,
) -> tuple[bytes, int]:
    _check_nym_secrets(prover_nyms)
    committed_message_scalars = messages_to_scalars(committed_messages, api_id)  # step 1
    committed_message_scalars.extend(prover_nyms)  # step 2
    blind_generators = bbs_blind.blind_generators_for(len(committed_message_scalars) + 1, api_id)  # step 3
    return bbs_blind.core_commit(
        committed_message_scalars, blind_generators, api_id, calculate_random_scalars=calculate_random_scalars
    )  # step 4


def commit_with_nym(
    committed_messages: Sequence[bytes], prover_nyms: Sequence[int], api_id: bytes = API_ID
) -> tuple[bytes, int]:
    """§5.1.1 CommitWithNym -> (commitment_with_proof, secret_prover_blind). ``prover_nyms`` are the holder's
    random secret scalars (for example ``bbs.calculate_random_scalars(N)``); keep them and the blind secret."""
    return _commit_with_nym(committed_messages, prover_nyms, api_id, calculate_random_scalars=calculate_random_scalars)


def blind_sign_with_nym(
    sk: bytes,
    pk: bytes,
    commitment_with_proof: bytes,
    length_nym_vector: int,
    signer_nym_entropy: int | None,
    header: bytes = b"",
    messages: Sequence[bytes] = (),
    api_id: bytes = API_ID,
) -> tuple[bytes, int]:
    """§5.1.2 BlindSignWithNym (registrar side) -> (signature, signer_nym_entropy).

    ``signer_nym_entropy=None`` draws fresh entropy from :mod:`secrets` (the normal case); pass a value only to
    re-issue a credential with the same pseudonymous identity. Raises DecodingError/InvalidProof on a bad
    commitment.
    """
    if length_nym_vector < 1:
        raise ValueError("length_nym_vector must be at least 1")
    if signer_nym_entropy is None:
        signer_nym_entropy = secrets.randbelow(_R - 1) + 1
    if not 0 <= signer_nym_entropy < _R:
        raise ValueError("signer_nym_entropy is a scalar in [0, r)")
    if len(commitment_with_proof) == 0:
        raise DecodingError("a commitment to the prover's nym secrets is required")
    m_total = bbs_blind._committed_count(commitment_with_proof)  # deserialization steps 2-5 (committed + N)
    if m_total < length_nym_vector:
        raise InvalidProof("commitment holds fewer scalars than the nym vector")
    generators = create_generators(len(messages) + 1, api_id)  # step 1
    blind_generators = bbs_blind.blind_generators_for(m_total + 1, api_id)  # step 2
    commitment = bbs_blind.deserialize_and_validate_commit(commitment_with_proof, blind_generators, api_id)  # steps 3-4
    message_scalars = messages_to_scalars(messages, api_id)  # step 5
    combined_header = bytes(header) + i2osp(length_nym_vector, 8)  # step 9
    # steps 6-8, 10: B = B_calculate(...) + blind_generators[-1] * signer_nym_entropy; FinalizeBlindSign
    signature = bbs_blind._blind_sign_core(
        sk,
        pk,
        generators,
        blind_generators,
        commitment,
        combined_header,
        message_scalars,
        api_id,
        extra_terms=[(blind_generators[-1], signer_nym_entropy)],
    )
    return signature, signer_nym_entropy


def finalize_nym_signature(
    pk: bytes,
    signature: bytes,
    header: bytes,
    messages: Sequence[bytes],
    committed_messages: Sequence[bytes],
    prover_nyms: Sequence[int],
    signer_nym_entropy: int,
    secret_prover_blind: int,
    api_id: bytes = API_ID,
) -> list[int]:
    """§5.1.3 VerifyFinalizeWithNym (holder side): verifies the blind signature and returns nym_secrets.
    Raises DecodingError or InvalidSignature."""
    _check_nym_secrets(prover_nyms)
    n = len(prover_nyms)
    message_scalars, generators = bbs_blind.prepare_parameters(
        messages, committed_messages, len(messages) + 1, len(committed_messages) + n + 1, secret_prover_blind, api_id
    )  # step 1
    nym_secrets = list(prover_nyms)  # step 2
    nym_secrets[-1] = (prover_nyms[-1] + signer_nym_entropy) % _R  # step 3
    message_scalars.extend(nym_secrets)  # step 4
    combined_header = bytes(header) + i2osp(n, 8)  # step 5
    core_verify(pk, signature, generators, combined_header, message_scalars, api_id)  # steps 6-7
    return nym_secrets  # step 8


# ==============================================================================================================
# §5.2-§6 Proofs with pseudonym


def _nym_challenge(
    init_res: bbs.ProofInitResult,
    pseudonym: G1Point,
    u_point: G1Point,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    ph: bytes,
    context_id: bytes,
    api_id: bytes,
) -> int:
    """§7.1 ProofWithPseudonymChallengeCalculate: c_arr = (R, i1, msg_i1, ..., Abar, Bbar, D, T1, T2, pseudonym,
    Ut, domain); c_octs = serialize(c_arr) || I2OSP(len(ph), 8) || ph || I2OSP(len(context_id), 8) || context_id."""
    return proof_challenge_calculate(
        init_res,
        disclosed_messages,
        disclosed_indexes,
        ph,
        api_id,
        extra_points=(pseudonym, u_point),
        trailer=i2osp(len(context_id), 8) + bytes(context_id),
    )


def _core_proof_gen_with_nym(
    pk: bytes,
    signature: bytes,
    context_id: bytes,
    generators: Sequence[G1Point],
    header: bytes,
    ph: bytes,
    message_scalars: Sequence[int],
    disclosed_indexes: Sequence[int],
    length_nym_secrets: int,
    api_id: bytes,
    *,
    calculate_random_scalars: RandomScalars,
) -> tuple[bytes, bytes]:
    """§6.1 CoreProofGenWithNym -> (proof, pseudonym)."""
    a, e = octets_to_signature(signature)  # deserialization steps 1-3
    big_l = len(message_scalars)
    # steps 4-13; the nym secrets are the last N messages and are never disclosed
    if any(i >= big_l - length_nym_secrets for i in disclosed_indexes):
        raise InvalidProof("nym secrets cannot be disclosed")
    undisclosed_indexes, disclosed_msgs, undisclosed_msgs = bbs._split_messages(message_scalars, disclosed_indexes)
    random_scalars = list(calculate_random_scalars(5 + len(undisclosed_indexes)))  # procedure step 1
    combined_header = bytes(header) + i2osp(length_nym_secrets, 8)  # step 2
    init_res = proof_init(
        pk, (a, e), generators, random_scalars, combined_header, message_scalars, undisclosed_indexes, api_id
    )  # steps 3-4
    # steps 5-7 PseudonymProofInit(context_id, nym_secrets, their random scalars m~)
    nym_secrets = message_scalars[-length_nym_secrets:]
    nym_randoms = random_scalars[-length_nym_secrets:]
    op, z = _context_point_and_z(context_id, api_id)
    pseudonym = g1_mul(op, _poly_eval(nym_secrets, z))
    u_t = g1_mul(op, _poly_eval(nym_randoms, z))
    if g1_is_identity(pseudonym) or g1_is_identity(u_t):  # pragma: no cover - probability 2^-255
        raise InvalidProof("degenerate pseudonym")
    challenge = _nym_challenge(
        init_res, pseudonym, u_t, disclosed_msgs, disclosed_indexes, ph, context_id, api_id
    )  # step 8
    proof = proof_finalize(init_res, challenge, e, random_scalars, undisclosed_msgs)  # step 9
    return proof, g1_to_bytes(pseudonym)  # step 10


def _proof_gen_with_nym(
    pk: bytes,
    signature: bytes,
    header: bytes,
    ph: bytes,
    nym_secrets: Sequence[int],
    context_id: bytes,
    messages: Sequence[bytes],
    committed_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    disclosed_commitment_indexes: Sequence[int],
    secret_prover_blind: int,
    api_id: bytes,
    *,
    calculate_random_scalars: RandomScalars,
) -> tuple[bytes, bytes]:
    _check_nym_secrets(nym_secrets)
    big_l, m = len(messages), len(committed_messages)
    bbs_blind._check_index_ranges(disclosed_indexes, big_l, "disclosed index")  # deserialization steps 3-4
    bbs_blind._check_index_ranges(disclosed_commitment_indexes, m, "disclosed commitment index")  # steps 5-6
    message_scalars, generators = bbs_blind.prepare_parameters(
        messages, committed_messages, big_l + 1, m + len(nym_secrets) + 1, secret_prover_blind, api_id
    )  # procedure step 1
    indexes = [*disclosed_indexes, *(j + big_l + 1 for j in disclosed_commitment_indexes)]  # steps 2-4
    return _core_proof_gen_with_nym(
        pk,
        signature,
        context_id,
        generators,
        header,
        ph,
        [*message_scalars, *nym_secrets],
        indexes,
        len(nym_secrets),
        api_id,
        calculate_random_scalars=calculate_random_scalars,
    )  # step 5


def proof_gen_with_nym(
    pk: bytes,
    signature: bytes,
    header: bytes,
    ph: bytes,
    nym_secrets: Sequence[int],
    context_id: bytes,
    messages: Sequence[bytes],
    committed_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    disclosed_commitment_indexes: Sequence[int],
    secret_prover_blind: int,
    api_id: bytes = API_ID,
) -> tuple[bytes, bytes]:
    """§5.2 ProofGenWithNym -> (proof, pseudonym) (random scalars from :mod:`secrets`)."""
    return _proof_gen_with_nym(
        pk,
        signature,
        header,
        ph,
        nym_secrets,
        context_id,
        messages,
        committed_messages,
        disclosed_indexes,
        disclosed_commitment_indexes,
        secret_prover_blind,
        api_id,
        calculate_random_scalars=calculate_random_scalars,
    )


def proof_verify_with_nym_prepare(
    pk: bytes,
    proof: bytes,
    header: bytes,
    ph: bytes,
    pseudonym: bytes,
    context_id: bytes,
    L: int,
    disclosed_messages: Sequence[bytes],
    disclosed_commitment_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    disclosed_commitment_indexes: Sequence[int],
    *,
    length_nym_vector: int,
    api_id: bytes = API_ID,
) -> tuple[G1Point, G1Point]:
    """:func:`proof_verify_with_nym` without the final pairing check: returns (Abar, Bbar) for a single or a batched
    (``bbs.find_invalid_in_batch``) check of e(Abar, W) * e(Bbar, -BP2) = 1."""
    nym_point = pseudonym_from_bytes(pseudonym)  # canonical, in G1, not the identity nor BP1
    if length_nym_vector < 1 or L < 0:
        raise InvalidProof("invalid message counts")
    # §5.3 deserialization steps 1-5: total = L + 1 + M + N
    if len(proof) < _PROOF_LEN_FLOOR:
        raise DecodingError("proof shorter than 3*48 + 4*32 bytes")
    u = (len(proof) - _PROOF_LEN_FLOOR) // OCTET_SCALAR_LENGTH
    total = len(disclosed_indexes) + len(disclosed_commitment_indexes) + u
    m = total - L - 1 - length_nym_vector
    if m < 0:
        raise InvalidProof("proof does not match the number of signed messages")
    # disclosed indexes point at Signer messages and committed messages only: never at the prover blind or the
    # nym secrets, so the last N undisclosed responses are exactly those of the nym secrets
    bbs_blind._check_index_ranges(disclosed_indexes, L, "disclosed index")
    bbs_blind._check_index_ranges(disclosed_commitment_indexes, m, "disclosed commitment index")
    message_scalars, generators = bbs_blind.prepare_parameters(
        disclosed_messages, disclosed_commitment_messages, L + 1, m + length_nym_vector + 1, None, api_id
    )  # procedure step 1
    indexes = [*disclosed_indexes, *(j + L + 1 for j in disclosed_commitment_indexes)]  # steps 2-4
    # §6.2 CoreProofVerifyWithNym
    proof_result = octets_to_proof(proof)  # deserialization steps 1-3
    octets_to_pubkey(pk)  # steps 4-5
    combined_header = bytes(header) + i2osp(length_nym_vector, 8)  # procedure step 1
    init_res = proof_verify_init(
        pk, proof_result, generators, combined_header, message_scalars, indexes, api_id
    )  # step 2
    # step 3 PseudonymProofVerifyInit: Uv = OP * poly(m^ of the nym secrets, z) - pseudonym * c
    op, z = _context_point_and_z(context_id, api_id)
    nym_commitments = proof_result.commitments[-length_nym_vector:]
    u_v = g1_msm([op, nym_point], [_poly_eval(nym_commitments, z), _R - proof_result.challenge])
    if g1_is_identity(u_v):  # step 4
        raise InvalidProof("Uv is the identity")
    challenge = _nym_challenge(init_res, nym_point, u_v, message_scalars, indexes, ph, context_id, api_id)  # step 5
    if challenge != proof_result.challenge:  # step 6
        raise InvalidProof("BBS pseudonym proof challenge does not match")
    return proof_result.abar, proof_result.bbar


def proof_verify_with_nym(
    pk: bytes,
    proof: bytes,
    header: bytes,
    ph: bytes,
    pseudonym: bytes,
    context_id: bytes,
    L: int,
    disclosed_messages: Sequence[bytes],
    disclosed_commitment_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    disclosed_commitment_indexes: Sequence[int],
    *,
    length_nym_vector: int,
    api_id: bytes = API_ID,
) -> None:
    """§5.3 ProofVerifyWithNym; ``L`` is the number of Signer messages and ``length_nym_vector`` the length N of
    the nym secret vector (the draft's parameter; it enters the header and locates the nym secrets). Raises
    DecodingError (including a non-canonical pseudonym) or InvalidProof."""
    abar, bbar = proof_verify_with_nym_prepare(
        pk,
        proof,
        header,
        ph,
        pseudonym,
        context_id,
        L,
        disclosed_messages,
        disclosed_commitment_messages,
        disclosed_indexes,
        disclosed_commitment_indexes,
        length_nym_vector=length_nym_vector,
        api_id=api_id,
    )
    w = g2_prepared_from_bytes_cached(bytes(pk))  # W decoded (cached) and its lines computed once
    if not pairing_check([(abar, w), (bbar, _NEG_BP2_PREPARED)]):  # §6.2 step 7
        raise InvalidProof("BBS pseudonym proof pairing check fails")


@dataclass(frozen=True, slots=True)
class NymBatchItem:
    """One proof of a batch for :func:`proof_verify_with_nym_batch` (the arguments of
    :func:`proof_verify_with_nym` after ``pk``)."""

    proof: bytes
    header: bytes
    ph: bytes
    pseudonym: bytes
    context_id: bytes
    L: int
    disclosed_messages: tuple[bytes, ...]
    disclosed_commitment_messages: tuple[bytes, ...]
    disclosed_indexes: tuple[int, ...]
    disclosed_commitment_indexes: tuple[int, ...]
    length_nym_vector: int


def proof_verify_with_nym_batch(pk: bytes, items: Sequence[NymBatchItem], api_id: bytes = API_ID) -> None:
    """Verify many pseudonym proofs under one public key with one pairing check (random 128-bit linear
    combination, see ``crypto.bbs``); raises :class:`crypto.bbs.BatchVerificationError` with ``bad_indexes``."""
    octets_to_pubkey(pk)
    bad: list[int] = []
    prepared: list[tuple[int, G1Point, G1Point]] = []
    for index, item in enumerate(items):
        try:
            abar, bbar = proof_verify_with_nym_prepare(
                pk,
                item.proof,
                item.header,
                item.ph,
                item.pseudonym,
                item.context_id,
                item.L,
                item.disclosed_messages,
                item.disclosed_commitment_messages,
                item.disclosed_indexes,
                item.disclosed_commitment_indexes,
                length_nym_vector=item.length_nym_vector,
                api_id=api_id,
            )
        except CryptoError:
            bad.append(index)
            continue
        prepared.append((index, abar, bbar))
    bad.extend(bbs.find_invalid_in_batch(pk, prepared))
    if bad:
        raise bbs.BatchVerificationError(bad)
