"""Zero-knowledge proofs about Paillier ciphertexts (notes/crypto-standards.md §4.3.1).

**Set membership** ("``c`` encrypts one value of the public set ``{m_1..m_K}``"): the Cramer–Damgård–Schoenmakers
OR-composition (CRYPTO '94) of Σ-protocols for n-th residuosity, as in Baudron–Fouque–Pointcheval–Poupard–Stern
(PODC 2001) and Damgård–Jurik (PKC 2001 §5), made non-interactive with Fiat–Shamir over the whole statement::

    u_j = c·(1+n)^{-m_j} mod n²                       (u_i = r^n for the real index i)
    j ≠ i:  e_j ← [0, 2^k),  z_j ← Z*_n,  a_j = z_j^n · u_j^{-e_j} mod n²     (simulated branches)
    j = i:  ρ ← Z*_n,  a_i = ρ^n mod n²
    e = H(context, n, {m_j}, c, {a_j})  (k bits);  e_i = e − Σ_{j≠i} e_j mod 2^k;  z_i = ρ·r^{e_i} mod n
    verify: Σ_j e_j ≡ e (mod 2^k)  and  z_j^n ≡ a_j·u_j^{e_j} (mod n²) for every j

Proof fields use the letters above: ``commitments`` = (a_j), ``challenges`` = (e_j), ``responses`` = (z_j).
Soundness needs 2^k < min(p, q), which holds for any modulus of at least 2k + 2 bits built from two equal-size primes.

**Known plaintext** (:func:`prove_sum` / :func:`verify_sum`): "``C`` encrypts exactly ``M``", i.e.
``C·(1+n)^{-M}`` is an n-th residue with witness ``r`` — the one-branch case of the proof above with its own transcript
domain. For a homomorphic sum ``C = ∏ c_j`` the witness is ``∏ r_j mod n``.

Speed (the ballot-intake hot path): ``(1+n)^{x} = 1 + x·n mod n²``, so ``u_j^{±e_j}`` costs one short (k-bit)
exponentiation; the verifier checks every branch equation of one proof — or of a whole batch of proofs
(:func:`verify_membership_batch`) — at once modulo n² with one small-exponent combination whose weights come from a
transcript (:func:`_equations_hold`): ONE full-length exponentiation per batch instead of one per branch.
Deterministic, and sound up to 2^-k (the argument is in :func:`_equations_hold`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import gmpy2

from crypto.errors import InvalidEncoding, InvalidKey, InvalidProof
from crypto.paillier import NthPower, PublicKey, precompute_nth_power, validate_ciphertext
from crypto.transcript import Transcript

__all__ = [
    "CHALLENGE_BITS",
    "MembershipProof",
    "MembershipStatement",
    "prove_membership",
    "prove_sum",
    "verify_membership",
    "verify_membership_batch",
    "verify_sum",
]

CHALLENGE_BITS = 128  # k
_MASK = (1 << CHALLENGE_BITS) - 1

_MEMBERSHIP_DOMAIN = "paillier/set-membership"
_SUM_DOMAIN = "paillier/known-plaintext"


@dataclass(frozen=True, slots=True)
class MembershipProof:
    """CDS OR-proof: ``commitments`` a_j ∈ Z*_{n²}, ``challenges`` e_j ∈ [0, 2^k), ``responses`` z_j ∈ Z*_n, one per
    allowed value, in the order of the allowed set."""

    commitments: tuple[int, ...]
    challenges: tuple[int, ...]
    responses: tuple[int, ...]


def _check_statement(pk: PublicKey, allowed: Sequence[int]) -> tuple[int, ...]:
    if pk.n.bit_length() < 2 * CHALLENGE_BITS + 2:
        raise InvalidKey(f"modulus too small for {CHALLENGE_BITS}-bit challenges (need 2^k < min(p, q))")
    values = tuple(int(m) for m in allowed)
    if not values:
        raise ValueError("the allowed set is empty")
    if len(set(values)) != len(values):
        raise ValueError("the allowed set has duplicate values")
    if any(not 0 <= m < pk.n for m in values):
        raise ValueError("allowed values must lie in [0, n)")
    return values


def _challenge(
    domain: str, pk: PublicKey, c: int, allowed: Sequence[int], commitments: Sequence[int], context: bytes
) -> int:
    t = Transcript(domain)
    t.append_bytes("context", context)
    t.append_int("n", pk.n)
    t.append_ints("allowed", allowed)
    t.append_int("c", c)
    t.append_ints("a", commitments)
    return t.challenge_int("e", CHALLENGE_BITS)


def _prove(
    domain: str,
    pk: PublicKey,
    c: int,
    r: int,
    index: int,
    allowed: Sequence[int],
    context: bytes,
    r_n: int | None = None,
    nonces: Sequence[NthPower] | None = None,
) -> MembershipProof:
    values = _check_statement(pk, allowed)
    n, n2 = pk.n, pk.n2
    validate_ciphertext(pk, c)
    if not 0 <= index < len(values):
        raise ValueError("index outside the allowed set")
    if not (0 < r < n and gmpy2.gcd(r, n) == 1):
        raise ValueError("randomness r must be in Z*_n")
    # The witness: u_i = c·(1+n)^{-m_i} = r^n (mod n²). The prover refuses a false statement.
    # ``r_n`` = r^n mod n² may come from the prover's own precomputation (crypto.paillier.NthPower); it gets a
    # cheap sanity check modulo n only. This is a guard for honest provers, not a security check: with a wrong
    # r_n the proof simply does not verify.
    if r_n is None:
        r_n = int(gmpy2.powmod(r, n, n2))
    elif r_n % n != gmpy2.powmod(r, n, n) or not 0 < r_n < n2:
        raise ValueError("r_n is not r^n")
    if c * (1 - values[index] * n) % n2 != r_n:
        raise ValueError("c is not an encryption of allowed[index] with randomness r")
    k = len(values)
    # One n-th power per branch (ρ for the real one, z_j for simulated ones), precomputed or computed now.
    if nonces is None:
        nonces = [precompute_nth_power(pk) for _ in range(k)]
    if len(nonces) != k:
        raise ValueError(f"need {k} precomputed n-th powers, got {len(nonces)}")
    c_inv = gmpy2.invert(c, n2)
    commitments = [0] * k
    challenges = [0] * k
    responses = [0] * k
    for j, m in enumerate(values):
        if j == index:
            continue
        # Simulated branch: a_j = z_j^n · u_j^{-e_j}, with u_j^{-e_j} = c^{-e_j}·(1 + m_j·e_j·n) mod n²
        e_j = secrets.randbits(CHALLENGE_BITS)
        z_j = nonces[j]
        u_inv_e = gmpy2.powmod(c_inv, e_j, n2) * (1 + m * e_j * n) % n2
        commitments[j] = int(z_j.power * u_inv_e % n2)
        challenges[j] = e_j
        responses[j] = z_j.root
    rho = nonces[index].root
    commitments[index] = nonces[index].power  # a_i = ρ^n
    e = _challenge(domain, pk, c, values, commitments, context)
    e_i = (e - sum(challenges)) & _MASK  # e_i = e − Σ_{j≠i} e_j mod 2^k
    challenges[index] = e_i
    responses[index] = int(rho * gmpy2.powmod(r, e_i, n) % n)  # z_i = ρ·r^{e_i} mod n
    del rho
    return MembershipProof(tuple(commitments), tuple(challenges), tuple(responses))


def _check_shape(
    domain: str, pk: PublicKey, c: int, allowed: Sequence[int], proof: MembershipProof, context: bytes
) -> tuple[int, ...]:
    """Steps 1-2 of verification: the statement, every field's range, and the Fiat–Shamir challenge sum."""
    values = _check_statement(pk, allowed)
    n, n2 = pk.n, pk.n2
    try:
        validate_ciphertext(pk, c)
    except InvalidEncoding as err:
        raise InvalidProof(f"invalid ciphertext: {err}") from err
    k = len(values)
    a, es, zs = proof.commitments, proof.challenges, proof.responses
    # 1. shapes and ranges: a_j ∈ Z*_{n²}, e_j ∈ [0, 2^k), z_j ∈ Z*_n
    if not (len(a) == len(es) == len(zs) == k):
        raise InvalidProof(f"proof must have exactly {k} commitments, challenges and responses")
    for j in range(k):
        if not isinstance(a[j], int) or not (0 < a[j] < n2 and gmpy2.gcd(a[j], n) == 1):
            raise InvalidProof(f"commitment {j} is not in Z*_(n²)")
        if not isinstance(es[j], int) or not 0 <= es[j] <= _MASK:
            raise InvalidProof(f"challenge {j} out of range [0, 2^{CHALLENGE_BITS})")
        if not isinstance(zs[j], int) or not (0 < zs[j] < n and gmpy2.gcd(zs[j], n) == 1):
            raise InvalidProof(f"response {j} is not in Z*_n")
    # 2. Σ e_j ≡ e (mod 2^k), e from the transcript over the whole statement and every a_j
    if sum(es) & _MASK != _challenge(domain, pk, c, values, a, context):
        raise InvalidProof("challenges do not sum to the Fiat–Shamir challenge")
    return values


