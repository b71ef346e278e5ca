"""Corrections before opening (docs/protocol.md §P2.4, §P5.3): revoking a credential and correcting the roll, through
the domain layer — what the state allows, what it refuses, and what the independent verifier says of such logs."""

from __future__ import annotations

import secrets

import pytest

from client.verifier import check_record
from crypto import bbs
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from tests.factories import MODULUS_BITS, make_election, make_record
from tests.factories import TestElection as Election
from voting.ballot import build_ballot
from voting.election import ElectionKind, EligibilityMode, RollEntry
from voting.eligibility import present_for_revocation
from voting.errors import (
    Conflict,
    InvalidElection,
    InvalidEncoding,
    InvalidStatement,
    NotEligible,
    NotFound,
    Precondition,
    WrongPhase,
)
from voting.records import Entry, EntryKind, Role
from voting.setup import blind_credential
from voting.statements import (
    CredentialIssued,
    CredentialRevoked,
    ElectionOpened,
    RollCorrected,
    RollPublished,
    Statement,
    sign,
)

ASSEMBLY_AREAS = [8537, 9000, 12000]


def _admin(e: Election, body: Statement) -> Entry:
    return e.state.statement(body, e.admin, Role.ADMIN)


def _registrar(e: Election, body: Statement) -> Entry:
    return e.state.statement(body, e.registrar, Role.REGISTRAR)


def _revoke(e: Election, roll_id: str, **kw: object) -> Entry:
    body = CredentialRevoked(e.state.election_hash, roll_id, e.state.issuance_index[roll_id], **kw)  # type: ignore[arg-type]
    return _registrar(e, body)


def _open(e: Election) -> None:
    e.append(_admin(e, ElectionOpened(e.state.election_hash, e.state.log_head())))


def _verify(e: Election) -> object:
    record = make_record([entry.to_bytes() for entry in e.entries], NoteSigner.generate("t"), e.election_id)
    return check_record(record, min_modulus_bits=MODULUS_BITS, workers=1)


def _steps_failed(report: object) -> dict[int, list[str]]:
    return {s.number: s.errors for s in report.steps if not s.passed and not s.unavailable}  # type: ignore[attr-defined]


# -- signing credentials ----------------------------------------------------------------------------------------------
def test_revoke_and_reissue_before_opening_counts_the_new_credential_only(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3, open_=False)
    old = e.voters[0]
    first_issuance = e.state.issuance_index["unit-0"]
    e.append(_revoke(e, "unit-0"))
    assert "unit-0" not in e.state.issued and old.public_key in e.state.revoked
    new = SigningKey.generate()
    e.append(_registrar(e, CredentialIssued(e.state.election_hash, "unit-0", new.public_key)))
    assert e.state.issuance_index["unit-0"] > first_issuance and len(e.state.issued) == 3
    _open(e)
    with pytest.raises(NotEligible, match="revoked"):
        e.vote_with(old, 0)  # the revoked credential never counts
    e.vote_with(new, 0)
    e.vote(1, 0)
    e.vote(2, 1)
    e.close()
    e.decrypt([1, 2, 3])
    assert e.state.totals == (2, 1, 0)
    report = _verify(e)
    assert report.passed, report.render()  # type: ignore[attr-defined]


def test_second_live_issuance_is_refused(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=2, open_=False)
    with pytest.raises(Conflict, match=r"already issued .*revoke"):
        e.append(_registrar(e, CredentialIssued(e.state.election_hash, "unit-0", SigningKey.generate().public_key)))


def test_a_revoked_key_is_never_issued_again(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=2, open_=False)
    old = e.voters[0].public_key
    e.append(_revoke(e, "unit-0"))
    with pytest.raises(Conflict, match="revoked key is never issued again"):
        e.append(_registrar(e, CredentialIssued(e.state.election_hash, "unit-0", old)))


def test_revoke_after_opening_is_refused(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=2)
    with pytest.raises(WrongPhase, match="only before it opens"):
        e.append(_revoke(e, "unit-0"))


