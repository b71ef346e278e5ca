"""ElectionGuard 1.4.0 side of the side-by-side benchmark (run with the PEER virtualenv's python, not Linli's).

    /work/eg-venv/bin/python benchmarks/peer_electionguard.py patch      # idempotent fix of tally.py (see below)
    /work/eg-venv/bin/python benchmarks/peer_electionguard.py bench [--reps N] [--ballots N]

``bench`` patches first if needed, then measures, for a referendum (1 contest, yes / no / abstain, choose 1) and for
a committee election (10 candidates, choose at most 3), with 5 guardians and quorum 3, using only ElectionGuard's
own public APIs (read from the installed package, nothing vendored):

* ``encrypt``: ``EncryptionMediator.encrypt`` of one plaintext ballot (selections, placeholders, disjunctive
  Chaum–Pedersen proofs per selection and the contest's constant proof);
* ``verify``: ``ballot_validator.ballot_is_valid_for_election(..., should_validate=True)``, which is what the ballot
  box and the tally run at intake (style check, crypto hashes, every selection and contest proof);
* ``decrypt``: the tally ceremony with 3 of 5 guardians present: each present guardian's ``compute_tally_share``
  (partial decryption + proof, which EG checks right after computing it), the missing guardians announced, every
  present guardian's ``compute_compensated_tally_share`` for each missing one, ``reconstruct_shares_for_tally``, and
  ``DecryptionMediator.get_plaintext_tally`` (verifies every share and takes the discrete logs). EG runs partial
  decryptions in its own process pool (``Scheduler``, one process per physical core).

The result is one JSON object (on stdout, or in ``--out``): times in seconds, wall clock (``perf_counter``) with
medians, plus this process's CPU time. Encryption and verification run over ``max(--reps, --ballots)`` ballots
(each is then cast into the tally that is decrypted); decryption is repeated ``--reps`` times.

The patch: ElectionGuard 1.4.0's ``electionguard/tally.py`` declares
``ciphertext: ElGamalCiphertext = field(default=ElGamalCiphertext(ONE_MOD_P, ONE_MOD_P))``; Python 3.11 dataclasses
reject that unhashable default at import time. :func:`patch_tally` rewrites that one line to a ``default_factory``
(same value for every instance), in the peer venv's site-packages only, and does nothing when already patched.
It locates the file with ``importlib.util.find_spec`` (which does not import the package).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

_UNPATCHED = "default=ElGamalCiphertext(ONE_MOD_P, ONE_MOD_P)"
_PATCHED = "default_factory=lambda: ElGamalCiphertext(ONE_MOD_P, ONE_MOD_P)"

GUARDIANS = 5
QUORUM = 3
KINDS = ("referendum", "committee_10_choose_3")


def tally_path() -> Path:
    spec = importlib.util.find_spec("electionguard")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("electionguard is not installed in this interpreter (pip install electionguard==1.4.0 gmpy2)")
    return Path(next(iter(spec.submodule_search_locations))) / "tally.py"


def patch_tally() -> str:
    """Make ``electionguard/tally.py`` importable on Python >= 3.11; idempotent. Returns what was done."""
    path = tally_path()
    text = path.read_text(encoding="utf-8")
    if _PATCHED in text and _UNPATCHED not in text:
        return f"already patched: {path}"
    if text.count(_UNPATCHED) != 1:
        raise SystemExit(f"unexpected tally.py (not ElectionGuard 1.4.0?): {path}")
    path.write_text(text.replace(_UNPATCHED, _PATCHED), encoding="utf-8")
    return f"patched: {path}"


def _median_time(fn: Callable[[int], Any], reps: int) -> tuple[dict[str, Any], list[Any]]:
    """Wall-clock times (``perf_counter``) and this process's CPU times (``process_time``; excludes EG's pool
    workers) of ``fn(0) .. fn(reps - 1)``."""
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


def _manifest(kind: str) -> Any:
    from electionguard.manifest import (
        BallotStyle,
        Candidate,
        CandidateContestDescription,
        ElectionType,
        GeopoliticalUnit,
        Manifest,
        ReferendumContestDescription,
        ReportingUnitType,
        SelectionDescription,
        SpecVersion,
        VoteVariationType,
    )

    if kind == "referendum":
        names = ["yes", "no", "abstain"]
        contest_cls, variation, allowed = ReferendumContestDescription, VoteVariationType.one_of_m, 1
    else:
        names = [f"candidate-{i}" for i in range(10)]
        contest_cls, variation, allowed = CandidateContestDescription, VoteVariationType.n_of_m, 3
    selections = [SelectionDescription(f"{name}-selection", i, name) for i, name in enumerate(names)]
    contest = contest_cls(
        object_id="contest",
        sequence_order=0,
        electoral_district_id="district",
        vote_variation=variation,
        number_elected=allowed,
        votes_allowed=allowed,
        name=kind,
        ballot_selections=selections,
    )
    style = BallotStyle("style")
    style.geopolitical_unit_ids = ["district"]
    return Manifest(
        election_scope_id=f"bench-{kind}",
        spec_version=SpecVersion.EG0_95,
        type=ElectionType.general,
        start_date=datetime(2024, 1, 1),
        end_date=datetime(2024, 1, 2),
        geopolitical_units=[GeopoliticalUnit("district", "district", ReportingUnitType.unknown)],
        parties=[],
        candidates=[Candidate(name) for name in names],
        contests=[contest],
        ballot_styles=[style],
    )


def _key_ceremony() -> tuple[list[Any], Any]:
    from electionguard.guardian import Guardian
    from electionguard.key_ceremony import CeremonyDetails
    from electionguard.key_ceremony_mediator import KeyCeremonyMediator

    details = CeremonyDetails(GUARDIANS, QUORUM)
    guardians = [Guardian.from_nonce(str(i + 1), i + 1, GUARDIANS, QUORUM) for i in range(GUARDIANS)]
    mediator = KeyCeremonyMediator("mediator", details)
    # round 1: announce public keys and share them
    for g in guardians:
        mediator.announce(g.share_key())
    for g in guardians:
        for key in mediator.share_announced(g.id) or []:
            g.save_guardian_key(key)
    # round 2: partial key backups
    for g in guardians:
        g.generate_election_partial_key_backups()
        mediator.receive_backups(g.share_election_partial_key_backups())
    for g in guardians:
        for backup in mediator.share_backups(g.id) or []:
            g.save_election_partial_key_backup(backup)
    # round 3: verify the backups
    for g in guardians:
        verifications = [g.verify_election_partial_key_backup(o.id) for o in guardians if o.id != g.id]
        mediator.receive_backup_verifications([v for v in verifications if v is not None])
    joint_key = mediator.publish_joint_key()
    if joint_key is None:
        raise RuntimeError("ElectionGuard key ceremony failed")
    return guardians, joint_key


def _plaintext_ballot(kind: str, ballot_id: str, i: int) -> tuple[Any, list[int]]:
    from electionguard.ballot import PlaintextBallot, PlaintextBallotContest, PlaintextBallotSelection

    if kind == "referendum":
        n, marked = 3, [i % 3]
    else:
        n, marked = 10, sorted({i % 10, (i + 3) % 10, (i + 7) % 10})  # three of ten
    votes = [1 if j in marked else 0 for j in range(n)]
    names = ["yes", "no", "abstain"] if kind == "referendum" else [f"candidate-{j}" for j in range(10)]
    selections = [PlaintextBallotSelection(f"{names[j]}-selection", votes[j]) for j in range(n)]
    return PlaintextBallot(ballot_id, "style", [PlaintextBallotContest("contest", selections)]), votes


def _bench_kind(kind: str, guardians: list[Any], joint_key: Any, reps: int, ballots: int) -> dict[str, Any]:
    from electionguard.ballot_box import BallotBoxState, submit_ballot
    from electionguard.ballot_validator import ballot_is_valid_for_election
    from electionguard.decryption_mediator import DecryptionMediator
    from electionguard.election import make_ciphertext_election_context
    from electionguard.encrypt import EncryptionDevice, EncryptionMediator, generate_device_uuid
    from electionguard.manifest import InternalManifest
    from electionguard.tally import CiphertextTally

    manifest = _manifest(kind)
    internal = InternalManifest(manifest)
    context = make_ciphertext_election_context(
        GUARDIANS, QUORUM, joint_key.joint_public_key, joint_key.commitment_hash, manifest.crypto_hash()
    )
    device = EncryptionDevice(generate_device_uuid(), 12345, 45678, "polling-place")
    encrypter = EncryptionMediator(internal, context, device)

    count = max(reps, ballots)
    plain = [_plaintext_ballot(kind, f"ballot-{i}", i) for i in range(count)]

    def encrypt(i: int) -> Any:
        ballot = encrypter.encrypt(plain[i][0])
        if ballot is None:
            raise RuntimeError("ElectionGuard encryption failed")
        return ballot

    enc, encrypted = _median_time(encrypt, count)

    def verify(i: int) -> bool:
        return ballot_is_valid_for_election(encrypted[i], internal, context, True)

    ver, verdicts = _median_time(verify, count)
    if not all(verdicts):
        raise RuntimeError("ElectionGuard rejected its own ballot")

    tally = CiphertextTally("tally", internal, context)
    for ballot in encrypted:
        if not tally.append(submit_ballot(ballot, BallotBoxState.CAST), should_validate=False):
            raise RuntimeError("ElectionGuard tally append failed")
    expected = [sum(col) for col in zip(*(votes for _, votes in plain), strict=True)]

    present, missing = guardians[:QUORUM], guardians[QUORUM:]

    def decrypt(_: int) -> Any:
        mediator = DecryptionMediator("decryption-mediator", context)
        for g in present:
            share = g.compute_tally_share(tally, context)
            if share is None:
                raise RuntimeError("ElectionGuard tally share failed")
            mediator.announce(g.share_key(), share, {})
        for g in missing:
            mediator.announce_missing(g.share_key())
        for g in present:
            for key in mediator.get_missing_guardians():
                comp = g.compute_compensated_tally_share(key.owner_id, tally, context)
                if comp is None:
                    raise RuntimeError("ElectionGuard compensated share failed")
                mediator.receive_tally_compensation_share(comp)
        mediator.reconstruct_shares_for_tally(tally)
        result = mediator.get_plaintext_tally(tally, manifest)
        if result is None:
            raise RuntimeError("ElectionGuard tally decryption failed")
        return result

    dec, results = _median_time(decrypt, reps)
    contest = results[-1].contests["contest"]
    names = ["yes", "no", "abstain"] if kind == "referendum" else [f"candidate-{j}" for j in range(10)]
    got = [contest.selections[f"{name}-selection"].tally for name in names]
    if got != expected:
        raise RuntimeError(f"ElectionGuard decrypted {got}, expected {expected}")
    return {
        "encrypt_ballot": enc,
        "verify_ballot": ver,
        "decrypt_tally_3_of_5": {**dec, "ballots_in_tally": count},
        "totals": got,
    }


def bench(reps: int, ballots: int, kinds: Sequence[str] = KINDS) -> dict[str, Any]:
    import logging

    import gmpy2  # noqa: F401  (ElectionGuard uses it when present; fail loudly if it is not)
    from electionguard.constants import get_constants
    from electionguard.logs import LOG

    # ElectionGuard logs every encryption at INFO to stdout by default (with the full 4096-bit values). A deployment
    # would turn that down; do it with the library's own switch. Its log calls still build their messages (it calls
    # inspect.stack() per call whatever the level): that cost is part of ElectionGuard as shipped and is kept.
    LOG.set_stream_log_level(logging.WARNING)

    constants = get_constants()
    t0 = time.perf_counter()
    guardians, joint_key = _key_ceremony()
    ceremony = time.perf_counter() - t0
    out: dict[str, Any] = {
        "system": "ElectionGuard",
        "version": _version(),
        "python": platform.python_version(),
        "group": {"p_bits": int(constants.large_prime).bit_length(), "q_bits": int(constants.small_prime).bit_length()},
        "guardians": GUARDIANS,
        "quorum": QUORUM,
        "reps": reps,
        "logging": "stream log level WARNING (electionguard.logs.LOG.set_stream_log_level)",
        "key_ceremony": {"seconds": ceremony, "note": "5 guardians, quorum 3: keys, backups, backup verification"},
    }
    for kind in kinds:
        out[kind] = _bench_kind(
            "referendum" if kind == "referendum" else "committee", guardians, joint_key, reps, ballots
        )
    return out


def _version() -> str:
    from importlib.metadata import version

    return version("electionguard")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("patch", help="patch the installed electionguard/tally.py for Python 3.11 (idempotent)")
    b = sub.add_parser("bench", help="run the benchmark and print JSON")
    b.add_argument("--reps", type=int, default=5, help="repetitions per operation (median reported)")
    b.add_argument("--ballots", type=int, default=5, help="ballots in the tally that is decrypted")
    b.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    b.add_argument("--out", help="write the JSON here instead of stdout (ElectionGuard's warnings go to stdout)")
    args = parser.parse_args(argv)
    if args.command == "patch":
        print(patch_tally())
        return 0
    print(patch_tally(), file=sys.stderr)
    result = json.dumps(bench(args.reps, args.ballots, args.kinds))
    if args.out:
        Path(args.out).write_text(result + "\n", encoding="utf-8")
    else:
        print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