def _verify(domain: str, pk: PublicKey, c: int, allowed: Sequence[int], proof: MembershipProof, context: bytes) -> None:
    values = _check_shape(domain, pk, c, allowed, proof, context)
    # 3. z_j^n ≡ a_j · u_j^{e_j} (mod n²) for every j (exactly, up to probability 2^-k; see _equations_hold)
    if not _equations_hold(domain, pk, [(c, values, proof, context)]):
        raise InvalidProof("the proof equations z_j^n = a_j·u_j^{e_j} (mod n²) do not hold")


@dataclass(frozen=True, slots=True)
class MembershipStatement:
    """One "c encrypts a value of allowed" claim with its proof, for :func:`verify_membership_batch`."""

    ciphertext: int
    allowed: tuple[int, ...]
    proof: MembershipProof
    context: bytes


def verify_membership_batch(pk: PublicKey, items: Sequence[MembershipStatement]) -> list[int]:
    """Verify many membership proofs under one key; return the positions of those that fail (empty: all hold).

    Each proof gets its exact checks (ranges, challenge sum, every branch modulo n); the branch equations modulo
    n² of the whole batch are then checked with ONE full-length exponentiation (the small-exponent test of
    :func:`_equations_hold`, weights from a transcript over every item). If that combined check fails, each
    remaining proof is checked on its own, so the answer is the same as verifying one by one.
    """
    bad: list[int] = []
    good: list[int] = []
    statements: list[tuple[int, tuple[int, ...], MembershipProof, bytes]] = []
    for i, item in enumerate(items):
        try:
            values = _check_shape(_MEMBERSHIP_DOMAIN, pk, item.ciphertext, item.allowed, item.proof, item.context)
        except (InvalidProof, InvalidKey, ValueError):
            bad.append(i)
            continue
        good.append(i)
        statements.append((item.ciphertext, values, item.proof, item.context))
    if statements and not _equations_hold(_MEMBERSHIP_DOMAIN, pk, statements):
        for i, statement in zip(good, statements, strict=True):
            if not _equations_hold(_MEMBERSHIP_DOMAIN, pk, [statement]):
                bad.append(i)
    return sorted(bad)


