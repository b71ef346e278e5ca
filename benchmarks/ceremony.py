"""The dealer-free key ceremony as trustees run it (issue 11 item 4; docs/protocol.md §P15.9, ADR 0015).

    python -m benchmarks.ceremony [--bits 3072] [--runs 5] [--trustees 5] [--threshold 3] [--round-timeout S]
                                  [--no-progress] [--json FILE]
    python -m benchmarks.ceremony --smoke      # 1024 bits, 1 run; well under a minute

Target (issue 11): the whole ceremony at 3072 bits, 5 trustees with quorum 3, each its own process, on the 2-core
machine, in under 10 minutes on median over 5 runs.

One ``linli serve`` in its own process (SQLite in a temporary folder, a free port, ``--workers 1``). Each run
creates a fresh election with ``client.actions.create_election`` (what ``linli admin create`` and the demo call),
the trustees' and administrator's keys in the keystore's files, then starts the trustees at once, each a separate
``linli trustee ceremony`` process (the real CLI, ``--no-progress``: the driver draws one line for all of them from
the board's status instead of five interleaved bars). The time of a run is the wall time from starting the five
processes to the last of them exiting with its share and public key written (so it includes each CLI's start-up and
its election check). Then the driver checks that every trustee wrote the same public key, publishes it with
``linli admin publish-key`` and checks the server accepted it (the election has a key). It reports the median, min
and max over ``--runs`` runs, each run's time, rounds and modulus batches (from the trustees' own summary line), and
the machine's load. A trustee that fails ends the run with its last output lines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc
from tqdm import tqdm

from client import actions
from client.api import CHANNEL_OPTIONS, LinliClient
from client.cli import ceremony_round_label
from client.keystore import save_signing_key
from crypto.ed25519 import SigningKey

TARGET_SECONDS = 600.0  # issue 11: under 10 minutes on median
SERVER_KEY_SIZES = (1024, 2048, 3072, 4096)  # `linli serve --min-modulus-bits` choices
_SUMMARY = re.compile(r"ceremony done in [\d.]+ s: (\d+) rounds, (\d+) modulus batch")


class CeremonyRunFailed(RuntimeError):
    """A run did not end with every trustee's share and an accepted key (the message has the trustees' output)."""


@dataclass
class RunResult:
    run: int
    election_id: str
    seconds: float
    trustee_seconds: dict[int, float]
    rounds: int
    batches: int
    published: bool
    board_requests: dict[str, int]  # the server's log: requests of this election's board, by method
    load_before_after: tuple[float, float]  # 1-minute load average at the start and the end of the run


@dataclass
class Report:
    bits: int
    trustees: int
    threshold: int
    runs: list[RunResult] = field(default_factory=list)
    median_s: float = 0.0
    min_s: float = 0.0
    max_s: float = 0.0
    target_s: float = TARGET_SECONDS
    under_target: bool = False
    machine: dict[str, Any] = field(default_factory=dict)


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "client.cli", *argv]


class LinliServe:
    """``linli serve`` in its own process, on a free port, SQLite in ``folder``; stopped by :meth:`stop`."""

    def __init__(self, folder: Path, min_modulus_bits: int, admin_key: bytes) -> None:
        self.log_path = folder / "serve.log"
        self._log = self.log_path.open("w")
        cmd = _cli("serve", "--listen", "127.0.0.1:0", "--db", f"sqlite:///{folder / 'linli.db'}")
        cmd += ["--key", str(folder / "server.key.json"), "--workers", "1", "--min-modulus-bits", str(min_modulus_bits)]
        cmd += ["--admin-key", admin_key.hex()]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "linli serving on port N; log key …"
        if not line.startswith("linli serving on port"):
            self.stop()
            raise CeremonyRunFailed(f"linli serve did not start: {(folder / 'serve.log').read_text()[-2000:]}")
        self.address = f"127.0.0.1:{int(line.split()[4].rstrip(';'))}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def server_key_size(bits: int) -> int:
    """The largest ``linli serve --min-modulus-bits`` choice that a ``bits``-bit election key meets."""
    fitting = [b for b in SERVER_KEY_SIZES if b <= bits]
    if not fitting:
        raise ValueError(f"--bits {bits}: the server accepts keys of at least {SERVER_KEY_SIZES[0]} bits")
    return fitting[-1]


def _tail(path: Path) -> str:
    """A trustee's last output, on one line (its error line is the last)."""
    lines = [line for line in path.read_text(errors="replace").replace("\r", "\n").splitlines() if line.strip()]
    return " | ".join(lines[-3:])[-1500:]


