"""Threshold Paillier decryption, any t of l, from shares of a multiple of φ(n) — one scheme for the dealer and for
the dealer-free ceremony (docs/protocol.md §P3.3, §P8, §P15.5–§P15.8; docs/decisions/0014).

The scheme (Shoup's Δ = l!, EUROCRYPT 2000; shares of a multiple of φ(n) instead of Shoup's d ≡ 0 mod m, d ≡ 1 mod n,
as in Fouque–Poupard–Stern FC 2000 and Damgård–Koprowski EUROCRYPT 2001, which need no safe primes; the dealer-free
key generation of Nishide–Sakurai WISA 2010):

* **Secret** — an integer ``d`` that is a multiple of φ(n) (``d = β·φ(n)`` for the dealer, ``Δ³·β·φ(n)`` with
  ``β = Σβ_j`` from the ceremony: :mod:`crypto.threshold_session`), shared with a degree-(t−1) INTEGER polynomial
  ``f(X) = Δ·d + a_1 X + … + a_{t−1} X^{t−1}``, coefficients uniform in ``[0, 2^{R})`` with ``R`` large enough that
  any t−1 shares are statistically independent of ``d`` (Rabin, CRYPTO 1998: the free term is a multiple of Δ).
  Trustee i holds ``s_i = f(i)``.
* **Public key** — n, t, l, ``θ = f(0) mod n = Δ·d mod n`` (a unit), the Feldman commitments ``C_k = v^{Δ·a_k}``
  (``C_0 = v^{Δ·f(0)}``) in Z*_{n²} on the base ``v`` DERIVED from n by hashing (:func:`derive_v`: nobody chooses it),
  and the verification keys ``v_i = v^{Δ·s_i} = ∏_k C_k^{i^k}`` (anyone recomputes them from the commitments).
  Because φ(n) | f(0), ``C_0 ≡ 1 (mod n)``.
* **Share** — :func:`partial_decrypt`: ``c_i = c^{2Δ s_i} mod n²`` with an equality-of-discrete-logs proof
  (:class:`EqualityProof`, integer response, statistical zero knowledge) that ``log_{c^4}(c_i²) = log_v(v_i)``.
* **Combine** — :func:`combine`: ``λ_i = Δ·∏_{j∈S∖{i}} j/(j−i) ∈ Z``; ``c' = ∏ c_i^{2λ_i} = c^{4Δ²·f(0)}``; as
  φ(n) | f(0) the randomness vanishes and ``c' = (1+n)^{4Δ²·f(0)·M} = 1 + 4Δ²θM·n (mod n²)``, so
  ``M = L(c')·(4Δ²θ)^{-1} mod n`` with ``L(u) = (u − 1)/n``.
* **Key validity** — :func:`verify_public_key`: the structure, the commitments against the verification keys, θ, the
  modulus proof (:mod:`crypto.modulus`, docs/decisions/0006) and a test decryption of a transcript-derived ciphertext
  by two different quorums (:class:`TestDecryption`).

Not constant time: Python big integers are variable time. Exponentiations with a secret exponent use
``gmpy2.powmod_sec``; erasing secrets (``del``) is best effort only.
"""

from __future__ import annotations

import functools
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import gmpy2

from crypto.errors import DecodingError, InvalidKey, InvalidShareProof, NotEnoughShares
from crypto.fixed_base import FixedBase
from crypto.modulus import (
    ALPHA_BITS,
    BLUM_ROUNDS,
    GRSB_ROUNDS,
    BlumProof,
    FacProof,
    ModulusProof,
    pow_sec,
    prove_modulus,
    verify_modulus,
)
from crypto.modulus import fac_widths as modulus_proof_widths
from crypto.paillier import PublicKey, validate_ciphertext
from crypto.primes import is_safe_prime, random_safe_prime_pair
from crypto.transcript import Transcript

