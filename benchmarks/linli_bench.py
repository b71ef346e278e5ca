"""Linli side of the side-by-side benchmark (run with Linli's virtualenv; ``benchmarks/run.py`` drives it).

What is timed (wall clock, ``time.perf_counter``; medians over the repetitions):

* ``key_ceremony``: the dealer ceremony at the election modulus: two safe primes (``crypto.primes``, two
  processes), ``threshold.deal`` (t = 3 of n = 5) and the modulus proof; a different protocol from ElectionGuard's
  distributed key ceremony, reported for context only.
* ``key_table``: deriving the key's base H and building its fixed-base tables (``crypto.paillier.key_base``; once
  per key, cached; every later ballot, proof and verification uses them).
* ``referendum``: ``voting.ballot.build_referendum_ballot`` (v2 Paillier encryption, 3-way membership proof, Ed25519
  eligibility signature), everything included but the per-key table; ``voting.ballot.verify_ballot`` (signature +
  validity proof); ``intake_parse_and_verify``
  (``EncryptedBallot.from_json`` of the canonical JSON, which validates every ciphertext, then ``verify_ballot``);
  ``decrypt_tally_3_of_5``: ``make_trustee_shares`` of trustees 1..3, ``verify_trustee_shares`` of each, and
  ``combine_totals`` (checked against the known totals); ``verify_ballot_batch_amortized``: ``check_ballots`` over
  ``batch`` ballots (every signature, and all validity proofs as ONE ``crypto.proofs.verify_membership_batch``), as
  the independent verifier does per chunk, reported per ballot.
* ``referendum_anonymous``: the same referendum with anonymous eligibility (a BBS credential with a per-election
  pseudonym, issued blindly through ``voting.credentials``): ``build_ballot`` (whole, as above, with the BBS proof),
  ``verify_ballot`` (proofs plus one pairing check of its own), ``verify_ballot_pairing_batch_amortized``
  (``check_ballot_proofs`` one ballot at a time, then one ``crypto.bbs.find_invalid_in_batch`` over all their
  (Abar, Bbar) pairs) and ``verify_ballot_batch_amortized`` (``check_ballots`` over the batch, then one
  ``find_invalid_in_batch``), per ballot.
* ``committee_10_choose_3``: a committee election (10 candidates, 3 seats) through ``voting.ballot.build_ballot``
  with 3 marks (10 ciphertexts each with a {0, 1} proof, a proof that their product encrypts 0..3, an Ed25519
  signature); ``verify_ballot`` one at a time and ``check_ballots`` over a batch; the ballots are cast into the
  election state, which is closed and tallied (``ElectionState.tally_body``: ONE packed ciphertext for all 10
  candidates), and ``decrypt_tally_3_of_5`` decrypts it as for the referendum.
* ``primitives`` at each of ``micro_bits``: Paillier encryption (fresh r, fixed-base H^r), membership proof
  prove / verify over a 3-value set, partial decryption with its proof (prove) / share verification.

Safe primes for the benchmark keys are generated once and cached in a JSON file in the repository's git-ignored
``.cache/`` folder (``--primes-cache`` names another file); nothing is written to the system's temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gmpy2

from benchmarks.arith import measure
from crypto import bbs, ed25519, paillier, threshold
from crypto.fixed_base import FixedBase
from crypto.primes import random_safe_prime_pair
from crypto.proofs import prove_membership, verify_membership
from voting.ballot import (
    EncryptedBallot,
    build_ballot,
    build_referendum_ballot,
    check_ballot_proofs,
    check_ballots,
    verify_ballot,
)
from voting.election import (
    REFERENDUM_OPTIONS,
    ElectionContext,
    ElectionDefinition,
    ElectionKind,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
    Trustee,
)
from voting.records import Entry, EntryKind, Role
from voting.setup import set_up_election
from voting.state import ElectionState
from voting.statements import ElectionClosed
from voting.tally import aggregate, combine_totals, make_trustee_shares, verify_trustee_shares

CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache"  # git-ignored
PRIMES_CACHE = CACHE_DIR / "linli-bench-primes.json"
PARTIES = 5
THRESHOLD = 3
PRESENT = (1, 2, 3)  # the trustees who decrypt (3 of 5)
ELECTION_ID = "bench-referendum"
ANON_ELECTION_ID = "bench-referendum-anonymous"
COMMITTEE_ELECTION_ID = "bench-committee"
CANDIDATES = tuple(f"candidate-{j}" for j in range(10))
SEATS = 3


def median_time(fn: Callable[[int], Any], reps: int) -> tuple[dict[str, Any], list[Any]]:
    """Wall-clock (``perf_counter``) and process CPU (``process_time``) times of ``fn(0) .. fn(reps - 1)``."""
    times, cpu, results = [], [], []
    for i in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        results.append(fn(i))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {
        "median": statistics.median(times),
        "times": times,
        "cpu_median": statistics.median(cpu),
        "cpu": cpu,
    }, results


# --- keys ------------------------------------------------------------------------------------------------------


def cached_primes(modulus_bits: int, cache: Path = PRIMES_CACHE) -> tuple[int, int]:
    """Two safe primes of ``modulus_bits / 2`` bits, from ``cache`` or generated (then added to the cache)."""
    data: dict[str, Any] = json.loads(cache.read_text()) if cache.exists() else {}
    entry = data.get(str(modulus_bits))
    if entry is None:
        p, q = random_safe_prime_pair(modulus_bits // 2)
        data[str(modulus_bits)] = {"p": str(p), "q": str(q)}
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(cache)
        return p, q
    return int(entry["p"]), int(entry["q"])


def bench_key_ceremony(modulus_bits: int, reps: int) -> dict[str, Any]:
    primes_t, deal_t = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        p, q = random_safe_prime_pair(modulus_bits // 2)
        t1 = time.perf_counter()
        threshold.deal(p, q, THRESHOLD, PARTIES)
        threshold.prove_modulus(p, q, b"benchmark")
        t2 = time.perf_counter()
        primes_t.append(t1 - t0)
        deal_t.append(t2 - t1)
    totals = [a + b for a, b in zip(primes_t, deal_t, strict=True)]
    return {
        "modulus_bits": modulus_bits,
        "safe_prime_pair": {"median": statistics.median(primes_t), "times": primes_t},
        "deal_and_modulus_proof": {"median": statistics.median(deal_t), "times": deal_t},
        "total": {"median": statistics.median(totals), "times": totals},
        "note": "trusted-dealer ceremony (Linli); the safe-prime search time is random (geometric)",
    }


# --- an election context without a server (as tests/factories.make_election, at any modulus size) ----------------


@dataclass
class BenchElection:
    """An open election kept in its domain-layer state, with what the benchmark needs to vote, close and decrypt."""

    state: ElectionState
    admin: ed25519.SigningKey
    shares: list[threshold.KeyShare]
    credentials: list[Any]  # Ed25519 keys (signing mode) or AnonymousCredential (anonymous mode)

    @property
    def context(self) -> ElectionContext:
        return self.state.require_context()

    def cast(self, ballots: Sequence[EncryptedBallot]) -> None:
        """Record ballots in the state (the stateful intake checks); the stateless ones are timed elsewhere."""
        for ballot in ballots:
            self.state.apply(Entry(EntryKind.BALLOT, self.context.election_id, ballot.to_json(self.context)), ballot)

    def close_and_tally(self) -> tuple[int, ...]:
        """Close, then record the server's tally entry (``tally_body``: one packed ciphertext); its ciphertexts."""
        state = self.state
        state.apply(state.statement(ElectionClosed(state.election_hash, state.log_head()), self.admin, Role.ADMIN))
        state.apply(Entry(EntryKind.TALLY, self.context.election_id, state.tally_statement().to_json()))
        return self.state.tally


