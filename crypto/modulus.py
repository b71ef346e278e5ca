"""Proof that a Paillier modulus is a product of two large primes ≡ 3 (mod 4) (docs/decisions/0006).

The dealer publishes one non-interactive :class:`ModulusProof` for ``n``, bound to a context (the election hash);
every verifier checks it before accepting the key. Three parts, all from ONE Fiat–Shamir transcript over the whole
statement (context, n, every parameter, the ring-Pedersen modulus) and every first message:

1. **GRSB** — Goldberg–Reyzin–Sagga–Baldimtsi, "Efficient noninteractive certification of RSA moduli and beyond"
   (ASIACRYPT 2019, eprint 2018/057, §3.2 protocol P_{gcd(N,φ(N))=1}): n has no prime factor below α = 2^16 (gcd with
   the primorial) and, for 8 transcript-derived ρ_i ∈ Z*_n, ``σ_i = ρ_i^{n⁻¹ mod φ(n)}``; the verifier checks
   ``σ_i^n ≡ ρ_i (mod n)``. Soundness α^-8 = 2^-128 for gcd(n, φ(n)) = 1, so n is square-free.
2. **Blum** — the Paillier–Blum part of Π^mod, Canetti–Gennaro–Goldfeder–Makriyannis–Peled, "UC non-interactive,
   proactive, threshold ECDSA with identifiable aborts" (CCS 2020, eprint 2021/060, Fig. 16): the prover publishes
   ``w`` with Jacobi(w, n) = −1; for m = 128 transcript-derived ``y_i`` it gives bits ``a_i, b_i`` and ``x_i`` with
   ``x_i^4 ≡ (−1)^{a_i}·w^{b_i}·y_i (mod n)``. (Fig. 16's N-th roots ``z_i`` are replaced by part 1.)
3. **Fac** — Π^fac, "no small factor", CGGMP21 Fig. 28: ring-Pedersen commitments modulo N̂ = RSA-2048 to p and q
   with a Σ-protocol showing ``N = p·q`` over the integers with ``|p|, |q| ≤ 2^{ℓ+ε}·√N`` (up to a factor 2).

Why the parts together prove "n = p·q, p and q prime, p ≡ q ≡ 3 (mod 4), both ≥ √n / 2^{ℓ+ε+1}":

* Part 1 gives gcd(n, φ(n)) = 1, so n is odd and square-free; the verifier also checks that n is not prime.
* Part 2: for square-free odd n = ∏ p_i (k ≥ 2 primes), G = Z*_n / (Z*_n)^4 has order ∏ gcd(4, p_i − 1) ≥ 2^k. A
  round passes only if the class of y_i lies in −{1, −1, w, −w}, at most 4 classes of G, so with probability
  ≤ 4/|G|. |G| = 4 exactly when k = 2 and p ≡ q ≡ 3 (mod 4); otherwise |G| ≥ 8 and each round passes with probability
  ≤ 1/2, all 128 with ≤ 2^-128 per hash query (the y_i are derived after w).
* Part 3 (CGGMP21 Lemma on Π^fac, under strong RSA for N̂): from two accepting transcripts one extracts integers
  p̂ = Δz1/Δe, q̂ = Δz2/Δe with p̂·q̂ = n and |p̂|, |q̂| ≤ 2^{ℓ+ε+1}·√n. By parts 1-2, n = p·q with p, q prime; for
  √n > 2^{ℓ+ε+1} the split cannot be 1·n, so {|p̂|, |q̂|} = {p, q} and both are ≥ n / (2^{ℓ+ε+1}√n) = √n / 2^{ℓ+ε+1}
  (≥ 2^1151 at 3072 bits; above 2^128, which the 128-bit OR-proofs of crypto.proofs need, from 1028 bits on).

Parameters (ε = 2ℓ as CGGMP21 choose; Fig. 28's sampling ranges and checks as in the paper, cross-read with the
LFDT-Lockness/paillier-zk implementation): ℓ = 128 challenge bits for Π^fac, ε = 2ℓ = 256 bits of slack. The
constraint is statistical zero knowledge: the masks must hide ``e·(secret)`` where the secrets are up to 2^ℓ times
larger than the masks' unit — ``w1 = x + e·μ`` with |e·μ| < 2^{2ℓ}·N̂ and x ∈ ±2^{ℓ+ε}·N̂, so the statistical distance
is ≈ 2^{ℓ−ε}; ε = 2ℓ gives 2^-128 (likewise for v; for z1, z2 it is ≈ 2^-ε).

The ring-Pedersen parameters: N̂ = RSA-2048 (RSA Laboratories' 1991 factoring challenge; its factors were reportedly
destroyed; the same use as Zerocoin's accumulator modulus, Miers–Garman–Green–Rubin, IEEE S&P 2013), and
``s = h_s²``, ``t = h_t²`` for transcript-derived h_s, h_t ∈ Z*_N̂. Nobody knows λ with s = t^λ, so CGGMP's Π^prm
cannot be given; the costs of that (soundness rests on nobody knowing RSA-2048's factors; the commitments may reveal
p mod d for d the order of s in ⟨s, t⟩/⟨t⟩) are argued in docs/decisions/0006.

Not constant time (Python integers); exponentiations with secret exponents use ``gmpy2.powmod_sec``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import gmpy2

from crypto.errors import InvalidKey, InvalidProof
from crypto.primes import small_primes_below
from crypto.transcript import Transcript

__all__ = [
    "ALPHA_BITS",
    "BLUM_ROUNDS",
    "FAC_EPSILON",
    "FAC_L",
    "GRSB_ROUNDS",
    "RSA_2048",
    "BlumProof",
    "FacProof",
    "ModulusProof",
    "fac_widths",
    "prove_modulus",
    "verify_modulus",
]

ALPHA_BITS = 16  # α = 2^16: n has no prime factor below α (GRSB19)
GRSB_ROUNDS = 8  # m = ceil(128 / log2 α) N-th roots (GRSB19 §3.2)
BLUM_ROUNDS = 128  # m of CGGMP21 Fig. 16: soundness 2^-m
FAC_L = 128  # ℓ of CGGMP21 Fig. 28: the challenge e ∈ [0, 2^ℓ)
FAC_EPSILON = 2 * FAC_L  # ε = 2ℓ (CGGMP21): slack for statistical zero knowledge

_DOMAIN = "paillier/modulus-proof/v2"
_EXTRA_BITS = 128  # a value reduced modulo m is derived from |m| + 128 bits (statistically uniform)
_MAX_ATTEMPTS = 64
_FAC_ATTEMPTS = 4  # an honest z leaves its range with probability ≈ 2^-256 per attempt

# RSA-2048, RSA Laboratories' factoring challenge (1991; RSA Factoring Challenge list, "RSA-2048", 617 decimal digits).
# Nobody is known to have its factors. Pinned by tests (bit length, SHA-256 of this decimal string).
RSA_2048 = int(
    "25195908475657893494027183240048398571429282126204032027777137836043662020707595556264018525880784406918290641249"
    "51508218929855914917618450280848912007284499268739280728777673597141834727026189637501497182469116507761337985909"
    "57000973304597488084284017974291006424586918171951187461215151726546322822168699875491824224336372590851418654620"
    "43576798423387184774447920739934236584823824281198163815010674810451660377306056201619676256133844143603833904414"
    "95263443219011465754445417842402092461651572335077870774981712577246796292638635637328991215483143816789988504044"
    "5364023527381951378636564391212010397122822120720357"
)
RSA_2048_SHA256 = hashlib.sha256(str(RSA_2048).encode()).hexdigest()

_PRIMORIAL = gmpy2.mpz(math.prod(int(s) for s in small_primes_below(1 << ALPHA_BITS)))  # ∏ primes < α


# --- the proof -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlumProof:
    """CGGMP21 Fig. 16 (Paillier–Blum part): ``w`` with Jacobi(w, n) = −1, and per round i the bits ``a[i]``,
    ``b[i]`` ∈ {0, 1} and ``x[i]`` ∈ [1, n) with ``x_i^4 ≡ (−1)^{a_i}·w^{b_i}·y_i (mod n)``."""

    w: int
    x: tuple[int, ...]
    a: tuple[int, ...]
    b: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FacProof:
    """CGGMP21 Fig. 28 (Π^fac) with the paper's letters. First message: ring-Pedersen commitments modulo N̂
    ``P = s^p t^μ``, ``Q = s^q t^ν``, ``A = s^α t^x``, ``B = s^β t^y``, ``T = Q^α t^r`` and the integer ``sigma`` (σ);
    responses (integers, possibly negative) ``z1 = α + e·p``, ``z2 = β + e·q``, ``w1 = x + e·μ``, ``w2 = y + e·ν``,
    ``v = r + e·(σ − ν·p)``."""

    P: int
    Q: int
    A: int
    B: int
    T: int
    sigma: int
    z1: int
    z2: int
    w1: int
    w2: int
    v: int


@dataclass(frozen=True, slots=True)
class ModulusProof:
    """The whole modulus proof: GRSB19 ``sigmas`` (σ_i = ρ_i^{n⁻¹ mod φ(n)} mod n), the Paillier–Blum part
    ``blum`` and the no-small-factor part ``fac``, from one transcript bound to the context and n."""

    sigmas: tuple[int, ...]
    blum: BlumProof
    fac: FacProof


# --- bounds ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Bounds:
    """Inclusive bounds on |value| of Π^fac's integers for a modulus n (honest values always satisfy them)."""

    z: int  # z1, z2: 2^{ℓ+ε}·⌊√n⌋ — the paper's range check, the soundness-critical one
    sigma: int  # σ: 2^ℓ·n·N̂ (as sampled)
    w: int  # w1, w2: 2^{ℓ+ε+1}·N̂ (|x| ≤ 2^{ℓ+ε}N̂ plus |e·μ| < 2^{2ℓ}N̂)
    v: int  # v: 2^{ℓ+ε+1}·n·N̂ (|r| ≤ 2^{ℓ+ε}nN̂ plus |e·(σ − νp)| < 2^{2ℓ+1}nN̂)


