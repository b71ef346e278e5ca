"""Blind BBS signatures: draft-irtf-cfrg-bbs-blind-signatures-02, ciphersuite BLS12-381-SHA-256.

The Prover commits to messages the Signer never sees (:func:`commit`: a Pedersen commitment
``C = Q_2*secret_prover_blind + Σ J_i*msg_i`` with a Schnorr proof of opening); the Signer checks that proof and
signs the commitment together with its own messages (:func:`blind_sign`); the Prover verifies the signature
(:func:`verify`) and presents proofs over both message lists (:func:`proof_gen` / :func:`proof_verify`).

Interface api_id = ciphersuite_id || "BLIND_H2G_HM2S_"; the blind generators ``(Q_2, J_1, ..., J_M)`` are
``create_generators(M + 1, "BLIND_" || api_id)``. The signed message vector is

    (msg_1, ..., msg_L, secret_prover_blind, committed_1, ..., committed_M)

over the generators ``(Q_1, H_1, ..., H_L, Q_2, J_1, ..., J_M)``, so verification and proofs are plain BBS core
operations (crypto.bbs) on that layout. The published -02 text has errata that the fixtures settle (fixed in the
editor's copy): the domain covers Q_2, ``B = P1 + Q_1*domain + Σ H_i*msg_i + commitment``, and a commitment with
proof of M messages is 48 + (M + 2)*32 bytes. With no commitment, secret_prover_blind is 0.

The functions take ``api_id`` so crypto.bbs_pseudonym can reuse them with its own interface identifier.
"""

from __future__ import annotations

from collections.abc import Sequence

from crypto.bbs import (
    CIPHERSUITE_ID,
    OCTET_POINT_LENGTH,
    OCTET_SCALAR_LENGTH,
    RandomScalars,
    calculate_domain,
    calculate_random_scalars,
    core_proof_gen,
    core_proof_verify,
    core_verify,
    create_generators,
    hash_to_scalar,
    i2osp,
    messages_to_scalars,
    scalar_from_bytes,
    scalar_to_bytes,
)
from crypto.bbs import _p1 as _bbs_p1
from crypto.bbs import _sign_with_e as _bbs_sign_with_e
from crypto.bbs import _sk_from_bytes as _bbs_sk_from_bytes
from crypto.bls12_381 import (
    CURVE_ORDER,
    G1_IDENTITY,
    G1Point,
    g1_add,
    g1_from_bytes,
    g1_is_identity,
    g1_msm,
    g1_to_bytes,
)
from crypto.errors import DecodingError, InvalidProof

__all__ = [
    "API_ID",
    "blind_sign",
    "calculate_blind_challenge",
    "commit",
    "commitment_with_proof_to_octets",
    "core_commit",
    "core_commit_verify",
    "deserialize_and_validate_commit",
    "finalize_blind_sign",
    "octets_to_commitment_with_proof",
    "prepare_parameters",
    "proof_gen",
    "proof_verify",
    "verify",
    "verify_commitment",
]

API_ID = CIPHERSUITE_ID + b"BLIND_H2G_HM2S_"  # §3.2 Interface identifier
_R = CURVE_ORDER
_COMMIT_LEN_FLOOR = OCTET_POINT_LENGTH + 2 * OCTET_SCALAR_LENGTH
_PROOF_LEN_FLOOR = 3 * OCTET_POINT_LENGTH + 4 * OCTET_SCALAR_LENGTH


def blind_generators_for(count: int, api_id: bytes) -> tuple[G1Point, ...]:
    """create_generators(count, "BLIND_" || api_id): (Q_2, J_1, ..., J_{count-1})."""
    return create_generators(count, b"BLIND_" + api_id)


# ==============================================================================================================
# §5.5 Utilities: challenge and serialization


