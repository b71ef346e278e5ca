"""Zero-knowledge proofs about v2 Paillier ciphertexts (CDS94, DJN 2010; docs/protocol.md §P6.2, ADR 0011).

**Set membership** ("``c`` encrypts one value of the public set ``{m_1..m_K}``"): the Cramer–Damgård–Schoenmakers
OR-composition (CRYPTO '94) of Σ-protocols for "``u_j = c·(1+n)^{-m_j}`` is an n-th residue", shown as knowledge of
an integer r with ``H^r = u_j`` over the key's fixed base H (crypto.paillier.key_base), made non-interactive with
Fiat–Shamir over the whole statement. Responses are integers (k = CHALLENGE_BITS, s = SLACK_BITS, B = bits of r)::

    j ≠ i:  e_j ← [0, 2^k),  z_j ← [0, 2^{B+k+s}),  a_j = H^{z_j}·u_j^{-e_j} mod n²     (simulated branches)
    j = i:  ρ ← [0, 2^{B+k+s}),  a_i = H^ρ mod n²
    e = H(context, n, H, {m_j}, c, {a_j})  (k bits);  e_i = e − Σ_{j≠i} e_j mod 2^k;  z_i = ρ + e_i·r
    verify: Σ_j e_j ≡ e (mod 2^k),  0 <= z_j < 2^Z,  and  H^{z_j} ≡ a_j·u_j^{e_j} (mod n²) for every j

Proof fields use the letters above: ``commitments`` = (a_j), ``challenges`` = (e_j), ``responses`` = (z_j). The
real z_i is within statistical distance 2^-s of the simulated ones (statistical zero knowledge with s bits of
slack). Soundness needs gcd(n, φ(n)) = 1 and 2^k < min(p, q), which the key's modulus proof (:mod:`crypto.modulus`,
docs/decisions/0006) shows: two accepting answers to e ≠ e' give ``H^{z−z'} = u^{e−e'}``, so (e − e')·class(u) ≡ 0
(mod n) and class(u) = 0 (ADR 0011). It does not depend on the order of H.

**Known plaintext** (:func:`prove_sum` / :func:`verify_sum`): "``C`` encrypts exactly ``M``" — the one-branch case
with its own transcript domain. For a homomorphic sum ``C = ∏ c_j`` the witness is ``Σ r_j`` (an integer of at most
B + ⌈log₂ K⌉ bits; responses allow up to 2^SUM_TERMS_BITS summed ciphertexts).

Validity is the EXACT relation ``H^{z_j} ≡ a_j·u_j^{e_j} (mod n²)`` for every branch
(:func:`_equations_hold_reference`), and every path decides it the same way, so a proof gets one verdict whatever
its batch (docs/decisions/0005 as amended, 0011):

1. per proof: ranges, and ``Σ e_j ≡ e (mod 2^k)`` with e from the transcript over the whole statement;
2. per branch, exactly: ``H^{z_j} ≡ a_j·c^{e_j} (mod n)`` (``u_j ≡ c mod n``): one fixed-base exponentiation of
   H modulo n and one k-bit exponentiation modulo n;
3. per batch: the remaining *class* part of every branch modulo n², all at once with one small-exponent combination
   whose weights come from a transcript over every item (:func:`_classes_hold`): one fixed-base exponentiation of
   H and one multi-exponentiation (k-bit weights) modulo n² per batch — one proof (:func:`verify_membership`) or
   many (:func:`verify_membership_batch`).

Step 2 pins the Z*_n part of each discrepancy deterministically, step 3 pins the rest up to 2^-k per hash query
(the argument is in :func:`_equations_hold`); batching is a pure speed-up and never changes a verdict. Every
exponentiation here is fixed-base (H) or short (k-bit challenges and weights, 2k-bit combined exponents of c).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import gmpy2

from crypto.errors import DecodingError, InvalidKey, InvalidProof
from crypto.fixed_base import multi_pow
from crypto.paillier import PublicKey, key_base, randomness_bits, validate_ciphertext
from crypto.transcript import Transcript

__all__ = [
    "CHALLENGE_BITS",
    "SLACK_BITS",
    "SUM_TERMS_BITS",
    "MembershipProof",
    "MembershipStatement",
    "prove_membership",
    "prove_sum",
    "response_bits",
    "verify_membership",
    "verify_membership_batch",
    "verify_sum",
]

CHALLENGE_BITS = 128  # k
SLACK_BITS = 128  # s: statistical zero-knowledge slack of the integer responses
SUM_TERMS_BITS = 16  # witnesses may be sums of up to 2^16 encryption exponents
_MASK = (1 << CHALLENGE_BITS) - 1

_MEMBERSHIP_DOMAIN = "paillier-v2/set-membership"
_SUM_DOMAIN = "paillier-v2/known-plaintext"


def response_bits(pk: PublicKey) -> int:
    """Z: every response z_j lies in [0, 2^Z) — ℓ_r + SUM_TERMS_BITS + k + s + 1 (ADR 0011)."""
    return randomness_bits(pk) + SUM_TERMS_BITS + CHALLENGE_BITS + SLACK_BITS + 1


@dataclass(frozen=True, slots=True)
class MembershipProof:
    """CDS OR-proof: ``commitments`` a_j ∈ Z*_{n²}, ``challenges`` e_j ∈ [0, 2^k), ``responses`` z_j ∈ [0, 2^Z)
    (integers), one per allowed value, in the order of the allowed set."""

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
    t.append_int("H", key_base(pk.n).H)
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
    h_r: int | None = None,
    terms: int = 1,
) -> MembershipProof:
    values = _check_statement(pk, allowed)
    if not 1 <= terms <= 1 << SUM_TERMS_BITS:
        raise ValueError(f"a witness sums 1 to 2^{SUM_TERMS_BITS} encryption exponents")
    n, n2 = pk.n, pk.n2
    base = key_base(n)
    validate_ciphertext(pk, c)
    if not 0 <= index < len(values):
        raise ValueError("index outside the allowed set")
    if not 0 <= r < 1 << (randomness_bits(pk) + SUM_TERMS_BITS):
        raise ValueError("randomness r out of range")
    # The witness: u_i = c·(1+n)^{-m_i} = H^r (mod n²). The prover refuses a false statement. ``h_r`` = H^r mod n²
    # may come from the encryption just made; it gets a cheap check modulo n only. This is a guard for honest
    # provers, not a security check: with a wrong h_r the proof simply does not verify.
    if h_r is None:
        h_r = base.pow_n2(r)
    elif not 0 < h_r < n2 or h_r % n != base.pow_n(r):
        raise ValueError("h_r is not H^r")
    if c * (1 - values[index] * n) % n2 != h_r:
        raise ValueError("c is not an encryption of allowed[index] with randomness r")
    # B + k + s, with B the PUBLIC bound on the witness (never its actual length, which would leak): ℓ_r for one
    # encryption exponent, ℓ_r + ⌈log₂ terms⌉ for a sum of ``terms`` of them
    witness_bits = randomness_bits(pk) + (terms - 1).bit_length()
    if r >> witness_bits:
        raise ValueError(f"randomness r exceeds the bound for a sum of {terms} exponent(s)")
    nonce_bits = witness_bits + CHALLENGE_BITS + SLACK_BITS
    k = len(values)
    c_inv = gmpy2.invert(c, n2)
    commitments = [0] * k
    challenges = [0] * k
    responses = [0] * k
    for j, m in enumerate(values):
        if j == index:
            continue
        # Simulated branch: a_j = H^{z_j}·u_j^{-e_j}, with u_j^{-e_j} = c^{-e_j}·(1 + m_j·e_j·n) mod n²
        e_j = secrets.randbits(CHALLENGE_BITS)
        z_j = secrets.randbits(nonce_bits)
        u_inv_e = gmpy2.powmod(c_inv, e_j, n2) * (1 + m * e_j * n) % n2
        commitments[j] = int(base.pow_n2(z_j) * u_inv_e % n2)
        challenges[j] = e_j
        responses[j] = z_j
    rho = secrets.randbits(nonce_bits)
    commitments[index] = base.pow_n2(rho)  # a_i = H^ρ
    e = _challenge(domain, pk, c, values, commitments, context)
    e_i = (e - sum(challenges)) & _MASK  # e_i = e − Σ_{j≠i} e_j mod 2^k
    challenges[index] = e_i
    responses[index] = rho + e_i * r  # z_i = ρ + e_i·r over the integers
    del rho
    return MembershipProof(tuple(commitments), tuple(challenges), tuple(responses))


def _check_shape(
    domain: str, pk: PublicKey, c: int, allowed: Sequence[int], proof: MembershipProof, context: bytes
) -> tuple[int, ...]:
    """Step 1 of verification: the statement, every field's range, and the Fiat–Shamir challenge sum."""
    values = _check_statement(pk, allowed)
    n, n2 = pk.n, pk.n2
    try:
        validate_ciphertext(pk, c)
    except DecodingError as err:
        raise InvalidProof(f"invalid ciphertext: {err}") from err
    k = len(values)
    a, es, zs = proof.commitments, proof.challenges, proof.responses
    bound = 1 << response_bits(pk)
    # shapes and ranges: a_j ∈ Z*_{n²}, e_j ∈ [0, 2^k), z_j ∈ [0, 2^Z)
    if not (len(a) == len(es) == len(zs) == k):
        raise InvalidProof(f"proof must have exactly {k} commitments, challenges and responses")
    for j in range(k):
        if not isinstance(a[j], int) or not (0 < a[j] < n2 and gmpy2.gcd(a[j], n) == 1):
            raise InvalidProof(f"commitment {j} is not in Z*_(n²)")
        if not isinstance(es[j], int) or not 0 <= es[j] <= _MASK:
            raise InvalidProof(f"challenge {j} out of range [0, 2^{CHALLENGE_BITS})")
        if not isinstance(zs[j], int) or not 0 <= zs[j] < bound:
            raise InvalidProof(f"response {j} out of range [0, 2^{response_bits(pk)})")
    # Σ e_j ≡ e (mod 2^k), e from the transcript over the whole statement and every a_j
    if sum(es) & _MASK != _challenge(domain, pk, c, values, a, context):
        raise InvalidProof("challenges do not sum to the Fiat–Shamir challenge")
    return values