def test_revocations_that_name_the_wrong_issuance_are_refused(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=2, open_=False)
    h, index = e.state.election_hash, e.state.issuance_index["unit-0"]
    with pytest.raises(NotFound, match="not a credential issuance"):
        e.append(_registrar(e, CredentialRevoked(h, "unit-0", 0)))  # entry 0 is the definition
    with pytest.raises(NotFound, match="not a credential issuance"):
        e.append(_registrar(e, CredentialRevoked(h, "unit-0", 999)))
    with pytest.raises(InvalidStatement, match="is for roll id 'unit-0', not 'unit-1'"):
        e.append(_registrar(e, CredentialRevoked(h, "unit-1", index)))
    with pytest.raises(InvalidStatement, match="signed by the election's registrar"):
        e.append(e.state.statement(CredentialRevoked(h, "unit-0", index), e.admin, Role.REGISTRAR))
    e.append(_registrar(e, CredentialRevoked(h, "unit-0", index)))
    with pytest.raises(Conflict, match="already revoked"):
        e.append(_registrar(e, CredentialRevoked(h, "unit-0", index)))


def test_revocation_bodies_parse_exactly() -> None:
    body = CredentialRevoked(b"\x01" * 32, "unit-0", 7)
    assert body.to_json() == {"election_hash": "01" * 32, "issuance": 7, "roll_id": "unit-0"}
    assert CredentialRevoked.from_json(body.to_json(), anonymous=False) == body
    with pytest.raises(InvalidEncoding, match=r"missing field.*evidence"):
        CredentialRevoked.from_json(body.to_json(), anonymous=True)  # anonymous mode needs the presentation
    with pytest.raises(InvalidEncoding, match="issuance"):
        CredentialRevoked.from_json({**body.to_json(), "issuance": -1}, anonymous=False)  # type: ignore[dict-item]
    correction = RollCorrected(b"\x01" * 32, "unit-0", None)
    assert correction.to_json() == {"election_hash": "01" * 32, "replacement": None, "roll_id": "unit-0"}
    assert RollCorrected.from_json(correction.to_json()) == correction
    with pytest.raises(InvalidEncoding, match=r"missing field.*replacement"):
        RollCorrected.from_json({"election_hash": "01" * 32, "roll_id": "unit-0"})
    with pytest.raises(InvalidElection, match="roll id"):
        RollCorrected.from_json({**correction.to_json(), "replacement": {"area": 0, "roll_id": " x"}})  # type: ignore[dict-item]


# -- anonymous credentials --------------------------------------------------------------------------------------------
def test_readme_assembly_slip_is_corrected_by_revocation_and_reissue(safe_primes_1024: tuple[int, int]) -> None:
    """The README's slip: an assembly credential blind-signed without the owner's area can never vote. Before
    opening, the holder presents it, the registrar revokes it and issues one with the roll's area; it counts."""
    e = make_election(
        safe_primes_1024,
        voters=3,
        kind=ElectionKind.ASSEMBLY,
        eligibility=EligibilityMode.ANONYMOUS,
        areas=ASSEMBLY_AREAS,
        open_=False,
    )
    assert e.bbs_sk is not None
    h = e.state.election_hash
    e.append(_admin(e, RollPublished(h, (RollEntry("3-2-501", 10050),))))
    slip = blind_credential(e.election_id, h, e.bbs_sk, 0)  # no area: useless in an assembly
    e.append(_registrar(e, CredentialIssued(h, "3-2-501")))
    index = e.state.issuance_index["3-2-501"]
    e.append(_revoke(e, "3-2-501", evidence=present_for_revocation(slip, "3-2-501", index)))
    assert slip.pseudonym() in e.state.revoked and "3-2-501" not in e.state.issued
    fixed = blind_credential(e.election_id, h, e.bbs_sk, e.state.roll["3-2-501"].area)
    e.append(_registrar(e, CredentialIssued(h, "3-2-501")))
    _open(e)
    e.vote_with(fixed, 0)
    for voter, choice in ((0, 0), (1, 0), (2, 1)):
        e.vote(voter, choice)
    e.close()
    e.decrypt([1, 2, 3])
    assert e.state.totals[:3] == (3, 1, 0) and e.state.totals[3] == 8537 + 9000 + 10050
    report = _verify(e)
    assert report.passed, report.render()  # type: ignore[attr-defined]


