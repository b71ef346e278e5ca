"""The ``linli`` CLI run by hand across roles, against a real server on a real channel; exit codes and messages."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto.note import NoteSigner
from tests.client.cli_support import run, serving


@pytest.fixture
def server_address(tmp_path: Path) -> Iterator[str]:
    with serving(f"sqlite:///{tmp_path / 'cli.db'}", 2048) as address:
        yield address


@pytest.mark.slow
def test_election_by_hand(server_address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    srv = ["--server", server_address]
    keys = {}
    for name, role in [
        ("admin", "admin"),
        ("registrar", "registrar"),
        *[(f"t{i}", "trustee") for i in range(1, 4)],
        ("v1", "voter"),
        ("v2", "voter"),
        ("v3", "voter"),
    ]:
        code, out, _ = run(capsys, "keygen", "--out", str(tmp_path / f"{name}.json"), "--role", role)
        assert code == 0
        keys[name] = out.strip()
    e = ["--election", "hand-made"]
    code, out, err = run(
        capsys,
        "admin",
        "create",
        *srv,
        *e,
        "--key",
        str(tmp_path / "admin.json"),
        "--title",
        "Gate",
        "--question",
        "Repaint the gate?",
        "--threshold",
        "2",
        "--registrar-key",
        keys["registrar"],
        "--modulus-bits",
        "2048",
        *[a for i in (1, 2, 3) for a in ("--trustee-key", keys[f"t{i}"])],
    )
    assert code == 0, err
    code, out, err = run(
        capsys, "admin", "ceremony", *srv, *e, "--key", str(tmp_path / "admin.json"), "--out", str(tmp_path / "shares")
    )
    assert code == 0, err
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("unit\n1-101\nbad unit!\n1-101\n")
    code, _, err = run(capsys, "admin", "roll", *srv, *e, "--key", str(tmp_path / "admin.json"), "--csv", str(bad_csv))
    assert code == 2 and "line 3" in err and "line 4" in err and "nothing imported" in err
    code, out, _ = run(capsys, "status", *srv, *e)
    assert "roll 0" in out
    roll = tmp_path / "roll.csv"
    roll.write_text("unit\n1-101\n1-102\n1-103\n")
    assert run(capsys, "admin", "roll", *srv, *e, "--key", str(tmp_path / "admin.json"), "--csv", str(roll))[0] == 0
    for unit, voter in (("1-101", "v1"), ("1-102", "v2"), ("1-103", "v3")):
        code, _, err = run(
            capsys,
            "registrar",
            "issue",
            *srv,
            *e,
            "--key",
            str(tmp_path / "registrar.json"),
            "--roll-id",
            unit,
            "--credential",
            keys[voter],
        )
        assert code == 0, err
    assert run(capsys, "admin", "open", *srv, *e, "--key", str(tmp_path / "admin.json"))[0] == 0
    for voter, choice in (("v1", "yes"), ("v2", "yes"), ("v3", "no")):
        code, _, err = run(
            capsys,
            "voter",
            "vote",
            *srv,
            *e,
            "--credential",
            str(tmp_path / f"{voter}.json"),
            "--choice",
            choice,
            "--receipt",
            str(tmp_path / f"{voter}.receipt.json"),
        )
        assert code == 0, err
    code, out, err = run(capsys, "voter", "check-receipt", *srv, "--receipt", str(tmp_path / "v1.receipt.json"))
    assert code == 0 and "receipt OK" in out, err
    code, _, err = run(capsys, "admin", "publish", *srv, *e, "--out", str(tmp_path / "record"))
    assert code == 2 and "no result yet" in err
    assert run(capsys, "admin", "close", *srv, *e, "--key", str(tmp_path / "admin.json"))[0] == 0
    code, _, err = run(
        capsys,
        "trustee",
        "decrypt",
        *srv,
        *e,
        "--key",
        str(tmp_path / "t1.json"),
        "--share",
        str(tmp_path / "shares" / "hand-made.trustee-2.share.json"),
    )
    assert code == 2 and "not trustee 2" in err, err  # wrong identity key for that share
    for t in (1, 3):
        code, _, err = run(
            capsys,
            "trustee",
            "decrypt",
            *srv,
            *e,
            "--key",
            str(tmp_path / f"t{t}.json"),
            "--share",
            str(tmp_path / "shares" / f"hand-made.trustee-{t}.share.json"),
        )
        assert code == 0, err
    code, _, err = run(capsys, "admin", "publish", *srv, *e, "--out", str(tmp_path / "record"))
    assert code == 0, err
    code, out, _ = run(capsys, "verify", str(tmp_path / "record"), "--json", "--workers", "1")
    report = json.loads(out)
    assert code == 0 and report["passed"] and report["totals"] == [2, 1, 0]
    code, out, _ = run(
        capsys,
        "voter",
        "check-receipt",
        "--receipt",
        str(tmp_path / "v3.receipt.json"),
        "--record",
        str(tmp_path / "record"),
    )
    assert code == 0 and "published record" in out

    # One altered value anywhere in the record: exit 1.
    tampered = tmp_path / "tampered"
    shutil.copytree(tmp_path / "record", tampered)
    lines = (tampered / "entries.jsonl").read_bytes().split(b"\n")
    lines[-2] = lines[-2].replace(b'"totals":[2,1,0]', b'"totals":[1,2,0]')
    (tampered / "entries.jsonl").write_bytes(b"\n".join(lines))
    code, out, _ = run(capsys, "verify", str(tampered), "--workers", "1")
    assert code == 1 and "VERIFICATION FAILED" in out


def test_usage_errors_exit_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "verify", str(tmp_path / "missing"))
    assert code == 2 and "not an election record" in err and "Traceback" not in err
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "record.json").write_text("{not json")
    (tmp_path / "rec" / "entries.jsonl").write_text("")
    code, _, err = run(capsys, "verify", str(tmp_path / "rec"))
    assert code == 2 and "record.json" in err
    code, _, err = run(
        capsys,
        "voter",
        "vote",
        "--election",
        "x",
        "--credential",
        str(tmp_path / "nope.json"),
        "--choice",
        "yes",
        "--receipt",
        str(tmp_path / "r.json"),
    )
    assert code == 2 and "no such file" in err
    key = tmp_path / "k.json"
    assert run(capsys, "keygen", "--out", str(key))[0] == 0
    code, _, err = run(capsys, "keygen", "--out", str(key))
    assert code == 2 and "exists" in err
    code, _, err = run(
        capsys,
        "registrar",
        "issue",
        "--server",
        "127.0.0.1:1",
        "--election",
        "x",
        "--key",
        str(key),
        "--roll-id",
        "u",
        "--credential",
        "zz",
    )
    assert code == 2 and "hexadecimal" in err


def test_unreachable_server_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status", "--server", "127.0.0.1:1", "--timeout", "2", "--election", "x")
    assert code == 3 and "server unreachable at 127.0.0.1:1" in err and "refused (UNAVAILABLE)" not in err


def test_verify_prints_numbered_report(tmp_path: Path, capsys: pytest.CaptureFixture[str], safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    from client.record import write_record
    from tests.factories import make_election, make_record

    e = make_election(safe_primes_1024, voters=3)
    e.vote(0, 0)
    e.vote(1, 0)
    e.close()
    e.decrypt([1, 2, 3])
    write_record(tmp_path / "r", make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t")))
    code, out, _ = run(capsys, "verify", str(tmp_path / "r"), "--min-modulus-bits", "1024", "--workers", "1")
    assert code == 0
    for n in range(1, 11):
        assert f"{n:>2}. [PASS]" in out
    zh = ("--min-modulus-bits", "1024", "--workers", "1", "--lang", "zh")
    code, out, _ = run(capsys, "verify", str(tmp_path / "r"), *zh)
    assert code == 0 and " 6. [通过] 选票证明（资格与有效性）" in out and "请与公告栏上公布的指纹核对" in out
    code, out, _ = run(capsys, "verify", str(tmp_path / "r"), "--workers", "1")  # the default refuses a 1024-bit key
    assert code == 1 and "below the minimum" in out


@pytest.mark.slow
def test_anonymous_election_by_hand(server_address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Blind issuance across the voter's device and the registrar, then an anonymous vote and a verified record."""
    srv = ["--server", server_address]
    e = ["--election", "anon-by-hand"]
    keys = {}
    for name, role in [("admin", "admin"), ("registrar", "registrar"), ("t1", "trustee"), ("t2", "trustee")]:
        keys[name] = run(capsys, "keygen", "--out", str(tmp_path / f"{name}.json"), "--role", role)[1].strip()
    code, out, err = run(capsys, "registrar", "bbs-keygen", "--out", str(tmp_path / "bbs.json"))
    assert code == 0, err
    bbs_pk = out.strip()
    code, _, err = run(
        capsys,
        "admin",
        "create",
        *srv,
        *e,
        "--key",
        str(tmp_path / "admin.json"),
        "--title",
        "T",
        "--question",
        "Q?",
        "--threshold",
        "2",
        "--registrar-key",
        keys["registrar"],
        "--modulus-bits",
        "2048",
        "--trustee-key",
        keys["t1"],
        "--trustee-key",
        keys["t2"],
        "--eligibility",
        "anonymous",
        "--credential-key",
        bbs_pk,
    )
    assert code == 0, err
    assert (
        run(
            capsys,
            "admin",
            "ceremony",
            *srv,
            *e,
            "--key",
            str(tmp_path / "admin.json"),
            "--out",
            str(tmp_path / "shares"),
        )[0]
        == 0
    )
    roll = tmp_path / "roll.csv"
    roll.write_text("unit\nA-1\nA-2\n")
    assert run(capsys, "admin", "roll", *srv, *e, "--key", str(tmp_path / "admin.json"), "--csv", str(roll))[0] == 0
    for unit in ("A-1", "A-2"):
        code, _, err = run(
            capsys,
            "voter",
            "request-credential",
            *srv,
            *e,
            "--out",
            str(tmp_path / f"{unit}.req.json"),
            "--state",
            str(tmp_path / f"{unit}.state.json"),
        )
        assert code == 0, err
        code, _, err = run(
            capsys,
            "registrar",
            "issue-anonymous",
            *srv,
            *e,
            "--key",
            str(tmp_path / "registrar.json"),
            "--bbs-key",
            str(tmp_path / "bbs.json"),
            "--roll-id",
            unit,
            "--request",
            str(tmp_path / f"{unit}.req.json"),
            "--out",
            str(tmp_path / f"{unit}.resp.json"),
        )
        assert code == 0, err
        code, _, err = run(
            capsys,
            "voter",
            "finish-credential",
            *srv,
            "--state",
            str(tmp_path / f"{unit}.state.json"),
            "--response",
            str(tmp_path / f"{unit}.resp.json"),
            "--out",
            str(tmp_path / f"{unit}.cred.json"),
        )
        assert code == 0, err
    code, _, err = run(
        capsys,
        "registrar",
        "issue-anonymous",
        *srv,
        *e,
        "--key",
        str(tmp_path / "registrar.json"),
        "--bbs-key",
        str(tmp_path / "bbs.json"),
        "--roll-id",
        "A-1",
        "--request",
        str(tmp_path / "A-1.req.json"),
        "--out",
        str(tmp_path / "again.json"),
    )
    # A second issuance for one roll entry: the registrar's client refuses it before signing, and says what to do
    # (the server's own refusal, ALREADY_EXISTS, is tests/server/test_grpc_corrections.py's).
    assert code == 2 and "already has a credential" in err and "registrar revoke" in err
    assert run(capsys, "admin", "open", *srv, *e, "--key", str(tmp_path / "admin.json"))[0] == 0
    for unit, choice in (("A-1", "yes"), ("A-2", "abstain")):
        code, _, err = run(
            capsys,
            "voter",
            "vote",
            *srv,
            *e,
            "--credential",
            str(tmp_path / f"{unit}.cred.json"),
            "--choice",
            choice,
            "--receipt",
            str(tmp_path / f"{unit}.receipt.json"),
        )
        assert code == 0, err
    assert run(capsys, "admin", "close", *srv, *e, "--key", str(tmp_path / "admin.json"))[0] == 0
    for t in (1, 2):
        code, _, err = run(
            capsys,
            "trustee",
            "decrypt",
            *srv,
            *e,
            "--key",
            str(tmp_path / f"t{t}.json"),
            "--share",
            str(tmp_path / "shares" / f"anon-by-hand.trustee-{t}.share.json"),
        )
        assert code == 0, err
    assert run(capsys, "admin", "publish", *srv, *e, "--out", str(tmp_path / "record"))[0] == 0
    code, out, _ = run(capsys, "verify", str(tmp_path / "record"), "--json", "--workers", "1")
    report = json.loads(out)
    assert code == 0 and report["passed"] and report["totals"] == [1, 0, 1]
    entries = (tmp_path / "record" / "entries.jsonl").read_text()
    assert "A-1" in entries and entries.count('"pseudonym"') == 2
    for line in entries.splitlines():  # no entry holds both a roll id and a pseudonym
        assert not ('"roll_id"' in line and '"pseudonym"' in line)


