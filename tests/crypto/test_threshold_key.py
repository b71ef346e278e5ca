"""The published key and its checks (crypto.threshold.verify_public_key), the dealer and the ceremony producing the
same format, and the ceremony's second half (crypto.threshold_session.KeySession): honest runs, every t-subset
decrypts, t−1 cannot, and every altered value or message is refused."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import InvalidKey, InvalidProof, InvalidShareProof, NotEnoughShares
from crypto.paillier import add, encrypt, random_exponent
from crypto.threshold import (
    DecryptionShare,
    EqualityProof,
    KeyShare,
    ModulusProof,
    TestDecryption,
    ThresholdPublicKey,
    ciphertext_of_test_decryption,
    combine,
    deal,
    derive_v,
    lagrange_coefficient,
    make_test_decryption,
    partial_decrypt,
    prove_modulus,
    quorums_of_test_decryption,
    verify_commitments,
    verify_public_key,
    verify_share,
)
from crypto.threshold_session import CeremonyAbort, Incoming, KeyCeremonyResult, KeySession, Outgoing, simulate
from tests.crypto.key_support import blum_modulus, modulus_shares

CTX = b"election-hash-of-test"
BITS = 512

Published = tuple[ThresholdPublicKey, list[KeyShare], ModulusProof, TestDecryption]


@pytest.fixture(scope="module")
def blum_primes() -> tuple[int, int]:
    """p ≡ q ≡ 3 (mod 8), not safe primes (what the distributed generation gives)."""
    return blum_modulus(BITS)


@pytest.fixture(scope="module")
def dealt(blum_primes: tuple[int, int]) -> Published:
    p, q = blum_primes
    pk, shares = deal(p, q, 3, 5)
    return pk, shares, prove_modulus(p, q, CTX), make_test_decryption(shares, CTX)


@pytest.fixture(scope="module")
def ceremony(blum_primes: tuple[int, int]) -> list[KeyCeremonyResult]:
    p, q = blum_primes
    return simulate(modulus_shares(p, q, 5, 3), CTX)


def _key(pk: ThresholdPublicKey, **changes: object) -> ThresholdPublicKey:
    fields = {f: getattr(pk, f) for f in ("n", "threshold", "parties", "theta", "commitments", "verification_keys")}
    fields.update(changes)
    return ThresholdPublicKey(**fields)  # type: ignore[arg-type]


# --- the published key -------------------------------------------------------------------------------------------


def test_dealer_key_from_non_safe_primes_verifies(dealt: Published, blum_primes: tuple[int, int]) -> None:
    pk, shares, proof, test = dealt
    verify_public_key(pk, proof, test, CTX, min_bits=BITS)
    assert pk.v == derive_v(pk.n) and pk.commitments[0] % pk.n == 1
    assert pk.n == blum_primes[0] * blum_primes[1]
    phi = (blum_primes[0] - 1) * (blum_primes[1] - 1)
    # the shared secret f(0) = Δ·d is a multiple of φ(n) with θ = f(0) mod n
    f0 = sum(lagrange_coefficient(pk.delta, s.index, [1, 2, 3]) * s.secret for s in shares[:3])
    assert f0 % pk.delta == 0 and (f0 // pk.delta) % phi == 0 and (f0 // pk.delta) % pk.n == pk.theta


def test_v_is_derived_from_n_only(dealt: Published, blum_primes: tuple[int, int]) -> None:
    pk = dealt[0]
    other, _ = deal(*blum_primes, 3, 5)
    assert other.v == pk.v and other.theta != pk.theta  # same n: same v; a fresh β: another θ


def test_altered_commitment_fails(dealt: Published) -> None:
    pk, _, proof, test = dealt
    c = list(pk.commitments)
    c[1] = c[1] * pk.v % pk.n2
    with pytest.raises(InvalidKey, match="does not match the commitments"):
        verify_public_key(_key(pk, commitments=tuple(c)), proof, test, CTX, min_bits=BITS)


def test_altered_c0_fails(dealt: Published) -> None:
    pk, _, proof, test = dealt
    c = list(pk.commitments)
    c[0] = c[0] * pk.v % pk.n2  # no longer 1 mod n
    with pytest.raises(InvalidKey, match="C_0"):
        verify_public_key(_key(pk, commitments=tuple(c)), proof, test, CTX, min_bits=BITS)


def test_altered_verification_key_fails(dealt: Published) -> None:
    pk, _, proof, test = dealt
    vks = list(pk.verification_keys)
    vks[3] = vks[3] * pk.v % pk.n2
    with pytest.raises(InvalidKey, match="v_4 does not match"):
        verify_public_key(_key(pk, verification_keys=tuple(vks)), proof, test, CTX, min_bits=BITS)


def test_altered_theta_fails_the_test_decryption(dealt: Published) -> None:
    pk, _, proof, test = dealt
    with pytest.raises(InvalidKey, match="test decryption"):  # the shares are bound to θ, and θ decrypts wrongly
        verify_public_key(_key(pk, theta=pk.theta * 2 % pk.n), proof, test, CTX, min_bits=BITS)


@pytest.mark.parametrize("theta", [0, -1, "n", "p"])
def test_theta_out_of_range_fails(dealt: Published, blum_primes: tuple[int, int], theta: object) -> None:
    pk, _, proof, test = dealt
    value = {"n": pk.n, "p": blum_primes[0], -1: pk.n + 1}.get(theta, theta)  # type: ignore[call-overload]
    with pytest.raises(InvalidKey, match="theta"):
        verify_public_key(_key(pk, theta=value), proof, test, CTX, min_bits=BITS)


def test_altered_modulus_proof_field_fails(dealt: Published) -> None:
    pk, _, proof, test = dealt
    bad = dataclasses.replace(proof, sigmas=(proof.sigmas[0] + 1, *proof.sigmas[1:]))
    with pytest.raises(InvalidProof):
        verify_public_key(pk, bad, test, CTX, min_bits=BITS)


def test_proofs_bound_to_context(dealt: Published) -> None:
    pk, _, proof, test = dealt
    with pytest.raises((InvalidKey, InvalidProof)):
        verify_public_key(pk, proof, test, CTX + b"!", min_bits=BITS)


@pytest.mark.parametrize("field", ["value", "e", "z"])
def test_altered_test_decryption_share_fails(dealt: Published, field: str) -> None:
    pk, _, proof, test = dealt
    s = test.shares[2]
    if field == "value":
        bad = dataclasses.replace(s, value=s.value * 4 % pk.n2)
    elif field == "e":
        bad = dataclasses.replace(s, proof=EqualityProof(e=s.proof.e ^ 1, z=s.proof.z))
    else:
        bad = dataclasses.replace(s, proof=EqualityProof(e=s.proof.e, z=s.proof.z + 1))
    altered = TestDecryption((*test.shares[:2], bad, *test.shares[3:]))
    with pytest.raises(InvalidKey, match="trustee 3"):
        verify_public_key(pk, proof, altered, CTX, min_bits=BITS)


def test_test_decryption_shape_is_checked(dealt: Published) -> None:
    pk, _, proof, test = dealt
    with pytest.raises(InvalidKey, match="needs 5 shares"):
        verify_public_key(pk, proof, TestDecryption(test.shares[:4]), CTX, min_bits=BITS)
    swapped = TestDecryption((test.shares[1], test.shares[0], *test.shares[2:]))
    with pytest.raises(InvalidKey, match="share 1 is trustee 2's"):
        verify_public_key(pk, proof, swapped, CTX, min_bits=BITS)


def test_test_decryption_of_another_key_fails(dealt: Published, blum_primes: tuple[int, int]) -> None:
    pk, _, proof, _ = dealt
    _, other_shares = deal(*blum_primes, 3, 5)  # same n, another sharing
    with pytest.raises(InvalidKey):
        verify_public_key(pk, proof, make_test_decryption(other_shares, CTX), CTX, min_bits=BITS)


def test_quorums_differ_and_cover_the_trustees() -> None:
    assert quorums_of_test_decryption(3, 5) == ((1, 2, 3), (3, 4, 5))
    assert quorums_of_test_decryption(2, 2) == ((1, 2),)
    assert quorums_of_test_decryption(1, 3) == ((1,), (3,))


# --- decryption: every t-subset, not t−1 ---------------------------------------------------------------------------


@settings(max_examples=8, deadline=None)
@given(a=st.integers(min_value=0, max_value=2**64), b=st.integers(min_value=0, max_value=2**64))
def test_every_t_subset_decrypts_a_sum(dealt: Published, a: int, b: int) -> None:
    pk, shares, _, _ = dealt
    c = add(pk.paillier, encrypt(pk.paillier, a, random_exponent(pk.paillier)), encrypt(pk.paillier, b, 1))
    ds = [partial_decrypt(s, c, b"tally") for s in shares]
    for d in ds:
        verify_share(pk, c, d, b"tally")
    for subset in itertools.combinations(ds, pk.threshold):
        assert combine(pk, c, list(subset)) == a + b


def test_t_minus_1_shares_cannot_decrypt(dealt: Published) -> None:
    pk, shares, _, _ = dealt
    m = 123456789
    c = encrypt(pk.paillier, m, random_exponent(pk.paillier))
    ds = [partial_decrypt(s, c, b"tally") for s in shares]
    for subset in itertools.combinations(ds, pk.threshold - 1):
        with pytest.raises(NotEnoughShares):
            combine(pk, c, list(subset))
        # interpolating t−1 points as if the polynomial had degree t−2 gives no plaintext
        short = _key(pk, threshold=pk.threshold - 1, commitments=pk.commitments[:-1])
        try:
            got = combine(short, c, list(subset))
        except InvalidShareProof:
            continue
        assert got != m


# --- the ceremony ------------------------------------------------------------------------------------------------


def test_ceremony_outputs_one_verified_key(ceremony: list[KeyCeremonyResult]) -> None:
    pk = ceremony[0].public_key
    assert all(r.public_key == pk for r in ceremony)
    assert all(r.modulus_proof == ceremony[0].modulus_proof for r in ceremony)
    assert [r.share.index for r in ceremony] == [1, 2, 3, 4, 5]
    verify_public_key(pk, ceremony[0].modulus_proof, ceremony[0].test_decryption, CTX, min_bits=BITS)
    verify_commitments(pk)
    m, c, _ = ciphertext_of_test_decryption(pk, CTX)
    assert combine(pk, c, list(ceremony[0].test_decryption.shares[2:])) == m


def test_ceremony_key_every_t_subset_decrypts(ceremony: list[KeyCeremonyResult]) -> None:
    pk = ceremony[0].public_key
    c = encrypt(pk.paillier, 4242, random_exponent(pk.paillier))
    ds = [partial_decrypt(r.share, c, b"tally") for r in ceremony]
    for d in ds:
        verify_share(pk, c, d, b"tally")
    for subset in itertools.combinations(ds, 3):
        assert combine(pk, c, list(subset)) == 4242
    for subset in itertools.combinations(ds, 2):
        with pytest.raises(NotEnoughShares):
            combine(pk, c, list(subset))


def test_ceremony_share_repr_hides_the_secret(ceremony: list[KeyCeremonyResult]) -> None:
    assert str(ceremony[0].share.secret) not in repr(ceremony[0])


Tamper = Callable[[int, int, Outgoing], Outgoing]


def _run(blum_primes: tuple[int, int], tamper: Tamper, drop: tuple[int, int] | None = None) -> None:
    """Drive the five sessions; ``tamper(round, sender, out)`` may change a message, ``drop = (round, sender)``
    removes one trustee's messages of that round."""
    p, q = blum_primes
    sessions = [KeySession(m, CTX) for m in modulus_shares(p, q, 5, 3)]
    outgoing = {s.index: s.start() for s in sessions}
    step = 0
    while outgoing:
        outgoing = {j: tamper(step, j, o) for j, o in outgoing.items() if drop != (step, j)}
        nxt: dict[int, Outgoing] = {}
        for s in sessions:
            inc = Incoming(
                round=next(iter(outgoing.values())).round,
                broadcast={j: o.broadcast for j, o in outgoing.items() if o.broadcast is not None},
                private={j: o.private[s.index] for j, o in outgoing.items() if s.index in o.private},
            )
            out = s.advance(inc)
            if out is not None:
                nxt[s.index] = out
        outgoing, step = nxt, step + 1


