"""Batched pairing checks at intake: concurrent anonymous ballots share one pairing check, each keeps its own
verdict, and a bad proof in the batch is found."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from crypto.bls12_381 import g1_add
from server.batching import PairingBatcher
from tests.factories import make_election
from voting.ballot import build_referendum_ballot, check_ballot_proofs
from voting.election import EligibilityMode


@pytest.fixture(scope="module")
def pending(safe_primes_1024):  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=5, eligibility=EligibilityMode.ANONYMOUS, election_id="batching")
    pairs = [check_ballot_proofs(e.context, build_referendum_ballot(e.context, 0, v)) for v in e.voters]
    return e.context.definition.credential_key, pairs


def test_concurrent_checks_share_a_batch_and_find_the_bad_one(pending) -> None:  # type: ignore[no-untyped-def]
    key, pairs = pending
    abar, bbar = pairs[2]
    items = [*pairs, (abar, g1_add(bbar, bbar))]  # a sixth "proof" whose pairing equation fails
    batcher = PairingBatcher(max_wait=0.2)
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        verdicts = list(pool.map(lambda p: batcher.check(key, *p), items))
    assert verdicts == [True] * 5 + [False]
    assert batcher.batches < len(items)


def test_single_check(pending) -> None:  # type: ignore[no-untyped-def]
    key, pairs = pending
    batcher = PairingBatcher(max_wait=0.0)
    assert batcher.check(key, *pairs[0])
    assert not batcher.check(key, pairs[0][0], pairs[1][1])
