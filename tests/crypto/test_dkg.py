"""Dealer-free modulus generation (crypto.dkg, §P15.1–§P15.4): honest runs give consistent shares of a biprime with
the fixed residues; every detectable deviation aborts naming the culprit; t − 1 trustees' shares say nothing."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import dkg, threshold_session
from crypto.dkg import (
    DkgAbort,
    Incoming,
    ModulusSession,
    ModulusShares,
    Outgoing,
    modulus_parameters,
    simulate,
)
from crypto.errors import CryptoError
from crypto.threshold import verify_public_key

BITS = 256  # 128-bit factors: fast, and the protocol is the same as at 3072 bits
CONTEXT = bytes(range(32))

# (round, sender, recipient or None for the broadcast, bytes) -> bytes
Tamper = Callable[[str, int, int | None, bytes], bytes | None]


def _drive(
    parties: int = 5, threshold: int = 3, bits: int = BITS, tamper: Tamper | None = None
) -> tuple[list[ModulusSession], list[dict[int, Outgoing]]]:
    """Run the sessions in lockstep like the board does, optionally rewriting (or dropping: None) messages."""
    sessions = [ModulusSession(i, parties, threshold, bits, CONTEXT) for i in range(1, parties + 1)]
    outgoing = {s.index: s.start() for s in sessions}
    log = []
    while outgoing:
        log.append(outgoing)
        nxt = {}
        for s in sessions:
            broadcast: dict[int, bytes] = {}
            private: dict[int, bytes] = {}
            for j, o in outgoing.items():
                b = o.broadcast
                if b is not None and tamper is not None and j != s.index:
                    b = tamper(o.round, j, None, b)
                if b is not None:
                    broadcast[j] = b
                m = o.private.get(s.index)
                if m is not None and tamper is not None:
                    m = tamper(o.round, j, s.index, m)
                if m is not None:
                    private[j] = m
            out = s.advance(Incoming(outgoing[s.index].round, broadcast, private))
            if out is not None:
                nxt[s.index] = out
        assert len(nxt) in (0, parties)
        outgoing = nxt
    return sessions, log


@pytest.fixture(scope="module")
def run() -> tuple[list[ModulusSession], list[dict[int, Outgoing]]]:
    return _drive()


@pytest.fixture(scope="module")
def shares(run: tuple[list[ModulusSession], list[dict[int, Outgoing]]]) -> list[ModulusShares]:
    return [s.result() for s in run[0]]


# --- honest runs --------------------------------------------------------------------------------------------------


def test_every_trustee_gets_the_same_biprime(shares: list[ModulusShares]) -> None:
    n = shares[0].n
    assert [s.index for s in shares] == [1, 2, 3, 4, 5]
    assert all(s.n == n and s.parties == 5 and s.threshold == 3 and s.bits == BITS for s in shares)
    assert all(s.context == CONTEXT for s in shares)
    p = sum(s.p_share for s in shares)
    q = sum(s.q_share for s in shares)
    assert p * q == n and p != q
    assert gmpy2.is_prime(p, 50) and gmpy2.is_prime(q, 50)
    assert n.bit_length() == BITS
    for f in (p, q):  # exactly bits/2 bits, top two bits set
        assert f.bit_length() == BITS // 2 and f >> (BITS // 2 - 2) == 0b11


def test_fixed_residues_make_phi_over_8_linear(shares: list[ModulusShares]) -> None:
    params = modulus_parameters(BITS, 5, 3)
    p = sum(s.p_share for s in shares)
    q = sum(s.q_share for s in shares)
    assert p % 8 == q % 8 == 3 and p % 3 == q % 3 == 2 and p % 5 == q % 5 == 4
    one = shares[0]
    assert one.p_share % params.residue_modulus == one.q_share % params.residue_modulus == params.residue
    assert one.p_share % 8 == 3
    for s in shares[1:]:
        assert s.p_share % params.residue_modulus == s.q_share % params.residue_modulus == 0
    phi = (p - 1) * (q - 1)
    assert sum(s.phi_share() for s in shares) == phi
    assert (one.phi_share() + 4) % 8 == 0 and all(s.phi_share() % 8 == 0 for s in shares[1:])
    assert (one.phi_share() + 4) // 8 + sum(s.phi_share() // 8 for s in shares[1:]) == (phi + 4) // 8


def test_factors_have_no_small_prime_factor(shares: list[ModulusShares]) -> None:
    params = modulus_parameters(BITS, 5, 3)
    p = sum(s.p_share for s in shares)
    # the sieve excluded every prime 5 < ℓ ≤ B by construction (p mod M is a unit); p is prime anyway
    assert gmpy2.gcd(p, params.sieve_modulus) == 1


def test_secret_fields_are_not_in_the_repr(shares: list[ModulusShares]) -> None:
    text = repr(shares[1])
    assert str(shares[1].p_share) not in text and str(shares[1].q_share) not in text
    assert "p_share" not in text


def test_round_names_agree_and_carry_the_context(run: tuple[list[ModulusSession], list[dict[int, Outgoing]]]) -> None:
    _, log = run
    tag = CONTEXT.hex()[:16]
    for outgoing in log:
        names = {o.round for o in outgoing.values()}
        assert len(names) == 1
        assert names.pop().startswith(f"modulus/{tag}/")
    assert log[0][1].round.endswith("/setup") and log[-1][1].round.endswith("/final")


def test_what_is_broadcast_is_small_and_canonical(run: tuple[list[ModulusSession], list[dict[int, Outgoing]]]) -> None:
    """Bulk values go privately; the broadcasts are the parameters, digests and the final modulus (§P15.3)."""
    _, log = run
    for outgoing in log:
        for o in outgoing.values():
            if o.broadcast is None:
                continue
            obj = json.loads(o.broadcast)
            assert json.dumps(obj, sort_keys=True, separators=(",", ":")).encode() == o.broadcast
            assert len(o.broadcast) < 300
    final = {j: json.loads(o.broadcast or b"") for j, o in log[-1].items()}
    n = int(final[1]["n"], 16)
    assert sum(int(f["w"], 16) for f in final.values()) % modulus_parameters(BITS, 5, 3).field_prime == n


def test_two_colluders_see_sharings_of_degree_two(run: tuple[list[ModulusSession], list[dict[int, Outgoing]]]) -> None:
    """A trustee's BGW sharings (explicit shares and the PRSS-derived ones) lie on ONE degree-2 polynomial through
    its secret: any three trustees recover it, two do not (for every claimed secret, a degree-2 polynomial fits
    their two points), so t − 1 = 2 colluders learn nothing about a trustee's share of p."""
    sessions, _ = run
    ring = sessions[0]._field
    prime = int(ring.modulus)
    dealer = sessions[2]  # trustee 3; its PRSS set is {4, 5}
    assert ring.prss_sets[2] == (4, 5)
    name = "modulus/test/multiply"
    secret = secrets.randbelow(prime)
    mine, private = dealer._deal(ring, name, [secret])
    assert private[4] == private[5] == b"" and len(private[1]) == len(private[2]) == ring.width
    points = {3: int(mine[0])}
    for s in sessions:
        if s.index != 3:
            points[s.index] = int(s._dealt(name, private[s.index], ring, 3, 1, "share")[0])

    def interpolate(xs: list[int], at: int) -> int:
        total = 0
        for xj in xs:
            num, den = 1, 1
            for xk in xs:
                if xk != xj:
                    num *= at - xk
                    den *= xj - xk
            total += points[xj] * num * pow(den, -1, prime)
        return total % prime

    for trio in ([1, 2, 4], [2, 4, 5], [1, 3, 5]):
        assert interpolate(trio, 0) == secret
        assert all(interpolate(trio, x) == points[x] for x in range(1, 6))
    assert interpolate([1, 2], 0) != secret  # two points fix only a line, not the degree-2 polynomial
    for claimed in (0, 1, secrets.randbelow(prime)):  # every secret is consistent with trustees 1 and 2's view
        points[0] = claimed
        assert interpolate([0, 1, 2], 1) == points[1] and interpolate([0, 1, 2], 2) == points[2]


