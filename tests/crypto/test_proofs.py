"""Ballot-validity proofs, v2 (ADR 0011): the CDS OR-proof "c = (1+n)^{m_j}·H^r for one m_j of the set" with integer
responses, and its one-branch "c encrypts exactly M" variant (witness Σ r_j for a homomorphic sum)."""

from __future__ import annotations

import dataclasses
import random
import secrets
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import proofs
from crypto.errors import DecodingError, InvalidKey, InvalidProof
from crypto.paillier import PublicKey, add, encrypt, key_base, random_exponent, randomness_bits
from crypto.proofs import (
    CHALLENGE_BITS,
    SLACK_BITS,
    SUM_TERMS_BITS,
    MembershipProof,
    MembershipStatement,
    prove_membership,
    prove_sum,
    response_bits,
    verify_membership,
    verify_membership_batch,
    verify_sum,
)

CTX = b"election-1/contest-3/voter-pseudonym-abc"
ALLOWED = (0, 1, 2)
FIELDS = ("commitments", "challenges", "responses")


def _ballot(pk: PublicKey, index: int, allowed: Sequence[int] = ALLOWED) -> tuple[int, int, MembershipProof]:
    r = random_exponent(pk)
    c = encrypt(pk, allowed[index], r)
    return c, r, prove_membership(pk, c, r, index, allowed, CTX)


@pytest.fixture(scope="module")
def honest(paillier_key: PublicKey) -> tuple[int, MembershipProof]:
    c, _, proof = _ballot(paillier_key, 1)
    return c, proof


def _replace_at(values: tuple[int, ...], j: int, value: int) -> tuple[int, ...]:
    return (*values[:j], value, *values[j + 1 :])


def _fast(
    pk: PublicKey, c: int, allowed: Sequence[int], a: tuple[int, ...], e: tuple[int, ...], z: tuple[int, ...]
) -> bool:
    statement = (c, tuple(allowed), MembershipProof(a, e, z), CTX)
    return proofs._equations_hold(proofs._MEMBERSHIP_DOMAIN, pk, [statement])


def _encrypt_any_exponent(pk: PublicKey, m: int, r: int) -> int:
    """(1+n)^m·H^r for any r >= 0 (``encrypt`` only takes r < 2^ℓ_r): a sum's ciphertext with witness r."""
    return (1 + m * pk.n) * key_base(pk.n).pow_n2(r) % pk.n2


# --- parameters ----------------------------------------------------------------------------------------------------


def test_response_bits_is_the_adr_bound(paillier_key: PublicKey) -> None:
    """Z = ℓ_r + 16 + k + s + 1, and the tables cover H^z for every z in range."""
    assert (CHALLENGE_BITS, SLACK_BITS, SUM_TERMS_BITS) == (128, 128, 16)
    assert response_bits(paillier_key) == randomness_bits(paillier_key) + 16 + 128 + 128 + 1
    assert response_bits(PublicKey((1 << 3071) + 1)) == 1536 + 273


# --- completeness --------------------------------------------------------------------------------------------------


@settings(max_examples=12)
@given(
    allowed=st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=5, unique=True),
    data=st.data(),
)
def test_honest_proofs_verify_for_every_index(paillier_key: PublicKey, allowed: list[int], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(allowed) - 1))
    c, _, proof = _ballot(paillier_key, index, allowed)
    verify_membership(paillier_key, c, allowed, proof, CTX)
    assert len(proof.commitments) == len(proof.challenges) == len(proof.responses) == len(allowed)
    assert all(0 <= z < 1 << response_bits(paillier_key) for z in proof.responses)
    # the fast verification equals the per-branch reference
    args = (paillier_key, c, allowed, proof.commitments, proof.challenges, proof.responses)
    assert proofs._equations_hold_reference(*args)
    assert _fast(*args)


def test_each_index_of_a_3_value_set(paillier_key: PublicKey) -> None:
    for index in range(3):
        c, _, proof = _ballot(paillier_key, index)
        verify_membership(paillier_key, c, ALLOWED, proof, CTX)


