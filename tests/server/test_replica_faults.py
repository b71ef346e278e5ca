"""Two real ``linli serve`` processes on one PostgreSQL schema (docs/protocol.md §P16, ADR 0017): every kind of
request on either, one log; and faults under load (issue 12 item 6): kill -9 of one replica during intake, many
times, and its database sessions terminated: no acknowledged ballot is lost, no entry is half-written, the other
replica keeps serving, and the record passes the client's verifier."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from client.api import LinliClient
from client.errors import ServerRejected
from crypto import merkle
from server.storage import CheckpointRow, EntryRow, make_engine
from tests.factories import MODULUS_BITS, make_election
from tests.server.test_replicas import ELECTION, _ballot, _close_decrypt_verify, _replayed
from voting.election import RevotePolicy

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)]


class Serve:
    """One ``linli serve`` on the shared database, restartable; its sessions carry its own application_name."""

    def __init__(self, url: str, key: Path, name: str) -> None:
        self.url, self.key, self.name = url, key, name
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> None:
        cmd = [sys.executable, "-m", "client.cli", "serve", "--listen", "127.0.0.1:0", "--key", str(self.key)]
        cmd += ["--db", f"{self.url}&application_name={self.name}", "--min-modulus-bits", "1024", "--name", "linli"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("linli serving on port"), line
        self.port = int(line.split()[4].rstrip(";"))

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None

    def client(self) -> LinliClient:
        channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        return LinliClient(channel, timeout=30, min_modulus_bits=MODULUS_BITS)


@pytest.fixture
def serves(db_url: str, tmp_path: Path) -> Iterator[tuple[Serve, Serve]]:
    key = tmp_path / "server.key.json"  # §P16.1: one log key, shared by the replicas
    tag = uuid.uuid4().hex[:8]
    a, b = Serve(db_url, key, f"linli-{tag}-a"), Serve(db_url, key, f"linli-{tag}-b")
    a.start()  # creates the key file
    b.start()
    yield a, b
    a.kill()
    b.kill()


def _setup(client: LinliClient, e: object) -> None:
    for entry in e.entries:  # type: ignore[attr-defined]
        client.submit(entry)


def test_two_linli_serve_processes_keep_one_log_and_the_rules(
    serves: tuple[Serve, Serve], safe_primes_1024: tuple[int, int]
) -> None:
    a, b = serves
    ca, cb = a.client(), b.client()
    e = make_election(safe_primes_1024, voters=4, election_id=ELECTION, revote=RevotePolicy.REFUSE)
    _setup(ca, e)
    first = cb.cast_ballot(ELECTION, _ballot(e, 0, 0))  # B learns the election A created
    with pytest.raises(ServerRejected) as refused:  # a re-vote on the other replica: refused
        ca.cast_ballot(ELECTION, _ballot(e, 0, 1))
    assert refused.value.code == "ALREADY_EXISTS"
    assert ca.cast_ballot(ELECTION, _ballot(e, 1, 1)).leaf_index == first.leaf_index + 1
    ca.check_receipt(first)
    assert ca.checkpoint_note(ELECTION) == cb.checkpoint_note(ELECTION)
    _close_decrypt_verify(e, cb, ca, cb)


def _terminate(url: str, names: list[str]) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = ANY(:names) AND pid <> pg_backend_pid()"
                    ),
                    {"names": names},
                ).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.slow
def test_kill_replicas_and_cut_database_sessions_during_intake(
    serves: tuple[Serve, Serve], db_url: str, safe_primes_1024: tuple[int, int]
) -> None:
    a, b = serves
    voters, cycles, clients = 10, 10, 4
    e = make_election(safe_primes_1024, voters=voters, election_id=ELECTION)
    _setup(a.client(), e)
    ballots = [_ballot(e, i % voters, i % 3) for i in range(cycles * 14)]
    receipts: dict[bytes, tuple[int, bytes]] = {}
    served: dict[str, int] = {a.name: 0, b.name: 0}
    lock = threading.Lock()
    todo = list(ballots)
    stop = threading.Event()

    def cast_until_acknowledged(ballot: bytes, turn: int) -> None:
        for attempt in range(200):
            replica = (a, b)[(turn + attempt) % 2]
            if replica.proc is None:
                continue
            try:
                receipt = replica.client().cast_ballot(ELECTION, ballot)
            except ServerRejected as err:
                assert err.code in ("UNAVAILABLE", "ABORTED", "DEADLINE_EXCEEDED"), err
                time.sleep(0.05)
                continue
            with lock:
                receipts[ballot] = (receipt.leaf_index, receipt.leaf_hash)
                served[replica.name] += 1
            return
        raise AssertionError("a ballot was never acknowledged")

    def client(k: int) -> None:
        while not stop.is_set():
            with lock:
                if not todo:
                    return
                ballot = todo.pop()
            cast_until_acknowledged(ballot, k)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    try:
        for cycle in range(cycles):
            victim, other = (a, b) if cycle % 2 == 0 else (b, a)
            time.sleep(0.4)
            before = served[other.name]
            victim.kill()  # kill -9 mid-intake
            if cycle % 3 == 2:
                assert _terminate(db_url, [other.name]) >= 1  # and cut the survivor's database sessions
            time.sleep(0.6)
            victim.start()
            assert served[other.name] > before or not todo, "the other replica stopped serving"
    finally:
        for t in threads:
            t.join(timeout=300)
    assert not todo and len(receipts) == len(ballots)
    log = a.client().entries(ELECTION)
    for index, leaf in receipts.values():  # every acknowledged ballot is in the final log, where its receipt says
        assert merkle.leaf_hash(log[index]) == leaf
    state = _replayed(log)
    assert state.ballots_cast == len(ballots)  # each ballot once: retries got their receipt, no second entry
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:  # nothing half-written: one checkpoint per entry
            assert s.scalar(select(func.count()).select_from(EntryRow)) == len(log)
            assert s.scalar(select(func.count()).select_from(CheckpointRow)) == len(log)
    finally:
        engine.dispose()
    assert state.phase.value == "open"
    _close_decrypt_verify(e, b.client(), a.client(), b.client())