def _change_broadcast(round_: int, sender: int, key: str, change: Callable[[object], object]) -> Tamper:
    def tamper(step: int, j: int, out: Outgoing) -> Outgoing:
        if (step, j) != (round_, sender) or out.broadcast is None:
            return out
        obj = json.loads(out.broadcast)
        obj[key] = change(obj[key])
        return dataclasses.replace(out, broadcast=json.dumps(obj, sort_keys=True).encode())

    return tamper


def _bump(value: object) -> object:
    if isinstance(value, list):
        return [_bump(value[0]), *value[1:]]
    assert isinstance(value, str)
    return hex(int(value, 16) + 2)


@pytest.mark.parametrize(
    ("round_", "key"),
    [(0, "P"), (1, "d_masked"), (1, "sigma"), (2, "grsb"), (2, "blum"), (2, "z1"), (2, "commitments"), (3, "blum"),
     (3, "test_value")],
)  # fmt: skip
def test_wrong_broadcast_aborts_the_ceremony(blum_primes: tuple[int, int], round_: int, key: str) -> None:
    with pytest.raises(CeremonyAbort):
        _run(blum_primes, _change_broadcast(round_, 2, key, _bump))


def test_wrong_private_share_names_the_sender(blum_primes: tuple[int, int]) -> None:
    def tamper(step: int, j: int, out: Outgoing) -> Outgoing:
        if (step, j) != (2, 4):
            return out
        private = dict(out.private)
        obj = json.loads(private[1])
        obj["share"] = hex(int(obj["share"], 16) + 1)
        private[1] = json.dumps(obj).encode()
        return dataclasses.replace(out, private=private)

    with pytest.raises(CeremonyAbort, match="trustee 4's share does not match") as e:
        _run(blum_primes, tamper)
    assert e.value.culprit == 4