def test_large_allowed_values(paillier_key: PublicKey) -> None:
    """Base-M packing uses large set elements {M^0, …, M^{L−1}}; values close to n work as well."""
    allowed = (1, 1000, 1000**2, paillier_key.n - 1)
    for index in range(len(allowed)):
        c, _, proof = _ballot(paillier_key, index, allowed)
        verify_membership(paillier_key, c, allowed, proof, CTX)


def test_extreme_encryption_exponents(paillier_key: PublicKey) -> None:
    """r = 0 (c = 1 + m·n) and r = 2^ℓ_r − 1 are valid witnesses."""
    for r in (0, 1, (1 << randomness_bits(paillier_key)) - 1):
        c = encrypt(paillier_key, 2, r)
        verify_membership(paillier_key, c, ALLOWED, prove_membership(paillier_key, c, r, 2, ALLOWED, CTX), CTX)


def test_h_r_from_the_encryption_gives_the_same_valid_proofs(paillier_key: PublicKey) -> None:
    """The client path: H^r is known from the encryption and passed in; the proof verifies."""
    pk = paillier_key
    for index in range(len(ALLOWED)):
        r = random_exponent(pk)
        c = encrypt(pk, ALLOWED[index], r)
        h_r = key_base(pk.n).pow_n2(r)
        proof = prove_membership(pk, c, r, index, ALLOWED, CTX, h_r=h_r)
        verify_membership(pk, c, ALLOWED, proof, CTX)
        sum_proof = prove_sum(pk, c, r, ALLOWED[index], CTX, h_r=h_r)
        verify_sum(pk, c, ALLOWED[index], sum_proof, CTX)


def test_wrong_h_r_refused(paillier_key: PublicKey) -> None:
    pk = paillier_key
    r = random_exponent(pk)
    c = encrypt(pk, 1, r)
    h_r = key_base(pk.n).pow_n2(r)
    for bad in (h_r + 1, h_r * 2 % pk.n2, 0, pk.n2, -h_r, key_base(pk.n).pow_n2(r + 1)):
        with pytest.raises(ValueError, match="h_r"):
            prove_membership(pk, c, r, 1, ALLOWED, CTX, h_r=bad)
        with pytest.raises(ValueError, match="h_r"):
            prove_sum(pk, c, r, 1, CTX, h_r=bad)
    # right modulo n, wrong modulo n²: the cheap guard passes, the statement check refuses
    wrong_class = h_r * (1 + pk.n) % pk.n2
    with pytest.raises(ValueError, match="not an encryption"):
        prove_membership(pk, c, r, 1, ALLOWED, CTX, h_r=wrong_class)


# --- soundness: mutations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("j", [0, 1, 2])
def test_any_mutated_field_fails(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof], field: str, j: int
) -> None:
    c, proof = honest
    values = getattr(proof, field)
    for mutated_value in (values[j] + 1, values[j] ^ 1 << 5, values[j] - 1):
        mutated = dataclasses.replace(proof, **{field: _replace_at(values, j, mutated_value)})
        with pytest.raises(InvalidProof):
            verify_membership(paillier_key, c, ALLOWED, mutated, CTX)


_MUTABLE = ("commitments", "challenges", "responses", "ciphertext", "allowed", "context")


