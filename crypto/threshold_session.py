"""The dealer-free key ceremony, second half: from additive shares of the factors to a threshold key and its proofs
(docs/protocol.md §P15.5–§P15.8, docs/decisions/0014).

Input: each trustee's :class:`ModulusShares`-like value from the distributed generation of ``n = p·q``
(:mod:`crypto.dkg`, §P15.1–§P15.4): additive INTEGER shares ``p = Σ p_j``, ``q = Σ q_j`` with trustee 1's shares
``≡ 3 (mod 8)`` and the others' ``≡ 0 (mod 8)``; so ``φ = Σ φ_j`` with ``φ_1 = n + 1 − p_1 − q_1``,
``φ_j = −(p_j + q_j)``, and ``(φ + 4)/8 = (φ_1 + 4)/8 + Σ_{j>1} φ_j/8`` is linear in integer shares.

Output, at every trustee: the public key of :mod:`crypto.threshold` (n, t, l, θ, Feldman commitments, verification
keys), the modulus proof of :mod:`crypto.modulus` (accepted by the unchanged :func:`crypto.modulus.verify_modulus`),
the test decryption by two quorums, and this trustee's :class:`crypto.threshold.KeyShare`. Nobody reconstructs
p, q or φ(n). Four rounds (§P15.5–§P15.8), each a broadcast (recorded) and private messages (end-to-end encrypted
by the transport):

1. **Share** (§P15.5) — degree-h integer Shamir sharings (h = ⌊(l−1)/2⌋, honest majority; free term Δ·x, Rabin's
   trick) of ``β_j`` (random, |n| + κ bits), ``φ_j``, ``ν̃_j`` and ``p_j`` to every trustee, a pairwise zero-sharing
   mask modulo n; broadcast the linear parts of Π^fac's first message ``P_j = s^{p_j} t^{μ_j}``,
   ``Q_j = s^{q_j} t^{ν_j}``, ``A_j``, ``B_j`` (ν_j = Δ³ν̃_j).
2. **Multiply and reveal** (§P15.6) — BGW over the integers: trustee j's point of the degree-2h product polynomial,
   weighted by the integer Lagrange coefficient Λ_j = Δ·∏_{k≠j} k/(k−j) over all l trustees, is an additive share
   ``a_j`` of ``d = Δ³·β·φ(n)`` (a multiple of φ(n)); broadcast ``(a_j + m_j) mod n`` (m_j the zero-sharing mask:
   only the sum ``d mod n`` is revealed, θ = Δ·d mod n), ``T_j = Q^{α_j} t^{r_j}`` and
   ``Λ_j·ν(j)·p(j) + ρ_j`` (their sum is Π^fac's ``σ = ν·p + ρ``, so ``σ − ν·p = ρ`` is linear).
3. **Respond and reshare** (§P15.7) — with k = (d mod n)^{-1} mod n, ``D = (1 − k·d)/n`` satisfies ``D·n ≡ 1 (mod
   φ)``: trustee j writes ``k·a_j = n·q_j' + r_j`` and broadcasts ``ρ_i^{−q_j'}`` for the 8 GRSB ρ_i (anyone finds the
   one c ∈ [0, l) with ``(∏_j ρ_i^{−q_j'}·ρ_i^{−c})^n = ρ_i``); the first of two rounds of 4th roots,
   ``T_i'^{e_j}`` with ``e_j`` its share of (φ+4)/8 and ``T_i' = w^{b_i} y_i`` of Jacobi symbol 1; its Π^fac responses
   (linear); Feldman commitments ``v^{Δ·c_{j,k}}`` to its resharing polynomial ``f_j(X) = Δ·a_j + Σ c_{j,k} X^k`` and
   ``f_j(i)`` to each trustee i (so ``f = Σ f_j`` has ``f(0) = Δ·d``).
4. **Finish** (§P15.8) — the second round of 4th roots ``x_i'^{e_j}``, and a decryption share of the test ciphertext.
   Every trustee then assembles the key, the proof and the test decryption and checks all of it with
   :func:`crypto.threshold.verify_public_key` before accepting its share.

Security model (docs/decisions/0014): semi-honest, honest majority (BGW). A deviating trustee can abort, or make the
key fail its public checks (then the ceremony restarts); the public checks catch any key that is not a product of
two large primes ≡ 3 (mod 4), any verification key that does not follow the commitments and any θ that does not
decrypt. What each broadcast reveals is of the kind the Boneh–Franklin biprimality test reveals (``g^{φ_j/4}``).

Not constant time (Python integers); exponentiations with secret exponents use ``gmpy2.powmod_sec``.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import gmpy2

from crypto.dkg import Incoming, Outgoing, run_rounds
from crypto.errors import CryptoError
from crypto.modulus import (
    BLUM_ROUNDS,
    FAC_EPSILON,
    FAC_L,
    RSA_2048,
    BlumProof,
    FacProof,
    ModulusProof,
    _bounds,
    _challenges,
    _rhos,
    _ring_pedersen,
    _statement,
    pow_sec,
    signed_below,
)
from crypto.threshold import (
    STATISTICAL_BITS,
    DecryptionShare,
    EqualityProof,
    KeyShare,
    TestDecryption,
    ThresholdPublicKey,
    ciphertext_of_test_decryption,
    commitment_bits,
    commitment_power,
    derive_v,
    feldman_commitment,
    lagrange_coefficient,
    partial_decrypt,
    response_bits,
    verify_public_key,
)
from crypto.transcript import Transcript

__all__ = [
    "CeremonyAbort",
    "Incoming",
    "KeyCeremonyResult",
    "KeySession",
    "ModulusSharesLike",
    "Outgoing",
    "simulate",
]

_W_DOMAIN = "threshold-paillier/ceremony/blum-w/v1"
_ROUNDS = ("key/1-share", "key/2-multiply", "key/3-respond", "key/4-finish")


class CeremonyAbort(CryptoError):
    """The key ceremony cannot go on: a message is missing or malformed, or the assembled key fails its checks.
    ``culprit`` names the trustee whose message was wrong, when one can be named (None otherwise). Nothing
    half-made is ever returned: the ceremony restarts from the modulus generation."""

    def __init__(self, message: str, culprit: int | None = None) -> None:
        super().__init__(message)
        self.culprit = culprit


# --- the round interface: crypto.dkg's Outgoing / Incoming ---------------------------------------------------------


class IncomingLike(Protocol):
    @property
    def round(self) -> str: ...
    @property
    def broadcast(self) -> Mapping[int, bytes]: ...
    @property
    def private(self) -> Mapping[int, bytes]: ...


class ModulusSharesLike(Protocol):
    """crypto.dkg.ModulusShares: n, this trustee's index, l, t and its additive shares of p and q."""

    @property
    def n(self) -> int: ...
    @property
    def index(self) -> int: ...
    @property
    def parties(self) -> int: ...
    @property
    def threshold(self) -> int: ...
    @property
    def p_share(self) -> int: ...
    @property
    def q_share(self) -> int: ...


