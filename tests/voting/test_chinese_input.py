"""Chinese input works (issue "Ready for a real committee" §3): unit ids, CSV headers and roles, choices."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tests.factories import make_election
from voting.election import ElectionKind, RollEntry, normalise_unit
from voting.errors import InvalidBallot, InvalidElection, InvalidEncoding
from voting.roll import RollRow, parse_roll_csv

CANDIDATES = ("王芳", "李伟", "张敏", "刘洋")


def test_unit_ids_are_normalised_once_and_the_domain_takes_only_the_canonical_form() -> None:
    assert normalise_unit(" ３栋２单元５０１\u3000") == "3栋2单元501"
    assert normalise_unit("３－２－５０１") == "3-2-501"
    RollEntry("3栋2单元501")
    for raw in ("３栋２单元５０１", " 3栋2单元501", "3栋2单元501\n"):
        with pytest.raises(InvalidElection):
            RollEntry(raw)
    decomposed = unicodedata.normalize("NFD", "3-2-501é")  # not NFC (and not a unit character anyway)
    with pytest.raises(InvalidElection):
        RollEntry(decomposed)


def test_chinese_csv_headers_roles_and_full_width_units() -> None:
    text = "单元,角色,面积,分组\n３栋２单元５０１,业主,８５.３７,east\n3栋2单元502,租户,,east\n"
    assert parse_roll_csv(text) == [
        RollRow("3栋2单元501", "owner", 8537, "east"),
        RollRow("3栋2单元502", "resident", None, "east"),
    ]
    assert parse_roll_csv("房号\n1-101\n")[0].unit == "1-101"
    with pytest.raises(InvalidEncoding, match="already on line 2"):
        parse_roll_csv("单元\n3栋2单元501\n３栋２单元５０１\n")  # the same unit, typed twice
    with pytest.raises(InvalidEncoding, match="业主"):
        parse_roll_csv("单元,角色\n1-101,物业\n")


def test_roll_csv_saved_by_chinese_excel_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from client.cli import _read_roll_csv

    path = tmp_path / "roll.csv"
    path.write_bytes("单元,角色\n3栋2单元501,业主\n".encode("gb18030"))
    assert _read_roll_csv(path)[0] == RollRow("3栋2单元501", "owner", None, "")
    assert "GB18030" in capsys.readouterr().err


def test_choices_typed_in_chinese(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    committee = make_election(safe_primes_1024, voters=1, kind=ElectionKind.COMMITTEE, candidates=CANDIDATES)
    d = committee.context.definition
    assert d.kind_rules.parse_choice(d, "王芳，李伟") == [0, 1]
    assert d.kind_rules.parse_choice(d, "张敏、王芳") == [2, 0]
    with pytest.raises(InvalidBallot, match="twice"):
        d.kind_rules.parse_choice(d, "王芳,王芳")
    referendum = make_election(safe_primes_1024, voters=1).context.definition
    words = {"赞成": 0, "同意": 0, "反对": 1, "弃权": 2, " YES ": 0}
    assert {w: referendum.kind_rules.parse_choice(referendum, w) for w in words} == words
    with pytest.raises(InvalidBallot, match="赞成"):
        referendum.kind_rules.parse_choice(referendum, "也许")