def _bounds(n: int) -> _Bounds:
    le = FAC_L + FAC_EPSILON
    return _Bounds(
        z=int(gmpy2.isqrt(n)) << le,
        sigma=(n * RSA_2048) << FAC_L,
        w=RSA_2048 << (le + 1),
        v=(n * RSA_2048) << (le + 1),
    )


def fac_widths(modulus_bits: int) -> dict[str, int]:
    """Byte widths of a fixed-width two's-complement encoding of Π^fac's integers for a ``modulus_bits``-bit n
    (enough for every value within the verifier's bounds), and of the ring-Pedersen elements (``"ring"``)."""
    hat = RSA_2048.bit_length()
    le = FAC_L + FAC_EPSILON
    bits = {
        "sigma": FAC_L + modulus_bits + hat,
        "z": le + (modulus_bits + 1) // 2,
        "w": le + 1 + hat,
        "v": le + 1 + modulus_bits + hat,
    }
    out = {name: b // 8 + 1 for name, b in bits.items()}  # one sign bit more, rounded up to bytes
    out["ring"] = (hat + 7) // 8
    return out


# --- the transcript --------------------------------------------------------------------------------------------


def _statement(n: int, context: bytes) -> Transcript:
    t = Transcript(_DOMAIN)
    t.append_bytes("context", context).append_int("n", n)
    t.append_int("alpha_bits", ALPHA_BITS).append_int("grsb_rounds", GRSB_ROUNDS)
    t.append_int("blum_rounds", BLUM_ROUNDS).append_int("fac_l", FAC_L).append_int("fac_epsilon", FAC_EPSILON)
    t.append_int("ring_pedersen_modulus", RSA_2048)
    return t


def _unit(t: Transcript, label: str, modulus: int) -> int:
    """A transcript-derived element of Z*_modulus (statistically uniform; redrawn if not a unit)."""
    for _ in range(_MAX_ATTEMPTS):
        x = t.challenge_int(label, modulus.bit_length() + _EXTRA_BITS) % modulus
        if x != 0 and gmpy2.gcd(x, modulus) == 1:
            return x
    raise InvalidKey(f"could not derive a unit modulo the modulus ({label})")  # pragma: no cover


def _append_signed(t: Transcript, label: str, value: int) -> None:
    t.append_int(f"{label}.negative", int(value < 0)).append_int(label, abs(value))


def _ring_pedersen(t: Transcript) -> tuple[int, int]:
    """s, t ∈ QR_N̂ as squares of transcript-derived units (nobody knows log_t s)."""
    s = _unit(t, "ring_pedersen.s", RSA_2048)
    u = _unit(t, "ring_pedersen.t", RSA_2048)
    return s * s % RSA_2048, u * u % RSA_2048


def _challenges(t: Transcript, n: int, w: int, fac: Sequence[int], sigma: int) -> tuple[tuple[int, ...], int]:
    """After the statement and s, t: absorb the first messages (w; P, Q, A, B, T, σ), then derive the Blum y_i
    and the Π^fac challenge e. (The GRSB ρ_i depend only on the statement and are derived before s, t.)"""
    t.append_int("blum.w", w).append_ints("fac.PQABT", fac)
    _append_signed(t, "fac.sigma", sigma)
    ys = tuple(_unit(t, "blum.y", n) for _ in range(BLUM_ROUNDS))
    return ys, t.challenge_int("fac.e", FAC_L)


def _rhos(t: Transcript, n: int) -> tuple[int, ...]:
    return tuple(_unit(t, "grsb.rho", n) for _ in range(GRSB_ROUNDS))


# --- checks on n -----------------------------------------------------------------------------------------------


def _check_modulus_shape(n: int, min_bits: int) -> None:
    if n.bit_length() < min_bits:
        raise InvalidKey(f"modulus has {n.bit_length()} bits, at least {min_bits} required")
    if n < 3 or n % 2 == 0:
        raise InvalidKey("modulus is even")
    if gmpy2.gcd(n, _PRIMORIAL) != 1:
        raise InvalidKey(f"modulus has a prime factor below 2^{ALPHA_BITS}")
    if gmpy2.is_power(n):
        raise InvalidKey("modulus is a perfect power")
    if gmpy2.is_prime(n, 32):
        raise InvalidKey("modulus is prime")
    if n % 4 != 1:  # p ≡ q ≡ 3 (mod 4) gives n ≡ 1 (mod 4); implied by the Blum part, checked early for a clear error
        raise InvalidKey("modulus is not 1 mod 4, so not a product of two primes ≡ 3 (mod 4)")


def _in_ring(x: int) -> bool:
    return isinstance(x, int) and 0 < x < RSA_2048 and gmpy2.gcd(x, RSA_2048) == 1


# --- prover ----------------------------------------------------------------------------------------------------


def pow_sec(base: int, exponent: int, modulus: int) -> int:
    """base^exponent mod modulus for a secret exponent of either sign (powmod_sec needs exponent > 0)."""
    if exponent == 0:
        return 1
    if exponent < 0:
        base, exponent = int(gmpy2.invert(base, modulus)), -exponent
    return int(gmpy2.powmod_sec(base, exponent, modulus))


def signed_below(bound: int) -> int:
    """Uniform in [−bound, bound]."""
    return secrets.randbelow(2 * bound + 1) - bound


def _crt(residues: Sequence[int], moduli: Sequence[int]) -> int:
    n = math.prod(moduli)
    x = 0
    for r, m_i in zip(residues, moduli, strict=True):
        m = n // m_i
        x += r * m * int(gmpy2.invert(m, m_i))
    return x % n


def _prime_powers(primes: Sequence[int]) -> list[tuple[int, int]]:
    """(P, P^k) for each distinct prime P of ``primes`` (given with multiplicity)."""
    return [(prime, prime ** primes.count(prime)) for prime in sorted(set(primes))]


def _odd_part(x: int) -> int:
    while x % 2 == 0:
        x //= 2
    return x


def _fourth_root(y: int, w: int, primes: Sequence[int]) -> tuple[int, int, int]:
    """CGGMP21 Fig. 16 step 2: the (a, b) with (−1)^a w^b y in the odd-order part of Z*_{P^k} for every prime power
    of n, and its 4th root there (unique): with φ(P^k) = 2^j·m, m odd, the condition is target^m ≡ 1 and the root is
    target^{4⁻¹ mod m}. For p ≡ 3 (mod 4) the odd part is exactly the squares, so an honest dealer always finds one
    (a, b); for a bad modulus there may be none, and the cheating prover answers anyway (x = 1)."""
    n = math.prod(primes)
    powers = _prime_powers(primes)
    for a in (0, 1):
        for b in (0, 1):
            target = (-1) ** a * pow(w, b) * y % n
            roots = []
            for prime, power in powers:
                m = _odd_part(power // prime * (prime - 1))
                if power == prime and prime % 4 == 3:  # the odd part is the squares: a Legendre symbol decides
                    if gmpy2.legendre(target % prime, prime) != 1:
                        break
                elif gmpy2.powmod(target % power, m, power) != 1:
                    break
                roots.append(pow_sec(target % power, int(gmpy2.invert(4, m)) if m > 1 else 1, power))
            else:
                return a, b, _crt(roots, [power for _, power in powers])
    return 0, 0, 1


def _prove_unchecked(primes: Sequence[int], context: bytes, *, fac_p: int | None = None) -> ModulusProof:
    """The prover's algorithm on the prime factors of n (with multiplicity) without any check: tests use it to build
    the proof a cheating dealer would make for a bad modulus (n = p·q·r, p²·q, a small factor, ...); Π^fac then
    splits n as ``fac_p`` (default: the first prime) times the rest. Raw: never call it to prove a real key;
    :func:`prove_modulus` checks the modulus first."""
    n = math.prod(primes)
    powers = _prime_powers(primes)
    moduli = [power for _, power in powers]
    t = _statement(n, context)
    # 1. GRSB19 §3.2: σ_i = ρ_i^{n⁻¹ mod φ(n)} mod n (φ from the factors; ρ_i from the statement)
    rhos = _rhos(t, n)
    phi = math.prod(power // prime * (prime - 1) for prime, power in powers)
    if math.gcd(n, phi) == 1:
        d = int(gmpy2.invert(n, phi))
        sigmas = tuple(
            _crt([pow_sec(rho % power, d % (power // prime * (prime - 1)), power) for prime, power in powers], moduli)
            for rho in rhos
        )
    else:  # no n-th roots exist (gcd(n, φ(n)) ≠ 1): answer anyway
        sigmas = tuple(1 for _ in rhos)
    s, tt = _ring_pedersen(t)
    # 2. CGGMP21 Fig. 16 step 1: w with Jacobi(w, n) = −1
    while True:
        w = secrets.randbelow(n)
        if gmpy2.jacobi(w, n) == -1:
            break
    # 3. CGGMP21 Fig. 28 step 1 (first message), with n = p·q split as (fac_p, n / fac_p)
    p = fac_p if fac_p is not None else primes[0]
    q = n // p
    hat = RSA_2048
    bounds = _bounds(n)
    for _attempt in range(_FAC_ATTEMPTS):
        alpha, beta = signed_below(bounds.z), signed_below(bounds.z)
        mu, nu = signed_below(hat << FAC_L), signed_below(hat << FAC_L)
        sigma = signed_below(bounds.sigma)
        r = signed_below((n * hat) << (FAC_L + FAC_EPSILON))
        x, y = signed_below(hat << (FAC_L + FAC_EPSILON)), signed_below(hat << (FAC_L + FAC_EPSILON))
        big_q = pow_sec(s, q, hat) * pow_sec(tt, nu, hat) % hat  # Q = s^q t^ν
        commitments = (
            pow_sec(s, p, hat) * pow_sec(tt, mu, hat) % hat,  # P = s^p t^μ
            big_q,
            pow_sec(s, alpha, hat) * pow_sec(tt, x, hat) % hat,  # A = s^α t^x
            pow_sec(s, beta, hat) * pow_sec(tt, y, hat) % hat,  # B = s^β t^y
            pow_sec(big_q, alpha, hat) * pow_sec(tt, r, hat) % hat,  # T = Q^α t^r
        )
        ys, e = _challenges(t.copy(), n, w, commitments, sigma)
        # CGGMP21 Fig. 28 step 3: the responses, over the integers
        z1, z2 = alpha + e * p, beta + e * q
        # an honest z leaves ±2^{ℓ+ε}√n with probability ≈ 2^-ε: then draw fresh masks (a cheater gives up)
        if abs(z1) <= bounds.z and abs(z2) <= bounds.z:
            break
    big_p, big_q, big_a, big_b, big_t = commitments
    fac = FacProof(
        P=big_p,
        Q=big_q,
        A=big_a,
        B=big_b,
        T=big_t,
        sigma=sigma,
        z1=z1,
        z2=z2,
        w1=x + e * mu,
        w2=y + e * nu,
        v=r + e * (sigma - nu * p),  # σ̂ = σ − ν·p
    )
    # 4. CGGMP21 Fig. 16 step 2: a 4th root of (−1)^{a_i} w^{b_i} y_i for every round
    roots = [_fourth_root(y_i, w, primes) for y_i in ys]
    blum = BlumProof(
        w=w,
        x=tuple(root for _, _, root in roots),
        a=tuple(a for a, _, _ in roots),
        b=tuple(b for _, b, _ in roots),
    )
    del alpha, beta, mu, nu, r, x, y
    return ModulusProof(sigmas=sigmas, blum=blum, fac=fac)


def prove_modulus(p: int, q: int, context: bytes) -> ModulusProof:
    """Prove that ``n = p·q`` is a product of two distinct primes ≡ 3 (mod 4), gcd(n, φ(n)) = 1, with no factor
    below √n / 2^{ℓ+ε} (the honest dealer's safe primes of equal size satisfy all of it).

    Raises ValueError for a modulus that is not of that form: the prover refuses to prove a false statement.
    """
    if p == q or not (gmpy2.is_prime(p, 64) and gmpy2.is_prime(q, 64)):
        raise ValueError("p and q must be distinct primes")
    if p % 4 != 3 or q % 4 != 3:
        raise ValueError("p and q must both be 3 mod 4 (a Paillier–Blum modulus)")
    n = p * q
    if math.gcd(n, (p - 1) * (q - 1)) != 1:
        raise ValueError("gcd(n, φ(n)) != 1: no proof exists")
    if p.bit_length() != q.bit_length():  # then p, q < 2√n, and both are ≥ √n / 2 > √n / 2^{ℓ+ε+1}
        raise ValueError("p and q must have the same bit length (the no-small-factor proof)")
    try:
        _check_modulus_shape(n, 0)
    except InvalidKey as e:
        raise ValueError(str(e)) from e
    return _prove_unchecked((p, q), context)


# --- verifier --------------------------------------------------------------------------------------------------


def verify_modulus(n: int, proof: ModulusProof, context: bytes, *, min_bits: int) -> None:
    """Verify a :class:`ModulusProof` for ``n`` bound to ``context`` (steps numbered as in docs/protocol.md §P3.4).

    Raises InvalidKey if ``n`` itself is malformed (below ``min_bits``, even, a prime factor below α = 2^16, not
    1 mod 4, a perfect power, prime) and InvalidProof if any part of the proof does not verify.
    """
    # 0. the modulus itself
    _check_modulus_shape(n, min_bits)
    sigmas, blum, fac = proof.sigmas, proof.blum, proof.fac
    # 1. shapes and ranges of every field, before any exponentiation
    if len(sigmas) != GRSB_ROUNDS:
        raise InvalidProof(f"modulus proof must have {GRSB_ROUNDS} N-th roots, got {len(sigmas)}")
    for i, sigma_i in enumerate(sigmas, start=1):
        if not isinstance(sigma_i, int) or not 0 < sigma_i < n:
            raise InvalidProof(f"N-th root {i} out of range (0, n)")
    if not (len(blum.x) == len(blum.a) == len(blum.b) == BLUM_ROUNDS):
        raise InvalidProof(f"the Blum part must have {BLUM_ROUNDS} rounds of (x, a, b)")
    if not isinstance(blum.w, int) or not 0 < blum.w < n:
        raise InvalidProof("w out of range (0, n)")
    if gmpy2.jacobi(blum.w, n) != -1:  # CGGMP21 Fig. 16, "Jacobi(w, N) = −1"
        raise InvalidProof("w does not have Jacobi symbol −1 modulo n")
    for i in range(BLUM_ROUNDS):
        if not isinstance(blum.x[i], int) or not 0 < blum.x[i] < n:
            raise InvalidProof(f"Blum root x_{i} out of range (0, n)")
        if blum.a[i] not in (0, 1) or blum.b[i] not in (0, 1):
            raise InvalidProof(f"Blum bits a_{i}, b_{i} must be 0 or 1")
    commitments = (fac.P, fac.Q, fac.A, fac.B, fac.T)
    for name, value in zip("PQABT", commitments, strict=True):
        if not _in_ring(value):
            raise InvalidProof(f"commitment {name} is not in Z*_N̂")
    bounds = _bounds(n)
    for name, value, bound in (
        ("sigma", fac.sigma, bounds.sigma),
        ("z1", fac.z1, bounds.z),  # CGGMP21 Fig. 28, "z1, z2 ∈ ±√N0·2^{ℓ+ε}": the factor-size check
        ("z2", fac.z2, bounds.z),
        ("w1", fac.w1, bounds.w),
        ("w2", fac.w2, bounds.w),
        ("v", fac.v, bounds.v),
    ):
        if not isinstance(value, int) or abs(value) > bound:
            raise InvalidProof(f"Π^fac response {name} out of range")
    # 2. the transcript: ρ_i from the statement, s and t, then the first messages, then y_i and e
    t = _statement(n, context)
    rhos = _rhos(t, n)
    s, tt = _ring_pedersen(t)
    ys, e = _challenges(t, n, blum.w, commitments, fac.sigma)
    # 3. GRSB19 §3.2 verifier: σ_i^n ≡ ρ_i (mod n)
    for i, (sigma_i, rho) in enumerate(zip(sigmas, rhos, strict=True), start=1):
        if gmpy2.powmod(sigma_i, n, n) != rho:
            raise InvalidProof(f"N-th root {i} is not an n-th root of ρ_{i}: gcd(n, φ(n)) = 1 not shown")
    # 4. CGGMP21 Fig. 16 verifier: x_i^4 ≡ (−1)^{a_i} w^{b_i} y_i (mod n) — two squarings per round
    for i, (x_i, y_i) in enumerate(zip(blum.x, ys, strict=True)):
        rhs = y_i * (blum.w if blum.b[i] else 1) % n
        if blum.a[i]:
            rhs = n - rhs
        if pow(pow(x_i, 2, n), 2, n) != rhs:
            raise InvalidProof(f"Blum round {i}: x_{i} is not a 4th root: not a product of two primes ≡ 3 mod 4")
    # 5. CGGMP21 Fig. 28 verifier, modulo N̂: R = s^N t^σ, and the three equations
    hat = RSA_2048
    r_big = gmpy2.powmod(s, n, hat) * gmpy2.powmod(tt, fac.sigma, hat) % hat
    if gmpy2.powmod(s, fac.z1, hat) * gmpy2.powmod(tt, fac.w1, hat) % hat != fac.A * gmpy2.powmod(fac.P, e, hat) % hat:
        raise InvalidProof("Π^fac: s^z1 t^w1 ≠ A·P^e")
    if gmpy2.powmod(s, fac.z2, hat) * gmpy2.powmod(tt, fac.w2, hat) % hat != fac.B * gmpy2.powmod(fac.Q, e, hat) % hat:
        raise InvalidProof("Π^fac: s^z2 t^w2 ≠ B·Q^e")
    if (
        gmpy2.powmod(fac.Q, fac.z1, hat) * gmpy2.powmod(tt, fac.v, hat) % hat
        != fac.T * gmpy2.powmod(r_big, e, hat) % hat
    ):
        raise InvalidProof("Π^fac: Q^z1 t^v ≠ T·R^e")
