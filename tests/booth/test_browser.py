"""The phone booth in a real browser (issue 10 item 4): headless Chromium emulating a phone (390×844, touch, CPU
throttled 4×) against a real ``linli serve``, elections set up with the Python client. Every screen is checked for
the catalogue strings it must show in Chinese and in English (booth/e2e/booth.mjs), and screenshotted in both under
``$LINLI_BOOTH_SHOTS`` or ``$TMPDIR/linli-booth-screens/<test>/``. Each vote ends with ``linli verify`` on the
exported record.

Scenarios: a full vote in each kind (referendum, committee, assembly) and both eligibility modes, an audited ballot,
a re-vote (from a second phone, the credential restored from its PIN-encrypted backup) with the receipts checked
against a newer checkpoint (the first one "superseded"), a server that disappears mid-cast (the retry never yields
two ballots), and tampered election contexts (refused)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.booth.browser_support import (
    PIN,
    REPO,
    BoothElection,
    LinliServer,
    requires_browser,
    run_driver,
    running_server,
    screenshots_dir,
    set_up,
)
from voting.election import EligibilityMode

pytestmark = requires_browser

SIGNING, ANONYMOUS = EligibilityMode.SIGNING, EligibilityMode.ANONYMOUS


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with running_server(tmp_path) as s:
        yield s


def scenario(election: BoothElection, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "vote",
        "base": election.server.base,
        "link": election.booth_link(),
        "election": election.scenario_election(),
        "screenshots": str(screenshots_dir(name)),
        "throttle": 4,
        "pin": PIN,
        **extra,
    }


def registrar(election: BoothElection) -> dict[str, Any]:
    return {"relay": lambda event: (election.issue_by_code(event["code"], event["check"]), None)[1]}


def tree_size(election: BoothElection) -> Any:
    return lambda _event: {"size": election.tree_size()}


def check_screens(result: dict[str, Any], expected: set[str]) -> None:
    """Each expected screen was checked (for its strings) and screenshotted in both languages."""
    by_lang: dict[str, set[str]] = {"zh": set(), "en": set()}
    for shot in result["screens"]:
        assert Path(shot["file"]).stat().st_size > 1000
        assert shot["checked"], shot
        by_lang[shot["lang"]].add(shot["screen"])
    for lang, screens in by_lang.items():
        assert expected <= screens, f"{lang}: not shown or not checked: {expected - screens}"
    assert not result.get("consoleErrors"), result.get("consoleErrors")


def totals_of(report: dict[str, Any]) -> list[int]:
    return list(report["totals"])


def verify_audit(election: BoothElection, tmp_path: Path, audit_text: str) -> None:
    """``linli verify-audit``, as the audit screen tells the voter: anyone can check a spoiled ballot's opening."""
    path = tmp_path / "audit.json"
    path.write_text(audit_text)
    server = ["--server", election.server.address, "--min-modulus-bits", str(election.server.min_modulus_bits)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "client.cli",
            "verify-audit",
            *server,
            "--election",
            election.election_id,
            "--opening",
            str(path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


VOTE_SCREENS = {"election", "credential", "relay", "issued", "ballot", "review", "sealed", "receipt"}


@pytest.mark.parametrize(
    ("kind", "mode", "choice", "totals"),
    [
        ("referendum", SIGNING, 0, [1, 0, 0]),
        ("referendum", ANONYMOUS, 1, [0, 1, 0]),
        ("committee", SIGNING, [1, 4, 7], [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]),
        ("committee", ANONYMOUS, [], [0] * 10),
        ("assembly", SIGNING, 2, [0, 0, 1, 0, 0, 8537]),
        ("assembly", ANONYMOUS, 0, [1, 0, 0, 8537, 0, 0]),
    ],
    ids=[f"{k}-{m}" for k in ("referendum", "committee", "assembly") for m in ("signing", "anonymous")],
)
def test_full_vote(
    server: LinliServer, tmp_path: Path, kind: str, mode: EligibilityMode, choice: Any, totals: list[int]
) -> None:
    """From the link to a counted ballot: verify, credential on the phone (relay code, the registrar issues),
    backup, mark, review, encrypt, cast, receipt, check — then close, decrypt, export and ``linli verify``."""
    election = set_up(server, f"booth-{kind[:4]}-{mode.value[:4]}", kind, mode)
    result = run_driver(
        scenario(election, f"vote-{kind}-{mode.value}", choice=choice, backup=True, check=True),
        {**registrar(election), "tree-size": tree_size(election)},
    )
    check_screens(result, VOTE_SCREENS | {"backup", "checks"})
    assert len(election.ballot_entries()) == 1
    report = election.finish(tmp_path / "record")
    assert report["passed"] and totals_of(report) == totals


@pytest.mark.slow
def test_full_size_committee_vote(tmp_path: Path) -> None:
    """The same vote at the real size: a 3072-bit key (`linli serve` at its default minimum, the booth's link with
    no test-key allowance), a committee of 10 candidates for 3 seats, anonymous credentials, throttled 4×."""
    with running_server(tmp_path, 3072) as server:
        election = set_up(server, "booth-full-size", "committee", ANONYMOUS)
        result = run_driver(
            scenario(election, "full-size", choice=[2, 5, 9], bothLanguages=False, timeoutMs=600_000),
            registrar(election),
            timeout=1800,
        )
        assert not result.get("consoleErrors")
        assert len(election.ballot_entries()) == 1
        report = election.finish(tmp_path / "record")
        assert report["passed"] and totals_of(report) == [0, 0, 1, 0, 0, 1, 0, 0, 0, 1]


def test_audit_then_cast(server: LinliServer, tmp_path: Path) -> None:
    """Benaloh: the booth reveals the first ballot's opening and checks it, the ballot is spoiled (never cast), a
    fresh one is encrypted and cast; the opening verifies with ``linli verify-audit``; only the fresh one is logged."""
    election = set_up(server, "booth-audit", "committee", SIGNING)
    result = run_driver(
        scenario(election, "audit", choice=[0, 2], audit=True),
        registrar(election),
    )
    check_screens(result, VOTE_SCREENS | {"audit"})
    (vote,) = result["votes"]
    (audit,) = vote["audits"]
    assert audit["code"] != vote["code"]
    verify_audit(election, tmp_path, audit["text"])
    ballots = election.ballot_entries()
    assert len(ballots) == 1
    spoiled = json.loads(audit["text"])
    assert json.dumps(spoiled.get("ballot")) not in ballots[0].decode()
    report = election.finish(tmp_path / "record")
    assert report["passed"] and totals_of(report) == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_revote_from_restored_backup(server: LinliServer, tmp_path: Path) -> None:
    """A second phone restores the credential from its PIN-encrypted backup (a wrong PIN is refused first) and votes
    again: the review and the receipt say plainly that it replaces the earlier ballot; checked against the newer
    checkpoint, the first phone's receipt says "superseded by entry N", the second's that it counts."""
    election = set_up(server, "booth-revote", "referendum", ANONYMOUS)
    result = run_driver(
        scenario(election, "revote", choice=0, backup=True, revote=1),
        {**registrar(election), "tree-size": tree_size(election), "voted": lambda _e: None},
    )
    check_screens(result, VOTE_SCREENS | {"backup", "restore", "checks"})
    first, second = result["votes"]
    assert second["receipt"]["leaf_index"] > first["receipt"]["leaf_index"]
    assert len(election.ballot_entries()) == 2
    report = election.finish(tmp_path / "record")
    assert report["passed"] and totals_of(report) == [0, 1, 0]  # the last ballot counts


def test_cast_after_closing_is_refused_plainly(server: LinliServer) -> None:
    """The administrator closes the election while the voter holds an encrypted ballot: the server refuses it
    (FAILED_PRECONDITION), the booth says why in the reader's language, keeps nothing to resend, and the election
    page then shows it closed; nothing was logged."""
    election = set_up(server, "booth-closed", "referendum", SIGNING)

    def close(_event: dict[str, Any]) -> None:
        from client import actions

        actions.close_election(server.client(), election.admin, election.election_id)

    result = run_driver(scenario(election, "closed", choice=2, closed=True), {**registrar(election), "sealed": close})
    assert result["votes"][0]["refused"]
    assert election.ballot_entries() == []


def test_revote_refused_when_the_election_refuses(server: LinliServer) -> None:
    """An election that refuses re-votes: the second phone's review says plainly that the earlier ballot counts, and
    offers no way to encrypt another; one ballot stays in the log."""
    election = set_up(server, "booth-no-revote", "referendum", ANONYMOUS, revote="refuse")
    result = run_driver(
        scenario(election, "revote-refused", choice=0, backup=True, revote=1, revotePolicy="refuse"),
        registrar(election),
    )
    assert result["votes"][1] == {"refusedRevote": True}
    assert len(election.ballot_entries()) == 1


def test_server_disappears_mid_cast(server: LinliServer, tmp_path: Path) -> None:
    """The server appends the ballot, then vanishes before its reply reaches the phone; the phone resends the same
    bytes until the server is back and gets the first attempt's receipt (§P11.4): one ballot in the log."""
    election = set_up(server, "booth-gone", "referendum", SIGNING)

    def landed(_event: dict[str, Any]) -> None:
        assert len(election.ballot_entries()) == 1  # the first attempt reached the log
        server.stop()

    result = run_driver(
        scenario(election, "disappear", choice=0, disappear=True, bothLanguages=True),
        {**registrar(election), "cast-landed": landed, "restart": lambda _e: (server.start(), None)[1]},
    )
    (vote,) = result["votes"]
    sent = vote["sent"]
    assert len(sent) >= 2 and len(set(sent)) == 1, "every retry resends the very same ballot bytes"
    ballots = election.ballot_entries()
    assert len(ballots) == 1, "a retry never yields a second ballot"
    assert vote["receipt"]["leaf_hash"] == _leaf_hash(ballots[0])
    assert server.starts == 2
    report = election.finish(tmp_path / "record")
    assert report["passed"] and totals_of(report) == [1, 0, 0]


def _leaf_hash(entry: bytes) -> str:
    from crypto import merkle

    return merkle.leaf_hash(entry).hex()


REASONS = {  # what the refusal screen says: the kind of failure in the reader's language, then the verifier's words
    "fingerprint": ("ElectionMismatch", "not the expected AAAAA-BBBBB-CCCCC-DDDDD"),
    "definition": ("ElectionInvalid", "does not verify at entry 0"),
    "key": ("ElectionInvalid", "does not verify at entry 1"),
    "checkpoint": ("ReceiptInvalid", "checkpoint does not verify"),
}


@pytest.mark.parametrize("tamper", ["fingerprint", "definition", "key", "checkpoint"])
def test_tampered_election_is_refused(server: LinliServer, tamper: str) -> None:
    """The booth refuses an election that does not verify, and offers nothing else: a link whose fingerprint is
    another election's, or a server answer with the definition's title, the key's modulus or the checkpoint's
    signature altered (the phone's network is intercepted; the server's own log is untouched)."""
    election = set_up(server, f"booth-bad-{tamper}", "referendum", SIGNING)
    link = election.booth_link()
    if tamper == "fingerprint":
        link = link.replace(election.fingerprint, "AAAAA-BBBBB-CCCCC-DDDDD")
    run_driver(
        {
            "kind": "refused",
            "base": server.base,
            "link": link,
            "tamper": None if tamper == "fingerprint" else tamper,
            "why": REASONS[tamper][0],
            "reasonIncludes": [REASONS[tamper][1]],
            "election": election.scenario_election(),
            "screenshots": str(screenshots_dir(f"refused-{tamper}")),
            "throttle": 4,
        },
        {},
    )


def test_booth_opens_offline_from_its_shell(server: LinliServer) -> None:
    """Typed by hand (no link): the id and the fingerprint as a person types them, a wrong fingerprint caught before
    anything is fetched, and a 1024-bit test key refused without the link's allowance. Installed as an app: once
    opened, the booth's shell comes from its service worker without a network (the
    election then cannot be verified: it says so and offers to try again, which works once the network is back);
    the cache holds the shell's files only, never an API answer."""
    election = set_up(server, "booth-offline", "referendum", SIGNING)
    result = run_driver({**scenario(election, "offline"), "kind": "offline"}, {})
    cached = result["cached"]
    assert "/booth/app.js" in cached and "/booth/worker.js" in cached and "/booth/index.html" in cached
    assert all(p.startswith("/booth/") for p in cached), cached
    assert not any("linli.v1" in p for p in cached)
    assert result["manifest"]["display"] == "standalone"


def test_booth_files_are_served_and_installable(server: LinliServer) -> None:
    """The booth ships built in the package and `linli serve` serves it: the page, the manifest (name, icons,
    standalone), the service worker, whose shell lists exactly the built files and no API path."""
    import urllib.request

    def get(path: str) -> bytes:
        with urllib.request.urlopen(server.base + path, timeout=10) as r:
            return bytes(r.read())

    assert b'<script type="module" src="app.js">' in get("/booth/")
    manifest = json.loads(get("/booth/manifest.webmanifest"))
    assert manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
    sizes = {i["sizes"] for i in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert get("/booth/" + icon["src"])
    sw = get("/booth/sw.js").decode()
    shell = json.loads(sw.split("const SHELL = ", 1)[1].split(";", 1)[0])
    out = REPO / "server" / "booth"
    built = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert sorted([*shell, "sw.js"]) == built
    assert not any("linli.v1" in p for p in shell)
    assert 'request.method !== "GET"' in sw
