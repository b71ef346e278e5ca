"""Issue 13, items 4, 5 and 8: what voters see before voting, re-votes that are never silent, and a secretary who
always knows the next step — over a real server on a real channel, with a 1024-bit test key."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.catalogue import text
from client.cli import _server_address
from client.describe import LogView, election_lines
from server.service import _request_election
from tests.client.cli_support import run, serving
from voting.election import ElectionDefinition, EligibilityMode, RevotePolicy, Trustee
from voting.state import ElectionState, Phase
from wire import linli_pb2 as pb

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--min-modulus-bits", "1024"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[list[str]]:
    with serving(f"sqlite:///{tmp_path / 'ux.db'}", 1024, origin="linli.ux") as address:
        yield ["--server", address, *SMALL]


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, f"{argv}: {err}"
    return out


def keys(capsys: pytest.CaptureFixture[str], folder: Path, *names: str) -> dict[str, str]:
    return {name: ok(capsys, "keygen", "--out", str(folder / f"{name}.json")).strip() for name in names}


def create(capsys: pytest.CaptureFixture[str], srv: list[str], folder: Path, election: str, *extra: str) -> str:
    k = keys(capsys, folder, "admin", "registrar", "t1", "t2")
    fp = ok(
        capsys, "admin", "create", *srv, "--election", election, "--key", str(folder / "admin.json"),
        "--title", "Gate", "--question", "Repaint the gate?", "--threshold", "2", "--registrar-key", k["registrar"],
        "--trustee-key", k["t1"], "--trustee-key", k["t2"], "--modulus-bits", "1024", *extra,
    )  # fmt: skip
    return fp.strip()


def test_server_host_alone_means_the_default_port() -> None:
    assert _server_address("vote.example.org") == "vote.example.org:50051"
    assert _server_address("10.0.0.5") == "10.0.0.5:50051"
    assert _server_address("10.0.0.5:6000") == "10.0.0.5:6000"
    assert _server_address("[::1]") == "[::1]:50051"
    assert _server_address("::1") == "[::1]:50051"
    assert _server_address("[::1]:7000") == "[::1]:7000"


@pytest.mark.slow
def test_phase_errors_say_what_to_run_and_refused_revotes(
    server: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e = ["--election", "next-step"]
    admin = ["--key", str(tmp_path / "admin.json")]
    fp = create(capsys, server, tmp_path, "next-step", "--revote", "refuse")
    assert len(fp) == 23 and fp.count("-") == 3  # admin create prints the fingerprint alone on stdout
    voter = keys(capsys, tmp_path, "voter")["voter"]
    vote = ["voter", "vote", *server, *e, "--credential", str(tmp_path / "voter.json"), "--choice", "yes"]

    code, _, err = run(capsys, "admin", "open", *server, *e, *admin)
    assert code == 2 and "run `linli admin ceremony` first" in err and "keyed" not in err
    code, _, err = run(capsys, *vote, "--receipt", str(tmp_path / "r0.json"))
    assert code == 2 and "run `linli admin ceremony` first" in err
    status = ok(capsys, "status", *server, *e)
    assert "Next step: the administrator runs `linli admin ceremony`" in status
    ok(capsys, "admin", "ceremony", *server, *e, *admin, "--out", str(tmp_path / "shares"))
    code, _, err = run(capsys, "admin", "ceremony", *server, *e, *admin, "--out", str(tmp_path / "shares2"))
    assert code == 2 and "already published" in err
    code, _, err = run(capsys, "admin", "open", *server, *e, *admin)
    assert code == 2 and "run `linli admin roll` first" in err
    (tmp_path / "roll.csv").write_text("unit\n1-101\n")
    ok(capsys, "admin", "roll", *server, *e, *admin, "--csv", str(tmp_path / "roll.csv"))
    reg = ["--key", str(tmp_path / "registrar.json")]
    ok(capsys, "registrar", "issue", *server, *e, *reg, "--roll-id", "1-101", "--credential", voter)
    code, _, err = run(capsys, *vote, "--receipt", str(tmp_path / "r0.json"))
    assert code == 2 and "voting is not open yet: run `linli admin open` first" in err
    share1 = [
        "--key",
        str(tmp_path / "t1.json"),
        "--share",
        str(tmp_path / "shares" / "next-step.trustee-1.share.json"),
    ]
    code, _, err = run(capsys, "trustee", "decrypt", *server, *e, *share1)
    assert code == 2 and "not open yet" in err
    ok(capsys, "admin", "open", *server, *e, *admin)
    code, _, err = run(capsys, "trustee", "decrypt", *server, *e, *share1)
    assert code == 2 and "voting is open: run `linli admin close` first" in err
    code, _, err = run(capsys, "admin", "publish", *server, *e, "--out", str(tmp_path / "rec"))
    assert code == 2 and "no result yet" in err and "run `linli admin close` first" in err

    out = ok(capsys, *vote, "--receipt", str(tmp_path / "r1.json"))
    assert "REPLACES" not in out  # a first ballot replaces nothing
    code, out, err = run(capsys, *vote, "--choice", "no", "--receipt", str(tmp_path / "r2.json"))
    assert code == 2 and "refuses re-votes" in err and "entry 5" in err and not (tmp_path / "r2.json").exists()
    out = ok(capsys, "voter", "check-receipt", *server, "--receipt", str(tmp_path / "r1.json"))
    assert "receipt OK" in out and "superseded" not in out

    ok(capsys, "admin", "close", *server, *e, *admin)
    code, _, err = run(capsys, "admin", "close", *server, *e, *admin)
    assert code == 2 and "already closed: the trustees now run `linli trustee decrypt`" in err
    out = ok(capsys, "trustee", "decrypt", *server, *e, *share1)
    assert "1 more trustee share(s) needed (1 of 2 in)" in out
    code, _, err = run(capsys, "trustee", "decrypt", *server, *e, *share1)
    assert code == 2 and "trustee 1 has already decrypted; 1 more trustee(s) needed" in err
    assert "1 more trustee(s) run `linli trustee decrypt`" in ok(capsys, "status", *server, *e)
    share2 = [
        "--key",
        str(tmp_path / "t2.json"),
        "--share",
        str(tmp_path / "shares" / "next-step.trustee-2.share.json"),
    ]
    assert "the result is out" in ok(capsys, "trustee", "decrypt", *server, *e, *share2)
    code, _, err = run(capsys, "trustee", "decrypt", *server, *e, *share2)
    assert code == 2 and "the result is already out" in err
    status = ok(capsys, "status", *server, *e)
    assert "Result (verified from the public record): PASSED" in status and "Totals: yes 1, no 0, abstain 0" in status
    zh = ok(capsys, "status", *server, *e, "--lang", "zh")
    assert "结果（已从公开记录独立验证）：通过" in zh and "赞成 1" in zh and "改票：不可改票" in zh
    code, _, err = run(capsys, *vote, "--receipt", str(tmp_path / "r3.json"))
    assert code == 2 and "voting has closed" in err


@pytest.mark.slow
def test_superseded_receipt_online_and_in_the_record(
    server: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e = ["--election", "revote-1"]
    admin = ["--key", str(tmp_path / "admin.json")]
    create(capsys, server, tmp_path, "revote-1")
    voters = keys(capsys, tmp_path, "v1", "v2")
    ok(capsys, "admin", "ceremony", *server, *e, *admin, "--out", str(tmp_path / "shares"))
    (tmp_path / "roll.csv").write_text("unit\n1-101\n1-102\n")
    ok(capsys, "admin", "roll", *server, *e, *admin, "--csv", str(tmp_path / "roll.csv"))
    for unit, name in (("1-101", "v1"), ("1-102", "v2")):
        cred = ["--credential", voters[name]]
        ok(
            capsys,
            "registrar",
            "issue",
            *server,
            *e,
            "--key",
            str(tmp_path / "registrar.json"),
            "--roll-id",
            unit,
            *cred,
        )
    ok(capsys, "admin", "open", *server, *e, *admin)

    def vote(name: str, choice: str, receipt: str) -> str:
        credential = ["--credential", str(tmp_path / f"{name}.json")]
        return ok(capsys, "voter", "vote", *server, *e, *credential, "--choice", choice, "--receipt", receipt)

    assert "REPLACES" not in vote("v1", "yes", str(tmp_path / "a.json"))  # entry 6
    assert "REPLACES" not in vote("v2", "yes", str(tmp_path / "b.json"))  # another voter's ballot: entry 7
    assert "REPLACES your earlier ballot (entry 6)" in vote("v1", "no", str(tmp_path / "c.json"))  # entry 8
    check = ["voter", "check-receipt", *server, "--receipt"]
    assert "superseded by entry 8" in ok(capsys, *check, str(tmp_path / "a.json"))
    for kept in ("b.json", "c.json"):
        assert "superseded" not in ok(capsys, *check, str(tmp_path / kept))
    ok(capsys, "admin", "close", *server, *e, *admin)
    for t in (1, 2):
        share = str(tmp_path / "shares" / f"revote-1.trustee-{t}.share.json")
        ok(capsys, "trustee", "decrypt", *server, *e, "--key", str(tmp_path / f"t{t}.json"), "--share", share)
    ok(capsys, "admin", "publish", *server, *e, "--out", str(tmp_path / "record"))
    record = ["--record", str(tmp_path / "record")]
    assert "superseded by entry 8" in ok(capsys, *check, str(tmp_path / "a.json"), *record)
    assert "superseded" not in ok(capsys, *check, str(tmp_path / "b.json"), *record)


def _state(**changes: object) -> ElectionState:
    fields: dict[str, object] = {
        "election_id": "window-1",
        "kind": "committee",
        "title": "Board",
        "question": "Elect the board",
        "options": ("王芳", "李伟", "张敏"),
        "seats": 2,
        "eligibility": EligibilityMode.SIGNING,
        "revote": RevotePolicy.LAST_COUNTS,
        "threshold": 1,
        "trustees": (Trustee(1, "t", bytes(range(32))),),
        "admin_key": bytes(32),
        "registrar_key": bytes([1]) * 32,
        "modulus_bits": 1024,
    }
    fields.update(changes)
    state = ElectionState(min_modulus_bits=1024)
    state.definition = ElectionDefinition(**fields)  # type: ignore[arg-type]
    return state


def test_ballot_shows_candidates_seats_rules_and_window_in_both_languages() -> None:
    state = _state(opens_at=1_777_600_000, closes_at=1_777_686_400, description="Two seats are vacant.")
    zh = "\n".join(election_lines(state, Phase.OPEN, "AAAAA-BBBBB-CCCCC-DDDDD", "zh"))
    assert "候选人（2 个席位，最多选 2 人）：王芳、李伟、张敏" in zh and "末位同票或席位未满则另行选举" in zh
    assert "投票时间：2026-" in zh and " 至 2026-" in zh and "当前：投票中" in zh and "说明：Two seats" in zh
    en = "\n".join(election_lines(state, Phase.CREATED, "AAAAA-BBBBB-CCCCC-DDDDD", "en"))
    assert "Candidates (2 seat(s); mark at most 2): 王芳, 李伟, 张敏" in en and "Voting window: 2026-" in en
    assert "Now: created" in en and "only your last ballot counts" in en
    # no window, a referendum: the options and the admin's open / close
    state = _state(kind="referendum", options=("yes", "no", "abstain"), seats=0, revote=RevotePolicy.REFUSE)
    en = "\n".join(election_lines(state, Phase.KEYED, "AAAAA-BBBBB-CCCCC-DDDDD", "en"))
    assert "Options: Yes / No / Abstain" in en and "none fixed" in en and "your first ballot counts" in en
    assert text("en", "ballot.notice.area") not in en  # only an assembly's ballots disclose an area


def test_log_view_knows_each_bindings_last_ballot() -> None:
    view = LogView(Phase.OPEN, {b"a": (5, 9), b"b": (7,)})
    assert view.superseded_by(5) == 9 and view.superseded_by(9) is None and view.superseded_by(7) is None
    assert view.superseded_by(6) is None and view.ballots_of(b"c") == ()


@pytest.mark.slow
def test_ballot_command_over_the_server(server: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fp = create(capsys, server, tmp_path, "ballot-1", "--kind", "assembly", "--major")
    out = ok(capsys, "voter", "ballot", *server, "--election", "ballot-1", "--expect", fp)
    assert "表决事项：Repaint the gate?" in out and "重大事项" in out and "专有部分面积" in out
    assert "Votes are weighted" not in out  # the bilingual notice of the description is shown in the reader's words
    out = ok(capsys, "voter", "ballot", *server, "--election", "ballot-1", "--lang", "en")
    assert "Question: Repaint the gate?" in out and "Major matter" in out and "floor area" in out
    code, _, err = run(
        capsys, "voter", "ballot", *server, "--election", "ballot-1", "--expect", "AAAAA-BBBBB-CCCCC-DDDDD"
    )
    assert code == 1 and "not the election on the notice board" in err


def test_unknown_election_and_signing_mode_request_credential(
    server: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = ["--out", str(tmp_path / "req.json"), "--state", str(tmp_path / "state.json")]
    code, _, err = run(capsys, "voter", "request-credential", *server, "--election", "no-such-vote", *request)
    assert code == 1 and "this server has no election 'no-such-vote'" in err and "NOT_FOUND" not in err
    assert not (tmp_path / "state.json").exists()
    create(capsys, server, tmp_path, "signing-1")
    code, _, err = run(capsys, "voter", "request-credential", *server, "--election", "signing-1", *request)
    assert code == 2 and "uses signing credentials" in err and not (tmp_path / "state.json").exists()


def test_key_show_prints_the_public_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    public = ok(capsys, "keygen", "--role", "trustee", "--out", str(tmp_path / "t.json"))
    assert ok(capsys, "key", "show", str(tmp_path / "t.json")) == public
    bbs_public = ok(capsys, "registrar", "bbs-keygen", "--out", str(tmp_path / "bbs.json"))
    assert ok(capsys, "key", "show", str(tmp_path / "bbs.json")) == bbs_public
    (tmp_path / "receipt.json").write_text('{"type": "linli-receipt"}')
    code, _, err = run(capsys, "key", "show", str(tmp_path / "receipt.json"))
    assert code == 2 and "holds no public key" in err
    code, _, err = run(capsys, "key", "show", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err
    tampered = (tmp_path / "t.json").read_text().replace(public.strip(), "00" * 32)
    (tmp_path / "t.json").write_text(tampered)
    code, _, err = run(capsys, "key", "show", str(tmp_path / "t.json"))
    assert code == 2 and "does not match" in err


def test_request_log_never_carries_a_hostile_election_id() -> None:
    assert _request_election(pb.ElectionRef(election_id="gate-2026")) == "gate-2026"
    assert _request_election(pb.ElectionRef(election_id="x status=OK\nforged")) == "-"
    assert _request_election(pb.SignedStatement(entry=b'{"body":{},"election":"gate-2026","kind":"x"}')) == "gate-2026"
    assert _request_election(pb.SignedStatement(entry=b'{"election":"EVIL ID"}')) == "-"
    assert _request_election(pb.ServerInfoRequest()) == "-"


def _serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    cmd = [sys.executable, "-m", "client.cli", "serve", "--listen", "127.0.0.1:0", "--min-modulus-bits", "2048"]
    cmd += ["--db", f"sqlite:///{tmp_path / 's.db'}", "--key", str(tmp_path / "server.key.json"), *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("linli serving on port"):
        proc.kill()
        pytest.fail(line + (proc.stderr.read() if proc.stderr else ""))
    return proc, int(line.split()[4].rstrip(";"))


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert proc.stderr is not None and proc.stdout is not None
    err = proc.stderr.read()
    proc.stderr.close()
    proc.stdout.close()
    return err


def test_serve_warns_without_admin_key_and_logs_each_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proc, port = _serve(tmp_path)
    try:
        srv = ["--server", f"127.0.0.1:{port}", "--timeout", "20"]
        code, _, err = run(capsys, "status", *srv, "--election", "nope-1")
        assert code == 1 and "has no election 'nope-1'" in err
    finally:
        if proc.poll() is None:
            err = _stop(proc)
    assert "warning: no --admin-key: anyone who can reach this server may create elections" in err
    lines = [line for line in err.splitlines() if "logger=linli.server.request" in line]
    assert any("method=GetElection election=nope-1 status=NOT_FOUND duration_ms=" in line for line in lines), err
    assert all(line.startswith("time=") and " level=INFO " in line for line in lines)
    fields = dict(part.split("=", 1) for part in lines[0].split(" "))  # one key=value line
    assert set(fields) == {"time", "level", "logger", "method", "election", "status", "duration_ms"}
    assert float(fields["duration_ms"]) >= 0

    admin = ok(capsys, "keygen", "--role", "admin", "--out", str(tmp_path / "admin.json")).strip()
    proc, _ = _serve(tmp_path, "--admin-key", admin)
    assert "no --admin-key" not in _stop(proc)
