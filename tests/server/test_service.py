"""The service without gRPC: the voting window is enforced with the server's clock."""

from __future__ import annotations

import pytest

from crypto.note import NoteSigner
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from tests.factories import make_election
from voting.encoding import canonical
from voting.errors import WrongPhase


@pytest.mark.parametrize(("now", "accepted"), [(999, False), (1000, True), (1999, True), (2000, False)])
def test_voting_window_uses_the_server_clock(safe_primes_1024, tmp_path, now: int, accepted: bool) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=1, opens_at=1000, closes_at=2000)
    service = ElectionService(
        Ledger(make_engine(f"sqlite:///{tmp_path / 'w.db'}"), NoteSigner.generate("t"), "linli.test"),
        ServiceConfig(min_modulus_bits=1024, clock=lambda: float(now)),
    )
    try:
        for entry in e.entries:
            service.submit_statement(entry.to_bytes(), entry.kind)
        body = canonical(e.ballot_entry(0, 0).body)
        if accepted:
            assert service.cast_ballot(e.election_id, body).index == len(e.entries)
        else:
            with pytest.raises(WrongPhase, match="window"):
                service.cast_ballot(e.election_id, body)
    finally:
        service.close()
