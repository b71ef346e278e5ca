"""Dealer-free generation of a Paillier/RSA modulus N = p·q among n trustees (docs/protocol.md §P15.1–§P15.4,
docs/decisions/0013).

Nobody ever learns p or q: every trustee i ends with additive integer shares ``p = Σ p_i``, ``q = Σ q_i``
(:class:`ModulusShares`). The protocol is Boneh–Franklin, "Efficient generation of shared RSA keys" (CRYPTO 1997,
J. ACM 48(4) 2001) with the distributed sieving of Malkin–Wu–Boneh, "Experimenting with shared generation of RSA
keys" (NDSS 1999), in the honest-majority, semi-honest model: BGW sharings of degree ``d = t − 1`` over a ring,
products of degree ``2d`` (so ``n ≥ 2d + 1``: with n = 5, t = 3 every product needs all five trustees), and any
``d`` colluding trustees learn nothing beyond N.

One batch of ``K`` candidate pairs (§P15.2–§P15.4), every round in lockstep (:class:`Outgoing` → :class:`Incoming`):

* **setup** (§P15.1, once): each trustee broadcasts the parameters it runs with and sends every other trustee a
  fresh 32-byte seed; the pair seed of {i, j} hashes both directions' seeds (both contribute).
* **sieve-1 … sieve-r** (§P15.2, Malkin–Wu–Boneh distributed sieving): trustee i draws multiplicative shares
  ``a_i ∈ Z*_M`` for 2K candidates (``M`` = product of the primes ``n < ℓ ≤ B``, ``ℓ ≥ 5``), BGW-shares them (degree
  d, mod M), and the trustees multiply the n sharings in a balanced tree with BGW degree reduction; the last
  product (degree 2d) becomes additive shares ``x_i = λ_i·h(i) mod M`` with ``Σ x_i ≡ ∏ a_j (mod M)``, a unit mod
  M. So ``p`` has no prime factor ``ℓ ≤ B`` with ``ℓ > n``.
* **shares** (§P15.2): ``p_i = CRT(x_i mod M, c_i mod Q) + W·r_i`` (+ a public offset O for trustee 1), with
  ``W = Q·M``, ``r_i`` random below ``R`` and the *fixed public residues* mod ``Q = 8·∏(odd primes ≤ max(n, 3))``:
  trustee 1's share ``≡ c (mod Q)`` with ``c ≡ 3 (mod 8)`` and ``c ≡ −1`` modulo each odd prime ≤ max(n, 3); the
  others' shares ``≡ 0 (mod Q)``. Hence ``p ≡ q ≡ 3 (mod 8)`` and ``p ≡ q ≡ −1`` modulo 3 (and 5 for n = 5):
  those primes, which divide the BGW Lagrange denominators or an evaluation point, are handled without sieving.
  With ``p_1 ≡ q_1 ≡ 3 (mod 8)`` and ``p_i ≡ q_i ≡ 0 (mod 8)`` (i > 1), ``φ_1 = N + 1 − p_1 − q_1`` and
  ``φ_i = −(p_i + q_i)`` make ``(φ + 4)/8 = (φ_1 + 4)/8 + Σ_{i>1} φ_i/8`` linear in integer shares.
  ``p ∈ [O, 2^b)`` with ``O ≥ 3·2^{b−2}``: exactly ``b = bits/2`` bits, top two bits set, so N has exactly ``bits``.
* **multiply, reveal** (§P15.3, BGW): each trustee shares ``p_i`` and ``q_i`` with degree d over ``Z_P`` (P the
  smallest prime above ``2^bits``), computes ``h(i) = F(i)·G(i)`` (degree 2d, ``h(0) = N``) and reveals
  ``w_i = λ_i·h(i) + z_i mod P`` where ``z_i`` is an additive zero-sharing from the pairwise seeds, so the revealed
  values are uniform subject to ``Σ w_i ≡ N``: revealing N reveals only N. Each p and q candidate enters exactly
  one revealed N. Everyone then checks N's size and residue and trial-divides it by every prime below 2^20 (a
  remainder tree over the batch).
* **biprime-1, biprime-2** (§P15.4, the Boneh–Franklin test): for each survivor, a transcript-derived ``g`` with
  Jacobi(g, N) = 1 and shares ``e_i = (p_i + q_i − 6·[i = 1])/4`` of ``(p + q − 6)/4``; a leader L rotating with
  the candidate and base reveals ``v_L = g^{(N − 5)/4 − e_L}``, the others ``v_i = g^{e_i}`` (mod N), so that
  ``v_L / ∏_{i≠L} v_i = g^{φ(N)/4}``; N passes a base iff ``v_L ≡ ±∏_{i≠L} v_i``. One base for every survivor
  first (early abort), then :data:`BIPRIMALITY_BASES` − 1 more for the few that pass.
* **final** (§P15.4): the first candidate (in batch order) that passes every base is kept; each trustee
  broadcasts N, its position and its own ``w_i`` in full. Otherwise the next batch starts.

What goes public (the broadcasts, recorded by the transport): the parameters (setup), a 32-byte digest per
trustee of each bulk "reveal to all" message (reveal, biprime-*), and, for the kept modulus only, N and every
``w_i``. The bulk values (every rejected N, the BF test values) travel as private messages with identical bytes to
every recipient; each recipient checks them against the sender's broadcast digest, so no trustee can show
different values to different trustees without being named.

Misbehaviour that a semi-honest protocol can detect — a malformed or out-of-range message, a missing one, a
private payload that does not match its sender's digest, a final broadcast that contradicts what was revealed —
raises :class:`DkgAbort` naming the culprit (or ``None`` when the deviation cannot be attributed, e.g. a revealed
N of the wrong form). A session that aborted stays aborted; nothing half-made is returned.

Not constant time (Python integers); the BF exponentiations use ``gmpy2.powmod_sec``. Randomness from
:mod:`secrets`. :func:`simulate` runs all trustees in one process (tests, local demos); the real ceremony runs one
:class:`ModulusSession` per trustee over an authenticated board.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import gmpy2

from crypto.errors import DkgAbort
from crypto.primes import SMALL_PRIMES
from crypto.transcript import Transcript

__all__ = [
    "BIPRIMALITY_BASES",
    "MAX_PARTIES",
    "MIN_BITS",
    "TRIAL_DIVISION_BOUND",
    "DkgAbort",
    "Incoming",
    "ModulusParameters",
    "ModulusSession",
    "ModulusShares",
    "Outgoing",
    "modulus_parameters",
    "simulate",
]

VERSION = "linli/dkg-modulus/v1"
MIN_BITS = 128  # smallest N (tests); the election uses 3072
MAX_BITS = 8192
MAX_PARTIES = 32
BIPRIMALITY_BASES = 64  # a non-biprime N (with ≥ 3 prime factors) passes a base with probability ≤ 1/2 (BF01 §3)
TRIAL_DIVISION_BOUND = 1 << 20  # public trial division of every revealed N by the primes below this bound
CONTEXT_BYTES = 32
_SEED_BYTES = 32
_MIN_HIGH_RANGE = 1 << 8  # r_i ranges over at least this many values (the sieve modulus leaves room for it)
_MAX_ATTEMPTS = 64


# --- the interface ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What one trustee sends in one round: an optional broadcast (canonical bytes, recorded publicly) and private
    messages by recipient index (1..n; the transport encrypts them end to end). ``round`` is identical at every
    trustee for the same round."""

    round: str
    broadcast: bytes | None
    private: Mapping[int, bytes]


