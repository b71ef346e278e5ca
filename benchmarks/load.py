"""Intake load driver: ballots per second at the real gRPC service under concurrent clients (issue 12, item 4).

    python -m benchmarks.load [--ballots N] [--clients 50] [--db sqlite|postgresql|URL] [--workers N] [--replicas K]
                              [--eligibility signing|anonymous] [--modulus-bits 3072] [--variants verified,raw]
                              [--scaling] [--verify] [--max-seconds S] [--build-workers W] [--json FILE]
    python -m benchmarks.load --smoke          # 20 ballots, 10 clients, 2048 bits; about 15 s

Targets (issue 12): at least 100 ballots/s with p99 under 1 s in the signing mode, 50/s in the anonymous mode, under
50 concurrent clients, 0 errors, on SQLite and on PostgreSQL.

Each run gets a database of its own: a SQLite file in a temporary folder, or on PostgreSQL ``CREATE DATABASE
linli_load_<random>`` through the given connection (``--db postgresql``: ``LINLI_TEST_POSTGRES_URL``, default the
local ``test`` database), dropped afterwards. The servers are the real service (``server.service.ElectionService`` on
grpcio's ``create_server``, the ledger with one shared log key, a ``PoolVerifier`` of ``--workers`` processes, 0 =
verify in the server's process), each in a spawned child process so that its CPU time is measured apart from the
clients'; ``--replicas K`` (PostgreSQL only) starts K of them on the one database and spreads the clients over them
(client k on server k mod K). The election is set up over gRPC with ``client.actions`` (create, key ceremony, roll,
credentials, open) and every ballot is built before any timing, on every core. Then each variant casts N ballots from
``--clients`` threads, each with its own channel:

* ``verified``: ``client.api.LinliClient.cast_ballot``, which checks every receipt (signed checkpoint + inclusion
  proof) on the client side, as a voter's device does;
* ``raw``: the bare ``CastBallot`` stub, no receipt check: the server's cost alone.

Each variant reports ballots/s (accepted ballots over the wall time from the start barrier to the last reply),
latency p50 / p95 / p99 / max, the servers' CPU time and their pools' apart, the client process's. After each variant
the driver reads the log back and checks it holds exactly the ballots accepted so far; with replicas (or
``--verify``) it then fetches the record and runs the independent verifier (client/verifier.py, steps 1-6: the
tally steps need a closed election) and requires every replica to end on the same checkpoint. ``--scaling`` runs
workers 1 and 2 (and replicas 1 and 2 on PostgreSQL) on one election and prints a table. The top-level fields
``ballots_per_s``, ``p50_ms``, ``p99_ms`` (first variant), ``errors`` (all), ``db`` and ``mode`` are the issue's.
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
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc

from client import actions
from client.api import CHANNEL_OPTIONS, LinliClient
from client.verifier import check_record
from crypto import bbs
from crypto.ed25519 import SigningKey
from crypto.note import open_checkpoint
from voting.credentials import AnonymousCredential
from voting.election import ElectionContext, EligibilityMode
from voting.records import Entry, EntryKind
from voting.setup import blind_credential
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

TARGET_BALLOTS_PER_S = 100.0
TARGET_CLIENTS = 50
TARGET_P99_MS = 1000.0
TALLY_STEP = 7  # client/verifier.py: steps from 7 on need a closed election
CHOICES = ("yes", "no", "abstain")


# -- the database: a fresh one per run ---------------------------------------------------------------------------
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


class DbError(ValueError):
    """A ``--db`` value this driver cannot use (the message says why)."""


def parse_db(value: str) -> tuple[str, str]:
    """``--db``: ``sqlite``, ``postgresql`` (the ``LINLI_TEST_POSTGRES_URL`` server, default the local ``test``
    database) or a URL (``sqlite:///FILE``, ``postgresql://…``); returns (kind, URL or "")."""
    if value == "sqlite":
        return "sqlite", ""
    if value in ("postgresql", "postgres"):
        return "postgresql", os.environ.get("LINLI_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
        return "sqlite", value
    if value.startswith(("postgresql://", "postgresql+psycopg://")):
        return "postgresql", value
    raise DbError(f"--db {value!r}: give sqlite, postgresql, sqlite:///FILE or postgresql://USER@HOST:PORT/DB")


@contextmanager
def fresh_database(kind: str, url: str) -> Iterator[str]:
    """A database of its own for this run, dropped afterwards: a SQLite file in a temporary folder (or the file the
    URL names), or ``CREATE DATABASE linli_load_<random>`` through the PostgreSQL URL's connection."""
    if kind == "sqlite":
        if url:
            yield url
            return
        with tempfile.TemporaryDirectory(prefix="linli-load-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'linli.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url("postgresql+psycopg://" + url.split("://", 1)[1])
    name = f"linli_load_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:
        admin.dispose()
        raise DbError(f"could not create a database on {admin_url.render_as_string()}: {type(e).__name__}") from e
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- the servers, each in a child process ------------------------------------------------------------------------
def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc; 0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve(db_url: str, key: bytes, workers: int, min_modulus_bits: int, conn: Connection) -> None:
    """Child process: one replica, the service ``linli serve`` runs (ledger with the shared log key, verification
    pool of ``workers`` processes, 0 = in this process), on grpcio; answers "stats", stops on "stop"."""
    from crypto.note import NoteSigner
    from server.batching import PoolVerifier
    from server.grpc_service import create_server
    from server.ledger import Ledger
    from server.service import ElectionService, ServiceConfig
    from server.storage import make_engine

    ledger = Ledger(make_engine(db_url), NoteSigner.from_private_bytes("linli-load", key), "linli.load")
    pool = PoolVerifier(workers) if workers else None
    service = ElectionService(ledger, ServiceConfig(min_modulus_bits=min_modulus_bits), verifier=pool)
    server, port = create_server(service, "127.0.0.1:0")
    server.start()
    conn.send(f"127.0.0.1:{port}")
    try:
        while True:
            command = conn.recv()
            if command == "stop":
                break
            t = os.times()
            pids = list(getattr(pool._executor, "_processes", None) or {}) if pool else []
            conn.send(
                {
                    "cpu_s": t.user + t.system,
                    "pool_cpu_s": sum(_cpu_of(p) for p in pids),
                    "pool_batches": pool.batches if pool else None,
                }
            )
    finally:
        server.stop(grace=1).wait()
        service.close()
    conn.send("stopped")


class ServerProcess:
    def __init__(self, db_url: str, key: bytes, workers: int, min_modulus_bits: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        # not a daemon: a daemonic process may not start the verification pool's processes
        self._proc = ctx.Process(target=_serve, args=(db_url, key, workers, min_modulus_bits, child))
        self._proc.start()
        if not self._conn.poll(120):
            self._proc.terminate()
            raise RuntimeError("the server did not start within 120 s")
        self.address: str = self._conn.recv()

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        stats: dict[str, Any] = self._conn.recv()
        return stats

    def stop(self) -> None:
        if self._proc.is_alive():
            try:
                self._conn.send("stop")
                self._conn.poll(40)
            except (BrokenPipeError, EOFError):
                pass
        self._proc.join(40)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)


@contextmanager
def servers(
    db_url: str, key: bytes, replicas: int, workers: int, min_modulus_bits: int
) -> Iterator[list[ServerProcess]]:
    """``replicas`` servers on one database, started one after the other (§P16.1: each checks the log at start)."""
    started: list[ServerProcess] = []
    try:
        for _ in range(replicas):
            started.append(ServerProcess(db_url, key, workers, min_modulus_bits))
        yield started
    finally:
        for s in started:
            s.stop()


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
    workers: int = 0
    replicas: int = 1
    accepted: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    capped: bool = False
    wall_s: float = 0.0
    ballots_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    server_cpu_s: float = 0.0  # the servers' own processes (parsing, state checks, append, commit, signing)
    pool_cpu_s: float = 0.0  # their verification pools' processes (the ballots' proofs)
    server_cpu_ms_per_ballot: float = 0.0
    pool_cpu_ms_per_ballot: float = 0.0
    client_cpu_s: float = 0.0
    pool_batches: int | None = None
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


def _stats(running: list[ServerProcess]) -> dict[str, float]:
    total = {"cpu_s": 0.0, "pool_cpu_s": 0.0, "pool_batches": 0.0}
    for server in running:
        for key, value in server.stats().items():
            if key in total and value is not None:
                total[key] += value
    return total


def cast_all(
    running: list[ServerProcess],
    election_id: str,
    ballots: list[bytes],
    clients: int,
    *,
    verified: bool,
    max_seconds: float,
) -> VariantResult:
    """Cast ``ballots`` from ``clients`` threads (one channel each, client k on server k mod K) through a shared
    queue; stop at the cap."""
    result = VariantResult("verified" if verified else "raw", len(ballots), clients, replicas=len(running))
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

    def worker(k: int) -> None:
        channel = grpc.insecure_channel(running[k % len(running)].address)
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

    threads = [threading.Thread(target=worker, args=(k,), name=f"load-client-{k}", daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    before = _stats(running)
    client_cpu = time.process_time()
    barrier.wait(timeout=60)
    t0 = time.perf_counter()
    deadline[0] = t0 + max_seconds
    for t in threads:
        t.join()
    t1 = max(finished, default=t0)
    result.client_cpu_s = time.process_time() - client_cpu
    after = _stats(running)
    result.capped = next_index < len(ballots)
    result.wall_s = t1 - t0
    result.ballots_per_s = result.accepted / result.wall_s if result.wall_s > 0 else 0.0
    result.server_cpu_s = after["cpu_s"] - before["cpu_s"]
    result.pool_cpu_s = after["pool_cpu_s"] - before["pool_cpu_s"]
    result.server_cpu_ms_per_ballot = 1000 * result.server_cpu_s / max(result.accepted, 1)
    result.pool_cpu_ms_per_ballot = 1000 * result.pool_cpu_s / max(result.accepted, 1)
    result.pool_batches = int(after["pool_batches"] - before["pool_batches"])
    if latencies:
        lat = sorted(latencies)
        result.latency_ms = {
            "p50": 1000 * _percentile(lat, 0.50),
            "p95": 1000 * _percentile(lat, 0.95),
            "p99": 1000 * _percentile(lat, 0.99),
            "max": 1000 * lat[-1],
            "mean": 1000 * statistics.fmean(lat),
        }
    return result


def _channel(address: str) -> grpc.Channel:
    return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)  # the clients' receive limit (client.api)


def count_ballots(address: str, election_id: str) -> int:
    channel = _channel(address)
    try:
        entries = LinliClient(channel, timeout=120).entries(election_id)
        return sum(Entry.from_bytes(e).kind is EntryKind.BALLOT for e in entries)
    finally:
        channel.close()


def verify_log(addresses: list[str], election_id: str, expected_ballots: int, min_modulus_bits: int) -> dict[str, Any]:
    """After the run: the record fetched from the first server goes through the independent verifier
    (client/verifier.py: entries, checkpoint signatures, log integrity, replay, every ballot's proofs); every other
    replica's newest checkpoint must be consistent with it (same size and root once intake stopped)."""
    channel = _channel(addresses[0])
    try:
        client = LinliClient(channel, timeout=300)
        record = actions.export_record(client, election_id)
        verifier_key, _ = client.log_verifier(election_id)
        head = open_checkpoint(client.checkpoint_note(election_id), verifier_key)
    finally:
        channel.close()
    start = time.perf_counter()
    report = check_record(record, min_modulus_bits=min_modulus_bits)
    seconds = time.perf_counter() - start
    ballots = sum(Entry.from_bytes(e).kind is EntryKind.BALLOT for e in record.entries)
    # Steps 7-10 check the tally, decryption and outcome: the election is still open, they have nothing to check yet.
    failed = [f"{s.number} {s.title}" for s in report.steps if not s.passed and s.number < TALLY_STEP]
    heads_agree = True
    for address in addresses[1:]:
        other_channel = _channel(address)
        try:
            other = LinliClient(other_channel, timeout=120)
            other_head = open_checkpoint(other.checkpoint_note(election_id), verifier_key)
        finally:
            other_channel.close()
        heads_agree = heads_agree and (other_head.size, other_head.root_hash) == (head.size, head.root_hash)
    return {
        "entries": len(record.entries),
        "ballots": ballots,
        "ballots_expected": expected_ballots,
        "checkpoints": len(record.checkpoints),
        "steps_checked": [f"{s.number} {s.title}" for s in report.steps if s.number < TALLY_STEP],
        "steps_failed": failed,
        "replica_heads_agree": heads_agree,
        "verify_s": seconds,
        "ok": not failed and ballots == expected_ballots and heads_agree,
    }


# -- the run -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One measured configuration: servers' verification workers and replicas."""

    workers: int
    replicas: int


def run(
    ballots: int,
    clients: int,
    modulus_bits: int,
    eligibility: EligibilityMode,
    *,
    db: tuple[str, str],
    cells: list[Cell],
    variants: list[bool],
    max_seconds: float,
    build_workers: int,
    verify: bool,
) -> dict[str, Any]:
    timings: dict[str, float] = {}
    load_start = os.getloadavg()[0]
    anonymous = eligibility is EligibilityMode.ANONYMOUS
    per_cell = ballots * len(variants)
    voters = per_cell * len(cells)  # one fresh voter per ballot
    election_id = f"load-{eligibility.value}-{int(time.time())}"
    bbs_sk = bbs.key_gen(secrets.token_bytes(32)) if anonymous else b""
    log_key = secrets.token_bytes(32)  # the replicas share the log signing key (ADR 0017)
    min_bits = min(modulus_bits, 3072)
    results: list[VariantResult] = []
    log_check: dict[str, Any] | None = None
    with fresh_database(*db) as db_url:
        with servers(db_url, log_key, 1, 0, min_bits) as (setup,):
            channel = grpc.insecure_channel(setup.address)
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
            actions.key_ceremony(client, admin, election_id, workers=build_workers)
            timings["key_ceremony_s"] = time.perf_counter() - start

            _say(f"roll and {voters} {eligibility.value} credentials")
            start = time.perf_counter()
            roll = [f"unit-{i + 1:05d}" for i in range(voters)]

            def blind_issuance(election_hash: bytes) -> list[AnonymousCredential]:
                jobs = [(election_id, election_hash, bbs_sk)] * voters
                return _parallel(_anonymous_credential, jobs, build_workers)

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
            _say(f"building {voters} ballots on {build_workers} processes (not timed)")
            start = time.perf_counter()
            jobs = [(context, c, CHOICES[i % 3]) for i, c in enumerate(creds)]
            built: list[bytes] = _parallel(_build, jobs, build_workers)
            timings["build_ballots_s"] = time.perf_counter() - start
            channel.close()

        expected = 0
        offset = 0
        for cell in cells:
            _say(f"{cell.replicas} server(s), {cell.workers} verification worker(s) each")
            with servers(db_url, log_key, cell.replicas, cell.workers, min_bits) as running:
                for verified in variants:
                    variant = "verified receipts" if verified else "raw stub"
                    _say(f"casting {ballots} ballots from {clients} clients ({variant})")
                    res = cast_all(
                        running,
                        election_id,
                        built[offset : offset + ballots],
                        clients,
                        verified=verified,
                        max_seconds=max_seconds,
                    )
                    offset += ballots
                    res.workers = cell.workers
                    expected += res.accepted
                    res.log_ballots = count_ballots(running[-1].address, election_id)
                    res.log_ballots_expected = expected
                    res.log_ok = res.log_ballots == expected and res.accepted == ballots
                    _say(
                        f"{res.variant}: {res.accepted}/{ballots} accepted in {res.wall_s:.2f} s = "
                        f"{res.ballots_per_s:.1f} ballots/s; p50 {res.latency_ms.get('p50', 0):.0f} ms, "
                        f"p99 {res.latency_ms.get('p99', 0):.0f} ms; server CPU {res.server_cpu_ms_per_ballot:.1f}"
                        f" + pool {res.pool_cpu_ms_per_ballot:.1f} ms/ballot; errors {sum(res.errors.values())};"
                        f" log {res.log_ballots}/{expected} {'ok' if res.log_ok else 'MISMATCH'}"
                    )
                    results.append(res)
                if verify:
                    _say("verifying the log (client/verifier.py) and the replicas' checkpoints")
                    log_check = verify_log([s.address for s in running], election_id, expected, min_bits)
                    _say(f"log check: {'ok' if log_check['ok'] else 'FAILED'} {log_check}")
    head = results[0]
    return {
        # the fields, of the first measured variant (the first cell)
        "ballots_per_s": head.ballots_per_s,
        "p50_ms": head.latency_ms.get("p50"),
        "p99_ms": head.latency_ms.get("p99"),
        "errors": sum(sum(r.errors.values()) for r in results),
        "db": db[0],
        "mode": eligibility.value,
        "workers": head.workers,
        "replicas": head.replicas,
        "log_verified": None if log_check is None else log_check["ok"],
        "config": {
            "ballots_per_variant": ballots,
            "clients": clients,
            "modulus_bits": modulus_bits,
            "eligibility": eligibility.value,
            "max_seconds": max_seconds,
            "build_workers": build_workers,
            "cells": [asdict(c) for c in cells],
            "server": "server.service.ElectionService on grpcio create_server, one spawned process per replica, "
            "PoolVerifier(workers) (0: in-process), a fresh database per run",
        },
        "target": {"ballots_per_s": TARGET_BALLOTS_PER_S, "clients": TARGET_CLIENTS, "p99_ms": TARGET_P99_MS},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_1m_start": load_start,
            "loadavg_1m_end": os.getloadavg()[0],
        },
        "setup": timings,
        "variants": [asdict(r) for r in results],
        "log_check": log_check,
    }


def scaling_table(report: dict[str, Any]) -> str:
    lines = ["| workers | replicas | variant | ballots/s | p50 ms | p99 ms | errors | server + pool CPU ms/ballot |"]
    lines.append("|---|---|---|---|---|---|---|---|")
    for v in report["variants"]:
        lat = v["latency_ms"]
        lines.append(
            f"| {v['workers']} | {v['replicas']} | {v['variant']} | {v['ballots_per_s']:.1f} | {lat.get('p50', 0):.0f}"
            f" | {lat.get('p99', 0):.0f} | {sum(v['errors'].values())} | {v['server_cpu_ms_per_ballot']:.1f} +"
            f" {v['pool_cpu_ms_per_ballot']:.1f} |"
        )
    return "\n".join(lines)


def _git_state() -> dict[str, Any]:
    """The commit measured, and the files that differed from it (read-only git queries)."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    except OSError:
        return {}
    return {"commit": commit, "modified": [line[3:] for line in status.splitlines() if line[:2].strip() == "M"]}


def _db(value: str) -> tuple[str, str]:
    try:
        return parse_db(value)
    except DbError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=400, help="ballots per variant (default 400)")
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS)
    parser.add_argument("--modulus-bits", type=int, default=3072, choices=(2048, 3072))
    parser.add_argument("--eligibility", choices=[m.value for m in EligibilityMode], default="signing")
    parser.add_argument("--db", type=_db, default=("sqlite", ""), help="sqlite, postgresql or a URL (default sqlite)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="verification processes per server")
    parser.add_argument("--replicas", type=int, default=1, help="servers on one database (PostgreSQL only)")
    parser.add_argument("--scaling", action="store_true", help="measure workers 1, 2 x replicas 1, 2 (PostgreSQL: 2)")
    parser.add_argument("--variants", default="verified,raw", help="verified, raw or both (default verified,raw)")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="wall-clock cap per variant")
    parser.add_argument("--build-workers", type=int, default=os.cpu_count() or 2, help="processes building ballots")
    parser.add_argument("--verify", action="store_true", help="verify the log after the run (always with replicas)")
    parser.add_argument("--json", "--out", dest="json", type=Path, help="write the results as JSON")
    parser.add_argument("--smoke", action="store_true", help="20 ballots, 10 clients, 2048 bits (< 60 s)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.ballots, args.clients, args.modulus_bits = 20, 10, 2048
    if args.ballots < 1 or args.clients < 1:
        parser.error("--ballots and --clients must be positive")
    if not 0 <= args.workers <= 64 or args.build_workers < 1:
        parser.error("--workers must be 0 (verify in the server process) to 64; --build-workers at least 1")
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    postgres = args.db[0] == "postgresql"
    if args.replicas > 1 and not postgres:
        parser.error(
            "--replicas needs PostgreSQL (--db postgresql or a postgresql:// URL): a SQLite file has one writer"
            " (docs/decisions/0017)"
        )
    try:
        variants = [{"verified": True, "raw": False}[v.strip()] for v in args.variants.split(",")]
    except KeyError:
        parser.error("--variants takes verified, raw or verified,raw")
    if args.scaling:
        cells = [Cell(w, r) for r in ((1, 2) if postgres else (1,)) for w in (1, 2)]
    else:
        cells = [Cell(args.workers, args.replicas)]
    start = time.perf_counter()
    try:
        report = run(
            args.ballots,
            args.clients,
            args.modulus_bits,
            EligibilityMode(args.eligibility),
            db=args.db,
            cells=cells,
            variants=variants,
            max_seconds=args.max_seconds,
            build_workers=args.build_workers,
            verify=args.verify or any(c.replicas > 1 for c in cells),
        )
    except DbError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report["total_s"] = time.perf_counter() - start
    report["git"] = _git_state()
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    if args.scaling:
        print(scaling_table(report), file=sys.stderr)
    ok = all(v["log_ok"] for v in report["variants"]) and report["log_verified"] is not False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
