"""One verdict per proof, whatever the batch (docs/decisions/0005, amended).

A membership proof is valid iff its shape and challenge sum hold and every branch satisfies z_j^n = a_j·u_j^{e_j}
EXACTLY modulo n². The single check (:func:`verify_membership`), the batch (:func:`verify_membership_batch`, used at
intake and by the record verifier in worker-dependent chunks) and the per-branch reference must agree on every
proof, independently of its batch-mates.
"""

from __future__ import annotations

import dataclasses
import random
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import proofs
from crypto.errors import InvalidKey, InvalidProof
from crypto.paillier import PublicKey, encrypt, random_unit
from crypto.proofs import MembershipProof, MembershipStatement, prove_membership, verify_membership
from crypto.proofs import verify_membership_batch as batch

CTX = b"election-1/contest-3/voter-pseudonym-abc"
ALLOWED = (0, 1, 2)
POOL = 6


@pytest.fixture(scope="module")
def witnesses(paillier_key: PublicKey) -> list[tuple[int, int, int]]:
    """(c, r, index) for every index of ALLOWED (and some repeats)."""
    out = []
    for i in range(POOL):
        r = random_unit(paillier_key)
        out.append((encrypt(paillier_key, ALLOWED[i % 3], r), r, i % 3))
    return out


@pytest.fixture(scope="module")
def pool(paillier_key: PublicKey, witnesses: list[tuple[int, int, int]]) -> list[MembershipStatement]:
    """Honest proofs of the witnesses' ciphertexts."""
    return [
        MembershipStatement(c, ALLOWED, prove_membership(paillier_key, c, r, index, ALLOWED, CTX), CTX)
        for c, r, index in witnesses
    ]


def _prove_with_error(pk: PublicKey, c: int, r: int, index: int, bad: int, factor: int) -> MembershipStatement:
    """A cheating prover: the CDS prover with commitment a_bad multiplied by ``factor`` BEFORE hashing, so the
    challenges are consistent and only the branch equations can refuse it (δ_bad = factor^-1)."""
    n, n2 = pk.n, pk.n2
    us = [c * pow(1 + n, -m, n2) % n2 for m in ALLOWED]
    a, e, z = [0] * 3, [0] * 3, [0] * 3
    for j in range(3):
        if j != index:
            e[j], z[j] = secrets.randbits(proofs.CHALLENGE_BITS), random_unit(pk)
            a[j] = pow(z[j], n, n2) * pow(us[j], -e[j], n2) % n2
    rho = random_unit(pk)
    a[index] = pow(rho, n, n2)
    a[bad] = a[bad] * factor % n2
    challenge = proofs._challenge("paillier/set-membership", pk, c, ALLOWED, a, CTX)
    e[index] = (challenge - sum(e)) % (1 << proofs.CHALLENGE_BITS)
    z[index] = rho * pow(r, e[index], n) % n
    return MembershipStatement(c, ALLOWED, MembershipProof(tuple(a), tuple(e), tuple(z)), CTX)


def _single_ok(pk: PublicKey, s: MembershipStatement) -> bool:
    try:
        verify_membership(pk, s.ciphertext, s.allowed, s.proof, s.context)
    except (InvalidProof, InvalidKey, ValueError):
        return False
    return True


def _reference_ok(pk: PublicKey, s: MembershipStatement) -> bool:
    """Ranges and challenge sum, then the exact per-branch equations modulo n² one by one."""
    try:
        values = proofs._check_shape("paillier/set-membership", pk, s.ciphertext, s.allowed, s.proof, s.context)
    except (InvalidProof, InvalidKey, ValueError):
        return False
    p = s.proof
    return proofs._equations_hold_reference(pk, s.ciphertext, values, p.commitments, p.challenges, p.responses)


def _with(s: MembershipStatement, **changes: tuple[int, ...]) -> MembershipStatement:
    return dataclasses.replace(s, proof=dataclasses.replace(s.proof, **changes))


def _at(values: tuple[int, ...], j: int, value: int) -> tuple[int, ...]:
    return (*values[:j], value, *values[j + 1 :])


