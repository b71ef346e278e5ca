"""The booth's client (booth/src/crypto/api.ts) against a real `linli serve` app over the network (Connect, binary;
server/web.py on hypercorn, tests/server/http_support.py): it opens and verifies the election, casts a ballot made
by Python (voter 0's re-vote), and checks its receipt and the earlier one; the grpcio client on the same port then
checks the booth's receipt file and agrees that the earlier ballot is superseded; a stored checkpoint the log does
not extend is refused as a fork."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from client.api import LinliClient, Receipt
from client.describe import LogView
from crypto import merkle
from crypto.note import Checkpoint, NoteSigner, sign_checkpoint
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from tests import factories
from tests.booth.node import requires_node, run_ts
from tests.factories import make_election
from tests.server.http_support import HttpServer, http_server
from voting.election import fingerprint
from voting.encoding import canonical
from voting.records import Entry, EntryKind

pytestmark = requires_node


@pytest.fixture
def served(
    tmp_path: Path, safe_primes_1024: tuple[int, int]
) -> Iterator[tuple[HttpServer, factories.TestElection, NoteSigner]]:
    signer = NoteSigner.generate("linli-test")
    service = ElectionService(
        Ledger(make_engine(f"sqlite:///{tmp_path / 'linli.db'}"), signer, "linli.test"),
        ServiceConfig(min_modulus_bits=1024),
    )
    e = make_election(safe_primes_1024, voters=3, election_id="booth-network")
    for entry in e.entries:
        service.submit_statement(entry.to_bytes(), entry.kind)
    for voter in (0, 1):
        service.cast_ballot(e.election_id, canonical(e.vote(voter, voter).body))
    with http_server(service) as http:
        yield http, e, signer


def test_booth_opens_casts_and_checks_over_connect(
    served: tuple[HttpServer, factories.TestElection, NoteSigner],
) -> None:
    http, e, signer = served
    client = LinliClient(grpc.insecure_channel(f"127.0.0.1:{http.port}"), timeout=30, min_modulus_bits=1024)
    fp = fingerprint(e.state.election_hash)
    snap = client.election(e.election_id, expect=fp)
    entries = client.log_entries(e.election_id, snap.checkpoint)
    first_ballot = next(i for i, d in enumerate(entries) if Entry.from_bytes(d).kind is EntryKind.BALLOT)
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(d) for d in entries])
    earlier = Receipt(
        e.election_id,
        first_ballot,
        merkle.leaf_hash(entries[first_ballot]),
        len(entries),
        tuple(tree.inclusion_proof(first_ballot, len(entries))),
        client.checkpoint_note(e.election_id),
    )
    # a checkpoint of the same size signed by the log key over another log: a fork of what the booth saw
    forked = [*entries[:-1], entries[first_ballot]]
    fork_root = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(d) for d in forked]).root()
    stale = sign_checkpoint(Checkpoint(snap.checkpoint.origin, len(entries), fork_root), signer)
    ballot = canonical(e.ballot_entry(0, 2).body)
    out = run_ts(
        "test/drivers/network.ts",
        {
            "base_url": f"http://127.0.0.1:{http.port}",
            "election_id": e.election_id,
            "fingerprint": fp,
            "ballot": ballot.hex(),
            "earlier_receipt": earlier.to_json(),
            "stale_checkpoint": stale.hex(),
        },
    )
    assert out["first"] == {"phase": "open", "size": len(entries), "ballots": 2}
    booth = Receipt.from_json(out["receipt"])
    assert booth.leaf_index == len(entries) and out["code"] == booth.code
    cp = client.check_receipt(booth)  # the booth's receipt file checks in the Python client
    view = LogView.from_entries(snap.definition, client.log_entries(e.election_id, cp))
    assert out["checked"] == {"size": cp.size, "superseded_by": None}
    assert out["earlier"]["superseded_by"] == view.superseded_by(first_ballot) == booth.leaf_index
    assert out["stale"] == {"error": "ReceiptInvalid", "reason": "fork"}