@settings(max_examples=60)
@given(
    field=st.sampled_from(_MUTABLE),
    j=st.integers(min_value=0, max_value=2),
    delta=st.integers(min_value=1, max_value=2**64) | st.integers(min_value=-(2**64), max_value=-1),
    bit=st.integers(min_value=0, max_value=1100),
    use_xor=st.booleans(),
)
def test_mutating_any_one_field_fails(
    paillier_key: PublicKey,
    honest: tuple[int, MembershipProof],
    field: str,
    j: int,
    delta: int,
    bit: int,
    use_xor: bool,
) -> None:
    """Change one field of an honest (c, allowed, proof, context) by a non-zero amount: verification fails."""
    pk = paillier_key
    c, proof = honest
    allowed: tuple[int, ...] = ALLOWED
    context = CTX

    def tweak(x: int) -> int:
        return x ^ (1 << bit) if use_xor else x + delta

    if field in FIELDS:
        values = getattr(proof, field)
        proof = dataclasses.replace(proof, **{field: _replace_at(values, j, tweak(values[j]))})
    elif field == "ciphertext":
        c = tweak(c)
    elif field == "allowed":
        new = tweak(allowed[j]) % pk.n
        if new in allowed:  # keep the set a set: move the value outside it
            new = 3 + (new % 1000)
        allowed = _replace_at(allowed, j, new)
    else:
        raw = bytearray(context)
        if use_xor:
            raw[bit % len(raw)] ^= 1 << (bit % 8)
        else:
            raw += delta.to_bytes(9, "big", signed=True)
        context = bytes(raw)
    with pytest.raises(InvalidProof):
        verify_membership(pk, c, allowed, proof, context)
    assert verify_membership_batch(pk, [MembershipStatement(c, allowed, proof, context)]) == [0]


@pytest.mark.parametrize(("j", "k"), [(0, 1), (1, 2), (0, 2)])
def test_rebalanced_challenges_fail(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof], j: int, k: int
) -> None:
    """Moving challenge weight between branches keeps Σ e_j but breaks the branch equations."""
    c, proof = honest
    e = list(proof.challenges)
    delta = 1 if e[k] >= 1 else -1
    e[j] = (e[j] + delta) % (1 << 128)
    e[k] = (e[k] - delta) % (1 << 128)
    with pytest.raises(InvalidProof, match="equations"):
        verify_membership(paillier_key, c, ALLOWED, dataclasses.replace(proof, challenges=tuple(e)), CTX)


def test_response_shifted_by_half_the_order_is_refused_in_any_branches(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof], base_order: int
) -> None:
    """z_j → z_j + ord(H)/2 multiplies H^{z_j} by H^{ord/2} = −1 (h is a non-residue modulo p and q): δ_j = −1, a
    false branch relation that an even batch weight cannot see modulo n². The per-branch check modulo n refuses it
    every time (docs/decisions/0005, 0011)."""
    pk = paillier_key
    c, proof = honest
    assert pow(key_base(pk.n).H, base_order // 2, pk.n2) == pk.n2 - 1
    z = proof.responses
    for flips in ((0,), (1,), (0, 1), (1, 2), (0, 1, 2)):
        shifted = tuple(z[j] + base_order // 2 if j in flips else z[j] for j in range(3))
        assert all(0 <= x < 1 << response_bits(pk) for x in shifted)
        mutated = dataclasses.replace(proof, responses=shifted)
        with pytest.raises(InvalidProof, match="equations"):
            verify_membership(pk, c, ALLOWED, mutated, CTX)
        assert not proofs._units_hold(pk, (c, ALLOWED, mutated, CTX))
        assert not proofs._equations_hold_reference(pk, c, ALLOWED, proof.commitments, proof.challenges, shifted)


def test_response_shifted_by_the_order_is_another_valid_response(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof], base_order: int
) -> None:
    """z_j + ord(H) satisfies the same exact relation (responses are not unique; computing ord(H) needs the
    factors): every path accepts it, as the reference does — while it stays below 2^Z."""
    pk = paillier_key
    c, proof = honest
    z = proof.responses
    shifted = dataclasses.replace(proof, responses=_replace_at(z, 0, z[0] + base_order))
    assert proofs._equations_hold_reference(pk, c, ALLOWED, shifted.commitments, shifted.challenges, shifted.responses)
    verify_membership(pk, c, ALLOWED, shifted, CTX)
    assert verify_membership_batch(pk, [MembershipStatement(c, ALLOWED, shifted, CTX)]) == []
    # far enough above: out of range, refused before any equation
    k = ((1 << response_bits(pk)) - z[0]) // base_order + 1
    too_far = dataclasses.replace(proof, responses=_replace_at(z, 0, z[0] + k * base_order))
    assert proofs._equations_hold_reference(pk, c, ALLOWED, too_far.commitments, too_far.challenges, too_far.responses)
    with pytest.raises(InvalidProof, match="response 0 out of range"):
        verify_membership(pk, c, ALLOWED, too_far, CTX)


def test_fast_check_equals_reference_on_errors_invisible_modulo_n(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof]
) -> None:
    """Errors δ_j = (1+n)^k pass the per-branch check modulo n; only the class check modulo n² catches them."""
    c, proof = honest
    n, n2 = paillier_key.n, paillier_key.n2
    for j in range(3):
        for k in (1, 2, n - 1):
            a = _replace_at(proof.commitments, j, proof.commitments[j] * (1 + k * n) % n2)
            args = (paillier_key, c, ALLOWED, a, proof.challenges, proof.responses)
            assert proofs._units_hold(paillier_key, (c, ALLOWED, MembershipProof(*args[3:]), CTX))
            assert not proofs._equations_hold_reference(*args)
            assert not _fast(*args)
    # two compensating errors (k and −k) cancel in an unweighted product but not with the transcript weights
    compensating = list(proof.commitments)
    compensating[0] = compensating[0] * (1 + n) % n2
    compensating[1] = compensating[1] * (1 - n) % n2
    args = (paillier_key, c, ALLOWED, tuple(compensating), proof.challenges, proof.responses)
    assert not proofs._equations_hold_reference(*args)
    assert not _fast(*args)