def test_unexpected_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import client.cli as cli

    def boom(args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "cmd_keygen", boom)
    code, _, err = run(capsys, "keygen", "--out", str(tmp_path / "k.json"))
    assert code == 1 and err.strip() == "error: unexpected RuntimeError: disk on fire (please report this)"


def test_report_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    from client.record import write_record
    from tests.factories import make_election, make_record

    e = make_election(safe_primes_1024, voters=3)
    e.vote(0, 0)
    e.vote(1, 1)
    e.close()
    e.decrypt([1, 2, 3])
    write_record(tmp_path / "r", make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t")))
    args = ["report", str(tmp_path / "r"), "--min-modulus-bits", "1024", "--workers", "1"]
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "zh.html"), "--json", str(tmp_path / "r.json"))
    assert code == 0, err
    page = (tmp_path / "zh.html").read_text()
    assert 'lang="zh-CN"' in page and "<svg" in page
    assert json.loads((tmp_path / "r.json").read_text())["verification"]["passed"] is True
    code, _, _ = run(capsys, *args, "--out", str(tmp_path / "en.html"), "--lang", "en")
    assert code == 0 and 'lang="en"' in (tmp_path / "en.html").read_text()
    lines = (tmp_path / "r" / "entries.jsonl").read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b"Test referendum", b"Test referendun")
    (tmp_path / "r" / "entries.jsonl").write_bytes(b"\n".join(lines))
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "bad.html"))
    assert code == 1 and "does NOT verify" in err


