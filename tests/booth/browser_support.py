"""What the browser tests share (tests/booth/test_browser*.py): a real ``linli serve`` in a subprocess on a fixed
local port (so it can be stopped and started again under the booth), elections set up over gRPC with the Python
client (client.actions, as the CLI does), the registrar's side of the credential relay, the end of the election
(close, decrypt, export) and ``linli verify`` on the record, and the booth's browser driver (booth/e2e/booth.mjs)
run as a subprocess that asks pytest, in JSON lines, to act where the registrar or the server must.

Skipped, with the reason, when booth/node_modules or the distribution's headless Chromium is missing."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest

from client import actions
from client.api import LinliClient
from client.cli import main
from client.keystore import save_json, save_signing_key
from client.record import write_record
from crypto import bbs
from crypto.ed25519 import SigningKey
from tests.booth.node import BOOTH
from voting.election import EligibilityMode, RevotePolicy

REPO = BOOTH.parent
CHROMIUM = Path("/usr/bin/chromium-headless-shell")
_TSX = BOOTH / "node_modules" / ".bin" / "tsx"

requires_browser = pytest.mark.skipif(
    not _TSX.exists() or not CHROMIUM.exists() or not (REPO / "server" / "booth" / "index.html").exists(),
    reason="the browser tests need booth/node_modules (`npm ci` in booth/), the built booth (server/booth/, "
    "`node build.mjs`) and /usr/bin/chromium-headless-shell (apt-get install chromium-headless-shell)",
)

PIN = "314159"
MIN_BITS = 1024  # test keys: `linli serve --min-modulus-bits 1024` (the server prints that it is for tests only)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LinliServer:
    """``linli serve`` as an operator runs it, on 127.0.0.1:``port`` over a SQLite file; stop() and start() again
    keep the port, the database and the log key (the server "disappears" and comes back)."""

    def __init__(self, workdir: Path, min_modulus_bits: int = MIN_BITS) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.min_modulus_bits = min_modulus_bits
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "server.log"
        self.starts = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"http://{self.address}"

    def start(self) -> None:
        assert self.proc is None
        self.starts += 1
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "client.cli",
                    "serve",
                    "--listen",
                    self.address,
                    "--db",
                    f"sqlite:///{self.workdir / 'linli.db'}",
                    "--key",
                    str(self.workdir / "server.key.json"),
                    "--min-modulus-bits",
                    str(self.min_modulus_bits),
                ],
                cwd=self.workdir,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if "linli serving on port" not in line:
            self.stop()
            pytest.fail(f"linli serve did not start: {line!r}\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def client(self) -> LinliClient:
        return LinliClient(grpc.insecure_channel(self.address), min_modulus_bits=self.min_modulus_bits)


@contextmanager
def running_server(workdir: Path, min_modulus_bits: int = MIN_BITS) -> Iterator[LinliServer]:
    server = LinliServer(workdir, min_modulus_bits)
    server.start()
    try:
        yield server
    finally:
        server.stop()


KIND_SETUP: dict[str, dict[str, Any]] = {
    "referendum": {
        "title": "加装 3 号楼电动车充电棚",
        "question": "是否同意在 3 号楼旁建设带顶棚的电动自行车充电棚？",
        "candidates": (),
    },
    "committee": {
        "title": "第五届业主委员会选举（差额选举：10 名候选人选 3 名）",
        "question": "请最多选择 3 名候选人。",
        "candidates": ("王芳", "李伟", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴强"),
        "seats": 3,
    },
    "assembly": {
        "title": "使用专项维修资金更换 2 号楼电梯（重大事项）",
        "question": "是否同意使用专项维修资金为 2 号楼更换两部电梯？",
        "candidates": (),
        "major": True,
    },
}
ROLL = ("1-101", "1-102", "1-201", "1-202")
AREAS = (8537, 8537, 10050, 10050)  # 0.01 m²; every area held by two owners (no vote identified, §P9.5)


@dataclass
class BoothElection:
    """An election set up for the booth (created, keyed, roll published, open): the keys and shares to run it."""

    server: LinliServer
    election_id: str
    kind: str
    mode: EligibilityMode
    fingerprint: str
    admin: SigningKey
    registrar: SigningKey
    trustees: list[SigningKey]
    shares: list[Any]
    keys: Path = Path()  # the registrar's key files, as the CLI reads them
    bbs_sk: bytes = b""
    issued: list[str] = field(default_factory=list)  # roll ids issued through the relay, in order

    def scenario_election(self) -> dict[str, Any]:
        """What the driver checks the screens against (the definition as the booth must show it)."""
        snap = self.server.client().election(self.election_id)
        d = snap.definition
        return {
            "id": d.election_id,
            "fingerprint": snap.fingerprint,
            "title": d.title,
            "question": d.question,
            "kind": d.kind,
            "options": list(d.options),
            "seats": d.seats,
            "eligibility": d.eligibility.value,
            "weighted": d.kind_rules.weighted,
        }

    # -- the registrar, through the relay (§P13), with the CLI -------------------------------------------------
    def cli(self, *argv: str) -> str:
        """``linli ARGV`` in this process against the server; its stdout (a non-zero exit fails the test)."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            server = ["--server", self.server.address, "--min-modulus-bits", str(self.server.min_modulus_bits)]
            code = main([*argv[:2], *server, *argv[2:]])
        assert code == 0, f"linli {' '.join(argv)} exited {code}:\n{out.getvalue()}\n{err.getvalue()}"
        return out.getvalue()

    def booth_link(self) -> str:
        """`linli admin booth-link`: the link the notice board shows (its first line; a QR code follows), with
        ``&min=1024``: these are 1024-bit test keys, which the booth refuses unless the link says so."""
        link = self.cli("admin", "booth-link", "--election", self.election_id).splitlines()[0]
        assert link.startswith(f"{self.server.base}/booth/#e={self.election_id}&fp=")
        test_keys = self.server.min_modulus_bits < 2048  # the booth's own minimum (src/app/engine.ts)
        return link.removeprefix(self.server.base) + (f"&min={self.server.min_modulus_bits}" if test_keys else "")

    def issue_by_code(self, code: str, check: str) -> str:
        """The registrar, having checked who the resident is, issues for the next roll entry the request the phone
        posted under ``code`` — refused unless its check value is the one the phone shows (``check``)."""
        roll_id = ROLL[len(self.issued)]
        who = ["--election", self.election_id, "--key", str(self.keys / "registrar.json")]
        relay = ["--roll-id", roll_id, "--request-code", code, "--request-check", check]
        if self.mode is EligibilityMode.SIGNING:
            self.cli("registrar", "issue", *who, *relay)
        else:
            bbs_key = ["--bbs-key", str(self.keys / "bbs.json")]
            self.cli("registrar", "issue-anonymous", *who, *bbs_key, *relay)
        self.issued.append(roll_id)
        return roll_id

    # -- after the vote -------------------------------------------------------------------------------------------
    def tree_size(self) -> int:
        return int(self.server.client().election(self.election_id).info.tree_size)

    def ballot_entries(self) -> list[bytes]:
        client = self.server.client()
        return [e for e in client.entries(self.election_id) if json.loads(e)["kind"] == "ballot"]

    def finish(self, record_dir: Path) -> dict[str, Any]:
        """Close, let the quorum decrypt, export the record and run ``linli verify`` on it; its JSON report."""
        client = self.server.client()
        actions.close_election(client, self.admin, self.election_id)
        snap = client.election(self.election_id)
        for trustee, share in list(zip(self.trustees, self.shares, strict=True))[: snap.definition.threshold]:
            actions.submit_decryption_share(client, trustee, share, self.election_id, workers=1)
        write_record(record_dir, actions.export_record(client, self.election_id))
        bits = ["--min-modulus-bits", str(self.server.min_modulus_bits)]
        done = subprocess.run(
            [sys.executable, "-m", "client.cli", "verify", str(record_dir), "--json", "--workers", "1", *bits],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"linli verify failed:\n{done.stdout.decode()[-4000:]}\n{done.stderr.decode()}"
        report: dict[str, Any] = json.loads(done.stdout)
        return report


def set_up(server: LinliServer, election_id: str, kind: str, mode: EligibilityMode, **extra: Any) -> BoothElection:
    """Create, key (a 1024-bit test key), publish the roll and open, as the administrator's CLI does."""
    client = server.client()
    admin, registrar = SigningKey.generate(), SigningKey.generate()
    trustees = [SigningKey.generate() for _ in range(3)]
    bbs_sk = bbs.key_gen(os.urandom(32)) if mode is EligibilityMode.ANONYMOUS else b""
    spec = {**KIND_SETUP[kind], **extra}
    actions.create_election(
        client,
        admin,
        election_id=election_id,
        title=spec["title"],
        question=spec["question"],
        trustee_keys=[t.public_key for t in trustees],
        threshold_=2,
        registrar_key=registrar.public_key,
        modulus_bits=server.min_modulus_bits,
        max_voters=1000,
        eligibility=mode,
        credential_key=bbs.sk_to_pk(bbs_sk) if bbs_sk else b"",
        kind=kind,
        candidates=spec["candidates"],
        seats=spec.get("seats", 0),
        major=spec.get("major", False),
        revote=RevotePolicy(spec.get("revote", "last")),
    )
    shares, _ = actions.key_ceremony(client, admin, election_id, workers=2 if server.min_modulus_bits >= 3072 else 1)
    areas = list(AREAS) if kind == "assembly" else None
    actions.publish_roll(client, admin, election_id, list(ROLL), areas)
    actions.open_election(client, admin, election_id)
    snap = client.election(election_id)
    keys = server.workdir / f"keys-{election_id}"
    keys.mkdir()
    save_signing_key(keys / "registrar.json", registrar, "registrar")
    if bbs_sk:
        bbs_file = {"public_key": bbs.sk_to_pk(bbs_sk).hex(), "secret": bbs_sk.hex(), "type": "linli-bbs-key"}
        save_json(keys / "bbs.json", bbs_file)
    return BoothElection(
        server, election_id, kind, mode, snap.fingerprint, admin, registrar, trustees, shares, keys, bbs_sk
    )


# -- the browser driver ------------------------------------------------------------------------------------------
Handler = Callable[[dict[str, Any]], dict[str, Any] | None]


def run_driver(scenario: dict[str, Any], handlers: dict[str, Handler], *, timeout: float = 900) -> dict[str, Any]:
    """Run booth/e2e/booth.mjs on ``scenario``; answer its events with ``handlers`` (an event without a handler
    that waits for an answer fails the test). Returns the driver's result; fails with its message otherwise."""
    if not _TSX.exists() or not CHROMIUM.exists():
        pytest.skip("booth/node_modules or /usr/bin/chromium-headless-shell is missing")
    proc = subprocess.Popen(
        [str(_TSX), "e2e/booth.mjs"],
        cwd=BOOTH,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[bytes] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, b""):
            lines.put(line)
        lines.put(b"")

    threading.Thread(target=pump, daemon=True).start()
    stderr: list[bytes] = []
    threading.Thread(target=lambda: stderr.extend(iter(proc.stderr.readline, b"")), daemon=True).start()

    def send(obj: dict[str, Any]) -> None:
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(obj) + "\n").encode())
        proc.stdin.flush()

    send(scenario)
    deadline = time.monotonic() + timeout
    events: list[str] = []
    try:
        while True:
            try:
                raw = lines.get(timeout=max(1.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"the browser driver timed out after {timeout} s; events: {events}")
            if not raw:
                tail = b"".join(stderr).decode(errors="replace")[-4000:]
                pytest.fail(f"the browser driver ended without a result; events: {events}\n{tail}")
            event = json.loads(raw)
            name = event["event"]
            events.append(name if name != "screen" else f"screen:{event['name']}")
            if name == "done":
                result: dict[str, Any] = event["result"]
                result["events"] = events
                return result
            if name == "failed":
                pytest.fail(
                    f"the booth failed in the browser: {event['message']}\nevents: {events}\n"
                    f"console errors: {event.get('consoleErrors')}\n{b''.join(stderr).decode()[-2000:]}"
                )
            if name in ("screen", "retrying"):
                continue
            handler = handlers.get(name)
            if handler is None:
                send({"error": f"no handler for {name}"})
                continue
            try:
                send(handler(event) or {"ok": True})
            except Exception as e:
                send({"error": f"{type(e).__name__}: {e}"})
                raise
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            pipe.close()


def screenshots_dir(name: str) -> Path:
    """Where a scenario's screenshots go: $LINLI_BOOTH_SHOTS, else a folder under the system's temporary directory
    (kept after the run, so a person can look at every screen in both languages)."""
    root = Path(os.environ.get("LINLI_BOOTH_SHOTS") or Path(os.environ.get("TMPDIR", "/tmp")) / "linli-booth-screens")
    path = root / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
