"""Ballots: building, parsing at the boundary, and the attacks a ballot check must stop."""

from __future__ import annotations

import dataclasses

import pytest

from tests.factories import make_election
from voting.ballot import Contest, EncryptedBallot, build_referendum_ballot, verify_ballot
from voting.eligibility import SigningEligibility
from voting.encoding import canonical, hex_int, parse
from voting.errors import InvalidBallot, InvalidEncoding, NotEligible


@pytest.fixture(scope="module")
def election(safe_primes_1024):  # type: ignore[no-untyped-def]
    return make_election(safe_primes_1024)


@pytest.mark.parametrize("choice", [0, 1, 2])
def test_honest_ballot_verifies_and_round_trips(election, choice: int) -> None:  # type: ignore[no-untyped-def]
    ballot = build_referendum_ballot(election.context, choice, election.voters[0])
    verify_ballot(election.context, ballot)
    data = ballot.to_bytes(election.context)
    assert EncryptedBallot.from_json(parse(data), election.context) == ballot
    assert canonical(parse(data)) == data


def test_invalid_choice_refused(election) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidBallot):
        build_referendum_ballot(election.context, 3, election.voters[0])


def test_copied_ballot_under_another_identity_rejected(election) -> None:  # type: ignore[no-untyped-def]
    """Cortier–Smyth replay: voter B copies voter A's ciphertext and proof and signs them with B's credential."""
    original = build_referendum_ballot(election.context, 0, election.voters[0])
    thief = election.voters[1]
    copy = EncryptedBallot(original.election_id, original.contests, original.evidence)
    unsigned = dataclasses.replace(copy, evidence=dataclasses.replace(copy.evidence, credential=thief.public_key))
    evidence = SigningEligibility().sign(election.context, thief, unsigned.ballot_hash(election.context))
    stolen = dataclasses.replace(copy, evidence=evidence)
    with pytest.raises(InvalidBallot, match="validity proof"):
        verify_ballot(election.context, stolen)


def test_ballot_signature_must_cover_the_contents(election) -> None:  # type: ignore[no-untyped-def]
    a = build_referendum_ballot(election.context, 0, election.voters[0])
    b = build_referendum_ballot(election.context, 1, election.voters[0])
    spliced = dataclasses.replace(a, contests=b.contests)
    with pytest.raises(NotEligible):
        verify_ballot(election.context, spliced)


def test_mutated_proof_field_rejected(election) -> None:  # type: ignore[no-untyped-def]
    ballot = build_referendum_ballot(election.context, 2, election.voters[0])
    contest = ballot.contests[0]
    proof = contest.proof
    n2 = election.context.public_key.n**2
    for field_name in ("commitments", "challenges", "responses"):
        values = list(getattr(proof, field_name))
        values[1] = (values[1] + 1) % (n2 if field_name == "commitments" else 2**128)
        bad = dataclasses.replace(contest, proof=dataclasses.replace(proof, **{field_name: tuple(values)}))
        resigned = _resign(election, dataclasses.replace(ballot, contests=(bad,)), 0)
        with pytest.raises(InvalidBallot):
            verify_ballot(election.context, resigned)


def _resign(election, ballot: EncryptedBallot, voter: int) -> EncryptedBallot:  # type: ignore[no-untyped-def]
    evidence = SigningEligibility().sign(election.context, election.voters[voter], ballot.ballot_hash(election.context))
    return dataclasses.replace(ballot, evidence=evidence)


def test_ciphertext_out_of_range_rejected_at_parse(election) -> None:  # type: ignore[no-untyped-def]
    ballot = build_referendum_ballot(election.context, 0, election.voters[0])
    obj = ballot.to_json(election.context)
    nb = election.context.definition.modulus_bits // 8
    n = election.context.public_key.n
    for bad in (0, n, n * n - 1 + 1 - n):  # zero, a multiple of n (gcd != 1), another multiple of n
        obj["contests"][0]["ciphertext"] = hex_int(bad, 2 * nb)
        with pytest.raises(InvalidBallot):
            EncryptedBallot.from_json(obj, election.context)
    obj["contests"][0]["ciphertext"] = "ff" * (2 * nb)  # >= n^2
    with pytest.raises(InvalidBallot):
        EncryptedBallot.from_json(obj, election.context)


def test_malformed_ballot_json_rejected(election) -> None:  # type: ignore[no-untyped-def]
    ballot = build_referendum_ballot(election.context, 0, election.voters[0])
    obj = ballot.to_json(election.context)
    for mutate in (
        lambda o: o.pop("eligibility"),
        lambda o: o.update(extra=1),
        lambda o: o["contests"].append(o["contests"][0]),
        lambda o: o["contests"][0]["proof"]["a"].pop(),
        lambda o: o["contests"][0].update(ciphertext="00"),
        lambda o: o["eligibility"].update(mode="anonymous"),
    ):
        broken = parse(canonical(obj))
        mutate(broken)
        with pytest.raises((InvalidEncoding, InvalidBallot)):
            EncryptedBallot.from_json(broken, election.context)


def test_ballot_for_another_election_rejected(election, safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    other = make_election(safe_primes_1024, election_id="other-election")
    ballot = build_referendum_ballot(election.context, 0, election.voters[0])
    obj = ballot.to_json(election.context)
    with pytest.raises(InvalidBallot):
        EncryptedBallot.from_json(obj, other.context)
    obj["election"] = "other-election"
    # Relabelled for the other election, the ballot parses, but its signature and proofs are bound to the first
    # election's context (election hash, key hash, binding): it never verifies there.
    moved = EncryptedBallot.from_json(obj, other.context)
    with pytest.raises((InvalidBallot, NotEligible)):
        verify_ballot(other.context, moved)


def test_weak_fiat_shamir_transplant_rejected(election, safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    """Same key, same voter, another election: a proof made in one context never verifies in another."""
    other = make_election(safe_primes_1024, election_id="sister-election")
    ballot = build_referendum_ballot(election.context, 1, election.voters[0])
    contest = ballot.contests[0]
    # Re-encrypting is impossible without r, so the attacker keeps c and the proof, changing only the binding data.
    transplanted = EncryptedBallot("sister-election", (Contest(contest.ciphertext, contest.proof),), ballot.evidence)
    other.voters[0] = election.voters[0]
    resigned = dataclasses.replace(
        transplanted,
        evidence=SigningEligibility().sign(other.context, election.voters[0], transplanted.ballot_hash(other.context)),
    )
    # Both elections use the same fixture primes, hence the same modulus: only the proof's context differs.
    assert other.context.public_key.n == election.context.public_key.n
    with pytest.raises(InvalidBallot, match="validity proof"):
        verify_ballot(other.context, resigned)
