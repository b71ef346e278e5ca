"""The phone credential relay (docs/protocol.md §P13) through the service's RPCs: the phone's side over Connect JSON
(what the booth sends), the registrar's over grpcio; every refusal with its code; SQLite and PostgreSQL; a restart
keeps what was posted; nothing of it reaches the log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from client.api import LinliClient
from client.errors import ServerRejected
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from server.grpc_service import create_server
from server.service import RELAY_PENDING_PER_VOTER, RELAY_SLACK, ElectionService
from tests import factories
from tests.factories import MODULUS_BITS, make_election
from tests.server.conftest import start_service, submit
from tests.server.http_support import HttpServer, b64, http_server
from voting.credentials import AnonymousCredential, finish_credential, issue_credential, request_credential
from voting.election import EligibilityMode
from voting.encoding import canonical, parse
from voting.records import Entry, EntryKind, Role
from voting.relay import RelayIssuance, RelayRequest, parse_code, request_check
from voting.state import ElectionState, Phase
from voting.statements import CredentialIssued, sign

SIGNING, ANONYMOUS = "relay-sign", "relay-anon"


@dataclass
class Relay:
    url: str
    signer: NoteSigner
    service: ElectionService
    server: grpc.Server
    client: LinliClient
    http: HttpServer
    signing: factories.TestElection  # keyed; its last roll entry (unit-2) has no credential yet
    anonymous: factories.TestElection  # keyed, anonymous; unit-1 has no credential yet

    def stop(self) -> None:
        self.server.stop(None)
        self.service.close()


def _unissued(service: ElectionService, e: factories.TestElection) -> None:
    """The election, keyed, with every set-up entry but the last issuance."""
    for entry in e.entries[:-1]:
        submit(service, entry)


@pytest.fixture(scope="module")
def elections(safe_primes_1024: tuple[int, int]) -> tuple[factories.TestElection, factories.TestElection]:
    signing = make_election(safe_primes_1024, voters=3, election_id=SIGNING, open_=False)
    anonymous = make_election(
        safe_primes_1024, voters=2, election_id=ANONYMOUS, open_=False, eligibility=EligibilityMode.ANONYMOUS
    )
    return signing, anonymous


@pytest.fixture
def relay(db_url: str, elections: tuple[factories.TestElection, factories.TestElection]) -> Iterator[Relay]:
    signer = NoteSigner.generate("linli-test")
    service, server, port = start_service(db_url, signer)
    for e in elections:
        _unissued(service, e)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    with http_server(service) as http:
        r = Relay(db_url, signer, service, server, LinliClient(channel, timeout=30), http, *elections)
        yield r
    channel.close()
    r.stop()


def _code(call, *args) -> str:  # type: ignore[no-untyped-def]
    """The status code name ``call(*args)`` is refused with."""
    with pytest.raises(ServerRejected) as e:
        call(*args)
    return e.value.code


def _replayed(relay: Relay, election_id: str) -> ElectionState:
    state = ElectionState(min_modulus_bits=MODULUS_BITS)
    for data in relay.client.entries(election_id):
        state.apply(Entry.from_bytes(data))
    return state


def _phone_posts(relay: Relay, election_id: str, request: bytes) -> str:
    """What the booth does: Connect JSON, the request bytes in base64."""
    status, obj = relay.http.connect_json("PostCredentialRequest", {"electionId": election_id, "request": b64(request)})
    assert status == 200, obj
    return str(obj["code"])


def _phone_fetches(relay: Relay, election_id: str, code: str) -> tuple[int, object]:
    return relay.http.connect_json("GetIssuance", {"electionId": election_id, "code": code})


def _signing_request(key: SigningKey, election_id: str = SIGNING) -> bytes:
    return RelayRequest(election_id, EligibilityMode.SIGNING, public_key=key.public_key).to_bytes()


def _log_issuance(relay: Relay, e: factories.TestElection, roll_id: str, credential: bytes = b"") -> None:
    body = CredentialIssued(e.state.election_hash, roll_id, credential)
    relay.client.submit(sign(body, e.election_id, e.registrar, Role.REGISTRAR))


# -- the happy paths -------------------------------------------------------------------------------------------------
def test_signing_request_code_issuance_round_trip(relay: Relay) -> None:
    e = relay.signing
    phone_key = SigningKey.generate()
    request = _signing_request(phone_key)
    code = _phone_posts(relay, SIGNING, request)
    assert parse_code(code) == code and len(code) == 11 and code[5] == "-"
    assert _phone_posts(relay, SIGNING, request) == code  # the phone retried: the same code
    # The registrar types the code as it sees it (any case, no dash) and compares the check with the phone's.
    fetched = relay.client.credential_request(SIGNING, code.replace("-", "").lower())
    assert fetched == request and request_check(fetched) == request_check(request)
    status, obj = _phone_fetches(relay, SIGNING, code)
    assert (status, obj["code"]) == (404, "not_found")  # type: ignore[index]
    log_before = len(relay.client.entries(SIGNING))
    _log_issuance(relay, e, "unit-2", phone_key.public_key)
    issuance = RelayIssuance(SIGNING, e.state.election_hash, code, None).signed(e.registrar).to_bytes()
    relay.client.post_issuance(SIGNING, issuance)
    relay.client.post_issuance(SIGNING, issuance)  # the registrar's retry: no change
    status, obj = _phone_fetches(relay, SIGNING, code)
    assert status == 200
    got = RelayIssuance.from_bytes(relay.client.issuance(SIGNING, code))
    got.verify(e.state.require_definition().registrar_key)  # the phone checks the registrar's signature
    assert got.issued is None and got.code == code
    assert len(relay.client.entries(SIGNING)) == log_before + 1  # only the registrar's credential.issued


def test_anonymous_request_blind_issuance_and_finished_credential(relay: Relay) -> None:
    e = relay.anonymous
    election_hash = e.state.election_hash
    device = request_credential(ANONYMOUS, election_hash)  # the phone's secret stays here
    request = RelayRequest(ANONYMOUS, EligibilityMode.ANONYMOUS, commitment=device.commitment).to_bytes()
    code = _phone_posts(relay, ANONYMOUS, request)
    fetched = RelayRequest.from_bytes(relay.client.credential_request(ANONYMOUS, code))
    assert e.bbs_sk is not None
    issued = issue_credential(e.bbs_sk, election_hash, fetched.commitment)
    _log_issuance(relay, e, "unit-1")
    relay.client.post_issuance(
        ANONYMOUS, RelayIssuance(ANONYMOUS, election_hash, code, issued).signed(e.registrar).to_bytes()
    )
    assert _phone_fetches(relay, ANONYMOUS, code)[0] == 200
    got = RelayIssuance.from_bytes(relay.client.issuance(ANONYMOUS, code))
    got.verify(e.state.require_definition().registrar_key)
    assert got.issued is not None
    credential = finish_credential(device, e.state.require_definition().credential_key, got.issued)
    AnonymousCredential.from_json(credential.to_json())  # re-verified on import
    # First write wins: a second blind signature for the same code is refused, the first stays.
    again = issue_credential(e.bbs_sk, election_hash, fetched.commitment)
    second = RelayIssuance(ANONYMOUS, election_hash, code, again).signed(e.registrar).to_bytes()
    assert _code(relay.client.post_issuance, ANONYMOUS, second) == "ALREADY_EXISTS"
    assert RelayIssuance.from_bytes(relay.client.issuance(ANONYMOUS, code)) == got


def test_relay_survives_a_restart(relay: Relay) -> None:
    code = relay.client.post_credential_request(SIGNING, _signing_request(SigningKey.generate()))
    relay.stop()
    service, server, port = start_service(relay.url, relay.signer)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            assert LinliClient(channel, timeout=30).credential_request(SIGNING, code)
    finally:
        server.stop(None)
        service.close()
    relay.service, relay.server = start_service(relay.url, relay.signer)[:2]  # for the fixture's teardown


# -- refusals ----------------------------------------------------------------------------------------------------
def _bad_requests(relay: Relay) -> list[bytes]:
    key = SigningKey.generate().public_key.hex()
    good = {"election": SIGNING, "mode": "signing", "public_key": key}
    commitment = request_credential(ANONYMOUS, relay.anonymous.state.election_hash).commitment
    flipped = bytearray(commitment)
    flipped[-1] ^= 1
    return (
        [
            b'{"election": "relay-sign", "mode": "signing", "public_key": "' + key.encode() + b'"}',  # not canonical
            canonical({**good, "extra": 1}),
            canonical({"election": SIGNING, "mode": "signing"}),
            canonical({**good, "mode": "postal"}),
            canonical({**good, "public_key": key[:-2]}),  # 31 bytes
            canonical({**good, "public_key": key.upper()}),
            canonical({**good, "election": "other-election"}),
            canonical({"commitment": commitment.hex(), "election": SIGNING, "mode": "anonymous"}),  # not this mode
            canonical({**good, "pad": "x" * 1100}),
            b"[" * 50_000,
            b"",
        ]
        + [
            canonical({"commitment": c, "election": ANONYMOUS, "mode": "anonymous"})
            for c in (commitment.hex()[:-64], flipped.hex(), "00" * 144, commitment.hex() + "00" * 32)
        ]
    )


def test_malformed_requests_and_bad_commitment_proofs_are_invalid_argument(relay: Relay) -> None:
    for data in _bad_requests(relay):
        election_id = ANONYMOUS if b"anonymous" in data and b"relay-anon" in data else SIGNING
        assert _code(relay.client.post_credential_request, election_id, data) == "INVALID_ARGUMENT", data[:200]
        status, obj = relay.http.connect_json(
            "PostCredentialRequest", {"electionId": election_id, "request": b64(data)}
        )
        assert (status, obj["code"]) == (400, "invalid_argument")
    signing_to_anonymous = _signing_request(SigningKey.generate(), ANONYMOUS)
    assert _code(relay.client.post_credential_request, ANONYMOUS, signing_to_anonymous) == "INVALID_ARGUMENT"


def test_unknown_codes_elections_and_malformed_codes(relay: Relay) -> None:
    for call in (relay.client.credential_request, relay.client.issuance):
        assert _code(call, SIGNING, "00000-00000") == "NOT_FOUND"
        assert _code(call, "no-such-election", "00000-00000") == "NOT_FOUND"
        for bad in ("abc", "00000-0000U", "00000-000000", "0000\n00000", ""):
            assert _code(call, SIGNING, bad) == "INVALID_ARGUMENT", bad
    e = relay.signing
    unknown = RelayIssuance(SIGNING, e.state.election_hash, "00000-00000", None).signed(e.registrar).to_bytes()
    assert _code(relay.client.post_issuance, SIGNING, unknown) == "NOT_FOUND"
    assert _code(relay.client.post_credential_request, "no-such-election", b"{}") == "NOT_FOUND"


def test_issuances_not_from_the_registrar_or_not_for_this_request_are_refused(relay: Relay) -> None:
    e = relay.signing
    key = SigningKey.generate()
    code = relay.client.post_credential_request(SIGNING, _signing_request(key))

    def issuance(**change: object) -> bytes:
        base = RelayIssuance(SIGNING, e.state.election_hash, code, None)
        return dataclasses.replace(base, **change).signed(e.registrar).to_bytes()  # type: ignore[arg-type]

    # The key is not on the log yet: the phone would be told "issued" for a key that cannot vote.
    assert _code(relay.client.post_issuance, SIGNING, issuance()) == "FAILED_PRECONDITION"
    _log_issuance(relay, e, "unit-2", key.public_key)
    forged = RelayIssuance(SIGNING, e.state.election_hash, code, None).signed(e.admin).to_bytes()
    assert _code(relay.client.post_issuance, SIGNING, forged) == "PERMISSION_DENIED"
    tampered = bytearray(issuance())
    tampered[tampered.index(b'"signature":"') + 14] ^= 1
    assert _code(relay.client.post_issuance, SIGNING, bytes(tampered)) in ("PERMISSION_DENIED", "INVALID_ARGUMENT")
    other_instance = issuance(election_hash=bytes(32))
    assert _code(relay.client.post_issuance, SIGNING, other_instance) == "PERMISSION_DENIED"
    other_election = RelayIssuance(ANONYMOUS, e.state.election_hash, code, None).signed(e.registrar).to_bytes()
    assert _code(relay.client.post_issuance, SIGNING, other_election) == "INVALID_ARGUMENT"
    assert e.bbs_sk is None
    anon = relay.anonymous
    assert anon.bbs_sk is not None
    device = request_credential(ANONYMOUS, anon.state.election_hash)
    anon_code = relay.client.post_credential_request(
        ANONYMOUS, RelayRequest(ANONYMOUS, EligibilityMode.ANONYMOUS, commitment=device.commitment).to_bytes()
    )
    empty = RelayIssuance(ANONYMOUS, anon.state.election_hash, anon_code, None).signed(anon.registrar).to_bytes()
    assert _code(relay.client.post_issuance, ANONYMOUS, empty) == "PERMISSION_DENIED"  # no blind signature
    for bad in (b"{}", b"[" * 10_000, canonical({"code": code}), issuance()[:-3], b"x" * 5000):
        assert _code(relay.client.post_issuance, SIGNING, bad) == "INVALID_ARGUMENT", bad[:80]
    relay.client.post_issuance(SIGNING, issuance())  # after all that, the real one is still accepted


def test_relay_refuses_outside_the_issuance_phase(relay: Relay) -> None:
    e = relay.signing
    code = relay.client.post_credential_request(SIGNING, _signing_request(SigningKey.generate()))
    submit(relay.service, e.entries[-1])  # the last issuance; then open and close
    for kind in (EntryKind.ELECTION_OPENED, EntryKind.ELECTION_CLOSED):
        submit(relay.service, _replayed(relay, SIGNING).raw_statement(kind, {}, e.admin, Role.ADMIN))
    assert relay.service.state(SIGNING).phase is Phase.CLOSED
    late = _signing_request(SigningKey.generate())
    assert _code(relay.client.post_credential_request, SIGNING, late) == "FAILED_PRECONDITION"
    issuance = RelayIssuance(SIGNING, e.state.election_hash, code, None).signed(e.registrar).to_bytes()
    assert _code(relay.client.post_issuance, SIGNING, issuance) == "FAILED_PRECONDITION"
    assert relay.client.credential_request(SIGNING, code)  # what was posted can still be read


def test_pending_requests_are_bounded_per_election(relay: Relay) -> None:
    roll = len(relay.service.state(SIGNING).roll)
    limit = RELAY_PENDING_PER_VOTER * roll + RELAY_SLACK
    first = _signing_request(SigningKey.generate())
    code = relay.service.post_credential_request(SIGNING, first)
    for _ in range(limit - 1):
        relay.service.post_credential_request(SIGNING, _signing_request(SigningKey.generate()))
    assert _code(relay.client.post_credential_request, SIGNING, _signing_request(SigningKey.generate())) == (
        "RESOURCE_EXHAUSTED"
    )
    assert relay.service.post_credential_request(SIGNING, first) == code  # a retry of a stored one still answers
    # Another election has its own bound.
    device = request_credential(ANONYMOUS, relay.anonymous.state.election_hash)
    relay.client.post_credential_request(
        ANONYMOUS, RelayRequest(ANONYMOUS, EligibilityMode.ANONYMOUS, commitment=device.commitment).to_bytes()
    )
    assert parse(first)["election"] == SIGNING


def test_relay_rpcs_are_served_by_the_grpcio_server_too(relay: Relay) -> None:
    """create_server (the demo's and the tests' server) has the same RPCs."""
    server, port = create_server(relay.service, "127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            code = LinliClient(channel, timeout=30).post_credential_request(
                SIGNING, _signing_request(SigningKey.generate())
            )
            assert relay.client.credential_request(SIGNING, code)
    finally:
        server.stop(None)
