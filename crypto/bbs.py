"""BBS signatures: draft-irtf-cfrg-bbs-signatures-10, ciphersuite BLS12-381-SHA-256.

Layout follows the draft:

* the **Interface** (§3.4, api_id = ``"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_"``): :func:`key_gen`,
  :func:`sk_to_pk`, :func:`sign`, :func:`verify`, :func:`proof_gen`, :func:`proof_verify`, plus
  :func:`proof_verify_batch` (many proofs under one public key, one pairing check);
* the **Core operations** (§3.6), with the ``api_id`` and the generator list as explicit parameters so the blind
  (``crypto.bbs_blind``) and pseudonym (``crypto.bbs_pseudonym``) drafts reuse them: :func:`core_sign`,
  :func:`core_verify`, :func:`core_proof_gen`, :func:`core_proof_verify`;
* the **proof subroutines** (§3.7): :func:`proof_init`, :func:`proof_finalize`, :func:`proof_verify_init`,
  :func:`proof_challenge_calculate`;
* the **utilities** (§4): :func:`create_generators`, :func:`messages_to_scalars`, :func:`hash_to_scalar`,
  :func:`calculate_domain`, the octet encodings with every check of §4.2.4.

All curve arithmetic goes through :mod:`crypto.bls12_381`. Random scalars come from :mod:`secrets`; the draft's
seeded "mocked" scalars (§8.1) exist only as :func:`_mocked_calculate_random_scalars`, which the fixture tests
pass explicitly to the private ``_``-prefixed generation functions. Scalars are Python ints in ``[0, r)``.

Verification raises :class:`~crypto.errors.DecodingError` (bytes that do not parse: lengths, ranges,
canonical form, subgroup, identity), :class:`~crypto.errors.InvalidSignature` or
:class:`~crypto.errors.InvalidProof`; it returns ``None`` on success.

Not constant time: py_ecc and Python integers leak timing on the secret key and the blinding scalars.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crypto.bls12_381 import (
    CURVE_ORDER,
    G1_POINT_LENGTH,
    G2_GENERATOR,
    G1Point,
    G2Point,
    G2Prepared,
    expand_message_xmd,
    g1_from_bytes,
    g1_is_identity,
    g1_msm,
    g1_mul,
    g1_to_bytes,
    g2_from_bytes_cached,
    g2_mul,
    g2_neg,
    g2_prepare,
    g2_prepared_from_bytes_cached,
    g2_to_bytes,
    hash_to_g1,
    pairing_check,
)
from crypto.errors import CryptoError, DecodingError, InvalidKey, InvalidProof, InvalidSignature

__all__ = [
    "API_ID",
    "CIPHERSUITE_ID",
    "EXPAND_LEN",
    "OCTET_POINT_LENGTH",
    "OCTET_SCALAR_LENGTH",
    "P1",
    "BatchItem",
    "BatchVerificationError",
    "ProofInitResult",
    "RandomScalars",
    "calculate_domain",
    "calculate_random_scalars",
    "core_proof_gen",
    "core_proof_verify",
    "core_proof_verify_prepare",
    "core_sign",
    "core_verify",
    "create_generators",
    "find_invalid_in_batch",
    "hash_to_scalar",
    "i2osp",
    "key_gen",
    "messages_to_scalars",
    "octets_to_proof",
    "octets_to_pubkey",
    "octets_to_signature",
    "proof_challenge_calculate",
    "proof_finalize",
    "proof_gen",
    "proof_init",
    "proof_to_octets",
    "proof_verify",
    "proof_verify_batch",
    "proof_verify_init",
    "scalar_from_bytes",
    "scalar_to_bytes",
    "sign",
    "signature_to_octets",
    "sk_to_pk",
    "verify",
]

# §7.2.2 BLS12-381-SHA-256 ciphersuite parameters
CIPHERSUITE_ID = b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_"
API_ID = CIPHERSUITE_ID + b"H2G_HM2S_"  # §3.4 Interface identifier
OCTET_SCALAR_LENGTH = 32
OCTET_POINT_LENGTH = G1_POINT_LENGTH
EXPAND_LEN = 48
P1 = bytes.fromhex("a8ce256102840821a3e94ea9025e4662b205762f9776b3a766c872b948f1fd225e7c59698588e70d11406d161b4e28c9")
"""The ciphersuite's fixed G1 point P1 (§7.2.2), encoded."""

