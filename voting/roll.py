"""The voter roll from a CSV file (docs/protocol.md §P2, roll.published).

Columns (header row required; UTF-8, an Excel BOM is fine): ``unit`` (required: building-entrance-flat, e.g.
``3-2-501``), and optionally ``role`` (``owner`` or ``resident``), ``area`` (exclusive floor area in m² with at most
two decimals, exact: ``85.37`` becomes 8537 hundredths) and ``group`` (an eligibility group). Every bad row is
reported with its line number and reason, and then nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from voting.election import RollEntry
from voting.errors import InvalidElection, InvalidEncoding

__all__ = ["RollRow", "parse_area", "parse_roll_csv"]

_AREA = re.compile(r"(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?")
_GROUP = re.compile(r"[A-Za-z0-9_-]{0,32}")
COLUMNS = {"unit", "role", "area", "group"}
MAX_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class RollRow:
    unit: str
    role: str = ""  # "owner", "resident", or "" when the CSV does not say
    area_centi: int | None = None  # exclusive area in 0.01 m²
    group: str = ""

    def entry(self) -> RollEntry:
        return RollEntry(self.unit)


def parse_area(text: str) -> int:
    """``"85.37"`` -> 8537 (hundredths of m²), exactly; no floats anywhere."""
    if not _AREA.fullmatch(text):
        raise InvalidEncoding(f"area {text!r} is not a non-negative number of m² with at most two decimals")
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def parse_roll_csv(text: str) -> list[RollRow]:
    """Parse a whole roll; raise InvalidEncoding listing every bad row (``line N: reason``)."""
    try:
        reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = list(reader)
    except csv.Error as e:
        raise InvalidEncoding(f"not a CSV file: {e}") from e
    if "unit" not in header:
        raise InvalidEncoding("the first row must be a header with a 'unit' column")
    unknown = set(header) - COLUMNS
    if unknown:
        raise InvalidEncoding(f"unknown column(s) {sorted(unknown)}; allowed: {sorted(COLUMNS)}")
    if len(rows) > MAX_ROWS:
        raise InvalidEncoding(f"more than {MAX_ROWS} rows")
    out: list[RollRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(rows, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            errors.append(f"line {line}: more fields than columns")
            continue
        unit = row.get("unit", "")
        try:
            RollEntry(unit)
            role = row.get("role") or ""
            if role not in ("owner", "resident", ""):
                raise InvalidEncoding(f"role {role!r} must be 'owner' or 'resident'")
            area = parse_area(row["area"]) if row.get("area") else None
            group = row.get("group", "")
            if not _GROUP.fullmatch(group):
                raise InvalidEncoding(f"group {group!r}: up to 32 of A-Z a-z 0-9 _ -")
        except (InvalidEncoding, InvalidElection) as e:
            errors.append(f"line {line}: {e}")
            continue
        if unit in seen:
            errors.append(f"line {line}: unit {unit!r} already on line {seen[unit]}")
            continue
        seen[unit] = line
        out.append(RollRow(unit, role, area, group))
    if errors:
        shown = "\n  ".join(errors[:50]) + ("\n  …" if len(errors) > 50 else "")
        raise InvalidEncoding(f"{len(errors)} bad row(s), nothing imported:\n  {shown}")
    if not out:
        raise InvalidEncoding("the roll has no rows")
    return out