__all__ = [
    "CHALLENGE_BITS",
    "MODULUS_PROOF_ALPHA_BITS",
    "MODULUS_PROOF_BLUM_ROUNDS",
    "MODULUS_PROOF_ROUNDS",
    "BlumProof",
    "DecryptionShare",
    "EqualityProof",
    "FacProof",
    "KeyShare",
    "ModulusProof",
    "TestDecryption",
    "ThresholdPublicKey",
    "ciphertext_of_test_decryption",
    "combine",
    "commitment_bits",
    "deal",
    "derive_v",
    "generate",
    "lagrange_coefficient",
    "make_test_decryption",
    "modulus_proof_widths",
    "partial_decrypt",
    "prove_modulus",
    "quorums_of_test_decryption",
    "response_bits",
    "secret_bits",
    "share_bits",
    "verify_commitments",
    "verify_modulus",
    "verify_public_key",
    "verify_share",
    "verify_test_decryption",
]

CHALLENGE_BITS = 128  # k: Fiat–Shamir challenge length (statistical security of the share proofs)
STATISTICAL_BITS = 128  # κ: statistical hiding of the integer sharings and of the proofs' responses
MAX_PARTIES = 1024  # Δ = l! stays a reasonable exponent factor
MAX_TABLE_PARTIES = 32  # v's fixed-base table covers the exponents of up to this many trustees (more: powmod)

_SHARE_DOMAIN = "threshold-paillier/decryption-share/v2"
_V_DOMAIN = "threshold-paillier/v/v1"
_TEST_DOMAIN = "threshold-paillier/test-decryption/v1"
_EXTRA_BITS = 128
_MAX_ATTEMPTS = 64


# --- sizes -----------------------------------------------------------------------------------------------------


def _delta_bits(parties: int) -> int:
    return math.factorial(parties).bit_length()


def secret_bits(modulus_bits: int, parties: int) -> int:
    """A bound (in bits) on the shared multiple ``d`` of φ(n) and on each of the ceremony's additive shares of it
    (:mod:`crypto.threshold_session`: ``a_j = Λ_j·β(j)·φ(j)``, the product of two points of degree-h integer
    sharings with ``|n| + κ``-bit free terms and ``R = |x| + 2|Δ| + κ``-bit coefficients, times an integer Lagrange
    coefficient ``|Λ_j| ≤ Δ·l^l``); the dealer's ``d = β·φ`` is smaller."""
    delta, lb, h = _delta_bits(parties), parties.bit_length(), (parties - 1) // 2
    return 2 * modulus_bits + 3 * STATISTICAL_BITS + 6 * delta + (parties + 2 * h + 4) * lb + 16


def commitment_bits(modulus_bits: int, parties: int) -> int:
    """R: each polynomial coefficient is uniform in ``[0, 2^R)``; ``2^R ≥ 2^κ·Δ²·2^{|d|}`` hides ``f(0) = Δ·d``
    from any t−1 shares (Rabin, CRYPTO 1998)."""
    return secret_bits(modulus_bits, parties) + 2 * _delta_bits(parties) + STATISTICAL_BITS


def share_bits(modulus_bits: int, threshold: int, parties: int) -> int:
    """A bound on ``|s_i|`` for every honest share: a sum of ``l`` polynomials with ``t`` coefficients below
    ``2^R`` (the free terms are smaller) evaluated at ``i ≤ l``."""
    lb = parties.bit_length()
    return commitment_bits(modulus_bits, parties) + 2 * lb + threshold.bit_length() + (threshold - 1) * lb + 1


def _nonce_bits_for(modulus_bits: int, threshold: int, parties: int) -> int:
    """|w| of the share proof: the secret exponent Δ·s_i plus 2k bits (statistical zero knowledge)."""
    return share_bits(modulus_bits, threshold, parties) + _delta_bits(parties) + 2 * CHALLENGE_BITS


def response_bits(modulus_bits: int, threshold: int, parties: int) -> int:
    """Every honest response satisfies ``|z| < 2^response_bits`` (the verifier's range check)."""
    return _nonce_bits_for(modulus_bits, threshold, parties) + 1