@dataclass(frozen=True, slots=True)
class Incoming:
    """What one trustee receives for one round: every broadcast of the round by sender (including its own) and
    the private messages addressed to it by sender."""

    round: str
    broadcast: Mapping[int, bytes]
    private: Mapping[int, bytes]


@dataclass(frozen=True, slots=True)
class ModulusShares:
    """Trustee ``index``'s output: the public modulus ``n`` and its additive integer shares of the factors,
    ``p = Σ p_share``, ``q = Σ q_share`` over the trustees.

    Fixed residues (§P15.2): trustee 1's shares are ``≡ c (mod Q)`` with ``c ≡ 3 (mod 8)`` (so ``p_1 ≡ q_1 ≡ 3
    (mod 8)``), every other trustee's are ``≡ 0 (mod Q)``, hence ``≡ 0 (mod 8)``; ``Q`` and ``c`` are in
    :class:`ModulusParameters`. So ``φ_1 = n + 1 − p_1 − q_1``, ``φ_i = −(p_i + q_i)`` satisfy ``φ_1 ≡ −4`` and
    ``φ_i ≡ 0 (mod 8)``, and ``(φ + 4)/8`` is the sum of ``(φ_1 + 4)/8`` and the ``φ_i/8``."""

    n: int
    index: int
    parties: int
    threshold: int
    p_share: int = field(repr=False)
    q_share: int = field(repr=False)
    bits: int = 0
    context: bytes = b""

    def phi_share(self) -> int:
        """This trustee's additive share of φ(n) = (p − 1)(q − 1) = n + 1 − p − q (trustee 1 carries n + 1)."""
        base = self.n + 1 if self.index == 1 else 0
        return base - self.p_share - self.q_share


@dataclass(frozen=True, slots=True)
class ModulusParameters:
    """The public constants of a ceremony, all derived from (bits, parties, threshold) (§P15.1).

    ``sieve_modulus`` M (product of the sieving primes), ``sieve_bound`` B (the largest of them), ``residue_modulus``
    Q and trustee 1's residue ``residue`` c, the share period ``W = Q·M``, the high-part range ``R`` of ``r_i``,
    trustee 1's public ``offset`` O (a multiple of W), the BGW prime ``field_prime`` P > 2^bits, and the batch size
    ``batch`` (candidate pairs per batch)."""

    bits: int
    parties: int
    threshold: int
    sieve_modulus: int
    sieve_bound: int
    residue_modulus: int
    residue: int
    period: int
    high_range: int
    offset: int
    field_prime: int
    batch: int

    @property
    def degree(self) -> int:
        """BGW sharing degree d = t − 1."""
        return self.threshold - 1


def _validate_setup(parties: int, threshold: int, bits: int) -> None:
    if not 3 <= parties <= MAX_PARTIES:
        raise ValueError(f"the ceremony needs between 3 and {MAX_PARTIES} trustees, got {parties}")
    if not 2 <= threshold <= parties:
        raise ValueError(f"threshold must be between 2 and the number of trustees, got {threshold}")
    if 2 * (threshold - 1) >= parties:
        raise ValueError(
            f"BGW multiplication of degree-{threshold - 1} sharings needs at least {2 * threshold - 1} trustees"
            f" (honest majority), got {parties}"
        )
    if not MIN_BITS <= bits <= MAX_BITS or bits % 2:
        raise ValueError(f"modulus size must be even and between {MIN_BITS} and {MAX_BITS} bits, got {bits}")


