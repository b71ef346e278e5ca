"""``linli trustee ceremony`` and ``linli admin publish-key`` (docs/protocol.md §P15.9): three trustees run the
dealer-free ceremony through a real server, the administrator publishes the key; exit codes on bad input; a trustee
that drops out or aborts is named in one line with the restart, nothing is saved, and the next attempt works."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import grpc
import pytest

from benchmarks.ceremony import LinliServe
from client import cli
from client.api import CHANNEL_OPTIONS, LinliClient
from client.cli import ceremony_batches, ceremony_round_label, main, waiting_words
from client.errors import CeremonyFailed, ServerRejected
from client.key_ceremony import CeremonyConfig, run_ceremony
from client.keystore import load_share, load_signing_key
from crypto.ed25519 import SigningKey
from tests.client.cli_support import run, serving

ELECTION = "dkg-by-hand"


def _create(capsys: pytest.CaptureFixture[str], srv: list[str], tmp_path: Path) -> dict[str, str]:
    keys = {}
    for name, role in [("admin", "admin"), ("registrar", "registrar"), *[(f"t{i}", "trustee") for i in (1, 2, 3)]]:
        code, out, _ = run(capsys, "keygen", "--out", str(tmp_path / f"{name}.json"), "--role", role)
        assert code == 0
        keys[name] = out.strip()
    code, _, err = run(
        capsys,
        "admin",
        "create",
        *srv,
        "--election",
        ELECTION,
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
        "1024",
        *[a for i in (1, 2, 3) for a in ("--trustee-key", keys[f"t{i}"])],
    )
    assert code == 0, err
    return keys


def test_ceremony_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serving(f"sqlite:///{tmp_path / 'cli.db'}", 1024) as address:
        srv = ["--server", address, "--min-modulus-bits", "1024"]
        _create(capsys, srv, tmp_path)
        e = ["--election", ELECTION]
        # bad input first: not a trustee's key, an attempt out of range
        code, _, err = run(capsys, "trustee", "ceremony", *srv, *e, "--key", str(tmp_path / "admin.json"), "--out", "x")
        assert code == 2 and "is not the key of a trustee" in err
        code, _, err = run(
            capsys, "trustee", "ceremony", *srv, *e, "--key", str(tmp_path / "t1.json"), "--out", "x", "--attempt", "0"
        )
        assert code == 2 and "--attempt" in err
        codes: dict[int, int] = {}

        def trustee(i: int) -> None:
            codes[i] = main(
                [
                    "trustee",
                    "ceremony",
                    *srv,
                    *e,
                    "--key",
                    str(tmp_path / f"t{i}.json"),
                    "--out",
                    str(tmp_path / f"t{i}.share.json"),
                    "--public-out",
                    str(tmp_path / f"t{i}.key.json"),
                    "--round-timeout",
                    "60",
                ]
            )

        threads = [threading.Thread(target=trustee, args=(i,)) for i in (1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        capsys.readouterr()
        assert codes == {1: 0, 2: 0, 3: 0}
        published = {(tmp_path / f"t{i}.key.json").read_text() for i in (1, 2, 3)}
        assert len(published) == 1  # every trustee holds the same public key
        for i in (1, 2, 3):
            election_id, share = load_share(tmp_path / f"t{i}.share.json")
            assert election_id == ELECTION and share.index == i

        admin = ["--key", str(tmp_path / "admin.json")]
        garbage = tmp_path / "garbage.json"
        garbage.write_text("{not json")
        code, _, err = run(capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(garbage))
        assert code == 2 and "not JSON" in err
        altered = json.loads((tmp_path / "t1.key.json").read_text())
        altered["test_decryption"] = altered["test_decryption"][:1]
        (tmp_path / "altered.json").write_text(json.dumps(altered))
        code, _, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "altered.json")
        )
        assert code == 2 and "test_decryption" in err
        bare = json.loads((tmp_path / "t1.key.json").read_text())
        del bare["ceremony"]  # a key without the trustees' endorsements is not a ceremony's output (§P15.10)
        (tmp_path / "bare.json").write_text(json.dumps(bare))
        code, _, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "bare.json")
        )
        assert code == 2 and "carries no ceremony" in err

        code, out, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "t1.key.json")
        )
        assert code == 0 and "published" in out, err
        code, out, _ = run(capsys, "status", *srv, *e)
        assert code == 0 and "no key yet" not in out
        # the board is closed now, and the key cannot be published twice
        code, _, err = run(
            capsys, "trustee", "ceremony", *srv, *e, "--key", str(tmp_path / "t1.json"), "--out", "x", "--attempt", "2"
        )
        assert code == 2, err
        code, _, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "t1.key.json")
        )
        assert code == 2, err


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("x25519", "x25519 keys"),
        ("modulus/0123456789abcdef/setup", "modulus: setup"),
        ("modulus/0123456789abcdef/0/sieve-2", "modulus batch 1: sieve-2"),
        ("modulus/0123456789abcdef/11/biprime-1", "modulus batch 12: biprime-1"),
        ("modulus/0123456789abcdef/final", "modulus: final"),
        ("key/2-multiply", "key: 2-multiply"),
        ("something/else", "something/else"),
    ],
)
def test_round_labels_name_the_phase_and_batch(name: str, label: str) -> None:
    assert ceremony_round_label(name) == label


def test_batches_counted_from_round_names() -> None:
    assert ceremony_batches(["x25519", "modulus/t/setup", "key/1-share"]) == 0
    names = ["x25519", "modulus/t/setup", "modulus/t/0/sieve-1", "modulus/t/2/reveal", "modulus/t/final"]
    assert ceremony_batches(names) == 3


def _trustee_argv(srv: list[str], tmp_path: Path, i: int, *extra: str) -> list[str]:
    return [
        "trustee",
        "ceremony",
        *srv,
        "--election",
        ELECTION,
        "--key",
        str(tmp_path / f"t{i}.json"),
        "--out",
        str(tmp_path / f"t{i}.share.json"),
        "--public-out",
        str(tmp_path / f"t{i}.key.json"),
        *extra,
    ]


class _Crash(Exception):
    """Trustee 3's process dies (here: its thread stops) after a few rounds."""