def test_prss_recipient_refuses_explicit_shares() -> None:
    """Trustee 2's PRSS set is {3, 4}: a non-empty message to 3 is a deviation, named."""
    err = _abort(_once("sieve-1", 2, 3, lambda d: b"\x00" * 8))
    assert err.culprit == 2


@pytest.mark.parametrize(("parties", "threshold"), [(3, 2), (4, 2), (7, 4)])
def test_other_trustee_counts(parties: int, threshold: int) -> None:
    out = simulate(parties, threshold, BITS, CONTEXT)
    assert len(out) == parties and len({s.n for s in out}) == 1
    p = sum(s.p_share for s in out)
    q = sum(s.q_share for s in out)
    assert p * q == out[0].n and gmpy2.is_prime(p) and gmpy2.is_prime(q)
    assert p % 8 == q % 8 == 3


def test_progress_counts_candidates() -> None:
    seen: list[int] = []
    simulate(3, 2, BITS, CONTEXT, progress=seen.append)
    batch = modulus_parameters(BITS, 3, 2).batch
    assert seen and seen == sorted(seen) and all(k % batch == 0 for k in seen)


def test_two_ceremonies_give_different_moduli() -> None:
    assert simulate(3, 2, BITS, CONTEXT)[0].n != simulate(3, 2, BITS, CONTEXT)[0].n


