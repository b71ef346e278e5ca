"""§P9.5: how many votes an assembly's disclosed areas give away — the measure against a brute force over every
assignment of options to the ballots, and the rule that an anonymous assembly whose roll identifies votes opens
only with the administrator's acceptance."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_election
from voting.area_disclosure import check_roll_disclosure, roll_exposure, tally_exposure
from voting.election import ElectionDefinition, ElectionKind, EligibilityMode
from voting.errors import InvalidElection, InvalidEncoding

ASSEMBLY = ElectionKind.ASSEMBLY


def _totals(areas: Sequence[int], votes: Sequence[int], k: int = 3) -> tuple[list[int], list[int]]:
    heads = [sum(1 for v in votes if v == j) for j in range(k)]
    area = [sum(a for a, v in zip(areas, votes, strict=True) if v == j) for j in range(k)]
    return heads, area


def _brute_force(areas: Sequence[int], heads: Sequence[int], area: Sequence[int]) -> tuple[int, int]:
    """Every assignment of options to the ballots: (how many give the totals, how many ballots they agree on)."""
    k = len(heads)
    consistent = [
        votes
        for votes in itertools.product(range(k), repeat=len(areas))
        if _totals(areas, votes, k) == (list(heads), list(area))
    ]
    forced = sum(1 for i in range(len(areas)) if len({votes[i] for votes in consistent}) == 1)
    return len(consistent), forced


# small areas from a few values: ties between areas (classes of several ballots) and coinciding subset sums
_areas = st.lists(st.sampled_from([1, 2, 3, 4, 5, 7, 12]), min_size=1, max_size=7)


@given(_areas, st.data())
def test_tally_measure_agrees_with_the_brute_force(areas: list[int], data: st.DataObject) -> None:
    votes = data.draw(st.lists(st.integers(0, 2), min_size=len(areas), max_size=len(areas)))
    heads, area = _totals(areas, votes)
    exposure = tally_exposure(areas, heads, area)
    assert exposure.exact
    assert exposure.assignments >= 1  # the true assignment is consistent
    assert (exposure.assignments, exposure.attributed) == _brute_force(areas, heads, area)
    # every forced area's option is the one its ballots really chose
    for w, count, option in exposure.forced:
        assert [v for a, v in zip(areas, votes, strict=True) if a == w] == [option] * count
    assert exposure.by_heads_alone == (len(set(votes)) == 1)


@given(_areas, st.data())
def test_two_options_agree_with_the_brute_force(areas: list[int], data: st.DataObject) -> None:
    votes = data.draw(st.lists(st.integers(0, 1), min_size=len(areas), max_size=len(areas)))
    heads, area = _totals(areas, votes, 2)
    exposure = tally_exposure(areas, heads, area)
    assert (exposure.assignments, exposure.attributed) == _brute_force(areas, heads, area)


@given(_areas, st.data())
def test_beyond_the_work_bound_the_answer_is_conservative(areas: list[int], data: st.DataObject) -> None:
    votes = data.draw(st.lists(st.integers(0, 2), min_size=len(areas), max_size=len(areas)))
    heads, area = _totals(areas, votes)
    bounded = tally_exposure(areas, heads, area, max_work=2)
    exact = tally_exposure(areas, heads, area)
    if bounded.exact:
        assert bounded == exact
    else:
        assert bounded.attributed == len(areas) >= exact.attributed and bounded.assignments == 0


def test_the_five_ballot_attack_of_issue_13() -> None:
    """Five owners of distinct areas: the totals name every owner's vote."""
    areas, votes = [8537, 12000, 9000, 6500, 10000], [0, 1, 0, 0, 2]
    exposure = tally_exposure(areas, *_totals(areas, votes))
    assert exposure.exact and exposure.assignments == 1 and exposure.attributed == 5 and exposure.identifies_votes
    assert exposure.forced == ((6500, 1, 0), (8537, 1, 0), (9000, 1, 0), (10000, 1, 2), (12000, 1, 1))


def test_equal_areas_hide_each_other() -> None:
    areas, votes = [5000, 5000, 5000, 9000], [0, 1, 0, 0]
    exposure = tally_exposure(areas, *_totals(areas, votes))
    assert exposure.assignments == 3 and exposure.attributed == 1  # only the 9000 owner: yes
    assert exposure.forced == ((9000, 1, 0),)


def test_a_unanimous_vote_is_not_the_areas_doing() -> None:
    areas = [100, 200, 300]
    exposure = tally_exposure(areas, [3, 0, 0], [600, 0, 0])
    assert exposure.attributed == 3 and exposure.by_heads_alone and not exposure.identifies_votes


