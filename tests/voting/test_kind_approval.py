"""The approval poll: a kind added as one module (voting/kinds/approval.py) and these tests, with no other change
to ballots, the state machine, the verifier or the CLI (docs/protocol.md §P4, §P9)."""

from __future__ import annotations

import dataclasses

import pytest

from client.verifier import check_record
from crypto.note import NoteSigner
from tests.factories import make_election, make_record
from voting.ballot import build_ballot
from voting.election import ElectionKind, EligibilityMode
from voting.errors import InvalidBallot, InvalidElection
from voting.kinds import KINDS, kind_of

OPTIONS = ("Bicycle shed", "Playground", "Garden")


def test_the_kind_is_discovered_from_its_module() -> None:
    assert "approval" in KINDS and kind_of("approval").name == ElectionKind.APPROVAL


@pytest.mark.parametrize("eligibility", [EligibilityMode.SIGNING, EligibilityMode.ANONYMOUS])
def test_approval_poll_counts_every_mark_and_verifies(safe_primes_1024, eligibility) -> None:  # type: ignore[no-untyped-def]
    e = make_election(
        safe_primes_1024, voters=5, kind=ElectionKind.APPROVAL, candidates=OPTIONS, eligibility=eligibility
    )
    for voter, marks in enumerate(([0, 1], [0], [0, 1, 2], [], [2])):
        e.vote(voter, marks)
    e.close()
    e.decrypt([1, 2, 3])
    assert e.state.totals == (3, 2, 2)
    assert e.state.outcome == {
        "adopted": [0],
        "reason": "1 of 3 option(s) approved by more than half of 5 ballots",
        "valid": True,
    }
    report = check_record(
        make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t")), min_modulus_bits=1024, workers=1
    )
    assert report.passed, report.render()
    assert report.outcome.startswith("ADOPTED: Bicycle shed")


def test_approval_ballot_marking_an_option_twice_is_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=2, kind=ElectionKind.APPROVAL, candidates=OPTIONS)
    with pytest.raises(InvalidBallot, match="twice"):
        build_ballot(e.context, [1, 1], e.voters[0])
    with pytest.raises(InvalidBallot, match="twice"):
        e.context.definition.kind_rules.parse_choice(e.context.definition, "Garden, Garden")
    with pytest.raises(InvalidBallot, match="unknown"):
        e.context.definition.kind_rules.parse_choice(e.context.definition, "Garden, Pool")


def test_approval_ballot_with_a_value_outside_zero_one_is_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    # a ballot encrypting 2 for one option: the set-membership proof over {0, 1} cannot be made
    e = make_election(safe_primes_1024, voters=2, kind=ElectionKind.APPROVAL, candidates=OPTIONS)
    with pytest.raises(InvalidBallot):
        kind_of("approval").encode(e.context.definition, [0, 5])


def test_low_turnout_voids_the_poll(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=5, kind=ElectionKind.APPROVAL, candidates=OPTIONS)
    e.vote(0, [0])
    e.vote(1, [0])
    e.close()
    e.decrypt([1, 2, 3])
    assert e.state.outcome["valid"] is False and e.state.outcome["adopted"] == []


def test_approval_needs_named_options_and_no_seats(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidElection):
        make_election(safe_primes_1024, voters=1, kind=ElectionKind.APPROVAL, candidates=("Only one",))
    definition = make_election(
        safe_primes_1024, voters=1, kind=ElectionKind.APPROVAL, candidates=OPTIONS
    ).context.definition
    with pytest.raises(InvalidElection, match="seats"):
        dataclasses.replace(definition, seats=1)
    with pytest.raises(InvalidElection, match="major"):
        dataclasses.replace(definition, major=True)


def test_report_page_shows_a_kind_it_has_no_layout_for(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    from client.report import build_report, render_html

    e = make_election(safe_primes_1024, voters=3, kind=ElectionKind.APPROVAL, candidates=OPTIONS)
    for voter, marks in enumerate(([0, 2], [0], [1])):
        e.vote(voter, marks)
    e.close()
    e.decrypt([1, 2, 3])
    record = make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"))
    report = check_record(record, min_modulus_bits=1024, workers=1)
    for lang, headline in (("zh", "采纳：Bicycle shed"), ("en", "ADOPTED: Bicycle shed")):
        summary = build_report(record, report, lang)
        assert summary["status"] == "decided" and summary["result"]["outcome"]["words"].startswith(headline)
        page = render_html(summary, lang)
        assert headline in page and ("意见征集" in page if lang == "zh" else "Approval poll" in page)