def _crashing_trustee(address: str, tmp_path: Path, after_rounds: int, bits: int | None = None) -> None:
    """Trustee 3 through the driver itself, stopping after ``after_rounds`` rounds (``bits``: other parameters)."""
    seen: list[str] = []

    def on_round(name: str) -> None:
        seen.append(name)
        if len(seen) >= after_rounds:
            raise _Crash(name)

    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        client = LinliClient(channel, min_modulus_bits=1024)
        snap = client.election(ELECTION)
        key = load_signing_key(tmp_path / "t3.json")
        config = CeremonyConfig(bits=bits, on_round=on_round)
        with contextlib.suppress(_Crash, CeremonyFailed):
            run_ceremony(client, snap.definition, snap.election_hash, 3, key, config)


def _run_attempt(srv: list[str], tmp_path: Path, trustees: tuple[int, ...], *extra: str) -> dict[int, int]:
    codes: dict[int, int] = {}

    def trustee(i: int) -> None:
        codes[i] = main(_trustee_argv(srv, tmp_path, i, *extra))

    threads = [threading.Thread(target=trustee, args=(i,)) for i in trustees]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return codes


def test_a_trustee_that_drops_out_is_named_nothing_is_saved_and_the_next_attempt_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§P15.9 step 4: trustee 3 stops after the x25519 round and two modulus rounds; trustees 1 and 2 each print
    one line naming it and the restart (--attempt 2), exit 1 and write nothing; attempt 2 then makes the key."""
    with serving(f"sqlite:///{tmp_path / 'cli.db'}", 1024) as address:
        srv = ["--server", address, "--min-modulus-bits", "1024"]
        _create(capsys, srv, tmp_path)
        crash = threading.Thread(target=_crashing_trustee, args=(address, tmp_path, 3))
        crash.start()
        codes = _run_attempt(srv, tmp_path, (1, 2), "--round-timeout", "6", "--no-progress")
        crash.join(timeout=60)
        out, err = capsys.readouterr()
        assert codes == {1: 1, 2: 1}
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(lines) == 2  # one line from each of the two trustees left waiting
        for line in lines:
            assert line.startswith("error: attempt 1 failed, nothing was saved: trustee 3 dropped out: no message")
            # the last round trustees 1 and 2 saw complete, the third: x25519, setup, sieve-1
            assert "for 6 s after modulus batch 1: sieve-1. To restart" in line
            assert "every trustee runs `linli trustee ceremony --election dkg-by-hand ... --attempt 2`" in line
        assert "Traceback" not in err and "written" not in out
        assert not list(tmp_path.glob("t*.share.json")) and not list(tmp_path.glob("t*.key.json"))

        codes = _run_attempt(srv, tmp_path, (1, 2, 3), "--attempt", "2", "--round-timeout", "60", "--no-progress")
        out, err = capsys.readouterr()
        assert codes == {1: 0, 2: 0, 3: 0}, err
        assert out.count("ceremony done in") == 3 and "modulus batch(es), 1024-bit key" in out
        assert len({(tmp_path / f"t{i}.key.json").read_text() for i in (1, 2, 3)}) == 1


def test_a_session_abort_names_the_culprit_and_the_restart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Trustee 3 runs with other parameters (a 1026-bit modulus): the others' modulus session aborts at setup,
    naming it; exit 1, nothing saved."""
    with serving(f"sqlite:///{tmp_path / 'cli.db'}", 1024) as address:
        srv = ["--server", address, "--min-modulus-bits", "1024"]
        _create(capsys, srv, tmp_path)
        odd = threading.Thread(target=_crashing_trustee, args=(address, tmp_path, 1000, 1026))
        odd.start()
        codes = _run_attempt(srv, tmp_path, (1, 2), "--round-timeout", "60")
        odd.join(timeout=60)
        _, err = capsys.readouterr()
        assert codes == {1: 1, 2: 1}
        # two bars in one process (threads) share the terminal; separate trustees each have their own
        assert "trustee 1: " in err and "x25519 keys" in err  # the bar names the trustee and its rounds
        line = (
            "error: attempt 1 failed, nothing was saved: the ceremony aborted: trustee 3 runs the ceremony with "
            "different parameters. To restart, every trustee runs `linli trustee ceremony --election dkg-by-hand ... "
            "--attempt 2`\n"
        )
        assert err.count(line) == 2
        assert not list(tmp_path.glob("t*.share.json"))