@pytest.mark.parametrize("round_", [0, 1, 2, 3])
def test_trustee_dropping_out_aborts_cleanly(blum_primes: tuple[int, int], round_: int) -> None:
    with pytest.raises(CeremonyAbort, match="dropped out") as e:
        _run(blum_primes, lambda _s, _j, out: out, drop=(round_, 5))
    assert e.value.culprit == 5


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"P": "0x1"}', b'{"A":"1","B":"1","P":"1","Q":"1"}'])
def test_malformed_first_message_is_refused(blum_primes: tuple[int, int], payload: bytes) -> None:
    def tamper(step: int, j: int, out: Outgoing) -> Outgoing:
        return dataclasses.replace(out, broadcast=payload) if (step, j) == (0, 3) else out

    with pytest.raises(CeremonyAbort) as e:
        _run(blum_primes, tamper)
    assert e.value.culprit == 3


def test_session_refuses_shares_without_the_fixed_residues(blum_primes: tuple[int, int]) -> None:
    p, q = blum_primes
    m = modulus_shares(p, q, 5, 3)[1]
    with pytest.raises(ValueError, match="residues"):
        KeySession(dataclasses.replace(m, p_share=m.p_share + 1), CTX)


def test_result_before_the_end_is_refused(blum_primes: tuple[int, int]) -> None:
    s = KeySession(modulus_shares(*blum_primes, 5, 3)[0], CTX)
    with pytest.raises(RuntimeError):
        s.result()
    s.start()
    with pytest.raises(RuntimeError):
        s.start()
    with pytest.raises(CeremonyAbort, match="expected round"):
        s.advance(Incoming(round="other", broadcast={}, private={}))


