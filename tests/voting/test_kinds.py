"""Committee elections and homeowners' assembly decisions end to end through the state machine, in both
eligibility modes, and the attacks specific to them (too many marks, a mark of 2, a wrong area)."""

from __future__ import annotations

import dataclasses

import pytest

from client.verifier import check_record
from crypto import paillier
from crypto.note import NoteSigner
from crypto.proofs import prove_membership
from tests.factories import make_election, make_record
from voting.ballot import Contest, build_ballot, verify_ballot
from voting.election import ElectionKind, EligibilityMode
from voting.eligibility import SigningEligibility
from voting.errors import InvalidBallot, InvalidElection, InvalidStatement, NotEligible
from voting.records import EntryKind, Role

COMMITTEE, ASSEMBLY = ElectionKind.COMMITTEE, ElectionKind.ASSEMBLY


@pytest.mark.parametrize("eligibility", [EligibilityMode.SIGNING, EligibilityMode.ANONYMOUS])
def test_committee_end_to_end(safe_primes_1024, eligibility: EligibilityMode) -> None:  # type: ignore[no-untyped-def]
    e = make_election(
        safe_primes_1024,
        voters=5,
        kind=COMMITTEE,
        eligibility=eligibility,
        election_id=f"committee-{eligibility.value}",
    )
    for voter, marks in enumerate([[0, 1], [0], [0, 2], [], [1, 0]]):
        e.vote(voter, marks)
    e.close()
    e.decrypt([1, 2, 3])
    assert e.state.totals == (4, 2, 1, 0)
    outcome = e.state.outcome
    assert outcome["valid"] and outcome["elected"] == [0] and outcome["runoff_seats"] == 1
    report = check_record(
        make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"), e.election_id),
        min_modulus_bits=1024,
        workers=1,
    )
    assert report.passed, report.render()
    assert "ELECTED: Wang" in report.outcome and "RUNOFF" in report.outcome


@pytest.fixture(scope="module")
def committee(safe_primes_1024):  # type: ignore[no-untyped-def]
    return make_election(safe_primes_1024, voters=3, kind=COMMITTEE, election_id="committee-attacks")


def test_more_marks_than_seats_refused_by_the_client(committee) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidBallot):
        build_ballot(committee.context, [0, 1, 2], committee.voters[0])


def test_ballot_marking_too_many_candidates_rejected(committee) -> None:  # type: ignore[no-untyped-def]
    """A voter who marks 3 of 4 with honest 0/1 proofs cannot produce a sum proof: forge one and it fails."""
    ctx = committee.context
    honest = build_ballot(ctx, [0, 1], committee.voters[0])
    extra = build_ballot(ctx, [2], committee.voters[0])
    contests = (*honest.contests[:2], extra.contests[2], honest.contests[3])
    forged = dataclasses.replace(honest, contests=contests)
    resigned = dataclasses.replace(
        forged, evidence=SigningEligibility().sign(ctx, committee.voters[0], forged.ballot_hash(ctx))
    )
    with pytest.raises(InvalidBallot, match="sum proof"):
        verify_ballot(ctx, resigned)


def test_mark_of_two_rejected(committee) -> None:  # type: ignore[no-untyped-def]
    """A ciphertext of 2 (a double mark for one candidate) has no valid 0/1 proof."""
    ctx = committee.context
    pk = ctx.paillier_key
    honest = build_ballot(ctx, [0], committee.voters[1])
    r = paillier.random_exponent(pk)
    c = paillier.encrypt(pk, 2, r)
    with pytest.raises(ValueError):  # the prover refuses a false statement
        prove_membership(pk, c, r, 1, (0, 1), b"x")
    bad = dataclasses.replace(honest, contests=(Contest(c, honest.contests[0].proof), *honest.contests[1:]))
    resigned = dataclasses.replace(
        bad, evidence=SigningEligibility().sign(ctx, committee.voters[1], bad.ballot_hash(ctx))
    )
    with pytest.raises(InvalidBallot):
        verify_ballot(ctx, resigned)


