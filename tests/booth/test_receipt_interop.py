"""Receipts cross the two implementations (issue 10, item 2, last bullet): a receipt the server gave the Python client
verifies in the booth (booth/src/crypto/receipt.ts) and the booth's receipt file in `linli voter check-receipt`; both
check it later against the grown log (inclusion + consistency), say "superseded by entry N" alike, refuse the same
tamperings, rollbacks and forks, and show the same short code."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from typing import Any

import pytest

from client.api import Receipt, receipt_code
from client.errors import ReceiptInvalid
from crypto import merkle
from crypto.errors import MerkleProofError
from crypto.note import NoteSigner, open_checkpoint, verify_checkpoint_extends
from tests import factories
from tests.booth.context_support import ServedLog, python_receipt_check, receipt_for, ts_expected, ts_fetched
from tests.booth.node import requires_node, run_ts
from tests.factories import make_election
from voting.election import fingerprint
from voting.records import Entry, EntryKind

pytestmark = requires_node

DRIVER = "test/drivers/context.ts"
LOG = NoteSigner.generate("linli.test/log")


@pytest.fixture(scope="module")
def election(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    """Signing mode, open; ballots: voter 0, voter 1, voter 0 again (the re-vote supersedes the first)."""
    e = make_election(safe_primes_1024, voters=3, election_id="booth-receipts")
    e.vote(0, 0)
    e.vote(1, 1)
    e.vote(0, 2)
    return e


@pytest.fixture(scope="module")
def log(election: factories.TestElection) -> ServedLog:
    return ServedLog(election.election_id, LOG, [x.to_bytes() for x in election.entries])


def _ballots(log: ServedLog) -> list[int]:
    return [i for i, d in enumerate(log.entries) if Entry.from_bytes(d).kind is EntryKind.BALLOT]


def _fp(e: factories.TestElection) -> str:
    return fingerprint(e.state.election_hash)


def _check_case(log: ServedLog, receipt: Receipt, fp: str) -> dict[str, Any]:
    size = len(log.entries)
    tree_entries = log.extra.get("tree", log.entries)
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in tree_entries])
    try:
        proof = [p.hex() for p in tree.consistency_proof(receipt.tree_size, size)] if receipt.tree_size <= size else []
    except MerkleProofError:
        proof = []
    return {
        "op": "receipt_check",
        "receipt": receipt.to_json(),
        "fetched": ts_fetched(log),
        "expected": ts_expected(fp),
        "consistency": proof,
    }


def test_python_receipts_check_in_the_booth_and_superseded_agrees(
    election: factories.TestElection, log: ServedLog
) -> None:
    first, second, revote = _ballots(log)
    receipts = [receipt_for(log, i) for i in (first, second, revote)]
    fp = _fp(election)
    results = run_ts(DRIVER, {"cases": [_check_case(log, r, fp) for r in receipts]})["results"]
    for r, ts in zip(receipts, results, strict=True):
        assert ts == python_receipt_check(log, r, fp), r.leaf_index
    assert [ts["ok"]["superseded_by"] for ts in results] == [revote, None, None]


def test_receipt_files_cross_both_ways(election: factories.TestElection, log: ServedLog) -> None:
    """The booth reads Receipt.to_json and the CLI's file ({"type": "linli-receipt", ...}); what it writes back
    (receipt.ts receiptFile) is byte for byte the CLI's receipt file, which Receipt.from_json reads and verifies."""
    verifier = LOG.verifier()
    cases = []
    for i in _ballots(log):
        r = receipt_for(log, i)
        for obj in (r.to_json(), {"type": "linli-receipt", **r.to_json()}):
            cases.append(
                {
                    "op": "receipt_verify",
                    "receipt": obj,
                    "vkey": verifier.to_vkey(),
                    "origin": log.origin,
                    "entry": log.entries[i].hex(),
                }
            )
    results = run_ts(DRIVER, {"cases": cases})["results"]
    for case, ts in zip(cases, results, strict=True):
        file = ts["ok"]["file"]
        assert file == {"type": "linli-receipt", **{k: v for k, v in case["receipt"].items() if k != "type"}}
        back = Receipt.from_json(file)
        cp = back.verify(verifier, log.origin, bytes.fromhex(case["entry"]))
        assert str(cp.size) == ts["ok"]["size"]
        assert ts["ok"]["code"] == receipt_code(back.leaf_hash) == back.code


def _tampered(r: Receipt, log: ServedLog) -> dict[str, Receipt]:
    other = NoteSigner.generate(LOG.name)
    return {
        "leaf_index_moved": replace(r, leaf_index=r.leaf_index - 1),
        "leaf_hash_altered": replace(r, leaf_hash=hashlib.sha256(r.leaf_hash).digest()),
        "proof_element_altered": replace(
            r, inclusion_proof=(hashlib.sha256(r.inclusion_proof[0]).digest(), *r.inclusion_proof[1:])
        ),
        "proof_truncated": replace(r, inclusion_proof=r.inclusion_proof[:-1]),
        "tree_size_changed": replace(r, tree_size=r.tree_size + 1),
        "checkpoint_of_another_log": replace(r, checkpoint=log.sign(r.tree_size, origin="linli.test/other")),
        "checkpoint_signed_by_another_key": replace(r, checkpoint=log.sign(r.tree_size, signer=other)),
        "checkpoint_not_a_note": replace(r, checkpoint=b"not a note\n"),
    }


