"""The registrar's and the administrator's corrections by hand through the ``linli`` CLI, on SQLite and PostgreSQL:
the README's anonymous assembly tour (``issue-anonymous`` without ``--area``), ``admin roll-correct``, ``voter
present-credential`` and ``registrar revoke``; one-line errors and exit codes (docs/protocol.md §P2.4, §P5.3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from client.api import LinliClient
from client.keystore import load_typed, save_json, save_share, save_signing_key
from crypto import bbs
from tests.client.cli_support import run as run_cli
from tests.client.cli_support import serving
from tests.factories import MODULUS_BITS, make_election
from voting.election import ElectionKind, EligibilityMode


@pytest.fixture
def server_address(db_url: str) -> Iterator[str]:
    with serving(db_url, MODULUS_BITS) as address:
        yield address


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, *argv)
    assert "Traceback" not in err
    return code, out, err


def test_anonymous_assembly_tour_with_corrections(
    server_address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], safe_primes_1024: tuple[int, int]
) -> None:
    # The election's definition and key through the domain layer (1024-bit test key), not yet open; the rest by hand.
    e = make_election(
        safe_primes_1024,
        voters=2,
        kind=ElectionKind.ASSEMBLY,
        eligibility=EligibilityMode.ANONYMOUS,
        areas=[8537, 9000],
        open_=False,
        election_id="gate-2026",
    )
    with grpc.insecure_channel(server_address) as channel:
        client = LinliClient(channel, min_modulus_bits=MODULUS_BITS)
        for entry in e.entries:
            client.submit(entry)
    assert e.bbs_sk is not None
    save_signing_key(tmp_path / "admin.json", e.admin, "admin")
    save_signing_key(tmp_path / "registrar.json", e.registrar, "registrar")
    save_json(
        tmp_path / "bbs.json",
        {"public_key": bbs.sk_to_pk(e.bbs_sk).hex(), "secret": e.bbs_sk.hex(), "type": "linli-bbs-key"},
    )
    for t in range(3):
        save_signing_key(tmp_path / f"t{t + 1}.json", e.trustees[t], "trustee")
        save_share(tmp_path / f"t{t + 1}.share.json", e.election_id, e.shares[t])
    srv = ["--server", server_address, "--min-modulus-bits", str(MODULUS_BITS)]
    el = ["--election", "gate-2026"]
    admin = ["--key", str(tmp_path / "admin.json")]
    reg = ["--key", str(tmp_path / "registrar.json")]
    p = lambda name: str(tmp_path / name)  # noqa: E731

    # The roll, with an area typo (10.05 for 100.50) and an entry that should not be there.
    roll = tmp_path / "roll.csv"
    roll.write_text("单元,角色,面积\n3-2-501,业主,10.05\n3-2-502,业主,80.00\n3-2-503,业主,70.00\n", encoding="utf-8")
    assert run(capsys, "admin", "roll", *srv, *el, *admin, "--csv", str(roll))[0] == 0
    code, out, err = run(capsys, "admin", "roll-correct", *srv, *el, *admin, "--roll-id", "3-2-501", "--area", "100.50")
    assert code == 0, err
    assert "replaced by 3-2-501 (area 100.50)" in out
    assert run(capsys, "admin", "roll-correct", *srv, *el, *admin, "--roll-id", "3-2-503", "--remove")[0] == 0
    code, _, err = run(capsys, "admin", "roll-correct", *srv, *el, *admin, "--roll-id", "3-2-503", "--remove")
    assert code == 2 and "not on the roll" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "admin", "roll-correct", *srv, *el, *admin, "--roll-id", "3-2-502")
    assert code == 2 and "--remove" in err

    def request(name: str) -> None:
        code, _, err = run(
            capsys, "voter", "request-credential", *srv, *el, "--out", p(f"{name}.req"), "--state", p(f"{name}.st")
        )
        assert code == 0, err

    def issue(unit: str, name: str, *extra: str) -> tuple[int, str]:
        code, _, err = run(
            capsys,
            "registrar",
            "issue-anonymous",
            *srv,
            *el,
            *reg,
            "--bbs-key",
            p("bbs.json"),
            "--roll-id",
            unit,
            "--request",
            p(f"{name}.req"),
            "--out",
            p(f"{name}.resp"),
            *extra,
        )
        return code, err

    def finish(name: str) -> None:
        code, _, err = run(
            capsys,
            "voter",
            "finish-credential",
            *srv,
            "--state",
            p(f"{name}.st"),
            "--response",
            p(f"{name}.resp"),
            "--out",
            p(f"{name}.cred"),
        )
        assert code == 0, err

    # The README's command, without --area: the credential signs the roll's area.
    request("owner")
    code, err = issue("3-2-501", "owner")
    assert code == 0, err
    finish("owner")
    assert load_typed(Path(p("owner.cred")), "linli-anonymous-credential")["weight"] == 10050
    # A typed area must be the roll's; a roll id must be on the roll; one live issuance per entry.
    request("other")
    code, err = issue("3-2-502", "other", "--area", "99")
    assert code == 2 and "80.00 m², not 99.00 m²" in err
    code, err = issue("3-2-503", "other")
    assert code == 2 and "not on the roll" in err
    code, err = issue("3-2-501", "other")
    assert code == 2 and "already has a credential" in err and "registrar revoke" in err
    code, _, err = run(
        capsys, "registrar", "issue", *srv, *el, *reg, "--roll-id", "3-2-502", "--credential", e.admin.public_key.hex()
    )
    assert code == 2 and "uses anonymous credentials" in err
    # An entry with a live credential is corrected only after a revocation.
    code, _, err = run(capsys, "admin", "roll-correct", *srv, *el, *admin, "--roll-id", "3-2-501", "--area", "100")
    assert code == 2 and "revokes it first" in err
    # Revoke and re-issue: the holder presents the credential, the registrar revokes it, a new one is issued.
    code, _, err = run(capsys, "registrar", "revoke", *srv, *el, *reg, "--roll-id", "3-2-501")
    assert code == 2 and "presentation" in err
    code, out, err = run(
        capsys, "voter", "present-credential", *srv, *el, "--credential", p("owner.cred"), "--roll-id", "3-2-501",
        "--out", p("owner.pres"),
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        capsys, "registrar", "revoke", *srv, *el, *reg, "--roll-id", "3-2-501", "--presentation", p("owner.pres")
    )
    assert code == 0 and "revoked" in out, err
    code, _, err = run(
        capsys, "registrar", "revoke", *srv, *el, *reg, "--roll-id", "3-2-501", "--presentation", p("owner.pres")
    )
    assert code == 2 and "no live credential" in err
    request("owner2")
    code, err = issue("3-2-501", "owner2")
    assert code == 0, err
    finish("owner2")
    request("b")
    assert issue("3-2-502", "b")[0] == 0
    finish("b")
    assert run(capsys, "admin", "open", *srv, *el, *admin)[0] == 0
    # Once open: no revocation, no roll correction.
    code, _, err = run(capsys, "registrar", "revoke", *srv, *el, *reg, "--roll-id", "3-2-502")
    assert code == 2 and "only before it opens" in err
    code, _, err = run(
        capsys, "voter", "present-credential", *srv, "--credential", p("b.cred"), "--roll-id", "3-2-502",
        "--out", p("b.pres"),
    )  # fmt: skip
    assert code == 2 and "too late to revoke" in err
    code, _, err = run(capsys, "admin", "roll-correct", *srv, *el, *admin, "--roll-id", "3-2-502", "--remove")
    assert code == 2 and "only before it opens" in err

    def vote(name: str, choice: str) -> tuple[int, str]:
        code, _, err = run(
            capsys,
            "voter",
            "vote",
            *srv,
            *el,
            "--credential",
            p(f"{name}.cred"),
            "--choice",
            choice,
            "--receipt",
            p(f"{name}.receipt"),
        )
        return code, err

    code, err = vote("owner", "yes")  # the revoked credential
    assert code == 1 and "revoked" in err
    code, err = vote("owner2", "yes")
    assert code == 0, err
    assert vote("b", "no")[0] == 0
    assert run(capsys, "admin", "close", *srv, *el, *admin)[0] == 0
    for t in (1, 2, 3):
        code, _, err = run(
            capsys,
            "trustee",
            "decrypt",
            *srv,
            *el,
            "--key",
            p(f"t{t}.json"),
            "--share",
            p(f"t{t}.share.json"),
        )
        assert code == 0, err
    assert run(capsys, "admin", "publish", *srv, *el, "--out", p("record"))[0] == 0
    code, out, err = run(capsys, "verify", p("record"), "--json", "--workers", "1", "--min-modulus-bits", "1024")
    report = json.loads(out)
    assert code == 0 and report["passed"], err
    assert report["totals"][:3] == [1, 1, 0] and report["totals"][3:] == [10050, 8000, 0]
    entries = (tmp_path / "record" / "entries.jsonl").read_text()
    assert entries.count('"kind":"credential.revoked"') == 1 and entries.count('"kind":"roll.corrected"') == 2