def calculate_blind_challenge(c: G1Point, cbar: G1Point, blind_generators: Sequence[G1Point], api_id: bytes) -> int:
    """§5.3 calculate_blind_challenge: hash_to_scalar(serialize((M, Q_2, J_1..J_M, C, Cbar)), api_id||"H2S_")."""
    if not blind_generators:
        raise ValueError("at least one blind generator (Q_2) is needed")
    c_octs = i2osp(len(blind_generators) - 1, 8)
    c_octs += b"".join(g1_to_bytes(g) for g in blind_generators)
    c_octs += g1_to_bytes(c) + g1_to_bytes(cbar)
    return hash_to_scalar(c_octs, api_id + b"H2S_")


def commitment_with_proof_to_octets(commitment: G1Point, s_hat: int, m_hats: Sequence[int], cp: int) -> bytes:
    """§5.4.1 commitment_with_proof_to_octets: C || s^ || m^_1 .. m^_M || cp."""
    return g1_to_bytes(commitment) + b"".join(scalar_to_bytes(s) for s in (s_hat, *m_hats, cp))


def octets_to_commitment_with_proof(commitment_octs: bytes) -> tuple[G1Point, int, tuple[int, ...], int]:
    """§5.4.2 octets_to_commitment_with_proof -> (C, s^, (m^_1, ..., m^_M), cp); every check of the draft."""
    n = len(commitment_octs)
    if n < _COMMIT_LEN_FLOOR or (n - OCTET_POINT_LENGTH) % OCTET_SCALAR_LENGTH:  # steps 1-2, 15
        raise DecodingError("commitment with proof is not 48 + (M+2)*32 bytes")
    c = g1_from_bytes(commitment_octs[:OCTET_POINT_LENGTH])  # steps 3-6 (identity and subgroup rejected)
    scalars = [
        scalar_from_bytes(commitment_octs[i : i + OCTET_SCALAR_LENGTH])  # steps 7-14
        for i in range(OCTET_POINT_LENGTH, n, OCTET_SCALAR_LENGTH)
    ]
    return c, scalars[0], tuple(scalars[1:-1]), scalars[-1]


def _committed_count(commitment_with_proof: bytes) -> int:
    """BlindSign deserialization steps 2-5 (with the erratum: 2 scalars besides the m^_i)."""
    n = len(commitment_with_proof)
    if n == 0:
        return 0
    if n < _COMMIT_LEN_FLOOR or (n - _COMMIT_LEN_FLOOR) % OCTET_SCALAR_LENGTH:
        raise DecodingError("commitment with proof is not 48 + (M+2)*32 bytes")
    return (n - _COMMIT_LEN_FLOOR) // OCTET_SCALAR_LENGTH


# ==============================================================================================================
# §4 Core commitment operations


def core_commit(
    committed_scalars: Sequence[int],
    blind_generators: Sequence[G1Point],
    api_id: bytes,
    *,
    calculate_random_scalars: RandomScalars = calculate_random_scalars,
) -> tuple[bytes, int]:
    """§4.1 CoreCommit -> (commitment_with_proof, secret_prover_blind)."""
    m = len(committed_scalars)
    if len(blind_generators) != m + 1:  # deserialization step 2
        raise ValueError("need M + 1 blind generators")
    # procedure step 1: (secret_prover_blind, s~, m~_1, ..., m~_M) = get_random_scalars(M + 2)
    randoms = list(calculate_random_scalars(m + 2))
    secret_prover_blind, s_tilde, m_tildes = randoms[0], randoms[1], randoms[2:]
    c = g1_msm(blind_generators, [secret_prover_blind, *committed_scalars])  # step 2
    cbar = g1_msm(blind_generators, [s_tilde, *m_tildes])  # step 3
    challenge = calculate_blind_challenge(c, cbar, blind_generators, api_id)  # step 4
    s_hat = (s_tilde + secret_prover_blind * challenge) % _R  # step 5
    m_hats = [(mt + msg * challenge) % _R for mt, msg in zip(m_tildes, committed_scalars, strict=True)]  # 6
    return commitment_with_proof_to_octets(c, s_hat, m_hats, challenge), secret_prover_blind  # steps 7-9