def test_committee_definition_rules(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    for seats, candidates in ((0, ("a", "b")), (2, ("a", "b")), (1, ("a",)), (1, ("a", "a"))):
        with pytest.raises(InvalidElection):
            make_election(safe_primes_1024, voters=1, kind=COMMITTEE, seats=seats, candidates=candidates)


AREAS = [8537, 12000, 9000, 6500, 10000]  # 0.01 m²


@pytest.mark.parametrize("eligibility", [EligibilityMode.SIGNING, EligibilityMode.ANONYMOUS])
def test_assembly_end_to_end(safe_primes_1024, eligibility: EligibilityMode) -> None:  # type: ignore[no-untyped-def]
    e = make_election(
        safe_primes_1024,
        voters=5,
        kind=ASSEMBLY,
        areas=AREAS,
        eligibility=eligibility,
        election_id=f"assembly-{eligibility.value}",
        major=True,
    )
    for voter, choice in enumerate([0, 1, 0, 0]):  # owner 4 does not vote
        e.vote(voter, choice)
    e.close()
    e.decrypt([2, 3, 4])
    assert e.state.totals == (3, 1, 0, 8537 + 9000 + 6500, 12000, 0)
    outcome = e.state.outcome
    # 4 of 5 owners and 36037 of 46037 area take part (>= 2/3 of both);
    # yes: 3 of 4 owners (exactly 3/4: enough) but 24037 of 36037 area (< 3/4): a major matter fails
    assert outcome["valid"] and not outcome["passed"]
    report = check_record(
        make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"), e.election_id),
        min_modulus_bits=1024,
        workers=1,
    )
    assert report.passed, report.render()
    assert report.totals_text == "yes 3 owners / 240.37 m², no 1 owners / 120.00 m², abstain 0 owners / 0.00 m²"
    assert report.outcome == (
        "NOT PASSED (yes 3/4 owners and 240.37/360.37 m²; needs at least three quarters of both: fails)"
    )


def test_assembly_roll_needs_areas(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidElection):
        make_election(safe_primes_1024, voters=2, kind=ASSEMBLY, areas=[100, 0])
    with pytest.raises(InvalidElection):  # a referendum roll carries no areas
        make_election(safe_primes_1024, voters=2, areas=[100, 100])


def test_anonymous_assembly_area_cannot_be_inflated(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    """A registrar signing a bigger area than the roll's: the count of ballots per area exceeds the owners of it."""
    from voting.credentials import finish_credential, issue_credential, request_credential

    e = make_election(
        safe_primes_1024,
        voters=2,
        kind=ASSEMBLY,
        areas=[5000, 5000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-inflate",
    )
    request = request_credential(e.election_id, e.state.election_hash)
    big = finish_credential(
        request,
        e.context.definition.credential_key,
        issue_credential(e.bbs_sk, e.state.election_hash, request.commitment, 99999),
    )
    with pytest.raises(NotEligible, match="area"):
        e.vote_with(big, 0)


def test_assembly_weight_must_be_disclosed_only_in_assembly(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    from voting.credentials import finish_credential, issue_credential, request_credential

    e = make_election(
        safe_primes_1024, voters=1, eligibility=EligibilityMode.ANONYMOUS, election_id="referendum-weight"
    )
    request = request_credential(e.election_id, e.state.election_hash)
    weighted = finish_credential(
        request,
        e.context.definition.credential_key,
        issue_credential(e.bbs_sk, e.state.election_hash, request.commitment, 5000),
    )
    with pytest.raises(NotEligible):
        verify_ballot(e.context, build_ballot(e.context, 0, weighted))


def test_unsigned_registrar_statement_for_roll_rejected(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=1, kind=ASSEMBLY, areas=[100], open_=False)
    with pytest.raises(InvalidStatement):
        e.state.apply(
            e.statement(
                EntryKind.ROLL_PUBLISHED, {"entries": [{"area": 100, "roll_id": "unit-9"}]}, e.registrar, Role.ADMIN
            )
        )


@pytest.mark.parametrize("kind", [COMMITTEE, ASSEMBLY])
def test_wrong_outcome_fails_verification(safe_primes_1024, kind: ElectionKind) -> None:  # type: ignore[no-untyped-def]
    """A server that signs a wrong outcome (or wrong totals) is caught by re-running the rules."""
    import json

    from voting.records import Entry

    e = make_election(
        safe_primes_1024,
        voters=3,
        kind=kind,
        areas=[5000, 6000, 7000] if kind is ASSEMBLY else None,
        election_id=f"wrong-{kind.value}",
    )
    for voter in range(3):
        e.vote(voter, [0, 1] if kind is COMMITTEE else 0)
    e.close()
    e.decrypt([1, 2, 3])
    for mutate, step in (  # type: ignore[var-annotated]
        (lambda b: b["outcome"].update(valid=not b["outcome"]["valid"]), [10]),
        (lambda b: b.update(totals=[t + 1 for t in b["totals"]]), [9, 10]),  # 10 is then not reached
    ):
        entries = list(e.entries)
        body = json.loads(json.dumps(entries[-1].body))
        mutate(body)
        entries[-1] = Entry(EntryKind.RESULT, e.election_id, body)
        record = make_record([x.to_bytes() for x in entries], NoteSigner.generate("t"), e.election_id)
        report = check_record(record, min_modulus_bits=1024, workers=1)
        assert [s.number for s in report.steps if not s.passed] == step
