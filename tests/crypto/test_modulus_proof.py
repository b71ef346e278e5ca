"""The modulus proof (crypto.modulus, docs/decisions/0006): n is a product of two primes p ≡ q ≡ 3 (mod 4), both
≥ √n / 2^{ℓ+ε+1}, with gcd(n, φ(n)) = 1.

Attack tests build the best proof a cheating dealer can make for a bad modulus with the prover's own algorithm
(``_prove_unchecked`` over the real factors) and check that the part of the proof meant to stop it does. Each one
names the check that refuses it; the GRSB-only proof used until ADR 0006 accepted 65537·Q, 65539·Q, p·q·r and
p·q with p ≡ 1 (mod 4).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import secrets
from collections.abc import Callable

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import modulus
from crypto.errors import InvalidKey, InvalidProof
from crypto.modulus import (
    BLUM_ROUNDS,
    GRSB_ROUNDS,
    RSA_2048,
    ModulusProof,
    _prove_unchecked,
    prove_modulus,
    verify_modulus,
)

CTX = b"election-hash-0123456789abcdef01"


def _prime(bits: int, residue: int, mod: int = 8) -> int:
    """A random prime of exactly ``bits`` bits that is ≡ residue (mod mod)."""
    while True:
        x = secrets.randbits(bits) | (1 << (bits - 1))
        x += (residue - x) % mod
        if x.bit_length() == bits and gmpy2.is_prime(x, 40):
            return x


def _grsb_holds(n: int, proof: ModulusProof) -> bool:
    """The check that was the whole modulus proof before ADR 0006 (σ_i^n ≡ ρ_i), on the new transcript."""
    rhos = modulus._rhos(modulus._statement(n, CTX), n)
    return all(pow(s, n, n) == rho for s, rho in zip(proof.sigmas, rhos, strict=True))


def _blum_holds(n: int, proof: ModulusProof) -> bool:
    t = modulus._statement(n, CTX)
    modulus._rhos(t, n)
    modulus._ring_pedersen(t)
    f = proof.fac
    ys, _ = modulus._challenges(t, n, proof.blum.w, (f.P, f.Q, f.A, f.B, f.T), f.sigma)
    b = proof.blum
    return all(pow(x, 4, n) == (-1) ** a * pow(b.w, bb) * y % n for x, a, bb, y in zip(b.x, b.a, b.b, ys, strict=True))


@pytest.fixture(scope="module")
def honest(safe_primes: tuple[int, int]) -> tuple[int, ModulusProof]:
    p, q = safe_primes
    return p * q, prove_modulus(p, q, CTX)


# --- completeness --------------------------------------------------------------------------------------------------


def test_honest_proof_verifies(honest: tuple[int, ModulusProof]) -> None:
    n, proof = honest
    assert len(proof.sigmas) == GRSB_ROUNDS == 8
    assert len(proof.blum.x) == len(proof.blum.a) == len(proof.blum.b) == BLUM_ROUNDS == 128
    verify_modulus(n, proof, CTX, min_bits=n.bit_length())


@settings(max_examples=8, deadline=None)
@given(context=st.binary(max_size=64))
def test_honest_proofs_verify_for_any_context(safe_primes: tuple[int, int], context: bytes) -> None:
    p, q = safe_primes
    verify_modulus(p * q, prove_modulus(p, q, context), context, min_bits=0)


def test_honest_proof_on_a_1024_bit_safe_prime_key(safe_primes_1024: tuple[int, int]) -> None:
    p, q = safe_primes_1024
    verify_modulus(p * q, prove_modulus(p, q, CTX), CTX, min_bits=1024)


def test_rsa_2048_ring_pedersen_modulus_is_the_published_number() -> None:
    """N̂ is RSA Laboratories' RSA-2048 challenge number (617 digits): pinned by size and hash."""
    assert RSA_2048.bit_length() == 2048
    assert len(str(RSA_2048)) == 617
    assert hashlib.sha256(str(RSA_2048).encode()).hexdigest() == (
        "b3c2468add10e2a0c4a251d9d2bac4ba04d4b3527156ceead43a1305e03f1fc0"
    )
    assert str(RSA_2048).startswith("2519590847565789349402718324004839857142928212620403202777713783604366202070")
    assert str(RSA_2048).endswith("1212010397122822120720357")
    assert not gmpy2.is_prime(RSA_2048) and math.gcd(RSA_2048, modulus._PRIMORIAL) == 1