def _maul(
    pk: PublicKey, s: MembershipStatement, kind: str, j: int, witness: tuple[int, int, int] | None = None
) -> MembershipStatement:
    """The malleations and forgeries the property test mixes in (each keeps every field in range)."""
    n, n2 = pk.n, pk.n2
    if kind in ("consistent_class_error", "consistent_sign_error"):  # a cheating prover, not a malleation
        assert witness is not None and witness[0] == s.ciphertext
        c, r, index = witness
        return _prove_with_error(pk, c, r, index, j, 1 + n if kind == "consistent_class_error" else n2 - 1)
    a, e, z = s.proof.commitments, s.proof.challenges, s.proof.responses
    if kind == "honest":
        return s
    if kind == "response_n_minus_z":  # δ_j = −1: invisible to an even batch weight
        return _with(s, responses=_at(z, j, n - z[j]))
    if kind == "commitment_times_minus_one":  # a_j → −a_j: δ_j = −1 again
        return _with(s, commitments=_at(a, j, n2 - a[j]))
    if kind == "both_negated":  # a_j → −a_j and z_j → n − z_j: δ_j = 1, but a_j is hashed: challenge sum fails
        return _with(s, commitments=_at(a, j, n2 - a[j]), responses=_at(z, j, n - z[j]))
    if kind == "challenges_swapped":  # Σ e_j kept, the branch equations broken
        k = (j + 1) % len(e)
        swapped = list(e)
        swapped[j], swapped[k] = e[k], e[j]
        return _with(s, challenges=tuple(swapped))
    if kind == "class_error":  # δ_j = (1+n): only the check modulo n² sees it
        return _with(s, commitments=_at(a, j, a[j] * (1 + n) % n2))
    if kind == "class_and_sign_error":  # δ_j = −(1+n)
        return _with(s, commitments=_at(a, j, (n2 - a[j]) * (1 + n) % n2))
    if kind == "forged":  # every branch simulated: the challenges cannot sum to the hash
        rng = random.Random(j)
        es, zs, cs = [], [], []
        for m in s.allowed:
            e_j = rng.getrandbits(proofs.CHALLENGE_BITS)
            z_j = rng.randrange(2, n - 1)
            u_j = s.ciphertext * pow(1 + n, -m, n2) % n2
            cs.append(pow(z_j, n, n2) * pow(u_j, -e_j, n2) % n2)
            es.append(e_j)
            zs.append(z_j)
        return _with(s, commitments=tuple(cs), challenges=tuple(es), responses=tuple(zs))
    raise AssertionError(kind)


KINDS = (
    "honest",
    "response_n_minus_z",
    "commitment_times_minus_one",
    "both_negated",
    "challenges_swapped",
    "class_error",
    "class_and_sign_error",
    "forged",
    "consistent_class_error",
    "consistent_sign_error",
)


def test_response_replaced_by_n_minus_z_is_refused_single_and_batched(
    paillier_key: PublicKey, pool: list[MembershipStatement]
) -> None:
    """z_j → n − z_j makes z_j^n·(a_j u_j^{e_j})^{-1} = −1: a false branch relation that one batch weight in two
    cannot see modulo n². It must be refused every time, alone and among any batch-mates."""
    pk = paillier_key
    mauled = [_maul(pk, s, "response_n_minus_z", j) for s in pool for j in range(3)]
    for s in mauled:
        assert not _reference_ok(pk, s)
        with pytest.raises(InvalidProof, match="equations"):
            verify_membership(pk, s.ciphertext, s.allowed, s.proof, s.context)
        assert batch(pk, [s]) == [0]
    # among honest batch-mates, in several positions and compositions
    for i, s in enumerate(mauled):
        mates = pool[: 1 + i % POOL]
        assert batch(pk, [*mates, s]) == [len(mates)]
        assert batch(pk, [s, *mates]) == [0]
    assert batch(pk, mauled) == list(range(len(mauled)))


