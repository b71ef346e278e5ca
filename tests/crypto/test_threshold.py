"""Threshold Paillier (DJ01 s = 1, Shoup Δ = l!): dealing, shares and their proofs, combining (the modulus proof:
tests/crypto/test_modulus_proof.py)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import secrets
from typing import Any

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import DecodingError, InvalidKey, InvalidShareProof, NotEnoughShares
from crypto.paillier import (
    PublicKey,
    add,
    decrypt_with_factors,
    encrypt,
    key_base,
    random_exponent,
    randomness_bits,
)
from crypto.primes import random_safe_prime_pair
from crypto.threshold import (
    DecryptionShare,
    EqualityProof,
    KeyShare,
    ThresholdPublicKey,
    combine,
    deal,
    generate,
    lagrange_coefficient,
    make_test_decryption,
    partial_decrypt,
    prove_modulus,
    response_bits,
    verify_public_key,
    verify_share,
)

CTX = b"election-1/tally"
Key = tuple[ThresholdPublicKey, list[KeyShare]]


def _encrypt(pk: ThresholdPublicKey, m: int) -> int:
    return encrypt(pk.paillier, m, random_exponent(pk.paillier))


@pytest.fixture(scope="module")
def ballot(threshold_key: Key) -> tuple[int, int, list[DecryptionShare]]:
    """(m, c, all five valid decryption shares of c under CTX)."""
    pk, shares = threshold_key
    m = secrets.randbelow(pk.n)
    c = _encrypt(pk, m)
    return m, c, [partial_decrypt(s, c, CTX) for s in shares]


# --- dealing -------------------------------------------------------------------------------------------------------


def test_dealt_key_is_well_formed(threshold_key: Key, safe_primes: tuple[int, int]) -> None:
    pk, shares = threshold_key
    pk.validate(min_bits=pk.n.bit_length())
    assert pk.n == safe_primes[0] * safe_primes[1]
    assert (pk.threshold, pk.parties, pk.delta) == (3, 5, 120)
    assert pk.paillier == PublicKey(pk.n) and pk.n2 == pk.n**2
    assert [s.index for s in shares] == [1, 2, 3, 4, 5]
    for s in shares:
        assert s.public_key is pk
        assert pow(pk.v, pk.delta * s.secret, pk.n2) == pk.verification_key(s.index)


def test_key_share_repr_hides_the_secret(threshold_key: Key) -> None:
    share = threshold_key[1][0]
    assert str(share.secret) not in repr(share)
    assert "secret" not in repr(share)


def test_deal_rejects_bad_primes(safe_primes: tuple[int, int]) -> None:
    p, q = safe_primes
    with pytest.raises(ValueError):
        deal(p, p, 2, 3)
    with pytest.raises(ValueError):
        deal(p, q + 2 if not gmpy2.is_prime(q + 2) else q + 4, 2, 3)  # not a prime
    small_p, small_q = random_safe_prime_pair(64)
    with pytest.raises(ValueError):
        deal(p, small_q, 2, 3)  # different sizes
    assert small_p


@pytest.mark.parametrize(("t", "parties"), [(0, 3), (4, 3), (1, 0), (2, 2000)])
def test_deal_rejects_bad_threshold(safe_primes: tuple[int, int], t: int, parties: int) -> None:
    with pytest.raises(ValueError):
        deal(*safe_primes, t, parties)


def test_generate_small_key_end_to_end() -> None:
    counts: list[int] = []
    pk, shares, proof, test = generate(256, 2, 3, progress=counts.append, context=CTX)
    assert pk.n.bit_length() == 256 and counts
    verify_public_key(pk, proof, test, CTX, min_bits=256)
    c = _encrypt(pk, 77)
    ds = [partial_decrypt(s, c, CTX) for s in shares[1:]]
    for d in ds:
        verify_share(pk, c, d, CTX)
    assert combine(pk, c, ds) == 77


@pytest.mark.parametrize("bits", [62, 255, 0])
def test_generate_rejects_bad_sizes(bits: int) -> None:
    with pytest.raises(ValueError):
        generate(bits, 2, 3)


# --- public key validation -----------------------------------------------------------------------------------------


def _replace(pk: ThresholdPublicKey, **changes: Any) -> ThresholdPublicKey:
    fields = {f: getattr(pk, f) for f in ("n", "threshold", "parties", "theta", "commitments", "verification_keys")}
    fields.update(changes)
    return ThresholdPublicKey(**fields)


def test_public_key_validate_rejects_each_defect(threshold_key: Key, safe_primes: tuple[int, int]) -> None:
    pk = threshold_key[0]
    p = safe_primes[0]
    vk = pk.verification_keys
    bad = {
        "too small": (pk, pk.n.bit_length() + 1),
        "t = 0": (_replace(pk, threshold=0), 0),
        "t > l": (_replace(pk, threshold=6), 0),
        "too few verification keys": (_replace(pk, verification_keys=vk[:-1]), 0),
        "too many verification keys": (_replace(pk, verification_keys=(*vk, vk[0])), 0),
        "too few commitments": (_replace(pk, commitments=pk.commitments[:-1]), 0),
        "too many commitments": (_replace(pk, commitments=(*pk.commitments, pk.commitments[0])), 0),
        "C_0 = 0": (_replace(pk, commitments=(0, *pk.commitments[1:])), 0),
        "C_0 not 1 mod n": (_replace(pk, commitments=(pk.commitments[1], *pk.commitments[1:])), 0),
        "C_1 not a unit": (_replace(pk, commitments=(pk.commitments[0], p * p, *pk.commitments[2:])), 0),
        "C_1 >= n²": (_replace(pk, commitments=(pk.commitments[0], pk.n2 + 1, *pk.commitments[2:])), 0),
        "theta = 0": (_replace(pk, theta=0), 0),
        "theta = n": (_replace(pk, theta=pk.n), 0),
        "theta not a unit": (_replace(pk, theta=p), 0),
        "v_i not a unit": (_replace(pk, verification_keys=(vk[0], p, *vk[2:])), 0),
        "v_i out of range": (_replace(pk, verification_keys=(*vk[:-1], pk.n2)), 0),
        "too many parties": (_replace(pk, parties=1025, threshold=3), 0),
    }
    for label, (key, min_bits) in bad.items():
        with pytest.raises(InvalidKey):
            key.validate(min_bits)
        assert label


def test_public_key_rejects_even_modulus(threshold_key: Key) -> None:
    with pytest.raises(InvalidKey):
        _replace(threshold_key[0], n=threshold_key[0].n + 1)


# --- decryption ----------------------------------------------------------------------------------------------------


def test_every_3_subset_of_5_decrypts(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]], safe_primes: tuple[int, int]
) -> None:
    pk, _ = threshold_key
    m, c, ds = ballot
    assert decrypt_with_factors(*safe_primes, c) == m
    for d in ds:
        verify_share(pk, c, d, CTX)
    subsets = list(itertools.combinations(ds, 3))
    assert len(subsets) == 10
    for subset in subsets:
        assert combine(pk, c, subset) == m
        assert combine(pk, c, subset[::-1]) == m


def _threshold_decryptions(pk: ThresholdPublicKey, shares: list[KeyShare], c: int) -> set[int]:
    """Every 3-subset of the five trustees' verified shares, combined (in both orders)."""
    ds = [partial_decrypt(s, c, CTX) for s in shares]
    for d in ds:
        verify_share(pk, c, d, CTX)
    return {combine(pk, c, subset) for subset in itertools.combinations(ds, 3)} | {
        combine(pk, c, subset[::-1]) for subset in itertools.combinations(ds, 3)
    }