def core_commit_verify(
    commitment: G1Point,
    s_hat: int,
    m_hats: Sequence[int],
    cp: int,
    blind_generators: Sequence[G1Point],
    api_id: bytes,
) -> None:
    """§4.2 CoreCommitVerify; raises InvalidProof."""
    if len(blind_generators) != len(m_hats) + 1:  # deserialization step 4
        raise InvalidProof("commitment proof does not match the number of blind generators")
    # procedure step 1: Cbar = Q_2 * s^ + J_1 * m^_1 + ... + J_M * m^_M + commitment * (-cp)
    cbar = g1_msm([*blind_generators, commitment], [s_hat, *m_hats, _R - cp])
    if calculate_blind_challenge(commitment, cbar, blind_generators, api_id) != cp:  # steps 2-3
        raise InvalidProof("commitment proof of correctness does not verify")


def deserialize_and_validate_commit(
    commitment_with_proof: bytes, blind_generators: Sequence[G1Point], api_id: bytes
) -> G1Point:
    """§3.1.2 deserialize_and_validate_commit: the commitment point (the identity when none is supplied)."""
    if len(commitment_with_proof) == 0:  # step 1
        return G1_IDENTITY
    c, s_hat, m_hats, cp = octets_to_commitment_with_proof(commitment_with_proof)  # steps 2-4
    if len(m_hats) + 1 != len(blind_generators):  # step 5
        raise InvalidProof("commitment proof does not match the number of blind generators")
    core_commit_verify(c, s_hat, m_hats, cp, blind_generators, api_id)  # steps 6-7
    return c


def _commit(
    committed_messages: Sequence[bytes], api_id: bytes, *, calculate_random_scalars: RandomScalars
) -> tuple[bytes, int]:
    committed_message_scalars = messages_to_scalars(committed_messages, api_id)  # step 1
    blind_generators = blind_generators_for(len(committed_message_scalars) + 1, api_id)  # step 2
    return core_commit(
        committed_message_scalars, blind_generators, api_id, calculate_random_scalars=calculate_random_scalars
    )  # step 3


def commit(committed_messages: Sequence[bytes], api_id: bytes = API_ID) -> tuple[bytes, int]:
    """§3.1.1 Commit -> (commitment_with_proof, secret_prover_blind). Keep secret_prover_blind secret."""
    return _commit(committed_messages, api_id, calculate_random_scalars=calculate_random_scalars)


def verify_commitment(commitment_with_proof: bytes, api_id: bytes = API_ID) -> None:
    """Check a Prover's commitment with proof (what BlindSign does first); raises DecodingError/InvalidProof."""
    if len(commitment_with_proof) == 0:
        raise DecodingError("empty commitment")
    m = _committed_count(commitment_with_proof)
    deserialize_and_validate_commit(commitment_with_proof, blind_generators_for(m + 1, api_id), api_id)


# ==============================================================================================================
# §3.2 Blind signature interface


def finalize_blind_sign(
    sk: bytes,
    pk: bytes,
    b: G1Point,
    domain: int,
    api_id: bytes,
) -> bytes:
    """§4.3 FinalizeBlindSign steps 2-5: e = hash_to_scalar(serialize((SK, B))); A = B * 1/(SK + e).

    ``domain`` is calculate_domain(PK, Q_1, (H_1..H_L, Q_2, J_1..J_M), header, api_id) (step 1, with the
    Q_2 erratum), computed by the caller because B needs it too. Erratum settled by the fixtures: the published
    step 2 reads serialize((SK, B, domain)), but the vectors hash serialize((SK, B)) only; the domain already
    enters through B = ... + Q_1 * domain.
    """
    del pk, domain  # both are bound through B
    sk_int = _bbs_sk_from_bytes(sk)
    e_octs = scalar_to_bytes(sk_int) + g1_to_bytes(b)  # step 2 (see the erratum above)
    e = hash_to_scalar(e_octs, api_id + b"H2S_")  # step 3
    return _bbs_sign_with_e(sk_int, b, e)  # steps 4-5