# --- the base v ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def derive_v(n: int) -> int:
    """The verification base ``v = x² mod n²`` with x hashed from n (a transcript over n and a counter): nobody
    chooses it, so nobody knows anything about its discrete logarithms (§P3.3)."""
    n2 = n * n
    t = Transcript(_V_DOMAIN).append_int("n", n)
    for _ in range(_MAX_ATTEMPTS):
        x = t.challenge_int("x", n2.bit_length() + _EXTRA_BITS) % n2
        if x > 1 and gmpy2.gcd(x, n) == 1:
            v = int(gmpy2.powmod(x, 2, n2))
            if v != 1:
                return v
    raise InvalidKey("could not derive the verification base v")  # pragma: no cover


# --- keys ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThresholdPublicKey:
    """The public part of a threshold key: ``n``, threshold ``t``, number of trustees ``l``, ``theta`` (θ = f(0) mod
    n), the Feldman commitments ``C_0..C_{t−1}`` and the verification keys ``v_i = v^{Δ s_i} mod n²`` of trustees
    ``i = 1..l`` (``verification_keys[i − 1]``); ``v`` is derived from n (:func:`derive_v`)."""

    n: int
    threshold: int
    parties: int
    theta: int
    commitments: tuple[int, ...]
    verification_keys: tuple[int, ...]
    _paillier: PublicKey = field(init=False, repr=False, compare=False)
    _v: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "commitments", tuple(self.commitments))
        object.__setattr__(self, "verification_keys", tuple(self.verification_keys))
        object.__setattr__(self, "_paillier", PublicKey(self.n))
        object.__setattr__(self, "_v", derive_v(self.n))

    @property
    def delta(self) -> int:
        """Δ = l! (Shoup): makes every Lagrange coefficient an integer."""
        return math.factorial(self.parties)

    @property
    def v(self) -> int:
        """The verification base, derived from n."""
        return self._v

    @property
    def paillier(self) -> PublicKey:
        """The ordinary Paillier public key (encryption, ciphertext validation)."""
        return self._paillier

    @property
    def n2(self) -> int:
        return self._paillier.n2

    @property
    def modulus_bits(self) -> int:
        return self.n.bit_length()

    def verification_key(self, index: int) -> int:
        """``v_i`` of trustee ``index`` (1-based)."""
        return self.verification_keys[index - 1]

    def validate(self, min_bits: int) -> None:
        """Check the key's structure (raises InvalidKey): sizes, counts, θ a unit below n, every commitment and
        verification key in Z*_{n²}, ``C_0 ≡ 1 (mod n)``. The commitments against the verification keys:
        :func:`verify_commitments`; the modulus: :func:`verify_modulus`; all of it: :func:`verify_public_key`."""
        n = self.n
        if n.bit_length() < min_bits:
            raise InvalidKey(f"modulus has {n.bit_length()} bits, at least {min_bits} required")
        if not 1 <= self.threshold <= self.parties:
            raise InvalidKey(f"threshold {self.threshold} must satisfy 1 <= t <= l = {self.parties}")
        if self.parties > MAX_PARTIES:
            raise InvalidKey(f"at most {MAX_PARTIES} trustees are supported")
        if len(self.verification_keys) != self.parties:
            raise InvalidKey(f"expected {self.parties} verification keys, got {len(self.verification_keys)}")
        if len(self.commitments) != self.threshold:
            raise InvalidKey(f"expected {self.threshold} commitments, got {len(self.commitments)}")
        if not isinstance(self.theta, int) or not 0 < self.theta < n or gmpy2.gcd(self.theta, n) != 1:
            raise InvalidKey("theta must be a unit modulo n in (0, n)")
        for k, ck in enumerate(self.commitments):
            try:
                validate_ciphertext(self._paillier, ck)
            except DecodingError as e:
                raise InvalidKey(f"commitment C_{k} is not in Z*_(n²): {e}") from e
        if self.commitments[0] % n != 1:  # φ(n) | f(0), so v^{Δ f(0)} ≡ 1 (mod n)
            raise InvalidKey("commitment C_0 is not 1 mod n: the shared secret is not a multiple of φ(n)")
        for i, vi in enumerate(self.verification_keys, start=1):
            try:
                validate_ciphertext(self._paillier, vi)
            except DecodingError as e:
                raise InvalidKey(f"verification key v_{i} is not in Z*_(n²): {e}") from e


