"""§P11.5.4 group commit: verified ballots queued while the election's lock is held are appended in one transaction,
each with the checkpoint signed at its own size; a failed group commit acknowledges none of them.

The tests hold the election's lock while the ballots queue, so that they form exactly one group, on SQLite and on
PostgreSQL (the ``db_url`` fixture)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from crypto import merkle
from crypto.note import NoteSigner, open_checkpoint
from server.errors import StorageError
from server.ledger import Appended, GroupPlan, Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from tests import factories
from tests.factories import MODULUS_BITS, make_election
from tests.server.conftest import submit
from voting.election import RevotePolicy
from voting.encoding import canonical
from voting.errors import DuplicateBallot

GROUP = "group-test"


class _Counting:
    """Wraps a ledger: counts group commits and their sizes; ``fail_after_plan`` makes the next group commit fail
    after the service planned it (its state moved), as a COMMIT the database refuses would."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.groups: list[int] = []
        self.fail_after_plan = False

    def append_group(self, election_id: str, since: int, plan: GroupPlan) -> list[Appended]:
        def planned(new: Sequence[bytes]) -> Sequence[tuple[str, bytes, bool]]:
            entries = plan(new)
            self.groups.append(len(entries))
            if self.fail_after_plan:
                raise StorageError("injected: the commit of the group fails")
            return entries

        return self._ledger.append_group(election_id, since, planned)

    def __getattr__(self, name: str) -> object:
        return getattr(self._ledger, name)


def _service(
    db_url: str, primes: tuple[int, int], revote: RevotePolicy
) -> tuple[ElectionService, factories.TestElection]:
    signer = NoteSigner.generate("linli-test")
    service = ElectionService(
        Ledger(make_engine(db_url), signer, "linli.test"), ServiceConfig(min_modulus_bits=MODULUS_BITS)
    )
    e = make_election(primes, voters=4, election_id=GROUP, revote=revote)
    for entry in e.entries:
        submit(service, entry)
    return service, e