def test_anonymous_revoked_credential_never_counts(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=2, eligibility=EligibilityMode.ANONYMOUS, open_=False)
    old = e.voters[0]
    index = e.state.issuance_index["unit-0"]
    e.append(_revoke(e, "unit-0", evidence=present_for_revocation(old, "unit-0", index)))
    assert len(e.state.issued) == 1  # live issuances: what pseudonyms are counted against
    assert e.bbs_sk is not None
    new = blind_credential(e.election_id, e.state.election_hash, e.bbs_sk)
    e.append(_registrar(e, CredentialIssued(e.state.election_hash, "unit-0")))
    _open(e)
    with pytest.raises(NotEligible, match="revoked"):
        e.vote_with(old, 0)
    e.vote_with(new, 0)
    e.vote(1, 1)
    assert len(e.state.counted) == 2


def test_anonymous_revocation_needs_a_presentation_bound_to_it(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3, eligibility=EligibilityMode.ANONYMOUS, open_=False)
    h = e.state.election_hash
    i0, i1 = e.state.issuance_index["unit-0"], e.state.issuance_index["unit-1"]
    cred = e.voters[0]
    with pytest.raises(InvalidEncoding, match=r"missing field.*evidence"):
        e.append(_registrar(e, CredentialRevoked(h, "unit-0", i0)))
    with pytest.raises(NotEligible, match="does not verify"):  # presented for another issuance: not transferable
        e.append(_revoke(e, "unit-1", evidence=present_for_revocation(cred, "unit-0", i0)))
    with pytest.raises(NotEligible, match="does not verify"):  # the same issuance under another roll id
        e.append(_registrar(e, CredentialRevoked(h, "unit-1", i1, present_for_revocation(cred, "unit-0", i1))))
    foreign_sk = bbs.key_gen(secrets.token_bytes(32))
    forged = blind_credential(e.election_id, h, foreign_sk)  # signed by a key that is not the registrar's
    with pytest.raises(NotEligible, match="does not verify"):
        e.append(_revoke(e, "unit-0", evidence=present_for_revocation(forged, "unit-0", i0)))
    e.append(_revoke(e, "unit-0", evidence=present_for_revocation(cred, "unit-0", i0)))
    with pytest.raises(Conflict, match="already revoked"):  # one credential cannot withdraw a second issuance
        e.append(_revoke(e, "unit-1", evidence=present_for_revocation(cred, "unit-1", i1)))


# -- roll corrections -------------------------------------------------------------------------------------------------
def test_roll_correction_replaces_and_removes_entries_before_opening(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=2, open_=False)
    h = e.state.election_hash
    e.append(_admin(e, RollPublished(h, (RollEntry("unit-9x"), RollEntry("unit-dup")))))
    e.append(_admin(e, RollCorrected(h, "unit-9x", RollEntry("unit-9"))))
    e.append(_admin(e, RollCorrected(h, "unit-dup", None)))
    assert list(e.state.roll) == ["unit-0", "unit-1", "unit-9"]  # replaced in place
    with pytest.raises(Precondition, match=r"live credential .*revoke it"):
        e.append(_admin(e, RollCorrected(h, "unit-1", RollEntry("unit-1b"))))
    e.append(_revoke(e, "unit-1"))
    e.append(_admin(e, RollCorrected(h, "unit-1", RollEntry("unit-1b"))))
    voter = SigningKey.generate()
    e.append(_registrar(e, CredentialIssued(h, "unit-1b", voter.public_key)))
    _open(e)
    with pytest.raises(NotEligible, match="revoked"):
        e.vote(1, 0)  # the credential of the old entry
    e.vote(0, 0)
    e.vote_with(voter, 1)
    e.close()
    e.decrypt([1, 2, 3])
    assert e.state.totals == (1, 1, 0) and e.state.result_statement().roll_size == 3
    report = _verify(e)
    assert report.passed, report.render()  # type: ignore[attr-defined]