# --- attacks: bad moduli -------------------------------------------------------------------------------------------


def test_small_factor_65537_times_q_is_refused() -> None:
    """n = 65537·Q: no factor below α = 2^16, gcd(n, φ(n)) = 1, so the GRSB part holds — and anyone can factor n,
    and 128-bit challenges are no longer sound. 65537 ≡ 1 (mod 4): the Blum part and Π^fac refuse it."""
    q = _prime(1008, 5)  # n ≡ 1 (mod 4), so only the proof can refuse it
    n = 65537 * q
    proof = _prove_unchecked((65537, q), CTX)
    assert _grsb_holds(n, proof)  # what the old proof checked
    with pytest.raises(InvalidProof, match="z2 out of range"):
        verify_modulus(n, proof, CTX, min_bits=0)
    # even with a Π^fac part taken from an honest proof, the Blum part refuses it
    assert not _blum_holds(n, proof)
    with pytest.raises(InvalidKey, match="1 mod 4"):  # and with Q ≡ 3 (mod 4), n itself is refused
        verify_modulus(65537 * _prime(1008, 3, 4), proof, CTX, min_bits=0)


def test_small_factor_65539_times_q_blum_modulus_is_refused_by_no_small_factor_proof() -> None:
    """n = 65539·Q with 65539 ≡ Q ≡ 3 (mod 4) is a Paillier–Blum modulus with gcd(n, φ(n)) = 1: GRSB and the Blum
    part both hold. Only Π^fac stops it, in either split of n and in the trivial one."""
    q = _prime(1008, 3, 4)
    n = 65539 * q
    for fac_p, message in ((65539, "z2 out of range"), (q, "z1 out of range"), (1, "z2 out of range")):
        proof = _prove_unchecked((65539, q), CTX, fac_p=fac_p)
        assert _grsb_holds(n, proof) and _blum_holds(n, proof)
        with pytest.raises(InvalidProof, match=message):
            verify_modulus(n, proof, CTX, min_bits=0)