_R = CURVE_ORDER
_BP2: G2Point = G2_GENERATOR
_NEG_BP2: G2Point = g2_neg(G2_GENERATOR)
# The fixed G2 points of the pairing checks, with their Miller-loop lines computed once (a public key W gets the
# same through g2_prepared_from_bytes_cached).
_BP2_PREPARED: G2Prepared = g2_prepare(_BP2)
_NEG_BP2_PREPARED: G2Prepared = g2_prepare(_NEG_BP2)
_MOCK_SEED = b"3.141592653589793238462643383279"  # §8.1 "nothing up my sleeve" seed of the fixtures

RandomScalars = Callable[[int], Sequence[int]]
"""``calculate_random_scalars(count)``: the source of the prover's blinding scalars."""


# ==============================================================================================================
# §4 Utilities


def i2osp(value: int, length: int) -> bytes:
    """RFC 8017 I2OSP."""
    if value < 0 or value >= 1 << (8 * length):
        raise DecodingError(f"integer does not fit in {length} bytes")
    return value.to_bytes(length, "big")


def scalar_to_bytes(s: int) -> bytes:
    """I2OSP(s, octet_scalar_length) for a scalar in [0, r)."""
    if not 0 <= s < _R:
        raise DecodingError("scalar out of range")
    return s.to_bytes(OCTET_SCALAR_LENGTH, "big")


def scalar_from_bytes(data: bytes) -> int:
    """OS2IP of a 32-byte scalar, rejecting s = 0 and s >= r (§4.2.4.3 step 11)."""
    if len(data) != OCTET_SCALAR_LENGTH:
        raise DecodingError(f"a scalar is {OCTET_SCALAR_LENGTH} bytes, got {len(data)}")
    s = int.from_bytes(data, "big")
    if s == 0 or s >= _R:
        raise DecodingError("scalar is zero or not below r")
    return s


def hash_to_scalar(msg_octets: bytes, dst: bytes) -> int:
    """§4.2.2 hash_to_scalar: OS2IP(expand_message(msg, dst, expand_len)) mod r."""
    if len(dst) > 255:
        raise ValueError("hash_to_scalar DST longer than 255 bytes")
    return int.from_bytes(expand_message_xmd(msg_octets, dst, EXPAND_LEN), "big") % _R


def calculate_random_scalars(count: int) -> list[int]:
    """§4.2.1 calculate_random_scalars, with :mod:`secrets` as get_random (uniform in [1, r))."""
    return [secrets.randbelow(_R - 1) + 1 for _ in range(count)]


def _seeded_random_scalars(seed: bytes, dst: bytes, count: int) -> list[int]:
    """§8.1 seeded_random_scalars (test vectors only)."""
    out_len = EXPAND_LEN * count
    if out_len > 65535:
        raise ValueError("too many mocked scalars")
    v = expand_message_xmd(seed, dst, out_len)
    return [int.from_bytes(v[i * EXPAND_LEN : (i + 1) * EXPAND_LEN], "big") % _R for i in range(count)]


def _mocked_calculate_random_scalars(
    count: int, *, seed: bytes = _MOCK_SEED, dst: bytes = API_ID + b"MOCK_RANDOM_SCALARS_DST_"
) -> list[int]:
    """§8.1 mocked_calculate_random_scalars: DETERMINISTIC, for reproducing the published test vectors only.

    Never the default anywhere; the fixture tests pass it (via ``functools.partial`` for other DSTs) to the
    private ``_proof_gen``-style functions.
    """
    return _seeded_random_scalars(seed, dst, count)


# §4.1.1 create_generators, cached per api_id and extended on demand (the draft allows caching v). No lock: the
# values are deterministic, so two threads extending the cache at once store equal (v, points) pairs, and each
# store replaces the whole tuple at once.
_generator_cache: dict[bytes, tuple[bytes, list[G1Point]]] = {}