def test_roll_correction_refusals(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=2, open_=False)
    h = e.state.election_hash
    e.append(_admin(e, RollPublished(h, (RollEntry("unit-5"), RollEntry("unit-6")))))
    with pytest.raises(NotFound, match="not on the roll"):
        e.append(_admin(e, RollCorrected(h, "unit-7", None)))
    with pytest.raises(Conflict, match="already on the roll"):
        e.append(_admin(e, RollCorrected(h, "unit-5", RollEntry("unit-6"))))
    with pytest.raises(InvalidElection, match="changes nothing"):
        e.append(_admin(e, RollCorrected(h, "unit-5", RollEntry("unit-5"))))
    with pytest.raises(InvalidElection, match="only a homeowners' assembly"):
        e.append(_admin(e, RollCorrected(h, "unit-5", RollEntry("unit-5", 100))))
    with pytest.raises(InvalidStatement, match="signed by the election's administrator"):
        e.append(e.state.statement(RollCorrected(h, "unit-5", None), e.registrar, Role.ADMIN))
    _open(e)
    with pytest.raises(WrongPhase, match="only before it opens"):
        e.append(_admin(e, RollCorrected(h, "unit-5", None)))


def test_assembly_roll_correction_keeps_the_area_rules(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(
        safe_primes_1024, voters=2, kind=ElectionKind.ASSEMBLY, areas=[100, 100], open_=False, election_id="asm"
    )
    h = e.state.election_hash
    e.append(_admin(e, RollPublished(h, (RollEntry("typo", 5000),))))
    e.append(_admin(e, RollCorrected(h, "typo", RollEntry("typo", 8537))))  # an area typo fixed
    assert e.state.roll_area == 200 + 8537
    with pytest.raises(InvalidElection, match="needs an exclusive area"):
        e.append(_admin(e, RollCorrected(h, "typo", RollEntry("typo", 0))))
    # §P7.2: the total area must still fit the area counters (2^40 hundredths of m²) after a correction.
    e.append(_admin(e, RollCorrected(h, "typo", RollEntry("typo", 1))))
    big = (1 << 32) - 1
    e.append(_admin(e, RollPublished(h, tuple(RollEntry(f"big-{i}", big) for i in range(256)))))
    assert e.state.roll_area == 200 + 256 * big + 1 < 1 << 40
    with pytest.raises(InvalidElection, match="does not fit"):
        e.append(_admin(e, RollCorrected(h, "typo", RollEntry("typo", 100))))


# -- the verifier on corrected and illegally corrected logs ------------------------------------------------------------
def _raw(e: Election, body: Statement, role: Role) -> Entry:
    """A signed statement appended without the state's checks: what a dishonest server could log."""
    entry = sign(body, e.election_id, e.admin if role is Role.ADMIN else e.registrar, role)
    e.entries.append(entry)
    return entry


def test_verifier_refuses_a_roll_correction_after_opening(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3)
    _raw(e, RollCorrected(e.state.election_hash, "unit-2", None), Role.ADMIN)
    failed = _steps_failed(_verify(e))
    assert 4 in failed and "only before it opens" in failed[4][0]


def test_verifier_refuses_a_revocation_after_opening(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3)
    e.vote(0, 0)
    _raw(e, CredentialRevoked(e.state.election_hash, "unit-0", e.state.issuance_index["unit-0"]), Role.REGISTRAR)
    failed = _steps_failed(_verify(e))
    assert 4 in failed and "only before it opens" in failed[4][0]


def test_verifier_refuses_correcting_an_entry_with_a_live_credential(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3, open_=False)
    _raw(e, RollCorrected(e.state.election_hash, "unit-0", RollEntry("unit-0b")), Role.ADMIN)
    failed = _steps_failed(_verify(e))
    assert 4 in failed and "live credential" in failed[4][0]


def test_verifier_refuses_a_second_live_issuance(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3, open_=False)
    _raw(e, CredentialIssued(e.state.election_hash, "unit-0", SigningKey.generate().public_key), Role.REGISTRAR)
    failed = _steps_failed(_verify(e))
    assert 4 in failed and "already issued" in failed[4][0]


def test_verifier_refuses_a_ballot_of_a_revoked_credential(safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3, open_=False)
    old = e.voters[0]
    e.append(_revoke(e, "unit-0"))
    _open(e)
    ballot = build_ballot(e.context, 0, old)  # valid proofs, valid signature: only the revocation stops it
    e.entries.append(Entry(EntryKind.BALLOT, e.election_id, ballot.to_json(e.context)))
    failed = _steps_failed(_verify(e))
    assert 5 in failed and "revoked" in failed[5][0]