# --- algebra --------------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**64), st.integers(min_value=0, max_value=2**64))
def test_bgw_product_of_sharings_interpolates_to_the_product(x: int, y: int) -> None:
    ring = dkg._Ring.make(modulus_parameters(BITS, 5, 3).sieve_modulus, 5, 2)
    m = int(ring.modulus)
    fx, fy = ring.share(x % m), ring.share(y % m)
    assert sum(int(lam) * int(a) for lam, a in zip(ring.lagrange, fx, strict=True)) % m == x % m
    h = [int(a) * int(b) for a, b in zip(fx, fy, strict=True)]  # degree 4 = n − 1: all five points needed
    assert sum(int(lam) * v for lam, v in zip(ring.lagrange, h, strict=True)) % m == x * y % m


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=3, max_value=2**40), min_size=1, max_size=9))
def test_trial_division_tree_matches_gcd(values: list[int]) -> None:
    got = dkg._coprime_to_small_primes([gmpy2.mpz(v) for v in values])
    assert got == [gmpy2.gcd(v, dkg._primorial()) == 1 for v in values]


def test_parameters_fit_the_size() -> None:
    for bits in (256, 1024, 3072):
        p = modulus_parameters(bits, 5, 3)
        assert p.period == p.residue_modulus * p.sieve_modulus
        assert p.offset % p.period == 0 and p.offset >= 3 << (bits // 2 - 2)
        assert p.offset + 5 * p.period * p.high_range <= 1 << (bits // 2)
        assert p.high_range >= 256 and gmpy2.is_prime(p.field_prime) and p.field_prime > 1 << bits
        assert gmpy2.gcd(p.sieve_modulus, 2 * 3 * 5) == 1  # primes ≤ n are handled by residues, never sieved
        assert p.residue % 8 == 3 and p.residue % 3 == 2 and p.residue % 5 == 4


# --- refused inputs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "parties", "threshold", "bits", "context"),
    [
        (1, 2, 2, BITS, CONTEXT),  # too few trustees
        (1, 5, 4, BITS, CONTEXT),  # 2(t−1) = 6 ≥ n: no honest-majority BGW
        (1, 5, 1, BITS, CONTEXT),
        (0, 5, 3, BITS, CONTEXT),
        (6, 5, 3, BITS, CONTEXT),
        (1, 5, 3, 255, CONTEXT),
        (1, 5, 3, 64, CONTEXT),
        (1, 5, 3, BITS, b"short"),
        (1, 33, 3, BITS, CONTEXT),
    ],
)
def test_bad_setup_is_refused(index: int, parties: int, threshold: int, bits: int, context: bytes) -> None:
    with pytest.raises(ValueError):
        ModulusSession(index, parties, threshold, bits, context)


def test_misuse_of_the_state_machine() -> None:
    s = ModulusSession(1, 3, 2, BITS, CONTEXT)
    with pytest.raises(RuntimeError):
        s.result()
    with pytest.raises(RuntimeError):
        s.advance(Incoming("x", {}, {}))
    s.start()
    with pytest.raises(RuntimeError):
        s.start()


# --- deviations abort, naming the culprit ---------------------------------------------------------------------


def _abort(tamper: Tamper, parties: int = 5, threshold: int = 3) -> DkgAbort:
    with pytest.raises(DkgAbort) as info:
        _drive(parties, threshold, tamper=tamper)
    assert isinstance(info.value, CryptoError)
    return info.value


def _once(step: str, sender: int, recipient: int | None, change: Callable[[bytes], bytes | None]) -> Tamper:
    done = [False]

    def tamper(name: str, j: int, k: int | None, data: bytes) -> bytes | None:
        if not done[0] and name.endswith(step) and j == sender and k == recipient:
            done[0] = True
            return change(data)
        return data

    return tamper


def _flip(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


@pytest.mark.parametrize(
    ("step", "change"),
    [
        ("sieve-1", lambda d: d[:-1]),  # truncated
        ("sieve-1", lambda d: b"\xff" * len(d)),  # out of range (≥ M)
        ("sieve-2", lambda d: d + b"\x00"),
        ("multiply", lambda d: b"\xff" * len(d)),  # out of range (≥ P)
        ("reveal", _flip),  # does not match the broadcast digest
        ("setup", lambda d: d[:5]),  # malformed pair seed
        ("sieve-1", lambda d: None),  # missing
    ],
)
def test_tampered_private_message_names_the_sender(step: str, change: Callable[[bytes], bytes | None]) -> None:
    err = _abort(_once(step, 2, 1, change))
    assert err.culprit == 2


def test_tampered_biprimality_value_names_the_sender() -> None:
    err = _abort(_once("biprime-1", 4, 3, _flip))
    assert err.culprit == 4


def test_equivocating_reveal_digest_names_the_sender() -> None:
    def change(data: bytes) -> bytes:
        return json.dumps({"digest": "00" * 32}, separators=(",", ":")).encode()

    assert _abort(_once("reveal", 3, None, change)).culprit == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("w", "flip"),
        ("n", "flip"),
        ("w", "1"),
        ("n", "3"),
        ("candidate", 999),
        ("batch", 999),
        ("w", "FF"),
        ("n", ""),
        ("w", "max"),  # fixed-width hex, but ≥ P
    ],
)
def test_final_broadcast_contradicting_the_reveal_names_the_sender(field: str, value: object) -> None:
    def change(data: bytes) -> bytes:
        obj = json.loads(data)
        if value == "flip":  # well formed (fixed-width hex), but a different value
            old = obj[field]
            obj[field] = old[:-1] + ("1" if old[-1] == "0" else "0")
        elif value == "max":
            obj[field] = "ff" * (len(obj[field]) // 2)
        else:
            obj[field] = value
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()

    assert _abort(_once("final", 5, None, change)).culprit == 5


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.replace(b'"bits":256', b'"bits":512'),  # different parameters
        lambda d: b"not json",
        lambda d: d.replace(b"{", b"{ ", 1),  # not canonical
        lambda d: None,  # no broadcast
    ],
)
def test_bad_setup_broadcast_names_the_sender(change: Callable[[bytes], bytes | None]) -> None:
    assert _abort(_once("setup", 4, None, change)).culprit == 4