def create_generators(count: int, api_id: bytes) -> tuple[G1Point, ...]:
    """§4.1.1 create_generators(count, api_id): hash a seed to ``count`` independent points of G1."""
    if count < 0 or count > 2**64 - 1:
        raise ValueError("invalid generator count")
    seed_dst = api_id + b"SIG_GENERATOR_SEED_"
    generator_dst = api_id + b"SIG_GENERATOR_DST_"
    generator_seed = api_id + b"MESSAGE_GENERATOR_SEED"
    cached = _generator_cache.get(api_id)
    if cached is None:
        # step 1: v = expand_message(generator_seed, seed_dst, expand_len)
        cached = (expand_message_xmd(generator_seed, seed_dst, EXPAND_LEN), [])
    v, points = cached
    points = list(points)
    # steps 2-4: v = expand_message(v || I2OSP(i, 8), seed_dst, expand_len); generator_i = hash_to_curve_g1(v)
    for i in range(len(points) + 1, count + 1):
        v = expand_message_xmd(v + i2osp(i, 8), seed_dst, EXPAND_LEN)
        points.append(hash_to_g1(v, generator_dst))
    if len(points) > len(cached[1]):
        _generator_cache[api_id] = (v, points)
    return tuple(points[:count])


def messages_to_scalars(messages: Sequence[bytes], api_id: bytes) -> list[int]:
    """§4.1.2 messages_to_scalars (MAP_TO_SCALAR_ID "HM2S_")."""
    map_dst = api_id + b"MAP_MSG_TO_SCALAR_AS_HASH_"
    return [hash_to_scalar(bytes(m), map_dst) for m in messages]


def calculate_domain(pk: bytes, q_1: G1Point, h_points: Sequence[G1Point], header: bytes, api_id: bytes) -> int:
    """§4.2.3 calculate_domain(PK, Q_1, H_Points, header, api_id)."""
    # step 1-2: dom_octs = serialize((L, Q_1, H_1, ..., H_L)) || api_id
    dom_octs = i2osp(len(h_points), 8) + g1_to_bytes(q_1) + b"".join(g1_to_bytes(h) for h in h_points) + api_id
    # step 3: dom_input = PK || dom_octs || I2OSP(length(header), 8) || header
    dom_input = bytes(pk) + dom_octs + i2osp(len(header), 8) + bytes(header)
    return hash_to_scalar(dom_input, api_id + b"H2S_")


_P1_POINT: G1Point = g1_from_bytes(P1)


def _p1() -> G1Point:
    return _P1_POINT


# ---- §4.2.4 serialization -------------------------------------------------------------------------------------


def signature_to_octets(a: G1Point, e: int) -> bytes:
    """§4.2.4.2 signature_to_octets: serialize((A, e))."""
    return g1_to_bytes(a) + scalar_to_bytes(e)


def octets_to_signature(signature_octets: bytes) -> tuple[G1Point, int]:
    """§4.2.4.3 octets_to_signature: A a non-identity point of G1, 0 < e < r."""
    if len(signature_octets) != OCTET_POINT_LENGTH + OCTET_SCALAR_LENGTH:
        raise DecodingError("a BBS signature is 80 bytes")
    a = g1_from_bytes(signature_octets[:OCTET_POINT_LENGTH])  # steps 4-7 (identity and subgroup rejected)
    e = scalar_from_bytes(signature_octets[OCTET_POINT_LENGTH:])  # steps 10-11
    return a, e


@dataclass(frozen=True, slots=True)
class _Proof:
    """A decoded BBS proof (§3.6.3): (Abar, Bbar, D, e^, r1^, r3^, (m^_j1, ..., m^_jU), c)."""

    abar: G1Point
    bbar: G1Point
    d: G1Point
    e_hat: int
    r1_hat: int
    r3_hat: int
    commitments: tuple[int, ...]
    challenge: int


def proof_to_octets(proof: _Proof) -> bytes:
    """§4.2.4.4 proof_to_octets."""
    scalars = (proof.e_hat, proof.r1_hat, proof.r3_hat, *proof.commitments, proof.challenge)
    return (
        g1_to_bytes(proof.abar)
        + g1_to_bytes(proof.bbar)
        + g1_to_bytes(proof.d)
        + b"".join(scalar_to_bytes(s) for s in scalars)
    )


_PROOF_LEN_FLOOR = 3 * OCTET_POINT_LENGTH + 4 * OCTET_SCALAR_LENGTH