@pytest.mark.parametrize(
    ("areas", "heads", "area"),
    [
        ([100, 200], [1, 1, 0], [150, 150, 0]),  # no split of the areas gives these sums
        ([100, 200], [2, 1, 0], [100, 200, 0]),  # more heads than ballots
        ([100, 200], [1, 1, 0], [100, 100, 0]),  # area sums that do not add up
        ([100, 0], [1, 1, 0], [100, 0, 0]),  # a ballot without area
        ([100], [1, 0], [100, 0, 0]),  # heads and areas for different options
    ],
)
def test_inconsistent_totals_are_refused(areas: list[int], heads: list[int], area: list[int]) -> None:
    with pytest.raises(ValueError):
        tally_exposure(areas, heads, area)


@given(st.lists(st.sampled_from([100, 200, 300, 450]), min_size=2, max_size=6))
def test_roll_worst_case_is_the_lone_dissenter(areas: list[int]) -> None:
    """An owner of a unique area is named when she alone votes no; an owner sharing her area is not."""
    exposure = roll_exposure(areas)
    assert exposure.unique == sum(1 for a in areas if areas.count(a) == 1)
    assert exposure.identifies_votes == (exposure.unique > 0)
    for i, a in enumerate(areas):
        votes = [1 if j == i else 0 for j in range(len(areas))]
        named = any(w == a for w, _, _ in tally_exposure(areas, *_totals(areas, votes)).forced)
        assert named == (areas.count(a) == 1)


def test_roll_measure_refuses_areas_that_are_not_positive() -> None:
    with pytest.raises(ValueError):
        roll_exposure([100, 0])
    assert roll_exposure([]) == roll_exposure([]).__class__(0, 0, 0, 0)


# -- the rule: an anonymous assembly whose roll identifies votes opens only if the administrator accepted it ---------
def test_anonymous_assembly_with_unique_areas_does_not_open_without_acceptance(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidElection, match="--accept-area-disclosure"):
        make_election(
            safe_primes_1024,
            voters=3,
            kind=ASSEMBLY,
            areas=[5000, 5000, 9000],
            eligibility=EligibilityMode.ANONYMOUS,
            election_id="assembly-unaccepted",
            accept_area_disclosure=False,
        )


def test_anonymous_assembly_with_unique_areas_opens_when_accepted(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(
        safe_primes_1024,
        voters=3,
        kind=ASSEMBLY,
        areas=[5000, 5000, 9000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-accepted",
        accept_area_disclosure=True,
    )
    assert e.state.definition is not None and e.state.definition.accept_area_disclosure


def test_anonymous_assembly_of_shared_areas_needs_no_acceptance(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(
        safe_primes_1024,
        voters=4,
        kind=ASSEMBLY,
        areas=[5000, 5000, 9000, 9000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-shared",
        accept_area_disclosure=False,
    )
    assert e.state.phase.value == "open"


def test_signing_assembly_is_not_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    """The signing mode names each ballot's flat anyway; its exposure is shown on the report (§P9.5)."""
    e = make_election(
        safe_primes_1024,
        voters=2,
        kind=ASSEMBLY,
        areas=[5000, 9000],
        election_id="assembly-sign",
        accept_area_disclosure=False,
    )
    assert e.state.phase.value == "open"


def test_acceptance_is_signed_in_the_definition(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(
        safe_primes_1024,
        voters=2,
        kind=ASSEMBLY,
        areas=[5000, 9000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-signed-accept",
    )
    d = e.state.require_definition()
    body = d.to_json()
    assert body["accept_area_disclosure"] is True
    assert ElectionDefinition.from_json(body) == d
    missing = {key: value for key, value in body.items() if key != "accept_area_disclosure"}
    with pytest.raises(InvalidEncoding):
        ElectionDefinition.from_json(missing)
    with pytest.raises(InvalidEncoding):
        ElectionDefinition.from_json(body | {"accept_area_disclosure": 1})
    # flipping the flag changes the election.created entry, hence the election hash and the fingerprint
    created = e.entries[0]
    assert b'"accept_area_disclosure":true' in created.to_bytes()


def test_acceptance_only_for_an_assembly(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidElection, match="accept_area_disclosure"):
        make_election(safe_primes_1024, voters=1, election_id="referendum-accept", accept_area_disclosure=True)


def test_check_roll_disclosure_is_the_rule(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(
        safe_primes_1024,
        voters=2,
        kind=ASSEMBLY,
        areas=[5000, 5000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-rule",
        accept_area_disclosure=False,
    )
    d = e.state.require_definition()
    check_roll_disclosure(d, [5000, 5000])
    with pytest.raises(InvalidElection, match="1 of the 3 owners"):
        check_roll_disclosure(d, [5000, 5000, 7000])