def test_a_waiting_bar_names_the_trustees_not_yet_posted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a round is incomplete for long, the bar says whom it waits for (read from the board's status), well
    before the round timeout names the trustee that dropped out."""
    monkeypatch.setattr(cli, "_WATCH_SECONDS", 0.2)
    monkeypatch.setattr(cli, "_NOTICE_SECONDS", 1.0)
    with serving(f"sqlite:///{tmp_path / 'cli.db'}", 1024) as address:
        srv = ["--server", address, "--min-modulus-bits", "1024"]
        _create(capsys, srv, tmp_path)
        crash = threading.Thread(target=_crashing_trustee, args=(address, tmp_path, 3))
        crash.start()
        codes: dict[int, int] = {}
        quiet_argv = _trustee_argv(srv, tmp_path, 2, "--round-timeout", "6", "--no-progress")
        quiet = threading.Thread(target=lambda: codes.update({2: main(quiet_argv)}))
        quiet.start()
        codes[1] = main(_trustee_argv(srv, tmp_path, 1, "--round-timeout", "6"))
        quiet.join(timeout=60)
        crash.join(timeout=60)
        _, err = capsys.readouterr()
        assert codes == {1: 1, 2: 1}
        assert "trustee 1: " in err and "modulus batch 1: sieve-2: waiting for trustee(s) 3 (" in err
        assert err.index("waiting for trustee(s) 3") < err.index("error: attempt 1 failed")


def test_waiting_words_list_the_missing_trustees() -> None:
    assert waiting_words(5, "key/2-multiply", [1, 2, 4], 12.4) == "key: 2-multiply: waiting for trustee(s) 3, 5 (12 s)"
    assert waiting_words(3, "x25519", [], 30) == "x25519 keys: waiting for trustee(s) 1, 2, 3 (30 s)"


def _statuses(channel: grpc.Channel, calls: int) -> list[str]:
    """``calls`` board status reads on one channel; the codes of those that fail other than NOT_FOUND."""
    client = LinliClient(channel, min_modulus_bits=1024)
    failed = []
    for _ in range(calls):
        try:
            client.board_status("no-such-election")
        except ServerRejected as e:
            if e.code != "NOT_FOUND":
                failed.append(e.code)
    return failed


def test_a_trustee_polling_linli_serve_past_1000_requests_keeps_going(tmp_path: Path) -> None:
    """hypercorn's default ends an HTTP/2 connection after 1000 requests and fails the call in flight: about 100 s of
    a trustee waiting for the others. `linli serve` lifts that limit (server/web.py), and the ceremony command's
    channel retries its board calls all the same."""
    serve = LinliServe(tmp_path, 1024, SigningKey.generate().public_key)
    try:
        with grpc.insecure_channel(serve.address, options=CHANNEL_OPTIONS) as plain:
            assert _statuses(plain, 1001) == []  # no connection limit at 1000 requests any more
        with cli._channel(serve.address, cli._BOARD_RETRY) as retrying:
            assert _statuses(retrying, 1001) == []
    finally:
        serve.stop()