def octets_to_proof(proof_octets: bytes) -> _Proof:
    """§4.2.4.5 octets_to_proof: three non-identity points of G1, then 4+U scalars in [1, r)."""
    n = len(proof_octets)
    if n < _PROOF_LEN_FLOOR or (n - 3 * OCTET_POINT_LENGTH) % OCTET_SCALAR_LENGTH:  # steps 1-2, 17
        raise DecodingError("proof length is not 3*48 + (4+U)*32 bytes")
    points = [
        g1_from_bytes(proof_octets[i * OCTET_POINT_LENGTH : (i + 1) * OCTET_POINT_LENGTH])  # steps 3-9
        for i in range(3)
    ]
    base = 3 * OCTET_POINT_LENGTH
    scalars = [
        scalar_from_bytes(proof_octets[i : i + OCTET_SCALAR_LENGTH])  # steps 10-16
        for i in range(base, n, OCTET_SCALAR_LENGTH)
    ]
    return _Proof(
        points[0], points[1], points[2], scalars[0], scalars[1], scalars[2], tuple(scalars[3:-1]), scalars[-1]
    )


def octets_to_pubkey(pk: bytes) -> G2Point:
    """§4.2.4.6 octets_to_pubkey: a non-identity point of G2 (decoding and subgroup check cached by bytes)."""
    return g2_from_bytes_cached(bytes(pk))


def _pubkey_prepared(pk: bytes) -> G2Prepared:
    """:func:`octets_to_pubkey` with W's Miller-loop lines for the pairing check (cached by the bytes)."""
    return g2_prepared_from_bytes_cached(bytes(pk))


# ==============================================================================================================
# §3.3 Key generation


def key_gen(key_material: bytes, key_info: bytes = b"", key_dst: bytes | None = None) -> bytes:
    """§3.3.1 KeyGen: SK = hash_to_scalar(key_material || I2OSP(len(key_info), 2) || key_info, key_dst)."""
    if len(key_material) < 32:  # step 1
        raise InvalidKey("key_material must be at least 32 bytes")
    if len(key_info) > 65535:  # step 2
        raise InvalidKey("key_info longer than 65535 bytes")
    if key_dst is None:
        key_dst = CIPHERSUITE_ID + b"KEYGEN_DST_"
    derive_input = bytes(key_material) + i2osp(len(key_info), 2) + bytes(key_info)  # step 3
    sk = hash_to_scalar(derive_input, key_dst)  # step 4
    if sk == 0:  # pragma: no cover - probability 2^-255
        raise InvalidKey("derived secret key is zero")
    return scalar_to_bytes(sk)


def _sk_from_bytes(sk: bytes) -> int:
    try:
        return scalar_from_bytes(sk)
    except DecodingError as e:
        raise InvalidKey("a secret key is a 32-byte scalar in [1, r)") from e


def sk_to_pk(sk: bytes) -> bytes:
    """§3.3.2 SkToPk: W = SK * BP2, encoded."""
    return g2_to_bytes(g2_mul(_BP2, _sk_from_bytes(sk)))


# ==============================================================================================================
# §3.6 Core operations


def _check_generators(generators: Sequence[G1Point], count: int) -> None:
    if len(generators) != count + 1:
        raise ValueError(f"expected {count + 1} generators, got {len(generators)}")


def _compute_b(generators: Sequence[G1Point], domain: int, messages: Sequence[int]) -> G1Point:
    """B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L."""
    return g1_msm([_p1(), *generators], [1, domain, *messages])


def _sign_with_e(sk: int, b: G1Point, e: int) -> bytes:
    """§3.6.1 steps 4-5: A = B * (1 / (SK + e)); return signature_to_octets((A, e))."""
    if (sk + e) % _R == 0 or g1_is_identity(b):  # the note after §3.6.1: refuse an identity A
        raise InvalidSignature("degenerate signature (SK + e = 0 or B = identity)")
    a = g1_mul(b, pow(sk + e, -1, _R))
    return signature_to_octets(a, e)


def core_sign(
    sk: bytes, pk: bytes, generators: Sequence[G1Point], header: bytes, messages: Sequence[int], api_id: bytes
) -> bytes:
    """§3.6.1 CoreSign."""
    sk_int = _sk_from_bytes(sk)
    _check_generators(generators, len(messages))
    q_1, h_points = generators[0], generators[1:]
    domain = calculate_domain(pk, q_1, h_points, header, api_id)  # step 1
    # step 2: e = hash_to_scalar(serialize((SK, msg_1, ..., msg_L, domain)), hash_to_scalar_dst)
    e_octs = scalar_to_bytes(sk_int) + b"".join(scalar_to_bytes(m) for m in messages) + scalar_to_bytes(domain)
    e = hash_to_scalar(e_octs, api_id + b"H2S_")
    b = _compute_b(generators, domain, messages)  # step 3
    return _sign_with_e(sk_int, b, e)  # steps 4-5


