"""The interface every election kind implements, and the packed-counter helpers they share (§P4, §P7)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from crypto import paillier
from voting.encoding import JSON
from voting.errors import InvalidBallot, InvalidElection

if TYPE_CHECKING:
    from voting.election import ElectionContext, ElectionDefinition

__all__ = [
    "FIXED_OPTION_WORDS_ZH",
    "MAX_OPTIONS",
    "Choice",
    "Kind",
    "PerOption",
    "Tallied",
    "aggregate",
    "check_named_options",
    "marks_by_name",
    "pack",
    "zero_one_marks",
]

MAX_OPTIONS = 30  # candidates or options on one ballot
FIXED_OPTION_WORDS_ZH = {"yes": "赞成", "no": "反对", "abstain": "弃权"}
Choice = int | Sequence[int]  # an option index, or the option indexes marked


@dataclass(frozen=True, slots=True)
class Tallied:
    """One counted ballot as the tally sees it: its ciphertexts, and its public weight (assembly area, else 0)."""

    ciphertexts: tuple[int, ...]
    weight: int = 0


def aggregate(pk: paillier.PublicKey, ciphertexts: Sequence[int]) -> int:
    """§P7: the product of ciphertexts (an encryption of the sum of their plaintexts; of 0 for none)."""
    return paillier.add(pk, *ciphertexts)  # no ciphertexts: 1, the trivial encryption of 0


def pack(pk: paillier.PublicKey, columns: Sequence[int], counter_bits: int) -> int:
    """∏_j column_j^(2^(b·j)): each column's sum shifted into its own b-bit counter (§P4)."""
    return paillier.add(pk, *(paillier.scalar_mul(pk, c, 1 << (counter_bits * j)) for j, c in enumerate(columns)))


class Kind:
    """One kind of election. Subclasses set the class attributes and implement the methods marked abstract.

    The layout of a ballot is a tuple of allowed-plaintext sets, one per ciphertext, each proven by a
    set-membership proof; ``sum_allowed`` (if not empty) is the set the product of the ciphertexts must encrypt
    (a second proof). The tally is ONE packed ciphertext of ``counter_count`` counters of ``counter_bits`` bits.
    """

    name: ClassVar[str]
    title_zh: ClassVar[str]  # the kind's name for people, in Chinese
    title_en: ClassVar[str]  # and in English
    weighted: ClassVar[bool] = False  # ballots carry their owner's exclusive area as a public weight
    named_options: ClassVar[bool] = False  # the administrator names the options (candidates); else fixed
    notice: ClassVar[str] = ""  # what every voter must be told (added to the election's description)

    # -- the definition -----------------------------------------------------------------------------------------
    def options(self, named: Sequence[str]) -> tuple[str, ...]:
        """The options of a new election of this kind, given the names the administrator typed (if any)."""
        return tuple(named)

    def check_definition(self, d: ElectionDefinition) -> None:
        """Raise InvalidElection if ``d`` is not a well-formed election of this kind (options, seats, flags)."""
        check_named_options(self.name, d.options)
        if d.seats:
            raise InvalidElection("only committee elections have seats")
        if d.major:
            raise InvalidElection("only homeowners' assembly decisions are major or ordinary matters")

    def counter_bits(self, d: ElectionDefinition) -> int:
        """Bits per packed counter: every total is at most max_voters < 2**counter_bits."""
        return d.max_voters.bit_length()

    def counter_count(self, d: ElectionDefinition) -> int:
        return len(d.options)

    def check_roll(self, d: ElectionDefinition, areas: Sequence[int]) -> None:
        """Raise InvalidElection if a batch of roll entries (their areas) does not suit this kind."""
        if any(areas):
            raise InvalidElection("only a homeowners' assembly roll carries areas")

    # -- ballots ------------------------------------------------------------------------------------------------
    def layout(self, d: ElectionDefinition) -> tuple[tuple[int, ...], ...]:
        raise NotImplementedError

    def sum_allowed(self, d: ElectionDefinition) -> tuple[int, ...]:
        return ()

    def encode(self, d: ElectionDefinition, choice: Choice) -> list[int]:
        """The index, in each ciphertext's allowed set, of the voter's choice (raises InvalidBallot)."""
        raise NotImplementedError

    def parse_choice(self, d: ElectionDefinition, text: str) -> Choice:
        """A choice as a person types it (option names; raises InvalidBallot with the options listed)."""
        raise NotImplementedError

    # -- tally and result ---------------------------------------------------------------------------------------
    def tally(self, context: ElectionContext, ballots: Sequence[Tallied]) -> int:
        raise NotImplementedError

    def decide(
        self, d: ElectionDefinition, totals: tuple[int, ...], ballots: int, roll_size: int, roll_area: int
    ) -> JSON:
        """§P9: the outcome (JSON, as logged in the result entry) from the decrypted totals and the roll."""
        raise NotImplementedError

    def option_word(self, option: str, lang: str = "en") -> str:
        """An option as people read it: a fixed option (yes / no / abstain) in ``lang``, a name as it is."""
        return FIXED_OPTION_WORDS_ZH.get(option, option) if lang == "zh" and not self.named_options else option

    def describe_totals(self, d: ElectionDefinition, totals: Sequence[int], lang: str = "en") -> str:
        sep = "，" if lang == "zh" else ", "
        return sep.join(f"{self.option_word(o, lang)} {t}" for o, t in zip(d.options, totals, strict=True))

    def describe_outcome(self, d: ElectionDefinition, outcome: JSON, lang: str = "en") -> str:
        """The outcome in words (``lang``: "en" or "zh"); the record's reason is in English, so only the English
        words quote it."""
        if lang == "zh":
            return "无效" if not outcome.get("valid") else ("通过" if outcome.get("passed") else "未通过")
        reason = f" ({outcome.get('reason', '')})"
        if not outcome.get("valid"):
            return "VOID" + reason
        return ("PASSED" if outcome.get("passed") else "NOT PASSED") + reason