@pytest.mark.parametrize("field", FIELDS)
def test_wrong_length_tuples_rejected(paillier_key: PublicKey, honest: tuple[int, MembershipProof], field: str) -> None:
    c, proof = honest
    values = getattr(proof, field)
    for bad in (values[:-1], (*values, values[0]), ()):
        with pytest.raises(InvalidProof, match="exactly 3"):
            verify_membership(paillier_key, c, ALLOWED, dataclasses.replace(proof, **{field: bad}), CTX)


def test_out_of_range_entries_rejected(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof], safe_primes: tuple[int, int]
) -> None:
    c, proof = honest
    n2, p = paillier_key.n2, safe_primes[0]
    z_bound = 1 << response_bits(paillier_key)
    bad = {
        "commitments": (0, n2, n2 + 1, p, paillier_key.n, -1),
        "challenges": (-1, 1 << 128, (1 << 128) + 5),
        "responses": (-1, -(z_bound - 1), z_bound, z_bound + 1, z_bound * 2),
    }
    reasons = {"commitments": "commitment 2", "challenges": "challenge 2", "responses": "response 2"}
    for field, values in bad.items():
        for value in values:
            mutated = dataclasses.replace(proof, **{field: _replace_at(getattr(proof, field), 2, value)})
            with pytest.raises(InvalidProof, match=reasons[field]):
                verify_membership(paillier_key, c, ALLOWED, mutated, CTX)


def test_in_range_boundary_responses_reach_the_equations(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof]
) -> None:
    """0 and 2^Z − 1 are in range: they are refused by the equations, not by the range check (control for the
    range test above)."""
    c, proof = honest
    for value in (0, (1 << response_bits(paillier_key)) - 1):
        mutated = dataclasses.replace(proof, responses=_replace_at(proof.responses, 2, value))
        with pytest.raises(InvalidProof, match="equations"):
            verify_membership(paillier_key, c, ALLOWED, mutated, CTX)


def test_non_int_fields_rejected(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    c, proof = honest
    for field, reason in (("commitments", "commitment 0"), ("challenges", "challenge 0"), ("responses", "response 0")):
        for bad in (1.0, "1", None, b"\x01"):
            mutated = dataclasses.replace(proof, **{field: _replace_at(getattr(proof, field), 0, bad)})  # type: ignore[arg-type]
            with pytest.raises(InvalidProof, match=reason):
                verify_membership(paillier_key, c, ALLOWED, mutated, CTX)


def test_invalid_ciphertext_rejected(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof], safe_primes: tuple[int, int]
) -> None:
    _, proof = honest
    for c in (0, -1, paillier_key.n, paillier_key.n2, safe_primes[1]):
        with pytest.raises(InvalidProof, match="ciphertext"):
            verify_membership(paillier_key, c, ALLOWED, proof, CTX)