@pytest.mark.parametrize("step", ["reveal", "biprime-1", "final"])
def test_missing_broadcast_names_the_sender(step: str) -> None:
    """No digest in a "reveal to all" round, no final broadcast: the silent trustee is named."""
    err = _abort(_once(step, 3, None, lambda d: None))
    assert err.culprit == 3 and "did not broadcast" in str(err)


@pytest.mark.parametrize("where", ["private", "broadcast"])
def test_message_from_an_unknown_trustee_aborts(where: str) -> None:
    """A delivery from an index outside 1..n: the transport is broken or forged; nobody to name."""
    s = ModulusSession(1, 3, 2, BITS, CONTEXT)
    name = s.start().round
    extra = {9: b"\x00" * 32}
    incoming = Incoming(name, extra if where == "broadcast" else {}, extra if where == "private" else {})
    with pytest.raises(DkgAbort, match="unknown trustee") as info:
        s.advance(incoming)
    assert info.value.culprit is None


def test_biprimality_value_out_of_range_names_the_sender() -> None:
    """A value outside (0, N), sent identically to all with a matching digest: named (§P15.4 step 2)."""
    real_reveal = ModulusSession._reveal

    def bad_reveal(self: ModulusSession, step: str, values: list[int], w: int) -> Outgoing:
        if self.index == 2 and step.endswith("/biprime-1"):
            values = [0 for _ in values]
        return real_reveal(self, step, values, w)

    mp = pytest.MonkeyPatch()
    mp.setattr(ModulusSession, "_reveal", bad_reveal)
    try:
        with pytest.raises(DkgAbort, match="biprimality value out of range") as info:
            _drive(3, 2)
    finally:
        mp.undo()
    assert info.value.culprit == 2


