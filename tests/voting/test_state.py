"""The election state machine: phases, authors, issuance, ballots, re-votes, tally and result."""

from __future__ import annotations

import dataclasses

import pytest

from crypto import bbs_pseudonym
from crypto.ed25519 import SigningKey
from tests.factories import make_election
from voting.ballot import build_ballot, verify_ballot
from voting.credentials import (
    NYM_LENGTH,
    IssuedCredential,
    credential_header,
    finish_credential,
    issue_credential,
    request_credential,
    weight_messages,
)
from voting.election import ElectionKind, EligibilityMode, RevotePolicy
from voting.errors import (
    Conflict,
    DuplicateBallot,
    InvalidBallot,
    InvalidElection,
    InvalidEncoding,
    InvalidShare,
    InvalidStatement,
    NotEligible,
    RecordError,
    WrongPhase,
)
from voting.records import Entry, EntryKind, Role
from voting.state import Phase


@pytest.fixture
def election(safe_primes_1024):  # type: ignore[no-untyped-def]
    return make_election(safe_primes_1024)


def test_full_referendum_counts_votes(election) -> None:  # type: ignore[no-untyped-def]
    for voter, choice in enumerate([0, 0, 1, 2, 0]):
        election.vote(voter, choice)
    election.close()
    election.decrypt([1, 3, 5])
    assert election.state.phase is Phase.PUBLISHED
    assert election.state.totals == (3, 1, 1)
    assert election.state.outcome["passed"]
    # what the server publishes as the tally and the result (server/grpc_service.py): the logged bytes
    by_kind = {x.kind: x for x in election.entries}
    assert election.state.tally_entry == by_kind[EntryKind.TALLY].to_bytes()
    assert election.state.result_entry == by_kind[EntryKind.RESULT].to_bytes()


def test_every_statement_needs_its_author(election) -> None:  # type: ignore[no-untyped-def]
    impostor = SigningKey.generate()
    with pytest.raises(InvalidStatement):
        election.state.apply(election.statement(EntryKind.ELECTION_CLOSED, {}, impostor))
    with pytest.raises(InvalidStatement):  # the registrar issues credentials, not the admin
        election.state.apply(
            election.statement(EntryKind.CREDENTIAL_ISSUED, {"credential": "00" * 32, "roll_id": "unit-0"})
        )


def test_tampered_statement_signature_rejected(election) -> None:  # type: ignore[no-untyped-def]
    entry = election.statement(EntryKind.ELECTION_CLOSED, {})
    forged = dataclasses.replace(entry, signature=bytes(64))
    with pytest.raises(InvalidStatement):
        election.state.apply(forged)
    assert election.state.phase is Phase.OPEN


def test_second_issuance_for_one_roll_entry_rejected(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, open_=False)
    extra = SigningKey.generate()
    with pytest.raises(Conflict):
        e.state.apply(
            e.statement(
                EntryKind.CREDENTIAL_ISSUED,
                {"credential": extra.public_key.hex(), "roll_id": "unit-0"},
                e.registrar,
                Role.REGISTRAR,
            )
        )
    with pytest.raises(InvalidStatement):  # not on the roll
        e.state.apply(
            e.statement(
                EntryKind.CREDENTIAL_ISSUED,
                {"credential": extra.public_key.hex(), "roll_id": "unit-99"},
                e.registrar,
                Role.REGISTRAR,
            )
        )


def test_ballot_before_open_and_after_close_rejected(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, open_=False)
    e.append(e.statement(EntryKind.ELECTION_OPENED, {}))
    entry = e.ballot_entry(0, 0)
    e.close()
    with pytest.raises(WrongPhase):
        e.state.apply(entry)


def test_ballot_from_unissued_credential_rejected(election) -> None:  # type: ignore[no-untyped-def]
    election.voters[0] = SigningKey.generate()  # a key the registrar never issued
    with pytest.raises(NotEligible):
        election.vote(0, 0)


def test_replayed_ballot_rejected(election) -> None:  # type: ignore[no-untyped-def]
    entry = election.vote(0, 1)
    with pytest.raises(DuplicateBallot):
        election.state.apply(entry)


def test_revote_last_ballot_counts(election) -> None:  # type: ignore[no-untyped-def]
    election.vote(0, 1)
    election.vote(0, 0)  # changes their mind
    election.vote(1, 0)
    election.vote(2, 0)
    election.close()
    election.decrypt([1, 2, 3])
    assert election.state.totals == (3, 0, 0)
    assert election.state.ballots_cast == 4