def run_once(serve: LinliServe, admin: SigningKey, folder: Path, number: int, args: argparse.Namespace) -> RunResult:
    """One fresh election and its ceremony by ``args.trustees`` separate ``linli trustee ceremony`` processes."""
    here = folder / f"run{number}"
    here.mkdir()
    registrar = SigningKey.generate()
    trustees = [SigningKey.generate() for _ in range(args.trustees)]
    save_signing_key(here / "admin.json", admin, "admin")
    for i, key in enumerate(trustees, 1):
        save_signing_key(here / f"t{i}.json", key, "trustee")
    election_id = f"ceremony-bench-{number}-{secrets.token_hex(3)}"
    min_bits = server_key_size(args.bits)
    channel = grpc.insecure_channel(serve.address, options=CHANNEL_OPTIONS)
    procs: dict[int, subprocess.Popen[bytes]] = {}
    client = LinliClient(channel, min_modulus_bits=min_bits)
    try:
        actions.create_election(
            client,
            admin,
            election_id=election_id,
            title="Key ceremony benchmark",
            question="Repaint the gate?",
            trustee_keys=[t.public_key for t in trustees],
            threshold_=args.threshold,
            registrar_key=registrar.public_key,
            modulus_bits=args.bits,
        )
        common = ["--server", serve.address, "--election", election_id, "--min-modulus-bits", str(min_bits)]
        logs = {i: (here / f"t{i}.log").open("wb") for i in range(1, args.trustees + 1)}
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        for i in range(1, args.trustees + 1):
            cmd = _cli("trustee", "ceremony", *common, "--key", str(here / f"t{i}.json"))
            cmd += ["--out", str(here / f"t{i}.share.json"), "--public-out", str(here / f"t{i}.key.json")]
            cmd += ["--round-timeout", f"{args.round_timeout:g}", "--no-progress"]
            procs[i] = subprocess.Popen(cmd, stdout=logs[i], stderr=subprocess.STDOUT, env=_pins(here, f"t{i}"))
        done: dict[int, float] = {}
        bar = tqdm(
            desc=f"run {number}/{args.runs}",
            bar_format="{desc} {elapsed}{postfix}",  # the rounds are sampled: no count, no rate
            disable=not args.progress,
            leave=False,
        )
        seen, ticks = "", 0
        while len(done) < len(procs):
            for i, p in procs.items():
                if i not in done and p.poll() is not None:
                    done[i] = time.perf_counter() - start
            if args.progress and ticks % 5 == 0:  # the board's status twice a second, the exits ten times
                seen = _show(bar, client, election_id, seen, done, args.trustees)
            ticks += 1
            time.sleep(0.1)
        seconds = max(done.values())  # the last trustee's exit
        bar.close()
        for log in logs.values():
            log.close()
        failed = {i: p.returncode for i, p in procs.items() if p.returncode != 0}
        if failed:
            detail = "; ".join(f"trustee {i} (exit {c}): {_tail(here / f't{i}.log')}" for i, c in failed.items())
            raise CeremonyRunFailed(f"run {number}: {detail}")
        keys = {(here / f"t{i}.key.json").read_text() for i in procs}
        if len(keys) != 1 or not all((here / f"t{i}.share.json").is_file() for i in procs):
            raise CeremonyRunFailed(f"run {number}: the trustees did not all end with a share and the same key")
        summary = _SUMMARY.search((here / "t1.log").read_text(errors="replace"))
        rounds, batches = (int(summary[1]), int(summary[2])) if summary else (0, 0)
        publish = ["--key", str(here / "admin.json"), "--ceremony-key", str(here / "t1.key.json")]
        published = subprocess.run(
            _cli("admin", "publish-key", *common, *publish),
            capture_output=True,
            text=True,
            env=_pins(here, "admin"),
            check=False,
        )
        if published.returncode != 0 or client.election(election_id).context is None:
            raise CeremonyRunFailed(f"run {number}: the key was not accepted: {published.stderr.strip()}")
        requests = _board_requests(serve.log_path, election_id)
        load = (load_before, os.getloadavg()[0])
        return RunResult(
            number, election_id, seconds, dict(sorted(done.items())), rounds, batches, True, requests, load
        )
    finally:
        for p in procs.values():  # an interrupted run leaves no trustee behind
            if p.poll() is None:
                p.kill()
                p.wait()
        channel.close()


def _pins(folder: Path, who: str) -> dict[str, str]:
    """Each process its own pins file (every trustee pins the election on first use, as on its own machine; one
    shared file would be written by five processes at once), never the user's own."""
    return {**os.environ, "LINLI_PINS": str(folder / f"{who}.pins.json")}


