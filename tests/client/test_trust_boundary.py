"""A dishonest server against honest clients (docs/protocol.md §P12, §P8.1): each test is an attack a server
operator can mount with what it controls — the bytes it serves, the elections it hosts, its log key — and each
fails on a client that trusts what it is told."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass

import grpc
import pytest

from client import actions
from client.api import LinliClient
from client.errors import ElectionInvalid, ElectionMismatch, ReceiptInvalid, ServerRejected
from client.pins import PinStore
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from server.grpc_service import LinliServicer
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from voting.ballot import EncryptedBallot
from voting.encoding import canonical, hex_int, parse
from voting.records import Entry, EntryKind
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

BITS = 1024
Tamper = Callable[[str, object], object]


class TamperingServicer(LinliServicer):
    """The real service, with the answers of some RPCs rewritten by ``tamper(method, response)``."""

    def __init__(self, service: ElectionService) -> None:
        super().__init__(service)
        self.tamper: Tamper = lambda method, response: response

    def GetElection(self, request, context):  # type: ignore[no-untyped-def]
        return self.tamper("GetElection", super().GetElection(request, context))

    def GetEntries(self, request, context):  # type: ignore[no-untyped-def]
        return self.tamper("GetEntries", super().GetEntries(request, context))


@dataclass
class Server:
    address: str
    service: ElectionService
    servicer: TamperingServicer
    signer: NoteSigner

    def client(self, pins: PinStore | None = None, **kw: object) -> LinliClient:
        return LinliClient(grpc.insecure_channel(self.address), min_modulus_bits=BITS, pins=pins, **kw)  # type: ignore[arg-type]


@pytest.fixture
def servers(tmp_path) -> Iterator[Callable[[], Server]]:  # type: ignore[no-untyped-def]
    started: list[tuple[grpc.Server, ElectionService]] = []

    def start() -> Server:
        signer = NoteSigner.generate(f"log-{len(started)}")
        url = f"sqlite:///{tmp_path / f'db{len(started)}.sqlite'}"
        service = ElectionService(Ledger(make_engine(url), signer, "linli.test"), ServiceConfig(min_modulus_bits=BITS))
        servicer = TamperingServicer(service)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        pb_grpc.add_LinliServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        started.append((server, service))
        return Server(f"127.0.0.1:{port}", service, servicer, signer)

    yield start
    for server, service in started:
        server.stop(None)
        service.close()


@dataclass
class Election:
    election_id: str
    admin: SigningKey
    registrar: SigningKey
    trustees: list[SigningKey]
    voters: list[SigningKey]
    shares: list[object]
    fingerprint: str


def _election(client: LinliClient, election_id: str = "trust-test", voters: int = 3) -> Election:
    admin, registrar = SigningKey.generate(), SigningKey.generate()
    trustees = [SigningKey.generate() for _ in range(3)]
    actions.create_election(
        client,
        admin,
        election_id=election_id,
        title="T",
        question="Q?",
        trustee_keys=[t.public_key for t in trustees],
        threshold_=2,
        registrar_key=registrar.public_key,
        modulus_bits=BITS,
        max_voters=100,
    )
    shares, _ = actions.key_ceremony(client, admin, election_id, workers=1)
    keys = actions.enrol_and_open(client, admin, registrar, election_id, [f"u{i}" for i in range(voters)])
    assert all(isinstance(k, SigningKey) for k in keys)
    return Election(
        election_id, admin, registrar, trustees, list(keys), list(shares), client.election(election_id).fingerprint
    )


def test_server_hosting_its_own_election_under_the_id_is_refused_with_the_notice_board_fingerprint(servers) -> None:  # type: ignore[no-untyped-def]
    honest, dishonest = servers(), servers()
    real = _election(honest.client())
    # The operator of another server (or of this one, in a fresh database) creates "the same" election with its
    # own keys: it can decrypt every ballot encrypted to that key.
    _election(dishonest.client())
    voter = dishonest.client()
    with pytest.raises(ElectionMismatch, match="not the election on the notice board"):
        actions.cast_referendum_vote(voter, real.election_id, real.voters[0], "yes", expect=real.fingerprint)
    assert real.fingerprint != voter.election(real.election_id).fingerprint


def test_election_swapped_after_first_use_is_refused_by_the_pin(servers) -> None:  # type: ignore[no-untyped-def]
    honest, dishonest = servers(), servers()
    real = _election(honest.client())
    _election(dishonest.client())
    pins = PinStore()
    snap = honest.client(pins).election(real.election_id)
    assert snap.first_use and snap.fingerprint == real.fingerprint
    assert not honest.client(pins).election(real.election_id).first_use
    with pytest.raises(ElectionMismatch, match="pinned"):
        dishonest.client(pins).election(real.election_id)


def test_same_election_replayed_on_a_log_with_another_key_is_refused_by_the_log_key_pin(servers) -> None:  # type: ignore[no-untyped-def]
    honest, mirror = servers(), servers()
    real = _election(honest.client())
    # The mirror replays the very same signed statements: same election hash, same fingerprint, another log key
    # (a second log the operator can show to some voters: a split view).
    for data in honest.client().entries(real.election_id):
        entry = Entry.from_bytes(data)
        mirror.service.submit_statement(data, entry.kind)
    assert mirror.client().election(real.election_id).fingerprint == real.fingerprint
    pins = PinStore()
    honest.client(pins).election(real.election_id)
    with pytest.raises(ElectionMismatch, match="another key"):
        mirror.client(pins).election(real.election_id)
    with pytest.raises(ElectionMismatch, match="log key"):
        mirror.client(log_key=honest.signer.verifier().to_vkey()).election(real.election_id)


def test_key_substituted_in_the_served_log_is_refused(servers) -> None:  # type: ignore[no-untyped-def]
    server = servers()
    real = _election(server.client())
    other = _election(server.client(), "other-election")
    key_other = Entry.from_bytes(server.client().entries(other.election_id)[1])

    def swap_key(method: str, response: object) -> object:
        if method != "GetEntries" or not isinstance(response, pb.EntriesResponse):
            return response
        entries = [bytes(e) for e in response.entries]
        for i, data in enumerate(entries):
            entry = Entry.from_bytes(data)
            if entry.kind is EntryKind.KEY_PUBLISHED and entry.election_id == real.election_id:
                # a key the server knows, under the administrator's (now invalid) signature
                body = {**entry.body, "public_key": key_other.body["public_key"]}
                entries[i] = dataclasses.replace(entry, body=body).to_bytes()
        return pb.EntriesResponse(entries=entries, tree_size=response.tree_size)

    server.servicer.tamper = swap_key
    with pytest.raises(ElectionInvalid, match="signature"):
        actions.cast_referendum_vote(server.client(), real.election_id, real.voters[0], "yes")


def test_key_substituted_in_election_info_is_never_used(servers) -> None:  # type: ignore[no-untyped-def]
    server = servers()
    real = _election(server.client())
    other = _election(server.client(), "other-election")
    fake_key = server.service.state(other.election_id).key_entry

    def swap_info(method: str, response: object) -> object:
        if method == "GetElection" and isinstance(response, pb.ElectionInfo):
            response.public_key = fake_key
        return response

    server.servicer.tamper = swap_info
    client = server.client()
    snap = client.election(real.election_id)
    assert snap.context is not None
    assert snap.context.public_key == server.service.state(real.election_id).require_context().public_key
    receipt = actions.cast_vote(client, snap, real.voters[0], "yes")
    ballot = EncryptedBallot.from_json(
        parse(server.client().entries(real.election_id)[receipt.leaf_index])["body"], snap.context
    )
    assert ballot.contests  # parsed under the real key: encrypted to it


def test_entries_not_in_the_signed_log_are_refused(servers) -> None:  # type: ignore[no-untyped-def]
    server = servers()
    real = _election(server.client())

    def drop_issuance(method: str, response: object) -> object:
        # every statement served is genuine, but the issuances are dropped: not the log the checkpoint signs
        if method != "GetEntries" or not isinstance(response, pb.EntriesResponse):
            return response
        kept = [e for e in response.entries if Entry.from_bytes(bytes(e)).kind is not EntryKind.CREDENTIAL_ISSUED]
        return pb.EntriesResponse(entries=kept, tree_size=response.tree_size)

    server.servicer.tamper = drop_issuance
    with pytest.raises((ReceiptInvalid, ElectionInvalid)):
        server.client().election(real.election_id)


def test_trustee_never_decrypts_a_single_ballot_named_as_the_tally(servers) -> None:  # type: ignore[no-untyped-def]
    server = servers()
    real = _election(server.client())
    client = server.client()
    ballot_receipt = actions.cast_referendum_vote(client, real.election_id, real.voters[0], "yes")
    actions.cast_referendum_vote(client, real.election_id, real.voters[1], "no")
    actions.close_election(client, real.admin, real.election_id)
    ballot = parse(client.entries(real.election_id)[ballot_receipt.leaf_index])["body"]
    state = server.service.state(real.election_id)
    nb = BITS // 8

    def tally_is_one_ballot(method: str, response: object) -> object:
        # Today's attack: GetElection names a single voter's ciphertext as "the tally".
        if method == "GetElection" and isinstance(response, pb.ElectionInfo):
            fake = Entry(EntryKind.TALLY, real.election_id, {**parse(state.tally_entry)["body"]})
            fake.body["ciphertexts"] = [ballot["contests"][0]["ciphertext"]]
            response.tally = fake.to_bytes()
        return response

    server.servicer.tamper = tally_is_one_ballot
    receipt = actions.submit_decryption_share(client, real.trustees[0], real.shares[0], real.election_id, workers=1)
    shares = server.service.state(real.election_id).shares[1]
    assert receipt.leaf_index == state.tally_index + 1
    # The share is of the recomputed tally: it verifies against the logged tally (the state checked it on append)
    # and its statement names a tree head that covers the tally.
    assert shares.shares and hex_int(state.tally[0], 2 * nb) != ballot["contests"][0]["ciphertext"]
    share_entry = Entry.from_bytes(client.entries(real.election_id)[receipt.leaf_index])
    assert share_entry.body["log_head"]["size"] > state.tally_index


def test_trustee_refuses_a_log_whose_tally_entry_was_rewritten(servers) -> None:  # type: ignore[no-untyped-def]
    server = servers()
    real = _election(server.client())
    client = server.client()
    receipt = actions.cast_referendum_vote(client, real.election_id, real.voters[0], "yes")
    actions.cast_referendum_vote(client, real.election_id, real.voters[1], "no")
    actions.close_election(client, real.admin, real.election_id)
    ballot = parse(client.entries(real.election_id)[receipt.leaf_index])["body"]

    def rewrite_tally(method: str, response: object) -> object:
        if method != "GetEntries" or not isinstance(response, pb.EntriesResponse):
            return response
        entries = []
        for data in response.entries:
            obj = parse(bytes(data))
            if obj["kind"] == "tally":
                obj["body"]["ciphertexts"] = [ballot["contests"][0]["ciphertext"]]
            entries.append(canonical(obj))
        return pb.EntriesResponse(entries=entries, tree_size=response.tree_size)

    server.servicer.tamper = rewrite_tally
    with pytest.raises(ElectionInvalid, match="does not verify up to the tally"):
        actions.submit_decryption_share(client, real.trustees[0], real.shares[0], real.election_id, workers=1)
    assert not server.service.state(real.election_id).shares


def test_fingerprint_is_typed_by_people(servers) -> None:  # type: ignore[no-untyped-def]
    server = servers()
    real = _election(server.client())
    typed = real.fingerprint.lower().replace("-", " ")
    assert server.client().election(real.election_id, expect=typed).fingerprint == real.fingerprint
    with pytest.raises(Exception, match="fingerprint is 20 characters"):
        server.client().election(real.election_id, expect="K7QXM")


def test_cli_vote_with_wrong_fingerprint_exits_1(servers, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from client.cli import main
    from client.keystore import save_signing_key

    server = servers()
    real = _election(server.client())
    save_signing_key(tmp_path / "v.json", real.voters[0], "voter")
    argv = ["voter", "vote", "--server", server.address, "--election", real.election_id, "--min-modulus-bits", "1024"]
    argv += ["--credential", str(tmp_path / "v.json"), "--choice", "yes", "--receipt", str(tmp_path / "r.json")]
    wrong = "AAAAA-AAAAA-AAAAA-AAAAA"
    assert main([*argv, "--expect", wrong]) == 1
    assert "not the election on the notice board" in capsys.readouterr().err
    assert main([*argv, "--expect", real.fingerprint]) == 0
    assert not (tmp_path / "r2.json").exists()


def test_server_rejection_is_still_reported(servers) -> None:  # type: ignore[no-untyped-def]
    server = servers()
    with pytest.raises(ServerRejected, match="NOT_FOUND"):
        server.client().election("no-such-election")