@dataclass(frozen=True, slots=True)
class KeyCeremonyResult:
    """A trustee's output: the public key, its modulus proof and test decryption (the content of key.published),
    and its own share (secret)."""

    public_key: ThresholdPublicKey
    modulus_proof: ModulusProof
    test_decryption: TestDecryption
    share: KeyShare = field(repr=False)


# --- encoding ----------------------------------------------------------------------------------------------------


def _encode(obj: Mapping[str, object]) -> bytes:
    """Canonical bytes of a message: sorted-key JSON whose integers are hex strings (``-0x…`` when negative)."""

    def conv(x: object) -> object:
        if isinstance(x, bool):
            raise TypeError("no booleans in ceremony messages")
        if isinstance(x, int):
            return hex(x)
        if isinstance(x, list | tuple):
            return [conv(v) for v in x]
        raise TypeError(f"cannot encode {type(x).__name__}")

    return json.dumps({k: conv(v) for k, v in obj.items()}, sort_keys=True, separators=(",", ":")).encode()


class _Message:
    """A parsed message from one sender: typed, bounded accessors that raise CeremonyAbort naming the sender."""

    def __init__(self, raw: bytes | None, sender: int, keys: set[str], what: str) -> None:
        self.sender, self.what = sender, what
        if raw is None:
            raise CeremonyAbort(f"{what}: trustee {sender} sent nothing", sender)
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise CeremonyAbort(f"{what}: trustee {sender} sent malformed JSON", sender) from e
        if not isinstance(obj, dict) or set(obj) != keys:
            raise CeremonyAbort(f"{what}: trustee {sender} sent other fields than {sorted(keys)}", sender)
        self.obj = obj

    def _int(self, value: object, name: str, bits: int) -> int:
        if not isinstance(value, str) or len(value) > bits // 4 + 8:
            raise CeremonyAbort(
                f"{self.what}: trustee {self.sender}'s {name} is not a bounded hex integer", self.sender
            )
        try:
            x = int(value, 16)
        except ValueError as e:
            raise CeremonyAbort(f"{self.what}: trustee {self.sender}'s {name} is not hex", self.sender) from e
        if hex(x) != value or abs(x) >> bits:
            raise CeremonyAbort(f"{self.what}: trustee {self.sender}'s {name} is out of range", self.sender)
        return x

    def integer(self, name: str, bits: int) -> int:
        return self._int(self.obj[name], name, bits)

    def integers(self, name: str, count: int, bits: int) -> list[int]:
        items = self.obj[name]
        if not isinstance(items, list) or len(items) != count:
            raise CeremonyAbort(f"{self.what}: trustee {self.sender}'s {name} must have {count} values", self.sender)
        return [self._int(v, name, bits) for v in items]

    def unit(self, name: str, modulus: int) -> int:
        x = self.integer(name, modulus.bit_length())
        if not 0 < x < modulus or gmpy2.gcd(x, modulus) != 1:
            raise CeremonyAbort(f"{self.what}: trustee {self.sender}'s {name} is not a unit", self.sender)
        return x

    def units(self, name: str, count: int, modulus: int) -> list[int]:
        out = self.integers(name, count, modulus.bit_length())
        for x in out:
            if not 0 < x < modulus or gmpy2.gcd(x, modulus) != 1:
                raise CeremonyAbort(f"{self.what}: trustee {self.sender}'s {name} is not a unit", self.sender)
        return out


