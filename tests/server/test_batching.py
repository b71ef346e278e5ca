"""Batched checks at intake: concurrent ballots share one pairing check and one validity-proof exponentiation,
each keeps its own verdict, and a bad item in the batch is found."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

from crypto.bls12_381 import g1_add
from server.batching import Batcher, pairing_batcher, validity_batcher
from tests.factories import make_election
from voting.ballot import build_ballot, prepare_ballot_checks
from voting.election import EligibilityMode


@pytest.fixture(scope="module")
def election(safe_primes_1024):  # type: ignore[no-untyped-def]
    return make_election(safe_primes_1024, voters=5, eligibility=EligibilityMode.ANONYMOUS, election_id="batching")


@pytest.fixture(scope="module")
def pending(election):  # type: ignore[no-untyped-def]
    return [prepare_ballot_checks(election.context, build_ballot(election.context, 0, v)) for v in election.voters]


def _key(election) -> bytes:  # type: ignore[no-untyped-def]
    n = election.context.paillier_key.n
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def test_concurrent_pairings_share_a_batch_and_find_the_bad_one(election, pending) -> None:  # type: ignore[no-untyped-def]
    key = election.context.definition.credential_key
    abar, bbar = pending[2].pairing
    items = [(key, p.pairing) for p in pending] + [(key, (abar, g1_add(bbar, bbar)))]  # the last one fails
    batcher = pairing_batcher(max_wait=0.2)
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        verdicts = list(pool.map(batcher.check, items))
    assert verdicts == [True] * 5 + [False]
    assert batcher.batches < len(items)


def test_concurrent_validity_claims_share_a_batch_and_find_the_bad_one(election, pending) -> None:  # type: ignore[no-untyped-def]
    what, claim = pending[0].claims[0]
    proof = claim.proof
    n2 = election.context.paillier_key.n2
    wrong = dataclasses.replace(
        claim, proof=dataclasses.replace(proof, commitments=(proof.commitments[0] * 7 % n2, *proof.commitments[1:]))
    )
    items = [(_key(election), p.claims) for p in pending] + [(_key(election), ((what, wrong),))]
    batcher = validity_batcher(max_wait=0.2)
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        verdicts = list(pool.map(batcher.check, items))
    assert verdicts[:5] == [None] * 5 and verdicts[5] == f"{what} does not verify"
    assert batcher.batches < len(items)


def test_single_checks(election, pending) -> None:  # type: ignore[no-untyped-def]
    key = election.context.definition.credential_key
    batcher = pairing_batcher(max_wait=0.0)
    assert batcher.check((key, pending[0].pairing))
    assert not batcher.check((key, (pending[0].pairing[0], pending[1].pairing[1])))


def test_a_failing_batch_releases_every_caller() -> None:
    def broken(items: list[int]) -> list[bool]:
        raise RuntimeError("boom")

    batcher: Batcher[int, bool] = Batcher(broken, max_wait=0.05)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(batcher.check, i) for i in range(3)]
        for f in futures:
            with pytest.raises(RuntimeError):
                f.result(timeout=10)
