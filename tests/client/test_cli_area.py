"""§P9.5 at the command line: ``linli admin create --accept-area-disclosure`` and the roll check of an anonymous
assembly (issue 13 item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.client.test_cli import run, server_address  # noqa: F401 - the fixture


def _create(capsys: pytest.CaptureFixture[str], tmp_path: Path, srv: list[str], election: str, *extra: str) -> str:
    keys = {}
    for name, role in [("admin", "admin"), ("registrar", "registrar"), ("t1", "trustee")]:
        keys[name] = run(capsys, "keygen", "--out", str(tmp_path / f"{name}.json"), "--role", role, "--force")[
            1
        ].strip()
    bbs = run(capsys, "registrar", "bbs-keygen", "--out", str(tmp_path / "bbs.json"))[1].strip().split()[-1]
    code, out, err = run(
        capsys, "admin", "create", *srv, "--election", election, "--key", str(tmp_path / "admin.json"),
        "--title", "T", "--question", "Q?", "--threshold", "1", "--registrar-key", keys["registrar"],
        "--modulus-bits", "2048", "--trustee-key", keys["t1"], "--kind", "assembly",
        "--eligibility", "anonymous", "--credential-key", bbs, *extra,
    )  # fmt: skip
    assert code == 0, err
    assert out.strip().count("-") == 3  # stdout: the fingerprint alone (FP=$(linli admin create ...))
    return err  # the notices go to stderr


def test_anonymous_assembly_roll_with_a_unique_area_is_refused(
    server_address: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    srv = ["--server", server_address]
    out = _create(capsys, tmp_path, srv, "area-refused")
    assert "publish the roll next" in out and "--accept-area-disclosure" in out
    csv = tmp_path / "roll.csv"
    csv.write_text("unit,role,area\n1-101,owner,80\n1-102,owner,80\n1-103,owner,95.5\n")
    admin = ["--election", "area-refused", "--key", str(tmp_path / "admin.json")]
    code, _, err = run(capsys, "admin", "roll", *srv, *admin, "--csv", str(csv))
    assert code == 2 and "1 of the 3 owners" in err and "--accept-area-disclosure" in err
    assert "roll 0;" in run(capsys, "status", *srv, "--election", "area-refused")[1]  # nothing was published
    shared = tmp_path / "shared.csv"
    shared.write_text("unit,role,area\n1-101,owner,80\n1-102,owner,80\n")
    assert run(capsys, "admin", "roll", *srv, *admin, "--csv", str(shared))[0] == 0


def test_accepted_area_disclosure_is_in_the_signed_definition(
    server_address: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    srv = ["--server", server_address]
    out = _create(capsys, tmp_path, srv, "area-accepted", "--accept-area-disclosure")
    assert "area disclosure ACCEPTED" in out
    csv = tmp_path / "roll.csv"
    csv.write_text("unit,role,area\n1-101,owner,80\n1-102,owner,95.5\n")
    admin = ["--election", "area-accepted", "--key", str(tmp_path / "admin.json")]
    assert run(capsys, "admin", "roll", *srv, *admin, "--csv", str(csv))[0] == 0
    assert run(capsys, "export", *srv, "--election", "area-accepted", "--out", str(tmp_path / "rec"))[0] == 0
    created = json.loads((tmp_path / "rec" / "entries.jsonl").read_text().splitlines()[0])
    assert created["kind"] == "election.created" and created["body"]["election"]["accept_area_disclosure"] is True