@dataclass(frozen=True, slots=True)
class KeyShare:
    """Trustee ``index``'s secret share ``s_i = f(i)`` (an integer; never printed)."""

    index: int
    secret: int = field(repr=False)
    public_key: ThresholdPublicKey


def _check_parameters(threshold: int, parties: int) -> None:
    if not 1 <= parties <= MAX_PARTIES:
        raise ValueError(f"number of trustees must be in [1, {MAX_PARTIES}]")
    if not 1 <= threshold <= parties:
        raise ValueError("threshold must satisfy 1 <= t <= l")


def feldman_commitment(n: int, coefficient: int, parties: int) -> int:
    """``v^{Δ·a} mod n²`` for one coefficient ``a`` of a sharing polynomial (secret exponent)."""
    return pow_sec(derive_v(n), math.factorial(parties) * coefficient, n * n)


def commitment_power(n: int, commitments: Sequence[int], index: int) -> int:
    """``∏_k C_k^{index^k} mod n²``: what the Feldman commitments say ``v^{Δ·f(index)}`` is (public exponents)."""
    n2 = n * n
    acc = gmpy2.mpz(1)
    for k, ck in enumerate(commitments):
        acc = acc * gmpy2.powmod(ck, index**k, n2) % n2
    return int(acc)


def key_from_polynomial(
    n: int, threshold: int, parties: int, coefficients: Sequence[int]
) -> tuple[ThresholdPublicKey, list[int]]:
    """The public key and the shares ``f(1..l)`` of the integer polynomial ``f`` (free term ``Δ·d``, d a multiple
    of φ(n)): θ, the commitments ``C_k = v^{Δ a_k}``, ``v_i = v^{Δ f(i)}``. Raw: the dealer's path (the ceremony sums
    the trustees' polynomials in the exponent instead, :mod:`crypto.threshold_session`)."""
    secrets_ = [_horner(coefficients, i) for i in range(1, parties + 1)]
    commitments = tuple(feldman_commitment(n, a, parties) for a in coefficients)
    delta = math.factorial(parties)
    vks = tuple(pow_sec(derive_v(n), delta * s, n * n) for s in secrets_)
    pk = ThresholdPublicKey(
        n=n,
        threshold=threshold,
        parties=parties,
        theta=coefficients[0] % n,
        commitments=commitments,
        verification_keys=vks,
    )
    return pk, secrets_


def _horner(coefficients: Sequence[int], x: int) -> int:
    acc = 0
    for a in reversed(coefficients):
        acc = acc * x + a
    return acc


def deal(p: int, q: int, threshold: int, parties: int) -> tuple[ThresholdPublicKey, list[KeyShare]]:
    """The trusted dealer: the same key format as the ceremony, from two distinct primes of equal size with
    gcd(n, φ(n)) = 1 (safe primes are not needed). ``d = β·φ(n)`` for a random ``β`` of ``|n| + κ`` bits with
    θ = Δ·d mod n a unit; ``f(X) = Δ·d + a_1 X + … + a_{t−1} X^{t−1}`` with ``a_k ∈ [0, 2^R)``.

    Raw: the caller owns ``p`` and ``q`` and must erase them; d and the polynomial are deleted before return (best
    effort in Python).
    """
    _check_parameters(threshold, parties)
    if p == q or p.bit_length() != q.bit_length():
        raise ValueError("p and q must be distinct primes of the same bit length")
    if not (gmpy2.is_prime(p, 64) and gmpy2.is_prime(q, 64)):
        raise ValueError("p and q must be primes")
    n = p * q
    phi = (p - 1) * (q - 1)
    if math.gcd(n, phi) != 1:
        raise ValueError("gcd(n, φ(n)) != 1")
    if parties >= min(p, q):  # Δ = l! and 4Δ² must be invertible modulo n
        raise ValueError("primes too small for this number of trustees")
    delta = math.factorial(parties)
    bits = n.bit_length()
    while True:
        beta = secrets.randbits(bits + STATISTICAL_BITS)
        d = beta * phi
        if d and math.gcd(delta * d % n, n) == 1:
            break
    r_bits = commitment_bits(bits, parties)
    coefficients = [delta * d] + [secrets.randbits(r_bits) for _ in range(threshold - 1)]
    pk, secrets_ = key_from_polynomial(n, threshold, parties, coefficients)
    shares = [KeyShare(index=i, secret=s, public_key=pk) for i, s in enumerate(secrets_, start=1)]
    del phi, beta, d, coefficients, secrets_
    return pk, shares


