"""A retried ballot gets its receipt (docs/protocol.md §P11.4): casting the exact same bytes again returns the
existing entry's receipt against the current checkpoint, without an append; a different ballot that reuses a cast
ciphertext is still refused. Over a real gRPC channel, on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
import pytest

from client.api import LinliClient
from client.errors import ServerRejected
from crypto import paillier
from tests.factories import MODULUS_BITS
from tests.server.conftest import REFERENCE, Live, start_service
from voting.ballot import build_ballot
from voting.encoding import canonical
from voting.records import Entry, EntryKind, Role
from wire import linli_pb2 as pb
from wire.linli_pb2_grpc import LinliStub


def _ballot(live: Live, voter: int, choice: int, randomness: list[int] | None = None) -> bytes:
    e = live.election
    return canonical(build_ballot(e.context, choice, e.voters[voter], randomness=randomness).to_json(e.context))


def test_retried_identical_ballot_gets_the_same_receipt(live: Live) -> None:
    ballot = _ballot(live, 2, 1)
    first = live.client.cast_ballot(REFERENCE, ballot)  # the client verifies every receipt it gets
    size = live.service.ledger.size(REFERENCE)
    again = live.client.cast_ballot(REFERENCE, ballot)
    assert again.leaf_index == first.leaf_index and again.leaf_hash == first.leaf_hash
    assert again.tree_size == size == live.service.ledger.size(REFERENCE)  # nothing appended
    assert live.service.state(REFERENCE).ballots_cast == 3
    live.client.check_receipt(again)
    live.verify()


def test_retry_after_the_log_grew_is_proven_against_the_current_checkpoint(live: Live) -> None:
    ballot = _ballot(live, 2, 0)
    first = live.client.cast_ballot(REFERENCE, ballot)
    live.client.cast_ballot(REFERENCE, _ballot(live, 0, 2))  # a re-vote: the log grows
    again = live.client.cast_ballot(REFERENCE, ballot)
    assert again.leaf_index == first.leaf_index and again.tree_size == first.tree_size + 1


def test_retry_of_an_old_ballot_answers_after_the_election_closed(live: Live) -> None:
    """The reference election's first ballot, retried once voting is over: its receipt, not WRONG_PHASE."""
    state = live.replayed()
    first_ballot = next(Entry.from_bytes(d) for d in live.log() if Entry.from_bytes(d).kind is EntryKind.BALLOT)
    live.client.submit(state.raw_statement(EntryKind.ELECTION_CLOSED, {}, live.election.admin, Role.ADMIN))
    receipt = live.client.cast_ballot(REFERENCE, canonical(first_ballot.body))
    assert receipt.leaf_index == state.counted_records()[0].index
    with pytest.raises(ServerRejected) as e:
        live.client.cast_ballot(REFERENCE, _ballot(live, 2, 0))  # a new ballot is still refused
    assert e.value.code == "FAILED_PRECONDITION"


def test_copied_ciphertext_in_a_different_ballot_still_refused(live: Live) -> None:
    """Same ciphertext, fresh proofs and signature: different bytes, a valid ballot, and a replay."""
    e = live.election
    randomness = [paillier.random_exponent(e.context.paillier_key) for _ in e.context.contest_allowed()]
    original = _ballot(live, 2, 0, randomness)
    live.client.cast_ballot(REFERENCE, original)
    copy = _ballot(live, 2, 0, randomness)  # same exponents, so the same ciphertexts; fresh proof nonces
    assert copy != original
    size = live.service.ledger.size(REFERENCE)
    with pytest.raises(ServerRejected) as err:
        live.client.cast_ballot(REFERENCE, copy)
    assert err.value.code == "ALREADY_EXISTS" and "already cast" in err.value.message
    assert live.service.ledger.size(REFERENCE) == size


def test_same_ballot_bytes_for_another_election_are_not_a_retry(live: Live) -> None:
    ballot = _ballot(live, 2, 0)
    live.client.cast_ballot(REFERENCE, ballot)
    with pytest.raises(ServerRejected) as e:
        live.client.cast_ballot("other-election", ballot)
    assert e.value.code == "NOT_FOUND"


class _DropFirstReply(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """The network loses the reply to the first CastBallot: the server commits, the phone sees UNAVAILABLE."""

    def __init__(self) -> None:
        self.dropped = 0

    def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        outcome = continuation(client_call_details, request)
        if client_call_details.method.endswith("/CastBallot") and not self.dropped:
            outcome.result()  # the server did answer ...
            self.dropped += 1
            raise _Lost()  # ... but the answer never arrived
        return outcome


class _Lost(grpc.RpcError):  # type: ignore[misc]
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return "connection reset (simulated)"


def test_lost_reply_then_retry_gets_the_receipt(live: Live) -> None:
    interceptor = _DropFirstReply()
    phone = LinliClient(grpc.intercept_channel(live.channel, interceptor), timeout=30, min_modulus_bits=MODULUS_BITS)
    ballot = _ballot(live, 2, 2)
    size = live.service.ledger.size(REFERENCE)
    with pytest.raises(ServerRejected) as e:
        phone.cast_ballot(REFERENCE, ballot)
    assert e.value.code == "UNAVAILABLE" and interceptor.dropped == 1
    assert live.service.ledger.size(REFERENCE) == size + 1  # committed although the phone never heard
    receipt = phone.cast_ballot(REFERENCE, ballot)  # the retry
    assert receipt.leaf_index == size and receipt.tree_size == size + 1
    assert live.service.ledger.size(REFERENCE) == size + 1
    live.verify()


def test_retry_after_a_server_restart_gets_the_receipt(live: Live) -> None:
    """The leaf-hash index is rebuilt on replay."""
    ballot = _ballot(live, 2, 1)
    first = live.client.cast_ballot(REFERENCE, ballot)
    live.stop()
    service, server, port = start_service(live.url, live.signer)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            request = pb.CastBallotRequest(election_id=REFERENCE, ballot=ballot)
            receipt = LinliStub(channel).CastBallot(request, timeout=30)
            assert receipt.leaf_index == first.leaf_index and receipt.tree_size == first.tree_size
    finally:
        server.stop(None)
        service.close()
