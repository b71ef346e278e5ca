"""One verdict per proof, whatever the batch (docs/decisions/0005 as amended, 0011).

A v2 membership proof is valid iff its shape, ranges and challenge sum hold and every branch satisfies
H^{z_j} = a_j·u_j^{e_j} EXACTLY modulo n² (:func:`crypto.proofs._equations_hold_reference`). The single check
(:func:`verify_membership`), the batch (:func:`verify_membership_batch`, used at intake and by the record verifier in
worker-dependent chunks) and the reference must agree on every proof, independently of its batch-mates.

The attack this file is named after: a discrepancy δ_j = −1 (a commitment negated before hashing, or a response
shifted by ord(H)/2) is invisible to the batched class check modulo n² whenever that branch's weight is even; the
exact per-branch check modulo n (:func:`crypto.proofs._units_hold`) refuses it every time.
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
from crypto.paillier import PublicKey, encrypt, key_base, random_exponent, randomness_bits
from crypto.proofs import MembershipProof, MembershipStatement, prove_membership, verify_membership
from crypto.proofs import verify_membership_batch as batch

CTX = b"election-1/contest-3/voter-pseudonym-abc"
ALLOWED = (0, 1, 2)
POOL = 6
DOMAIN = proofs._MEMBERSHIP_DOMAIN
Witness = tuple[int, int, int]  # (c, r, index)


@pytest.fixture(scope="module")
def witnesses(paillier_key: PublicKey) -> list[Witness]:
    """(c, r, index) for every index of ALLOWED (and some repeats)."""
    out = []
    for i in range(POOL):
        r = random_exponent(paillier_key)
        out.append((encrypt(paillier_key, ALLOWED[i % 3], r), r, i % 3))
    return out


@pytest.fixture(scope="module")
def pool(paillier_key: PublicKey, witnesses: list[Witness]) -> list[MembershipStatement]:
    """Honest proofs of the witnesses' ciphertexts."""
    return [
        MembershipStatement(c, ALLOWED, prove_membership(paillier_key, c, r, index, ALLOWED, CTX), CTX)
        for c, r, index in witnesses
    ]


def _prove_with_error(pk: PublicKey, witness: Witness, bad: int, factor: int, shift: int = 0) -> MembershipStatement:
    """A cheating prover: the v2 CDS prover with commitment a_bad multiplied by ``factor`` BEFORE hashing (so the
    challenges are consistent and only the branch equations can refuse it: δ_bad = factor^-1·H^shift) and response
    z_bad shifted by ``shift`` afterwards."""
    c, r, index = witness
    n, n2 = pk.n, pk.n2
    base = key_base(n)
    nonce_bits = randomness_bits(pk) + proofs.CHALLENGE_BITS + proofs.SLACK_BITS
    us = [c * pow(1 + n, -m, n2) % n2 for m in ALLOWED]
    a, e, z = [0] * 3, [0] * 3, [0] * 3
    for j in range(3):
        if j != index:
            e[j], z[j] = secrets.randbits(proofs.CHALLENGE_BITS), secrets.randbits(nonce_bits)
            a[j] = base.pow_n2(z[j]) * pow(us[j], -e[j], n2) % n2
    rho = secrets.randbits(nonce_bits)
    a[index] = base.pow_n2(rho)
    a[bad] = a[bad] * factor % n2
    challenge = proofs._challenge(DOMAIN, pk, c, ALLOWED, a, CTX)
    e[index] = (challenge - sum(e)) % (1 << proofs.CHALLENGE_BITS)
    z[index] = rho + e[index] * r
    z[bad] += shift
    return MembershipStatement(c, ALLOWED, MembershipProof(tuple(a), tuple(e), tuple(z)), CTX)


def _single_ok(pk: PublicKey, s: MembershipStatement) -> bool:
    try:
        verify_membership(pk, s.ciphertext, s.allowed, s.proof, s.context)
    except (InvalidProof, InvalidKey, ValueError):
        return False
    return True


def _reference_ok(pk: PublicKey, s: MembershipStatement) -> bool:
    """Ranges and challenge sum, then the exact per-branch equations modulo n² one by one (plain powmod)."""
    try:
        values = proofs._check_shape(DOMAIN, pk, s.ciphertext, s.allowed, s.proof, s.context)
    except (InvalidProof, InvalidKey, ValueError):
        return False
    p = s.proof
    return proofs._equations_hold_reference(pk, s.ciphertext, values, p.commitments, p.challenges, p.responses)


