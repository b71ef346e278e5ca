"""Ballot-validity proofs: CDS OR-proof of n-th residuosity ("c encrypts one value of a set") and its one-branch
"c encrypts exactly M" variant."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import proofs
from crypto.errors import InvalidKey, InvalidProof
from crypto.paillier import PublicKey, add, encrypt, random_unit
from crypto.proofs import MembershipProof, prove_membership, prove_sum, verify_membership, verify_sum

CTX = b"election-1/contest-3/voter-pseudonym-abc"
ALLOWED = (0, 1, 2)
FIELDS = ("commitments", "challenges", "responses")


def _ballot(pk: PublicKey, index: int, allowed: Sequence[int] = ALLOWED) -> tuple[int, int, MembershipProof]:
    r = random_unit(pk)
    c = encrypt(pk, allowed[index], r)
    return c, r, prove_membership(pk, c, r, index, allowed, CTX)


@pytest.fixture(scope="module")
def honest(paillier_key: PublicKey) -> tuple[int, MembershipProof]:
    c, _, proof = _ballot(paillier_key, 1)
    return c, proof


def _replace_at(values: tuple[int, ...], j: int, value: int) -> tuple[int, ...]:
    return (*values[:j], value, *values[j + 1 :])


# --- completeness --------------------------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(
    allowed=st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=5, unique=True),
    data=st.data(),
)
def test_honest_proofs_verify_for_every_index(paillier_key: PublicKey, allowed: list[int], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(allowed) - 1))
    c, _, proof = _ballot(paillier_key, index, allowed)
    verify_membership(paillier_key, c, allowed, proof, CTX)
    assert len(proof.commitments) == len(proof.challenges) == len(proof.responses) == len(allowed)
    # the fast verification equals the per-branch reference
    args = (paillier_key, c, allowed, proof.commitments, proof.challenges, proof.responses)
    assert proofs._equations_hold_reference(*args)
    assert _fast(*args)


def _fast(
    pk: PublicKey, c: int, allowed: Sequence[int], a: tuple[int, ...], e: tuple[int, ...], z: tuple[int, ...]
) -> bool:
    statement = (c, tuple(allowed), MembershipProof(a, e, z), CTX)
    return proofs._equations_hold("paillier/set-membership", pk, [statement])


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


# --- soundness: mutations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("j", [0, 1, 2])
def test_any_mutated_field_fails(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof], field: str, j: int
) -> None:
    c, proof = honest
    values = getattr(proof, field)
    for mutated_value in (values[j] + 1, values[j] ^ 1 << 5):
        mutated = dataclasses.replace(proof, **{field: _replace_at(values, j, mutated_value)})
        with pytest.raises(InvalidProof):
            verify_membership(paillier_key, c, ALLOWED, mutated, CTX)


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


def test_negated_responses_are_refused_in_any_branches(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof]
) -> None:
    """z_j → n − z_j multiplies z_j^n by −1: the exact branch relation fails, and the per-branch check modulo n
    refuses it every time (it used to pass whenever the branch's batch weight was even; docs/decisions/0005)."""
    c, proof = honest
    n = paillier_key.n
    z = proof.responses
    for flips in ((0,), (1,), (0, 1), (1, 2), (0, 1, 2)):
        mutated = dataclasses.replace(proof, responses=tuple(n - z[j] if j in flips else z[j] for j in range(3)))
        with pytest.raises(InvalidProof, match="equations"):
            verify_membership(paillier_key, c, ALLOWED, mutated, CTX)
        assert not proofs._equations_hold_reference(
            paillier_key, c, ALLOWED, proof.commitments, proof.challenges, mutated.responses
        )


def test_fast_check_equals_reference_on_errors_invisible_modulo_n(
    paillier_key: PublicKey, honest: tuple[int, MembershipProof]
) -> None:
    """Errors δ_j = (1+n)^k pass the per-branch check modulo n; only the batched check modulo n² catches them."""
    c, proof = honest
    n, n2 = paillier_key.n, paillier_key.n2
    for j in range(3):
        for k in (1, 2, n - 1):
            a = _replace_at(proof.commitments, j, proof.commitments[j] * (1 + k * n) % n2)
            args = (paillier_key, c, ALLOWED, a, proof.challenges, proof.responses)
            assert not proofs._equations_hold_reference(*args)
            assert not _fast(*args)
    # two compensating errors (k and −k) cancel in an unweighted product but not with the transcript weights
    a = list(proof.commitments)
    a[0] = a[0] * (1 + n) % n2
    a[1] = a[1] * (1 - n) % n2
    args = (paillier_key, c, ALLOWED, tuple(a), proof.challenges, proof.responses)
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
    n, n2, p = paillier_key.n, paillier_key.n2, safe_primes[0]
    bad = {
        "commitments": (0, n2, n2 + 1, p, -1),
        "challenges": (-1, 1 << 128),
        "responses": (0, n, p, n + 1, -1),
    }
    reasons = {"commitments": "commitment 2", "challenges": "challenge 2", "responses": "response 2"}
    for field, values in bad.items():
        for value in values:
            mutated = dataclasses.replace(proof, **{field: _replace_at(getattr(proof, field), 2, value)})
            with pytest.raises(InvalidProof, match=reasons[field]):
                verify_membership(paillier_key, c, ALLOWED, mutated, CTX)


def test_invalid_ciphertext_rejected(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    _, proof = honest
    for c in (0, paillier_key.n, paillier_key.n2):
        with pytest.raises(InvalidProof, match="ciphertext"):
            verify_membership(paillier_key, c, ALLOWED, proof, CTX)


# --- soundness: binding --------------------------------------------------------------------------------------------


def test_proof_not_bound_to_other_ballot(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    """A valid proof copied onto another ciphertext (even of the same value) is rejected."""
    _, proof = honest
    other = encrypt(paillier_key, 1, random_unit(paillier_key))
    with pytest.raises(InvalidProof):
        verify_membership(paillier_key, other, ALLOWED, proof, CTX)


def test_proof_not_bound_to_other_election(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    c, proof = honest
    for context in (b"election-2/contest-3/voter-pseudonym-abc", b"", CTX + b"\x00"):
        with pytest.raises(InvalidProof, match="Fiat"):
            verify_membership(paillier_key, c, ALLOWED, proof, context)


def test_proof_not_bound_to_other_allowed_set(paillier_key: PublicKey, honest: tuple[int, MembershipProof]) -> None:
    c, proof = honest
    for allowed in ((0, 1, 3), (1, 0, 2), (0, 1, 2, 3)):
        with pytest.raises(InvalidProof):
            verify_membership(paillier_key, c, allowed, proof, CTX)


def test_proof_not_bound_to_other_key(
    paillier_key: PublicKey, other_paillier_key: PublicKey, honest: tuple[int, MembershipProof]
) -> None:
    c, proof = honest
    with pytest.raises(InvalidProof):
        verify_membership(other_paillier_key, c % other_paillier_key.n2, ALLOWED, proof, CTX)


def test_value_outside_the_set_cannot_be_proven(paillier_key: PublicKey) -> None:
    """The prover refuses: for every index, c = Enc(5) is not an encryption of allowed[index]."""
    r = random_unit(paillier_key)
    c = encrypt(paillier_key, 5, r)
    for index in range(3):
        with pytest.raises(ValueError, match="not an encryption"):
            prove_membership(paillier_key, c, r, index, ALLOWED, CTX)


def test_wrong_index_or_randomness_refused(paillier_key: PublicKey) -> None:
    r = random_unit(paillier_key)
    c = encrypt(paillier_key, 1, r)
    with pytest.raises(ValueError, match="not an encryption"):
        prove_membership(paillier_key, c, r, 0, ALLOWED, CTX)
    with pytest.raises(ValueError, match="not an encryption"):
        prove_membership(paillier_key, c, random_unit(paillier_key), 1, ALLOWED, CTX)
    for index in (-1, 3):
        with pytest.raises(ValueError, match="index"):
            prove_membership(paillier_key, c, r, index, ALLOWED, CTX)
    for bad_r in (0, paillier_key.n):
        with pytest.raises(ValueError, match="Z\\*_n"):
            prove_membership(paillier_key, c, bad_r, 1, ALLOWED, CTX)


def test_forged_simulation_of_every_branch_fails(paillier_key: PublicKey) -> None:
    """Simulating every branch (what a cheater with c = Enc(5) can do) cannot meet the Fiat–Shamir challenge."""
    n, n2 = paillier_key.n, paillier_key.n2
    c = encrypt(paillier_key, 5, random_unit(paillier_key))
    a, e, z = [], [], []
    for m in ALLOWED:
        e_j = 12345 + m
        z_j = random_unit(paillier_key)
        u = c * pow(1 + n, -m, n2) % n2
        a.append(pow(z_j, n, n2) * pow(u, -e_j, n2) % n2)
        e.append(e_j)
        z.append(z_j)
    forged = MembershipProof(tuple(a), tuple(e), tuple(z))
    assert proofs._equations_hold_reference(
        paillier_key, c, ALLOWED, forged.commitments, forged.challenges, forged.responses
    )
    with pytest.raises(InvalidProof, match="Fiat"):
        verify_membership(paillier_key, c, ALLOWED, forged, CTX)


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
    c = encrypt(pk, 1, 74384)
    with pytest.raises(InvalidKey):
        prove_membership(pk, c, 74384, 1, ALLOWED, CTX)
    with pytest.raises(InvalidKey):
        verify_membership(pk, c, ALLOWED, MembershipProof((1, 1, 1), (0, 0, 0), (1, 1, 1)), CTX)


# --- "c encrypts exactly M" ---------------------------------------------------------------------------------------


def test_sum_proof_for_homomorphic_total(paillier_key: PublicKey) -> None:
    marks = [3, 0, 2, 5]
    rs = [random_unit(paillier_key) for _ in marks]
    total = add(paillier_key, *(encrypt(paillier_key, m, r) for m, r in zip(marks, rs, strict=True)))
    r_total = 1
    for r in rs:
        r_total = r_total * r % paillier_key.n
    proof = prove_sum(paillier_key, total, r_total, sum(marks), CTX)
    assert len(proof.responses) == 1
    verify_sum(paillier_key, total, sum(marks), proof, CTX)
    with pytest.raises(InvalidProof):
        verify_sum(paillier_key, total, sum(marks) + 1, proof, CTX)
    with pytest.raises(InvalidProof):
        verify_sum(paillier_key, total, sum(marks), proof, b"other election")
    with pytest.raises(ValueError, match="not an encryption"):
        prove_sum(paillier_key, total, r_total, sum(marks) - 1, CTX)


def test_sum_proof_is_domain_separated_from_membership(paillier_key: PublicKey) -> None:
    r = random_unit(paillier_key)
    c = encrypt(paillier_key, 4, r)
    sum_proof = prove_sum(paillier_key, c, r, 4, CTX)
    with pytest.raises(InvalidProof, match="Fiat"):
        verify_membership(paillier_key, c, (4,), sum_proof, CTX)
    membership = prove_membership(paillier_key, c, r, 0, (4,), CTX)
    with pytest.raises(InvalidProof, match="Fiat"):
        verify_sum(paillier_key, c, 4, membership, CTX)


@pytest.mark.parametrize("field", FIELDS)
def test_sum_proof_mutations_fail(paillier_key: PublicKey, field: str) -> None:
    r = random_unit(paillier_key)
    c = encrypt(paillier_key, 9, r)
    proof = prove_sum(paillier_key, c, r, 9, CTX)
    mutated = dataclasses.replace(proof, **{field: (getattr(proof, field)[0] + 1,)})
    with pytest.raises(InvalidProof):
        verify_sum(paillier_key, c, 9, mutated, CTX)


def test_precomputed_randomness_gives_valid_proofs(paillier_key: PublicKey) -> None:
    """The client path: r^n and every branch's n-th power computed before the choice is known."""
    from crypto.paillier import encrypt_precomputed, precompute_nth_power

    for index in range(len(ALLOWED)):
        enc = precompute_nth_power(paillier_key)
        nonces = [precompute_nth_power(paillier_key) for _ in ALLOWED]
        c = encrypt_precomputed(paillier_key, ALLOWED[index], enc)
        assert c == encrypt(paillier_key, ALLOWED[index], enc.root)
        proof = prove_membership(paillier_key, c, enc.root, index, ALLOWED, CTX, r_n=enc.power, nonces=nonces)
        verify_membership(paillier_key, c, ALLOWED, proof, CTX)


def test_precomputed_inputs_checked(paillier_key: PublicKey) -> None:
    from crypto.paillier import encrypt_precomputed, precompute_nth_power

    enc = precompute_nth_power(paillier_key)
    c = encrypt_precomputed(paillier_key, ALLOWED[0], enc)
    nonces = [precompute_nth_power(paillier_key) for _ in ALLOWED]
    with pytest.raises(ValueError, match="r_n"):
        prove_membership(paillier_key, c, enc.root, 0, ALLOWED, CTX, r_n=enc.power + 1, nonces=nonces)
    with pytest.raises(ValueError, match="n-th powers"):
        prove_membership(paillier_key, c, enc.root, 0, ALLOWED, CTX, r_n=enc.power, nonces=nonces[:-1])


def test_batch_of_honest_proofs_passes(paillier_key: PublicKey) -> None:
    from crypto.proofs import MembershipStatement, verify_membership_batch

    items = []
    for index in (0, 1, 2, 1):
        c, _, proof = _ballot(paillier_key, index)
        items.append(MembershipStatement(c, ALLOWED, proof, CTX))
    assert verify_membership_batch(paillier_key, items) == []
    assert verify_membership_batch(paillier_key, []) == []


def test_batch_finds_the_bad_proofs(paillier_key: PublicKey) -> None:
    """One error visible only modulo n² (caught by the combined check, then found one by one), one malformed proof,
    one proof for another context: exactly those are reported."""
    from crypto.proofs import MembershipStatement, verify_membership_batch

    n, n2 = paillier_key.n, paillier_key.n2
    items = []
    for index in (0, 1, 2, 0, 1):
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
    assert verify_membership_batch(paillier_key, items) == [1, 3, 4]
    for i, item in enumerate(items):  # the same verdict as one by one
        ok = True
        try:
            verify_membership(paillier_key, item.ciphertext, item.allowed, item.proof, item.context)
        except (InvalidProof, ValueError):
            ok = False
        assert ok == (i not in (1, 3, 4))