def test_revote_refused_when_policy_refuses(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, revote=RevotePolicy.REFUSE)
    e.vote(0, 1)
    with pytest.raises(DuplicateBallot):
        e.vote(0, 0)


def test_ballot_for_another_election_rejected(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    a = make_election(safe_primes_1024, election_id="election-a")
    b = make_election(safe_primes_1024, election_id="election-b")
    entry = a.ballot_entry(0, 0)
    moved = Entry(EntryKind.BALLOT, "election-b", entry.body)
    with pytest.raises((InvalidBallot, InvalidStatement)):
        b.append(moved)


def test_wrong_tally_rejected(election) -> None:  # type: ignore[no-untyped-def]
    election.vote(0, 0)
    election.append(election.statement(EntryKind.ELECTION_CLOSED, {}))
    body = election.state.tally_body()
    body["counted"] = []
    with pytest.raises(RecordError):
        election.state.apply(Entry(EntryKind.TALLY, election.election_id, body))


def test_share_from_wrong_trustee_key_rejected(election) -> None:  # type: ignore[no-untyped-def]
    election.vote(0, 0)
    election.close()
    honest = election.share_entry(2)
    other = election.statement(EntryKind.DECRYPTION_SHARE, honest.body, election.trustees[0], Role.TRUSTEE, 2)
    with pytest.raises(InvalidStatement):
        election.state.apply(other)


def test_duplicate_share_rejected(election) -> None:  # type: ignore[no-untyped-def]
    election.vote(0, 0)
    election.close()
    election.append(election.share_entry(1))
    with pytest.raises(Conflict):
        election.state.apply(election.share_entry(1))


def test_bad_share_rejected(election) -> None:  # type: ignore[no-untyped-def]
    election.vote(0, 0)
    election.close()
    good = election.share_entry(1)
    body = dict(good.body)
    share = dict(body["shares"][0])
    value = int(share["value"], 16)
    share["value"] = format((value * 4) % (election.context.public_key.n**2), f"0{len(share['value'])}x")
    body["shares"] = [share]
    with pytest.raises(InvalidShare):
        election.state.apply(
            election.statement(EntryKind.DECRYPTION_SHARE, body, election.trustees[0], Role.TRUSTEE, 1)
        )


def test_result_needs_threshold_shares(election) -> None:  # type: ignore[no-untyped-def]
    election.vote(0, 0)
    election.close()
    election.append(election.share_entry(1))
    election.append(election.share_entry(2))
    with pytest.raises(WrongPhase):
        election.state.result_body()


def test_key_with_wrong_size_or_bad_proof_rejected(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, open_=False)
    key_entry = e.entries[1]
    body = dict(key_entry.body)
    proof = dict(body["modulus_proof"])
    sigmas = list(proof["sigmas"])
    sigmas[0] = sigmas[1]
    proof["sigmas"] = sigmas
    body["modulus_proof"] = proof
    fresh = make_election(safe_primes_1024, open_=False)
    fresh.state = type(fresh.state)(min_modulus_bits=1024)
    fresh.state.apply(fresh.entries[0])
    with pytest.raises((InvalidElection, InvalidEncoding)):
        fresh.state.apply(fresh.statement(EntryKind.KEY_PUBLISHED, body))


def test_modulus_below_minimum_rejected(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, open_=False)
    strict = type(e.state)(min_modulus_bits=3072)
    with pytest.raises(InvalidElection):
        strict.apply(e.entries[0])


# -- checks that only a precise attack reaches (each kills a mutant that removes the check) ---------------------
def test_preparsed_ballot_that_differs_from_its_entry_is_refused(election) -> None:  # type: ignore[no-untyped-def]
    """The server hands ``apply`` the ballot it parsed and verified at intake; if that is not the ballot in the
    entry it logs, the state would count one ballot while the log (and every verifier) holds another.

    The entry path cannot reach this check: ``EncryptedBallot.from_json`` is strict (exact keys, fixed-width
    lowercase hex, integer weight), so a ballot parsed from an entry always re-encodes to the entry's body."""
    logged = election.ballot_entry(0, 1)  # what goes into the log: a "no"
    counted = election.state.parse_ballot(election.ballot_entry(0, 0))  # what would be counted: a "yes"
    verify_ballot(election.context, counted)  # a valid ballot of the same voter, just not the logged one
    with pytest.raises(InvalidStatement, match="parsed ballot differs from the entry"):
        election.state.apply(logged, counted)
    assert election.state.ballots_cast == 0 and not election.state.counted and not election.state.seen_ciphertexts
    election.state.apply(logged, election.state.parse_ballot(logged))  # the matching pair is accepted
    assert election.state.ballots_cast == 1


def test_anonymous_assembly_revote_under_a_larger_area_is_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    """A registrar re-issues one pseudonymous identity (same nym entropy, so the same pseudonym) with a larger
    signed area: both credentials are valid and every ballot proof verifies. The first ballot counts 5000 (a
    5000 m² owner exists), the re-vote replaces it with 9000 — the 9000 owner's area would then be counted
    twice. Only the rule "a re-vote carries the same area as the ballot it replaces" stops it."""
    e = make_election(
        safe_primes_1024,
        voters=2,
        kind=ElectionKind.ASSEMBLY,
        areas=[5000, 9000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-revote-area",
    )
    assert e.bbs_sk is not None
    key = e.context.definition.credential_key
    request = request_credential(e.election_id, e.state.election_hash)
    first = issue_credential(e.bbs_sk, e.state.election_hash, request.commitment, 5000)
    small = finish_credential(request, key, first)
    signature, _ = bbs_pseudonym.blind_sign_with_nym(  # the re-issue: same entropy, another signed area
        e.bbs_sk,
        key,
        request.commitment,
        NYM_LENGTH,
        first.signer_nym_entropy,
        credential_header(e.state.election_hash),
        weight_messages(9000),
    )
    large = finish_credential(request, key, IssuedCredential(signature, first.signer_nym_entropy, 9000))
    assert large.pseudonym() == small.pseudonym() and (small.weight, large.weight) == (5000, 9000)
    e.vote_with(small, 0)
    entry = Entry(EntryKind.BALLOT, e.election_id, build_ballot(e.context, 1, large).to_json(e.context))
    ballot = e.state.parse_ballot(entry)
    verify_ballot(e.context, ballot)  # the re-vote's proofs are valid: only the state rule can refuse it
    with pytest.raises(NotEligible, match="re-vote must carry the same area"):
        e.state.apply(entry, ballot)
    (record,) = e.state.counted.values()
    assert record.weight == 5000 and e.state.ballots_cast == 1


def test_anonymous_assembly_ballot_must_disclose_a_positive_area(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    """The state refuses, on its own, a ballot disclosing no area (its proofs are checked apart, §P6.7): a
    credential the registrar signed with area 0 would add a head without any area. The smallest real area,
    0.01 m², counts."""
    e = make_election(
        safe_primes_1024,
        voters=2,
        kind=ElectionKind.ASSEMBLY,
        areas=[1, 5000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-zero-area",
    )
    assert e.bbs_sk is not None
    request = request_credential(e.election_id, e.state.election_hash)
    no_area = finish_credential(
        request,
        e.context.definition.credential_key,
        issue_credential(e.bbs_sk, e.state.election_hash, request.commitment, 0),
    )
    entry = Entry(EntryKind.BALLOT, e.election_id, build_ballot(e.context, 0, no_area).to_json(e.context))
    with pytest.raises(NotEligible, match="must disclose its owner's area"):
        e.state.apply(entry)
    assert e.state.ballots_cast == 0
    e.vote(0, 0)  # the owner of 0.01 m²
    (record,) = e.state.counted.values()
    assert record.weight == 1


def test_ballots_per_area_are_counted_once_per_pseudonym(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    """Registrar stuffing in an assembly: an off-log credential signed with a real area is refused once the
    ballots of that area reach its owners — and a re-vote does not use up an owner of its area."""
    e = make_election(
        safe_primes_1024,
        voters=3,
        kind=ElectionKind.ASSEMBLY,
        areas=[5000, 5000, 9000],
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="assembly-area-count",
    )
    assert e.bbs_sk is not None
    e.vote(0, 1)
    e.vote(0, 0)  # a re-vote: still one 5000 owner counted
    e.vote(1, 0)  # the second 5000 owner
    request = request_credential(e.election_id, e.state.election_hash)
    ghost = finish_credential(
        request,
        e.context.definition.credential_key,
        issue_credential(e.bbs_sk, e.state.election_hash, request.commitment, 5000),
    )
    with pytest.raises(NotEligible, match="more ballots of this area than owners of this area"):
        e.vote_with(ghost, 0)  # 2 of 3 pseudonyms so far: only the per-area count stops it
    e.vote(2, 1)
    assert sorted(r.weight for r in e.state.counted.values()) == [5000, 5000, 9000]
    assert all(binding == r.binding for binding, r in e.state.counted.items())
    assert e.state.ballots_cast == 4
