"""The key ceremony's board (docs/protocol.md §P15.9) through the service's RPCs over a real gRPC channel: posting,
fetching by round and recipient, status, and every refusal with its code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from client.api import CHANNEL_OPTIONS, LinliClient
from client.errors import CeremonyFailed, CeremonyTimeout, ServerRejected
from client.key_ceremony import CeremonyConfig, CeremonyOutcome, run_ceremony
from crypto import pairwise
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from crypto.threshold import verify_public_key
from server.service import ElectionService, _recorded
from tests import factories
from tests.factories import make_election
from tests.server.conftest import start_service, submit
from voting.board import MAX_CIPHERTEXT_BYTES, BoardMessage
from voting.ceremony import modulus_context, transcript_hash
from voting.records import EntryKind
from wire import linli_pb2 as pb

ELECTION = "board-test"
BITS = 256  # 128-bit factors, as tests/crypto/test_dkg.py: the protocol is the same as at 3072 bits


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
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=CHANNEL_OPTIONS)  # as every client channel
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


def test_a_round_larger_than_grpc_default_is_fetched(board: Board) -> None:
    # At 3072 bits one ceremony round is several MiB (the demo failed at 4.67 MB with grpcio's 4 MiB default):
    # three senders with full-size ciphertexts to both others make a 12 MiB round.
    big = MAX_CIPHERTEXT_BYTES - 64
    for sender in (1, 2, 3):
        cts = {r: bytes([sender, r]) * (big // 2) for r in range(1, 4) if r != sender}
        board.client.post_board_message(board.message(sender, ciphertexts=cts))
    fetched = board.client.board_round(ELECTION, 1, "setup")
    assert sum(len(c) for m in fetched for c in m.ciphertexts.values()) > 2 * (4 << 20)
    for m in fetched:
        m.verify(board.election.state.require_definition())


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


# -- the ceremony driver (client.key_ceremony) over this board ----------------------------------------------------
def _run_trustees(board: Board, indices: list[int], config: CeremonyConfig) -> dict[int, object]:
    """Run the driver of each trustee in ``indices`` in its own thread; each one's result or exception."""
    e = board.election
    definition = e.state.require_definition()
    outcome: dict[int, object] = {}

    def one(i: int) -> None:
        try:
            outcome[i] = run_ceremony(board.client, definition, e.state.election_hash, i, e.trustees[i - 1], config)
        except Exception as error:  # reported to the test
            outcome[i] = error

    threads = [threading.Thread(target=one, args=(i,), name=f"trustee-{i}") for i in indices]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return outcome