@pytest.mark.parametrize("residues", [(3, 3, 5), (3, 7, 1), (3, 3, 3, 3)])
def test_three_or_four_prime_modulus_is_refused_by_blum_part(residues: tuple[int, ...]) -> None:
    """n = p·q·r (or four primes) of balanced sizes: gcd(n, φ(n)) = 1 and, at these sizes, Π^fac passes for the
    split p × (q·r); the Blum part refuses it (a round passes with probability ≤ 4/|Z*_n/(Z*_n)^4| ≤ 1/4)."""
    primes = tuple(_prime(1024 // len(residues), r) for r in residues)
    n = math.prod(primes)
    assert n % 4 == 1
    proof = _prove_unchecked(primes, CTX)
    assert _grsb_holds(n, proof)
    with pytest.raises(InvalidProof, match="Blum round"):
        verify_modulus(n, proof, CTX, min_bits=0)


def test_three_primes_3_mod_4_are_refused_as_not_1_mod_4() -> None:
    primes = tuple(_prime(340, 3, 4) for _ in range(3))
    with pytest.raises(InvalidKey, match="1 mod 4"):
        verify_modulus(math.prod(primes), _prove_unchecked(primes, CTX), CTX, min_bits=0)


@pytest.mark.parametrize(("p_residue", "q_residue"), [(3, 5), (5, 5)])
def test_square_factor_p2_q_is_refused_by_grsb_part(p_residue: int, q_residue: int) -> None:
    """n = p²·q: p | φ(n), so x ↦ x^n is not a bijection (ambiguous Paillier openings); no N-th roots exist."""
    p, q = _prime(340, p_residue), _prime(340, q_residue)
    n = p * p * q
    assert n % 4 == 1 and not gmpy2.is_power(n)
    with pytest.raises(InvalidProof, match="N-th root"):
        verify_modulus(n, _prove_unchecked((p, p, q), CTX), CTX, min_bits=0)


def test_prime_modulus_is_refused() -> None:
    """A prime n has gcd(n, φ(n)) = 1 and Jacobi symbols −1 exist, but Paillier with a prime modulus is broken."""
    n = _prime(512, 1, 4)
    with pytest.raises(InvalidKey, match="prime"):
        verify_modulus(n, _prove_unchecked((n,), CTX), CTX, min_bits=0)


def test_factor_1_mod_4_is_refused_by_blum_part() -> None:
    """p ≡ q ≡ 5 (mod 8): n ≡ 1 (mod 4), two large primes, gcd(n, φ(n)) = 1; not a Paillier–Blum modulus."""
    p, q = _prime(256, 5), _prime(256, 5)
    proof = _prove_unchecked((p, q), CTX)
    assert _grsb_holds(p * q, proof)
    with pytest.raises(InvalidProof, match="Blum round"):
        verify_modulus(p * q, proof, CTX, min_bits=0)
    with pytest.raises(InvalidKey, match="1 mod 4"):  # p ≡ 1, q ≡ 3 (mod 4): n ≡ 3 (mod 4)
        r = _prime(256, 3, 4)
        verify_modulus(p * r, _prove_unchecked((p, r), CTX), CTX, min_bits=0)


def test_modulus_not_coprime_to_phi_is_refused_by_grsb_part() -> None:
    """n = p·q with p | q − 1 (both ≡ 3 mod 4): a Blum integer, but gcd(n, φ(n)) = p ≥ 2^16."""
    p = _prime(64, 3, 4)
    while True:
        k = secrets.randbits(440)
        q = 2 * k * p + 1  # q − 1 = 2kp, so q ≡ 3 (mod 4) iff k is odd
        if k % 2 == 1 and gmpy2.is_prime(q, 40):
            break
    n = p * q
    assert math.gcd(n, (p - 1) * (q - 1)) == p and n % 4 == 1
    with pytest.raises(ValueError):
        prove_modulus(p, q, CTX)
    with pytest.raises(InvalidProof, match="N-th root"):
        verify_modulus(n, _prove_unchecked((p, q), CTX), CTX, min_bits=0)


def test_malformed_moduli_are_refused(honest: tuple[int, ModulusProof], safe_primes: tuple[int, int]) -> None:
    n, proof = honest
    p = safe_primes[0]
    for bad, message in (
        (2 * n, "even"),
        (3 * n, "prime factor below"),
        (65521 * n, "prime factor below"),
        (n * n, "perfect power"),
        (p**5, "perfect power"),
    ):
        with pytest.raises(InvalidKey, match=message):
            verify_modulus(bad, proof, CTX, min_bits=0)
    with pytest.raises(InvalidKey, match="bits"):
        verify_modulus(n, proof, CTX, min_bits=n.bit_length() + 1)


def test_prove_refuses_a_bad_modulus(safe_primes: tuple[int, int]) -> None:
    p, q = safe_primes
    for bad_p, bad_q in (
        (p, p),  # p²
        (p, q * 3),  # composite factor
        (_prime(256, 5), q),  # p ≡ 1 (mod 4)
        (p, _prime(200, 3, 4)),  # unbalanced
        (p, 65539),  # a small factor
    ):
        with pytest.raises(ValueError):
            prove_modulus(bad_p, bad_q, CTX)


# --- binding -------------------------------------------------------------------------------------------------------


def test_proof_transplanted_to_another_context_is_refused(honest: tuple[int, ModulusProof]) -> None:
    n, proof = honest
    with pytest.raises(InvalidProof):
        verify_modulus(n, proof, b"another election", min_bits=0)


def test_proof_transplanted_to_another_modulus_is_refused(
    honest: tuple[int, ModulusProof], safe_primes_1024: tuple[int, int]
) -> None:
    _, proof = honest
    p, q = safe_primes_1024
    with pytest.raises(InvalidProof):
        verify_modulus(p * q, proof, CTX, min_bits=0)


def test_parts_cannot_be_mixed_between_proofs(honest: tuple[int, ModulusProof], safe_primes: tuple[int, int]) -> None:
    """A second honest proof for the same n and context: swapping its Blum or Π^fac part in breaks the transcript."""
    n, proof = honest
    other = prove_modulus(*safe_primes, CTX)
    for mixed in (dataclasses.replace(proof, blum=other.blum), dataclasses.replace(proof, fac=other.fac)):
        with pytest.raises(InvalidProof):
            verify_modulus(n, mixed, CTX, min_bits=0)


# --- every field mutated -------------------------------------------------------------------------------------------

_FAC_FIELDS = ("P", "Q", "A", "B", "T", "sigma", "z1", "z2", "w1", "w2", "v")
_MUTATIONS: dict[str, Callable[[int, int], int]] = {
    "plus_one": lambda v, _m: v + 1,
    "minus_one": lambda v, _m: v - 1,
    "flip_bit_7": lambda v, _m: v ^ (1 << 7),
    "negate": lambda v, _m: -v if v else 1,
    "zero": lambda v, _m: 0 if v else 1,
    "plus_modulus": lambda v, m: v + m,
}


def _mutate(proof: ModulusProof, n: int, path: tuple[str, int], how: str) -> ModulusProof:
    field, i = path
    f = _MUTATIONS[how]
    if field == "sigmas":
        values = list(proof.sigmas)
        values[i] = f(values[i], n)
        return dataclasses.replace(proof, sigmas=tuple(values))
    if field in ("x", "a", "b"):
        values = list(getattr(proof.blum, field))
        values[i] = 1 - values[i] if field in ("a", "b") and how == "plus_one" else f(values[i], n)
        return dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, **{field: tuple(values)}))
    if field == "w":
        return dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, w=f(proof.blum.w, n)))
    m = RSA_2048 if field in "PQABT" else n
    return dataclasses.replace(proof, fac=dataclasses.replace(proof.fac, **{field: f(getattr(proof.fac, field), m)}))