def verify_commitments(pk: ThresholdPublicKey) -> None:
    """Feldman: every verification key is what the commitments say, ``v_i = ∏_k C_k^{i^k}`` (raises InvalidKey)."""
    for i in range(1, pk.parties + 1):
        if commitment_power(pk.n, pk.commitments, i) != pk.verification_key(i):
            raise InvalidKey(f"verification key v_{i} does not match the commitments")


# --- decryption shares -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EqualityProof:
    """Fiat–Shamir proof that ``log_{c^4}(c_i²) = log_v(v_i)`` (Shoup EUROCRYPT 2000 §2.3, integer version).

    ``e`` is the challenge (``CHALLENGE_BITS`` bits) and ``z = w + e·Δ·s_i`` the response over the integers (either
    sign), with ``w`` uniform in ``[0, 2^{|Δ s_i| + 2k})``. The verifier recomputes the commitments
    ``a = (c^4)^z·(c_i²)^{-e}`` and ``b = v^z·v_i^{-e}`` and checks that ``e`` is the challenge of the transcript.
    """

    e: int
    z: int


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Trustee ``index``'s partial decryption ``value = c^{2Δ s_i} mod n²`` with its proof."""

    index: int
    value: int
    proof: EqualityProof


def _nonce_bits(pk: ThresholdPublicKey) -> int:
    return _nonce_bits_for(pk.modulus_bits, pk.threshold, pk.parties)


def _share_challenge(pk: ThresholdPublicKey, c: int, index: int, value: int, a: int, b: int, context: bytes) -> int:
    t = Transcript(_SHARE_DOMAIN)
    t.append_bytes("context", context)
    t.append_int("n", pk.n).append_int("t", pk.threshold).append_int("l", pk.parties).append_int("theta", pk.theta)
    t.append_ints("commitments", pk.commitments)
    t.append_int("v", pk.v).append_int("v_i", pk.verification_key(index)).append_int("i", index)
    t.append_int("c", c).append_int("c_i", value)
    t.append_int("a", a).append_int("b", b)
    return t.challenge_int("e", CHALLENGE_BITS)


@functools.lru_cache(maxsize=8)
def _v_table(n: int, bits: int) -> FixedBase:
    """A fixed-base table for the key's v modulo n² (window 5: docs/decisions/0011) for the verifier's v^z (public
    exponents only)."""
    return FixedBase(derive_v(n), n * n, bits, 5)


def _v_pow(pk: ThresholdPublicKey, z: int) -> int:
    if pk.parties > MAX_TABLE_PARTIES:
        return int(gmpy2.powmod(pk.v, z, pk.n2))
    table = _v_table(pk.n, response_bits(pk.modulus_bits, pk.threshold, pk.parties))
    if z >= 0:
        return int(table.pow(z))
    return int(gmpy2.invert(table.pow(-z), pk.n2))


