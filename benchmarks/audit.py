"""The scale of an audit: ``linli verify`` on a whole 10,000-ballot referendum record, from scratch.

    python -m benchmarks.audit [--ballots 10000] [--modulus-bits 3072] [--workers N] [--json FILE] [--rebuild]
    python -m benchmarks.audit --smoke        # 1024-bit key, 40 ballots, no cache; a few seconds (CI)

1. **The record** is an honest referendum built through the domain layer, not the server
   (``voting.setup.set_up_election`` as ``tests/factories.make_election`` does): 5 trustees, quorum 3, one signing
   credential (Ed25519) per roll entry, one ballot per voter built on every core (``voting.ballot.build_ballot``),
   every entry applied to an :class:`~voting.state.ElectionState` (the log's own rules), closed, tallied, decrypted
   by trustees 1–3, with signed checkpoints (C2SP notes) at the opening, every 1,000 ballots and the end. It is
   written as ``client.record.write_record`` writes it — exactly what ``linli verify`` reads. Building takes
   minutes at 3072 bits, so the record is cached in the repository's git-ignored
   ``.cache/audit/audit-v<N>-<ballots>-<bits>/`` (the version changes with the ballot / record format) and reused
   by later runs; ``--rebuild`` draws a new one.
2. **The timing** runs the real command in a child process, as an auditor would, from the repository root:
   ``python -m client.cli verify RECORD --json --min-modulus-bits BITS --expect FINGERPRINT --log-key KEY
   --workers N``. Reported: its wall time (``verify_s``); its peak RSS (``peak_rss_mb``: ``wait4``'s
   ``ru_maxrss``, the largest single process among the verifier and its workers); and the peak of the whole
   process tree's summed RSS (``peak_tree_rss_mb``, sampled from /proc every 200 ms). The report must pass and its
   totals must be the votes cast, or the exit status is 1.

Targets on the 2-core reference machine: verify under 60 s, peak RSS under 1 GiB. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import multiprocessing
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmarks.linli_bench import CACHE_DIR, cached_primes
from client.record import FORMAT as RECORD_FORMAT
from client.record import Record, write_record
from crypto import ed25519
from crypto.note import Checkpoint, NoteSigner, sign_checkpoint
from voting.ballot import BALLOT_HASH_DOMAIN, build_ballot
from voting.election import (
    REFERENDUM_OPTIONS,
    ElectionContext,
    ElectionDefinition,
    ElectionKind,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
    Trustee,
    fingerprint,
)
from voting.records import Entry, EntryKind, Role
from voting.setup import set_up_election
from voting.statements import MAX_ROLL_BATCH, DecryptionShare, ElectionClosed
from voting.tally import make_trustee_shares

# Bump when the cached record would no longer be what this code builds (the ballot hash domain and the record format
# are part of the key too, so a format change elsewhere also invalidates it).
CACHE_VERSION = 1
CACHE_ROOT = CACHE_DIR / "audit"  # the repository's git-ignored .cache/
REPO = Path(__file__).resolve().parents[1]
ELECTION_ID = "audit-referendum"
ORIGIN = f"linli.audit/{ELECTION_ID}"
PARTIES, THRESHOLD, PRESENT = 5, 3, (1, 2, 3)
CHECKPOINT_EVERY = 1000  # ballots between signed checkpoints
TARGET_VERIFY_S = 60.0
TARGET_RSS_MB = 1024.0
SMOKE_BALLOTS, SMOKE_BITS = 40, 1024


@dataclass(frozen=True, slots=True)
class Built:
    """What the timing needs to know about a built record (``audit.json`` beside it)."""

    record_dir: str
    ballots: int
    modulus_bits: int
    entries: int
    checkpoints: int
    fingerprint: str
    log_key: str
    totals: tuple[int, ...]
    build_s: float
    built_at: str
    built_commit: str
    cache_version: int


@dataclass(frozen=True, slots=True)
class Verified:
    """One timed run of ``linli verify``."""

    verify_s: float
    cpu_s: float  # user + system time of the verifier and its workers
    peak_rss_mb: float
    peak_tree_rss_mb: float
    exit_code: int
    passed: bool
    totals: tuple[int, ...]
    failed_steps: tuple[int, ...]
    command: tuple[str, ...]


# --- building --------------------------------------------------------------------------------------------------


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty.strip() else "")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


_WORKER_CONTEXT: list[ElectionContext] = []


def _init_worker(context: ElectionContext) -> None:
    _WORKER_CONTEXT[:] = [context]


def _ballot_job(job: tuple[bytes, int]) -> bytes:
    """A voter's device: the canonical bytes of a ballot entry for option ``choice``."""
    secret, choice = job
    context = _WORKER_CONTEXT[0]
    ballot = build_ballot(context, choice, ed25519.SigningKey(secret))
    return Entry(EntryKind.BALLOT, context.election_id, ballot.to_json(context)).to_bytes()