def _statement(s: MembershipStatement) -> tuple[int, tuple[int, ...], MembershipProof, bytes]:
    return (s.ciphertext, s.allowed, s.proof, s.context)


def _with(s: MembershipStatement, **changes: tuple[int, ...]) -> MembershipStatement:
    return dataclasses.replace(s, proof=dataclasses.replace(s.proof, **changes))


def _at(values: tuple[int, ...], j: int, value: int) -> tuple[int, ...]:
    return (*values[:j], value, *values[j + 1 :])


def _chunked(pk: PublicKey, items: list[MembershipStatement], size: int) -> list[int]:
    """What a verifier with chunks of ``size`` reports."""
    out: list[int] = []
    for start in range(0, len(items), size):
        out += [start + k for k in batch(pk, items[start : start + size])]
    return out


def _maul(
    pk: PublicKey, s: MembershipStatement, kind: str, j: int, witness: Witness, order: int
) -> MembershipStatement:
    """The malleations and forgeries the property test mixes in (each keeps every field in range)."""
    n, n2 = pk.n, pk.n2
    assert witness[0] == s.ciphertext
    consistent = {  # a cheating prover, not a malleation: (factor on a_j before hashing, shift of z_j after)
        "consistent_class_error": (1 + n, 0),
        "consistent_sign_error": (n2 - 1, 0),
        "consistent_sign_and_class_error": (n2 - 1 - n, 0),
        "consistent_half_order_shift": (1, order // 2),
        "consistent_sign_error_undone_by_half_order": (n2 - 1, order // 2),  # δ = (−1)^-1·(−1) = 1: valid
    }
    if kind in consistent:
        factor, shift = consistent[kind]
        return _prove_with_error(pk, witness, j, factor, shift)
    a, e, z = s.proof.commitments, s.proof.challenges, s.proof.responses
    if kind == "honest":
        return s
    if kind == "response_plus_half_order":  # δ_j = H^{ord/2} = −1: invisible to an even batch weight
        return _with(s, responses=_at(z, j, z[j] + order // 2))
    if kind == "response_plus_order":  # δ_j = 1: another valid response (needs the factors to compute)
        return _with(s, responses=_at(z, j, z[j] + order))
    if kind == "response_minus_one":
        return _with(s, responses=_at(z, j, z[j] - 1))
    if kind == "commitment_negated":  # a_j → n² − a_j: δ_j = −1, and a_j is hashed
        return _with(s, commitments=_at(a, j, n2 - a[j]))
    if kind == "both_negated":  # a_j → −a_j and z_j + ord/2: δ_j = 1, but a_j is hashed: challenge sum fails
        return _with(s, commitments=_at(a, j, n2 - a[j]), responses=_at(z, j, z[j] + order // 2))
    if kind == "challenges_swapped":  # Σ e_j kept, the branch equations broken
        k = (j + 1) % len(e)
        swapped = list(e)
        swapped[j], swapped[k] = e[k], e[j]
        return _with(s, challenges=tuple(swapped))
    if kind == "class_error":  # δ_j = (1+n)^-1
        return _with(s, commitments=_at(a, j, a[j] * (1 + n) % n2))
    if kind == "forged":  # every branch simulated: the challenges cannot sum to the hash
        rng = random.Random(j)
        base = key_base(n)
        es, zs, cs = [], [], []
        for m in s.allowed:
            e_j = rng.getrandbits(proofs.CHALLENGE_BITS)
            z_j = rng.getrandbits(randomness_bits(pk) + 256)
            u_j = s.ciphertext * pow(1 + n, -m, n2) % n2
            cs.append(base.pow_n2(z_j) * pow(u_j, -e_j, n2) % n2)
            es.append(e_j)
            zs.append(z_j)
        return _with(s, commitments=tuple(cs), challenges=tuple(es), responses=tuple(zs))
    raise AssertionError(kind)


VALID_KINDS = ("honest", "response_plus_order", "consistent_sign_error_undone_by_half_order")
INVALID_KINDS = (
    "response_plus_half_order",
    "response_minus_one",
    "commitment_negated",
    "both_negated",
    "challenges_swapped",
    "class_error",
    "forged",
    "consistent_class_error",
    "consistent_sign_error",
    "consistent_sign_and_class_error",
    "consistent_half_order_shift",
)
KINDS = VALID_KINDS + INVALID_KINDS


def test_half_order_of_h_is_minus_one(paillier_key: PublicKey, base_order: int) -> None:
    """Why z_j + ord(H)/2 is the sign attack: h = −x² is a non-residue modulo p and q, so H^{ord/2} = −1 mod n²."""
    big_h = key_base(paillier_key.n).H
    assert base_order % 2 == 0
    assert pow(big_h, base_order // 2, paillier_key.n2) == paillier_key.n2 - 1
    assert base_order > 1 << randomness_bits(paillier_key)  # r is never reduced modulo ord(H)


@pytest.mark.parametrize("attack", ["consistent_sign_error", "consistent_half_order_shift"])
def test_sign_attack_fools_the_class_check_alone_but_never_a_verdict(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[Witness], base_order: int, attack: str
) -> None:
    """δ_j = −1 with consistent challenges: the batched class check alone passes it for one weight in two (here: a
    proof for which it does), yet verify_membership refuses it, and so does every batch, alone or with honest
    company in any position and chunking. This is what _units_hold is for."""
    pk = paillier_key
    for attempt in range(60):  # P(no proof passing the class check alone) = 2^-60
        witness = witnesses[attempt % POOL]
        s = _maul(pk, pool[attempt % POOL], attack, (witness[2] + attempt) % 3, witness, base_order)
        if proofs._classes_hold(DOMAIN, pk, [_statement(s)]):
            break
    else:
        raise AssertionError("no δ = −1 proof passed the class check alone")
    proofs._check_shape(DOMAIN, pk, s.ciphertext, s.allowed, s.proof, s.context)  # ranges and challenges hold
    assert not proofs._units_hold(pk, _statement(s))
    assert not _reference_ok(pk, s)
    with pytest.raises(InvalidProof, match="equations"):
        verify_membership(pk, s.ciphertext, s.allowed, s.proof, s.context)
    assert batch(pk, [s]) == [0]
    for k in range(POOL + 1):
        items = [*pool[:k], s, *pool[k:]]
        assert batch(pk, items) == [k]
        for size in range(1, len(items) + 1):
            assert _chunked(pk, items, size) == [k]


def test_negated_commitments_and_half_order_responses_refused_everywhere(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[Witness], base_order: int
) -> None:
    """For every pooled proof and branch: a_j → n² − a_j (after or before hashing) and z_j → z_j + ord/2 are refused
    alone, among honest batch-mates in several positions, and all together."""
    pk = paillier_key
    kinds = ("commitment_negated", "consistent_sign_error", "response_plus_half_order", "consistent_half_order_shift")
    mauled = [
        _maul(pk, s, kind, j, w, base_order)
        for s, w in zip(pool, witnesses, strict=True)
        for kind in kinds
        for j in range(3)
    ]
    for i, s in enumerate(mauled):
        assert not _reference_ok(pk, s)
        assert not _single_ok(pk, s)
        assert batch(pk, [s]) == [0]
        mates = pool[: 1 + i % POOL]
        assert batch(pk, [*mates, s]) == [len(mates)]
        assert batch(pk, [s, *mates]) == [0]
    assert batch(pk, mauled) == list(range(len(mauled)))
    assert batch(pk, [*pool, *mauled]) == list(range(POOL, POOL + len(mauled)))


def test_proofs_passing_the_reference_pass_every_batch(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[Witness], base_order: int
) -> None:
    """Honest proofs and valid non-honest ones (z_j + ord(H); a_j negated and z_j + ord/2 before hashing) are never
    reported, whatever their batch-mates (including bad ones), position or chunking."""
    pk = paillier_key
    valid = [_maul(pk, pool[i], kind, i % 3, witnesses[i], base_order) for i in range(POOL) for kind in VALID_KINDS]
    bad = [_maul(pk, pool[i], kind, i % 3, witnesses[i], base_order) for i in range(POOL) for kind in INVALID_KINDS]
    for s in valid:
        assert _reference_ok(pk, s)
        assert _single_ok(pk, s)
    rng = random.Random(11)
    for _ in range(12):
        items = rng.sample(valid, rng.randrange(1, len(valid))) + rng.sample(bad, rng.randrange(0, 6))
        rng.shuffle(items)
        expected = [i for i, s in enumerate(items) if not _reference_ok(pk, s)]
        assert all(items[i] in bad for i in expected)
        assert batch(pk, items) == expected
        assert _chunked(pk, items, rng.randrange(1, len(items) + 1)) == expected


@settings(max_examples=40)
@given(
    mix=st.lists(
        st.tuples(st.integers(0, POOL - 1), st.sampled_from(KINDS), st.integers(0, 2)), min_size=1, max_size=8
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_batch_verdict_equals_single_and_reference_whatever_the_batch(
    paillier_key: PublicKey,
    pool: list[MembershipStatement],
    witnesses: list[Witness],
    base_order: int,
    mix: list[tuple[int, str, int]],
    seed: int,
) -> None:
    """For a random mix of honest, valid-but-unusual, mauled and forged proofs: every item's batch verdict equals its
    single verdict and the per-branch reference verdict, and does not change with the batch's order, composition or
    chunk size."""
    pk = paillier_key
    items = [_maul(pk, pool[i], kind, j, witnesses[i], base_order) for i, kind, j in mix]
    expected = [not _reference_ok(pk, s) for s in items]
    assert [not _single_ok(pk, s) for s in items] == expected
    assert [kind in INVALID_KINDS for _, kind, _ in mix] == expected  # the kinds are what they claim
    assert batch(pk, items) == [i for i, bad in enumerate(expected) if bad]
    # order
    rng = random.Random(seed)
    order = list(range(len(items)))
    rng.shuffle(order)
    assert batch(pk, [items[i] for i in order]) == [k for k, i in enumerate(order) if expected[i]]
    # composition: any split into two batches, any chunk size, and each item with honest company
    cut = rng.randrange(len(items) + 1)
    first, second = items[:cut], items[cut:]
    assert batch(pk, first) + [cut + k for k in batch(pk, second)] == batch(pk, items)
    assert _chunked(pk, items, rng.randrange(1, len(items) + 1)) == batch(pk, items)
    for i, s in enumerate(items):
        assert (batch(pk, [pool[i % POOL], s]) == [1]) == expected[i]


def test_every_kind_is_judged_alike_by_all_three_checks(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[Witness], base_order: int
) -> None:
    """Every kind above, in every branch: the invalid ones are refused by all three checks, the valid ones pass."""
    pk = paillier_key
    for kind in KINDS:
        for j in range(3):
            s = _maul(pk, pool[j], kind, j, witnesses[j], base_order)
            valid = kind in VALID_KINDS
            assert _reference_ok(pk, s) == valid, (kind, j)
            assert _single_ok(pk, s) == valid, (kind, j)
            assert batch(pk, [*pool, s]) == ([] if valid else [POOL]), (kind, j)


def test_class_error_with_consistent_challenges_is_refused_single_and_batched(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[Witness]
) -> None:
    """A prover who multiplies a commitment by (1+n)^k before hashing: every challenge and every branch modulo n
    hold, δ_j = (1+n)^{-k}; only the class check modulo n² refuses it — alone, and in a batch whose combined check
    then fails and is redone proof by proof."""
    pk = paillier_key
    n = pk.n
    for j in range(3):
        for k in (1, 2, n - 1):
            s = _prove_with_error(pk, witnesses[j], j, 1 + k * n)
            proofs._check_shape(DOMAIN, pk, s.ciphertext, s.allowed, s.proof, s.context)
            assert proofs._units_hold(pk, _statement(s))
            assert not proofs._classes_hold(DOMAIN, pk, [_statement(s)])
            assert not _reference_ok(pk, s)
            with pytest.raises(InvalidProof, match="equations"):
                verify_membership(pk, s.ciphertext, s.allowed, s.proof, s.context)
            assert batch(pk, [*pool[:3], s, *pool[3:]]) == [3]


def test_two_compensating_class_errors_in_one_batch_are_both_refused(
    paillier_key: PublicKey, pool: list[MembershipStatement], witnesses: list[Witness]
) -> None:
    """δ = (1+n) in one proof and (1+n)^-1 in another cancel in an unweighted product; the weights keep them apart."""
    pk = paillier_key
    n = pk.n
    s1 = _prove_with_error(pk, witnesses[0], 0, 1 + n)
    s2 = _prove_with_error(pk, witnesses[1], 0, 1 - n)
    assert batch(pk, [s1, s2]) == [0, 1]
    assert batch(pk, [pool[2], s1, pool[3], s2]) == [1, 3]