# --- soundness: binding --------------------------------------------------------------------------------------------


def test_proof_not_bound_to_other_ballot(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    """A valid proof copied onto another ciphertext (even of the same value) is rejected."""
    _, proof = honest
    other = encrypt(paillier_key, 1, random_exponent(paillier_key))
    with pytest.raises(InvalidProof):
        verify_membership(paillier_key, other, ALLOWED, proof, CTX)


def test_proof_not_bound_to_other_election(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    c, proof = honest
    for context in (b"election-2/contest-3/voter-pseudonym-abc", b"", CTX + b"\x00"):
        with pytest.raises(InvalidProof, match="Fiat"):
            verify_membership(paillier_key, c, ALLOWED, proof, context)


def test_proof_not_bound_to_other_allowed_set(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    c, proof = honest
    for allowed in ((0, 1, 3), (1, 0, 2), (0, 1, 2, 3), (0, 1)):
        with pytest.raises(InvalidProof):
            verify_membership(paillier_key, c, allowed, proof, CTX)


def _prove_with_zero_simulated_challenge(pk: PublicKey, c: int, r: int, index: int, zero: int) -> MembershipProof:
    """The CDS prover with the simulated branch ``zero``'s challenge drawn as e_zero = 0 (a legal draw, probability
    2^-k): then a_zero = H^{z_zero} and that branch's equation holds whatever m_zero is."""
    n, n2 = pk.n, pk.n2
    base = key_base(n)
    bits = randomness_bits(pk) + CHALLENGE_BITS + SLACK_BITS
    a, e, z = [0] * 3, [0] * 3, [0] * 3
    for j, m in enumerate(ALLOWED):
        if j != index:
            e[j] = 0 if j == zero else secrets.randbits(CHALLENGE_BITS)
            z[j] = secrets.randbits(bits)
            a[j] = base.pow_n2(z[j]) * pow(c * pow(1 + n, -m, n2) % n2, -e[j], n2) % n2
    rho = secrets.randbits(bits)
    a[index] = base.pow_n2(rho)
    e[index] = (proofs._challenge(proofs._MEMBERSHIP_DOMAIN, pk, c, ALLOWED, a, CTX) - sum(e)) % (1 << CHALLENGE_BITS)
    z[index] = rho + e[index] * r
    return MembershipProof(tuple(a), tuple(e), tuple(z))


def test_challenge_binds_the_allowed_set(paillier_key: PublicKey) -> None:
    """Strong Fiat–Shamir: with e_j = 0 in a simulated branch, every branch equation also holds for an allowed set
    with m_j changed, so only the hash over the allowed set refuses the proof for that other set."""
    pk = paillier_key
    r = random_exponent(pk)
    c = encrypt(pk, 1, r)
    for zero in (0, 2):
        proof = _prove_with_zero_simulated_challenge(pk, c, r, 1, zero)
        verify_membership(pk, c, ALLOWED, proof, CTX)
        other = _replace_at(ALLOWED, zero, 7)
        assert proofs._equations_hold_reference(pk, c, other, proof.commitments, proof.challenges, proof.responses)
        with pytest.raises(InvalidProof, match="Fiat"):
            verify_membership(pk, c, other, proof, CTX)


def test_proof_not_bound_to_other_key(
    paillier_key: PublicKey, other_paillier_key: PublicKey, honest: tuple[int, MembershipProof]
) -> None:
    c, proof = honest
    with pytest.raises(InvalidProof):
        verify_membership(other_paillier_key, c % other_paillier_key.n2, ALLOWED, proof, CTX)


# --- the prover refuses false statements --------------------------------------------------------------------------


def test_value_outside_the_set_cannot_be_proven(paillier_key: PublicKey) -> None:
    """The prover refuses: for every index, c = Enc(5) is not an encryption of allowed[index]."""
    r = random_exponent(paillier_key)
    c = encrypt(paillier_key, 5, r)
    for index in range(3):
        with pytest.raises(ValueError, match="not an encryption"):
            prove_membership(paillier_key, c, r, index, ALLOWED, CTX)


def test_wrong_index_or_randomness_refused(paillier_key: PublicKey) -> None:
    pk = paillier_key
    r = random_exponent(pk)
    c = encrypt(pk, 1, r)
    with pytest.raises(ValueError, match="not an encryption"):
        prove_membership(pk, c, r, 0, ALLOWED, CTX)
    for wrong_r in (r + 1, r ^ 1, random_exponent(pk)):
        with pytest.raises(ValueError, match="not an encryption"):
            prove_membership(pk, c, wrong_r, 1, ALLOWED, CTX)
    for index in (-1, 3):
        with pytest.raises(ValueError, match="index"):
            prove_membership(pk, c, r, index, ALLOWED, CTX)
    for bad_r in (-1, 1 << (randomness_bits(pk) + SUM_TERMS_BITS)):
        with pytest.raises(ValueError, match="randomness r out of range"):
            prove_membership(pk, c, bad_r, 1, ALLOWED, CTX)
    with pytest.raises(ValueError, match="not an encryption"):  # in range for a sum's witness, but not c's
        prove_membership(pk, c, r + (1 << randomness_bits(pk)), 1, ALLOWED, CTX)


def test_prover_refuses_invalid_ciphertext(paillier_key: PublicKey) -> None:
    for c in (0, paillier_key.n, paillier_key.n2):
        with pytest.raises(DecodingError):
            prove_membership(paillier_key, c, 1, 0, ALLOWED, CTX)


def test_forged_simulation_of_every_branch_fails(paillier_key: PublicKey) -> None:
    """Simulating every branch (what a cheater with c = Enc(5) can do) meets every branch equation but cannot meet
    the Fiat–Shamir challenge."""
    pk = paillier_key
    n, n2 = pk.n, pk.n2
    base = key_base(n)
    c = encrypt(pk, 5, random_exponent(pk))
    a, e, z = [], [], []
    for m in ALLOWED:
        e_j = secrets.randbits(CHALLENGE_BITS)
        z_j = secrets.randbits(randomness_bits(pk) + CHALLENGE_BITS + SLACK_BITS)
        u = c * pow(1 + n, -m, n2) % n2
        a.append(base.pow_n2(z_j) * pow(u, -e_j, n2) % n2)
        e.append(e_j)
        z.append(z_j)
    forged = MembershipProof(tuple(a), tuple(e), tuple(z))
    assert proofs._equations_hold_reference(pk, c, ALLOWED, forged.commitments, forged.challenges, forged.responses)
    assert _fast(pk, c, ALLOWED, forged.commitments, forged.challenges, forged.responses)
    with pytest.raises(InvalidProof, match="Fiat"):
        verify_membership(pk, c, ALLOWED, forged, CTX)


# --- statement checks ---------------------------------------------------------------------------------------------


def test_bad_allowed_sets_refused(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    c, proof = honest
    for allowed in ((), (0, 0, 1), (0, 1, paillier_key.n), (-1, 0, 1)):
        with pytest.raises(ValueError):
            verify_membership(paillier_key, c, allowed, proof, CTX)
        with pytest.raises(ValueError):
            prove_membership(paillier_key, c, 1, 0, allowed, CTX)


def test_modulus_too_small_for_challenges_refused() -> None:
    pk = PublicKey(293 * 433)
    r = 300
    assert r < 1 << randomness_bits(pk)
    c = encrypt(pk, 1, r)
    with pytest.raises(InvalidKey):
        prove_membership(pk, c, r, 1, ALLOWED, CTX)
    with pytest.raises(InvalidKey):
        verify_membership(pk, c, ALLOWED, MembershipProof((1, 1, 1), (0, 0, 0), (1, 1, 1)), CTX)
    with pytest.raises(InvalidKey):
        prove_sum(pk, c, r, 1, CTX)


# --- "c encrypts exactly M" ---------------------------------------------------------------------------------------


def test_sum_proof_for_homomorphic_total(paillier_key: PublicKey) -> None:
    """C = ∏ Enc(m_j; r_j) = (1+n)^{Σ m_j}·H^{Σ r_j}: the witness is the integer Σ r_j (longer than ℓ_r)."""
    pk = paillier_key
    marks = [3, 0, 2, 5, 1, 1, 4]
    rs = [random_exponent(pk) for _ in marks]
    total = add(pk, *(encrypt(pk, m, r) for m, r in zip(marks, rs, strict=True)))
    r_total = sum(rs)
    assert r_total.bit_length() > randomness_bits(pk)  # fails with probability about 2^-7
    proof = prove_sum(pk, total, r_total, sum(marks), CTX, terms=len(marks))
    assert len(proof.responses) == 1
    verify_sum(pk, total, sum(marks), proof, CTX)
    with pytest.raises(InvalidProof):
        verify_sum(pk, total, sum(marks) + 1, proof, CTX)
    with pytest.raises(InvalidProof):
        verify_sum(pk, total, sum(marks), proof, b"other election")
    with pytest.raises(InvalidProof):
        verify_sum(pk, add(pk, total, encrypt(pk, 0, 1)), sum(marks), proof, CTX)
    with pytest.raises(ValueError, match="not an encryption"):
        prove_sum(pk, total, r_total, sum(marks) - 1, CTX)
    with pytest.raises(ValueError, match="not an encryption"):  # Σ r_j, not ∏ r_j or the sum mod anything
        prove_sum(pk, total, r_total % (1 << randomness_bits(pk)), sum(marks), CTX)


@settings(max_examples=10)
@given(
    marks=st.lists(st.integers(min_value=0, max_value=2**20), min_size=1, max_size=12),
    seed=st.randoms(use_true_random=False),
)
def test_sum_proofs_of_products_verify(paillier_key: PublicKey, marks: list[int], seed: random.Random) -> None:
    pk = paillier_key
    rs = [seed.getrandbits(randomness_bits(pk)) for _ in marks]
    total = add(pk, *(encrypt(pk, m, r) for m, r in zip(marks, rs, strict=True)))
    proof = prove_sum(pk, total, sum(rs), sum(marks), CTX, terms=len(marks))
    verify_sum(pk, total, sum(marks), proof, CTX)
    with pytest.raises(InvalidProof):
        verify_sum(pk, total, (sum(marks) + 1) % pk.n, proof, CTX)


def test_sum_proof_for_the_largest_witness(paillier_key: PublicKey) -> None:
    """The prover takes witnesses up to 2^{ℓ_r + 16} − 1 (2^16 summed exponents) and their responses stay below
    2^Z, so they verify; one more is refused."""
    pk = paillier_key
    top = randomness_bits(pk) + SUM_TERMS_BITS
    r = (1 << top) - 1
    c = _encrypt_any_exponent(pk, 7, r)
    for _ in range(4):
        proof = prove_sum(pk, c, r, 7, CTX, terms=1 << SUM_TERMS_BITS)
        assert proof.responses[0] < 1 << response_bits(pk)
        verify_sum(pk, c, 7, proof, CTX)
    with pytest.raises(ValueError, match="randomness r out of range"):
        prove_sum(pk, _encrypt_any_exponent(pk, 7, r + 1), r + 1, 7, CTX)


def test_sum_witness_bound_is_public(paillier_key: PublicKey) -> None:
    """The witness bound comes from the number of summed exponents, never from the witness: a sum of two exponents
    is refused as a one-term witness once it exceeds 2^ℓ_r, accepted with terms=2, and a witness below 2^ℓ_r
    proves with either bound; a bound beyond 2^16 terms is refused."""
    pk = paillier_key
    big = (1 << randomness_bits(pk)) + 5
    c = _encrypt_any_exponent(pk, 3, big)
    with pytest.raises(ValueError, match="exceeds the bound"):
        prove_sum(pk, c, big, 3, CTX)
    verify_sum(pk, c, 3, prove_sum(pk, c, big, 3, CTX, terms=2), CTX)
    small = random_exponent(pk)
    c_small = encrypt(pk, 3, small)
    for terms in (1, 2, 10):
        verify_sum(pk, c_small, 3, prove_sum(pk, c_small, small, 3, CTX, terms=terms), CTX)
    for terms in (0, (1 << SUM_TERMS_BITS) + 1):
        with pytest.raises(ValueError, match="witness sums"):
            prove_sum(pk, c_small, small, 3, CTX, terms=terms)


def test_sum_proof_is_domain_separated_from_membership(paillier_key: PublicKey) -> None:
    r = random_exponent(paillier_key)
    c = encrypt(paillier_key, 4, r)
    sum_proof = prove_sum(paillier_key, c, r, 4, CTX)
    verify_sum(paillier_key, c, 4, sum_proof, CTX)
    with pytest.raises(InvalidProof, match="Fiat"):
        verify_membership(paillier_key, c, (4,), sum_proof, CTX)
    membership = prove_membership(paillier_key, c, r, 0, (4,), CTX)
    verify_membership(paillier_key, c, (4,), membership, CTX)
    with pytest.raises(InvalidProof, match="Fiat"):
        verify_sum(paillier_key, c, 4, membership, CTX)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("delta", [1, -1, 1 << 40])
def test_sum_proof_mutations_fail(paillier_key: PublicKey, field: str, delta: int) -> None:
    r = random_exponent(paillier_key)
    c = encrypt(paillier_key, 9, r)
    proof = prove_sum(paillier_key, c, r, 9, CTX)
    verify_sum(paillier_key, c, 9, proof, CTX)
    mutated = dataclasses.replace(proof, **{field: (getattr(proof, field)[0] + delta,)})
    with pytest.raises(InvalidProof):
        verify_sum(paillier_key, c, 9, mutated, CTX)


def test_sum_proof_wrong_length_rejected(paillier_key: PublicKey) -> None:
    r = random_exponent(paillier_key)
    c = encrypt(paillier_key, 9, r)
    proof = prove_sum(paillier_key, c, r, 9, CTX)
    for field in FIELDS:
        for bad in ((), getattr(proof, field) * 2):
            with pytest.raises(InvalidProof, match="exactly 1"):
                verify_sum(paillier_key, c, 9, dataclasses.replace(proof, **{field: bad}), CTX)


# --- batches -------------------------------------------------------------------------------------------------------


def test_batch_of_honest_proofs_passes(paillier_key: PublicKey) -> None:
    items = []
    for index in (0, 1, 2, 1):
        c, _, proof = _ballot(paillier_key, index)
        items.append(MembershipStatement(c, ALLOWED, proof, CTX))
    assert verify_membership_batch(paillier_key, items) == []
    assert verify_membership_batch(paillier_key, []) == []


def test_batch_finds_the_bad_proofs(paillier_key: PublicKey) -> None:
    """One error visible only modulo n² (caught by the combined check, then found one by one), one malformed proof,
    one proof for another context, one bad allowed set: exactly those are reported, as one by one."""
    n, n2 = paillier_key.n, paillier_key.n2
    items = []
    for index in (0, 1, 2, 0, 1, 2):
        c, _, proof = _ballot(paillier_key, index)
        items.append(MembershipStatement(c, ALLOWED, proof, CTX))
    hidden = items[1].proof
    items[1] = dataclasses.replace(
        items[1],
        proof=dataclasses.replace(
            hidden, commitments=_replace_at(hidden.commitments, 0, hidden.commitments[0] * (1 + n) % n2)
        ),
    )
    items[3] = dataclasses.replace(
        items[3], proof=dataclasses.replace(items[3].proof, responses=items[3].proof.responses[:2])
    )
    items[4] = dataclasses.replace(items[4], context=b"another election")
    items[5] = dataclasses.replace(items[5], allowed=(0, 0, 2))
    assert verify_membership_batch(paillier_key, items) == [1, 3, 4, 5]
    for i, item in enumerate(items):  # the same verdict as one by one
        ok = True
        try:
            verify_membership(paillier_key, item.ciphertext, item.allowed, item.proof, item.context)
        except (InvalidProof, ValueError):
            ok = False
        assert ok == (i not in (1, 3, 4, 5))