@settings(max_examples=6)
@given(m=st.integers(min_value=0), seed=st.randoms(use_true_random=False))
def test_every_3_subset_of_5_decrypts_a_v2_encryption(threshold_key: Key, m: int, seed: random.Random) -> None:
    """Ballot format v2: c = (1+n)^m·H^r with r < 2^ℓ_r; the threshold key removes H^r as it removed r^n."""
    pk, shares = threshold_key
    m %= pk.n
    r = seed.getrandbits(randomness_bits(pk.paillier))
    c = encrypt(pk.paillier, m, r)
    assert c == (1 + m * pk.n) * pow(key_base(pk.n).H, r, pk.n2) % pk.n2  # a v2 ciphertext, not (1+n)^m·r^n
    assert _threshold_decryptions(pk, shares, c) == {m}


def test_every_3_subset_of_5_decrypts_a_v2_sum_and_the_base(threshold_key: Key, safe_primes: tuple[int, int]) -> None:
    """A homomorphic total (exponent Σ r_j, longer than ℓ_r) decrypts to the sum; H itself decrypts to 0."""
    pk, shares = threshold_key
    marks = [3, 0, 7, 1, 1]
    total = add(pk.paillier, *(_encrypt(pk, m) for m in marks))
    assert _threshold_decryptions(pk, shares, total) == {sum(marks)}
    assert _threshold_decryptions(pk, shares, key_base(pk.n).H) == {0}
    assert decrypt_with_factors(*safe_primes, total) == sum(marks)
    # control: an encryption of another value does not decrypt to the sum
    assert _threshold_decryptions(pk, shares, add(pk.paillier, total, _encrypt(pk, 1))) == {sum(marks) + 1}


