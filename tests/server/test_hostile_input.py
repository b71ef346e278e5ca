"""Hostile requests over a real gRPC channel (docs/protocol.md §P11.1): each gets a precise status, never
INTERNAL/UNKNOWN or a crash, and nothing is appended. Each test is named after the attack it stops, and runs
against both transports: the grpcio server, and ``linli serve``'s hypercorn app (grpcio client over HTTP/2)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import grpc
import pytest

from client.api import LinliClient
from server.service import ELECTION_ID
from tests.server.conftest import REFERENCE, Live
from tests.server.http_support import http_server
from voting.errors import InvalidElection
from voting.records import EntryKind
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc


@pytest.fixture(params=["grpcio", "hypercorn"])
def live(request: pytest.FixtureRequest, live: Live) -> Iterator[Live]:
    """The reference election's service, reached through the grpcio server or through the HTTP app."""
    if request.param == "grpcio":
        yield live
        return
    with http_server(live.service) as http:
        channel = grpc.insecure_channel(f"127.0.0.1:{http.port}")
        yield dataclasses.replace(
            live,
            port=http.port,
            channel=channel,
            client=LinliClient(channel, timeout=30),
            stub=pb_grpc.LinliStub(channel),
        )
        channel.close()


def _raw(live: Live, method: str, payload: bytes) -> grpc.StatusCode:
    call = live.channel.unary_unary(f"/linli.v1.Linli/{method}")
    with pytest.raises(grpc.RpcError) as e:
        call(payload, timeout=30)
    return e.value.code()  # type: ignore[no-any-return]


def _status(call, request) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as e:
        call(request, timeout=30)
    return e.value.code()  # type: ignore[no-any-return]


def _still_serving(live: Live, log: list[bytes]) -> None:
    assert live.client.server_info().version
    assert live.log() == log


@pytest.mark.parametrize("bomb", [b"[" * 300_000, b'{"a":' * 150_000])
def test_json_bomb_does_not_crash_the_server(live: Live, bomb: bytes) -> None:
    """Unauthenticated deep nesting, against the real server thread: refused, and the server keeps serving."""
    before = live.log()
    for method, request in [
        (live.stub.CastBallot, pb.CastBallotRequest(election_id=REFERENCE, ballot=bomb)),
        (live.stub.CreateElection, pb.SignedStatement(entry=bomb)),
        (live.stub.SubmitDecryptionShare, pb.SignedStatement(entry=bomb)),
    ]:
        assert _status(method, request) is grpc.StatusCode.INVALID_ARGUMENT
    _still_serving(live, before)


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("GetElection", b"\x0a\x02\xff\xfe"),  # invalid UTF-8 in the election_id string field
        ("GetElection", b"\xff\xff\xff"),  # not a protobuf message at all
        ("CastBallot", b"\x0a\x09reference\x12\xff"),  # a truncated length-delimited field
        ("GetEntries", b"\x10" + b"\xff" * 10),  # a varint longer than 64 bits
        ("CreateElection", b"\x0b" * 200 + b"\x0c" * 200),  # groups nested beyond protobuf's limit
    ],
)
def test_undecodable_request_is_invalid_argument_not_internal(live: Live, method: str, payload: bytes) -> None:
    before = live.log()
    assert _raw(live, method, payload) is grpc.StatusCode.INVALID_ARGUMENT
    _still_serving(live, before)


def test_lone_surrogate_in_statement_is_invalid_argument(live: Live) -> None:
    before = live.log()
    closing = live.election.statement(EntryKind.ELECTION_CLOSED, {}).to_bytes()
    forged = closing.replace(b'"kind":"election.closed"', b'"kind":"election.closed\\ud800"')
    assert forged != closing
    assert _status(live.stub.CloseElection, pb.SignedStatement(entry=forged)) is grpc.StatusCode.INVALID_ARGUMENT
    ballot = b'{"contests":[],"election":"\\udc00"}'
    assert (
        _status(live.stub.CastBallot, pb.CastBallotRequest(election_id=REFERENCE, ballot=ballot))
        is grpc.StatusCode.INVALID_ARGUMENT
    )
    _still_serving(live, before)


