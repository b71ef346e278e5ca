"""benchmarks/ceremony.py (issue 11 item 4): its flags are checked before any work; the smoke run starts
``linli serve`` and five ``linli trustee ceremony`` processes, and ends with every trustee's share and the key
published and accepted (6–24 s on the shared machine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import ceremony


@pytest.mark.parametrize(("bits", "size"), [(1024, 1024), (1536, 1024), (2048, 2048), (3072, 3072), (8192, 4096)])
def test_server_key_size_is_the_largest_the_key_meets(bits: int, size: int) -> None:
    assert ceremony.server_key_size(bits) == size


def test_server_key_size_refuses_a_key_below_every_choice() -> None:
    with pytest.raises(ValueError, match="at least 1024"):
        ceremony.server_key_size(512)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--runs", "0"], "--runs must be positive"),
        (["--bits", "512"], "--bits must be even and at least 1024"),
        (["--bits", "1025"], "--bits must be even"),
        (["--trustees", "4", "--threshold", "3"], "2t − 1 ≤ trustees"),
        (["--threshold", "1"], "2 ≤ t"),
        (["--round-timeout", "0"], "--round-timeout must be positive"),
    ],
)
def test_bad_flags_refused_before_any_work(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started despite a bad flag")

    monkeypatch.setattr(ceremony, "run", no_run)
    with pytest.raises(SystemExit) as exit_:
        ceremony.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_smoke_run_makes_and_publishes_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ceremony.json"
    assert ceremony.main(["--smoke", "--no-progress", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert (report["bits"], report["trustees"], report["threshold"]) == (1024, 5, 3)
    (only,) = report["runs"]
    assert only["published"] is True and set(only["trustee_seconds"]) == {"1", "2", "3", "4", "5"}
    assert 0 < max(only["trustee_seconds"].values()) <= only["seconds"] == report["median_s"]
    assert only["batches"] >= 1 and only["rounds"] > only["batches"]  # from the trustees' own summary line
    requests = only["board_requests"]  # from the server's log: every trustee posted every round
    assert requests["PostBoardMessage"] == 5 * only["rounds"] and requests["GetBoardRound"] >= 5 * only["rounds"]
    assert "key published" in capsys.readouterr().out


def test_a_failed_run_reports_the_trustees_own_error_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """Trustees that give up on each other (a 1 ms round timeout) end the run: exit 1, each failed trustee's
    one-line error (who dropped out, the restart) quoted, no figures."""
    assert ceremony.main(["--smoke", "--no-progress", "--round-timeout", "0.001"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: run 1: trustee ")
    assert "dropped out: no message for 0.001 s" in captured.err and "--attempt 2`" in captured.err
    assert "median" not in captured.out
