"""The voter roll from a CSV file (docs/protocol.md §P2, roll.published).

Columns (header row required; UTF-8, an Excel BOM is fine; the CLI also reads GB18030 as Chinese Excel saves it):
``unit`` / ``单元`` / ``房号`` (required: e.g. ``3-2-501`` or ``3栋2单元501``, normalised once, see
:func:`voting.election.normalise_unit`), and optionally ``role`` / ``角色`` (``owner`` 业主, or ``resident`` 住户 /
居民 / 租户), ``area`` / ``面积`` (exclusive floor area in m² with at most two decimals, exact: ``85.37`` becomes 8537
hundredths) and ``group`` / ``分组`` (an eligibility group). Every bad row is reported with its line number and
reason, and then nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from voting.election import RollEntry, normalise_unit
from voting.errors import InvalidElection, InvalidEncoding

__all__ = ["RollRow", "parse_area", "parse_roll_csv"]

_AREA = re.compile(r"(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?")
_GROUP = re.compile(r"[A-Za-z0-9_-]{0,32}")
COLUMNS = {"unit", "role", "area", "group"}
HEADER_NAMES = {"单元": "unit", "房号": "unit", "单元/房号": "unit", "角色": "role", "面积": "area", "分组": "group"}
ROLE_NAMES = {"业主": "owner", "住户": "resident", "居民": "resident", "租户": "resident"}
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
        raw_header = [h.strip() for h in (reader.fieldnames or [])]
        rows = list(reader)
    except csv.Error as e:
        raise InvalidEncoding(f"not a CSV file: {e}") from e
    header = [HEADER_NAMES.get(h, h.lower()) for h in raw_header]
    if len(set(header)) != len(header):
        raise InvalidEncoding(f"a column is named twice: {raw_header}")
    rename = dict(zip(raw_header, header, strict=True))
    if "unit" not in header:
        raise InvalidEncoding("the first row must be a header with a 'unit' (单元 / 房号) column")
    unknown = set(header) - COLUMNS
    if unknown:
        raise InvalidEncoding(f"unknown column(s) {sorted(unknown)}; allowed: {sorted(COLUMNS)}")
    if len(rows) > MAX_ROWS:
        raise InvalidEncoding(f"more than {MAX_ROWS} rows")
    out: list[RollRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(rows, start=2):
        row = {rename[k.strip()]: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            errors.append(f"line {line}: more fields than columns")
            continue
        unit = normalise_unit(row.get("unit", ""))
        try:
            RollEntry(unit)
            role = row.get("role") or ""
            role = ROLE_NAMES.get(role, role.lower())
            if role not in ("owner", "resident", ""):
                raise InvalidEncoding(f"role {row.get('role')!r} must be owner (业主) or resident (住户 / 居民 / 租户)")
            area = parse_area(normalise_unit(row["area"])) if row.get("area") else None
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