def test_ceremony_over_the_board(board: Board) -> None:
    rounds: list[str] = []
    config = CeremonyConfig(bits=BITS, poll_interval=0.02, round_timeout=60, on_round=rounds.append)
    outcome = _run_trustees(board, [1, 2, 3], config)
    results = [outcome[i] for i in (1, 2, 3)]
    assert all(isinstance(r, CeremonyOutcome) for r in results), results
    keys = {r.key.public_key for r in results}  # type: ignore[union-attr]
    assert len(keys) == 1
    pk = keys.pop()
    first = results[0].key  # type: ignore[union-attr]
    verify_public_key(pk, first.modulus_proof, first.test_decryption, board.election.state.election_hash, min_bits=BITS)
    # §P15.10: every trustee ends with the same endorsed body, the transcript hash of what the board holds
    assert len({r.key for r in results}) == 1 and first.ceremony is not None  # type: ignore[union-attr]
    transcript = [_recorded(data) for data in board.service.board.transcript(ELECTION, 1)]
    assert first.ceremony.transcript == transcript_hash([m.digest() for m in transcript])
    assert transcript[0].round == "x25519" and transcript[-1].round == "key/4-finish"  # not the endorsements
    assert [r.share.index for r in results] == [1, 2, 3]  # type: ignore[union-attr]
    assert rounds[0] == "x25519"
    # §P15.9: the server only saw messages: no share or X25519 secret in any stored byte
    stored = b"".join(b for name in set(rounds) for b in board.service.board_round(ELECTION, 1, name))
    for r in results:
        assert r.share.secret.to_bytes(-(-r.share.secret.bit_length() // 8), "big") not in stored  # type: ignore[union-attr]


def test_silent_trustee_times_out_named(board: Board) -> None:
    config = CeremonyConfig(bits=BITS, poll_interval=0.02, round_timeout=1.5)
    outcome = _run_trustees(board, [1, 2], config)
    for i in (1, 2):
        error = outcome[i]
        assert isinstance(error, CeremonyTimeout), error
        assert error.silent == (3,) and "trustee(s) 3 (t3)" in str(error) and "'x25519'" in str(error)


def test_tampered_announcement_aborts_naming_the_sender(board: Board) -> None:
    e = board.election
    x = pairwise.PairwiseKey.generate().public_key
    vouch = e.trustees[2].sign(
        pairwise.announcement_message(ELECTION, 1, 3, pairwise.PairwiseKey.generate().public_key)
    )
    board.client.post_board_message(BoardMessage(ELECTION, 1, "x25519", 3, x + vouch, {}).signed(e.trustees[2]))
    outcome = _run_trustees(board, [1, 2], CeremonyConfig(bits=BITS, poll_interval=0.02, round_timeout=30))
    for i in (1, 2):
        error = outcome[i]
        assert isinstance(error, CeremonyFailed) and error.culprit == 3, error
        assert "not vouched for" in str(error)


def test_wrong_signing_key_refused(board: Board) -> None:
    e = board.election
    with pytest.raises(CeremonyFailed, match="not trustee 1's key"):
        run_ceremony(board.client, e.state.require_definition(), e.state.election_hash, 1, e.trustees[1])


def test_restart_with_a_new_attempt(board: Board) -> None:
    """A failed attempt leaves nothing to use: the trustees start again with attempt 2 (fresh keys and slots)."""
    first = _run_trustees(board, [1, 2], CeremonyConfig(attempt=1, bits=BITS, poll_interval=0.02, round_timeout=1))
    assert all(isinstance(first[i], CeremonyTimeout) for i in (1, 2))
    config = CeremonyConfig(attempt=2, bits=BITS, poll_interval=0.02, round_timeout=60)
    second = _run_trustees(board, [1, 2, 3], config)
    assert all(isinstance(second[i], CeremonyOutcome) for i in (1, 2, 3)), second
    assert board.client.board_status(ELECTION).attempt == 2


def test_tampered_ciphertext_aborts_naming_the_sender(board: Board) -> None:
    """Trustee 3 announces a valid X25519 key but posts garbage as its sealed setup messages: trustees 1 and 2 stop
    the attempt and name it (§P15.9 step 2), before their sessions see anything."""
    e = board.election
    own = pairwise.PairwiseKey.generate()
    vouch = e.trustees[2].sign(pairwise.announcement_message(ELECTION, 1, 3, own.public_key))
    board.client.post_board_message(
        BoardMessage(ELECTION, 1, "x25519", 3, own.public_key + vouch, {}).signed(e.trustees[2])
    )
    setup = f"modulus/{modulus_context(e.state.election_hash, 1).hex()[:16]}/setup"
    garbage = {1: bytes(60), 2: bytes(60)}
    board.client.post_board_message(BoardMessage(ELECTION, 1, setup, 3, b"{}", garbage).signed(e.trustees[2]))
    outcome = _run_trustees(board, [1, 2], CeremonyConfig(bits=BITS, poll_interval=0.02, round_timeout=30))
    for i in (1, 2):
        error = outcome[i]
        assert isinstance(error, CeremonyFailed) and error.culprit == 3, error
        assert "does not authenticate" in str(error)


def test_a_trustee_endorsing_another_transcript_is_named(board: Board, monkeypatch: pytest.MonkeyPatch) -> None:
    """§P15.10 step 2: trustee 3 endorses another transcript hash (as if the board had shown it other rounds): the
    others refuse to end the attempt with a key, naming trustee 3; nothing is returned."""
    import client.key_ceremony as kc

    honest = kc.endorsement_message

    def skewed(election_hash: bytes, attempt: int, transcript: bytes, key: bytes) -> bytes:
        if threading.current_thread().name == "trustee-3":
            transcript = bytes(32)
        return honest(election_hash, attempt, transcript, key)

    monkeypatch.setattr(kc, "endorsement_message", skewed)
    outcome = _run_trustees(board, [1, 2, 3], CeremonyConfig(bits=BITS, poll_interval=0.02, round_timeout=60))
    for i in (1, 2):
        error = outcome[i]
        assert isinstance(error, CeremonyFailed) and error.culprit == 3, error
        assert "endorsed another transcript or key" in str(error)