def make_election(
    primes: tuple[int, int],
    modulus_bits: int,
    voters: int,
    *,
    eligibility: EligibilityMode = EligibilityMode.SIGNING,
    kind: ElectionKind = ElectionKind.REFERENDUM,
) -> BenchElection:
    """Create, key and open a referendum or a committee election (``CANDIDATES``, ``SEATS``) through the domain
    layer (the same checks the server's log applies), as tests/factories.make_election does at any modulus size.

    The voters' credentials are Ed25519 keys (signing mode) or anonymous BBS credentials issued blindly by a
    registrar BBS key (``voting.credentials`` request / issue / finish).
    """
    committee = kind is ElectionKind.COMMITTEE
    anonymous = eligibility is EligibilityMode.ANONYMOUS
    election_id = COMMITTEE_ELECTION_ID if committee else ANON_ELECTION_ID if anonymous else ELECTION_ID
    bbs_sk = bbs.key_gen(secrets.token_bytes(32)) if anonymous else None
    admin, registrar = ed25519.SigningKey.generate(), ed25519.SigningKey.generate()
    trustee_keys = [ed25519.SigningKey.generate() for _ in range(PARTIES)]
    definition = ElectionDefinition(
        election_id=election_id,
        kind=kind,
        title="Benchmark committee" if committee else "Benchmark referendum",
        question="Elect the residents' committee" if committee else "Repaint the east gate?",
        options=CANDIDATES if committee else REFERENDUM_OPTIONS,
        seats=SEATS if committee else 0,
        eligibility=eligibility,
        revote=RevotePolicy.LAST_COUNTS,
        threshold=THRESHOLD,
        trustees=tuple(Trustee(i + 1, f"t{i + 1}", k.public_key) for i, k in enumerate(trustee_keys)),
        admin_key=admin.public_key,
        registrar_key=registrar.public_key,
        modulus_bits=modulus_bits,
        max_voters=1000,
        credential_key=bbs.sk_to_pk(bbs_sk) if bbs_sk else b"",
    )
    roll = [RollEntry(f"unit-{i}") for i in range(voters)]
    setup = set_up_election(definition, admin, registrar, primes, roll, bbs_sk=bbs_sk)
    return BenchElection(setup.state, admin, setup.shares, list(setup.credentials))