def test_more_than_t_shares_uses_t(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    pk, _ = threshold_key
    m, c, ds = ballot
    assert combine(pk, c, ds) == m
    assert combine(pk, c, ds[1:]) == m


def test_t_minus_1_shares_refused(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    for subset in itertools.combinations(ds, 2):
        with pytest.raises(NotEnoughShares):
            combine(pk, c, subset)
    with pytest.raises(NotEnoughShares):
        combine(pk, c, [])


def test_duplicate_indexes_refused(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    with pytest.raises(InvalidShareProof, match="duplicate"):
        combine(pk, c, [ds[0], ds[1], ds[0]])
    with pytest.raises(InvalidShareProof, match="duplicate"):
        combine(pk, c, [ds[0], ds[1], ds[2], ds[1]])  # a duplicate beyond the first t is refused too


def test_combine_rejects_index_out_of_range(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    for index in (0, 6, -1):
        with pytest.raises(InvalidShareProof, match="out of range"):
            combine(pk, c, [ds[0], ds[1], dataclasses.replace(ds[2], index=index)])


def test_combine_detects_inconsistent_shares(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]
) -> None:
    """combine does not verify, but a forged value that breaks c' ≡ 1 (mod n) is still caught."""
    pk, _ = threshold_key
    _, c, ds = ballot
    forged = dataclasses.replace(ds[2], value=ds[2].value * 2 % pk.n2)
    with pytest.raises(InvalidShareProof):
        combine(pk, c, [ds[0], ds[1], forged])


def test_all_trustees_with_threshold_one_and_all(safe_primes: tuple[int, int]) -> None:
    for t, parties in ((1, 1), (1, 3), (4, 4)):
        pk, shares = deal(*safe_primes, t, parties)
        c = _encrypt(pk, 12345)
        ds = [partial_decrypt(s, c, CTX) for s in shares]
        for d in ds:
            verify_share(pk, c, d, CTX)
        for subset in itertools.combinations(ds, t):
            assert combine(pk, c, subset) == 12345


@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    parties=st.integers(min_value=1, max_value=9),
)
def test_lagrange_coefficients_interpolate_delta_times_f0(data: st.DataObject, parties: int) -> None:
    """Σ_{i∈S} λ_i·f(i) = Δ·f(0) over the integers for any polynomial of degree < t and any t-subset S."""
    t = data.draw(st.integers(min_value=1, max_value=parties))
    coefficients = data.draw(st.lists(st.integers(-(10**30), 10**30), min_size=t, max_size=t))
    subset = data.draw(st.permutations(range(1, parties + 1)))[:t]
    delta = math.factorial(parties)

    def f(x: int) -> int:
        return sum(a * x**k for k, a in enumerate(coefficients))

    assert sum(lagrange_coefficient(delta, i, subset) * f(i) for i in subset) == delta * f(0)


# --- share proofs --------------------------------------------------------------------------------------------------


def test_bad_share_among_good_ones_is_found(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    pk, _ = threshold_key
    m, c, ds = ballot
    # Trustee 2 publishes c^{2Δ s_2} times an encryption of 1 (shifts the result), keeping a proof.
    bad = dataclasses.replace(ds[1], value=ds[1].value * (1 + pk.n) % pk.n2)
    submitted = [ds[0], bad, ds[2], ds[3], ds[4]]
    good = []
    for d in submitted:
        try:
            verify_share(pk, c, d, CTX)
        except InvalidShareProof as err:
            assert "trustee 2" in str(err)
            assert d.index == 2
        else:
            good.append(d)
    assert [d.index for d in good] == [1, 3, 4, 5]
    assert combine(pk, c, good) == m
    # Without verification the bad share silently corrupts the result: that is why callers must verify first.
    assert combine(pk, c, [ds[0], bad, ds[2]]) != m


def test_share_made_with_wrong_secret_fails(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    """A trustee who uses another value than s_i (with an otherwise honest proof) is caught."""
    pk, shares = threshold_key
    _, c, _ = ballot
    wrong = KeyShare(index=3, secret=shares[2].secret + 1, public_key=pk)
    with pytest.raises(InvalidShareProof, match="trustee 3"):
        verify_share(pk, c, partial_decrypt(wrong, c, CTX), CTX)


def test_share_proof_not_bound_to_other_ciphertext(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]
) -> None:
    pk, _ = threshold_key
    _, _, ds = ballot
    other = _encrypt(pk, 5)
    for d in ds:
        with pytest.raises(InvalidShareProof):
            verify_share(pk, other, d, CTX)


def test_weak_fiat_shamir_transplant(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    """A share proof made for context A (one election / tally) does not verify for context B."""
    pk, _ = threshold_key
    _, c, ds = ballot
    for context in (b"election-2/tally", b"", CTX + b"\x00"):
        with pytest.raises(InvalidShareProof, match="does not verify"):
            verify_share(pk, c, ds[0], context)


def test_share_proof_transplanted_to_other_trustee_fails(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]
) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    with pytest.raises(InvalidShareProof, match="trustee 4"):
        verify_share(pk, c, dataclasses.replace(ds[0], index=4), CTX)


def test_share_bound_to_key(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]], safe_primes: tuple[int, int]
) -> None:
    """The same share does not verify under a re-dealt key for the same modulus (other v, v_i)."""
    _, c, ds = ballot
    pk2, _ = deal(*safe_primes, 3, 5)
    with pytest.raises(InvalidShareProof):
        verify_share(pk2, c, ds[0], CTX)


@pytest.mark.parametrize("field", ["e", "z", "value"])
@pytest.mark.parametrize("delta", [1, -1, 2])
def test_mutated_share_fails(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]], field: str, delta: int
) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    d = ds[2]
    if field == "value":
        mutated = dataclasses.replace(d, value=(d.value + delta) % pk.n2)
    else:
        proof = dataclasses.replace(d.proof, **{field: getattr(d.proof, field) + delta})
        mutated = dataclasses.replace(d, proof=proof)
    with pytest.raises(InvalidShareProof, match="trustee 3"):
        verify_share(pk, c, mutated, CTX)