def partial_decrypt(share: KeyShare, c: int, context: bytes) -> DecryptionShare:
    """Trustee ``share.index``'s decryption share of ``c`` with its proof, bound to ``context``."""
    pk = share.public_key
    n2 = pk.n2
    validate_ciphertext(pk.paillier, c)
    exponent = pk.delta * share.secret  # Δ·s_i (either sign)
    value = pow_sec(c, 2 * exponent, n2)  # c_i = c^{2Δ s_i}
    # Commit: w ← [0, 2^{|Δ s_i| + 2k}), a = (c^4)^w, b = v^w
    w = secrets.randbits(_nonce_bits(pk))
    c4 = int(gmpy2.powmod(c, 4, n2))
    a = pow_sec(c4, w, n2)
    b = pow_sec(pk.v, w, n2)  # w is secret: powmod_sec, not the (variable-time) table the verifier uses
    e = _share_challenge(pk, c, share.index, value, a, b, context)
    z = w + e * exponent  # over the integers
    del w, exponent
    return DecryptionShare(index=share.index, value=value, proof=EqualityProof(e=e, z=z))


def verify_share(pk: ThresholdPublicKey, c: int, share: DecryptionShare, context: bytes) -> None:
    """Check one decryption share of ``c`` (raises InvalidShareProof naming the trustee, DecodingError for a bad c)."""
    validate_ciphertext(pk.paillier, c)
    i = share.index
    if not isinstance(i, int) or not 1 <= i <= pk.parties:
        raise InvalidShareProof(f"trustee {i}: index out of range 1..{pk.parties}")
    n2 = pk.n2
    try:
        validate_ciphertext(pk.paillier, share.value)
    except DecodingError as err:
        raise InvalidShareProof(f"trustee {i}: share value is not in Z*_(n²) ({err})") from err
    e, z = share.proof.e, share.proof.z
    if not isinstance(e, int) or not 0 <= e < 1 << CHALLENGE_BITS:
        raise InvalidShareProof(f"trustee {i}: challenge e out of range")
    # Honest |z| ≤ w + e·|Δ s_i| < 2^B + 2^{B−k}, B = |Δ s_i|max + 2k: so |z| < 2^{B+1}
    if not isinstance(z, int) or not abs(z) < 1 << response_bits(pk.modulus_bits, pk.threshold, pk.parties):
        raise InvalidShareProof(f"trustee {i}: response z out of range")
    vi = pk.verification_key(i)
    c4 = gmpy2.powmod(c, 4, n2)
    ci2 = gmpy2.powmod(share.value, 2, n2)
    # a = (c^4)^z · (c_i²)^{-e},  b = v^z · v_i^{-e}  (mod n²)
    a = gmpy2.powmod(c4, z, n2) * gmpy2.powmod(gmpy2.invert(ci2, n2), e, n2) % n2
    b = _v_pow(pk, z) * gmpy2.powmod(gmpy2.invert(vi, n2), e, n2) % n2
    if _share_challenge(pk, c, i, share.value, int(a), int(b), context) != e:
        raise InvalidShareProof(f"trustee {i}: proof of correct decryption does not verify")


def lagrange_coefficient(delta: int, index: int, indexes: Sequence[int]) -> int:
    """``λ_i = Δ·∏_{j∈S∖{i}} j/(j−i)`` — an integer because Δ = l! (Shoup 2000 §3)."""
    num, den = delta, 1
    for j in indexes:
        if j != index:
            num *= j
            den *= j - index
    value, rest = divmod(num, den)
    if rest:  # pragma: no cover - impossible when every index is in 1..l and Δ = l!
        raise ValueError("Lagrange coefficient is not an integer")
    return value