def _blind_sign_core(
    sk: bytes,
    pk: bytes,
    generators: Sequence[G1Point],
    blind_generators: Sequence[G1Point],
    commitment: G1Point,
    header: bytes,
    message_scalars: Sequence[int],
    api_id: bytes,
    extra_terms: Sequence[tuple[G1Point, int]] = (),
) -> bytes:
    """B_calculate (§5.2, with the domain erratum) + FinalizeBlindSign; ``extra_terms`` are signer-chosen
    additions to B (the pseudonym draft's ``blind_generators[-1] * signer_nym_entropy``)."""
    if len(generators) != len(message_scalars) + 1:
        raise ValueError("need L + 1 generators")
    q_1, h = generators[0], generators[1:]
    domain = calculate_domain(pk, q_1, [*h, *blind_generators], header, api_id)
    # B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L + commitment (+ extra terms)
    b = g1_msm(
        [_bbs_p1(), q_1, *h, *(p for p, _ in extra_terms)],
        [1, domain, *message_scalars, *(k for _, k in extra_terms)],
    )
    b = g1_add(b, commitment)
    if g1_is_identity(b):
        raise InvalidProof("B is the identity")
    return finalize_blind_sign(sk, pk, b, domain, api_id)


def blind_sign(
    sk: bytes,
    pk: bytes,
    commitment_with_proof: bytes,
    header: bytes,
    messages: Sequence[bytes],
    api_id: bytes = API_ID,
) -> bytes:
    """§3.2.1 BlindSign: validates the commitment proof, then signs; raises DecodingError/InvalidProof on a bad
    commitment. An empty commitment_with_proof signs the Signer's messages alone."""
    m = _committed_count(commitment_with_proof)  # deserialization steps 2-5
    generators = create_generators(len(messages) + 1, api_id)  # step 1
    blind_generators = blind_generators_for(m + 1, api_id)  # step 2
    commitment = deserialize_and_validate_commit(commitment_with_proof, blind_generators, api_id)  # steps 3-4
    message_scalars = messages_to_scalars(messages, api_id)  # step 5
    return _blind_sign_core(
        sk, pk, generators, blind_generators, commitment, header, message_scalars, api_id
    )  # steps 6-11


def prepare_parameters(
    messages: Sequence[bytes],
    committed_messages: Sequence[bytes],
    generators_number: int,
    blind_generators_number: int,
    secret_prover_blind: int | None,
    api_id: bytes,
) -> tuple[list[int], list[G1Point]]:
    """§5.1 prepare_parameters -> (message_scalars, generators) over the combined layout."""
    message_scalars = messages_to_scalars(messages, api_id)  # step 1
    committed_message_scalars: list[int] = []
    if secret_prover_blind is not None:  # step 3
        committed_message_scalars.append(secret_prover_blind % _R)
    committed_message_scalars.extend(messages_to_scalars(committed_messages, api_id))  # step 4
    generators = create_generators(generators_number, api_id)  # step 5
    blind_generators = blind_generators_for(blind_generators_number, api_id)  # step 6
    return message_scalars + committed_message_scalars, [*generators, *blind_generators]  # step 7


def verify(
    pk: bytes,
    signature: bytes,
    header: bytes,
    messages: Sequence[bytes],
    committed_messages: Sequence[bytes],
    secret_prover_blind: int = 0,
    api_id: bytes = API_ID,
) -> None:
    """§3.2.2 Verify (of a blind signature); raises DecodingError or InvalidSignature."""
    message_scalars, generators = prepare_parameters(
        messages, committed_messages, len(messages) + 1, len(committed_messages) + 1, secret_prover_blind, api_id
    )  # step 1
    core_verify(pk, signature, generators, header, message_scalars, api_id)  # step 2


