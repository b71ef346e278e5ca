"""Intake load driver: ballots per second at the real gRPC service under concurrent clients.

    python -m benchmarks.load [--ballots N] [--clients 50] [--modulus-bits 3072] [--eligibility signing|anonymous]
                              [--max-seconds S] [--workers W] [--out FILE.json]
    python -m benchmarks.load --smoke          # 20 ballots, 10 clients, 2048 bits; under a minute

The product brief's target: at least 100 ballots/s at intake under 50 concurrent clients.

The service is the real one (``client.demo.embedded_server``: SQLite file in a temporary folder, the gRPC server on a
free port), started in a child process of its own so that its CPU time is measured apart from the clients' and the
clients do not share its interpreter lock (real voters' devices are other machines). The election is set up over
gRPC with ``client.actions`` as the demo does (create, key ceremony, roll, credentials, open), and 2N ballots are
built before any timing, on every core (``multiprocessing`` spawn pool). Then two variants, N ballots each, cast
from ``--clients`` threads, each with its own channel:

* ``verified``: ``client.api.LinliClient.cast_ballot``, which checks every receipt (signed checkpoint + inclusion
  proof) on the client side, as a voter's device does;
* ``raw``: the bare ``CastBallot`` stub, no receipt check: the server's cost alone.

Each variant reports ballots/s (accepted ballots over the wall time from the start barrier to the last reply),
latency p50 / p95 / max, the server process's CPU time (user + system, all its threads) and the client process's.
After each variant the driver reads the log back and checks it holds exactly the ballots accepted so far. Bounded:
N ballots per variant and a wall-clock cap per variant (``--max-seconds``; clients stop taking new ballots then).
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc

from client import actions
from client.api import LinliClient
from crypto import bbs
from crypto.ed25519 import SigningKey
from voting.credentials import AnonymousCredential
from voting.election import ElectionContext, EligibilityMode
from voting.records import Entry, EntryKind
from voting.setup import blind_credential
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

TARGET_BALLOTS_PER_S = 100.0
TARGET_CLIENTS = 50
CHOICES = ("yes", "no", "abstain")


# -- the server, in a child process ------------------------------------------------------------------------------
def _serve(db_url: str, min_modulus_bits: int, conn: Connection) -> None:
    """Child process: run the embedded server; answer "stats" with this process's CPU time, stop on "stop"."""
    from client.demo import embedded_server

    with embedded_server(db_url, min_modulus_bits=min_modulus_bits) as (address, service):
        conn.send(address)
        while True:
            command = conn.recv()
            if command == "stop":
                break
            t = os.times()
            conn.send(
                {
                    "cpu_s": t.user + t.system,
                    "validity_batches": getattr(service.validity, "batches", None),
                    "pairing_batches": getattr(service.pairings, "batches", None),
                }
            )
    conn.send("stopped")


class ServerProcess:
    def __init__(self, db_url: str, min_modulus_bits: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(db_url, min_modulus_bits, child), daemon=True)
        self._proc.start()
        if not self._conn.poll(60):
            raise RuntimeError("the server did not start within 60 s")
        self.address: str = self._conn.recv()

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        stats: dict[str, Any] = self._conn.recv()
        return stats

    def stop(self) -> None:
        if self._proc.is_alive():
            self._conn.send("stop")
            self._conn.poll(10)
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.terminate()


# -- voters' devices (spawn pool) ----------------------------------------------------------------------------------
def _build(args: tuple[ElectionContext, bytes | AnonymousCredential, str]) -> bytes:
    context, credential, choice = args
    cred = SigningKey(credential) if isinstance(credential, bytes) else credential
    return actions.build_vote(context, cred, choice)


def _anonymous_credential(args: tuple[str, bytes, bytes]) -> AnonymousCredential:
    """§P5.2: request, the registrar's blind signature, finish (computed here only to use every core)."""
    return blind_credential(*args)


def _parallel(fn: Callable[[Any], Any], jobs: list[Any], workers: int) -> list[Any]:
    if workers <= 1:
        return [fn(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, jobs, chunksize=4))


def _say(message: str) -> None:
    print(f"→ {message}", file=sys.stderr, flush=True)