def _cast_as_one_group(service: ElectionService, ballots: list[bytes]) -> list[Appended | BaseException]:
    """Cast ``ballots`` from one thread each while the test holds the election's lock, so all of them queue, then
    let them go: the first thread to take the lock writes them as one group."""
    results: list[Appended | BaseException | None] = [None] * len(ballots)

    def cast(k: int) -> None:
        try:
            results[k] = service.cast_ballot(GROUP, ballots[k])
        except BaseException as e:
            results[k] = e

    threads = [threading.Thread(target=cast, args=(k,)) for k in range(len(ballots))]
    with service._locks[GROUP]:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(service._pending.get(GROUP, [])) < len(ballots):
            assert time.monotonic() < deadline, "the ballots did not queue"
            time.sleep(0.01)
    for t in threads:
        t.join(60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _ballot(e: factories.TestElection, voter: int, choice: int) -> bytes:
    return canonical(e.ballot_entry(voter, choice).body)


def _summary(service: ElectionService) -> tuple[object, ...]:
    s = service.state(GROUP)
    return (s.size, s.ballots_cast, dict(s.counted), set(s.seen_ciphertexts), s.tree.root())


def test_queued_ballots_are_one_group_each_with_its_own_checkpoint(
    db_url: str, safe_primes_1024: tuple[int, int]
) -> None:
    service, e = _service(db_url, safe_primes_1024, RevotePolicy.LAST_COUNTS)
    counting = _Counting(service.ledger)
    service.ledger = counting  # type: ignore[assignment]
    try:
        size = service.ledger.size(GROUP)
        results = _cast_as_one_group(service, [_ballot(e, v, v % 3) for v in range(4)])
        assert counting.groups == [4]  # one transaction
        receipts = [r for r in results if isinstance(r, Appended)]
        assert sorted(r.index for r in receipts) == list(range(size, size + 4))
        verifier = service.ledger.signer.verifier()
        for r in receipts:  # §P11.5.4: the checkpoint of exactly the size that includes the ballot
            checkpoint = open_checkpoint(r.checkpoint, verifier)
            assert checkpoint.size == r.size == r.index + 1
            merkle.verify_inclusion(r.leaf_hash, r.index, r.size, r.inclusion_proof, checkpoint.root_hash)
            assert service.ledger.checkpoint(GROUP, r.size) == r.checkpoint
        assert service.state(GROUP).ballots_cast == 4
        replayed, _ = service._replay(GROUP)
        assert (replayed.size, replayed.ballots_cast) == (size + 4, 4)
    finally:
        service.close()


def test_failed_group_commit_acknowledges_none_of_its_ballots(db_url: str, safe_primes_1024: tuple[int, int]) -> None:
    service, e = _service(db_url, safe_primes_1024, RevotePolicy.LAST_COUNTS)
    counting = _Counting(service.ledger)
    service.ledger = counting  # type: ignore[assignment]
    try:
        before = _summary(service)
        size = service.state(GROUP).size
        log = service.ledger.entries(GROUP)
        ballots = [_ballot(e, v, 1) for v in range(3)]
        counting.fail_after_plan = True
        results = _cast_as_one_group(service, ballots)
        assert counting.groups == [3]
        assert all(isinstance(r, StorageError) for r in results)  # no receipt for any of them
        assert _summary(service) == before  # the state was rebuilt from the durable log
        assert service.ledger.entries(GROUP) == log
        assert all(i < size for i in service._ballots[GROUP].values())  # no receipt index for the lost group
        counting.fail_after_plan = False
        recast = _cast_as_one_group(service, ballots)  # the same bytes are accepted afterwards, once each
        assert sorted(r.index for r in recast if isinstance(r, Appended)) == [size, size + 1, size + 2]
    finally:
        service.close()


def test_a_refused_ballot_in_a_group_fails_alone(db_url: str, safe_primes_1024: tuple[int, int]) -> None:
    """The group's ballots are checked in queue order against each other: a second ballot of one voter under the
    REFUSE policy is refused, the same bytes twice are one entry with one receipt, the rest are appended."""
    service, e = _service(db_url, safe_primes_1024, RevotePolicy.REFUSE)
    counting = _Counting(service.ledger)
    service.ledger = counting  # type: ignore[assignment]
    try:
        size = service.ledger.size(GROUP)
        first, again, other = _ballot(e, 0, 0), _ballot(e, 0, 1), _ballot(e, 1, 2)
        results = _cast_as_one_group(service, [first, again, other, other])
        assert counting.groups == [2]
        by_bytes: dict[bytes, list[Appended | BaseException]] = {}
        for data, r in zip([first, again, other, other], results, strict=True):
            by_bytes.setdefault(data, []).append(r)
        # voter 0's two ballots: whichever queued first is appended, the other refused (the threads race to queue)
        (kept,), (refused,) = sorted((by_bytes[first], by_bytes[again]), key=lambda r: not isinstance(r[0], Appended))
        assert isinstance(kept, Appended)
        assert isinstance(refused, DuplicateBallot) and "re-votes" in str(refused)
        twice = by_bytes[other]
        assert isinstance(twice[0], Appended) and twice[0] == twice[1]
        assert sorted((kept.index, twice[0].index)) == [size, size + 1]
        assert service.state(GROUP).ballots_cast == 2
    finally:
        service.close()


def test_lone_ballot_is_a_group_of_one(tmp_path: Path, safe_primes_1024: tuple[int, int]) -> None:
    service, e = _service(f"sqlite:///{tmp_path / 'g.db'}", safe_primes_1024, RevotePolicy.LAST_COUNTS)
    counting = _Counting(service.ledger)
    service.ledger = counting  # type: ignore[assignment]
    try:
        size = service.ledger.size(GROUP)
        assert service.cast_ballot(GROUP, _ballot(e, 2, 0)).index == size
        assert counting.groups == [1]
    finally:
        service.close()