def build_record(out_dir: Path, ballots: int, modulus_bits: int, workers: int, progress: bool) -> Built:
    """Build an honest referendum record of ``ballots`` ballots into ``out_dir`` (see the module docstring)."""
    if not 1 <= ballots <= MAX_ROLL_BATCH:
        raise SystemExit(f"--ballots must be 1..{MAX_ROLL_BATCH} (one roll batch)")
    t0 = time.perf_counter()
    primes = cached_primes(modulus_bits)
    admin, registrar = ed25519.SigningKey.generate(), ed25519.SigningKey.generate()
    trustees = [ed25519.SigningKey.generate() for _ in range(PARTIES)]
    definition = ElectionDefinition(
        election_id=ELECTION_ID,
        kind=ElectionKind.REFERENDUM,
        title="Audit-scale referendum",
        question="Install an electric-bicycle charging shed by building 3?",
        options=REFERENDUM_OPTIONS,
        eligibility=EligibilityMode.SIGNING,
        revote=RevotePolicy.LAST_COUNTS,
        threshold=THRESHOLD,
        trustees=tuple(Trustee(i + 1, f"t{i + 1}", k.public_key) for i, k in enumerate(trustees)),
        admin_key=admin.public_key,
        registrar_key=registrar.public_key,
        modulus_bits=modulus_bits,
        max_voters=ballots,
    )
    roll = [RollEntry(f"unit-{i + 1:05d}") for i in range(ballots)]
    print(f"setting up the election: key, roll of {ballots}, {ballots} credentials…", file=sys.stderr, flush=True)
    setup = set_up_election(definition, admin, registrar, primes, roll)
    state, entries = setup.state, [e.to_bytes() for e in setup.entries]
    context = state.require_context()
    rng = random.Random(ballots)  # chooses the votes, not secrets
    choices = rng.choices(range(len(REFERENDUM_OPTIONS)), weights=(6, 3, 1), k=ballots)
    jobs = []
    for credential, choice in zip(setup.credentials, choices, strict=True):
        assert isinstance(credential, ed25519.SigningKey)
        jobs.append((credential.secret, choice))
    sizes = [len(entries)]  # checkpoints: the opening, every CHECKPOINT_EVERY ballots, the tally, the end
    bar = tqdm(total=ballots, desc="build ballots", unit="ballot", disable=not progress, file=sys.stderr)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(context,)) as pool:
        for done, data in enumerate(pool.map(_ballot_job, jobs, chunksize=8), 1):
            state.apply(Entry.from_bytes(data))  # every stateful check of the log (the proofs: the verifier's)
            entries.append(data)
            bar.update(1)
            if done % CHECKPOINT_EVERY == 0:
                sizes.append(len(entries))
    bar.close()

    def append(entry: Entry) -> None:
        state.apply(entry)
        entries.append(entry.to_bytes())

    append(state.statement(ElectionClosed(state.election_hash, state.log_head()), admin, Role.ADMIN))
    append(Entry(EntryKind.TALLY, ELECTION_ID, state.tally_statement().to_json()))
    sizes.append(len(entries))
    for t in PRESENT:
        shares = make_trustee_shares(context, setup.shares[t - 1], state.tally)
        body = DecryptionShare(state.election_hash, state.log_head(), shares, context)
        append(state.statement(body, trustees[t - 1], Role.TRUSTEE, t))
    append(Entry(EntryKind.RESULT, ELECTION_ID, state.result_statement().to_json()))
    sizes.append(len(entries))
    expected = tuple(choices.count(k) for k in range(len(REFERENDUM_OPTIONS)))
    if state.totals != expected:
        raise RuntimeError(f"the record decrypts to {state.totals}, not the {expected} votes cast")
    if state.tree.size != len(entries):
        raise RuntimeError("the state's log and the record's entries differ")
    signer = NoteSigner.generate("linli-audit")
    notes = tuple(sign_checkpoint(Checkpoint(ORIGIN, s, state.tree.root(s)), signer) for s in sorted(set(sizes)))
    log_key = signer.verifier().to_vkey()
    write_record(out_dir, Record(ELECTION_ID, ORIGIN, log_key, notes, tuple(entries)))
    built = Built(
        record_dir=str(out_dir),
        ballots=ballots,
        modulus_bits=modulus_bits,
        entries=len(entries),
        checkpoints=len(notes),
        fingerprint=fingerprint(state.election_hash),
        log_key=log_key,
        totals=expected,
        build_s=round(time.perf_counter() - t0, 1),
        built_at=_now(),
        built_commit=_commit(),
        cache_version=CACHE_VERSION,
    )
    (out_dir / "audit.json").write_text(json.dumps(asdict(built), indent=2) + "\n")
    return built


