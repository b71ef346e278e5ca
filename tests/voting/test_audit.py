"""The Benaloh audit (voting/audit.py): an opening checks for every kind and mode and gives back the choice; every
check refuses what it must (malformed opening, another election, a choice the kind does not allow, a wrong exponent,
a wrong choice, a ballot that does not verify)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import paillier
from tests import factories
from tests.factories import make_election
from voting.audit import OPENING_TYPE, check_opening, describe_choice, normalise_choice, open_ballot
from voting.ballot import EncryptedBallot, build_ballot
from voting.election import EligibilityMode
from voting.eligibility import SigningEligibility
from voting.encoding import JSON
from voting.errors import InvalidBallot, InvalidEncoding, NotEligible


@pytest.fixture(scope="module")
def committee(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    return make_election(safe_primes_1024, kind="committee", election_id="audit-committee", voters=2)


@pytest.fixture(scope="module")
def referendum(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    return make_election(safe_primes_1024, election_id="audit-referendum", voters=2)


def opened(e: factories.TestElection, choice: Any, voter: int = 0) -> JSON:
    randomness = [paillier.random_exponent(e.context.paillier_key) for _ in e.context.contest_allowed()]
    ballot = build_ballot(e.context, choice, e.voters[voter], randomness=randomness)
    return open_ballot(e.context, ballot, choice, randomness)


@pytest.mark.parametrize(
    ("kind", "eligibility", "choice", "normal"),
    [
        ("referendum", EligibilityMode.SIGNING, 2, 2),
        ("assembly", EligibilityMode.SIGNING, 0, 0),
        ("approval", EligibilityMode.SIGNING, [3, 0], [0, 3]),
        ("committee", EligibilityMode.SIGNING, 1, [1]),
        ("referendum", EligibilityMode.ANONYMOUS, 1, 1),
    ],
)
def test_an_opening_checks_and_gives_back_the_choice(
    safe_primes_1024: tuple[int, int], kind: str, eligibility: EligibilityMode, choice: Any, normal: Any
) -> None:
    e = make_election(
        safe_primes_1024,
        kind=kind,
        eligibility=eligibility,
        election_id=f"audit-{kind}-{eligibility.value}",
        voters=2,
        areas=[100, 200] if kind == "assembly" else None,
    )
    opening = opened(e, choice)
    assert opening["type"] == OPENING_TYPE and opening["choice"] == normal
    checked = check_opening(e.context, opening)
    assert checked.choice == normal
    assert checked.ballot_hash == checked.ballot.ballot_hash(e.context)


def _with(opening: JSON, **changes: Any) -> JSON:
    return {**copy.deepcopy(opening), **changes}


def test_malformed_openings_are_refused(committee: factories.TestElection) -> None:
    opening = opened(committee, [0, 2])
    r = opening["randomness"]
    malformed = [
        {k: v for k, v in opening.items() if k != "choice"},
        _with(opening, extra=1),
        _with(opening, type="linli-receipt"),
        _with(opening, choice=True),
        _with(opening, choice="Wang"),
        _with(opening, choice=[0, "2"]),
        _with(opening, randomness=r[1:]),
        _with(opening, randomness=[r[0] + "00", *r[1:]]),
        _with(opening, randomness=[r[0].upper(), *r[1:]]),
    ]
    for bad in malformed:
        with pytest.raises(InvalidEncoding):
            check_opening(committee.context, bad)


def test_wrong_openings_are_refused(committee: factories.TestElection, referendum: factories.TestElection) -> None:
    opening = opened(committee, [0, 2])
    r = opening["randomness"]
    with pytest.raises(InvalidBallot, match="for election 'other-election'"):
        check_opening(committee.context, _with(opening, election="other-election"))
    with pytest.raises(InvalidBallot, match="mark at most 2"):
        check_opening(committee.context, _with(opening, choice=[0, 1, 2]))
    with pytest.raises(InvalidBallot, match="choose one of"):
        check_opening(referendum.context, _with(opened(referendum, 1), choice=[1]))
    not_encryption = "ciphertext 1 is not the encryption of the opened choice"
    with pytest.raises(InvalidBallot, match="ciphertext 0 is not the encryption"):
        check_opening(committee.context, _with(opening, choice=[1, 2]))
    with pytest.raises(InvalidBallot, match=not_encryption):
        check_opening(committee.context, _with(opening, randomness=[r[0], r[0], *r[2:]]))
    # the ballot itself must verify: its signature, and its proofs
    ballot = copy.deepcopy(opening["ballot"])
    ballot["eligibility"]["signature"] = "00" * 64
    with pytest.raises(NotEligible):
        check_opening(committee.context, _with(opening, ballot=ballot))
    yes = opened(referendum, 0)
    with pytest.raises(InvalidBallot, match="ballot is for election 'audit-other'"):
        check_opening(referendum.context, _with(yes, ballot={**yes["ballot"], "election": "audit-other"}))
    # an opening of the referendum's ballot read as the committee's: another layout
    with pytest.raises((InvalidEncoding, InvalidBallot)):
        check_opening(committee.context, _with(opened(referendum, 0), election="audit-committee"))


def test_a_ballot_whose_proof_does_not_verify_is_refused_even_if_it_opens(committee: factories.TestElection) -> None:
    """A booth could encrypt the shown choice but attach a wrong proof: the opening must still fail."""
    opening = opened(committee, [1])
    ballot = copy.deepcopy(opening["ballot"])
    z = ballot["contests"][0]["proof"]["z"]
    z[0] = format(int(z[0], 16) + 1, "x").zfill(len(z[0]))
    parsed = EncryptedBallot.from_json(ballot, committee.context)
    evidence = SigningEligibility().sign(committee.context, committee.voters[0], parsed.ballot_hash(committee.context))
    ballot["eligibility"] = evidence.to_json()
    with pytest.raises(InvalidBallot, match="validity proof of ciphertext 0 does not verify"):
        check_opening(committee.context, _with(opening, ballot=ballot))


def test_choices_in_words(committee: factories.TestElection, referendum: factories.TestElection) -> None:
    assert describe_choice(referendum.context.definition, 0, "zh") == "赞成"
    assert describe_choice(referendum.context.definition, 2, "en") == "abstain"
    assert describe_choice(committee.context.definition, [3, 0], "en") == "Wang, Liu"
    assert describe_choice(committee.context.definition, [1, 2], "zh") == "Li、Zhang"
    assert "blank" in describe_choice(committee.context.definition, [], "en")
    assert "空白" in describe_choice(committee.context.definition, [], "zh")
    with pytest.raises(InvalidBallot):
        normalise_choice(committee.context.definition, [0, 0])


@settings(max_examples=8, deadline=None)
@given(marks=st.sets(st.integers(0, 3), max_size=2), other=st.sets(st.integers(0, 3), max_size=2))
def test_an_opening_checks_only_for_its_own_choice(
    committee: factories.TestElection, marks: set[int], other: set[int]
) -> None:
    opening = opened(committee, sorted(marks))
    assert check_opening(committee.context, opening).choice == sorted(marks)
    if other != marks:
        with pytest.raises(InvalidBallot, match="is not the encryption of the opened choice"):
            check_opening(committee.context, _with(opening, choice=sorted(other)))
