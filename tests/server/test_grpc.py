"""End to end over a real gRPC channel, on SQLite and on PostgreSQL: the whole flow, and the precise status
of every kind of bad request."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from client import actions
from client.api import LinliClient
from client.errors import ServerRejected
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from server.grpc_service import create_server
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from voting.election import RevotePolicy
from voting.encoding import canonical, parse
from voting.records import EntryKind, LogHead, Role, sign_statement
from wire import linli_pb2 as pb

BITS = 1024


@dataclass
class Running:
    client: LinliClient
    service: ElectionService
    channel: grpc.Channel
    url: str
    signer: NoteSigner
    server: grpc.Server


def _start(url: str, signer: NoteSigner) -> tuple[grpc.Server, ElectionService, int]:
    service = ElectionService(Ledger(make_engine(url), signer, "linli.test"), ServiceConfig(min_modulus_bits=BITS))
    server, port = create_server(service, "127.0.0.1:0")
    server.start()
    return server, service, port


@pytest.fixture
def running(db_url: str) -> Iterator[Running]:
    signer = NoteSigner.generate("linli-test")
    server, service, port = _start(db_url, signer)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield Running(LinliClient(channel, timeout=30, min_modulus_bits=BITS), service, channel, db_url, signer, server)
    channel.close()
    server.stop(None)
    service.close()


@dataclass
class Keys:
    admin: SigningKey
    registrar: SigningKey
    trustees: list[SigningKey]
    voters: list[SigningKey]


def _setup(
    client: LinliClient,
    election_id: str = "grpc-test",
    voters: int = 4,
    revote: RevotePolicy = RevotePolicy.LAST_COUNTS,
):  # type: ignore[no-untyped-def]
    keys = Keys(
        SigningKey.generate(),
        SigningKey.generate(),
        [SigningKey.generate() for _ in range(5)],
        [SigningKey.generate() for _ in range(voters)],
    )
    actions.create_election(
        client,
        keys.admin,
        election_id=election_id,
        title="T",
        question="Q?",
        trustee_keys=[t.public_key for t in keys.trustees],
        threshold_=3,
        registrar_key=keys.registrar.public_key,
        modulus_bits=BITS,
        max_voters=100,
        revote=revote,
    )
    shares, _ = actions.key_ceremony(client, keys.admin, election_id, workers=1)
    actions.publish_roll(client, keys.admin, election_id, [f"u{i}" for i in range(voters)])
    for i, v in enumerate(keys.voters):
        actions.issue_credential(client, keys.registrar, election_id, f"u{i}", v.public_key)
    actions.open_election(client, keys.admin, election_id)
    return keys, shares


def _code(excinfo: pytest.ExceptionInfo[ServerRejected]) -> str:
    return excinfo.value.code


def test_referendum_end_to_end_and_restart(running: Running) -> None:
    client = running.client
    keys, shares = _setup(client)
    receipts = [
        actions.cast_referendum_vote(client, "grpc-test", v, c)
        for v, c in zip(keys.voters, ["yes", "no", "yes", "abstain"], strict=True)
    ]
    # A restart rebuilds the state from the log alone (the first server stops first: one writer per database).
    running.channel.close()
    running.server.stop(None)
    running.service.close()
    server2, service2, port2 = _start(running.url, running.signer)
    try:
        client2 = LinliClient(grpc.insecure_channel(f"127.0.0.1:{port2}"), min_modulus_bits=BITS)
        assert client2.election("grpc-test").info.ballots_cast == 4
        actions.close_election(client2, keys.admin, "grpc-test")
        for t in (5, 2, 4):
            actions.submit_decryption_share(client2, keys.trustees[t - 1], shares[t - 1], "grpc-test")
        info = client2.election("grpc-test").info
        assert info.phase == "published"
        result = parse(bytes(info.result))["body"]
        assert result["totals"] == [2, 1, 1]
        for r in receipts:
            client2.check_receipt(r)
    finally:
        server2.stop(None)
        service2.close()


def _status(call, request) -> str:  # type: ignore[no-untyped-def]
    """The status code name of a raw call the server must refuse."""
    with pytest.raises(grpc.RpcError) as e:
        call(request, timeout=30)
    return e.value.code().name  # type: ignore[no-any-return]


def test_bad_requests_get_precise_statuses(running: Running) -> None:
    client = running.client
    stub = client._stub
    keys, shares = _setup(client, voters=2, revote=RevotePolicy.REFUSE)
    ctx = client.election("grpc-test").context
    assert ctx is not None
    ballot = actions.build_vote(ctx, keys.voters[0], "yes")
    stranger = SigningKey.generate()

    def cast(data: bytes, election: str = "grpc-test") -> str:
        return _status(stub.CastBallot, pb.CastBallotRequest(election_id=election, ballot=data))

    def statement(call, entry) -> str:  # type: ignore[no-untyped-def]
        return _status(call, pb.SignedStatement(entry=entry.to_bytes()))

    out_of_range = parse(ballot)
    out_of_range["contests"][0]["ciphertext"] = "00" * (BITS // 4)
    assert _status(stub.GetElection, pb.ElectionRef(election_id="no-such-election")) == "NOT_FOUND"
    assert cast(ballot, "no-such-election") == "NOT_FOUND"
    assert cast(b"\x00garbage") == "INVALID_ARGUMENT"
    assert cast(canonical(out_of_range)) == "INVALID_ARGUMENT"
    assert cast(ballot.replace(b'{"contests"', b'{ "contests"', 1)) == "INVALID_ARGUMENT"  # not canonical
    assert cast(actions.build_vote(ctx, stranger, "yes")) == "PERMISSION_DENIED"  # credential never issued
    first = client.cast_ballot("grpc-test", ballot)
    assert client.cast_ballot("grpc-test", ballot).leaf_index == first.leaf_index  # a retry gets its receipt
    assert cast(actions.build_vote(ctx, keys.voters[0], "no")) == "ALREADY_EXISTS"  # re-vote refused by policy
    snap = client.election("grpc-test")
    bound = {"election_hash": snap.election_hash, "log_head": LogHead(snap.checkpoint.size, snap.checkpoint.root_hash)}
    closing = sign_statement(EntryKind.ELECTION_CLOSED, "grpc-test", {}, stranger, Role.ADMIN, **bound)
    assert statement(stub.CloseElection, closing) == "PERMISSION_DENIED"  # not the admin
    real_close = sign_statement(EntryKind.ELECTION_CLOSED, "grpc-test", {}, keys.admin, Role.ADMIN, **bound)
    assert statement(stub.OpenElection, real_close) == "PERMISSION_DENIED"  # wrong kind for the method
    forged = dataclasses.replace(real_close, signature=bytes(64))
    assert statement(stub.CloseElection, forged) == "PERMISSION_DENIED"  # bad signature
    early = sign_statement(
        EntryKind.DECRYPTION_SHARE,
        "grpc-test",
        {"shares": [], "trustee": 1},
        keys.trustees[0],
        Role.TRUSTEE,
        1,
        **bound,
    )
    assert statement(stub.SubmitDecryptionShare, early) == "FAILED_PRECONDITION"  # before the tally
    assert (
        _status(stub.CreateElection, pb.SignedStatement(entry=client.election("grpc-test").info.definition))
        == "ALREADY_EXISTS"
    )
    assert (
        _status(stub.GetInclusionProof, pb.InclusionProofRequest(election_id="grpc-test", leaf_index=10**6))
        == "OUT_OF_RANGE"  # beyond the tree (§P11.1)
    )
    assert (
        _status(stub.GetConsistencyProof, pb.ConsistencyProofRequest(election_id="grpc-test", size1=0))
        == "INVALID_ARGUMENT"
    )
    assert _status(stub.GetEntries, pb.EntriesRequest(election_id="grpc-test", limit=5000)) == "INVALID_ARGUMENT"
    # Nothing half-written: the log holds exactly the accepted entries, and the state agrees.
    info = client.election("grpc-test").info
    assert info.ballots_cast == 1
    assert info.tree_size == len(client.entries("grpc-test")) == running.service.ledger.size("grpc-test")
    del shares


def test_ballot_for_another_election_rejected_over_grpc(running: Running) -> None:
    client = running.client
    keys, _ = _setup(client, election_id="election-one", voters=1)
    ctx = client.election("election-one").context
    assert ctx is not None
    ballot = actions.build_vote(ctx, keys.voters[0], "yes")
    _setup(client, election_id="election-two", voters=1)
    with pytest.raises(ServerRejected) as e:
        client.cast_ballot("election-two", ballot)
    assert e.value.code == "INVALID_ARGUMENT"


@pytest.mark.parametrize(
    ("kind", "eligibility"),
    [
        ("referendum", "signing"),
        ("committee", "signing"),
        ("assembly", "signing"),
        ("assembly", "anonymous"),
        ("committee", "anonymous"),
    ],
)
def test_demo_end_to_end(db_url: str, tmp_path, kind: str, eligibility: str) -> None:  # type: ignore[no-untyped-def]
    """Every kind of vote in both eligibility modes, over gRPC, on SQLite and on PostgreSQL."""
    from client.demo import run_demo
    from voting.election import ElectionKind, EligibilityMode

    result = run_demo(
        6,
        tmp_path / "record",
        modulus_bits=BITS,
        db_url=db_url,
        seed=7,
        workers=1,
        progress=False,
        kind=ElectionKind(kind),
        eligibility=EligibilityMode(eligibility),
    )
    assert result.report.passed, result.report.render()
    assert result.totals == result.expected


def test_entries_are_paged_by_size(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large logs come back in pages under the 4 MiB default receive limit, and the client reassembles them."""
    import server.service as gs

    keys, _ = _setup(running.client, voters=3)
    monkeypatch.setattr(gs, "MAX_PAGE_BYTES", 1)  # one entry per page
    entries = running.client.entries("grpc-test")
    assert len(entries) == running.client.election("grpc-test").info.tree_size
    resp = running.client._stub.GetEntries(pb.EntriesRequest(election_id="grpc-test"))
    assert len(resp.entries) == 1
    del keys


@pytest.mark.parametrize("eligibility", ["signing", "anonymous"])
def test_demo_end_to_end_distributed_ceremony(db_url: str, tmp_path, eligibility: str) -> None:  # type: ignore[no-untyped-def]
    """§P15.9: the demo with the trustees' dealer-free ceremony over the embedded server's board: the record
    verifies and the totals match."""
    from client.demo import run_demo
    from voting.election import EligibilityMode

    result = run_demo(
        6,
        tmp_path / "record",
        modulus_bits=BITS,
        db_url=db_url,
        seed=7,
        workers=1,
        progress=False,
        eligibility=EligibilityMode(eligibility),
        ceremony="distributed",
    )
    assert result.report.passed, result.report.render()
    assert result.totals == result.expected
    assert any("dealer-free" in name for name in result.timings)
    # §P15.10: the record carries the ceremony's transcript, and the verifier checked it
    assert (tmp_path / "record" / "ceremony.jsonl").stat().st_size > 0
    assert "made by the trustees (endorsed by all 5" in result.report.steps[3].detail