def _equations_hold(
    domain: str,
    pk: PublicKey,
    statements: Sequence[tuple[int, tuple[int, ...], MembershipProof, bytes]],
) -> bool:
    """Check the branch equations ``z_j^n ≡ a_j·u_j^{e_j} (mod n²)`` of every statement (c, allowed, proof,
    context) with ONE full-length exponentiation in all: a small-exponent combination (Bellare–Garay–Rabin,
    EUROCRYPT '98) whose weights ``t_j ∈ [0, 2^k)`` come from a transcript over every statement and proof:
    ``(∏ z_j^{t_j})^n ≡ ∏ a_j^{t_j}·∏ c^{Σ e_j t_j}·(1 − n·Σ m_j e_j t_j) (mod n²)``.

    Why this is sound (no per-branch check is needed). With gcd(n, φ(n)) = 1 (the published modulus proof),
    ``Z*_{n²} ≅ Z_n × Z*_n`` by ``(x, y) ↦ (1+n)^x·y^n``; the *class* x of an element is 0 exactly when it is an
    n-th residue. Let ``δ_j = z_j^n·(a_j·u_j^{e_j})^{-1}`` with class ``k_j``. The combination holds only if
    ``Σ t_j k_j ≡ 0 (mod n)``; if some ``k_j ≠ 0`` its additive order is at least min(p, q) > 2^k, so at most one
    value of ``t_j`` (the others fixed) passes, and a random-oracle weight does with probability ≤ 2^-k per hash
    query. So every ``a_j·u_j^{e_j}`` is an n-th residue, which is all the OR-proof's soundness uses: for a
    ``u_j`` that is not an n-th residue, ``class(a_j) + e_j·class(u_j) ≡ 0`` fixes ``e_j`` uniquely in [0, 2^k),
    so if no ``u_j`` were an n-th residue, all ``e_j`` would be fixed by the ``a_j`` and would sum to the hash
    only with probability 2^-k.

    What it does not pin down is the Z*_n component of each ``δ_j`` (e.g. a response replaced by ``n − z_j``
    multiplies ``z_j^n`` by −1, an n-th residue): such a proof proves the same statement (the proof is malleable
    there, like any proof verified up to n-th residues); the verdict stays deterministic (the weights come from the
    transcript), and a ballot's signature or BBS presentation header covers the exact proof bytes while its
    ciphertexts are deduplicated, so a mauled copy is never accepted as another ballot.
    """
    n, n2 = pk.n, pk.n2
    # 2. one random linear combination modulo n² over every branch of every statement
    weights = Transcript(domain + "/batch-weights")
    weights.append_int("n", n).append_int("count", len(statements))
    for c, values, proof, context in statements:
        weights.append_bytes("context", context).append_ints("allowed", values)
        weights.append_int("c", c).append_ints("a", proof.commitments).append_ints("e", proof.challenges)
        weights.append_ints("z", proof.responses)
    lhs = gmpy2.mpz(1)
    rhs = gmpy2.mpz(1)
    plain = 0
    for c, values, proof, _context in statements:
        exp_c = 0
        for m, a_j, e_j, z_j in zip(values, proof.commitments, proof.challenges, proof.responses, strict=True):
            t_j = weights.challenge_int("t", CHALLENGE_BITS)
            lhs = lhs * gmpy2.powmod(z_j, t_j, n2) % n2
            rhs = rhs * gmpy2.powmod(a_j, t_j, n2) % n2
            exp_c += e_j * t_j
            plain += m * e_j * t_j
        # ∏ u_j^{e_j t_j} = c^{Σ e_j t_j}·(1+n)^{-Σ m_j e_j t_j}, and (1+n)^x = 1 + x·n mod n²
        rhs = rhs * gmpy2.powmod(c, exp_c, n2) % n2
    lhs = gmpy2.powmod(lhs, n, n2)
    rhs = rhs * ((1 - plain * n) % n2) % n2
    return bool(lhs == rhs)