def _verify(domain: str, pk: PublicKey, c: int, allowed: Sequence[int], proof: MembershipProof, context: bytes) -> None:
    values = _check_shape(domain, pk, c, allowed, proof, context)
    # 2-3. H^{z_j} ≡ a_j · u_j^{e_j} (mod n²) for every j: exactly modulo n per branch, the class part modulo n²
    # (see _equations_hold)
    if not _equations_hold(domain, pk, [(c, values, proof, context)]):
        raise InvalidProof("the proof equations H^z_j = a_j·u_j^{e_j} (mod n²) do not hold")


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
    """Decide the exact branch equations ``H^{z_j} ≡ a_j·u_j^{e_j} (mod n²)`` of every statement (c, allowed, proof,
    context): each branch exactly modulo n (:func:`_units_hold`), then the class part of all branches at once
    (:func:`_classes_hold`).

    Why this decides the exact relation. Let ``δ_j = H^{z_j}·(a_j·u_j^{e_j})^{-1} mod n²``; the branch holds iff
    ``δ_j = 1``. With gcd(n, φ(n)) = 1 (the published modulus proof, docs/decisions/0006),
    ``Z*_{n²} ≅ Z_n × Z*_n`` by ``(x, y) ↦ (1+n)^x·y^n``; write ``δ_j = (1+n)^{k_j}·y_j^n``.

    * Step 1, modulo n (deterministic): ``(1+n)^x ≡ 1 (mod n)``, so ``δ_j ≡ y_j^n (mod n)``, and n-th powering is
      a bijection of Z*_n because gcd(n, φ(n)) = 1; hence ``δ_j ≡ 1 (mod n)`` ⇔ ``y_j = 1`` ⇔ ``δ_j = (1+n)^{k_j}``
      (equivalently: the elements ≡ 1 mod n are exactly the ``1 + kn``). Since ``u_j ≡ c (mod n)``, the check is
      ``H^{z_j} ≡ a_j·c^{e_j} (mod n)``. It is exact per branch, so no choice of weights can hide a ``y_j ≠ 1`` — such
      as ``y_j = −1`` from a commitment replaced by ``n² − a_j``, which a random-weight combination modulo n² misses
      whenever that branch's weight is even.
    * Step 2, modulo n² (batched, Bellare–Garay–Rabin EUROCRYPT '98 small exponents): with weights
      ``t_j ∈ [0, 2^k)`` from a transcript over every statement and proof,
      ``H^{Σ t_j z_j} ≡ ∏ a_j^{t_j}·∏ c^{Σ e_j t_j}·(1 − n·Σ m_j e_j t_j) (mod n²)`` says
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
    """Step 1 of :func:`_equations_hold`: ``H^{z_j} ≡ a_j·c^{e_j} (mod n)`` for every branch, exactly."""
    n = pk.n
    base = key_base(n)
    c, _values, proof, _context = statement
    c_n = c % n  # u_j = c·(1+n)^{-m_j} ≡ c (mod n)
    for a_j, e_j, z_j in zip(proof.commitments, proof.challenges, proof.responses, strict=True):
        if base.pow_n(z_j) != a_j % n * gmpy2.powmod(c_n, e_j, n) % n:
            return False
    return True


def _classes_hold(domain: str, pk: PublicKey, statements: Sequence[_Statement]) -> bool:
    """Step 2 of :func:`_equations_hold`: one small-exponent combination of every branch modulo n² (one fixed-base
    exponentiation of H and one multi-exponentiation for the whole batch). Sound for the exact relation only after
    :func:`_units_hold`."""
    n, n2 = pk.n, pk.n2
    weights = Transcript(domain + "/batch-weights")
    weights.append_int("n", n).append_int("count", len(statements))
    for c, values, proof, context in statements:
        weights.append_bytes("context", context).append_ints("allowed", values)
        weights.append_int("c", c).append_ints("a", proof.commitments).append_ints("e", proof.challenges)
        weights.append_ints("z", proof.responses)
    bases: list[int] = []
    exponents: list[int] = []
    exp_h = 0
    plain = 0
    for c, values, proof, _context in statements:
        exp_c = 0
        for m, a_j, e_j, z_j in zip(values, proof.commitments, proof.challenges, proof.responses, strict=True):
            t_j = weights.challenge_int("t", CHALLENGE_BITS)
            exp_h += t_j * z_j
            bases.append(a_j)
            exponents.append(t_j)
            exp_c += e_j * t_j
            plain += m * e_j * t_j
        # ∏ u_j^{e_j t_j} = c^{Σ e_j t_j}·(1+n)^{-Σ m_j e_j t_j}, and (1+n)^x = 1 + x·n mod n²
        bases.append(c)
        exponents.append(exp_c)
    lhs = key_base(n).pow_n2(exp_h)
    rhs = multi_pow(bases, exponents, n2) * ((1 - plain * n) % n2) % n2
    return bool(lhs == rhs)


def _equations_hold_reference(
    pk: PublicKey,
    c: int,
    values: Sequence[int],
    a: Sequence[int],
    es: Sequence[int],
    zs: Sequence[int],
) -> bool:
    """Per-branch reference check ``H^{z_j} ≡ a_j·u_j^{e_j} (mod n²)`` with ``u_j = c·(1+n)^{-m_j}``: the definition
    of validity that :func:`_equations_hold` decides faster (tests compare the two). No tables, plain powmod."""
    n, n2 = pk.n, pk.n2
    big_h = key_base(n).H
    for m, a_j, e_j, z_j in zip(values, a, es, zs, strict=True):
        u_j = c * gmpy2.invert(gmpy2.powmod(n + 1, m, n2), n2) % n2
        if gmpy2.powmod(big_h, z_j, n2) != a_j * gmpy2.powmod(u_j, e_j, n2) % n2:
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
    h_r: int | None = None,
    terms: int = 1,
) -> MembershipProof:
    """Prove that ``c = Enc(allowed[index]; r)`` encrypts a value of ``allowed`` without saying which.

    ``h_r`` (= H^r mod n², known from the encryption) saves one fixed-base exponentiation. For a homomorphic sum
    of ``terms`` ciphertexts, ``r`` is the sum of their exponents and ``terms`` sets the public bound on it (the
    nonces' length follows the bound, never r's actual length). Raises ValueError if ``c`` is not that encryption
    (the prover refuses to prove a false statement).
    """
    return _prove(_MEMBERSHIP_DOMAIN, pk, c, r, index, allowed, context, h_r, terms)


def verify_membership(pk: PublicKey, c: int, allowed: Sequence[int], proof: MembershipProof, context: bytes) -> None:
    """Verify that ``c`` encrypts a value of ``allowed`` (raises InvalidProof, also for an invalid ``c``).

    Soundness assumes gcd(n, φ(n)) = 1 and min(p, q) > 2^k, which the key's published modulus proof
    (:mod:`crypto.modulus`) establishes; callers check that proof before accepting the key (voting.state does)."""
    _verify(_MEMBERSHIP_DOMAIN, pk, c, allowed, proof, context)


def prove_sum(
    pk: PublicKey, c: int, r: int, value: int, context: bytes, *, h_r: int | None = None, terms: int = 1
) -> MembershipProof:
    """Prove that ``c`` encrypts exactly ``value`` (``c·(1+n)^{-value} = H^r``), without revealing ``r``.

    For a homomorphic sum ``C = ∏ c_j`` of ``terms`` ciphertexts pass ``r = Σ r_j``. Raises ValueError for a false
    statement.
    """
    return _prove(_SUM_DOMAIN, pk, c, r, 0, (value,), context, h_r, terms)


def verify_sum(pk: PublicKey, c: int, value: int, proof: MembershipProof, context: bytes) -> None:
    """Verify a :func:`prove_sum` proof that ``c`` encrypts exactly ``value`` (raises InvalidProof)."""
    _verify(_SUM_DOMAIN, pk, c, (value,), proof, context)
