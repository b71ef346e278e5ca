"""Approval poll (意见征集): residents approve any number of options — e.g. which of several proposals for the
courtyard the committee should take forward. An option is **adopted** if more than half of the ballots cast approve
it; the poll is valid if more than half of the registered voters took part (the referendum's rule per option).

The smallest kind that shows the interface: one 0/1 ciphertext per option and no sum proof (any number of marks
is allowed), the committee's packed tally, its own rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voting.encoding import JSON
from voting.errors import InvalidEncoding
from voting.kinds.base import Choice, PerOption, marks_by_name, zero_one_marks

if TYPE_CHECKING:
    from voting.election import ElectionDefinition

__all__ = ["KIND", "Approval"]


class Approval(PerOption):
    name = "approval"
    title_zh = "意见征集（可多选）"
    title_en = "Approval poll"

    def encode(self, d: ElectionDefinition, choice: Choice) -> list[int]:
        return zero_one_marks(d, choice, len(d.options))

    def parse_choice(self, d: ElectionDefinition, text: str) -> Choice:
        return marks_by_name(d, text, len(d.options))

    def decide(
        self, d: ElectionDefinition, totals: tuple[int, ...], ballots: int, roll_size: int, roll_area: int
    ) -> JSON:
        if ballots > roll_size or any(not 0 <= t <= ballots for t in totals):
            raise InvalidEncoding("more approvals than ballots, or more ballots than registered voters")
        if 2 * ballots <= roll_size:
            return {"adopted": [], "reason": f"turnout {ballots}/{roll_size} is not more than half", "valid": False}
        adopted = [j for j, t in enumerate(totals) if 2 * t > ballots]
        return {
            "adopted": adopted,
            "reason": f"{len(adopted)} of {len(totals)} option(s) approved by more than half of {ballots} ballots",
            "valid": True,
        }

    def describe_outcome(self, d: ElectionDefinition, outcome: JSON, lang: str = "en") -> str:
        zh = lang == "zh"
        reason = "" if zh else f" ({outcome.get('reason', '')})"  # the record's reason is English
        if not outcome.get("valid"):
            return ("无效：参与未过半数" if zh else "VOID") + reason
        adopted = ("、" if zh else ", ").join(d.options[j] for j in outcome["adopted"]) or ("无" if zh else "none")
        return ("采纳：" if zh else "ADOPTED: ") + adopted + reason


KIND = Approval()