def _board_requests(log: Path, election_id: str) -> dict[str, int]:
    """How many board requests of the election the server logged (``method=… election=…``, server.service)."""
    counts = dict.fromkeys(("PostBoardMessage", "GetBoardRound", "GetBoardStatus"), 0)
    for line in log.read_text(errors="replace").splitlines():
        if f"election={election_id} " in line:
            for method in counts:
                if f"method={method} " in line:
                    counts[method] += 1
    return counts


def _show(bar: Any, client: LinliClient, election_id: str, seen: str, done: dict[int, float], n: int) -> str:
    """One line for all trustees: the newest round on the board and who posted it (the trustees go in lockstep)."""
    try:
        status = client.board_status(election_id)
    except Exception:  # the server is busy or the board closed: keep the last line
        return seen
    seen = status.round or seen
    posted = set(status.senders)
    # ✓ finished, · posted the newest round, … working on it
    marks = " ".join(f"{j}{'✓' if j in done else ('·' if j in posted else '…')}" for j in range(1, n + 1))
    bar.set_postfix_str(f"{ceremony_round_label(seen) if seen else 'starting'} | trustees {marks}", refresh=False)
    bar.refresh()
    return seen


def run(args: argparse.Namespace, out: TextIO | None = None) -> Report:
    out = out or sys.stdout  # looked up per call: a default bound at import would outlive a replaced stdout
    report = Report(args.bits, args.trustees, args.threshold)
    with tempfile.TemporaryDirectory(prefix="linli-ceremony-") as tmp:
        folder = Path(tmp)
        admin = SigningKey.generate()  # the server lets only this administrator create elections
        serve = LinliServe(folder, server_key_size(args.bits), admin.public_key)
        try:
            for number in range(1, args.runs + 1):
                result = run_once(serve, admin, folder, number, args)
                report.runs.append(result)
                before, after = result.load_before_after
                print(
                    f"run {number}: {result.seconds:.1f} s ({result.rounds} rounds, {result.batches} modulus "
                    f"batch(es), {result.board_requests['GetBoardRound']} round fetches; load {before:.2f} → "
                    f"{after:.2f}); key published",
                    file=out,
                    flush=True,
                )
        finally:
            serve.stop()
    times = [r.seconds for r in report.runs]
    report.median_s, report.min_s, report.max_s = statistics.median(times), min(times), max(times)
    report.under_target = report.median_s < TARGET_SECONDS
    load = os.getloadavg()
    report.machine = {"cpus": os.cpu_count(), "loadavg": load, "python": platform.python_version(), "date": _now()}
    return report


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ceremony", description=__doc__.split("\n\n")[0])
    p.add_argument("--bits", type=int, default=3072, help="the modulus size (default 3072)")
    p.add_argument("--runs", type=int, default=5, help="runs, each a fresh election (default 5)")
    p.add_argument("--trustees", type=int, default=5, help="trustees, each its own process (default 5)")
    p.add_argument("--threshold", type=int, default=3, help="the quorum t (default 3)")
    p.add_argument("--round-timeout", type=float, default=600.0, help="each trustee's --round-timeout (seconds)")
    p.add_argument("--smoke", action="store_true", help="1024 bits, 1 run: a quick check that it all works")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress line")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the report as JSON")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.smoke:
        args.bits, args.runs = 1024, 1
    if args.runs < 1:
        parser.error("--runs must be positive")
    if args.bits < SERVER_KEY_SIZES[0] or args.bits % 2:
        parser.error(f"--bits must be even and at least {SERVER_KEY_SIZES[0]} (what linli serve accepts)")
    if not 2 <= args.threshold <= args.trustees or args.trustees < 2 * args.threshold - 1:
        parser.error("--trustees and --threshold: 2 ≤ t and 2t − 1 ≤ trustees (BGW needs an honest majority)")
    if args.round_timeout <= 0:
        parser.error("--round-timeout must be positive")
    try:
        report = run(args)
    except CeremonyRunFailed as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(
        f"dealer-free ceremony, {report.bits} bits, {report.trustees} trustee processes (t = {report.threshold}), "
        f"{len(report.runs)} run(s): median {report.median_s:.1f} s, min {report.min_s:.1f} s, max "
        f"{report.max_s:.1f} s (target: median under {TARGET_SECONDS:.0f} s; load average "
        f"{report.machine['loadavg'][0]:.2f} on {report.machine['cpus']} cores)"
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(asdict(report), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