def cache_dir(ballots: int, modulus_bits: int) -> Path:
    """Where the record of these parameters is cached (keyed by the formats it depends on, too)."""
    tag = hashlib.sha256(RECORD_FORMAT.encode() + b"|" + BALLOT_HASH_DOMAIN).hexdigest()[:8]
    return CACHE_ROOT / f"audit-v{CACHE_VERSION}-{tag}-{ballots}-{modulus_bits}"


def cached_record(ballots: int, modulus_bits: int, workers: int, rebuild: bool, progress: bool) -> tuple[Built, bool]:
    """The cached record of these parameters, or a new one (built beside it, then renamed into place)."""
    final = cache_dir(ballots, modulus_bits)
    meta = final / "audit.json"
    if meta.is_file() and not rebuild:
        data = json.loads(meta.read_text())
        data["totals"] = tuple(data["totals"])
        return Built(**data), False
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=final.name + ".", dir=final.parent))
    try:
        built = build_record(tmp, ballots, modulus_bits, workers, progress)
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    built = Built(**{**asdict(built), "record_dir": str(final)})
    meta.write_text(json.dumps(asdict(built), indent=2) + "\n")
    return built, True


# --- timing ----------------------------------------------------------------------------------------------------


def _tree_rss_kib(root: int) -> int:
    """The summed VmRSS of ``root`` and all its descendants (KiB), from /proc; 0 once it is gone."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


@contextmanager
def _sample_tree_rss(pid: int, every: float = 0.2) -> Iterator[list[int]]:
    peak = [0]
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss_kib(pid))
            stop.wait(every)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def time_verify(built: Built, workers: int) -> Verified:
    """Run ``linli verify`` on the record as an auditor would (a fresh process: nothing cached) and time it."""
    command = (
        sys.executable,
        "-m",
        "client.cli",
        "verify",
        built.record_dir,
        "--json",
        "--min-modulus-bits",
        str(built.modulus_bits),
        "--expect",
        built.fingerprint,
        "--log-key",
        built.log_key,
        "--workers",
        str(workers),
    )
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, cwd=REPO, stdout=out)
        with _sample_tree_rss(proc.pid) as peak:
            # wait4, not Popen.wait: the rusage of this child and its reaped descendants only (not the build pool's)
            _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        raw = out.read()
    try:
        report = json.loads(raw)
    except ValueError:
        report = {}
    return Verified(
        verify_s=round(elapsed, 2),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        peak_tree_rss_mb=round(peak[0] / 1024, 1),
        exit_code=code,
        passed=bool(report.get("passed")),
        totals=tuple(report.get("totals", ())),
        failed_steps=tuple(s["step"] for s in report.get("steps", []) if not s["passed"]),
        command=command,
    )


def _loadavg() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--modulus-bits", type=int, default=3072)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="cores for building and verifying")
    parser.add_argument("--json", default=None, metavar="FILE", help="write the results here (default: stdout)")
    parser.add_argument("--rebuild", action="store_true", help="build a new record even if one is cached")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_BITS}-bit key, {SMOKE_BALLOTS} ballots, no cache")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    progress = not args.no_progress
    load_before = _loadavg()
    with tempfile.TemporaryDirectory(prefix="linli-audit-smoke-") as tmp:
        if args.smoke:
            built, fresh = build_record(Path(tmp) / "record", SMOKE_BALLOTS, SMOKE_BITS, args.workers, progress), True
        else:
            built, fresh = cached_record(args.ballots, args.modulus_bits, args.workers, args.rebuild, progress)
            print(f"{'built' if fresh else 'reusing'} {built.record_dir}", file=sys.stderr, flush=True)
        print(f"timing linli verify on {built.ballots} ballots ({args.workers} workers)…", file=sys.stderr, flush=True)
        verified = time_verify(built, args.workers)
    ok = verified.exit_code == 0 and verified.passed and verified.totals == built.totals
    result: dict[str, Any] = {
        "benchmark": "audit",
        "smoke": args.smoke,
        "ballots": built.ballots,
        "entries": built.entries,
        "checkpoints": built.checkpoints,
        "modulus_bits": built.modulus_bits,
        "workers": args.workers,
        "cpu_count": os.cpu_count(),
        "verify_s": verified.verify_s,
        "cpu_s": verified.cpu_s,  # over verify_s: the cores the verifier actually had
        "peak_rss_mb": verified.peak_rss_mb,
        "peak_tree_rss_mb": verified.peak_tree_rss_mb,
        "verified": ok,
        "exit_code": verified.exit_code,
        "failed_steps": list(verified.failed_steps),
        "totals": list(verified.totals),
        "expected_totals": list(built.totals),
        "targets": {
            "verify_s": TARGET_VERIFY_S,
            "peak_rss_mb": TARGET_RSS_MB,
            "met": verified.verify_s < TARGET_VERIFY_S
            and max(verified.peak_rss_mb, verified.peak_tree_rss_mb) < TARGET_RSS_MB,
        },
        "command": " ".join(verified.command),
        "commit": _commit(),
        "date": _now(),
        "python": platform.python_version(),
        "loadavg_1m": {"before": load_before, "after": _loadavg()},
        "record": {
            "cached": not args.smoke,
            "built_now": fresh,
            "built_at": built.built_at,
            "built_commit": built.built_commit,
            "build_s": built.build_s,  # when it was built (this run or an earlier one)
        },
    }
    if fresh:
        result["build_s"] = built.build_s
    text = json.dumps(result, indent=2) + "\n"
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text)
    else:
        sys.stdout.write(text)
    tree = verified.peak_tree_rss_mb
    print(
        f"verify: {verified.verify_s} s ({verified.cpu_s} s CPU), peak RSS {verified.peak_rss_mb} MB "
        f"(process tree {tree} MB)"
        + ("" if ok else f" — the record did NOT verify (exit {verified.exit_code}, steps {verified.failed_steps})"),
        file=sys.stderr,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