# --- helpers -----------------------------------------------------------------------------------------------------


def _share_integer(value: int, degree: int, parties: int, delta: int, value_bits: int) -> list[int]:
    """Integer Shamir sharing of ``Δ·value`` with degree ``degree``: coefficients uniform in ``[0, 2^R)``,
    ``R = |value| + 2|Δ| + κ`` (Rabin: any ``degree`` points are statistically independent of value)."""
    r_bits = value_bits + 2 * delta.bit_length() + STATISTICAL_BITS
    coefficients = [delta * value] + [secrets.randbits(r_bits) for _ in range(degree)]
    out = []
    for i in range(1, parties + 1):
        acc = 0
        for c in reversed(coefficients):
            acc = acc * i + c
        out.append(acc)
    return out


def _prod_mod(values: Sequence[int], modulus: int) -> int:
    acc = gmpy2.mpz(1)
    for v in values:
        acc = acc * v % modulus
    return int(acc)


def _sigma_mask_bits(n: int, parties: int) -> int:
    """Bits of the integer zero-sharing that hides each trustee's BGW term ``Λ_j·ν(j)·p(j)`` (κ more than any honest
    term: the points of two degree-h sharings, of ``|N̂| + ℓ`` and ``|n| + 8``-bit values, times ``|Λ_j| ≤ Δ·l^l``)."""
    delta, lb, h = math.factorial(parties).bit_length(), parties.bit_length(), (parties - 1) // 2
    point = 2 * delta + STATISTICAL_BITS + h * lb + lb + 2
    term = (RSA_2048.bit_length() + FAC_L + point) + (n.bit_length() + 8 + point) + delta + parties * lb
    return term + STATISTICAL_BITS


