"""Committee election (居委会 / 业委会 换届选举, 差额选举): m candidates for k seats, each voter marks at most k
(docs/protocol.md §P9.2).

A ballot is one 0/1 ciphertext per candidate and a proof that their product — the number of marks — is in
0..seats; the tally packs each candidate's column into its own counter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voting.encoding import JSON
from voting.errors import InvalidElection
from voting.kinds.base import (
    Choice,
    PerOption,
    check_named_options,
    marks_by_name,
    zero_one_marks,
)
from voting.rules import decide_committee

if TYPE_CHECKING:
    from voting.election import ElectionDefinition

__all__ = ["KIND", "Committee"]


class Committee(PerOption):
    name = "committee"
    title_zh = "委员会选举（差额选举）"
    title_en = "Committee election"

    def check_definition(self, d: ElectionDefinition) -> None:
        check_named_options("committee election", d.options)
        if not 1 <= d.seats < len(d.options):
            raise InvalidElection("a committee election fills 1 <= seats < candidates (差额选举)")
        if d.major:
            raise InvalidElection("only homeowners' assembly decisions are major or ordinary matters")

    def sum_allowed(self, d: ElectionDefinition) -> tuple[int, ...]:
        return tuple(range(d.seats + 1))

    def encode(self, d: ElectionDefinition, choice: Choice) -> list[int]:
        return zero_one_marks(d, choice, d.seats)

    def parse_choice(self, d: ElectionDefinition, text: str) -> Choice:
        return marks_by_name(d, text, d.seats)

    def decide(
        self, d: ElectionDefinition, totals: tuple[int, ...], ballots: int, roll_size: int, roll_area: int
    ) -> JSON:
        return decide_committee(totals, d.seats, ballots, roll_size).to_json()

    def describe_outcome(self, d: ElectionDefinition, outcome: JSON, lang: str = "en") -> str:
        if lang == "zh":  # the record's reason is English: the Chinese words stand alone
            if not outcome.get("valid"):
                return "无效：投票人数未过半数"
            words = "当选：" + ("、".join(d.options[j] for j in outcome["elected"]) or "无人")
            if outcome["runoff_seats"]:
                concerned = "、".join(d.options[j] for j in outcome["runoff_candidates"])
                words += f"；另行选举 {outcome['runoff_seats']} 个席位，候选人：{concerned}"
            return words
        reason = f" ({outcome.get('reason', '')})"
        if not outcome.get("valid"):
            return "VOID" + reason
        elected = ", ".join(d.options[j] for j in outcome["elected"]) or "nobody"
        text = f"ELECTED: {elected}"
        if outcome["runoff_seats"]:
            concerned = ", ".join(d.options[j] for j in outcome["runoff_candidates"])
            text += f"; RUNOFF (另行选举) for {outcome['runoff_seats']} seat(s) among {concerned}"
        return text + reason


KIND = Committee()
