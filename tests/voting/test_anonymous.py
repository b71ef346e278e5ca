"""Anonymous eligibility: BBS credentials issued blindly, a per-election pseudonym as the ballot's binding, and the
attacks on it (proof moved, aliasing, another community's key, second issuance, stuffing, one bad proof in a batch)."""

from __future__ import annotations

import dataclasses

import pytest

from crypto import bbs
from crypto.note import NoteSigner
from tests.factories import make_election, make_record
from voting.ballot import EncryptedBallot, build_referendum_ballot, verify_ballot
from voting.credentials import AnonymousCredential, finish_credential, issue_credential, request_credential
from voting.election import EligibilityMode
from voting.eligibility import AnonymousEvidence
from voting.encoding import canonical, parse
from voting.errors import Conflict, InvalidBallot, InvalidEncoding, NotEligible
from voting.records import Entry, EntryKind, Role
from voting.state import Phase

ANON = EligibilityMode.ANONYMOUS


@pytest.fixture(scope="module")
def election(safe_primes_1024):  # type: ignore[no-untyped-def]
    return make_election(safe_primes_1024, voters=4, eligibility=ANON, election_id="anon-election")


def test_anonymous_referendum_counts_and_hides_voters(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=4, eligibility=ANON, election_id="anon-full")
    e.vote(0, 1)
    e.vote(0, 0)  # a re-vote under the same pseudonym replaces the first
    e.vote(1, 0)
    e.vote(2, 2)
    e.close()
    e.decrypt([1, 2, 4])
    assert e.state.phase is Phase.PUBLISHED and e.state.totals == (2, 0, 1)
    issuances = [x for x in e.entries if x.kind is EntryKind.CREDENTIAL_ISSUED]
    # no credential material logged: the roll entry and the election instance only
    assert issuances and all(set(x.body) == {"election_hash", "roll_id"} for x in issuances)
    ballots = [x for x in e.entries if x.kind is EntryKind.BALLOT]
    roll_ids = {x.body["roll_id"] for x in issuances}
    for b in ballots:  # nothing in a ballot names a roll entry
        assert not any(
            r.encode().hex() in canonical(b.body).decode() or r in canonical(b.body).decode() for r in roll_ids
        )
    record = make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"), "anon-full")
    from client.verifier import check_record

    report = check_record(record, min_modulus_bits=1024, workers=1)
    assert report.passed, report.render()