def core_verify(
    pk: bytes,
    signature: bytes,
    generators: Sequence[G1Point],
    header: bytes,
    messages: Sequence[int],
    api_id: bytes,
) -> None:
    """§3.6.2 CoreVerify; raises DecodingError or InvalidSignature."""
    a, e = octets_to_signature(signature)  # deserialization steps 1-3
    w = _pubkey_prepared(pk)  # steps 4-5
    _check_generators(generators, len(messages))  # steps 6-9
    domain = calculate_domain(pk, generators[0], generators[1:], header, api_id)  # procedure step 1
    b = _compute_b(generators, domain, messages)  # step 2
    # step 3: h(A, W) * h(A * e - B, BP2) == Identity_GT
    a_e_minus_b = g1_msm([a, b], [e, _R - 1])
    if not pairing_check([(a, w), (a_e_minus_b, _BP2_PREPARED)]):
        raise InvalidSignature("BBS signature does not verify")


@dataclass(frozen=True, slots=True)
class ProofInitResult:
    """init_res of §3.7.1 / §3.7.3: (Abar, Bbar, D, T1, T2, domain)."""

    abar: G1Point
    bbar: G1Point
    d: G1Point
    t1: G1Point
    t2: G1Point
    domain: int


def _undisclosed(disclosed_indexes: Sequence[int], total: int) -> list[int]:
    """Check disclosed_indexes (strictly ascending, each in [0, total)) and return the complement."""
    previous = -1
    for i in disclosed_indexes:
        if not isinstance(i, int) or i <= previous or i >= total:
            raise InvalidProof("disclosed indexes must be strictly ascending and in range")
        previous = i
    disclosed = set(disclosed_indexes)
    return [j for j in range(total) if j not in disclosed]


def proof_init(
    pk: bytes,
    signature: tuple[G1Point, int],
    generators: Sequence[G1Point],
    random_scalars: Sequence[int],
    header: bytes,
    messages: Sequence[int],
    undisclosed_indexes: Sequence[int],
    api_id: bytes,
) -> ProofInitResult:
    """§3.7.1 ProofInit."""
    a, e = signature
    big_l, u = len(messages), len(undisclosed_indexes)
    if len(random_scalars) != u + 5:  # deserialization step 5
        raise ValueError("need exactly U + 5 random scalars")
    r1, r2, e_tilde, r1_tilde, r3_tilde = random_scalars[:5]
    m_tilde = random_scalars[5:]
    _check_generators(generators, big_l)  # step 8
    if u > big_l or any(not 0 <= j < big_l for j in undisclosed_indexes):  # ABORT conditions
        raise ValueError("undisclosed index out of range")
    q_1, h = generators[0], generators[1:]
    domain = calculate_domain(pk, q_1, h, header, api_id)  # procedure step 1
    b = _compute_b(generators, domain, messages)  # step 2
    d = g1_mul(b, r2)  # step 3: D = B * r2
    abar = g1_mul(a, r1 * r2 % _R)  # step 4: Abar = A * (r1 * r2)
    bbar = g1_msm([d, abar], [r1, _R - e])  # step 5: Bbar = D * r1 - Abar * e
    t1 = g1_msm([abar, d], [e_tilde, r1_tilde])  # step 6: T1 = Abar * e~ + D * r1~
    # step 7: T2 = D * r3~ + H_j1 * m~_j1 + ... + H_jU * m~_jU
    t2 = g1_msm([d, *(h[j] for j in undisclosed_indexes)], [r3_tilde, *m_tilde])
    return ProofInitResult(abar, bbar, d, t1, t2, domain)


def proof_finalize(
    init_res: ProofInitResult,
    challenge: int,
    e_value: int,
    random_scalars: Sequence[int],
    undisclosed_messages: Sequence[int],
) -> bytes:
    """§3.7.2 ProofFinalize."""
    u = len(undisclosed_messages)
    if len(random_scalars) != u + 5:
        raise ValueError("need exactly U + 5 random scalars")
    r1, r2, e_tilde, r1_tilde, r3_tilde = random_scalars[:5]
    m_tilde = random_scalars[5:]
    r3 = pow(r2, -1, _R)  # step 1
    e_hat = (e_tilde + e_value * challenge) % _R  # step 2
    r1_hat = (r1_tilde - r1 * challenge) % _R  # step 3
    r3_hat = (r3_tilde - r3 * challenge) % _R  # step 4
    m_hat = tuple((mt + m * challenge) % _R for mt, m in zip(m_tilde, undisclosed_messages, strict=True))  # 5
    # step 6-7
    return proof_to_octets(_Proof(init_res.abar, init_res.bbar, init_res.d, e_hat, r1_hat, r3_hat, m_hat, challenge))


