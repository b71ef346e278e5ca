"""A live service over a real gRPC channel (port 0) with a reference election loaded from tests.factories.

The reference election is built through the domain layer (small 1024-bit parameters from the session fixture)
and submitted entry by entry, so the server's log equals the factory's log and the factory's state can sign
further statements (close, decryption shares) bound to the server's tree head.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from client import actions
from client.api import LinliClient
from client.verifier import check_record
from crypto.note import NoteSigner
from server.grpc_service import create_server
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from tests.factories import MODULUS_BITS, TestElection, make_election
from voting.encoding import canonical
from voting.records import Entry, EntryKind, Role
from voting.state import ElectionState, Phase
from voting.tally import make_trustee_shares
from wire import linli_pb2_grpc as pb_grpc

REFERENCE = "reference"


@dataclass
class Live:
    url: str
    signer: NoteSigner
    service: ElectionService
    server: grpc.Server
    port: int
    channel: grpc.Channel
    client: LinliClient
    stub: pb_grpc.LinliStub
    election: TestElection

    def stop(self) -> None:
        """Stop the server and release the database (idempotent), e.g. before a restart on the same database."""
        self.channel.close()
        self.server.stop(None)
        self.service.close()

    def log(self) -> list[bytes]:
        return self.client.entries(self.election.election_id)

    def replayed(self) -> ElectionState:
        """The reference election's state, replayed from the log as served over gRPC."""
        state = ElectionState(min_modulus_bits=MODULUS_BITS)
        for data in self.log():
            state.apply(Entry.from_bytes(data))
        return state

    def verify(self) -> None:
        """Close the reference election and decrypt it over gRPC (each statement signed against the served log),
        then check that its exported record passes the independent verifier."""
        e = self.election
        state = self.replayed()
        if state.phase is Phase.OPEN:
            self.client.submit(state.raw_statement(EntryKind.ELECTION_CLOSED, {}, e.admin, Role.ADMIN))
            state = self.replayed()
        for t in range(1, state.require_definition().threshold + 1):
            if state.phase is not Phase.CLOSED:
                break
            context = state.require_context()
            shares = make_trustee_shares(context, e.shares[t - 1], state.tally)
            self.client.submit(
                state.raw_statement(
                    EntryKind.DECRYPTION_SHARE, shares.to_json(context), e.trustees[t - 1], Role.TRUSTEE, t
                )
            )
            state = self.replayed()
        assert state.phase is Phase.PUBLISHED
        record = actions.export_record(self.client, self.election.election_id)
        report = check_record(record, min_modulus_bits=MODULUS_BITS, workers=1)
        assert report.passed, report.render()


def start_service(url: str, signer: NoteSigner, **config: object) -> tuple[ElectionService, grpc.Server, int]:
    service = ElectionService(
        Ledger(make_engine(url), signer, "linli.test"), ServiceConfig(min_modulus_bits=MODULUS_BITS, **config)
    )
    server, port = create_server(service, "127.0.0.1:0", max_workers=8)
    server.start()
    return service, server, port


def submit(service: ElectionService, entry: Entry) -> None:
    if entry.kind is EntryKind.BALLOT:
        service.cast_ballot(entry.election_id, canonical(entry.body))
    else:
        service.submit_statement(entry.to_bytes(), entry.kind)


def load_reference(service: ElectionService, primes: tuple[int, int], *, ballots: int = 2) -> TestElection:
    """An open referendum with 3 voters, ``ballots`` of whom have voted, in the service's log."""
    e = make_election(primes, voters=3, election_id=REFERENCE)
    for entry in e.entries:
        submit(service, entry)
    for voter in range(ballots):
        submit(service, e.vote(voter, voter % 3))
    assert service.ledger.size(REFERENCE) == len(e.entries)
    return e


@pytest.fixture
def live(db_url: str, safe_primes_1024: tuple[int, int]) -> Iterator[Live]:
    signer = NoteSigner.generate("linli-test")
    service, server, port = start_service(db_url, signer)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    election = load_reference(service, safe_primes_1024)
    running = Live(
        db_url,
        signer,
        service,
        server,
        port,
        channel,
        LinliClient(channel, timeout=30),
        pb_grpc.LinliStub(channel),
        election,
    )
    yield running
    running.stop()