def test_pseudonym_is_stable_per_election_and_unlinkable_across(election, safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    cred: AnonymousCredential = election.voters[0]
    assert cred.pseudonym() == cred.pseudonym()
    other = dataclasses.replace(cred, election_hash=bytes(32))  # another election instance
    assert other.pseudonym() != cred.pseudonym()


def test_credential_export_import_round_trip(election) -> None:  # type: ignore[no-untyped-def]
    cred = election.voters[1]
    again = AnonymousCredential.from_json(parse(canonical(cred.to_json())))
    assert again == cred
    broken = cred.to_json()
    broken["nym_secrets"] = ["00" * 31 + "01"]
    with pytest.raises(NotEligible):
        AnonymousCredential.from_json(broken)


@pytest.mark.parametrize("field", ["nym_secrets", "secret_prover_blind"])
def test_credential_scalar_aliases_refused_on_import(election, field: str) -> None:  # type: ignore[no-untyped-def]
    """x + r is the same scalar as x for the signature check: a file carrying it is refused at import, not later."""
    from crypto.bls12_381 import CURVE_ORDER

    obj = election.voters[1].to_json()
    value = obj[field][0] if field == "nym_secrets" else obj[field]
    alias = (int(value, 16) + CURVE_ORDER).to_bytes(32, "big").hex()
    obj[field] = [alias] if field == "nym_secrets" else alias
    with pytest.raises(InvalidEncoding, match="below the group order"):
        AnonymousCredential.from_json(obj)


def test_proof_moved_to_other_ballot_rejected(election) -> None:  # type: ignore[no-untyped-def]
    a = build_referendum_ballot(election.context, 0, election.voters[0])
    b = build_referendum_ballot(election.context, 1, election.voters[0])
    moved = dataclasses.replace(b, evidence=a.evidence)  # same pseudonym, other ciphertext
    with pytest.raises(NotEligible):
        verify_ballot(election.context, moved)


def test_proof_moved_to_other_election_rejected(election, safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    other = make_election(
        safe_primes_1024, voters=1, eligibility=ANON, election_id="anon-other", bbs_sk=election.bbs_sk
    )
    with pytest.raises(NotEligible):  # the client refuses a credential of another election
        build_referendum_ballot(other.context, 0, election.voters[0])
    ballot = build_referendum_ballot(election.context, 0, election.voters[0])
    obj = ballot.to_json(election.context)
    obj["election"] = "anon-other"
    if other.context.public_key.n == election.context.public_key.n:
        moved = EncryptedBallot.from_json(obj, other.context)
        with pytest.raises(InvalidBallot):
            verify_ballot(other.context, moved)


def test_pseudonym_noncanonical_encoding_rejected(election) -> None:  # type: ignore[no-untyped-def]
    """Double vote by aliasing: the same point spelled differently must not count as a new pseudonym."""
    ballot = build_referendum_ballot(election.context, 0, election.voters[0])
    obj = ballot.to_json(election.context)
    raw = bytes.fromhex(obj["eligibility"]["pseudonym"])
    for alias in (
        bytes([raw[0] & 0x7F]) + raw[1:],  # compression flag cleared
        bytes([raw[0] ^ 0x20]) + raw[1:],  # sign flag flipped: -P, a different point with no valid proof
        bytes([raw[0] | 0x40]) + raw[1:],  # infinity flag with stray bits
        b"\xc0" + bytes(47),  # the identity
    ):
        obj["eligibility"]["pseudonym"] = alias.hex()
        with pytest.raises((InvalidEncoding, NotEligible, InvalidBallot)):
            verify_ballot(election.context, EncryptedBallot.from_json(obj, election.context))
    obj["eligibility"]["pseudonym"] = raw.hex().upper()
    with pytest.raises(InvalidEncoding):
        EncryptedBallot.from_json(obj, election.context)


def test_credential_from_other_community_key_rejected(election) -> None:  # type: ignore[no-untyped-def]
    foreign_sk = bbs.key_gen(b"another community's registrar key!")
    request = request_credential(election.election_id, election.state.election_hash)
    foreign = finish_credential(
        request,
        bbs.sk_to_pk(foreign_sk),
        issue_credential(foreign_sk, election.state.election_hash, request.commitment),
    )
    with pytest.raises(NotEligible):
        build_referendum_ballot(election.context, 0, foreign)
    # Forcing it past the client: the proof is against the wrong key, so the server rejects it.
    disguised = dataclasses.replace(foreign, issuer_key=election.context.definition.credential_key)
    ballot = build_referendum_ballot(election.context, 0, disguised)
    with pytest.raises(NotEligible):
        verify_ballot(election.context, ballot)


def test_second_blind_issuance_for_one_roll_entry_rejected(election) -> None:  # type: ignore[no-untyped-def]
    statement = election.statement(
        EntryKind.CREDENTIAL_ISSUED, {"roll_id": "unit-0"}, election.registrar, Role.REGISTRAR
    )
    with pytest.raises(Conflict):
        election.state.apply(statement)
    with pytest.raises(InvalidEncoding):  # anonymous issuance logs no credential material
        election.state.apply(
            election.statement(
                EntryKind.CREDENTIAL_ISSUED,
                {"credential": "00" * 32, "roll_id": "unit-9"},
                election.registrar,
                Role.REGISTRAR,
            )
        )


def test_unlogged_credentials_cannot_outnumber_issuances(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    """Registrar stuffing: a credential signed off the log is refused once pseudonyms would outnumber issuances."""
    e = make_election(safe_primes_1024, voters=1, eligibility=ANON, election_id="anon-stuffing")
    request = request_credential(e.election_id, e.state.election_hash)
    ghost = finish_credential(
        request,
        e.context.definition.credential_key,
        issue_credential(e.bbs_sk, e.state.election_hash, request.commitment),
    )
    e.vote(0, 0)
    entry = Entry(EntryKind.BALLOT, e.election_id, build_referendum_ballot(e.context, 0, ghost).to_json(e.context))
    with pytest.raises(NotEligible, match="more pseudonyms"):
        e.append(entry)


def test_batch_with_one_bad_proof_fails_and_finds_it(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    from client.verifier import check_record

    e = make_election(safe_primes_1024, voters=3, eligibility=ANON, election_id="anon-batch")
    for voter in range(3):
        e.vote(voter, 0)
    e.close()
    e.decrypt([1, 2, 3])
    entries = list(e.entries)
    bad_index = next(i for i, x in enumerate(entries) if x.kind is EntryKind.BALLOT) + 1
    victim = entries[bad_index]
    other = build_referendum_ballot(e.context, 0, e.voters[0])  # a valid proof, for another ballot
    body = parse(canonical(victim.body))
    evidence = body["eligibility"]
    assert isinstance(other.evidence, AnonymousEvidence)
    evidence["proof"] = other.evidence.proof.hex()
    entries[bad_index] = Entry(EntryKind.BALLOT, e.election_id, body)
    record = make_record([x.to_bytes() for x in entries], NoteSigner.generate("t"), "anon-batch")
    report = check_record(record, min_modulus_bits=1024, workers=1)
    step6 = report.steps[5]
    assert not step6.passed and len(step6.errors) == 1 and f"entry {bad_index}" in step6.errors[0]
