"""Homeowners' assembly decision (业主大会, Civil Code art. 278): yes / no / abstain counted by head AND by
exclusive floor area, an ordinary (> 1/2) or a major (≥ 3/4) matter (docs/protocol.md §P9.3).

The ballot is a referendum ballot; its weight (the owner's area, public: on the roll in signing mode, disclosed
by the credential in anonymous mode) multiplies it homomorphically into three more counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crypto import paillier
from voting.encoding import JSON
from voting.errors import InvalidElection
from voting.kinds.base import Tallied, aggregate
from voting.kinds.referendum import REFERENDUM_OPTIONS, Referendum
from voting.rules import AssemblyTotals, decide_assembly

if TYPE_CHECKING:
    from voting.election import ElectionContext, ElectionDefinition

__all__ = ["AREA_COUNTER_BITS", "AREA_DISCLOSURE_NOTICE", "KIND", "Assembly"]

AREA_COUNTER_BITS = 40  # area totals in 0.01 m² stay below 2**40 (about 11 million m²)
AREA_DISCLOSURE_NOTICE = (
    "投票权重按专有部分面积计算：面积随选票公开（匿名模式下由凭证披露），结果按选项公布面积合计；"
    "面积在名册上独一无二的业主，其投票可能由此被识别（结果报告会说明本次有多少张选票可被识别）。"
    " / Votes are weighted by exclusive floor area: the area is public with each ballot (disclosed by the credential in"
    " anonymous mode) and the result publishes the area per option, so the vote of an owner whose area is unique on"
    " the roll can be identified (the report says how many ballots could be)."
)


class Assembly(Referendum):
    name = "assembly"
    title_zh = "业主大会决定"
    title_en = "Homeowners' assembly decision"
    weighted = True
    notice = AREA_DISCLOSURE_NOTICE

    def check_definition(self, d: ElectionDefinition) -> None:
        if d.options != REFERENDUM_OPTIONS:
            raise InvalidElection(f"an {self.name} has the options {REFERENDUM_OPTIONS}")
        if d.seats:
            raise InvalidElection("only committee elections have seats")

    def counter_bits(self, d: ElectionDefinition) -> int:
        """Every head total is below 2**bits(max_voters) and every area total below 2**AREA_COUNTER_BITS (the roll's
        total area must fit, §P7.2)."""
        return max(d.max_voters.bit_length(), AREA_COUNTER_BITS)

    def counter_count(self, d: ElectionDefinition) -> int:
        return 2 * len(d.options)

    def check_roll(self, d: ElectionDefinition, areas: Sequence[int]) -> None:
        if any(a <= 0 for a in areas):
            raise InvalidElection("every owner on a homeowners' assembly roll needs an exclusive area")

    def tally(self, context: ElectionContext, ballots: Sequence[Tallied]) -> int:
        """∏ c · (∏ c^weight)^(2^(3b)): the head counters, then the area counters."""
        pk = context.paillier_key
        heads = aggregate(pk, [b.ciphertexts[0] for b in ballots])
        by_area = aggregate(pk, [paillier.scalar_mul(pk, b.ciphertexts[0], b.weight) for b in ballots])
        shift = 1 << (self.counter_bits(context.definition) * len(context.definition.options))
        return paillier.add(pk, heads, paillier.scalar_mul(pk, by_area, shift))

    def decide(
        self, d: ElectionDefinition, totals: tuple[int, ...], ballots: int, roll_size: int, roll_area: int
    ) -> JSON:
        k = len(d.options)
        heads, area = totals[:k], totals[k:]
        assembly = AssemblyTotals((heads[0], heads[1], heads[2]), (area[0], area[1], area[2]))
        return decide_assembly(assembly, roll_size, roll_area, major=d.major).to_json()

    def describe_totals(self, d: ElectionDefinition, totals: Sequence[int], lang: str = "en") -> str:
        """Totals in words; the area counters are hundredths of m², shown exactly."""
        k = len(d.options)
        owners, sep = (" 人", "，") if lang == "zh" else (" owners", ", ")
        return sep.join(
            f"{self.option_word(o, lang)} {totals[i]}{owners} / {totals[k + i] // 100}.{totals[k + i] % 100:02d} m²"
            for i, o in enumerate(d.options)
        )


KIND = Assembly()