def _check_index_ranges(indexes: Sequence[int], bound: int, what: str) -> None:
    if len(indexes) > bound or any(not isinstance(i, int) or not 0 <= i < bound for i in indexes):
        raise InvalidProof(f"{what} out of range")


def _proof_gen(
    pk: bytes,
    signature: bytes,
    header: bytes,
    ph: bytes,
    messages: Sequence[bytes],
    committed_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    disclosed_commitment_indexes: Sequence[int],
    secret_prover_blind: int,
    api_id: bytes,
    *,
    calculate_random_scalars: RandomScalars,
) -> bytes:
    big_l, m = len(messages), len(committed_messages)
    _check_index_ranges(disclosed_indexes, big_l, "disclosed index")  # deserialization steps 3-4
    _check_index_ranges(disclosed_commitment_indexes, m, "disclosed commitment index")  # steps 5-6
    message_scalars, generators = prepare_parameters(
        messages, committed_messages, big_l + 1, m + 1, secret_prover_blind, api_id
    )  # procedure step 1
    # steps 2-4: indexes = disclosed_indexes || (j + L + 1 for j in disclosed_commitment_indexes)
    indexes = [*disclosed_indexes, *(j + big_l + 1 for j in disclosed_commitment_indexes)]
    return core_proof_gen(
        pk,
        signature,
        generators,
        header,
        ph,
        message_scalars,
        indexes,
        api_id,
        calculate_random_scalars=calculate_random_scalars,
    )  # step 5


def proof_gen(
    pk: bytes,
    signature: bytes,
    header: bytes,
    ph: bytes,
    messages: Sequence[bytes],
    committed_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    disclosed_commitment_indexes: Sequence[int],
    secret_prover_blind: int = 0,
    api_id: bytes = API_ID,
) -> bytes:
    """§3.2.3 ProofGen over the Signer's messages and the Prover's committed messages."""
    return _proof_gen(
        pk,
        signature,
        header,
        ph,
        messages,
        committed_messages,
        disclosed_indexes,
        disclosed_commitment_indexes,
        secret_prover_blind,
        api_id,
        calculate_random_scalars=calculate_random_scalars,
    )


def proof_verify(
    pk: bytes,
    proof: bytes,
    header: bytes,
    ph: bytes,
    L: int,
    disclosed_messages: Sequence[bytes],
    disclosed_committed_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    disclosed_committed_indexes: Sequence[int],
    api_id: bytes = API_ID,
) -> None:
    """§3.2.4 ProofVerify; ``L`` is the number of Signer messages. Raises DecodingError or InvalidProof."""
    n = len(proof)
    if n < _PROOF_LEN_FLOOR:  # deserialization steps 1-2
        raise DecodingError("proof shorter than 3*48 + 4*32 bytes")
    u = (n - _PROOF_LEN_FLOOR) // OCTET_SCALAR_LENGTH  # step 3
    total = len(disclosed_indexes) + len(disclosed_committed_indexes) + u  # step 4 (L + 1 + M messages)
    m = total - L - 1  # step 5: the number of committed messages
    if L < 0 or m < 0:
        raise InvalidProof("proof does not match the number of signed messages")
    _check_index_ranges(disclosed_indexes, L, "disclosed index")
    _check_index_ranges(disclosed_committed_indexes, m, "disclosed commitment index")
    message_scalars, generators = prepare_parameters(
        disclosed_messages, disclosed_committed_messages, L + 1, m + 1, None, api_id
    )  # procedure step 1
    indexes = [*disclosed_indexes, *(j + L + 1 for j in disclosed_committed_indexes)]  # steps 2-4
    core_proof_verify(pk, proof, generators, header, ph, message_scalars, indexes, api_id)  # step 5
