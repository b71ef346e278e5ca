"""Typed statement bodies (voting.statements): round trips, and today's bodies still parse to the same bytes."""

from __future__ import annotations

import pytest

from crypto.ed25519 import SigningKey
from tests import factories
from tests.factories import make_election
from voting.election import RollEntry
from voting.encoding import canonical
from voting.errors import InvalidEncoding
from voting.records import EntryKind, Role
from voting.statements import (
    CredentialIssued,
    CredentialRevoked,
    DecryptionShare,
    ElectionClosed,
    ElectionCreated,
    ElectionOpened,
    KeyPublished,
    Result,
    RollCorrected,
    RollPublished,
    Tally,
)


@pytest.fixture(scope="module")
def published(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    """A published referendum whose set-up also corrects the roll and revokes and re-issues a credential."""
    e = make_election(safe_primes_1024, voters=3, open_=False)
    s, h = e.state, e.state.election_hash
    e.append(s.statement(RollPublished(h, (RollEntry("unit-typo"),)), e.admin, Role.ADMIN))
    e.append(s.statement(RollCorrected(h, "unit-typo", RollEntry("unit-3")), e.admin, Role.ADMIN))
    e.append(s.statement(CredentialIssued(h, "unit-3", SigningKey.generate().public_key), e.registrar, Role.REGISTRAR))
    revoke = CredentialRevoked(h, "unit-3", s.issuance_index["unit-3"])
    e.append(s.statement(revoke, e.registrar, Role.REGISTRAR))
    e.append(s.statement(ElectionOpened(h, s.log_head()), e.admin, Role.ADMIN))
    for i in range(3):
        e.vote(i, i % 3)
    e.close()
    e.decrypt([1, 2, 3])
    return e


def _parse(e: factories.TestElection, kind: EntryKind, body: object) -> object:
    context = e.context
    parsers = {
        EntryKind.ELECTION_CREATED: ElectionCreated.from_json,
        EntryKind.ROLL_PUBLISHED: RollPublished.from_json,
        EntryKind.ROLL_CORRECTED: RollCorrected.from_json,
        EntryKind.CREDENTIAL_REVOKED: lambda b: CredentialRevoked.from_json(b, anonymous=False),
        EntryKind.KEY_PUBLISHED: lambda b: KeyPublished.from_json(b, context.definition),
        EntryKind.CREDENTIAL_ISSUED: lambda b: CredentialIssued.from_json(b, anonymous=False),
        EntryKind.ELECTION_OPENED: ElectionOpened.from_json,
        EntryKind.ELECTION_CLOSED: ElectionClosed.from_json,
        EntryKind.TALLY: lambda b: Tally.from_json(b, context.definition.modulus_bits),
        EntryKind.DECRYPTION_SHARE: lambda b: DecryptionShare.from_json(b, context, 1),
        EntryKind.RESULT: Result.from_json,
    }
    return parsers[kind](body)


def test_every_logged_body_parses_and_re_encodes_to_its_bytes(published: factories.TestElection) -> None:
    kinds = set()
    for entry in published.entries:
        if entry.kind is EntryKind.BALLOT:
            continue
        typed = _parse(published, entry.kind, entry.body)
        assert canonical(typed.to_json()) == canonical(entry.body)  # type: ignore[attr-defined]
        assert _parse(published, entry.kind, typed.to_json()) == typed  # type: ignore[attr-defined]
        kinds.add(entry.kind)
    assert kinds == set(EntryKind) - {EntryKind.BALLOT}


def test_anonymous_issuance_has_no_credential() -> None:
    body = CredentialIssued(b"\x01" * 32, "unit-0")
    assert body.to_json() == {"election_hash": "01" * 32, "roll_id": "unit-0"}
    assert CredentialIssued.from_json(body.to_json(), anonymous=True) == body
    with pytest.raises(InvalidEncoding, match="missing field"):
        CredentialIssued.from_json(body.to_json(), anonymous=False)


def test_unexpected_log_head_is_refused() -> None:
    body = {"election_hash": "01" * 32, "log_head": {"root": "00" * 32, "size": 1}, "roll_id": "u"}
    with pytest.raises(InvalidEncoding, match="unexpected log_head"):
        CredentialIssued.from_json(body, anonymous=True)
