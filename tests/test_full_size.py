"""The full-size subset (marked slow; CI runs it): the default 3072-bit key end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.cli import main


@pytest.mark.slow
def test_linli_demo_full_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`linli demo` with the default 3072-bit key, 5 trustees, quorum 3; the record verifies."""
    code = main(["demo", "--voters", "24", "--out", str(tmp_path / "record"), "--seed", "11"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3072-bit key" in out and "every check passed" in out and "Decrypted totals match" in out
    assert main(["verify", str(tmp_path / "record"), "--min-modulus-bits", "3072"]) == 0


@pytest.mark.slow
def test_linli_demo_anonymous_full_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`linli demo --eligibility anonymous` with the default key: BBS credentials, pseudonyms, batched checks."""
    code = main(
        ["demo", "--voters", "12", "--eligibility", "anonymous", "--out", str(tmp_path / "record"), "--seed", "2"]
    )
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0, out + captured.err
    assert "every check passed" in out and "Decrypted totals match" in out
    assert "anonymous credential issuance" in out
    entries = (tmp_path / "record" / "entries.jsonl").read_text()
    assert entries.count('"pseudonym"') == 12 and '"credential":' not in entries
