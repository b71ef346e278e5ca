"""Rules as code: every threshold edge (exactly 1/2, exactly 2/3, exactly 3/4, ties) in both directions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.errors import InvalidEncoding
from voting.rules import (
    AssemblyTotals,
    CommitteeOutcome,
    Outcome,
    decide_assembly,
    decide_committee,
    decide_referendum,
)


# -- referendum --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("totals", "roll", "valid", "passed"),
    [
        ((3, 2, 0), 10, False, False),  # turnout exactly 1/2: not more than half, void
        ((4, 1, 1), 10, True, True),  # turnout 6/10, yes 4/6
        ((3, 3, 0), 10, True, False),  # yes exactly 1/2 of ballots: fails
        ((4, 3, 0), 10, True, True),  # yes 4/7 > 1/2
        ((3, 1, 2), 10, True, False),  # abstentions count as cast: 3/6 is not more than half
        ((1, 0, 0), 1, True, True),
    ],
)
def test_referendum_edges(totals: tuple[int, int, int], roll: int, valid: bool, passed: bool) -> None:
    outcome = decide_referendum(totals, roll)
    assert (outcome.valid, outcome.passed) == (valid, passed)


def test_referendum_rejects_impossible_totals() -> None:
    for totals, roll in (((5, 5, 1), 10), ((-1, 0, 0), 3), ((1, 1), 3)):
        with pytest.raises(InvalidEncoding):
            decide_referendum(totals, roll)  # type: ignore[arg-type]


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 60))
def test_referendum_is_the_integer_rule(yes: int, no: int, abstain: int, extra: int) -> None:
    roll = yes + no + abstain + extra
    if roll == 0:
        return
    outcome = decide_referendum((yes, no, abstain), roll)
    ballots = yes + no + abstain
    assert outcome.valid == (ballots / roll > 0.5)
    assert outcome.passed == (outcome.valid and yes / ballots > 0.5)


# -- committee --------------------------------------------------------------------------------------------------
def test_committee_void_at_exactly_half_turnout() -> None:
    outcome = decide_committee((5, 4, 1), seats=2, ballots=5, roll_size=10)
    assert not outcome.valid and outcome.elected == () and outcome.runoff_seats == 2


def test_committee_more_than_half_turnout_valid() -> None:
    assert decide_committee((5, 4, 1), seats=2, ballots=6, roll_size=10).valid


def test_candidate_with_exactly_half_of_ballots_is_not_elected() -> None:
    outcome = decide_committee((6, 5, 1), seats=2, ballots=10, roll_size=12)
    assert outcome.elected == (0,)  # 6/10 elected; 5/10 is exactly half: not elected
    assert outcome.runoff_seats == 1 and outcome.runoff_candidates == (1, 2)


def test_candidate_with_just_over_half_is_elected() -> None:
    outcome = decide_committee((6, 6, 1), seats=2, ballots=11, roll_size=12)
    assert outcome.elected == (0, 1) and outcome.runoff_seats == 0


def test_seats_by_rank_among_the_qualified() -> None:
    outcome = decide_committee((8, 9, 7, 2), seats=2, ballots=14, roll_size=20)
    assert outcome.elected == (1, 0) and outcome.runoff_seats == 0 and outcome.runoff_candidates == ()


def test_tie_across_the_last_seat_goes_to_runoff() -> None:
    outcome = decide_committee((10, 8, 8, 1), seats=2, ballots=14, roll_size=15)
    assert outcome.elected == (0,) and outcome.runoff_seats == 1 and outcome.runoff_candidates == (1, 2)


def test_tie_not_across_the_last_seat_is_fine() -> None:
    outcome = decide_committee((9, 9, 7, 1), seats=2, ballots=13, roll_size=15)
    assert outcome.elected == (0, 1) and outcome.runoff_seats == 0


def test_tie_among_all_qualified_leaves_every_seat_to_the_runoff() -> None:
    outcome = decide_committee((7, 7, 7, 0), seats=2, ballots=12, roll_size=15)
    assert outcome.elected == () and outcome.runoff_seats == 2 and outcome.runoff_candidates == (0, 1, 2)


def test_committee_rejects_impossible_counts() -> None:
    for votes, seats, ballots, roll in (
        ((3, 2), 2, 3, 5),
        ((4, 1, 1), 1, 3, 5),
        ((1, 1, 1), 1, 6, 5),
        ((3, 3, 3), 1, 4, 9),
    ):
        with pytest.raises(InvalidEncoding):
            decide_committee(votes, seats, ballots, roll)


@given(st.lists(st.integers(0, 20), min_size=2, max_size=8), st.data())
def test_committee_invariants(votes: list[int], data: st.DataObject) -> None:
    ballots = max(votes) + data.draw(st.integers(0, 5))
    seats = data.draw(st.integers(1, len(votes) - 1))
    if sum(votes) > seats * ballots:
        return
    roll = ballots + data.draw(st.integers(0, ballots + 2))
    outcome = decide_committee(tuple(votes), seats, ballots, roll)
    assert len(outcome.elected) + outcome.runoff_seats == seats
    assert all(2 * votes[j] > ballots for j in outcome.elected)
    assert not set(outcome.elected) & set(outcome.runoff_candidates)
    if outcome.elected:
        worst = min(votes[j] for j in outcome.elected)
        assert all(votes[j] <= worst for j in range(len(votes)) if j not in outcome.elected)


# -- homeowners' assembly -----------------------------------------------------------------------------------------
OWNERS, AREA = 30, 300_000  # 30 owners, 3,000.00 m²


def _assembly(yes_h: int, no_h: int, yes_a: int, no_a: int, major: bool = False):  # type: ignore[no-untyped-def]
    return decide_assembly(AssemblyTotals((yes_h, no_h, 0), (yes_a, no_a, 0)), OWNERS, AREA, major=major)


def test_participation_exactly_two_thirds_of_both_is_valid() -> None:
    assert _assembly(20, 0, 200_000, 0).valid


def test_participation_just_below_two_thirds_of_owners_is_void() -> None:
    assert not _assembly(19, 0, 250_000, 0).valid


def test_participation_just_below_two_thirds_of_area_is_void() -> None:
    assert not _assembly(25, 0, 199_999, 0).valid


def test_ordinary_exactly_half_fails_and_just_over_passes() -> None:
    assert not _assembly(10, 10, 150_000, 50_000).passed  # owners exactly 1/2
    assert not _assembly(15, 5, 100_000, 100_000).passed  # area exactly 1/2
    assert _assembly(11, 9, 100_001, 99_999).passed


def test_major_exactly_three_quarters_passes_and_just_below_fails() -> None:
    assert _assembly(15, 5, 150_000, 50_000, major=True).passed  # exactly 3/4 of both
    assert not _assembly(14, 6, 150_000, 50_000, major=True).passed  # owners 14/20 < 3/4
    assert not _assembly(15, 5, 149_999, 50_001, major=True).passed  # area just below 3/4
    assert _assembly(15, 5, 150_000, 50_000, major=False).passed


def test_abstentions_take_part_but_do_not_say_yes() -> None:
    outcome = decide_assembly(AssemblyTotals((10, 0, 10), (150_000, 0, 50_000)), OWNERS, AREA, major=False)
    assert outcome.valid and not outcome.passed


def test_assembly_rejects_impossible_totals() -> None:
    with pytest.raises(InvalidEncoding):
        decide_assembly(AssemblyTotals((31, 0, 0), (1, 0, 0)), OWNERS, AREA, major=False)
    with pytest.raises(InvalidEncoding):
        decide_assembly(AssemblyTotals((1, 0, 0), (AREA + 1, 0, 0)), OWNERS, AREA, major=False)


@given(st.lists(st.integers(0, 20), min_size=3, max_size=8), st.integers(0, 20))
def test_committee_outcome_round_trips_through_its_json(votes: list[int], extra_roll: int) -> None:
    ballots = max(max(votes), (sum(votes) + 1) // 2)  # at most two marks per ballot
    outcome = decide_committee(tuple(votes), 2, ballots, ballots + extra_roll)
    assert CommitteeOutcome.from_json(outcome.to_json()) == outcome


def test_committee_outcome_json_is_exact() -> None:
    good = decide_committee((5, 3, 1), 2, 6, 8).to_json()
    for bad in ({**good, "extra": 1}, {**good, "elected": [True]}, {**good, "elected": [-1]}, {**good, "valid": 1}):
        with pytest.raises(InvalidEncoding):
            CommitteeOutcome.from_json(bad)


# -- every field of the published outcome, pinned (found by mutation testing, docs/mutation.md) -------------------
# The outcome JSON is published in the result entry and shown to residents: a void vote must say valid=False and
# passed=False (never None, never passed), and its reason must carry the exact figures.
def test_referendum_outcomes_pinned_whole() -> None:
    assert decide_referendum((3, 2, 0), 10) == Outcome(
        False, False, "turnout 5/10 is not more than half of the registered voters"
    )
    assert decide_referendum((4, 1, 1), 10) == Outcome(True, True, "4 of 6 ballots say yes: more than half")
    assert decide_referendum((3, 3, 0), 10) == Outcome(True, False, "3 of 6 ballots say yes: not more than half")


def test_referendum_on_an_empty_roll_is_void_not_an_error() -> None:
    assert decide_referendum((0, 0, 0), 0) == Outcome(
        False, False, "turnout 0/0 is not more than half of the registered voters"
    )
    with pytest.raises(InvalidEncoding, match="non-negative"):
        decide_referendum((0, 0, 0), -1)


def test_committee_outcomes_pinned_whole() -> None:
    void = decide_committee((5, 4, 1), seats=2, ballots=5, roll_size=10)
    assert void == CommitteeOutcome(False, (), 2, (0, 1, 2), "turnout 5/10 is not more than half: the election is void")
    tie = decide_committee((7, 6, 6, 1), seats=2, ballots=10, roll_size=12)
    assert tie == CommitteeOutcome(
        True, (0,), 1, (1, 2), "1 elected; candidates [1, 2] tie with 6 votes for the remaining seat(s)"
    )
    short = decide_committee((6, 5, 1), seats=2, ballots=10, roll_size=12)
    assert short == CommitteeOutcome(
        True, (0,), 1, (1, 2), "1 elected with more than half of 10 ballots; 1 seat(s) need a runoff"
    )
    full = decide_committee((7, 6, 1), seats=2, ballots=10, roll_size=12)
    assert full == CommitteeOutcome(True, (0, 1), 0, (), "all 2 seats filled with more than half of 10 ballots")


def test_committee_rejects_each_negative_count_alone() -> None:
    for votes, ballots, roll in (((-1, 3, 2), 3, 5), ((1, 1, 1), -1, 5), ((0, 0, 0), 0, -1)):
        with pytest.raises(InvalidEncoding):
            decide_committee(votes, 1, ballots, roll)
    with pytest.raises(InvalidEncoding, match="non-negative counts"):  # a negative vote is caught by the first check
        decide_committee((-1, 3, 2), 1, 3, 5)


def test_assembly_outcomes_pinned_whole() -> None:
    assert _assembly(19, 0, 250_000, 0) == Outcome(
        False, False, "participation 19/30 owners and 2500.00/3000.00 m²: not two thirds of both"
    )
    assert decide_assembly(AssemblyTotals((3, 1, 0), (24_037, 12_000, 0)), 5, 46_037, major=True) == Outcome(
        True, False, "yes 3/4 owners and 240.37/360.37 m²; needs at least three quarters of both: fails"
    )
    assert _assembly(11, 9, 100_001, 99_999) == Outcome(
        True, True, "yes 11/20 owners and 1000.01/2000.00 m²; needs more than half of both: passes"
    )


def test_assembly_needs_owners_and_area_each() -> None:
    nothing = AssemblyTotals((0, 0, 0), (0, 0, 0))
    for owners, area in ((0, AREA), (OWNERS, 0), (-1, AREA), (OWNERS, -1)):
        with pytest.raises(InvalidEncoding, match="needs owners, area"):
            decide_assembly(nothing, owners, area, major=False)
    with pytest.raises(InvalidEncoding, match="non-negative totals"):  # a negative count, owners and area fine
        decide_assembly(AssemblyTotals((2, -1, 0), (100, 0, 0)), OWNERS, AREA, major=False)
    one = decide_assembly(AssemblyTotals((1, 0, 0), (1, 0, 0)), 1, 1, major=False)  # the smallest real assembly
    assert one == Outcome(True, True, "yes 1/1 owners and 0.01/0.01 m²; needs more than half of both: passes")


def test_outcomes_have_the_record_layout_and_round_trip() -> None:
    """docs/record.md "result": the outcome's field names are part of the record format."""
    outcome = decide_referendum((4, 1, 1), 10)
    assert outcome.to_json() == {"passed": True, "reason": "4 of 6 ballots say yes: more than half", "valid": True}
    assert Outcome.from_json(outcome.to_json()) == outcome
    for bad in ({"passed": True, "reason": "r"}, {"passed": 1, "reason": "r", "valid": True}):
        with pytest.raises(InvalidEncoding):
            Outcome.from_json(bad)
    committee = decide_committee((6, 5, 1), seats=2, ballots=10, roll_size=12)
    assert committee.to_json() == {
        "elected": [0],
        "reason": "1 elected with more than half of 10 ballots; 1 seat(s) need a runoff",
        "runoff_candidates": [1, 2],
        "runoff_seats": 1,
        "valid": True,
    }