def batch_amortized(context: ElectionContext, ballots: Sequence[EncryptedBallot]) -> dict[str, Any]:
    """Verify ``ballots`` as the independent verifier does with one chunk: ``check_ballots`` (each ballot's
    eligibility evidence, all validity proofs as one ``verify_membership_batch``), then in anonymous mode one
    ``bbs.find_invalid_in_batch`` over the pending pairings. Per-ballot times; fails unless all are accepted."""
    c0, t0 = time.process_time(), time.perf_counter()
    results = check_ballots(context, ballots)
    t1 = time.perf_counter()
    pending = [(i, *p) for i, (_, p) in enumerate(results) if p is not None]
    bad = bbs.find_invalid_in_batch(context.definition.credential_key, pending) if pending else []
    t2, c2 = time.perf_counter(), time.process_time()
    errors = [str(e) for e, _ in results if e is not None]
    if errors or bad:
        raise RuntimeError(f"Linli's batch rejected its own ballots: {errors[:3]} {sorted(bad)[:3]}")
    size = len(ballots)
    return {
        "median": (t2 - t0) / size,
        "times": [(t2 - t0) / size],
        "cpu_median": (c2 - c0) / size,
        "cpu": [(c2 - c0) / size],
        "batch_size": size,
        "check_ballots_total_s": t1 - t0,
        "find_invalid_in_batch_s": t2 - t1,
    }


# --- referendum ------------------------------------------------------------------------------------------------


def _warm_share_tables(context: ElectionContext, shares: Sequence[threshold.KeyShare]) -> None:
    """Build the key's per-key tables (v for share verification) once, before any timed decryption: like the key's
    H table they are per key, not per tally (bench_key_table times the H tables)."""
    c = paillier.encrypt(context.paillier_key, 0, 1)
    threshold.verify_share(context.public_key, c, threshold.partial_decrypt(shares[0], c, b"warm"), b"warm")


def _decrypt(context: ElectionContext, shares: Sequence[threshold.KeyShare], tally: Sequence[int]) -> tuple[int, ...]:
    made = [make_trustee_shares(context, shares[i - 1], tally) for i in PRESENT]
    for s in made:
        verify_trustee_shares(context, s, tally)
    return combine_totals(context, tally, made)