def test_tampered_receipts_are_refused_by_both(log: ServedLog) -> None:
    ballot = _ballots(log)[1]
    r = receipt_for(log, ballot, len(log.entries))
    verifier = LOG.verifier()
    tampered = _tampered(r, log)
    entry = log.entries[ballot]
    cases = [
        {"op": "receipt_verify", "receipt": t.to_json(), "vkey": verifier.to_vkey(), "origin": log.origin}
        for t in tampered.values()
    ]
    cases.append(
        {
            "op": "receipt_verify",
            "receipt": r.to_json(),
            "vkey": verifier.to_vkey(),
            "origin": log.origin,
            "entry": log.entries[ballot - 1].hex(),  # the receipt is for another entry
        }
    )
    results = run_ts(DRIVER, {"cases": cases})["results"]
    for (name, t), ts in zip([*tampered.items(), ("another_entry", r)], results, strict=True):
        with pytest.raises(ReceiptInvalid):
            t.verify(verifier, log.origin, log.entries[ballot - 1] if name == "another_entry" else None)
        assert ts.get("error") == "ReceiptInvalid" and ts.get("reason") == "receipt", (name, ts)
    assert r.verify(verifier, log.origin, entry)  # the untampered one verifies


def test_rollback_and_fork_are_refused_by_both(election: factories.TestElection, log: ServedLog) -> None:
    """check-receipt after the server shrank its log (rollback) or rewrote a ballot the receipt covers (fork)."""
    first, second, revote = _ballots(log)
    r = receipt_for(log, second, revote + 1)
    fp = _fp(election)
    rolled_back = ServedLog(log.election_id, LOG, log.entries[:second])
    forged = receipt_for(log, first)  # another ballot's bytes in the place of voter 1's
    forked_entries = [*log.entries[:second], log.entries[first], *log.entries[second + 1 :]]
    forked = ServedLog(log.election_id, LOG, forked_entries)
    assert forged.leaf_index == first
    cases = {"rollback": rolled_back, "fork": forked}
    results = run_ts(DRIVER, {"cases": [_check_case(s, r, fp) for s in cases.values()]})["results"]
    for (reason, served), ts in zip(cases.items(), results, strict=True):
        py = python_receipt_check(served, r, fp)
        assert py["error"] == "ReceiptInvalid", py
        assert ts.get("error") == "ReceiptInvalid" and ts.get("reason") == reason, ts


def test_booth_requires_its_last_checkpoint_to_be_extended(election: factories.TestElection, log: ServedLog) -> None:
    """Across visits: the checkpoint the booth stored must be extended by the new one (verify_checkpoint_extends);
    a smaller log is a rollback, an inconsistent one a fork, and Python refuses the same pairs."""
    fp = _fp(election)
    size = len(log.entries)
    tree = log.tree()
    k = _ballots(log)[0]
    old_small, old_full = log.sign(k), log.checkpoint
    forked = ServedLog(log.election_id, LOG, [*log.entries[:-1], log.entries[k]])
    shrunk = ServedLog(log.election_id, LOG, log.entries[:k])

    def case(served: ServedLog, stored: bytes, proof: list[bytes]) -> dict[str, Any]:
        return {
            "op": "verify",
            "fetched": {**ts_fetched(served), "previous_consistency": [p.hex() for p in proof]},
            "expected": ts_expected(fp, checkpoint=stored.hex()),
        }

    pairs = {
        None: (log, old_small, tree.consistency_proof(k, size)),
        "rollback": (shrunk, old_full, []),
        "fork": (forked, old_full, []),
        "fork ": (forked, old_small, [*forked.tree().consistency_proof(k, size)[:-1], secrets.token_bytes(32)]),
    }
    results = run_ts(DRIVER, {"cases": [case(*v) for v in pairs.values()]})["results"]
    verifier = LOG.verifier()
    for (reason, (served, stored, proof)), ts in zip(pairs.items(), results, strict=True):
        old, new = open_checkpoint(stored, verifier), open_checkpoint(served.checkpoint, verifier)
        if reason is None:
            verify_checkpoint_extends(old, new, proof)
            assert ts["ok"]["size"] == size, ts
        else:
            with pytest.raises(MerkleProofError):
                verify_checkpoint_extends(old, new, proof)
            assert ts.get("error") == "ReceiptInvalid" and ts.get("reason") == reason.strip(), ts


def test_receipt_codes_agree() -> None:
    hashes = [secrets.token_bytes(32) for _ in range(64)] + [bytes(32), b"\xff" * 32]
    results = run_ts(DRIVER, {"cases": [{"op": "receipt_code", "leaf_hash": h.hex()} for h in hashes]})["results"]
    assert [r["ok"] for r in results] == [receipt_code(h) for h in hashes]
    assert receipt_code(bytes(32)) == "AAAAA-AAAAA"
    assert all(len(r["ok"]) == 11 and r["ok"][5] == "-" for r in results)
