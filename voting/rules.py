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

__all__ = ["Outcome", "decide_referendum"]


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
