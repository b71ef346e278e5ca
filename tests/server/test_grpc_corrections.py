"""Corrections before opening over a real gRPC channel, on SQLite and PostgreSQL (docs/protocol.md §P2.4, §P5.3):
revoke and re-issue, correct the roll, the precise status of every refusal, and a record that verifies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from client import actions
from client.api import LinliClient
from client.errors import ServerRejected, UsageError
from client.verifier import check_record
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from server.grpc_service import create_server
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from tests.factories import MODULUS_BITS, make_election
from tests.factories import TestElection as Election
from voting import credentials
from voting.election import ElectionKind, EligibilityMode, RollEntry
from voting.records import Entry, Role
from voting.statements import CredentialIssued, CredentialRevoked, RollCorrected, sign


@dataclass
class Served:
    service: ElectionService
    server: grpc.Server
    channel: grpc.Channel
    client: LinliClient
    url: str
    signer: NoteSigner


def _start(url: str, signer: NoteSigner) -> tuple[ElectionService, grpc.Server, grpc.Channel, LinliClient]:
    service = ElectionService(
        Ledger(make_engine(url), signer, "linli.test"), ServiceConfig(min_modulus_bits=MODULUS_BITS)
    )
    server, port = create_server(service, "127.0.0.1:0", max_workers=8)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    return service, server, channel, LinliClient(channel, timeout=30, min_modulus_bits=MODULUS_BITS)


@pytest.fixture
def served(db_url: str) -> Iterator[Served]:
    signer = NoteSigner.generate("linli-test")
    service, server, channel, client = _start(db_url, signer)
    running = Served(service, server, channel, client, db_url, signer)
    yield running
    running.channel.close()
    running.server.stop(None)
    running.service.close()


def _load(served: Served, e: Election) -> None:
    """The election's set-up (made through the domain layer, not yet open) into the server's log."""
    for entry in e.entries:
        served.client.submit(entry)


def _refused(client: LinliClient, entry: Entry) -> str:
    with pytest.raises(ServerRejected) as excinfo:
        client.submit(entry)
    return excinfo.value.code


def _finish(served: Served, e: Election) -> None:
    """Close, decrypt with t trustees over gRPC, export the record and verify it independently."""
    client = served.client
    actions.close_election(client, e.admin, e.election_id)
    for t in (1, 2, 3):
        actions.submit_decryption_share(client, e.trustees[t - 1], e.shares[t - 1], e.election_id, workers=1)
    record = actions.export_record(client, e.election_id)
    report = check_record(record, min_modulus_bits=MODULUS_BITS, workers=1)
    assert report.passed, report.render()


def test_revoke_reissue_and_roll_correction_end_to_end(served: Served, safe_primes_1024: tuple[int, int]) -> None:
    e = make_election(safe_primes_1024, voters=3, open_=False, election_id="fix-signing")
    _load(served, e)
    client, eid = served.client, e.election_id
    snap = client.election(eid)
    h = snap.election_hash
    # A second live issuance: the client says what to do; the server refuses it ALREADY_EXISTS.
    with pytest.raises(UsageError, match=r"already has a credential .*revoke"):
        actions.issue_credential(client, e.registrar, eid, "unit-0", SigningKey.generate().public_key)
    second = sign(CredentialIssued(h, "unit-0", SigningKey.generate().public_key), eid, e.registrar, Role.REGISTRAR)
    assert _refused(client, second) == "ALREADY_EXISTS"
    # Revoke and re-issue.
    assert _refused(client, sign(CredentialRevoked(h, "unit-0", 999), eid, e.registrar, Role.REGISTRAR)) == "NOT_FOUND"
    old = e.voters[0]
    actions.revoke_credential(client, e.registrar, eid, "unit-0")
    new = SigningKey.generate()
    actions.issue_credential(client, e.registrar, eid, "unit-0", new.public_key)
    # Correct the roll: an entry published with a typo, then one removed.
    actions.publish_roll(client, e.admin, eid, ["unit-3x", "unit-4"])
    actions.correct_roll(client, e.admin, eid, "unit-3x", RollEntry("unit-3"))
    actions.correct_roll(client, e.admin, eid, "unit-4", None)
    assert _refused(client, sign(RollCorrected(h, "unit-9", None), eid, e.admin, Role.ADMIN)) == "NOT_FOUND"
    live = sign(RollCorrected(h, "unit-1", RollEntry("unit-1b")), eid, e.admin, Role.ADMIN)
    assert _refused(client, live) == "FAILED_PRECONDITION"  # a live credential: revoke it first
    voter3 = SigningKey.generate()
    actions.issue_credential(client, e.registrar, eid, "unit-3", voter3.public_key)
    state = client.election(eid).state
    assert list(state.roll) == ["unit-0", "unit-1", "unit-2", "unit-3"] and len(state.issued) == 4
    actions.open_election(client, e.admin, eid)
    # Once open, neither correction is accepted.
    snap = client.election(eid)
    with pytest.raises(UsageError, match="only before it opens"):
        actions.revoke_credential(client, e.registrar, eid, "unit-1")
    index = snap.state.issuance_index["unit-1"]
    assert _refused(client, sign(CredentialRevoked(h, "unit-1", index), eid, e.registrar, Role.REGISTRAR)) == (
        "FAILED_PRECONDITION"
    )
    assert _refused(client, sign(RollCorrected(h, "unit-2", None), eid, e.admin, Role.ADMIN)) == "FAILED_PRECONDITION"
    with pytest.raises(ServerRejected) as excinfo:
        actions.cast_vote(client, snap, old, "yes")  # the revoked credential
    assert excinfo.value.code == "PERMISSION_DENIED" and "revoked" in excinfo.value.message
    for credential, choice in ((new, "yes"), (e.voters[1], "yes"), (e.voters[2], "no"), (voter3, "abstain")):
        actions.cast_vote(client, snap, credential, choice)
    # A restart replays the corrected log to the same state.
    served.channel.close()
    served.server.stop(None)
    served.service.close()
    served.service, served.server, served.channel, served.client = _start(served.url, served.signer)
    again = served.client.election(eid)
    assert again.info.credentials_issued == 4 and again.info.roll_size == 4 and again.info.ballots_cast == 4
    _finish(served, e)


def test_readme_assembly_tour_gets_the_area_from_the_roll(served: Served, safe_primes_1024: tuple[int, int]) -> None:
    """The README's anonymous assembly tour: the registrar's issuance takes the owner's area from the verified roll
    (a typed area must agree), and an earlier credential issued without it is revoked and replaced before opening."""
    e = make_election(
        safe_primes_1024,
        voters=3,
        kind=ElectionKind.ASSEMBLY,
        eligibility=EligibilityMode.ANONYMOUS,
        areas=[8537, 9000, 12000],
        open_=False,
        election_id="fix-assembly",
    )
    _load(served, e)
    client, eid, bbs_sk = served.client, e.election_id, e.bbs_sk
    assert bbs_sk is not None
    actions.publish_roll(client, e.admin, eid, ["3-2-501"], [10050])
    snap = client.election(eid)
    # The slip as the old command made it: a blind signature without the area, logged.
    request = credentials.request_credential(eid, snap.election_hash)
    slip = credentials.finish_credential(
        request,
        snap.definition.credential_key,
        credentials.issue_credential(bbs_sk, snap.election_hash, request.commitment),
    )
    actions.log_anonymous_issuance(client, e.registrar, snap, "3-2-501")
    # Now the command refuses a second one, a typed area that is not the roll's, and a signing credential.
    request2 = credentials.request_credential(eid, snap.election_hash)
    with pytest.raises(UsageError, match="already has a credential"):
        actions.issue_anonymous_credential(client, e.registrar, bbs_sk, eid, "3-2-501", request2.commitment)
    with pytest.raises(UsageError, match="uses anonymous credentials"):
        actions.issue_credential(client, e.registrar, eid, "3-2-501", SigningKey.generate().public_key)
    with pytest.raises(UsageError, match="revoked with its holder's presentation"):
        actions.revoke_credential(client, e.registrar, eid, "3-2-501")
    presentation = actions.revocation_presentation(client, slip, "3-2-501")
    actions.revoke_credential(client, e.registrar, eid, "3-2-501", presentation=presentation)
    with pytest.raises(UsageError, match=r"not 100.00 m²"):
        actions.issue_anonymous_credential(
            client, e.registrar, bbs_sk, eid, "3-2-501", request2.commitment, expect_area=10000
        )
    with pytest.raises(UsageError, match="not on the roll"):
        actions.issue_anonymous_credential(client, e.registrar, bbs_sk, eid, "9-9-999", request2.commitment)
    issued = actions.issue_anonymous_credential(client, e.registrar, bbs_sk, eid, "3-2-501", request2.commitment)
    assert issued.weight == 10050
    owner = credentials.finish_credential(request2, snap.definition.credential_key, issued)
    actions.open_election(client, e.admin, eid)
    snap = client.election(eid)
    with pytest.raises(ServerRejected) as excinfo:
        actions.cast_vote(client, snap, slip, "yes")
    assert excinfo.value.code == "PERMISSION_DENIED"
    actions.cast_vote(client, snap, owner, "yes")
    for voter, choice in zip(e.voters, ("yes", "no", "yes"), strict=True):
        actions.cast_vote(client, snap, voter, choice)
    _finish(served, e)
    result = client.election(eid).info.result
    assert b'"totals":[3,1,0,' in bytes(result) and str(8537 + 12000 + 10050).encode() in bytes(result)