def proof_verify_init(
    pk: bytes,
    proof: _Proof,
    generators: Sequence[G1Point],
    header: bytes,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
) -> ProofInitResult:
    """§3.7.3 ProofVerifyInit."""
    u, big_r = len(proof.commitments), len(disclosed_indexes)
    big_l = big_r + u  # step 4
    undisclosed = _undisclosed(disclosed_indexes, big_l)  # steps 5-7 (plus: strictly ascending)
    if len(disclosed_messages) != big_r:  # step 8
        raise InvalidProof("number of disclosed messages and indexes differ")
    if len(generators) != big_l + 1:  # step 11
        raise InvalidProof("proof does not match the number of signed messages")
    q_1, h = generators[0], generators[1:]
    c = proof.challenge
    domain = calculate_domain(pk, q_1, h, header, api_id)  # procedure step 1
    t1 = g1_msm([proof.bbar, proof.abar, proof.d], [c, proof.e_hat, proof.r1_hat])  # step 2
    # steps 3-4: Bv = P1 + Q_1*domain + Σ H_i*msg_i;  T2 = Bv*c + D*r3^ + Σ H_j*m^_j  (one MSM)
    t2 = g1_msm(
        [_p1(), q_1, *(h[i] for i in disclosed_indexes), proof.d, *(h[j] for j in undisclosed)],
        [c, domain * c, *(m * c for m in disclosed_messages), proof.r3_hat, *proof.commitments],
    )
    return ProofInitResult(proof.abar, proof.bbar, proof.d, t1, t2, domain)


def proof_challenge_calculate(
    init_res: ProofInitResult,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    ph: bytes,
    api_id: bytes,
    *,
    extra_points: Sequence[G1Point] = (),
    trailer: bytes = b"",
) -> int:
    """§3.7.4 ProofChallengeCalculate.

    ``extra_points`` (inserted between T2 and domain) and ``trailer`` (appended after the presentation header)
    are the extension points of draft-irtf-cfrg-bbs-per-verifier-linkability-02 §6.1 (pseudonym and Ut, and
    I2OSP(len(context_id), 8) || context_id); the plain Interface leaves them empty.
    """
    big_r = len(disclosed_indexes)
    if len(disclosed_messages) != big_r:  # deserialization step 3
        raise InvalidProof("number of disclosed messages and indexes differ")
    # step 1: c_arr = (R, i1, msg_i1, ..., iR, msg_iR, Abar, Bbar, D, T1, T2, domain)
    c_octs = i2osp(big_r, 8)
    for i, m in zip(disclosed_indexes, disclosed_messages, strict=True):
        c_octs += i2osp(i, 8) + scalar_to_bytes(m)
    for p in (init_res.abar, init_res.bbar, init_res.d, init_res.t1, init_res.t2, *extra_points):
        c_octs += g1_to_bytes(p)
    c_octs += scalar_to_bytes(init_res.domain)
    # step 2: c_octs = serialize(c_arr) || I2OSP(length(ph), 8) || ph
    c_octs += i2osp(len(ph), 8) + bytes(ph) + trailer
    return hash_to_scalar(c_octs, api_id + b"H2S_")  # step 3


def _split_messages(
    messages: Sequence[int], disclosed_indexes: Sequence[int]
) -> tuple[list[int], list[int], list[int]]:
    """CoreProofGen deserialization steps 4-13: (undisclosed_indexes, disclosed, undisclosed messages)."""
    big_l = len(messages)
    if len(disclosed_indexes) > big_l:  # step 6
        raise InvalidProof("more disclosed indexes than messages")
    undisclosed_indexes = _undisclosed(disclosed_indexes, big_l)  # steps 8-9
    return (
        undisclosed_indexes,
        [messages[i] for i in disclosed_indexes],
        [messages[j] for j in undisclosed_indexes],
    )