def combine(pk: ThresholdPublicKey, c: int, shares: Sequence[DecryptionShare]) -> int:
    """Combine decryption shares into the plaintext ``M = L(∏ c_i^{2λ_i})·(4Δ²θ)^{-1} mod n``.

    Does NOT verify the shares: call :func:`verify_share` on each first and pass only the valid ones. Needs at least
    ``t`` shares with distinct indexes (raises NotEnoughShares / InvalidShareProof) and uses the first ``t`` of them.
    """
    seen: set[int] = set()
    for s in shares:
        if not 1 <= s.index <= pk.parties:
            raise InvalidShareProof(f"trustee {s.index}: index out of range 1..{pk.parties}")
        if s.index in seen:
            raise InvalidShareProof(f"trustee {s.index}: duplicate decryption share")
        seen.add(s.index)
    if len(shares) < pk.threshold:
        raise NotEnoughShares(f"{len(shares)} decryption shares, {pk.threshold} needed")
    used = list(shares[: pk.threshold])
    indexes = [s.index for s in used]
    n, n2, delta = pk.n, pk.n2, pk.delta
    acc = gmpy2.mpz(1)
    for s in used:
        lam = lagrange_coefficient(delta, s.index, indexes)
        base = gmpy2.mpz(s.value) if lam >= 0 else gmpy2.invert(s.value, n2)  # negative λ_i via the inverse
        acc = acc * gmpy2.powmod(base, 2 * abs(lam), n2) % n2  # c_i^{2λ_i}
    # c' = c^{4Δ² f(0)} = (1 + n)^{4Δ² f(0) M} since φ(n) | f(0): c' ≡ 1 (mod n); M = L(c')·(4Δ²θ)^{-1} mod n
    if acc % n != 1:
        raise InvalidShareProof("the combined shares are not of the form 1 + kn: at least one share is invalid")
    return int((acc - 1) // n * gmpy2.invert(4 * delta * delta * pk.theta, n) % n)


# --- the test decryption ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TestDecryption:
    """Every trustee's decryption share (``shares[i − 1]`` from trustee i) of
    :func:`ciphertext_of_test_decryption`: the verifier combines two different quorums
    (:func:`quorums_of_test_decryption`) and checks both give the derived plaintext."""

    __test__ = False  # not a pytest test class

    shares: tuple[DecryptionShare, ...]


def quorums_of_test_decryption(threshold: int, parties: int) -> tuple[tuple[int, ...], ...]:
    """The quorums of the test decryption: trustees 1..t and l−t+1..l (one quorum when t = l)."""
    first = tuple(range(1, threshold + 1))
    last = tuple(range(parties - threshold + 1, parties + 1))
    return (first,) if first == last else (first, last)


def ciphertext_of_test_decryption(pk: ThresholdPublicKey, context: bytes) -> tuple[int, int, bytes]:
    """``(M, c, share_context)``: the plaintext M ∈ Z_n and ρ ∈ Z*_n derived from a transcript over the context and
    the whole public key (nobody chooses them), ``c = (1 + n)^M·ρ^n mod n²``, and the context its decryption shares
    are bound to."""
    t = Transcript(_TEST_DOMAIN)
    t.append_bytes("context", context)
    t.append_int("n", pk.n).append_int("t", pk.threshold).append_int("l", pk.parties).append_int("theta", pk.theta)
    t.append_ints("commitments", pk.commitments).append_ints("verification_keys", pk.verification_keys)
    n, n2 = pk.n, pk.n2
    m = t.challenge_int("M", n.bit_length() + _EXTRA_BITS) % n
    for _ in range(_MAX_ATTEMPTS):
        rho = t.challenge_int("rho", n.bit_length() + _EXTRA_BITS) % n
        if rho > 1 and gmpy2.gcd(rho, n) == 1:
            break
    else:  # pragma: no cover
        raise InvalidKey("could not derive the test ciphertext")
    c = (1 + m * n) * int(gmpy2.powmod(rho, n, n2)) % n2
    return m, c, t.challenge_bytes("share_context", 32)


def make_test_decryption(shares: Sequence[KeyShare], context: bytes) -> TestDecryption:
    """The dealer's test decryption: every trustee's share of :func:`ciphertext_of_test_decryption` (the
    ceremony's trustees each make their own with :func:`partial_decrypt`)."""
    pk = shares[0].public_key
    _, c, share_context = ciphertext_of_test_decryption(pk, context)
    ordered = sorted(shares, key=lambda s: s.index)
    return TestDecryption(tuple(partial_decrypt(s, c, share_context) for s in ordered))


def verify_test_decryption(pk: ThresholdPublicKey, test: TestDecryption, context: bytes) -> None:
    """Every share proof verifies, and every quorum of :func:`quorums_of_test_decryption` decrypts the derived plaintext
    (raises InvalidKey)."""
    m, c, share_context = ciphertext_of_test_decryption(pk, context)
    if len(test.shares) != pk.parties:
        raise InvalidKey(f"the test decryption needs {pk.parties} shares, got {len(test.shares)}")
    for i, share in enumerate(test.shares, start=1):
        if share.index != i:
            raise InvalidKey(f"test decryption share {i} is trustee {share.index}'s")
        try:
            verify_share(pk, c, share, share_context)
        except InvalidShareProof as e:
            raise InvalidKey(f"test decryption: {e}") from e
    for quorum in quorums_of_test_decryption(pk.threshold, pk.parties):
        try:
            got = combine(pk, c, [test.shares[i - 1] for i in quorum])
        except InvalidShareProof as e:
            raise InvalidKey(f"test decryption by trustees {list(quorum)}: {e}") from e
        if got != m:
            raise InvalidKey(f"test decryption by trustees {list(quorum)} gives another plaintext: θ is wrong")


def verify_public_key(
    pk: ThresholdPublicKey, proof: ModulusProof, test: TestDecryption, context: bytes, *, min_bits: int
) -> None:
    """§P3.4: everything about a published key, from public data only (raises InvalidKey / InvalidProof):

    1. the structure (:meth:`ThresholdPublicKey.validate`: sizes, θ a unit, ``C_0 ≡ 1 mod n``);
    2. the Feldman commitments against the verification keys (:func:`verify_commitments`);
    3. the modulus proof (:func:`verify_modulus`: two primes ≡ 3 mod 4, large, gcd(n, φ(n)) = 1);
    4. the test decryption by two different quorums (:func:`verify_test_decryption`).
    """
    pk.validate(min_bits)
    verify_commitments(pk)
    verify_modulus(pk.n, proof, context, min_bits=min_bits)
    verify_test_decryption(pk, test, context)


# --- key validity: crypto.modulus (re-exported here for callers) ----------------------------------------------

MODULUS_PROOF_ALPHA_BITS = ALPHA_BITS  # α = 2^16: n has no prime factor below α
MODULUS_PROOF_ROUNDS = GRSB_ROUNDS  # GRSB19 N-th roots: m = ceil(κ / log2 α) = 8
MODULUS_PROOF_BLUM_ROUNDS = BLUM_ROUNDS  # CGGMP21 Π^mod 4th roots: soundness 2^-128


# --- the dealer ceremony ---------------------------------------------------------------------------------------


def generate(
    modulus_bits: int,
    threshold: int,
    parties: int,
    *,
    progress: Callable[[int], None] | None = None,
    context: bytes = b"",
    primes: tuple[int, int] | None = None,
) -> tuple[ThresholdPublicKey, list[KeyShare], ModulusProof, TestDecryption]:
    """The whole dealer ceremony (the weaker option: the dealer knows the factors): two safe primes of
    ``modulus_bits / 2`` bits, :func:`deal`, the modulus proof and the test decryption bound to ``context``.
    ``progress`` gets the number of prime candidates tested. ``primes``: a pair the caller found (e.g. on several
    cores, client.ceremony); checked here like any input."""
    _check_parameters(threshold, parties)
    if modulus_bits % 2 or modulus_bits < 4 * MODULUS_PROOF_ALPHA_BITS:
        raise ValueError("modulus_bits must be even and at least 64")
    if primes is None:
        primes = random_safe_prime_pair(modulus_bits // 2, progress=progress)
    p, q = primes
    if (
        p.bit_length() != modulus_bits // 2
        or q.bit_length() != modulus_bits // 2
        or not (is_safe_prime(p) and is_safe_prime(q))
    ):
        raise ValueError(f"the dealer needs two safe primes of {modulus_bits // 2} bits")
    pk, shares = deal(p, q, threshold, parties)
    proof = prove_modulus(p, q, context)
    del p, q
    return pk, shares, proof, make_test_decryption(shares, context)