def _equations_hold_reference(
    pk: PublicKey,
    c: int,
    values: Sequence[int],
    a: Sequence[int],
    es: Sequence[int],
    zs: Sequence[int],
) -> bool:
    """Per-branch reference check ``z_j^n ≡ a_j·u_j^{e_j}`` with ``u_j = c·(1+n)^{-m_j}`` (tests compare it with the
    batch test)."""
    n, n2 = pk.n, pk.n2
    for m, a_j, e_j, z_j in zip(values, a, es, zs, strict=True):
        u_j = c * gmpy2.invert(gmpy2.powmod(n + 1, m, n2), n2) % n2
        if gmpy2.powmod(z_j, n, n2) != a_j * gmpy2.powmod(u_j, e_j, n2) % n2:
            return False
    return True


def prove_membership(
    pk: PublicKey,
    c: int,
    r: int,
    index: int,
    allowed: Sequence[int],
    context: bytes,
    *,
    r_n: int | None = None,
    nonces: Sequence[NthPower] | None = None,
) -> MembershipProof:
    """Prove that ``c = Enc(allowed[index]; r)`` encrypts a value of ``allowed`` without saying which.

    ``r_n`` (= r^n mod n²) and ``nonces`` (one fresh :class:`~crypto.paillier.NthPower` per allowed value) may be
    precomputed while the voter reads; then proving costs only short (k-bit) exponentiations. Nonces must never be
    reused. Raises ValueError if ``c`` is not that encryption (the prover refuses to prove a false statement).
    """
    return _prove(_MEMBERSHIP_DOMAIN, pk, c, r, index, allowed, context, r_n, nonces)


def verify_membership(pk: PublicKey, c: int, allowed: Sequence[int], proof: MembershipProof, context: bytes) -> None:
    """Verify that ``c`` encrypts a value of ``allowed`` (raises InvalidProof, also for an invalid ``c``).

    Soundness assumes gcd(n, φ(n)) = 1, which the key's published modulus proof (:mod:`crypto.threshold`)
    establishes; callers check that proof before accepting the key (voting.state does)."""
    _verify(_MEMBERSHIP_DOMAIN, pk, c, allowed, proof, context)


def prove_sum(pk: PublicKey, c: int, r: int, value: int, context: bytes) -> MembershipProof:
    """Prove that ``c`` encrypts exactly ``value`` (``c·(1+n)^{-value} = r^n``), without revealing ``r``.

    For a homomorphic sum ``C = ∏ c_j`` pass ``r = ∏ r_j mod n``. Raises ValueError for a false statement.
    """
    return _prove(_SUM_DOMAIN, pk, c, r, 0, (value,), context)


def verify_sum(pk: PublicKey, c: int, value: int, proof: MembershipProof, context: bytes) -> None:
    """Verify a :func:`prove_sum` proof that ``c`` encrypts exactly ``value`` (raises InvalidProof)."""
    _verify(_SUM_DOMAIN, pk, c, (value,), proof, context)
