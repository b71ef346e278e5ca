"""Threshold Paillier decryption, t of l, with a trusted dealer (Shoup, EUROCRYPT 2000; Damgård–Jurik, PKC 2001;
docs/protocol.md §P3, §P8).

The scheme is Damgård–Jurik (PKC 2001, §4 "threshold variant", s = 1) with Shoup's Δ = l! trick (EUROCRYPT 2000):

* **KeyGen (dealer)** — :func:`deal`: safe primes ``p = 2p'+1``, ``q = 2q'+1``; ``n = pq``, ``m = p'q'``;
  ``d ≡ 0 (mod m)``, ``d ≡ 1 (mod n)``; ``f(X) = d + a_1 X + … + a_{t-1} X^{t-1}`` over ``Z_{nm}``; share
  ``s_i = f(i)``; ``v`` a random square in ``Z*_{n²}``; verification keys ``v_i = v^{Δ s_i} mod n²``.
* **Share** — :func:`partial_decrypt`: ``c_i = c^{2Δ s_i} mod n²`` with an equality-of-discrete-logs proof
  (:class:`EqualityProof`) that ``log_{c^4}(c_i²) = log_v(v_i)``.
* **Combine** — :func:`combine`: ``λ_i = Δ·∏_{j∈S∖{i}} j/(j−i) ∈ Z``; ``c' = ∏ c_i^{2λ_i} = (1+n)^{4Δ²M}``;
  ``M = L(c')·(4Δ²)^{-1} mod n`` with ``L(u) = (u − 1)/n``.
* **Key validity** — :func:`prove_modulus` / :func:`verify_modulus` (defined in :mod:`crypto.modulus`,
  docs/decisions/0006): n is a product of two primes p ≡ q ≡ 3 (mod 4), both at least √n / 2^{ℓ+ε+1}, with
  gcd(n, φ(n)) = 1 — GRSB19 N-th roots, the Paillier–Blum part of CGGMP21 Π^mod and CGGMP21 Π^fac in one
  transcript. gcd(n, φ(n)) = 1 makes Paillier with g = n+1 a bijection (§4.5); the large factors keep the 128-bit
  challenges of every Σ-protocol sound and n hard to factor.

Not constant time: Python big integers are variable time. Exponentiations with a secret exponent use
``gmpy2.powmod_sec``; erasing the dealer's secrets (``del``) is best effort only.
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
    "ThresholdPublicKey",
    "combine",
    "deal",
    "generate",
    "lagrange_coefficient",
    "modulus_proof_widths",
    "partial_decrypt",
    "prove_modulus",
    "verify_modulus",
    "verify_share",
]

CHALLENGE_BITS = 128  # k: Fiat–Shamir challenge length (statistical security of the share proofs)
MAX_PARTIES = 1024  # Δ = l! stays a reasonable exponent factor
MAX_TABLE_PARTIES = 32  # v's fixed-base table covers the exponents of up to this many trustees (more: powmod)

_SHARE_DOMAIN = "threshold-paillier/decryption-share"


# --- keys ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThresholdPublicKey:
    """The public part of a dealt key: ``n``, threshold ``t``, number of trustees ``l``, ``v`` and the verification keys
    ``v_i = v^{Δ s_i} mod n²`` of trustees ``i = 1..l`` (``verification_keys[i - 1]``)."""

    n: int
    threshold: int
    parties: int
    v: int
    verification_keys: tuple[int, ...]
    _paillier: PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "verification_keys", tuple(self.verification_keys))
        object.__setattr__(self, "_paillier", PublicKey(self.n))

    @property
    def delta(self) -> int:
        """Δ = l! (Shoup): makes every Lagrange coefficient an integer."""
        return math.factorial(self.parties)

    @property
    def paillier(self) -> PublicKey:
        """The ordinary Paillier public key (encryption, ciphertext validation)."""
        return self._paillier

    @property
    def n2(self) -> int:
        return self._paillier.n2

    def verification_key(self, index: int) -> int:
        """``v_i`` of trustee ``index`` (1-based)."""
        return self.verification_keys[index - 1]

    def validate(self, min_bits: int) -> None:
        """Check the key's structure (raises InvalidKey); does not prove the modulus well formed (see
        :func:`verify_modulus`)."""
        n = self.n
        if n.bit_length() < min_bits:
            raise InvalidKey(f"modulus has {n.bit_length()} bits, at least {min_bits} required")
        if not 1 <= self.threshold <= self.parties:
            raise InvalidKey(f"threshold {self.threshold} must satisfy 1 <= t <= l = {self.parties}")
        if self.parties > MAX_PARTIES:
            raise InvalidKey(f"at most {MAX_PARTIES} trustees are supported")
        if len(self.verification_keys) != self.parties:
            raise InvalidKey(f"expected {self.parties} verification keys, got {len(self.verification_keys)}")
        try:
            validate_ciphertext(self._paillier, self.v)
        except DecodingError as e:
            raise InvalidKey(f"v is not in Z*_(n²): {e}") from e
        if self.v == 1:
            raise InvalidKey("v must not be 1")
        for i, vi in enumerate(self.verification_keys, start=1):
            try:
                validate_ciphertext(self._paillier, vi)
            except DecodingError as e:
                raise InvalidKey(f"verification key v_{i} is not in Z*_(n²): {e}") from e


@dataclass(frozen=True, slots=True)
class KeyShare:
    """Trustee ``index``'s secret share ``s_i = f(i)`` (never printed)."""

    index: int
    secret: int = field(repr=False)
    public_key: ThresholdPublicKey


