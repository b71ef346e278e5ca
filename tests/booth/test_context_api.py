"""booth/src/crypto/api.ts over the Connect protocol (binary) against an in-memory Linli service answering from
Python-made logs (booth/test/drivers/api.ts; no network: the server's Connect endpoint is another branch's work):
the election opens verified, a cast that the server drops twice is retried with the same bytes and yields one
receipt, which Python verifies and checks against the grown log; the voter's earlier receipt shows superseded in both;
an unknown election is the server's NOT_FOUND."""

from __future__ import annotations

from typing import Any

import pytest

from client.api import Receipt
from crypto.note import NoteSigner
from tests import factories
from tests.booth.context_support import ServedLog, python_receipt_check, receipt_for
from tests.booth.node import requires_node, run_ts
from tests.factories import make_election
from voting.election import fingerprint
from voting.encoding import canonical
from voting.records import Entry

pytestmark = requires_node


def _served(log: ServedLog) -> dict[str, Any]:
    tree = log.tree()
    n = len(log.entries)
    return {
        "election_id": log.election_id,
        "prefix": log.prefix,
        "vkey": log.vkey,
        "checkpoint": log.checkpoint.hex(),
        "entries": [e.hex() for e in log.entries],
        "proofs": {f"{k}-{n}": [p.hex() for p in tree.consistency_proof(k, n)] for k in range(1, n)},
    }


@pytest.fixture(scope="module")
def election(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    e = make_election(safe_primes_1024, voters=3, election_id="booth-api")
    e.vote(0, 0)
    e.vote(1, 1)
    e.vote(0, 2)  # the booth casts this one: voter 0's re-vote
    return e


def _run(e: factories.TestElection, fail_casts: int) -> tuple[dict[str, Any], ServedLog, Receipt, Receipt]:
    signer = NoteSigner.generate("linli.test/log")
    entries = [x.to_bytes() for x in e.entries]
    before = ServedLog(e.election_id, signer, entries[:-1])
    after = ServedLog(e.election_id, signer, entries)
    receipt = receipt_for(after, len(entries) - 1, len(entries))
    earlier = receipt_for(after, len(entries) - 3)
    payload = {
        "before": _served(before),
        "after": _served(after),
        "ballot": canonical(Entry.from_bytes(entries[-1]).body).hex(),
        "receipt": {
            "leaf_index": receipt.leaf_index,
            "tree_size": receipt.tree_size,
            "leaf_hash": receipt.leaf_hash.hex(),
            "inclusion_proof": [p.hex() for p in receipt.inclusion_proof],
            "checkpoint": receipt.checkpoint.hex(),
        },
        "fail_casts": fail_casts,
        "fingerprint": fingerprint(e.state.election_hash),
        "earlier_receipt": earlier.to_json(),
    }
    return run_ts("test/drivers/api.ts", payload), after, receipt, earlier


def test_open_cast_with_retries_and_check(election: factories.TestElection) -> None:
    out, after, receipt, earlier = _run(election, fail_casts=2)
    assert out["unknown_election"] == {"error": "ServerRejected", "code": "NOT_FOUND"}
    assert out["before"]["phase"] == "open" and out["before"]["size"] == len(after.entries) - 1
    assert out["casts"] == 3  # two dropped, one answered: one ballot, one receipt
    booth = Receipt.from_json(out["receipt"])
    assert out["receipt"] == {"type": "linli-receipt", **receipt.to_json()}
    booth.verify(after.signer.verifier(), after.origin, after.entries[-1])
    assert out["code"] == booth.code
    fp = fingerprint(election.state.election_hash)
    python = python_receipt_check(after, booth, fp)["ok"]
    assert (
        out["check"]
        == {"size": int(python["size"]), "superseded_by": python["superseded_by"]}
        == {
            "size": len(after.entries),
            "superseded_by": None,
        }
    )
    python_earlier = python_receipt_check(after, earlier, fp)["ok"]
    assert out["earlier"]["superseded_by"] == python_earlier["superseded_by"] == len(after.entries) - 1


def test_cast_gives_up_after_its_retries(election: factories.TestElection) -> None:
    out, *_ = _run(election, fail_casts=3)
    assert out["casts"] == 3 and out["cast_error"] == {"error": "ServerRejected", "code": "UNAVAILABLE"}
