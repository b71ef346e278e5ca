from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.errors import InvalidEncoding
from voting.roll import RollRow, parse_area, parse_roll_csv


def test_full_roll_parses_exactly() -> None:
    rows = parse_roll_csv("\ufeffunit,role,area,group\n3-2-501,owner,85.37,A\n3-2-502,owner,90,A\n1-1-101,resident,,\n")
    assert rows == [
        RollRow("3-2-501", "owner", 8537, "A"),
        RollRow("3-2-502", "owner", 9000, "A"),
        RollRow("1-1-101", "resident", None, ""),
    ]


@given(st.integers(0, 9_999_999), st.integers(0, 99))
def test_area_is_exact_hundredths(whole: int, cents: int) -> None:
    assert parse_area(f"{whole}.{cents:02d}") == whole * 100 + cents


@pytest.mark.parametrize("bad", ["-1", "1.234", "1e3", "01.5", "NaN", "", " 5", "1,5"])
def test_bad_areas_rejected(bad: str) -> None:
    with pytest.raises(InvalidEncoding):
        parse_area(bad)


def test_every_bad_row_reported_with_its_line_and_nothing_imported() -> None:
    text = "unit,role,area\n1-101,owner,50\nbad unit!,owner,50\n1-102,landlord,50\n1-103,owner,12.345\n1-101,owner,40\n"
    with pytest.raises(InvalidEncoding) as e:
        parse_roll_csv(text)
    message = str(e.value)
    assert "4 bad row(s), nothing imported" in message
    for line in ("line 3", "line 4", "line 5", "line 6: unit '1-101' already on line 2"):
        assert line in message


@pytest.mark.parametrize("text", ["", "name\nx\n", "unit,colour\n1,red\n", "unit\n", "unit\n1-1,extra\n"])
def test_malformed_files_rejected(text: str) -> None:
    with pytest.raises(InvalidEncoding):
        parse_roll_csv(text)