def _powmod_secret(base: int, exponent: int, modulus: int) -> int:
    """``base^exponent mod modulus`` for a secret, non-negative exponent (gmpy2.powmod_sec needs exponent > 0)."""
    if exponent == 0:
        return 1
    return int(gmpy2.powmod_sec(base, exponent, modulus))


def _check_parameters(threshold: int, parties: int) -> None:
    if not 1 <= parties <= MAX_PARTIES:
        raise ValueError(f"number of trustees must be in [1, {MAX_PARTIES}]")
    if not 1 <= threshold <= parties:
        raise ValueError("threshold must satisfy 1 <= t <= l")


def deal(p: int, q: int, threshold: int, parties: int) -> tuple[ThresholdPublicKey, list[KeyShare]]:
    """The trusted dealer (DJ01 §4 key generation, s = 1) from two distinct safe primes of equal size.

    Raw: the caller owns ``p`` and ``q`` and must erase them. ``m``, ``d`` and the polynomial are deleted before
    return (best effort in Python).
    """
    _check_parameters(threshold, parties)
    if p == q or p.bit_length() != q.bit_length():
        raise ValueError("p and q must be distinct safe primes of the same bit length")
    if not (is_safe_prime(p) and is_safe_prime(q)):
        raise ValueError("p and q must be safe primes")
    n = p * q
    n2 = n * n
    m = ((p - 1) // 2) * ((q - 1) // 2)  # m = p'q'
    nm = n * m
    if parties >= min(p, q):  # Δ = l! and 4Δ² must be invertible modulo n
        raise ValueError("primes too small for this number of trustees")
    delta = math.factorial(parties)
    # d ≡ 0 (mod m), d ≡ 1 (mod n)  (CRT; DJ01 §4)
    d = m * int(gmpy2.invert(m, n)) % nm
    # f(X) = d + a_1 X + … + a_{t-1} X^{t-1} over Z_{nm}; s_i = f(i)
    coefficients = [d] + [secrets.randbelow(nm) for _ in range(threshold - 1)]
    secrets_ = []
    for i in range(1, parties + 1):
        acc = 0
        for a in reversed(coefficients):  # Horner
            acc = (acc * i + a) % nm
        secrets_.append(acc)
    # v: a random square in Z*_{n²} (generates QR_{n²} with overwhelming probability)
    while True:
        x = secrets.randbelow(n2)
        v = int(gmpy2.powmod(x, 2, n2))
        if v != 1 and gmpy2.gcd(v, n) == 1:
            break
    verification_keys = tuple(_powmod_secret(v, delta * s, n2) for s in secrets_)
    pk = ThresholdPublicKey(n=n, threshold=threshold, parties=parties, v=v, verification_keys=verification_keys)
    shares = [KeyShare(index=i, secret=s, public_key=pk) for i, s in enumerate(secrets_, start=1)]
    del m, nm, d, coefficients, secrets_, x, acc
    return pk, shares


# --- decryption shares -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EqualityProof:
    """Fiat–Shamir proof that ``log_{c^4}(c_i²) = log_v(v_i)`` (Shoup EUROCRYPT 2000 §2.3; DJ01 §4).

    ``e`` is the challenge (``CHALLENGE_BITS`` bits) and ``z = w + e·Δ·s_i`` the response over the integers, with
    ``w`` uniform in ``[0, 2^{|n²| + |Δ| + 2k})``. The verifier recomputes the commitments ``a = (c^4)^z·(c_i²)^{-e}``
    and ``b = v^z·v_i^{-e}`` and checks that ``e`` is the challenge of the transcript.
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
    return _nonce_bits_for(pk.n, pk.parties)


def _share_challenge(pk: ThresholdPublicKey, c: int, index: int, value: int, a: int, b: int, context: bytes) -> int:
    t = Transcript(_SHARE_DOMAIN)
    t.append_bytes("context", context)
    t.append_int("n", pk.n).append_int("t", pk.threshold).append_int("l", pk.parties)
    t.append_int("v", pk.v).append_int("v_i", pk.verification_key(index)).append_int("i", index)
    t.append_int("c", c).append_int("c_i", value)
    t.append_int("a", a).append_int("b", b)
    return t.challenge_int("e", CHALLENGE_BITS)


@functools.lru_cache(maxsize=8)
def _v_table(n: int, v: int) -> FixedBase:
    """A fixed-base table for the key's v modulo n² (window 5: docs/decisions/0011) for the verifier's v^z (public
    exponents only); exponents up to the nonce length plus one bit."""
    return FixedBase(v, n * n, _nonce_bits_for(n, MAX_TABLE_PARTIES) + 1, 5)


def _nonce_bits_for(n: int, parties: int) -> int:
    return (n * n).bit_length() + math.factorial(parties).bit_length() + 2 * CHALLENGE_BITS


def partial_decrypt(share: KeyShare, c: int, context: bytes) -> DecryptionShare:
    """Trustee ``share.index``'s decryption share of ``c`` with its proof, bound to ``context``."""
    pk = share.public_key
    n2 = pk.n2
    validate_ciphertext(pk.paillier, c)
    exponent = pk.delta * share.secret  # Δ·s_i
    value = _powmod_secret(c, 2 * exponent, n2)  # c_i = c^{2Δ s_i}
    # Commit (DJ01 §4 "proof of correct decryption"): w ← [0, 2^{|n²|+|Δ|+2k}), a = (c^4)^w, b = v^w
    w = secrets.randbits(_nonce_bits(pk))
    c4 = int(gmpy2.powmod(c, 4, n2))
    a = _powmod_secret(c4, w, n2)
    b = _powmod_secret(pk.v, w, n2)  # w is secret: powmod_sec, not the (variable-time) table the verifier uses
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
    if not 0 <= e < 1 << CHALLENGE_BITS:
        raise InvalidShareProof(f"trustee {i}: challenge e out of range")
    # Honest z = w + e·Δ·s_i < 2^B + 2^{B-k} with B = |n²| + |Δ| + 2k, so z < 2^{B+1}.
    if not 0 <= z < 1 << (_nonce_bits(pk) + 1):
        raise InvalidShareProof(f"trustee {i}: response z out of range")
    vi = pk.verification_key(i)
    c4 = gmpy2.powmod(c, 4, n2)
    ci2 = gmpy2.powmod(share.value, 2, n2)
    # a = (c^4)^z · (c_i²)^{-e},  b = v^z · v_i^{-e}  (mod n²)
    a = gmpy2.powmod(c4, z, n2) * gmpy2.powmod(gmpy2.invert(ci2, n2), e, n2) % n2
    b = _v_table(pk.n, pk.v).pow(z) * gmpy2.powmod(gmpy2.invert(vi, n2), e, n2) % n2
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
    """Combine decryption shares into the plaintext ``M`` (DJ01 §4, s = 1).

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
    # c' = (1 + n)^{4Δ²M}, so c' ≡ 1 (mod n); M = L(c')·(4Δ²)^{-1} mod n
    if acc % n != 1:
        raise InvalidShareProof("the combined shares are not of the form 1 + kn: at least one share is invalid")
    return int((acc - 1) // n * gmpy2.invert(4 * delta * delta, n) % n)


# --- key validity: crypto.modulus (re-exported here for callers) ----------------------------------------------

MODULUS_PROOF_ALPHA_BITS = ALPHA_BITS  # α = 2^16: n has no prime factor below α
MODULUS_PROOF_ROUNDS = GRSB_ROUNDS  # GRSB19 N-th roots: m = ceil(κ / log2 α) = 8
MODULUS_PROOF_BLUM_ROUNDS = BLUM_ROUNDS  # CGGMP21 Π^mod 4th roots: soundness 2^-128


# --- ceremony --------------------------------------------------------------------------------------------------


def generate(
    modulus_bits: int,
    threshold: int,
    parties: int,
    *,
    progress: Callable[[int], None] | None = None,
    context: bytes = b"",
    primes: tuple[int, int] | None = None,
) -> tuple[ThresholdPublicKey, list[KeyShare], ModulusProof]:
    """The whole dealer ceremony: two safe primes of ``modulus_bits / 2`` bits, :func:`deal`, and the modulus proof
    bound to ``context``. ``progress`` gets the number of prime candidates tested. ``primes``: a pair the caller
    found (e.g. on several cores, client.ceremony); checked here like any input."""
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
    return pk, shares, proof
