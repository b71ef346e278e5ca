"""The key ceremony's board (docs/protocol.md §P15.9) through the service's RPCs over a real gRPC channel: posting,
fetching by round and recipient, status, and every refusal with its code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from client.api import LinliClient
from client.errors import ServerRejected
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from server.service import ElectionService
from tests import factories
from tests.factories import make_election
from tests.server.conftest import start_service, submit
from voting.board import MAX_CIPHERTEXT_BYTES, BoardMessage
from voting.records import EntryKind
from wire import linli_pb2 as pb

ELECTION = "board-test"


@dataclass
class Board:
    service: ElectionService
    client: LinliClient
    election: factories.TestElection

    def message(self, sender: int, round_name: str = "setup", attempt: int = 1, **kw: object) -> BoardMessage:
        fields: dict[str, object] = {
            "broadcast": f"b{sender}".encode(),
            "ciphertexts": {r: f"c{sender}->{r}".encode() for r in range(1, 4) if r != sender},
            **kw,
        }
        m = BoardMessage(ELECTION, attempt, round_name, sender, fields["broadcast"], fields["ciphertexts"])  # type: ignore[arg-type]
        return m.signed(self.election.trustees[sender - 1])

    def publish_key(self) -> None:
        for entry in self.election.entries:
            if entry.kind is EntryKind.KEY_PUBLISHED:
                submit(self.service, entry)
                return


@pytest.fixture(scope="module")
def election(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    return make_election(safe_primes_1024, voters=2, election_id=ELECTION, open_=False, threshold_=2, parties=3)


@pytest.fixture
def board(db_url: str, election: factories.TestElection) -> Iterator[Board]:
    service, server, port = start_service(db_url, NoteSigner.generate("linli-test"))
    submit(service, election.entries[0])  # election.created only: no key yet
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield Board(service, LinliClient(channel, timeout=30), election)
    channel.close()
    server.stop(None)
    service.close()


def _code(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ServerRejected) as e:
        call(*args)
    return e.value.code


def test_post_fetch_status(board: Board) -> None:
    assert board.client.board_status(ELECTION).attempt == 0
    for sender in (1, 2):
        assert board.client.post_board_message(board.message(sender)) is True
    status = board.client.board_status(ELECTION)
    assert (status.attempt, status.round, list(status.senders), status.key_published) == (1, "setup", [1, 2], False)
    board.client.post_board_message(board.message(3))
    everything = board.client.board_round(ELECTION, 1, "setup")
    assert [m.sender for m in everything] == [1, 2, 3]
    for m in everything:
        m.verify(board.election.state.require_definition())  # the served bytes still carry valid signatures
    mine = board.client.board_round(ELECTION, 1, "setup", recipient=2)
    assert [dict(m.ciphertexts) for m in mine] == [{2: b"c1->2"}, {}, {2: b"c3->2"}]
    assert board.client.board_round(ELECTION, 2, "setup") == []
    assert board.client.board_round(ELECTION, 1, "sieve-1") == []


def test_same_message_is_idempotent_a_different_one_conflicts(board: Board) -> None:
    first = board.message(1)
    assert board.client.post_board_message(first) is True
    assert board.client.post_board_message(first) is False
    other = board.message(1, broadcast=b"something else")
    assert _code(board.client.post_board_message, other) == "ALREADY_EXISTS"
    # another attempt is another slot
    assert board.client.post_board_message(board.message(1, attempt=2, broadcast=b"something else")) is True


def test_bad_signature_refused(board: Board) -> None:
    m = board.message(1)
    forged = BoardMessage(m.election_id, m.attempt, m.round, 1, b"altered", m.ciphertexts, m.signature)
    assert _code(board.client.post_board_message, forged) == "PERMISSION_DENIED"
    assert board.client.board_round(ELECTION, 1, "setup") == []


def test_wrong_trustee_refused(board: Board) -> None:
    unsigned = BoardMessage(ELECTION, 1, "setup", 1, b"x", {})
    assert _code(board.client.post_board_message, unsigned.signed(board.election.trustees[1])) == "PERMISSION_DENIED"
    assert _code(board.client.post_board_message, unsigned.signed(SigningKey.generate())) == "PERMISSION_DENIED"
    beyond = BoardMessage(ELECTION, 1, "setup", 4, b"x", {}).signed(SigningKey.generate())
    assert _code(board.client.post_board_message, beyond) == "PERMISSION_DENIED"
    addressed_beyond = BoardMessage(ELECTION, 1, "setup", 1, b"x", {5: b"c"}).signed(board.election.trustees[0])
    assert _code(board.client.post_board_message, addressed_beyond) == "PERMISSION_DENIED"


def test_malformed_and_oversize_refused(board: Board) -> None:
    stub = board.client._stub
    cases = [
        pb.BoardMessage(election_id=ELECTION, attempt=0, round="setup", sender=1),
        pb.BoardMessage(election_id=ELECTION, attempt=1, round="Bad Round", sender=1),
        pb.BoardMessage(election_id=ELECTION, attempt=1, round="setup", sender=1, ciphertexts={1: b"to myself"}),
        pb.BoardMessage(election_id="NO", attempt=1, round="setup", sender=1),
        pb.BoardMessage(
            election_id=ELECTION, attempt=1, round="setup", sender=1, ciphertexts={2: bytes(MAX_CIPHERTEXT_BYTES + 1)}
        ),
    ]
    for request in cases:
        with pytest.raises(grpc.RpcError) as e:
            stub.PostBoardMessage(request, timeout=30)
        assert e.value.code() is grpc.StatusCode.INVALID_ARGUMENT, request.round
    with pytest.raises(grpc.RpcError) as e:
        stub.GetBoardRound(pb.BoardRoundRequest(election_id=ELECTION, attempt=1, round="no spaces"), timeout=30)
    assert e.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _code(board.client.board_status, "no-such-election") == "NOT_FOUND"


def test_refused_after_key_published(board: Board) -> None:
    board.client.post_board_message(board.message(1))
    board.publish_key()
    assert board.client.board_status(ELECTION).key_published is True
    assert _code(board.client.post_board_message, board.message(2)) == "FAILED_PRECONDITION"
    assert [m.sender for m in board.client.board_round(ELECTION, 1, "setup")] == [1]  # still readable
