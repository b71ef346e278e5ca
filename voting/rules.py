"""Rules as code: one deterministic, public function from decrypted totals and roll totals to the outcome
(docs/protocol.md §P9). The verifier re-runs it, so a wrong outcome fails verification like a wrong proof.

Referendum (decision of residents, one vote each; options yes / no / abstain):

* the vote is **valid** only if more than half of the registered voters cast a counted ballot
  (``2 · ballots > roll_size``), as for residents' committee elections;
* a valid vote **passes** if more than half of the ballots cast say yes (``2 · yes > ballots``);
  abstentions count as cast, so they weigh like "no" — the conservative reading of "more than half".

All comparisons are on integers; there is no rounding anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from voting.encoding import JSON, exact_keys, get
from voting.errors import InvalidEncoding

__all__ = ["AssemblyTotals", "CommitteeOutcome", "Outcome", "decide_assembly", "decide_committee", "decide_referendum"]


@dataclass(frozen=True, slots=True)
class Outcome:
    valid: bool
    passed: bool
    reason: str

    def to_json(self) -> JSON:
        return {"passed": self.passed, "reason": self.reason, "valid": self.valid}

    @classmethod
    def from_json(cls, obj: JSON) -> Outcome:
        exact_keys(obj, {"passed", "reason", "valid"}, "outcome")
        return cls(
            valid=get(obj, "valid", bool, "outcome"),
            passed=get(obj, "passed", bool, "outcome"),
            reason=get(obj, "reason", str, "outcome"),
        )


def decide_referendum(totals: tuple[int, ...], roll_size: int) -> Outcome:
    """§P9.1: the referendum outcome from (yes, no, abstain) totals and the number of registered voters."""
    if len(totals) != 3 or any(t < 0 for t in totals) or roll_size < 0:
        raise InvalidEncoding("a referendum has three non-negative totals")
    yes, no, abstain = totals
    ballots = yes + no + abstain
    if ballots > roll_size:
        raise InvalidEncoding(f"{ballots} ballots counted for a roll of {roll_size}")
    if 2 * ballots <= roll_size:
        return Outcome(False, False, f"turnout {ballots}/{roll_size} is not more than half of the registered voters")
    if 2 * yes > ballots:
        return Outcome(True, True, f"{yes} of {ballots} ballots say yes: more than half")
    return Outcome(True, False, f"{yes} of {ballots} ballots say yes: not more than half")


# -- committee elections (居委会 / 业委会 换届选举, 差额选举) -----------------------------------------------------
@dataclass(frozen=True, slots=True)
class CommitteeOutcome:
    """§P9.2: who is elected, and what goes to a runoff (另行选举)."""

    valid: bool
    elected: tuple[int, ...]  # candidate indexes, by rank
    runoff_seats: int  # seats still to fill
    runoff_candidates: tuple[int, ...]  # candidates concerned by the runoff (ties first, then by votes)
    reason: str

    def to_json(self) -> JSON:
        return {
            "elected": list(self.elected),
            "reason": self.reason,
            "runoff_candidates": list(self.runoff_candidates),
            "runoff_seats": self.runoff_seats,
            "valid": self.valid,
        }

    @classmethod
    def from_json(cls, obj: JSON) -> CommitteeOutcome:
        what = "outcome"
        exact_keys(obj, {"elected", "reason", "runoff_candidates", "runoff_seats", "valid"}, what)
        elected, runoff = get(obj, "elected", list, what), get(obj, "runoff_candidates", list, what)
        if not all(isinstance(j, int) and not isinstance(j, bool) and j >= 0 for j in elected + runoff):
            raise InvalidEncoding("outcome: candidates are named by their indexes")
        return cls(
            valid=get(obj, "valid", bool, what),
            elected=tuple(elected),
            runoff_seats=get(obj, "runoff_seats", int, what),
            runoff_candidates=tuple(runoff),
            reason=get(obj, "reason", str, what),
        )


def decide_committee(votes: tuple[int, ...], seats: int, ballots: int, roll_size: int) -> CommitteeOutcome:
    """§P9.2: m candidates for ``seats`` seats; ``ballots`` counted ballots (blank ones included).

    * valid only if more than half of the registered voters cast a ballot (``2·ballots > roll_size``);
    * a candidate is elected only with more than half of the ballots cast (``2·votes > ballots``);
    * seats go by rank among those; a tie across the last seat, and seats nobody filled, go to a runoff,
      with the tied candidates (or every candidate not elected, by votes) named.
    """
    m = len(votes)
    if not 1 <= seats < m or any(v < 0 for v in votes) or ballots < 0 or roll_size < 0:
        raise InvalidEncoding("a committee election has 1 <= seats < candidates and non-negative counts")
    if ballots > roll_size or any(v > ballots for v in votes) or sum(votes) > seats * ballots:
        raise InvalidEncoding("more votes than ballots, or more ballots than registered voters")
    everyone = tuple(sorted(range(m), key=lambda j: (-votes[j], j)))
    if 2 * ballots <= roll_size:
        return CommitteeOutcome(
            False, (), seats, everyone, f"turnout {ballots}/{roll_size} is not more than half: the election is void"
        )
    qualified = [j for j in everyone if 2 * votes[j] > ballots]
    if len(qualified) <= seats:
        elected = tuple(qualified)
    else:
        boundary = votes[qualified[seats - 1]]
        if votes[qualified[seats]] == boundary:  # a tie across the last seat
            above = tuple(j for j in qualified if votes[j] > boundary)
            tied = tuple(j for j in qualified if votes[j] == boundary)
            return CommitteeOutcome(
                True,
                above,
                seats - len(above),
                tied,
                f"{len(above)} elected; candidates {list(tied)} tie with {boundary} votes for the remaining seat(s)",
            )
        elected = tuple(qualified[:seats])
    remaining = seats - len(elected)
    others = tuple(j for j in everyone if j not in elected)
    if remaining:
        return CommitteeOutcome(
            True,
            elected,
            remaining,
            others,
            f"{len(elected)} elected with more than half of {ballots} ballots; {remaining} seat(s) need a runoff",
        )
    return CommitteeOutcome(True, elected, 0, (), f"all {seats} seats filled with more than half of {ballots} ballots")


# -- homeowners' assembly decisions (业主大会, Civil Code art. 278) ------------------------------------------------
@dataclass(frozen=True, slots=True)
class AssemblyTotals:
    """Yes / no / abstain by head and by exclusive area (in 0.01 m², exact integers)."""

    heads: tuple[int, int, int]
    area: tuple[int, int, int]


def _m2(hundredths: int) -> str:
    """An exact area in m² with two decimals, from hundredths (no floats)."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def decide_assembly(totals: AssemblyTotals, owners: int, total_area: int, *, major: bool) -> Outcome:
    """§P9.3: valid only if owners holding ≥ 2/3 of the area AND ≥ 2/3 of the owners take part; passes with
    more than half of the participating area AND owners (ordinary matters) or at least 3/4 of both (major
    matters: maintenance-fund use, rebuilding, changing the use of common parts). Abstentions take part."""
    if owners <= 0 or total_area <= 0 or any(x < 0 for x in (*totals.heads, *totals.area)):
        raise InvalidEncoding("an assembly needs owners, area, and non-negative totals")
    heads, area = sum(totals.heads), sum(totals.area)
    if heads > owners or area > total_area:
        raise InvalidEncoding("more participation than owners or area")
    if 3 * heads < 2 * owners or 3 * area < 2 * total_area:
        return Outcome(
            False,
            False,
            f"participation {heads}/{owners} owners and {_m2(area)}/{_m2(total_area)} m²: not two thirds of both",
        )
    yes_h, yes_a = totals.heads[0], totals.area[0]
    if major:
        passed = 4 * yes_h >= 3 * heads and 4 * yes_a >= 3 * area
        rule = "at least three quarters"
    else:
        passed = 2 * yes_h > heads and 2 * yes_a > area
        rule = "more than half"
    verdict = "passes" if passed else "fails"
    return Outcome(
        True, passed, f"yes {yes_h}/{heads} owners and {_m2(yes_a)}/{_m2(area)} m²; needs {rule} of both: {verdict}"
    )
