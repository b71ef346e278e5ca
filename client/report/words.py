"""The outcome and the rules in words — in one place, for the summary and the page alike.

Every kind speaks through its own :class:`voting.kinds.Kind` (``title_zh`` / ``title_en``, ``describe_outcome``);
the three built-in kinds' richer layouts (headline, elected and runoff lines, the rule with its numbers) take
their strings from the catalogue (client/catalogue.py). These functions read the JSON summary, so a page can be
worded in another language than the summary it renders.
"""

from __future__ import annotations

from typing import Any

from client.catalogue import text
from voting.kinds import KINDS

__all__ = [
    "BUILT_IN_LAYOUTS",
    "elected_line",
    "kind_title",
    "option_label",
    "outcome_sentence",
    "rule_sentence",
    "runoff_line",
]

BUILT_IN_LAYOUTS = ("referendum", "committee", "assembly")  # any other kind is shown by its own words
_FIXED_OPTIONS = ("yes", "no", "abstain")


def kind_title(lang: str, kind: str) -> str:
    known = KINDS.get(kind)
    if known is None:
        return text(lang, "kind.unknown")
    return known.title_zh if lang == "zh" else known.title_en


def option_label(lang: str, kind: str, option: str) -> str:
    """A fixed option (yes / no / abstain of a kind whose options are not named) in ``lang``; a name as it is."""
    known = KINDS.get(kind)
    if known is not None and not known.named_options and option in _FIXED_OPTIONS:
        return text(lang, f"option.{option}")
    return option


def elected_line(lang: str, outcome: dict[str, Any]) -> str:
    names = outcome["elected_names"]
    return text(lang, "elected") + (text(lang, "list_sep").join(names) if names else text(lang, "nobody_elected"))


def runoff_line(lang: str, outcome: dict[str, Any]) -> str:
    names = text(lang, "list_sep").join(outcome["runoff_names"])
    return text(lang, "runoff", seats=outcome["runoff_seats"], names=names)


def outcome_sentence(lang: str, outcome: dict[str, Any]) -> str:
    """The outcome as one sentence (the JSON summary); the page shows the same parts on separate lines. A kind
    without a built-in layout is described by the kind itself (``kind_words``, in both languages)."""
    if "kind_words" in outcome:
        words: str = outcome["kind_words"][lang]
        return words
    status = outcome["status"]
    parts = [text(lang, f"outcome.{status}")]
    if status in ("elected", "runoff"):
        parts.append(elected_line(lang, outcome))
    if status == "runoff":
        parts.append(runoff_line(lang, outcome))
    return text(lang, "sep").join(parts)


def rule_sentence(lang: str, election: dict[str, Any], result: dict[str, Any]) -> str:
    """A built-in kind's rule with this election's numbers; "" for any other kind (its own words carry its rule)."""
    kind = election["kind"]
    if kind == "committee":
        return text(
            lang, "rule.committee", ballots=result["ballots"], roll=result["roll_size"], seats=election["seats"]
        )
    if kind == "assembly":
        return text(
            lang,
            "rule.assembly",
            heads=sum(row["heads"] for row in result["totals"]),
            owners=result["roll_size"],
            area=result["area_turnout"]["area_m2"],
            total_area=result["area_turnout"]["roll_area_m2"],
            need=text(lang, "need.major" if election["major"] else "need.ordinary"),
        )
    if kind == "referendum":
        yes = result["totals"][0]["votes"] if result["totals"] else 0
        return text(lang, "rule.referendum", ballots=result["ballots"], roll=result["roll_size"], yes=yes)
    return ""