class PerOption(Kind):
    """Kinds whose ballot is one 0/1 ciphertext per option (committee, approval) and whose tally packs each option's
    column into its own counter."""

    named_options = True

    def layout(self, d: ElectionDefinition) -> tuple[tuple[int, ...], ...]:
        return ((0, 1),) * len(d.options)

    def tally(self, context: ElectionContext, ballots: Sequence[Tallied]) -> int:
        d, pk = context.definition, context.paillier_key
        columns = [aggregate(pk, [b.ciphertexts[j] for b in ballots]) for j in range(len(d.options))]
        return pack(pk, columns, self.counter_bits(d))


def check_named_options(kind: str, options: Sequence[str]) -> None:
    """2..MAX_OPTIONS distinct options of 1-100 characters (candidates' or options' names)."""
    if not 2 <= len(options) <= MAX_OPTIONS or len(set(options)) != len(options):
        raise InvalidElection(f"a {kind} has 2..{MAX_OPTIONS} distinct options")
    if any(not 1 <= len(name) <= 100 for name in options):
        raise InvalidElection("option names are 1-100 characters")


_SEPARATORS = re.compile(r"[,，、;；]")  # commas as typed on Chinese keyboards, the enumeration comma, semicolons


def marks_by_name(d: ElectionDefinition, text: str, most: int) -> list[int]:
    """Option names separated by commas (``,`` ``，`` ``、``; at most ``most``; an empty string marks nothing)."""
    names = [unicodedata.normalize("NFC", c).strip() for c in _SEPARATORS.split(text) if c.strip()]
    unknown = [c for c in names if c not in d.options]
    if unknown:
        raise InvalidBallot(f"unknown option(s) {unknown}; the options are: {', '.join(d.options)}")
    if len(set(names)) != len(names):
        raise InvalidBallot("an option is marked twice")
    if len(names) > most:
        raise InvalidBallot(f"mark at most {most} of: {', '.join(d.options)}")
    return [d.options.index(c) for c in names]


def zero_one_marks(d: ElectionDefinition, choice: Choice, most: int) -> list[int]:
    """Marks (option indexes) as one 0/1 value per option, at most ``most`` of them."""
    marks = [choice] if isinstance(choice, int) else list(choice)
    if len(set(marks)) != len(marks):
        raise InvalidBallot("an option is marked twice")
    if len(marks) > most or any(not 0 <= j < len(d.options) for j in marks):
        raise InvalidBallot(f"mark at most {most} of the {len(d.options)} options")
    return [1 if j in marks else 0 for j in range(len(d.options))]