@settings(max_examples=40, deadline=None)
@given(
    mix=st.lists(
        st.tuples(st.integers(0, POOL - 1), st.sampled_from(KINDS), st.integers(0, 2)), min_size=1, max_size=8
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_batch_verdict_equals_single_and_reference_whatever_the_batch(
    paillier_key: PublicKey,
    pool: list[MembershipStatement],
    witnesses: list[tuple[int, int, int]],
    mix: list[tuple[int, str, int]],
    seed: int,
) -> None:
    """For a random mix of honest, mauled and forged proofs: every item's batch verdict equals its single verdict and
    the per-branch reference verdict, and does not change with the batch's order or composition."""
    pk = paillier_key
    items = [_maul(pk, pool[i], kind, j, witnesses[i]) for i, kind, j in mix]
    expected = [not _reference_ok(pk, s) for s in items]
    assert [not _single_ok(pk, s) for s in items] == expected
    assert batch(pk, items) == [i for i, bad in enumerate(expected) if bad]
    # order
    rng = random.Random(seed)
    order = list(range(len(items)))
    rng.shuffle(order)
    assert batch(pk, [items[i] for i in order]) == [k for k, i in enumerate(order) if expected[i]]
    # composition: any split into two batches, and each item with honest company
    cut = rng.randrange(len(items) + 1)
    first, second = items[:cut], items[cut:]
    assert batch(pk, first) + [cut + k for k in batch(pk, second)] == batch(pk, items)
    for i, s in enumerate(items):
        assert (batch(pk, [pool[i % POOL], s]) == [1]) == expected[i]


def test_every_kind_of_malleation_is_refused_alike(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[tuple[int, int, int]]
) -> None:
    """Every non-honest kind above is invalid, and refused by all three checks."""
    pk = paillier_key
    for kind in KINDS[1:]:
        for j in range(3):
            s = _maul(pk, pool[j], kind, j, witnesses[j])
            assert not _reference_ok(pk, s), kind
            assert not _single_ok(pk, s), kind
            assert batch(pk, [*pool, s]) == [POOL], kind


def test_class_error_with_consistent_challenges_is_refused_single_and_batched(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[tuple[int, int, int]]
) -> None:
    """A prover who multiplies a commitment by (1+n)^k before hashing: every challenge and every branch modulo n
    hold, δ_j = (1+n)^{-k}; only the class check modulo n² refuses it — alone, and in a batch whose combined check
    then fails and is redone proof by proof."""
    pk = paillier_key
    n = pk.n
    for j in range(3):
        for k in (1, 2, n - 1):
            c, r, index = witnesses[j]
            s = _prove_with_error(pk, c, r, index, j, 1 + k * n)
            proofs._check_shape("paillier/set-membership", pk, s.ciphertext, s.allowed, s.proof, s.context)
            assert proofs._units_hold(pk, (s.ciphertext, s.allowed, s.proof, s.context))
            assert not _reference_ok(pk, s)
            with pytest.raises(InvalidProof, match="equations"):
                verify_membership(pk, s.ciphertext, s.allowed, s.proof, s.context)
            assert batch(pk, [*pool[:3], s, *pool[3:]]) == [3]


def test_sign_error_with_consistent_challenges_is_refused_single_and_batched(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[tuple[int, int, int]]
) -> None:
    """A prover who negates a commitment before hashing (δ_j = −1, consistent challenges): the per-branch check
    modulo n refuses it whatever the batch weights."""
    pk = paillier_key
    for j in range(3):
        c, r, index = witnesses[j]
        s = _prove_with_error(pk, c, r, index, (index + j) % 3, pk.n2 - 1)
        proofs._check_shape("paillier/set-membership", pk, s.ciphertext, s.allowed, s.proof, s.context)
        assert not proofs._units_hold(pk, (s.ciphertext, s.allowed, s.proof, s.context))
        with pytest.raises(InvalidProof, match="equations"):
            verify_membership(pk, s.ciphertext, s.allowed, s.proof, s.context)
        for mates in (pool[:1], pool[:2], pool):
            assert batch(pk, [*mates, s]) == [len(mates)]
