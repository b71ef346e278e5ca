"""Referendum (residents' decision): yes / no / abstain, one vote each (docs/protocol.md §P9.1).

A ballot is ONE ciphertext of 2^(b·i) for option i, proven to be one of the three; the tally is the product of
the counted ballots, whose three b-bit counters are the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from voting.encoding import JSON
from voting.errors import InvalidBallot, InvalidElection, RecordError
from voting.kinds.base import Choice, Kind, Tallied, aggregate
from voting.rules import decide_referendum

if TYPE_CHECKING:
    from voting.election import ElectionContext, ElectionDefinition

__all__ = ["KIND", "REFERENDUM_OPTIONS", "Referendum"]

REFERENDUM_OPTIONS = ("yes", "no", "abstain")
CHOICE_WORDS = {
    "赞成": "yes",
    "同意": "yes",
    "反对": "no",
    "不同意": "no",
    "弃权": "abstain",
}  # as residents write them


class Referendum(Kind):
    name = "referendum"
    title_zh = "居民决议"
    title_en = "Referendum"

    def options(self, named: Sequence[str]) -> tuple[str, ...]:
        if named:
            raise InvalidElection(f"a {self.name} has the options {REFERENDUM_OPTIONS}; it takes no candidates")
        return REFERENDUM_OPTIONS

    def check_definition(self, d: ElectionDefinition) -> None:
        if d.options != REFERENDUM_OPTIONS:
            raise InvalidElection(f"a {self.name} has the options {REFERENDUM_OPTIONS}")
        if d.seats:
            raise InvalidElection("only committee elections have seats")
        if d.major:
            raise InvalidElection("only homeowners' assembly decisions are major or ordinary matters")

    def layout(self, d: ElectionDefinition) -> tuple[tuple[int, ...], ...]:
        b = self.counter_bits(d)
        return (tuple(1 << (b * i) for i in range(len(d.options))),)

    def encode(self, d: ElectionDefinition, choice: Choice) -> list[int]:
        if not isinstance(choice, int) or not 0 <= choice < len(d.options):
            raise InvalidBallot(f"choose one of: {', '.join(d.options)}")
        return [choice]

    def parse_choice(self, d: ElectionDefinition, text: str) -> Choice:
        word = text.strip()
        word = CHOICE_WORDS.get(word, word.lower())
        if word not in d.options:
            raise InvalidBallot(f"choice must be one of {', '.join(d.options)} (赞成 / 反对 / 弃权)")
        return d.options.index(word)

    def tally(self, context: ElectionContext, ballots: Sequence[Tallied]) -> int:
        return aggregate(context.paillier_key, [b.ciphertexts[0] for b in ballots])

    def decide(
        self, d: ElectionDefinition, totals: tuple[int, ...], ballots: int, roll_size: int, roll_area: int
    ) -> JSON:
        if sum(totals) != ballots:
            raise RecordError("the decrypted totals do not add up to the counted ballots")
        return decide_referendum(totals, roll_size).to_json()


KIND = Referendum()