@functools.lru_cache(maxsize=16)
def _field_prime(bits: int) -> int:
    return int(gmpy2.next_prime(gmpy2.mpz(1) << bits))


@functools.lru_cache(maxsize=16)
def modulus_parameters(bits: int, parties: int, threshold: int) -> ModulusParameters:
    """The public constants of a ceremony (§P15.1); raises ValueError for unsupported sizes."""
    _validate_setup(parties, threshold, bits)
    b = bits // 2
    fixed = [int(s) for s in SMALL_PRIMES[1:] if s <= max(parties, 3)]  # odd primes handled by fixed residues
    residue_modulus = 8 * math.prod(fixed)
    residue = _crt_pair(3, 8, -1 % math.prod(fixed), math.prod(fixed))
    # W = Q·M with 2^{b−2} / W ≥ n·_MIN_HIGH_RANGE + 1, so that R ≥ _MIN_HIGH_RANGE (see §P15.2's range argument).
    limit = (1 << (b - 2)) // (residue_modulus * (parties * _MIN_HIGH_RANGE + 1))
    sieve_modulus, sieve_bound = 1, 0
    for s in SMALL_PRIMES[1:]:
        ell = int(s)
        if ell <= max(parties, 3):
            continue
        if sieve_modulus * ell > limit:
            break
        sieve_modulus *= ell
        sieve_bound = ell
    if sieve_bound == 0:  # pragma: no cover - excluded by MIN_BITS
        raise ValueError("modulus too small to sieve")
    period = residue_modulus * sieve_modulus
    high_range = ((1 << (b - 2)) // period - 1) // parties
    offset = -(-(3 << (b - 2)) // period) * period
    expected = 1.0 / (math.exp(0.5772156649) * math.log(sieve_bound) / (b * math.log(2))) ** 2
    batch = max(16, min(1024, int(expected / 6)))
    return ModulusParameters(
        bits=bits,
        parties=parties,
        threshold=threshold,
        sieve_modulus=sieve_modulus,
        sieve_bound=sieve_bound,
        residue_modulus=residue_modulus,
        residue=residue,
        period=period,
        high_range=high_range,
        offset=offset,
        field_prime=_field_prime(bits),
        batch=batch,
    )


def _crt_pair(a: int, m: int, b: int, k: int) -> int:
    """The x in [0, m·k) with x ≡ a (mod m), x ≡ b (mod k), for coprime m, k."""
    return (a + m * ((b - a) * pow(m, -1, k) % k)) % (m * k)


# --- BGW over Z_m with evaluation points 1..n -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ring:
    """Shamir/BGW sharing of degree ``degree`` over Z_modulus at the points 1..parties (§P15.2, §P15.3)."""

    modulus: int
    parties: int
    degree: int
    width: int  # bytes of one element
    lagrange: tuple[Any, ...]  # λ_j at 0 over all points 1..n (exact for any polynomial of degree < n)
    # pseudo-random sharing (§P15.1): dealer i's polynomial is fixed by f(0) = secret and its value at the d points
    # prss_sets[i-1] (the d trustees after i, cyclically), which those trustees derive from their pair seed with i;
    # basis[i-1][x] = (L_0(x), L_u(x) for u in the set) evaluates it at every other point x (including i).
    prss_sets: tuple[tuple[int, ...], ...]
    basis: tuple[dict[int, tuple[Any, ...]], ...]

    @staticmethod
    def make(modulus: int, parties: int, degree: int) -> _Ring:
        m = gmpy2.mpz(modulus)
        lam = []
        for j in range(1, parties + 1):
            num, den = 1, 1
            for k in range(1, parties + 1):
                if k != j:
                    num *= k
                    den *= k - j
            lam.append(gmpy2.mpz(num * pow(den, -1, modulus) % modulus))
        sets, bases = [], []
        for dealer in range(1, parties + 1):
            chosen = tuple((dealer + k - 1) % parties + 1 for k in range(1, degree + 1))
            nodes = (0, *chosen)
            table: dict[int, tuple[Any, ...]] = {}
            for x in range(1, parties + 1):
                if x in chosen:
                    continue
                coeffs = []
                for u in nodes:
                    num, den = 1, 1
                    for v in nodes:
                        if v != u:
                            num *= x - v
                            den *= u - v
                    coeffs.append(gmpy2.mpz(num * pow(den, -1, modulus) % modulus))
                table[x] = tuple(coeffs)
            sets.append(chosen)
            bases.append(table)
        return _Ring(m, parties, degree, (modulus.bit_length() + 7) // 8, tuple(lam), tuple(sets), tuple(bases))

    def share(self, secret: Any) -> list[Any]:
        """f(1..n) for a random f of degree ``degree`` with f(0) = secret."""
        m = self.modulus
        coeffs = [secrets.randbelow(m) for _ in range(self.degree)]
        out = []
        for x in range(1, self.parties + 1):
            acc = gmpy2.mpz(0)
            for c in reversed(coeffs):
                acc = (acc + c) * x
            out.append((acc + secret) % m)
        return out


def _encode(values: Sequence[Any], width: int) -> bytes:
    return b"".join(int(v).to_bytes(width, "big") for v in values)


def _decode(payload: bytes, count: int, width: int, bound: int, sender: int, what: str) -> list[Any]:
    """``count`` fixed-width integers, each in [0, bound); anything else names the sender."""
    if not isinstance(payload, bytes | bytearray) or len(payload) != count * width:
        raise DkgAbort(f"trustee {sender} sent a malformed {what} ({len(payload)} bytes)", culprit=sender)
    out = []
    for i in range(count):
        v = int.from_bytes(payload[i * width : (i + 1) * width], "big")
        if v >= bound:
            raise DkgAbort(f"trustee {sender} sent an out-of-range {what}", culprit=sender)
        out.append(gmpy2.mpz(v))
    return out


def _canonical(obj: Mapping[str, object]) -> bytes:
    """RFC 8785 bytes for the small objects broadcast here (ASCII strings and small non-negative integers only)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _parse_broadcast(raw: bytes | None, sender: int, keys: frozenset[str]) -> dict[str, Any]:
    if raw is None:
        raise DkgAbort(f"trustee {sender} did not broadcast", culprit=sender)
    try:
        obj = json.loads(bytes(raw).decode("ascii"))
    except (UnicodeDecodeError, ValueError) as e:
        raise DkgAbort(f"trustee {sender} broadcast malformed JSON", culprit=sender) from e
    if not isinstance(obj, dict) or frozenset(obj) != keys or _canonical(obj) != bytes(raw):
        raise DkgAbort(f"trustee {sender} broadcast a non-canonical or incomplete message", culprit=sender)
    return obj


def _hex(value: int, width: int) -> str:
    """Fixed-width lowercase hex (``width`` bytes), the record's convention for big values."""
    return int(value).to_bytes(width, "big").hex()


def _hex_int(value: object, width: int, bound: int, sender: int, what: str) -> int:
    """Parse fixed-width lowercase hex of ``width`` bytes below ``bound``; anything else names the sender."""
    if not isinstance(value, str) or len(value) != 2 * width or value != value.lower():
        raise DkgAbort(f"trustee {sender} broadcast a malformed {what}", culprit=sender)
    try:
        v = int.from_bytes(bytes.fromhex(value), "big")
    except ValueError as e:
        raise DkgAbort(f"trustee {sender} broadcast a malformed {what}", culprit=sender) from e
    if v >= bound:
        raise DkgAbort(f"trustee {sender} broadcast an out-of-range {what}", culprit=sender)
    return v


# --- pseudorandomness from the pair seeds ----------------------------------------------------------------------


def _prf_elements(seed: bytes, label: str, count: int, modulus: int) -> list[Any]:
    """``count`` elements of Z_modulus from SHAKE-256 over the pair seed and a label (128 extra bits each)."""
    chunk = (modulus.bit_length() + 7) // 8 + 16
    raw_label = label.encode()
    h = hashlib.shake_256(b"linli/dkg/prf/v1" + seed + len(raw_label).to_bytes(2, "big") + raw_label)
    stream = h.digest(chunk * count)
    m = gmpy2.mpz(modulus)
    return [gmpy2.mpz(int.from_bytes(stream[i * chunk : (i + 1) * chunk], "big")) % m for i in range(count)]


# --- public trial division -------------------------------------------------------------------------------------


@functools.cache
def _primorial() -> Any:
    level = [gmpy2.mpz(int(s)) for s in SMALL_PRIMES if s < TRIAL_DIVISION_BOUND]
    while len(level) > 1:
        level = [level[i] * level[i + 1] if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0]


def _coprime_to_small_primes(values: Sequence[Any]) -> list[bool]:
    """For each value, whether it has no prime factor below TRIAL_DIVISION_BOUND (primorial reduced by a remainder
    tree over the values, then one small gcd each)."""
    if not values:
        return []
    tree = [list(values)]
    while len(tree[-1]) > 1:
        lv = tree[-1]
        tree.append([lv[i] * lv[i + 1] if i + 1 < len(lv) else lv[i] for i in range(0, len(lv), 2)])
    rems = [_primorial() % tree[-1][0]]
    for lv in reversed(tree[:-1]):
        rems = [rems[i // 2] % lv[i] for i in range(len(lv))]
    return [gmpy2.gcd(r, v) == 1 for r, v in zip(rems, values, strict=True)]


# --- the session ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Batch:
    """One batch's state at one trustee."""

    number: int
    a_sharings: list[list[Any]] = field(default_factory=list)  # my shares of each trustee's a_j (2K each)
    values: list[list[Any]] = field(default_factory=list)  # degree-d sharings still to multiply (2K each)
    p: list[Any] = field(default_factory=list)  # my p_i per candidate
    q: list[Any] = field(default_factory=list)
    w: dict[int, list[Any]] = field(default_factory=dict)  # revealed w_j per trustee
    n: list[Any] = field(default_factory=list)  # revealed N per candidate
    survivors: list[int] = field(default_factory=list)  # candidates still in the test


class ModulusSession:
    """Trustee ``index``'s state machine for the ceremony (§P15.1–§P15.4).

    ``start()`` gives the first round's messages; ``advance(incoming)`` takes the round's deliveries and gives the
    next round's messages, or ``None`` once the modulus is fixed; ``result()`` then gives :class:`ModulusShares`.
    The number of rounds depends on the broadcasts only, identically at every trustee. ``progress`` is called with
    the number of candidate pairs tried so far (after each batch's reveal)."""

    def __init__(
        self,
        index: int,
        parties: int,
        threshold: int,
        bits: int,
        context: bytes,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.params = modulus_parameters(bits, parties, threshold)
        if not 1 <= index <= parties:
            raise ValueError(f"trustee index must be between 1 and {parties}, got {index}")
        if not isinstance(context, bytes) or len(context) != CONTEXT_BYTES:
            raise ValueError(f"the context must be {CONTEXT_BYTES} bytes")
        self.index = index
        self.context = context
        self._progress = progress
        self._others = tuple(j for j in range(1, parties + 1) if j != index)
        self._sieve = _Ring.make(self.params.sieve_modulus, parties, self.params.degree)
        self._field = _Ring.make(self.params.field_prime, parties, self.params.degree)
        self._tag = context.hex()[:16]
        self._my_seeds: dict[int, bytes] = {}
        self._pair_seeds: dict[int, bytes] = {}
        self._batch: _Batch | None = None
        self._tried = 0
        self._expect: tuple[str, Callable[[Incoming], Outgoing | None]] | None = None
        self._result: ModulusShares | None = None
        self._aborted: DkgAbort | None = None
        self._started = False
        self._final: tuple[int, int, int] | None = None  # (batch, candidate, N)
        self._last_values: list[Any] = []  # my values of the last "reveal to all" round

    # --- driving

    def start(self) -> Outgoing:
        """The setup round's messages (§P15.1)."""
        if self._started:
            raise RuntimeError("the session has already started")
        self._started = True
        name = self._round("setup")
        broadcast = _canonical(self._parameters_json())
        private = {}
        for j in self._others:
            seed = secrets.token_bytes(_SEED_BYTES)
            self._my_seeds[j] = seed
            private[j] = seed
        self._expect = (name, self._on_setup)
        return Outgoing(name, broadcast, private)

    def advance(self, incoming: Incoming) -> Outgoing | None:
        """Consume one round's deliveries; the next round's messages, or None when finished."""
        if self._aborted is not None:
            raise self._aborted
        if self._expect is None:
            raise RuntimeError("the session is not waiting for a round (call start() first, or it has finished)")
        name, handler = self._expect
        try:
            if incoming.round != name:
                raise DkgAbort(f"expected round {name!r}, got {incoming.round!r}", culprit=None)
            self._check_senders(incoming)
            return handler(incoming)
        except DkgAbort as e:
            self._aborted = e
            self._batch = None
            self._expect = None
            raise

    def result(self) -> ModulusShares:
        """This trustee's shares of the kept modulus (after advance() returned None)."""
        if self._result is None:
            raise RuntimeError("the ceremony has not finished")
        return self._result

    @property
    def finished(self) -> bool:
        return self._result is not None

    # --- helpers

    def _round(self, step: str) -> str:
        return f"modulus/{self._tag}/{step}"

    def _parameters_json(self) -> dict[str, object]:
        p = self.params
        return {
            "bits": p.bits,
            "context": self.context.hex(),
            "parties": p.parties,
            "threshold": p.threshold,
            "version": VERSION,
        }

    def _check_senders(self, incoming: Incoming) -> None:
        for j in incoming.private:
            if j not in self._others and j != self.index:
                raise DkgAbort(f"a private message from unknown trustee {j!r}", culprit=None)
        for j in incoming.broadcast:
            if not (isinstance(j, int) and 1 <= j <= self.params.parties):
                raise DkgAbort(f"a broadcast from unknown trustee {j!r}", culprit=None)

    def _private_from(self, incoming: Incoming, j: int) -> bytes:
        raw = incoming.private.get(j)
        if raw is None:
            raise DkgAbort(f"trustee {j} sent no private message in round {incoming.round}", culprit=j)
        return bytes(raw)

    def _digest(self, round_name: str, sender: int, payload: bytes) -> str:
        t = Transcript("dkg/reveal-digest").append_bytes("context", self.context)
        t.append_str("round", round_name).append_int("sender", sender).append_bytes("payload", payload)
        return t.challenge_bytes("digest", 32).hex()

    def _reveal(self, step: str, values: Sequence[Any], width: int) -> Outgoing:
        """A "reveal to all" round: identical private payloads, their digest broadcast (§P15.3)."""
        name = self._round(step)
        payload = _encode(values, width)
        self._last_values = list(values)
        broadcast = _canonical({"digest": self._digest(name, self.index, payload)})
        return Outgoing(name, broadcast, {j: payload for j in self._others})

    def _revealed(
        self, incoming: Incoming, mine: Sequence[Any], count: int, width: int, bound: int, what: str
    ) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {self.index: list(mine)}
        for j in self._others:
            digest = _parse_broadcast(incoming.broadcast.get(j), j, frozenset({"digest"}))["digest"]
            payload = self._private_from(incoming, j)
            if digest != self._digest(incoming.round, j, payload):
                raise DkgAbort(f"trustee {j}'s {what} does not match its broadcast digest", culprit=j)
            out[j] = _decode(payload, count, width, bound, j, what)
        return out

    def _deal(self, ring: _Ring, name: str, values: Sequence[Any]) -> tuple[list[Any], dict[int, bytes]]:
        """Share each value with degree d over ``ring`` (pseudo-random secret sharing, §P15.1): my own shares and the
        private messages — explicit shares for the trustees outside my PRSS set, empty bytes for those in it."""
        me = self.index
        chosen = ring.prss_sets[me - 1]
        m = ring.modulus
        streams = [_prf_elements(self._pair_seeds[u], f"share/{name}/{me}", len(values), m) for u in chosen]
        out: dict[int, list[Any]] = {}
        for x, (l0, *lus) in ring.basis[me - 1].items():
            vec = []
            for c, secret in enumerate(values):
                acc = l0 * secret
                for lu, stream in zip(lus, streams, strict=True):
                    acc += lu * stream[c]
                vec.append(acc % m)
            out[x] = vec
        mine = out.pop(me)
        private = {j: _encode(out[j], ring.width) if j in out else b"" for j in self._others}
        return mine, private

    def _dealt(self, name: str, raw: bytes, ring: _Ring, dealer: int, count: int, what: str) -> list[Any]:
        """My shares of ``dealer``'s ``count`` values (derived from our pair seed if I am in its PRSS set)."""
        if self.index in ring.prss_sets[dealer - 1]:
            if raw != b"":
                raise DkgAbort(f"trustee {dealer} sent explicit shares where the seed gives them", culprit=dealer)
            return _prf_elements(self._pair_seeds[dealer], f"share/{name}/{dealer}", count, ring.modulus)
        return _decode(raw, count, ring.width, ring.modulus, dealer, what)

    # --- §P15.1 setup

    def _on_setup(self, incoming: Incoming) -> Outgoing | None:
        mine = _canonical(self._parameters_json())
        for j in self._others:
            if incoming.broadcast.get(j) != mine:
                raise DkgAbort(f"trustee {j} runs the ceremony with different parameters", culprit=j)
            theirs = self._private_from(incoming, j)
            if len(theirs) != _SEED_BYTES:
                raise DkgAbort(f"trustee {j} sent a malformed pair seed", culprit=j)
            lo, hi = min(j, self.index), max(j, self.index)
            s_lo = self._my_seeds[j] if lo == self.index else theirs
            s_hi = self._my_seeds[j] if hi == self.index else theirs
            t = Transcript("dkg/pair-seed").append_bytes("context", self.context)
            t.append_int("low", lo).append_int("high", hi).append_bytes("seed_low", s_lo).append_bytes(
                "seed_high", s_hi
            )
            self._pair_seeds[j] = t.challenge_bytes("seed", 32)
        self._my_seeds.clear()
        return self._next_batch(0)

    # --- §P15.2 sieving

    def _next_batch(self, number: int) -> Outgoing:
        limit = self._batch_limit()
        if number >= limit:
            raise DkgAbort(f"no biprime after {number} batches (the trustees' randomness is broken)", culprit=None)
        self._batch = _Batch(number)
        count = 2 * self.params.batch
        m = self._sieve.modulus
        name = self._round(f"{number}/sieve-1")
        mine, private = self._deal(self._sieve, name, [_random_unit(m) for _ in range(count)])
        self._batch.a_sharings = [[] for _ in range(self.params.parties)]
        self._batch.a_sharings[self.index - 1] = mine
        self._expect = (name, self._on_sieve_shares)
        return Outgoing(name, None, private)

    def _batch_limit(self) -> int:
        p = self.params
        expected = 1.0 / (math.exp(0.5772156649) * math.log(p.sieve_bound) / (p.bits / 2 * math.log(2))) ** 2
        return 16 + int(64 * expected / p.batch)

    def _on_sieve_shares(self, incoming: Incoming) -> Outgoing:
        batch = self._need_batch()
        count = 2 * self.params.batch
        for j in self._others:
            raw = self._private_from(incoming, j)
            batch.a_sharings[j - 1] = self._dealt(incoming.round, raw, self._sieve, j, count, "sieve share")
        batch.values = batch.a_sharings
        batch.a_sharings = []
        return self._sieve_step(batch, 2)

    def _sieve_step(self, batch: _Batch, step: int) -> Outgoing:
        """Multiply the pending degree-d sharings pairwise; reshare the products (degree reduction) while more than
        two remain, else turn the last product into additive shares and go on to §P15.3."""
        m = self._sieve.modulus
        values = batch.values
        if len(values) == 2:
            lam = self._sieve.lagrange[self.index - 1]
            additive = [x * y % m * lam % m for x, y in zip(values[0], values[1], strict=True)]
            batch.values = []
            return self._make_shares(batch, additive)
        pairs = [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
        leftover = values[-1] if len(values) % 2 else None
        products = [x * y % m for x_vec, y_vec in pairs for x, y in zip(x_vec, y_vec, strict=True)]
        name = self._round(f"{batch.number}/sieve-{step}")
        mine, private = self._deal(self._sieve, name, products)

        def on_reshares(incoming: Incoming) -> Outgoing:
            count = len(pairs) * 2 * self.params.batch
            got: dict[int, list[Any]] = {self.index: mine}
            for j in self._others:
                raw = self._private_from(incoming, j)
                got[j] = self._dealt(incoming.round, raw, self._sieve, j, count, "sieve reshare")
            per = 2 * self.params.batch
            reduced: list[list[Any]] = []
            for pi in range(len(pairs)):
                acc = [gmpy2.mpz(0)] * per
                for j in range(1, self.params.parties + 1):
                    lam = self._sieve.lagrange[j - 1]
                    vec = got[j]
                    acc = [(a + lam * vec[pi * per + c]) for c, a in enumerate(acc)]
                reduced.append([a % m for a in acc])
            batch.values = reduced + ([leftover] if leftover is not None else [])
            return self._sieve_step(batch, step + 1)

        self._expect = (name, on_reshares)
        return Outgoing(name, None, private)

    def _make_shares(self, batch: _Batch, additive: list[Any]) -> Outgoing:
        """p_i, q_i from the additive sieve shares, the fixed residues and the high part (§P15.2); then share them
        over Z_P (§P15.3 multiply)."""
        p = self.params
        m, qm = p.sieve_modulus, p.residue_modulus
        c = p.residue if self.index == 1 else 0
        m_inv = pow(m, -1, qm)
        offset = p.offset if self.index == 1 else 0
        shares = []
        for x in additive:
            crt = x + m * ((c - x) * m_inv % qm)
            shares.append(gmpy2.mpz(offset + crt + p.period * secrets.randbelow(p.high_range)))
        k = p.batch
        batch.p, batch.q = shares[:k], shares[k:]
        name = self._round(f"{batch.number}/multiply")
        mine, private = self._deal(self._field, name, shares)

        def on_multiply(incoming: Incoming) -> Outgoing:
            return self._on_multiply(incoming, mine)

        self._expect = (name, on_multiply)
        return Outgoing(name, None, private)

    # --- §P15.3 multiplication and reveal

    def _on_multiply(self, incoming: Incoming, mine: list[Any]) -> Outgoing:
        batch = self._need_batch()
        k = self.params.batch
        prime = self._field.modulus
        f = mine[:k]
        g = mine[k:]
        for j in self._others:
            raw = self._private_from(incoming, j)
            vec = self._dealt(incoming.round, raw, self._field, j, 2 * k, "multiplication share")
            f = [a + b for a, b in zip(f, vec[:k], strict=True)]
            g = [a + b for a, b in zip(g, vec[k:], strict=True)]
        name = self._round(f"{batch.number}/reveal")
        lam = self._field.lagrange[self.index - 1]
        w = [(a % prime) * (b % prime) % prime * lam % prime for a, b in zip(f, g, strict=True)]
        for j in self._others:  # additive zero-sharing: Σ_i z_i = 0 (i < j adds, j subtracts the pair's stream)
            stream = _prf_elements(self._pair_seeds[j], f"zero/{name}", k, self.params.field_prime)
            if self.index < j:
                w = [a + s for a, s in zip(w, stream, strict=True)]
            else:
                w = [a - s for a, s in zip(w, stream, strict=True)]
        w = [a % prime for a in w]
        self._expect = (name, self._on_reveal)
        return self._reveal(f"{batch.number}/reveal", w, self._field.width)

    def _on_reveal(self, incoming: Incoming) -> Outgoing:
        batch = self._need_batch()
        k = self.params.batch
        prime = self._field.modulus
        batch.w = self._revealed(incoming, self._last_values, k, self._field.width, prime, "revealed product share")
        total = [gmpy2.mpz(0)] * k
        for j in range(1, self.params.parties + 1):
            total = [a + b for a, b in zip(total, batch.w[j], strict=True)]
        batch.n = [a % prime for a in total]
        bits = self.params.bits
        want = self.params.residue * self.params.residue % self.params.residue_modulus
        for value in batch.n:
            if value.bit_length() != bits or value % self.params.residue_modulus != want:
                raise DkgAbort("a revealed N has the wrong size or residue: a trustee deviated", culprit=None)
        self._tried += k
        if self._progress is not None:
            self._progress(self._tried)
        alive = _coprime_to_small_primes(batch.n)
        batch.survivors = [c for c in range(k) if alive[c]]
        if not batch.survivors:
            return self._next_batch(batch.number + 1)
        return self._biprimality(batch, 1, range(1))

    # --- §P15.4 biprimality

    def _base(self, n: Any, batch: int, candidate: int, base: int) -> Any:
        t = Transcript("dkg/biprimality-base").append_bytes("context", self.context).append_int("n", int(n))
        t.append_int("batch", batch).append_int("candidate", candidate).append_int("base", base)
        for attempt in range(_MAX_ATTEMPTS):
            g = gmpy2.mpz(t.challenge_int(f"g{attempt}", n.bit_length() + 128)) % n
            if g > 1 and gmpy2.jacobi(g, n) == 1:
                return g
        raise DkgAbort("no base of Jacobi symbol 1 found", culprit=None)  # pragma: no cover - probability 2^-64

    def _leader(self, candidate: int, base: int) -> int:
        """The trustee that carries the public part (N − 5)/4 for this test (rotating, so the long exponentiations
        are spread over the trustees)."""
        return (candidate + base) % self.params.parties + 1

    def _exponent(self, batch: _Batch, candidate: int, base: int) -> Any:
        """§P15.4: e_i = (p_i + q_i − 6·[i = 1])/4 (an integer by the fixed residues) and Σ e_i = (p + q − 6)/4, so
        (N − 5)/4 − Σ e_i = φ(N)/4. The leader uses (N − 5)/4 − e_L, the others e_i."""
        p, q = batch.p[candidate], batch.q[candidate]
        e = (p + q - (6 if self.index == 1 else 0)) // 4
        if self.index == self._leader(candidate, base):
            return (batch.n[candidate] - 5) // 4 - e
        return e

    def _biprimality(self, batch: _Batch, stage: int, bases: range) -> Outgoing:
        values = []
        for c in batch.survivors:
            n = batch.n[c]
            for b in bases:
                e = self._exponent(batch, c, b)
                values.append(gmpy2.powmod_sec(self._base(n, batch.number, c, b), e, n))
        width = (self.params.bits + 7) // 8
        name = self._round(f"{batch.number}/biprime-{stage}")

        def on_values(incoming: Incoming) -> Outgoing:
            return self._on_biprimality(incoming, batch, stage, bases, values)

        self._expect = (name, on_values)
        out = self._reveal(f"{batch.number}/biprime-{stage}", values, width)
        return out

    def _on_biprimality(self, incoming: Incoming, batch: _Batch, stage: int, bases: range, mine: list[Any]) -> Outgoing:
        width = (self.params.bits + 7) // 8
        count = len(batch.survivors) * len(bases)
        bound = 1 << self.params.bits
        got = self._revealed(incoming, mine, count, width, bound, "biprimality value")
        passed = []
        for pos, c in enumerate(batch.survivors):
            n = batch.n[c]
            ok = True
            for bi, b in enumerate(bases):
                at = pos * len(bases) + bi
                for j in range(1, self.params.parties + 1):
                    v = got[j][at]
                    if not 0 < v < n:
                        raise DkgAbort(f"trustee {j} sent a biprimality value out of range", culprit=j)
                leader = self._leader(c, b)
                prod = gmpy2.mpz(1)
                for j in range(1, self.params.parties + 1):
                    if j != leader:
                        prod = prod * got[j][at] % n
                v_lead = got[leader][at]
                if v_lead != prod and v_lead != n - prod:
                    ok = False
                    break
            if ok:
                passed.append(c)
        if not passed:
            return self._next_batch(batch.number + 1)
        if stage == 1:
            batch.survivors = passed
            return self._biprimality(batch, 2, range(1, BIPRIMALITY_BASES))
        return self._finalise(batch, passed[0])

    # --- §P15.4 final

    def _finalise(self, batch: _Batch, candidate: int) -> Outgoing:
        n = batch.n[candidate]
        name = self._round("final")
        self._final = (batch.number, candidate, int(n))
        msg = {
            "batch": batch.number,
            "candidate": candidate,
            "n": _hex(n, (self.params.bits + 7) // 8),
            "w": _hex(batch.w[self.index][candidate], self._field.width),
        }
        self._expect = (name, self._on_final)
        return Outgoing(name, _canonical(msg), {})

    def _on_final(self, incoming: Incoming) -> None:
        batch = self._need_batch()
        assert self._final is not None
        number, candidate, n = self._final
        keys = frozenset({"batch", "candidate", "n", "w"})
        total = 0
        for j in range(1, self.params.parties + 1):
            raw = incoming.broadcast.get(j)
            if raw is None and j == self.index:
                total += int(batch.w[j][candidate])
                continue
            obj = _parse_broadcast(raw, j, keys)
            if obj["batch"] != number or obj["candidate"] != candidate:
                raise DkgAbort(f"trustee {j} kept a different candidate", culprit=j)
            if _hex_int(obj["n"], (self.params.bits + 7) // 8, 1 << self.params.bits, j, "modulus") != n:
                raise DkgAbort(f"trustee {j} broadcast a different modulus", culprit=j)
            w = _hex_int(obj["w"], self._field.width, self.params.field_prime, j, "product share")
            if w != int(batch.w[j][candidate]):
                raise DkgAbort(f"trustee {j}'s final product share differs from the one it revealed", culprit=j)
            total += w
        if total % self.params.field_prime != n:  # pragma: no cover - implied by the digest checks
            raise DkgAbort("the final product shares do not add up to N", culprit=None)
        self._result = ModulusShares(
            n=n,
            index=self.index,
            parties=self.params.parties,
            threshold=self.params.threshold,
            p_share=int(batch.p[candidate]),
            q_share=int(batch.q[candidate]),
            bits=self.params.bits,
            context=self.context,
        )
        self._batch = None
        self._expect = None
        return None

    def _need_batch(self) -> _Batch:
        if self._batch is None:  # pragma: no cover - the state machine always sets it
            raise RuntimeError("no batch in progress")
        return self._batch


def _random_unit(m: Any) -> Any:
    while True:
        a = gmpy2.mpz(secrets.randbelow(m))
        if a and gmpy2.gcd(a, m) == 1:
            return a


# --- local simulation --------------------------------------------------------------------------------------------


class LockstepSession(Protocol):
    """What :func:`run_rounds` drives: :class:`ModulusSession`, crypto.threshold_session.KeySession."""

    @property
    def index(self) -> int: ...
    def start(self) -> Outgoing: ...
    def advance(self, incoming: Incoming) -> Outgoing | None: ...


def run_rounds(sessions: Sequence[LockstepSession]) -> Iterator[dict[int, Outgoing]]:
    """Drive sessions in lockstep in this process, yielding each round's messages (local simulation only)."""
    outgoing = {s.index: s.start() for s in sessions}
    while True:
        yield outgoing
        nxt: dict[int, Outgoing] = {}
        for s in sessions:
            inc = Incoming(
                round=outgoing[s.index].round,
                broadcast={j: o.broadcast for j, o in outgoing.items() if o.broadcast is not None},
                private={j: o.private[s.index] for j, o in outgoing.items() if s.index in o.private},
            )
            out = s.advance(inc)
            if out is not None:
                nxt[s.index] = out
        if not nxt:
            return
        if len(nxt) != len(sessions):  # pragma: no cover - sessions decide identically
            raise DkgAbort("the trustees disagree on whether the ceremony has finished", culprit=None)
        outgoing = nxt


def simulate(
    parties: int,
    threshold: int,
    bits: int,
    context: bytes,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[ModulusShares]:
    """LOCAL SIMULATION: run every trustee's :class:`ModulusSession` in this process (tests, the in-process demo,
    benchmarks) and return their :class:`ModulusShares` in index order. A real ceremony runs one session per
    trustee, on its own machine, over an authenticated board."""
    sessions = [
        ModulusSession(i, parties, threshold, bits, context, progress=progress if i == 1 else None)
        for i in range(1, parties + 1)
    ]
    for _ in run_rounds(sessions):
        pass
    return [s.result() for s in sessions]