_PATHS = st.one_of(
    st.tuples(st.just("sigmas"), st.integers(0, GRSB_ROUNDS - 1)),
    st.tuples(st.sampled_from(["x", "a", "b"]), st.integers(0, BLUM_ROUNDS - 1)),
    st.tuples(st.just("w"), st.just(0)),
    st.tuples(st.sampled_from(_FAC_FIELDS), st.just(0)),
)


@settings(max_examples=80, deadline=None)
@given(path=_PATHS, how=st.sampled_from(sorted(_MUTATIONS)))
def test_every_mutated_field_is_refused(honest: tuple[int, ModulusProof], path: tuple[str, int], how: str) -> None:
    n, proof = honest
    mutated = _mutate(proof, n, path, how)
    if mutated == proof:
        return
    with pytest.raises(InvalidProof):
        verify_modulus(n, mutated, CTX, min_bits=0)


@pytest.mark.parametrize("field", ["sigmas", "x", "a", "b"])
def test_wrong_lengths_are_refused(honest: tuple[int, ModulusProof], field: str) -> None:
    n, proof = honest
    for cut in (slice(0, -1), slice(0, 0)):
        if field == "sigmas":
            bad = dataclasses.replace(proof, sigmas=proof.sigmas[cut])
        else:
            blum = dataclasses.replace(proof.blum, **{field: getattr(proof.blum, field)[cut]})
            bad = dataclasses.replace(proof, blum=blum)
        with pytest.raises(InvalidProof, match="must have"):
            verify_modulus(n, bad, CTX, min_bits=0)


def test_w_with_jacobi_plus_one_is_refused(honest: tuple[int, ModulusProof]) -> None:
    """With Jacobi(w, n) = +1 the four candidates (±1, ±w)·y need not cover the classes of a Blum integer."""
    n, proof = honest
    square = pow(secrets.randbelow(n), 2, n)
    with pytest.raises(InvalidProof, match="Jacobi"):
        verify_modulus(n, dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, w=square)), CTX, min_bits=0)


def test_ring_elements_outside_the_group_are_refused(honest: tuple[int, ModulusProof]) -> None:
    n, proof = honest
    for name in "PQABT":
        for value in (0, RSA_2048, RSA_2048 + 1, -1):
            bad = dataclasses.replace(proof, fac=dataclasses.replace(proof.fac, **{name: value}))
            with pytest.raises(InvalidProof, match="Z\\*_N̂"):
                verify_modulus(n, bad, CTX, min_bits=0)


def test_responses_beyond_the_bounds_are_refused(honest: tuple[int, ModulusProof]) -> None:
    """z1, z2 ∈ ±2^{ℓ+ε}·√n is the factor-size check; σ, w1, w2, v are bounded so no verifier is made to
    exponentiate by a huge number."""
    n, proof = honest
    b = modulus._bounds(n)
    for name, bound in (("z1", b.z), ("z2", b.z), ("sigma", b.sigma), ("w1", b.w), ("w2", b.w), ("v", b.v)):
        for value in (bound + 1, -bound - 1):
            bad = dataclasses.replace(proof, fac=dataclasses.replace(proof.fac, **{name: value}))
            with pytest.raises(InvalidProof, match=f"{name} out of range"):
                verify_modulus(n, bad, CTX, min_bits=0)