def test_share_value_outside_units_fails(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]], safe_primes: tuple[int, int]
) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    for value in (0, pk.n2, pk.n2 + ds[0].value, safe_primes[0], -ds[0].value):
        with pytest.raises(InvalidShareProof, match="trustee 1: share value"):
            verify_share(pk, c, dataclasses.replace(ds[0], value=value), CTX)


def test_share_proof_fields_out_of_range_fail(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]
) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    d = ds[0]
    limit = 1 << response_bits(pk.modulus_bits, pk.threshold, pk.parties)
    for proof, reason in (
        (EqualityProof(e=-1, z=d.proof.z), "challenge"),
        (EqualityProof(e=1 << 128, z=d.proof.z), "challenge"),
        (EqualityProof(e=d.proof.e, z=-limit), "response"),
        (EqualityProof(e=d.proof.e, z=limit), "response"),
    ):
        with pytest.raises(InvalidShareProof, match=reason):
            verify_share(pk, c, dataclasses.replace(d, proof=proof), CTX)


def test_share_index_out_of_range_fails(threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]) -> None:
    pk, _ = threshold_key
    _, c, ds = ballot
    for index in (0, 6, -3):
        with pytest.raises(InvalidShareProof, match="out of range"):
            verify_share(pk, c, dataclasses.replace(ds[0], index=index), CTX)


def test_share_of_invalid_ciphertext_refused(
    threshold_key: Key, ballot: tuple[int, int, list[DecryptionShare]]
) -> None:
    pk, shares = threshold_key
    _, _, ds = ballot
    for bad_c in (0, pk.n2, pk.n):
        with pytest.raises(DecodingError):
            partial_decrypt(shares[0], bad_c, CTX)
        with pytest.raises(DecodingError):
            verify_share(pk, bad_c, ds[0], CTX)


# --- full size ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_threshold_with_2048_bit_vector_key(paillier_vectors: dict[str, Any]) -> None:
    """The published 2048-bit safe-prime pair: threshold decryption equals the vectors' plaintexts."""
    s = next(s for s in paillier_vectors["sets"] if s["name"] == "safe-prime-2048")
    p, q = int(s["p"], 0), int(s["q"], 0)
    pk, shares = deal(p, q, 3, 5)
    verify_public_key(pk, prove_modulus(p, q, CTX), make_test_decryption(shares, CTX), CTX, min_bits=2048)
    for v in s["vectors"][:2]:
        c, m = int(v["c"], 0), int(v["m"], 0)
        ds = [partial_decrypt(sh, c, CTX) for sh in shares[1:4]]
        for d in ds:
            verify_share(pk, c, d, CTX)
        assert combine(pk, c, ds) == m