def _blum_w(n: int, context: bytes) -> int:
    """Π^mod's w with Jacobi(w, n) = −1, derived from the statement (it need not be secret)."""
    t = Transcript(_W_DOMAIN).append_bytes("context", context).append_int("n", n)
    while True:
        w = t.challenge_int("w", n.bit_length() + 128) % n
        if w > 1 and gmpy2.jacobi(w, n) == -1:
            return w


def fac_mask_bounds(n: int, parties: int) -> dict[str, int]:
    """Each trustee's share of Π^fac's masks is uniform in ± these bounds; the sums stay inside the ranges the
    verifier checks (crypto.modulus._bounds) whatever the signs, so no honest run is ever rejected."""
    hat, le = RSA_2048, FAC_L + FAC_EPSILON
    root = int(gmpy2.isqrt(n))
    return {
        "alpha": ((root << le) - ((root + 1) << (FAC_L + 1))) // parties,  # |α + e·p| ≤ 2^{ℓ+ε}⌊√n⌋ (p < 2√n)
        "mu": (hat << FAC_L) // parties,
        "x": (hat << le) // parties,
        "r": ((n * hat) << le) // parties,
        "rho": ((n * hat) << FAC_L) // (2 * parties),  # σ = ν·p + ρ within 2^ℓ·n·N̂
    }


# --- the session -------------------------------------------------------------------------------------------------