@pytest.mark.parametrize("bad", ["reference\n", "\nreference", "ref\x00erence", "Reference", "re", "r" * 65, "-ab"])
def test_election_id_with_newline_or_outside_the_format_is_invalid_argument(live: Live, bad: str) -> None:
    for call, request in [
        (live.stub.GetElection, pb.ElectionRef(election_id=bad)),
        (live.stub.GetCheckpoint, pb.CheckpointRequest(election_id=bad)),
        (live.stub.GetCheckpoints, pb.ElectionRef(election_id=bad)),
        (live.stub.GetEntries, pb.EntriesRequest(election_id=bad)),
        (live.stub.GetInclusionProof, pb.InclusionProofRequest(election_id=bad)),
        (live.stub.GetConsistencyProof, pb.ConsistencyProofRequest(election_id=bad, size1=1)),
        (live.stub.CastBallot, pb.CastBallotRequest(election_id=bad, ballot=b"{}")),
    ]:
        assert _status(call, request) is grpc.StatusCode.INVALID_ARGUMENT, call


def test_edge_election_id_format_agrees_with_the_domain(live: Live) -> None:
    definition = live.election.state.require_definition()
    for candidate in ["abc", "a-b-c", "0ab", "a" * 64, "a" * 65, "ab", "-ab", "abc\n", "ABC", "a_b", "ab c", "é" * 3]:
        try:
            dataclasses.replace(definition, election_id=candidate)
            domain = True
        except InvalidElection:
            domain = False
        assert (ELECTION_ID.fullmatch(candidate) is not None) == domain, candidate


@pytest.mark.parametrize("start", [2**31, 2**32 + 1, 2**62])
def test_page_offset_beyond_the_tree_is_out_of_range_before_sql(live: Live, start: int) -> None:
    assert _status(live.stub.GetEntries, pb.EntriesRequest(election_id=REFERENCE, start=start)) is (
        grpc.StatusCode.OUT_OF_RANGE
    )


@pytest.mark.parametrize("value", [2**63, 2**64 - 1])
def test_index_beyond_int64_is_invalid_argument(live: Live, value: int) -> None:
    for call, request in [
        (live.stub.GetEntries, pb.EntriesRequest(election_id=REFERENCE, start=value)),
        (live.stub.GetEntries, pb.EntriesRequest(election_id=REFERENCE, limit=value)),
        (live.stub.GetInclusionProof, pb.InclusionProofRequest(election_id=REFERENCE, leaf_index=value)),
        (live.stub.GetInclusionProof, pb.InclusionProofRequest(election_id=REFERENCE, tree_size=value)),
        (live.stub.GetConsistencyProof, pb.ConsistencyProofRequest(election_id=REFERENCE, size1=value)),
        (live.stub.GetConsistencyProof, pb.ConsistencyProofRequest(election_id=REFERENCE, size1=1, size2=value)),
    ]:
        assert _status(call, request) is grpc.StatusCode.INVALID_ARGUMENT


def test_leaf_index_or_size_beyond_the_tree_is_out_of_range(live: Live) -> None:
    size = live.service.ledger.size(REFERENCE)
    for call, request in [
        (live.stub.GetInclusionProof, pb.InclusionProofRequest(election_id=REFERENCE, leaf_index=size)),
        (live.stub.GetInclusionProof, pb.InclusionProofRequest(election_id=REFERENCE, tree_size=size + 1)),
        (live.stub.GetConsistencyProof, pb.ConsistencyProofRequest(election_id=REFERENCE, size1=1, size2=size + 1)),
    ]:
        assert _status(call, request) is grpc.StatusCode.OUT_OF_RANGE
    page = live.stub.GetEntries(pb.EntriesRequest(election_id=REFERENCE, start=size))
    assert list(page.entries) == [] and page.tree_size == size  # the end of the log is a valid, empty page


def test_huge_unknown_election_id_in_a_statement_gets_a_short_message(live: Live) -> None:
    """An error quoting a multi-megabyte field must still fit in the status trailer."""
    before = live.log()
    entry = (
        live.election.entries[1]
        .to_bytes()
        .replace(b'"election":"reference"', b'"election":"' + b"x" * 3_000_000 + b'"')
    )
    with pytest.raises(grpc.RpcError) as e:
        live.stub.PublishKey(pb.SignedStatement(entry=entry), timeout=30)
    assert e.value.code() is grpc.StatusCode.NOT_FOUND and len(e.value.details()) <= 1000
    _still_serving(live, before)