def test_no_biprime_within_the_batch_limit_aborts() -> None:
    """Every candidate fails trial division (as if the randomness were broken): after the batch limit, an abort
    without a culprit instead of an endless ceremony (§P15.3 step 3)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(dkg, "_coprime_to_small_primes", lambda values: [False] * len(values))
    mp.setattr(ModulusSession, "_batch_limit", lambda self: 2)
    try:
        with pytest.raises(DkgAbort, match="no biprime after 2 batches") as info:
            _drive(3, 2)
    finally:
        mp.undo()
    assert info.value.culprit is None


def test_out_of_order_round_aborts_and_the_abort_sticks() -> None:
    s = ModulusSession(1, 3, 2, BITS, CONTEXT)
    s.start()
    with pytest.raises(DkgAbort) as info:
        s.advance(Incoming("modulus/elsewhere/setup", {}, {}))
    assert info.value.culprit is None
    with pytest.raises(DkgAbort):
        s.advance(Incoming("modulus/elsewhere/setup", {}, {}))
    with pytest.raises(RuntimeError):
        s.result()


def test_wrong_revealed_product_is_caught_without_a_culprit() -> None:
    """A trustee that reveals a consistent but wrong w (same bytes to all, matching digest) shifts N off its
    residue class: detected (the revealed N fails the size/residue check), but not attributable."""
    params = modulus_parameters(BITS, 3, 2)
    real_reveal = ModulusSession._reveal

    def bad_reveal(self: ModulusSession, step: str, values: list[int], w: int) -> Outgoing:
        if self.index == 2 and step.endswith("/reveal"):
            values = [(int(v) + 1) % params.field_prime for v in values]
        return real_reveal(self, step, values, w)

    mp = pytest.MonkeyPatch()
    mp.setattr(ModulusSession, "_reveal", bad_reveal)
    try:
        with pytest.raises(DkgAbort) as info:
            _drive(3, 2)
    finally:
        mp.undo()
    assert info.value.culprit is None


# --- full size ----------------------------------------------------------------------------------------------------


def _whole_ceremony(bits: int) -> None:
    """crypto.dkg.simulate for 5 trustees, t = 3, then the KeySession on its output: N has ``bits`` bits, the shares
    multiply to N, and the key verifies from public data."""
    out = simulate(5, 3, bits, CONTEXT)
    n = out[0].n
    assert n.bit_length() == bits and all(s.n == n for s in out)
    assert sum(s.p_share for s in out) * sum(s.q_share for s in out) == n
    results = threshold_session.simulate(out, CONTEXT)
    pk = results[0].public_key
    assert pk.n == n and all(r.public_key == pk for r in results)
    verify_public_key(pk, results[0].modulus_proof, results[0].test_decryption, CONTEXT, min_bits=bits)


@pytest.mark.slow
def test_whole_ceremony_at_full_size() -> None:
    """3072 bits, 5 trustees, t = 3, once (minutes of CPU: the sieve, the batches and the 64-base test at size)."""
    _whole_ceremony(3072)