class KeySession:
    """One trustee's side of the key ceremony (rounds of :data:`_ROUNDS`; see the module docstring).

    ``start()`` gives the first round's messages; ``advance(incoming)`` takes every message of the round and gives
    the next round's, or None when finished; then ``result()``. Raises :class:`CeremonyAbort` on any missing or
    malformed message or a key that fails its checks."""

    def __init__(self, modulus: ModulusSharesLike, context: bytes, *, min_bits: int | None = None) -> None:
        self.n = int(modulus.n)
        self.index = int(modulus.index)
        self.parties = int(modulus.parties)
        self.threshold = int(modulus.threshold)
        if not 1 <= self.threshold <= self.parties or not 1 <= self.index <= self.parties:
            raise ValueError("index and threshold must satisfy 1 <= i, t <= l")
        self.context = bytes(context)
        self.min_bits = self.n.bit_length() if min_bits is None else min_bits
        self._p, self._q = int(modulus.p_share), int(modulus.q_share)
        phi_j = (self.n + 1 if self.index == 1 else 0) - self._p - self._q
        offset = 4 if self.index == 1 else 0
        if (phi_j + offset) % 8:
            raise ValueError("the factor shares do not have the fixed residues mod 8 (trustee 1 ≡ 3, others ≡ 0)")
        self._phi = phi_j
        self._e = (phi_j + offset) // 8  # share of (φ + 4)/8
        self.delta = math.factorial(self.parties)
        self.degree = (self.parties - 1) // 2  # BGW sharing degree h: 2h < l
        self.n2 = self.n * self.n
        self._step = 0
        self._started = False
        self._result: KeyCeremonyResult | None = None

    @property
    def finished(self) -> bool:
        return self._result is not None

    def result(self) -> KeyCeremonyResult:
        if self._result is None:
            raise RuntimeError("the key ceremony has not finished")
        return self._result

    # -- messages --

    def _others(self) -> range:
        return range(1, self.parties + 1)

    def _out(self, broadcast: Mapping[str, object], private: Mapping[int, Mapping[str, object]]) -> Outgoing:
        return Outgoing(
            round=_ROUNDS[self._step],
            broadcast=_encode(broadcast),
            private={j: _encode(m) for j, m in private.items()},
        )

    def _check(self, incoming: IncomingLike, private: bool) -> None:
        expected = _ROUNDS[self._step]
        if incoming.round != expected:
            raise CeremonyAbort(f"expected round {expected!r}, got {incoming.round!r}")
        for j in self._others():
            if j not in incoming.broadcast:
                raise CeremonyAbort(f"{expected}: no broadcast from trustee {j} (dropped out?)", j)
            if private and j != self.index and j not in incoming.private:
                raise CeremonyAbort(f"{expected}: no private message from trustee {j} (dropped out?)", j)

    def _private(self, incoming: IncomingLike, j: int, keys: set[str]) -> _Message:
        if j == self.index:
            return _Message(_encode(self._own_private), j, keys, _ROUNDS[self._step])
        return _Message(incoming.private.get(j), j, keys, _ROUNDS[self._step])

    # -- rounds --

    def start(self) -> Outgoing:
        """§P15.5, round 1."""
        if self._started:
            raise RuntimeError("the session has already started")
        self._started = True
        n, l_, delta, h = self.n, self.parties, self.delta, self.degree
        nbits = n.bit_length()
        t = _statement(n, self.context)
        self._rhos = _rhos(t, n)
        self._s, self._t = _ring_pedersen(t)
        self._transcript = t
        bounds = fac_mask_bounds(n, l_)
        hat = RSA_2048
        self._beta = secrets.randbits(nbits + STATISTICAL_BITS)
        self._nu_tilde = signed_below((hat << FAC_L) // (l_ * delta**3))
        self._nu = delta**3 * self._nu_tilde
        self._mu = signed_below(bounds["mu"])
        self._alpha = signed_below(bounds["alpha"])
        self._beta_fac = signed_below(bounds["alpha"])
        self._x = signed_below(bounds["x"])
        self._y = signed_below(bounds["x"])
        self._r = signed_below(bounds["r"])
        self._rho = signed_below(bounds["rho"])
        s, tt = self._s, self._t
        first = {
            "P": pow_sec(s, self._p, hat) * pow_sec(tt, self._mu, hat) % hat,
            "Q": pow_sec(s, self._q, hat) * pow_sec(tt, self._nu, hat) % hat,
            "A": pow_sec(s, self._alpha, hat) * pow_sec(tt, self._x, hat) % hat,
            "B": pow_sec(s, self._beta_fac, hat) * pow_sec(tt, self._y, hat) % hat,
        }
        nb = nbits + 8
        sharings = {
            "beta": _share_integer(self._beta, h, l_, delta, nbits + STATISTICAL_BITS),
            "phi": _share_integer(self._phi, h, l_, delta, nb),
            "nu": _share_integer(self._nu_tilde, h, l_, delta, hat.bit_length() + FAC_L),
            "p": _share_integer(self._p, h, l_, delta, nb),
        }
        masks = {j: secrets.randbelow(n) for j in self._others() if j != self.index}  # zero-sharing mod n
        sigma_masks = {j: secrets.randbits(_sigma_mask_bits(n, l_)) for j in masks}  # zero-sharing over Z
        self._mask_out, self._sigma_mask_out = masks, sigma_masks
        private: dict[int, dict[str, object]] = {}
        for j in self._others():
            private[j] = {name: values[j - 1] for name, values in sharings.items()}
            private[j]["mask"] = masks.get(j, 0)
            private[j]["sigma_mask"] = sigma_masks.get(j, 0)
        self._own_private = private.pop(self.index)
        return self._out(first, private)

    def advance(self, incoming: IncomingLike) -> Outgoing | None:
        if self._result is not None:
            raise RuntimeError("the key ceremony has finished")
        handlers = (self._round2, self._round3, self._round4, self._finish)
        try:
            out = handlers[self._step](incoming)
        except CeremonyAbort:
            raise
        except CryptoError as e:
            raise CeremonyAbort(f"{_ROUNDS[self._step]}: {e}") from e
        return out

    def _round2(self, incoming: IncomingLike) -> Outgoing:
        """§P15.6: multiply (BGW) and reveal d mod n masked; T_j; σ's share."""
        self._check(incoming, private=True)
        n, l_, hat = self.n, self.parties, RSA_2048
        what = _ROUNDS[0]
        firsts = [_Message(incoming.broadcast[j], j, {"A", "B", "P", "Q"}, what) for j in self._others()]
        parts = {name: [m.unit(name, hat) for m in firsts] for name in "PQAB"}
        self._fac_first = {name: _prod_mod(values, hat) for name, values in parts.items()}
        bits = max(n.bit_length(), hat.bit_length()) + 4 * STATISTICAL_BITS + 64 * 8  # every honest point fits
        received = [
            self._private(incoming, j, {"beta", "mask", "nu", "p", "phi", "sigma_mask"}) for j in self._others()
        ]
        point = {name: sum(m.integer(name, bits) for m in received) for name in ("beta", "phi", "nu", "p")}
        mask_in = sigma_mask_in = 0
        for m in received:
            if m.sender != self.index:
                z = m.integer("mask", n.bit_length())
                if not 0 <= z < n:
                    raise CeremonyAbort(f"{what}: trustee {m.sender}'s mask is out of range", m.sender)
                mask_in += z
                sigma_mask_in += m.integer("sigma_mask", _sigma_mask_bits(n, l_))
        big_lambda = lagrange_coefficient(self.delta, self.index, list(self._others()))  # Λ_j over all l
        self._a = big_lambda * point["beta"] * point["phi"]  # additive share of d = Δ³·β·φ
        sigma_mask = sum(self._sigma_mask_out.values()) - sigma_mask_in
        sigma_part = big_lambda * point["nu"] * point["p"] + self._rho + sigma_mask  # sums to ν·p + ρ
        masked = (self._a + sum(self._mask_out.values()) - mask_in) % n
        q_all = self._fac_first["Q"]
        tt = self._t
        t_part = pow_sec(q_all, self._alpha, hat) * pow_sec(tt, self._r, hat) % hat
        del self._beta, self._own_private
        self._step = 1
        return self._out({"T": t_part, "d_masked": masked, "sigma": sigma_part}, {})

    def _round3(self, incoming: IncomingLike) -> Outgoing:
        """§P15.7: θ, the challenges, GRSB roots, Blum round A, Π^fac responses, resharing with commitments."""
        self._check(incoming, private=False)
        n, l_, hat, delta = self.n, self.parties, RSA_2048, self.delta
        what = _ROUNDS[1]
        sigma_bits = max((n * hat).bit_length() + FAC_L, _sigma_mask_bits(n, l_)) + 8
        msgs = [_Message(incoming.broadcast[j], j, {"T", "d_masked", "sigma"}, what) for j in self._others()]
        d_mod_n = sum(m.integer("d_masked", n.bit_length()) for m in msgs) % n
        self._theta = delta * d_mod_n % n
        if math.gcd(self._theta, n) != 1:
            raise CeremonyAbort("θ is not a unit modulo n (restart the ceremony)")
        self._d_mod_n = d_mod_n
        sigma = sum(m.integer("sigma", sigma_bits) for m in msgs)
        big_t = _prod_mod([m.unit("T", hat) for m in msgs], hat)
        f = self._fac_first
        self._fac_commitments = (f["P"], f["Q"], f["A"], f["B"], big_t)
        self._sigma = sigma
        self._w = _blum_w(n, self.context)
        ys, e = _challenges(self._transcript, n, self._w, self._fac_commitments, sigma)
        self._ys, self._fac_e = ys, e
        # GRSB: k·a_j = n·q_j' + r_j; publish ρ_i^{−q_j'}
        k = int(gmpy2.invert(d_mod_n, n))
        quotient = k * self._a // n
        grsb = [pow_sec(rho, -quotient, n) for rho in self._rhos]
        # Blum round A: T_i' = w^{b_i}·y_i with Jacobi 1; publish T_i'^{e_j}
        self._blum_b = tuple(0 if gmpy2.jacobi(y, n) == 1 else 1 for y in ys)
        self._targets = tuple(y * (self._w if b else 1) % n for y, b in zip(ys, self._blum_b, strict=True))
        blum_a = [pow_sec(target, self._e, n) for target in self._targets]
        # Π^fac responses (linear in the shares)
        responses = {
            "z1": self._alpha + e * self._p,
            "z2": self._beta_fac + e * self._q,
            "w1": self._x + e * self._mu,
            "w2": self._y + e * self._nu,
            "v": self._r + e * self._rho,  # σ − ν·p = ρ
        }
        # resharing: f_j(X) = Δ·a_j + Σ c_{j,k} X^k, Feldman commitments v^{Δ·c}
        r_bits = commitment_bits(n.bit_length(), l_)
        coefficients = [delta * self._a] + [secrets.randbits(r_bits) for _ in range(self.threshold - 1)]
        commitments = [feldman_commitment(n, c, l_) for c in coefficients]
        points = {}
        for i in self._others():
            acc = 0
            for c in reversed(coefficients):
                acc = acc * i + c
            points[i] = acc
        self._own_point = points.pop(self.index)
        del self._alpha, self._beta_fac, self._x, self._y, self._r, self._rho, self._mu, self._nu, self._nu_tilde
        del coefficients
        self._step = 2
        broadcast: dict[str, object] = {"blum": blum_a, "commitments": commitments, "grsb": grsb, **responses}
        return self._out(broadcast, {i: {"share": s} for i, s in points.items()})

    def _round4(self, incoming: IncomingLike) -> Outgoing:
        """§P15.8: the key from the commitments, this trustee's share (checked), Blum round B, the test share."""
        self._check(incoming, private=True)
        n, n2, l_ = self.n, self.n2, self.parties
        what = _ROUNDS[2]
        t_ = self.threshold
        keys = {"blum", "commitments", "grsb", "v", "w1", "w2", "z1", "z2"}
        msgs = [_Message(incoming.broadcast[j], j, keys, what) for j in self._others()]
        bounds = _bounds(n)
        fac_sums = {name: 0 for name in ("z1", "z2", "w1", "w2", "v")}
        for m in msgs:
            for name in fac_sums:
                fac_sums[name] += m.integer(name, (bounds.v.bit_length() + 8))
        self._fac_responses = fac_sums
        # GRSB: σ_i = ∏_j ρ_i^{−q_j'}·ρ_i^{−c}, the one c ∈ [0, l) with σ_i^n = ρ_i
        partial = [_prod_mod(col, n) for col in zip(*(m.units("grsb", len(self._rhos), n) for m in msgs), strict=True)]
        sigmas = []
        for i, (s_part, rho) in enumerate(zip(partial, self._rhos, strict=True)):
            lhs = int(gmpy2.powmod(s_part, n, n))
            g = int(gmpy2.powmod(rho, n, n))
            acc = rho
            for c in range(l_ + 1):
                if lhs == acc:
                    sigmas.append(s_part * int(gmpy2.powmod(rho, -c, n)) % n)
                    break
                acc = acc * g % n
            else:
                raise CeremonyAbort(f"GRSB root {i}: no c in [0, {l_}] gives an n-th root (a wrong contribution)")
        self._sigmas = tuple(sigmas)
        # Blum round A: x_i = ∏_j T_i'^{e_j}
        blum = zip(*(m.units("blum", BLUM_ROUNDS, n) for m in msgs), strict=True)
        self._x1 = tuple(_prod_mod(col, n) for col in blum)
        blum_b = [pow_sec(x1, self._e, n) for x1 in self._x1]
        # the key: C_k = ∏_j C_{j,k}; v_i = ∏_k C_k^{i^k}; θ
        per_party = [m.units("commitments", t_, n2) for m in msgs]
        commitments = tuple(_prod_mod(col, n2) for col in zip(*per_party, strict=True))
        vks = tuple(commitment_power(n, commitments, i) for i in self._others())
        pk = ThresholdPublicKey(
            n=n, threshold=t_, parties=l_, theta=self._theta, commitments=commitments, verification_keys=vks
        )
        # this trustee's share s_i = Σ_j f_j(i), each f_j(i) checked against trustee j's commitments
        v, delta = derive_v(n), self.delta
        share_bits_in = commitment_bits(n.bit_length(), l_) + 64
        total = 0
        for j in self._others():
            if j == self.index:
                point = self._own_point
            else:
                point = _Message(incoming.private.get(j), j, {"share"}, what).integer("share", share_bits_in)
            if pow_sec(v, delta * point, n2) != commitment_power(n, per_party[j - 1], self.index):
                raise CeremonyAbort(f"{what}: trustee {j}'s share does not match its commitments", j)
            total += point
        self._share = KeyShare(index=self.index, secret=total, public_key=pk)
        del self._own_point, self._a, total
        _, c, share_context = ciphertext_of_test_decryption(pk, self.context)
        test = partial_decrypt(self._share, c, share_context)
        self._pk = pk
        self._step = 3
        return self._out({"blum": blum_b, "test_e": test.proof.e, "test_value": test.value, "test_z": test.proof.z}, {})

    def _finish(self, incoming: IncomingLike) -> None:
        """Assemble the modulus proof and the test decryption; check everything before accepting the share."""
        self._check(incoming, private=False)
        n, pk = self.n, self._pk
        what = _ROUNDS[3]
        keys = {"blum", "test_e", "test_value", "test_z"}
        msgs = [_Message(incoming.broadcast[j], j, keys, what) for j in self._others()]
        cols = zip(*(m.units("blum", BLUM_ROUNDS, n) for m in msgs), strict=True)
        xs = tuple(_prod_mod(col, n) for col in cols)
        blum_a = []
        for i, (x, target) in enumerate(zip(xs, self._targets, strict=True)):
            x4 = pow(x, 4, n)
            if x4 == target:
                blum_a.append(0)
            elif x4 == n - target:
                blum_a.append(1)
            else:
                raise CeremonyAbort(f"Blum round {i}: the joint 4th root is wrong (a wrong contribution)")
        f = self._fac_responses
        big_p, big_q, big_a, big_b, big_t = self._fac_commitments
        proof = ModulusProof(
            sigmas=self._sigmas,
            blum=BlumProof(w=self._w, x=xs, a=tuple(blum_a), b=self._blum_b),
            fac=FacProof(
                P=big_p, Q=big_q, A=big_a, B=big_b, T=big_t, sigma=self._sigma,
                z1=f["z1"], z2=f["z2"], w1=f["w1"], w2=f["w2"], v=f["v"],
            ),
        )  # fmt: skip
        zbits = response_bits(pk.modulus_bits, pk.threshold, pk.parties)
        shares = tuple(
            DecryptionShare(
                index=m.sender,
                value=m.unit("test_value", pk.n2),
                proof=EqualityProof(e=m.integer("test_e", 128), z=m.integer("test_z", zbits)),
            )
            for m in msgs
        )
        test = TestDecryption(shares)
        try:
            verify_public_key(pk, proof, test, self.context, min_bits=self.min_bits)
        except CryptoError as e:
            raise CeremonyAbort(f"the assembled key fails its public checks: {e}") from e
        self._result = KeyCeremonyResult(pk, proof, test, self._share)
        self._step = 4
        return None


def simulate(modulus_shares: Sequence[ModulusSharesLike], context: bytes) -> list[KeyCeremonyResult]:
    """LOCAL SIMULATION: run every trustee's :class:`KeySession` in this process (tests, the in-process demo,
    benchmarks) and return their results in index order."""
    sessions = sorted((KeySession(m, context) for m in modulus_shares), key=lambda s: s.index)
    for _ in run_rounds(sessions):
        pass
    return [s.result() for s in sessions]