# -- the load ----------------------------------------------------------------------------------------------------
@dataclass
class VariantResult:
    variant: str
    ballots: int
    clients: int
    accepted: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    capped: bool = False
    wall_s: float = 0.0
    ballots_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    server_cpu_s: float = 0.0
    server_cpu_ms_per_ballot: float = 0.0
    client_cpu_s: float = 0.0
    validity_batches: int | None = None
    pairing_batches: int | None = None
    log_ballots: int = 0
    log_ballots_expected: int = 0
    log_ok: bool = False


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, min(len(sorted_values), round(q * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _error_name(e: Exception) -> str:
    code = getattr(e, "code", None)
    if callable(code):  # grpc.RpcError
        code = code().name
    return f"{type(e).__name__}:{code}" if code else type(e).__name__


def cast_all(
    server: ServerProcess,
    election_id: str,
    ballots: list[bytes],
    clients: int,
    *,
    verified: bool,
    max_seconds: float,
) -> VariantResult:
    """Cast ``ballots`` from ``clients`` threads (one channel each) through a shared queue; stop at the cap."""
    result = VariantResult("verified" if verified else "raw", len(ballots), clients)
    lock = threading.Lock()
    next_index = 0
    latencies: list[float] = []
    finished: list[float] = []
    barrier = threading.Barrier(clients + 1)
    deadline = [float("inf")]

    def take() -> int | None:
        nonlocal next_index
        with lock:
            if next_index >= len(ballots) or time.perf_counter() >= deadline[0]:
                return None
            next_index += 1
            return next_index - 1

    def worker() -> None:
        channel = grpc.insecure_channel(server.address)
        try:
            grpc.channel_ready_future(channel).result(timeout=30)
            client = LinliClient(channel, timeout=max_seconds + 60)
            stub = pb_grpc.LinliStub(channel)  # type: ignore[no-untyped-call]
            if verified:
                client.log_verifier()  # fetch the checkpoint key before timing (a device has it already)
            barrier.wait()
            while (i := take()) is not None:
                start = time.perf_counter()
                try:
                    if verified:
                        client.cast_ballot(election_id, ballots[i])
                    else:
                        reply = stub.CastBallot(
                            pb.CastBallotRequest(election_id=election_id, ballot=ballots[i]), timeout=max_seconds + 60
                        )
                        if not reply.checkpoint:
                            raise RuntimeError("empty receipt")
                    error = None
                except Exception as e:
                    error = _error_name(e)
                end = time.perf_counter()
                with lock:
                    if error is None:
                        result.accepted += 1
                        latencies.append(end - start)
                    else:
                        result.errors[error] = result.errors.get(error, 0) + 1
                    finished.append(end)
        finally:
            channel.close()

    threads = [threading.Thread(target=worker, name=f"load-client-{k}", daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    before = server.stats()
    client_cpu = time.process_time()
    barrier.wait(timeout=60)
    t0 = time.perf_counter()
    deadline[0] = t0 + max_seconds
    for t in threads:
        t.join()
    t1 = max(finished, default=t0)
    result.client_cpu_s = time.process_time() - client_cpu
    after = server.stats()
    result.capped = next_index < len(ballots)
    result.wall_s = t1 - t0
    result.ballots_per_s = result.accepted / result.wall_s if result.wall_s > 0 else 0.0
    result.server_cpu_s = after["cpu_s"] - before["cpu_s"]
    result.server_cpu_ms_per_ballot = 1000 * result.server_cpu_s / max(result.accepted, 1)
    for key in ("validity_batches", "pairing_batches"):
        if after.get(key) is not None and before.get(key) is not None:
            setattr(result, key, after[key] - before[key])
    if latencies:
        lat = sorted(latencies)
        result.latency_ms = {
            "p50": 1000 * _percentile(lat, 0.50),
            "p95": 1000 * _percentile(lat, 0.95),
            "max": 1000 * lat[-1],
            "mean": 1000 * statistics.fmean(lat),
        }
    return result


def count_ballots(address: str, election_id: str) -> int:
    # The server sends up to 64 MiB per GetEntries page; grpc's client default accepts only 4 MiB.
    channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 64 << 20)])
    try:
        entries = LinliClient(channel, timeout=120).entries(election_id)
        return sum(Entry.from_bytes(e).kind is EntryKind.BALLOT for e in entries)
    finally:
        channel.close()


# -- the run -------------------------------------------------------------------------------------------------------
def run(
    ballots: int,
    clients: int,
    modulus_bits: int,
    eligibility: EligibilityMode,
    *,
    max_seconds: float,
    workers: int,
) -> dict[str, Any]:
    timings: dict[str, float] = {}
    load_start = os.getloadavg()[0]
    anonymous = eligibility is EligibilityMode.ANONYMOUS
    voters = 2 * ballots  # one fresh voter per ballot; N for each variant
    election_id = f"load-{eligibility.value}-{int(time.time())}"
    bbs_sk = bbs.key_gen(secrets.token_bytes(32)) if anonymous else b""
    results: list[VariantResult] = []
    with tempfile.TemporaryDirectory(prefix="linli-load-") as tmp:
        server = ServerProcess(f"sqlite:///{Path(tmp) / 'linli.db'}", min(modulus_bits, 3072))
        try:
            channel = grpc.insecure_channel(server.address)
            client = LinliClient(channel, min_modulus_bits=min(modulus_bits, 2048))
            admin, registrar = SigningKey.generate(), SigningKey.generate()
            trustees = [SigningKey.generate() for _ in range(5)]
            actions.create_election(
                client,
                admin,
                election_id=election_id,
                title="Load test",
                question="Intake load test",
                trustee_keys=[t.public_key for t in trustees],
                threshold_=3,
                registrar_key=registrar.public_key,
                modulus_bits=modulus_bits,
                max_voters=max(voters, 1000),
                eligibility=eligibility,
                credential_key=bbs.sk_to_pk(bbs_sk) if anonymous else b"",
            )
            _say(f"key ceremony ({modulus_bits}-bit safe primes)")
            start = time.perf_counter()
            actions.key_ceremony(client, admin, election_id, workers=workers)
            timings["key_ceremony_s"] = time.perf_counter() - start

            _say(f"roll and {voters} {eligibility.value} credentials")
            start = time.perf_counter()
            roll = [f"unit-{i + 1:05d}" for i in range(voters)]

            def blind_issuance(election_hash: bytes) -> list[AnonymousCredential]:
                return _parallel(_anonymous_credential, [(election_id, election_hash, bbs_sk)] * voters, workers)

            enrolled = actions.enrol_and_open(
                client,
                admin,
                registrar,
                election_id,
                roll,
                anonymous_credentials=blind_issuance if anonymous else None,
            )
            creds: list[Any] = [c.secret if isinstance(c, SigningKey) else c for c in enrolled]
            timings["roll_and_credentials_s"] = time.perf_counter() - start

            context = client.election(election_id).context
            assert context is not None
            _say(f"building {voters} ballots on {workers} processes (not timed)")
            start = time.perf_counter()
            jobs = [(context, c, CHOICES[i % 3]) for i, c in enumerate(creds)]
            built: list[bytes] = _parallel(_build, jobs, workers)
            timings["build_ballots_s"] = time.perf_counter() - start
            channel.close()

            expected = 0
            for k, verified in enumerate((True, False)):
                variant = "verified receipts" if verified else "raw stub"
                _say(f"casting {ballots} ballots from {clients} clients ({variant})")
                res = cast_all(
                    server,
                    election_id,
                    built[k * ballots : (k + 1) * ballots],
                    clients,
                    verified=verified,
                    max_seconds=max_seconds,
                )
                expected += res.accepted
                res.log_ballots = count_ballots(server.address, election_id)
                res.log_ballots_expected = expected
                res.log_ok = res.log_ballots == expected and res.accepted == ballots
                _say(
                    f"{res.variant}: {res.accepted}/{ballots} accepted in {res.wall_s:.2f} s = "
                    f"{res.ballots_per_s:.1f} ballots/s; p50 {res.latency_ms.get('p50', 0):.0f} ms, "
                    f"p95 {res.latency_ms.get('p95', 0):.0f} ms; server CPU {res.server_cpu_s:.1f} s "
                    f"({res.server_cpu_ms_per_ballot:.1f} ms/ballot); log {res.log_ballots}/{expected} "
                    f"{'ok' if res.log_ok else 'MISMATCH'}"
                )
                results.append(res)
        finally:
            server.stop()
    return {
        "config": {
            "ballots_per_variant": ballots,
            "clients": clients,
            "modulus_bits": modulus_bits,
            "eligibility": eligibility.value,
            "max_seconds": max_seconds,
            "build_workers": workers,
            "server": "client.demo.embedded_server in a spawned child process, SQLite file, default create_server",
        },
        "target": {"ballots_per_s": TARGET_BALLOTS_PER_S, "clients": TARGET_CLIENTS},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_1m_start": load_start,
            "loadavg_1m_end": os.getloadavg()[0],
        },
        "setup": timings,
        "variants": [asdict(r) for r in results],
    }


def _git_state() -> dict[str, Any]:
    """The commit measured, and the files that differed from it (read-only git queries)."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    except OSError:
        return {}
    return {"commit": commit, "modified": [line[3:] for line in status.splitlines() if line[:2].strip() == "M"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=400, help="ballots per variant (default 400)")
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS)
    parser.add_argument("--modulus-bits", type=int, default=3072, choices=(2048, 3072))
    parser.add_argument("--eligibility", choices=[m.value for m in EligibilityMode], default="signing")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="wall-clock cap per variant")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes building ballots")
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    parser.add_argument("--smoke", action="store_true", help="20 ballots, 10 clients, 2048 bits (< 60 s)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.ballots, args.clients, args.modulus_bits = 20, 10, 2048
    if args.ballots < 1 or args.clients < 1:
        parser.error("--ballots and --clients must be positive")
    start = time.perf_counter()
    report = run(
        args.ballots,
        args.clients,
        args.modulus_bits,
        EligibilityMode(args.eligibility),
        max_seconds=args.max_seconds,
        workers=args.workers,
    )
    report["total_s"] = time.perf_counter() - start
    report["git"] = _git_state()
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0 if all(v["log_ok"] for v in report["variants"]) else 1


if __name__ == "__main__":
    sys.exit(main())