@pytest.mark.slow
def test_ceremony_at_full_size() -> None:
    """3072 bits, 5 trustees, t = 3: the joint proofs and the key verify (about 30 s of CPU)."""
    p, q = blum_modulus(3072)
    results = simulate(modulus_shares(p, q, 5, 3), CTX)
    pk = results[0].public_key
    verify_public_key(pk, results[0].modulus_proof, results[0].test_decryption, CTX, min_bits=3072)
    c = encrypt(pk.paillier, 7, random_exponent(pk.paillier))
    ds = [partial_decrypt(r.share, c, b"t") for r in results[1:4]]
    assert combine(pk, c, ds) == 7


def test_decryption_share_type_is_shared(ceremony: list[KeyCeremonyResult]) -> None:
    assert all(isinstance(s, DecryptionShare) for s in ceremony[0].test_decryption.shares)


def test_ceremony_from_the_distributed_modulus() -> None:
    """The whole dealer-free ceremony in one process: crypto.dkg's modulus shares, then the KeySession."""
    from crypto import dkg

    context = bytes(range(32))
    results = simulate(dkg.simulate(5, 3, 1024, context), context)
    pk = results[0].public_key
    verify_public_key(pk, results[0].modulus_proof, results[0].test_decryption, context, min_bits=1024)
    c = encrypt(pk.paillier, 31337, random_exponent(pk.paillier))
    for subset in itertools.combinations(results, 3):
        assert combine(pk, c, [partial_decrypt(r.share, c, b"t") for r in subset]) == 31337