def bench_referendum(election: BenchElection, reps: int, ballots: int, batch: int) -> dict[str, Any]:
    """Build ``max(ballots, batch)`` ballots (one per voter), verify them one at a time and as one batch of
    ``batch``; decrypt the tally of the first ``ballots``."""
    context, shares, voters = election.context, election.shares, election.credentials
    count = max(ballots, batch)
    choices = [i % len(REFERENDUM_OPTIONS) for i in range(count)]
    build, built = median_time(lambda i: build_referendum_ballot(context, choices[i], voters[i]), count)
    verify, _ = median_time(lambda i: verify_ballot(context, built[i]), ballots)
    wire = [ballot.to_bytes(context) for ballot in built[:ballots]]

    def intake(i: int) -> None:
        verify_ballot(context, EncryptedBallot.from_json(json.loads(wire[i]), context))

    parse_verify, _ = median_time(intake, ballots)
    tally = (aggregate(context, [b.contests[0].ciphertext for b in built[:ballots]]),)
    _warm_share_tables(context, shares)
    decrypt, results = median_time(lambda _: _decrypt(context, shares, tally), reps)
    expected = tuple(choices[:ballots].count(k) for k in range(len(REFERENDUM_OPTIONS)))
    if results[-1] != expected:
        raise RuntimeError(f"Linli decrypted {results[-1]}, expected {expected}")
    # the parts of the decryption, once each, for the report
    parts: dict[str, float] = {}
    t0 = time.perf_counter()
    made = make_trustee_shares(context, shares[0], tally)
    parts["make_shares_one_trustee"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    verify_trustee_shares(context, made, tally)
    parts["verify_shares_one_trustee"] = time.perf_counter() - t0
    build["bare"] = measure(lambda: build_referendum_ballot(context, 0, voters[0]))
    verify["bare"] = measure(lambda: verify_ballot(context, built[0]))
    parse_verify["bare"] = measure(lambda: intake(0))
    decrypt["bare"] = measure(lambda: _decrypt(context, shares, tally))
    out = {
        "build_ballot": build,
        "verify_ballot": verify,
        "intake_parse_and_verify": parse_verify,
        "decrypt_tally_3_of_5": {**decrypt, "ballots_in_tally": ballots, "parts": parts},
        "ballot_bytes": len(wire[0]),
        "totals": list(results[-1]),
    }
    if batch:
        out["verify_ballot_batch_amortized"] = batch_amortized(context, built[:batch])
        out["verify_ballot_batch_amortized"]["bare"] = measure(lambda: check_ballots(context, built[:batch]), batch)
    return out


# --- referendum, anonymous eligibility (BBS credentials with pseudonyms) --------------------------------------------


def bench_referendum_anonymous(election: BenchElection, ballots: int, batch: int) -> dict[str, Any]:
    """Build ``max(ballots, batch)`` anonymous ballots (voter ``i % len(voters)``; every ballot carries a fresh BBS
    proof), verify the first ``ballots`` one at a time, then all ``batch`` of them twice: with only the pairing
    batched (``check_ballot_proofs`` one ballot at a time, one ``find_invalid_in_batch``) and fully batched
    (``check_ballots`` + one ``find_invalid_in_batch``)."""
    context, voters = election.context, election.credentials
    count = max(ballots, batch)
    choices = [i % len(REFERENDUM_OPTIONS) for i in range(count)]
    build, built = median_time(lambda i: build_referendum_ballot(context, choices[i], voters[i % len(voters)]), count)
    verify, _ = median_time(lambda i: verify_ballot(context, built[i]), ballots)
    build["bare"] = measure(lambda: build_referendum_ballot(context, 0, voters[0]))
    verify["bare"] = measure(lambda: verify_ballot(context, built[0]))
    out: dict[str, Any] = {
        "credentials": len(voters),
        "build_ballot": build,
        "verify_ballot": verify,
        "ballot_bytes": len(built[0].to_bytes(context)),
    }
    if batch:
        key = context.definition.credential_key
        c0, t0 = time.process_time(), time.perf_counter()
        pending = [check_ballot_proofs(context, b) for b in built[:batch]]
        t1 = time.perf_counter()
        bad = bbs.find_invalid_in_batch(key, [(i, *p) for i, p in enumerate(pending) if p is not None])
        t2, c2 = time.perf_counter(), time.process_time()
        if bad or any(p is None for p in pending):
            raise RuntimeError(f"Linli's batch rejected its own anonymous ballots: {bad}")
        out["verify_ballot_pairing_batch_amortized"] = {
            "median": (t2 - t0) / batch,
            "times": [(t2 - t0) / batch],
            "cpu_median": (c2 - c0) / batch,
            "cpu": [(c2 - c0) / batch],
            "batch_size": batch,
            "check_ballot_proofs_total_s": t1 - t0,
            "find_invalid_in_batch_s": t2 - t1,
        }
        out["verify_ballot_batch_amortized"] = batch_amortized(context, built[:batch])
        out["verify_ballot_batch_amortized"]["bare"] = measure(lambda: batch_amortized(context, built[:batch]), batch)
    return out


# --- committee election, 10 candidates, 3 seats ---------------------------------------------------------------------


def bench_committee(election: BenchElection, reps: int, ballots: int, batch: int) -> dict[str, Any]:
    """Real committee ballots (``voting.ballot.build_ballot`` with 3 marks of 10: 10 ciphertexts with {0, 1} proofs
    and a sum-in-{0..3} proof, Ed25519 signature): build ``max(ballots, batch)``, verify the first ``ballots`` one at
    a time and ``batch`` as one batch, cast them all, close, tally (``tally_body``: ONE packed ciphertext) and
    decrypt it with 3 of 5 trustees ``reps`` times, checked against the marks."""
    context, shares, voters = election.context, election.shares, election.credentials
    count = max(ballots, batch)
    k = len(CANDIDATES)
    marks = [sorted({i % k, (i + 3) % k, (i + 7) % k}) for i in range(count)]
    build, built = median_time(lambda i: build_ballot(context, marks[i], voters[i]), count)
    verify, _ = median_time(lambda i: verify_ballot(context, built[i]), ballots)
    build["bare"] = measure(lambda: build_ballot(context, marks[0], voters[0]))
    verify["bare"] = measure(lambda: verify_ballot(context, built[0]))
    out: dict[str, Any] = {
        "candidates": k,
        "seats": SEATS,
        "build_ballot": build,
        "verify_ballot": verify,
        "ballot_bytes": len(built[0].to_bytes(context)),
    }
    if batch:
        out["verify_ballot_batch_amortized"] = batch_amortized(context, built[:batch])
        out["verify_ballot_batch_amortized"]["bare"] = measure(lambda: check_ballots(context, built[:batch]), batch)
    election.cast(built)
    t0 = time.perf_counter()
    tally = election.close_and_tally()
    tally_s = time.perf_counter() - t0
    _warm_share_tables(context, shares)
    dec, results = median_time(lambda _: _decrypt(context, shares, tally), reps)
    expected = tuple(sum(j in m for m in marks) for j in range(k))
    if results[-1] != expected:
        raise RuntimeError(f"Linli decrypted {results[-1]}, expected {expected}")
    dec["bare"] = measure(lambda: _decrypt(context, shares, tally))
    out["decrypt_tally_3_of_5"] = {
        **dec,
        "ballots_in_tally": count,
        "tally_ciphertexts": len(tally),
        "close_and_tally_body_s": tally_s,
    }
    out["totals"] = list(results[-1])
    return out


# --- the key's fixed-base tables ------------------------------------------------------------------------------------


def bench_key_table(n: int, reps: int) -> dict[str, Any]:
    """Derive H and build its two tables (``paillier.key_base``, uncached here), and the same exponentiation with
    and without the table, for every window size (ADR 0011's trade-off)."""
    node, _ = median_time(lambda _: paillier.key_base.__wrapped__(n), reps)
    n2 = n * n
    big_h = paillier.key_base(n).H
    exponent = secrets.randbits(paillier.randomness_bits(paillier.PublicKey(n)) + 256)  # a response's length
    windows: dict[str, Any] = {}
    for w in (4, 5, 6, 7, 8):
        t0 = time.perf_counter()
        table = FixedBase(big_h, n2, paillier.table_bits(n), w)
        built = time.perf_counter() - t0
        pow_t, _ = median_time(lambda _, table=table: table.pow(exponent), 20)
        windows[str(w)] = {
            "entries": table.entries,
            "megabytes": table.entries * ((n2.bit_length() + 7) // 8) / 1e6,
            "build_s": built,
            "pow_s": pow_t["median"],
        }
    plain, _ = median_time(lambda _: gmpy2.powmod(big_h, exponent, n2), 20)
    return {**node, "exponent_bits": exponent.bit_length(), "windows": windows, "powmod_s": plain["median"]}


# --- primitives ------------------------------------------------------------------------------------------------


def bench_primitives(modulus_bits: int, reps: int, primes_cache: Path = PRIMES_CACHE) -> dict[str, Any]:
    p, q = cached_primes(modulus_bits, primes_cache)
    tpk, shares = threshold.deal(p, q, THRESHOLD, PARTIES)
    pk = tpk.paillier
    allowed = (1, 1 << 10, 1 << 20)  # a 3-value set shaped like the referendum's packed options
    context = hashlib.sha256(b"bench/primitives").digest()
    rs = [paillier.random_exponent(pk) for _ in range(reps)]
    # the per-key tables are built once per key (bench_key_table times that); warm them so no repetition pays it
    warm = paillier.encrypt(pk, 1, rs[0])
    threshold.verify_share(tpk, warm, threshold.partial_decrypt(shares[0], warm, context), context)
    enc, cs = median_time(lambda i: paillier.encrypt(pk, allowed[i % 3], rs[i]), reps)
    prove, proofs = median_time(lambda i: prove_membership(pk, cs[i], rs[i], i % 3, allowed, context), reps)
    verify, _ = median_time(lambda i: verify_membership(pk, cs[i], allowed, proofs[i], context), reps)
    share_prove, dshares = median_time(lambda i: threshold.partial_decrypt(shares[i % PARTIES], cs[i], context), reps)
    share_verify, _ = median_time(lambda i: threshold.verify_share(tpk, cs[i], dshares[i], context), reps)
    return {
        "modulus_bits": modulus_bits,
        "paillier_encrypt": enc,
        "membership_prove_3": prove,
        "membership_verify_3": verify,
        "share_prove": share_prove,
        "share_verify": share_verify,
    }


# --- entry point -----------------------------------------------------------------------------------------------


def run(
    *,
    modulus_bits: int,
    micro_bits: Sequence[int],
    reps: int,
    ballots: int,
    ceremony_reps: int,
    ceremony: bool = True,
    batch: int = 0,
    anon_credentials: int = 25,
    primes_cache: Path = PRIMES_CACHE,
) -> dict[str, Any]:
    out: dict[str, Any] = {"system": "Linli", "python": sys.version.split()[0], "modulus_bits": modulus_bits}
    out["reps"] = reps
    if ceremony:
        out["key_ceremony"] = bench_key_ceremony(modulus_bits, ceremony_reps)
    primes = cached_primes(modulus_bits, primes_cache)
    out["key_table"] = bench_key_table(primes[0] * primes[1], reps)
    referendum = make_election(primes, modulus_bits, max(ballots, batch))
    out["referendum"] = bench_referendum(referendum, reps, ballots, batch)
    anonymous = make_election(
        primes, modulus_bits, min(anon_credentials, max(ballots, batch)), eligibility=EligibilityMode.ANONYMOUS
    )
    out["referendum_anonymous"] = bench_referendum_anonymous(anonymous, ballots, batch)
    committee = make_election(primes, modulus_bits, max(ballots, batch), kind=ElectionKind.COMMITTEE)
    out["committee_10_choose_3"] = bench_committee(committee, reps, ballots, batch)
    out["primitives"] = {str(bits): bench_primitives(bits, reps, primes_cache) for bits in micro_bits}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Linli benchmarks (JSON on stdout)")
    parser.add_argument("--modulus-bits", type=int, default=3072)
    parser.add_argument("--micro-bits", type=int, nargs="+", default=[2048, 3072])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--ballots", type=int, default=5)
    parser.add_argument("--ceremony-reps", type=int, default=1)
    parser.add_argument("--no-ceremony", action="store_true")
    parser.add_argument("--batch", type=int, default=0, help="ballots verified in one batch, every kind (0: none)")
    parser.add_argument(
        "--anon-credentials", type=int, default=25, help="distinct anonymous credentials (ballots cycle over them)"
    )
    parser.add_argument(
        "--primes-cache", type=Path, default=PRIMES_CACHE, help=f"the safe-prime cache (default {PRIMES_CACHE})"
    )
    args = parser.parse_args(argv)
    result = run(
        modulus_bits=args.modulus_bits,
        micro_bits=args.micro_bits,
        reps=args.reps,
        ballots=args.ballots,
        ceremony_reps=args.ceremony_reps,
        ceremony=not args.no_ceremony,
        batch=args.batch,
        anon_credentials=args.anon_credentials,
        primes_cache=args.primes_cache,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