def core_proof_gen(
    pk: bytes,
    signature: bytes,
    generators: Sequence[G1Point],
    header: bytes,
    ph: bytes,
    messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
    *,
    calculate_random_scalars: RandomScalars = calculate_random_scalars,
) -> bytes:
    """§3.6.3 CoreProofGen."""
    a, e = octets_to_signature(signature)  # deserialization steps 1-3
    undisclosed_indexes, disclosed_msgs, undisclosed_msgs = _split_messages(messages, disclosed_indexes)
    random_scalars = list(calculate_random_scalars(5 + len(undisclosed_indexes)))  # procedure step 1
    init_res = proof_init(
        pk, (a, e), generators, random_scalars, header, messages, undisclosed_indexes, api_id
    )  # step 2
    challenge = proof_challenge_calculate(init_res, disclosed_msgs, disclosed_indexes, ph, api_id)  # step 4
    return proof_finalize(init_res, challenge, e, random_scalars, undisclosed_msgs)  # step 6


def core_proof_verify_prepare(
    pk: bytes,
    proof: bytes,
    generators: Sequence[G1Point],
    header: bytes,
    ph: bytes,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
) -> tuple[G1Point, G1Point]:
    """§3.6.4 CoreProofVerify up to and including the challenge check (step 5); returns (Abar, Bbar) for the
    pairing check of step 6 (alone, or batched by :func:`find_invalid_in_batch`)."""
    proof_result = octets_to_proof(proof)  # deserialization steps 1-3
    octets_to_pubkey(pk)  # steps 4-5
    init_res = proof_verify_init(
        pk, proof_result, generators, header, disclosed_messages, disclosed_indexes, api_id
    )  # procedure step 1
    challenge = proof_challenge_calculate(init_res, disclosed_messages, disclosed_indexes, ph, api_id)  # step 3
    if challenge != proof_result.challenge:  # step 5
        raise InvalidProof("BBS proof challenge does not match")
    return proof_result.abar, proof_result.bbar


def core_proof_verify(
    pk: bytes,
    proof: bytes,
    generators: Sequence[G1Point],
    header: bytes,
    ph: bytes,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
) -> None:
    """§3.6.4 CoreProofVerify; raises DecodingError or InvalidProof."""
    abar, bbar = core_proof_verify_prepare(
        pk, proof, generators, header, ph, disclosed_messages, disclosed_indexes, api_id
    )
    w = _pubkey_prepared(pk)
    # step 6: h(Abar, W) * h(Bbar, -BP2) == Identity_GT
    if not pairing_check([(abar, w), (bbar, _NEG_BP2_PREPARED)]):
        raise InvalidProof("BBS proof pairing check fails")


# ==============================================================================================================
# §3.4 Interface (api_id = ciphersuite_id || "H2G_HM2S_")


def sign(sk: bytes, pk: bytes, header: bytes, messages: Sequence[bytes]) -> bytes:
    """§3.4.1 Sign."""
    message_scalars = messages_to_scalars(messages, API_ID)  # step 1
    generators = create_generators(len(messages) + 1, API_ID)  # step 2
    return core_sign(sk, pk, generators, header, message_scalars, API_ID)  # step 3


def verify(pk: bytes, signature: bytes, header: bytes, messages: Sequence[bytes]) -> None:
    """§3.4.2 Verify; raises DecodingError or InvalidSignature."""
    message_scalars = messages_to_scalars(messages, API_ID)
    generators = create_generators(len(messages) + 1, API_ID)
    core_verify(pk, signature, generators, header, message_scalars, API_ID)


def _proof_gen(
    pk: bytes,
    signature: bytes,
    header: bytes,
    ph: bytes,
    messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
    *,
    calculate_random_scalars: RandomScalars,
) -> bytes:
    message_scalars = messages_to_scalars(messages, API_ID)  # step 1
    generators = create_generators(len(messages) + 1, API_ID)  # step 2
    return core_proof_gen(
        pk,
        signature,
        generators,
        header,
        ph,
        message_scalars,
        disclosed_indexes,
        API_ID,
        calculate_random_scalars=calculate_random_scalars,
    )


def proof_gen(
    pk: bytes,
    signature: bytes,
    header: bytes,
    ph: bytes,
    messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
) -> bytes:
    """§3.4.3 ProofGen (random scalars from :mod:`secrets`)."""
    return _proof_gen(
        pk, signature, header, ph, messages, disclosed_indexes, calculate_random_scalars=calculate_random_scalars
    )