def test_serve_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    """`linli serve` in its own process: prints its port and log key, answers over gRPC, exits 0 on SIGTERM."""
    import signal
    import subprocess
    import sys

    import grpc

    from client.api import LinliClient

    cmd = [
        sys.executable,
        "-m",
        "client.cli",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        f"sqlite:///{tmp_path / 's.db'}",
        "--key",
        str(tmp_path / "server.key.json"),
        "--min-modulus-bits",
        "2048",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("linli serving on port"), line + (proc.stderr.read() if proc.stderr else "")
        port = int(line.split()[4].rstrip(";"))
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = LinliClient(channel, timeout=10).server_info()
            assert info.verifier_key in line and info.log_origin_prefix.startswith("linli.local/elections")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_roll_role_and_group_columns_are_used(
    server_address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``group`` selects an eligibility subset; an assembly roll lists owners only (``role``)."""
    srv = ["--server", server_address]
    keys = {}
    for name, role in [("admin", "admin"), ("registrar", "registrar"), ("t1", "trustee")]:
        keys[name] = run(capsys, "keygen", "--out", str(tmp_path / f"{name}.json"), "--role", role)[1].strip()
    admin = ["--key", str(tmp_path / "admin.json")]
    for election, kind in (("roll-groups", "referendum"), ("roll-owners", "assembly")):
        code, _, err = run(
            capsys, "admin", "create", *srv, "--election", election, *admin, "--title", "T", "--question", "Q?",
            "--threshold", "1", "--registrar-key", keys["registrar"], "--modulus-bits", "2048",
            "--trustee-key", keys["t1"], "--kind", kind,
        )  # fmt: skip
        assert code == 0, err
    csv = tmp_path / "roll.csv"
    csv.write_text("unit,role,area,group\n1-101,owner,80,east\n1-102,resident,,west\n1-103,owner,90.5,east\n")
    e = ["--election", "roll-groups"]
    code, _, err = run(capsys, "admin", "roll", *srv, *e, *admin, "--csv", str(csv), "--group", "nowhere")
    assert code == 2 and "no row of group" in err
    assert run(capsys, "admin", "roll", *srv, *e, *admin, "--csv", str(csv), "--group", "west")[0] == 0
    assert "roll 1;" in run(capsys, "status", *srv, *e)[1]
    e = ["--election", "roll-owners"]
    code, _, err = run(capsys, "admin", "roll", *srv, *e, *admin, "--csv", str(csv))
    assert code == 2 and "owners only" in err and "1-102" in err
    assert run(capsys, "admin", "roll", *srv, *e, *admin, "--csv", str(csv), "--group", "east")[0] == 0
    assert "roll 2;" in run(capsys, "status", *srv, *e)[1]


def test_serve_check_log_refuses_a_log_with_an_edited_inner_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ADR 0019: node (1, 0) is not on the frontier of 4 entries, so only ``--check-log`` looks at it at start."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from client.keystore import save_signing_key
    from crypto.ed25519 import SigningKey
    from server.ledger import Ledger
    from server.storage import NodeRow, make_engine

    key = SigningKey.generate()
    save_signing_key(tmp_path / "server.key.json", key, "server")
    url = f"sqlite:///{tmp_path / 's.db'}"
    ledger = Ledger(make_engine(url), NoteSigner.from_private_bytes("linli", key.secret), "linli.local/elections")
    for i in range(4):
        ledger.append("e1", "x", f"entry {i}".encode(), extends=i)
    with Session(ledger.engine) as s, s.begin():
        s.execute(update(NodeRow).where(NodeRow.level == 1, NodeRow.idx == 0).values(hash=b"\x00" * 32))
    ledger.close()
    args = ("serve", "--listen", "127.0.0.1:0", "--db", url, "--key", str(tmp_path / "server.key.json"))
    code, _, err = run(capsys, *args, "--check-log")
    assert code == 1 and "stored tree node (1, 0) of e1 does not match its entries" in err
