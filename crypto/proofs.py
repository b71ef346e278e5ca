"""Zero-knowledge proofs about Paillier ciphertexts (CDS94, BFPPS01, Damgård–Jurik 2001; docs/protocol.md §P6.2).

**Set membership** ("``c`` encrypts one value of the public set ``{m_1..m_K}``"): the Cramer–Damgård–Schoenmakers
OR-composition (CRYPTO '94) of Σ-protocols for n-th residuosity, as in Baudron–Fouque–Pointcheval–Poupard–Stern
(PODC 2001) and Damgård–Jurik (PKC 2001 §5), made non-interactive with Fiat–Shamir over the whole statement::

    u_j = c·(1+n)^{-m_j} mod n²                       (u_i = r^n for the real index i)
    j ≠ i:  e_j ← [0, 2^k),  z_j ← Z*_n,  a_j = z_j^n · u_j^{-e_j} mod n²     (simulated branches)
    j = i:  ρ ← Z*_n,  a_i = ρ^n mod n²
    e = H(context, n, {m_j}, c, {a_j})  (k bits);  e_i = e − Σ_{j≠i} e_j mod 2^k;  z_i = ρ·r^{e_i} mod n
    verify: Σ_j e_j ≡ e (mod 2^k)  and  z_j^n ≡ a_j·u_j^{e_j} (mod n²) for every j

Proof fields use the letters above: ``commitments`` = (a_j), ``challenges`` = (e_j), ``responses`` = (z_j).
Soundness needs gcd(n, φ(n)) = 1 and 2^k < min(p, q); the key's modulus proof (:mod:`crypto.modulus`,
docs/decisions/0006) shows both, min(p, q) ≥ √n / 2^385 being above 2^k from 1028-bit moduli on.

**Known plaintext** (:func:`prove_sum` / :func:`verify_sum`): "``C`` encrypts exactly ``M``", i.e.
``C·(1+n)^{-M}`` is an n-th residue with witness ``r`` — the one-branch case of the proof above with its own transcript
domain. For a homomorphic sum ``C = ∏ c_j`` the witness is ``∏ r_j mod n``.

Validity is the EXACT relation ``z_j^n ≡ a_j·u_j^{e_j} (mod n²)`` for every branch (:func:`_equations_hold_reference`),
and every path decides it the same way, so a proof gets one verdict whatever its batch (docs/decisions/0005):

1. per proof: ranges, and ``Σ e_j ≡ e (mod 2^k)`` with e from the transcript over the whole statement;
2. per branch, exactly: ``z_j^n ≡ a_j·c^{e_j} (mod n)`` (``u_j ≡ c mod n``) — one full-length exponentiation modulo
   n (a quarter of the cost of one modulo n²) per branch;
3. per batch: the remaining *class* part of every branch modulo n², all at once with one small-exponent combination
   whose weights come from a transcript over every item (:func:`_classes_hold`): ONE full-length exponentiation
   modulo n² per batch — one proof (:func:`verify_membership`) or many (:func:`verify_membership_batch`).

Step 2 pins the Z*_n part of each discrepancy deterministically, step 3 pins the rest up to 2^-k per hash query
(the argument is in :func:`_equations_hold`); batching is a pure speed-up and never changes a verdict.
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
    # 3-4. z_j^n ≡ a_j · u_j^{e_j} (mod n²) for every j: exactly modulo n per branch, the class part modulo n²
    # (see _equations_hold)
    if not _equations_hold(domain, pk, [(c, values, proof, context)]):
        raise InvalidProof("the proof equations z_j^n = a_j·u_j^{e_j} (mod n²) do not hold")


@dataclass(frozen=True, slots=True)
class MembershipStatement:
    """One "c encrypts a value of allowed" claim with its proof, for :func:`verify_membership_batch`."""

    ciphertext: int
    allowed: tuple[int, ...]
    proof: MembershipProof
    context: bytes


_Statement = tuple[int, tuple[int, ...], MembershipProof, bytes]  # (c, allowed, proof, context)


def verify_membership_batch(pk: PublicKey, items: Sequence[MembershipStatement]) -> list[int]:
    """Verify many membership proofs under one key; return the positions of those that fail (empty: all hold).

    Each proof gets its exact checks (ranges, challenge sum, every branch modulo n: :func:`_units_hold`); the class
    part of the branch equations modulo n² of the whole batch is then checked with ONE full-length exponentiation
    (:func:`_classes_hold`, weights from a transcript over every item). If that combined check fails, each remaining
    proof's class check is redone on its own. Every item's verdict is the one :func:`verify_membership` gives it,
    whatever its batch-mates and their order (see :func:`_equations_hold`).
    """
    bad: list[int] = []
    good: list[int] = []
    statements: list[_Statement] = []
    for i, item in enumerate(items):
        try:
            values = _check_shape(_MEMBERSHIP_DOMAIN, pk, item.ciphertext, item.allowed, item.proof, item.context)
        except (InvalidProof, InvalidKey, ValueError):
            bad.append(i)
            continue
        statement = (item.ciphertext, values, item.proof, item.context)
        if not _units_hold(pk, statement):
            bad.append(i)
            continue
        good.append(i)
        statements.append(statement)
    if statements and not _classes_hold(_MEMBERSHIP_DOMAIN, pk, statements):
        for i, statement in zip(good, statements, strict=True):
            if not _classes_hold(_MEMBERSHIP_DOMAIN, pk, [statement]):
                bad.append(i)
    return sorted(bad)


def _equations_hold(domain: str, pk: PublicKey, statements: Sequence[_Statement]) -> bool:
    """Decide the exact branch equations ``z_j^n ≡ a_j·u_j^{e_j} (mod n²)`` of every statement (c, allowed, proof,
    context): each branch exactly modulo n (:func:`_units_hold`), then the class part of all branches at once
    (:func:`_classes_hold`).

    Why this decides the exact relation. Let ``δ_j = z_j^n·(a_j·u_j^{e_j})^{-1} mod n²``; the branch holds iff
    ``δ_j = 1``. With gcd(n, φ(n)) = 1 (the published modulus proof, docs/decisions/0006),
    ``Z*_{n²} ≅ Z_n × Z*_n`` by ``(x, y) ↦ (1+n)^x·y^n``; write ``δ_j = (1+n)^{k_j}·y_j^n``.

    * Step 1, modulo n (deterministic): ``(1+n)^x ≡ 1 (mod n)``, so ``δ_j ≡ y_j^n (mod n)``, and n-th powering is
      a bijection of Z*_n because gcd(n, φ(n)) = 1; hence ``δ_j ≡ 1 (mod n)`` ⇔ ``y_j = 1`` ⇔ ``δ_j = (1+n)^{k_j}``
      (equivalently: the elements ≡ 1 mod n are exactly the ``1 + kn``). Since ``u_j ≡ c (mod n)``, the check is
      ``z_j^n ≡ a_j·c^{e_j} (mod n)``. It is exact per branch, so no choice of weights can hide a ``y_j ≠ 1`` — such
      as ``y_j = −1`` from a response replaced by ``n − z_j``, which a random-weight combination modulo n² misses
      whenever that branch's weight is even.
    * Step 2, modulo n² (batched, Bellare–Garay–Rabin EUROCRYPT '98 small exponents): with weights
      ``t_j ∈ [0, 2^k)`` from a transcript over every statement and proof,
      ``(∏ z_j^{t_j})^n ≡ ∏ a_j^{t_j}·∏ c^{Σ e_j t_j}·(1 − n·Σ m_j e_j t_j) (mod n²)`` says
      ``∏ δ_j^{t_j} = (1+n)^{Σ t_j k_j} = 1``, i.e. ``Σ t_j k_j ≡ 0 (mod n)``. If some ``k_j ≢ 0`` then
      ``(1+n)^{k_j}`` has order ``n / gcd(n, k_j) ≥ min(p, q) > 2^k``, so with the other weights fixed the passing
      ``t_j`` form one coset of a subgroup of index ≥ min(p, q) in Z_n, which meets [0, 2^k) at most once: a
      random-oracle weight passes with probability ≤ 2^-k per hash query. So every ``k_j = 0`` and every ``δ_j = 1``.

    Hence the verdict is that of :func:`_equations_hold_reference` for every item of every batch, except with
    probability 2^-k per hash query for an adversarial proof with some ``k_j ≠ 0``; an honest proof (all
    ``δ_j = 1``) passes every combination, and a proof failing step 1 fails in every batch. Batching is a pure
    speed-up: verdicts do not depend on batch-mates, order or chunk size (intake and the verifier agree).
    """
    return all(_units_hold(pk, s) for s in statements) and _classes_hold(domain, pk, statements)


def _units_hold(pk: PublicKey, statement: _Statement) -> bool:
    """Step 1 of :func:`_equations_hold`: ``z_j^n ≡ a_j·c^{e_j} (mod n)`` for every branch, exactly."""
    n = pk.n
    c, _values, proof, _context = statement
    c_n = c % n  # u_j = c·(1+n)^{-m_j} ≡ c (mod n)
    for a_j, e_j, z_j in zip(proof.commitments, proof.challenges, proof.responses, strict=True):
        if gmpy2.powmod(z_j, n, n) != a_j % n * gmpy2.powmod(c_n, e_j, n) % n:
            return False
    return True


def _classes_hold(domain: str, pk: PublicKey, statements: Sequence[_Statement]) -> bool:
    """Step 2 of :func:`_equations_hold`: one small-exponent combination of every branch modulo n² (ONE
    full-length exponentiation for the whole batch). Sound for the exact relation only after :func:`_units_hold`."""
    n, n2 = pk.n, pk.n2
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
    """Per-branch reference check ``z_j^n ≡ a_j·u_j^{e_j} (mod n²)`` with ``u_j = c·(1+n)^{-m_j}``: the definition of
    validity that :func:`_equations_hold` decides faster (tests compare the two)."""
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

    Soundness assumes gcd(n, φ(n)) = 1 and min(p, q) > 2^k, which the key's published modulus proof
    (:mod:`crypto.modulus`) establishes; callers check that proof before accepting the key (voting.state does)."""
    _verify(_MEMBERSHIP_DOMAIN, pk, c, allowed, proof, context)


def prove_sum(pk: PublicKey, c: int, r: int, value: int, context: bytes) -> MembershipProof:
    """Prove that ``c`` encrypts exactly ``value`` (``c·(1+n)^{-value} = r^n``), without revealing ``r``.

    For a homomorphic sum ``C = ∏ c_j`` pass ``r = ∏ r_j mod n``. Raises ValueError for a false statement.
    """
    return _prove(_SUM_DOMAIN, pk, c, r, 0, (value,), context)


def verify_sum(pk: PublicKey, c: int, value: int, proof: MembershipProof, context: bytes) -> None:
    """Verify a :func:`prove_sum` proof that ``c`` encrypts exactly ``value`` (raises InvalidProof)."""
    _verify(_SUM_DOMAIN, pk, c, (value,), proof, context)