def _proof_generators(proof: bytes, disclosed_indexes: Sequence[int]) -> tuple[G1Point, ...]:
    """§3.4.4 deserialization steps 1-4 and procedure step 2: create_generators(U + R + 1)."""
    if len(proof) < _PROOF_LEN_FLOOR:
        raise DecodingError("proof shorter than 3*48 + 4*32 bytes")
    u = (len(proof) - _PROOF_LEN_FLOOR) // OCTET_SCALAR_LENGTH
    return create_generators(u + len(disclosed_indexes) + 1, API_ID)


def proof_verify(
    pk: bytes,
    proof: bytes,
    header: bytes,
    ph: bytes,
    disclosed_messages: Sequence[bytes],
    disclosed_indexes: Sequence[int],
) -> None:
    """§3.4.4 ProofVerify; raises DecodingError or InvalidProof."""
    generators = _proof_generators(proof, disclosed_indexes)
    message_scalars = messages_to_scalars(disclosed_messages, API_ID)
    core_proof_verify(pk, proof, generators, header, ph, message_scalars, disclosed_indexes, API_ID)


# ==============================================================================================================
# Batch verification (not in the draft): many proofs under ONE public key, one pairing check.
#
# Each proof passes the challenge check on its own; the pairing equations e(Abar_i, W) * e(Bbar_i, -BP2) = 1 are
# combined with secret random 128-bit weights r_i:  e(Σ r_i*Abar_i, W) * e(Σ r_i*Bbar_i, -BP2) = 1.  A batch
# containing any proof whose own equation fails passes with probability at most 2^-128 over the r_i.


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One proof of a batch for :func:`proof_verify_batch` (the other arguments of :func:`proof_verify`)."""

    proof: bytes
    header: bytes
    ph: bytes
    disclosed_messages: tuple[bytes, ...]
    disclosed_indexes: tuple[int, ...]


class BatchVerificationError(InvalidProof):
    """Some proofs of a batch do not verify; ``bad_indexes`` lists their positions in the batch."""

    def __init__(self, bad_indexes: Sequence[int]) -> None:
        self.bad_indexes: tuple[int, ...] = tuple(sorted(bad_indexes))
        super().__init__(f"{len(self.bad_indexes)} proof(s) of the batch do not verify: {list(self.bad_indexes)}")


def _batch_pairing_holds(w: G2Prepared, entries: Sequence[tuple[int, G1Point, G1Point, int]]) -> bool:
    weights = [weight for _, _, _, weight in entries]
    sum_abar = g1_msm([abar for _, abar, _, _ in entries], weights)
    sum_bbar = g1_msm([bbar for _, _, bbar, _ in entries], weights)
    return pairing_check([(sum_abar, w), (sum_bbar, _NEG_BP2_PREPARED)])


def find_invalid_in_batch(pk: bytes, prepared: Sequence[tuple[int, G1Point, G1Point]]) -> list[int]:
    """The ids whose pairing equation e(Abar, W) * e(Bbar, -BP2) = 1 fails, for (id, Abar, Bbar) entries that
    already passed their challenge check. One pairing check when all hold; bisection otherwise."""
    w = _pubkey_prepared(pk)
    entries = [(ident, abar, bbar, secrets.randbits(128) | 1) for ident, abar, bbar in prepared]

    def bisect(part: Sequence[tuple[int, G1Point, G1Point, int]]) -> list[int]:
        if not part or _batch_pairing_holds(w, part):
            return []
        if len(part) == 1:
            return [part[0][0]]
        mid = len(part) // 2
        return bisect(part[:mid]) + bisect(part[mid:])

    return bisect(entries)


def proof_verify_batch(pk: bytes, items: Sequence[BatchItem]) -> None:
    """Verify many Interface proofs under one public key; raises :class:`BatchVerificationError` listing the
    positions of the bad ones (malformed, wrong challenge, or failing the pairing equation)."""
    octets_to_pubkey(pk)  # an invalid key is an error of the whole call, not of the items
    bad: list[int] = []
    prepared: list[tuple[int, G1Point, G1Point]] = []
    for index, item in enumerate(items):
        try:
            generators = _proof_generators(item.proof, item.disclosed_indexes)
            scalars = messages_to_scalars(item.disclosed_messages, API_ID)
            abar, bbar = core_proof_verify_prepare(
                pk, item.proof, generators, item.header, item.ph, scalars, item.disclosed_indexes, API_ID
            )
        except CryptoError:
            bad.append(index)
            continue
        prepared.append((index, abar, bbar))
    bad.extend(find_invalid_in_batch(pk, prepared))
    if bad:
        raise BatchVerificationError(bad)
