"""The verification pool (§P11.5, decisions/0016): the verdict of a ballot never depends on the number of worker
processes or on how ballots were batched; a dead worker does not take the server down; oversized and malformed
ballots are refused before the pool; shutdown is graceful; ``linli serve --workers`` takes only sane values."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.cli import main
from crypto.note import NoteSigner
from server.batching import Material, PoolVerifier, Verdict, _verify_chunk
from server.errors import Unavailable
from server.ledger import Ledger
from server.service import ElectionService, LinliRpc, Refused, ServiceConfig
from server.storage import make_engine
from tests import factories
from tests.factories import MODULUS_BITS, make_election
from voting.ballot import build_ballot
from voting.election import ElectionContext, EligibilityMode
from voting.eligibility import SigningEvidence, eligibility_for
from voting.encoding import canonical
from voting.errors import InvalidBallot, InvalidEncoding, NotEligible, VotingError
from wire import linli_pb2 as pb


def _material(e: factories.TestElection) -> Material:
    return Material.of(e.state.definition_entry, e.state.key_entry)


def _ballots(e: factories.TestElection) -> list[bytes]:
    """Good ballots and bad ones of every kind the workers decide: signature, validity proof, BBS proof, encoding."""
    ctx = e.context
    out = [build_ballot(ctx, v % 3, e.voters[v]).to_bytes(ctx) for v in range(len(e.voters))]
    ballot = build_ballot(ctx, 1, e.voters[0])
    contest = ballot.contests[0]
    proof = dataclasses.replace(contest.proof, responses=(contest.proof.responses[0] + 1, *contest.proof.responses[1:]))
    mauled = dataclasses.replace(ballot, contests=(dataclasses.replace(contest, proof=proof),))
    evidence = eligibility_for(ctx.definition.eligibility).sign(ctx, e.voters[0], mauled.ballot_hash(ctx))  # type: ignore[arg-type]
    out.append(dataclasses.replace(mauled, evidence=evidence).to_bytes(ctx))  # signed, but its proof is wrong
    if isinstance(ballot.evidence, SigningEvidence):
        bad = SigningEvidence(ballot.evidence.credential, bytes(64))
        out.append(dataclasses.replace(ballot, evidence=bad).to_bytes(ctx))
    else:
        evidence = ballot.evidence
        flipped = evidence.proof[:-1] + bytes([evidence.proof[-1] ^ 1])
        out.append(dataclasses.replace(ballot, evidence=dataclasses.replace(evidence, proof=flipped)).to_bytes(ctx))
    out.append(b'{"contests": []}')  # not canonical
    return out


@pytest.fixture(scope="module")
def elections(safe_primes_1024: tuple[int, int]) -> list[factories.TestElection]:
    return [
        make_election(safe_primes_1024, voters=4, election_id="pool-signing"),
        make_election(safe_primes_1024, voters=3, election_id="pool-anon", eligibility=EligibilityMode.ANONYMOUS),
    ]


@pytest.fixture(scope="module")
def cases(elections: list[factories.TestElection]) -> list[tuple[ElectionContext, Material, bytes, Verdict]]:
    """Every ballot with its reference verdict: checked alone, in this process."""
    out = []
    for e in elections:
        material = _material(e)
        for data in _ballots(e):
            [verdict] = _verify_chunk(material.key, material, [data]) or [("missing", "")]
            out.append((e.context, material, data, verdict))
    return out


def _outcome(pool: PoolVerifier, ctx: ElectionContext, material: Material, data: bytes) -> Verdict:
    try:
        pool.verify(ctx, material, data, None)  # type: ignore[arg-type]  # the pool reads the bytes only
    except VotingError as e:
        return type(e).__name__, str(e)
    return None


@pytest.fixture(scope="module", params=[1, 2, 4])
def pool(request: pytest.FixtureRequest) -> Iterator[PoolVerifier]:
    verifier = PoolVerifier(request.param)
    yield verifier
    verifier.close()


def test_reference_verdicts_cover_good_and_bad(cases: list[tuple[ElectionContext, Material, bytes, Verdict]]) -> None:
    names = [v[0] if v else None for *_, v in cases]
    assert names.count(None) == 7  # 4 + 3 good ballots
    assert {"InvalidBallot", "NotEligible", "InvalidEncoding"} <= set(names)


@settings(max_examples=6)
@given(data=st.data())
def test_verdicts_do_not_depend_on_workers_or_batches(
    pool: PoolVerifier, cases: list[tuple[ElectionContext, Material, bytes, Verdict]], data: st.DataObject
) -> None:
    """The same ballots, in any order, any batch size, arriving together: each gets its reference verdict."""
    order = data.draw(st.permutations(range(len(cases))))
    pool.max_batch = data.draw(st.sampled_from([1, 2, 3, 64]))
    pool.min_batch = data.draw(st.sampled_from([1, 2, 8]))  # how long a free worker waits for a fuller chunk
    with ThreadPoolExecutor(max_workers=len(cases)) as threads:
        got = list(threads.map(lambda i: _outcome(pool, *cases[i][:3]), order))
    assert got == [cases[i][3] for i in order]


def test_killed_workers_are_replaced_and_the_ballot_retried(
    cases: list[tuple[ElectionContext, Material, bytes, Verdict]],
) -> None:
    pool = PoolVerifier(2)
    try:
        ctx, material, data, verdict = cases[0]
        assert _outcome(pool, ctx, material, data) is verdict is None
        for child in multiprocessing.active_children():  # kill -9 every worker of the pool
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        assert _outcome(pool, ctx, material, data) is None
        assert pool.rebuilt == 1
        bad = cases[5]
        assert _outcome(pool, *bad[:3]) == bad[3]
    finally:
        pool.close()


def _die(key: bytes, material: Material | None, ballots: list[bytes]) -> None:
    os._exit(1)  # a worker killed by a ballot (out of memory, a crash in a C library)


class _CrashingPool(PoolVerifier):
    _task = staticmethod(_die)


def test_a_ballot_that_kills_its_worker_twice_is_unavailable_and_the_pool_goes_on(
    cases: list[tuple[ElectionContext, Material, bytes, Verdict]],
) -> None:
    pool = _CrashingPool(1)
    try:
        ctx, material, data, _ = cases[0]
        with pytest.raises(Unavailable, match="try again"):
            pool.verify(ctx, material, data, None)  # type: ignore[arg-type]
        assert pool.rebuilt == 2
        pool._task = _verify_chunk  # type: ignore[assignment]  # the next ballots are served
        assert _outcome(pool, ctx, material, data) is None
    finally:
        pool.close()


def test_close_finishes_ballots_in_flight_and_refuses_later_ones(
    cases: list[tuple[ElectionContext, Material, bytes, Verdict]],
) -> None:
    pool = PoolVerifier(1)
    ctx, material, data, _ = cases[0]
    results: list[Verdict | BaseException] = []

    def cast() -> None:
        try:
            results.append(_outcome(pool, ctx, material, data))
        except BaseException as e:
            results.append(e)

    threads = [threading.Thread(target=cast) for _ in range(4)]
    for t in threads:
        t.start()
    while pool.ballots + sum(map(len, pool._pending.values())) + pool._in_flight == 0:
        pass  # wait until the pool holds them
    pool.close()
    for t in threads:
        t.join(60)
    assert all(r is None or isinstance(r, Unavailable) for r in results) and None in results
    with pytest.raises(Unavailable, match="shutting down"):
        pool.verify(ctx, material, data, None)  # type: ignore[arg-type]


# -- through the service ----------------------------------------------------------------------------------------
@pytest.fixture
def pooled(tmp_path, safe_primes_1024: tuple[int, int]) -> Iterator[tuple[ElectionService, factories.TestElection]]:  # type: ignore[no-untyped-def]
    service = ElectionService(
        Ledger(make_engine(f"sqlite:///{tmp_path / 'p.db'}"), NoteSigner.generate("t"), "linli.test"),
        ServiceConfig(min_modulus_bits=MODULUS_BITS),
        verifier=PoolVerifier(1),
    )
    e = make_election(safe_primes_1024, voters=3, election_id="pooled")
    for entry in e.entries:
        service.submit_statement(entry.to_bytes(), entry.kind)
    yield service, e
    service.close()


def _cast(service: ElectionService, e: factories.TestElection, data: bytes) -> pb.Receipt:
    try:
        return LinliRpc(service).call("CastBallot", pb.CastBallotRequest(election_id=e.election_id, ballot=data))
    except Refused as r:
        raise AssertionError(r.code) from r  # the code is what a client sees


def test_the_service_casts_through_the_pool_and_survives_a_killed_worker(
    pooled: tuple[ElectionService, factories.TestElection],
) -> None:
    service, e = pooled
    receipt = _cast(service, e, canonical(e.ballot_entry(0, 1).body))
    assert receipt.leaf_index == len(e.entries)
    for child in multiprocessing.active_children():
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    receipt = _cast(service, e, canonical(e.ballot_entry(1, 2).body))
    assert receipt.leaf_index == len(e.entries) + 1
    with pytest.raises(AssertionError, match="PERMISSION_DENIED"):  # NotEligible, decided in the worker
        ballot = build_ballot(e.context, 0, e.voters[2])
        bad = dataclasses.replace(ballot, evidence=SigningEvidence(ballot.evidence.binding, bytes(64)))
        _cast(service, e, bad.to_bytes(e.context))
    assert service.ledger.size(e.election_id) == len(e.entries) + 2


@pytest.mark.parametrize(
    "poison",
    [
        pytest.param(lambda good: b" " * (len(good) * 4 + 100_000), id="oversized"),
        pytest.param(lambda good: b"[" * 200_000, id="nesting-bomb"),
        pytest.param(lambda good: good.replace(b'"contests"', b'"contestz"'), id="unknown-field"),
        pytest.param(lambda good: good[:-1], id="truncated"),
    ],
)
def test_a_poison_ballot_is_refused_before_the_pool(
    pooled: tuple[ElectionService, factories.TestElection], poison
) -> None:  # type: ignore[no-untyped-def]
    service, e = pooled
    pool = service.verifier
    assert isinstance(pool, PoolVerifier)
    before = pool.ballots
    with pytest.raises((InvalidEncoding, InvalidBallot)):
        service.cast_ballot(e.election_id, poison(canonical(e.ballot_entry(0, 1).body)))
    assert pool.ballots == before and service.ledger.size(e.election_id) == len(e.entries)


def test_not_eligible_maps_like_before(pooled: tuple[ElectionService, factories.TestElection]) -> None:
    service, e = pooled
    ballot = build_ballot(e.context, 0, e.voters[0])
    bad = dataclasses.replace(ballot, evidence=SigningEvidence(ballot.evidence.binding, bytes(64)))
    with pytest.raises(NotEligible, match="signature"):
        service.cast_ballot(e.election_id, bad.to_bytes(e.context))


# -- the CLI ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["0", "-1", "x", "100000", ""])
def test_serve_refuses_a_bad_worker_count(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--workers", value])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_min_batch_out_of_range_refused() -> None:
    with pytest.raises(ValueError, match="min_batch"):
        PoolVerifier(1, max_batch=4, min_batch=5)
    with pytest.raises(ValueError, match="min_batch"):
        PoolVerifier(1, min_batch=0)


class _Dead:
    exitcode: int | None = None


class _Unreporting:
    """An executor whose worker dies without the executor ever saying so (CPython can miss a worker killed while
    it held the call queue's lock): its futures never complete."""

    def __init__(self) -> None:
        self._processes = {1: _Dead()}
        self.futures: list[Future[object]] = []

    def submit(self, *_: object) -> Future[object]:
        self._processes[1].exitcode = -9
        future: Future[object] = Future()
        self.futures.append(future)
        return future

    def shutdown(self, **_: object) -> None:
        pass


class _Answering:
    def __init__(self) -> None:
        self._processes: dict[int, _Dead] = {}

    def submit(self, _task: object, _key: object, _material: object, datas: list[bytes]) -> Future[object]:
        future: Future[object] = Future()
        future.set_result([None] * len(datas))
        return future

    def shutdown(self, **_: object) -> None:
        pass


def test_a_worker_dying_unreported_is_caught_by_the_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ballot whose worker died unreported is not left waiting forever: the waiting caller's watch sees the dead
    process, rebuilds the executor and tries the ballot again; the stale future's late answer is ignored."""
    pool = PoolVerifier(1)
    pool._executor.shutdown(wait=True, cancel_futures=True)
    stuck = _Unreporting()
    pool._executor = stuck  # type: ignore[assignment]
    monkeypatch.setattr(pool, "_new_executor", _Answering)
    monkeypatch.setattr(pool, "WATCH_SECONDS", 0.02)
    material = Material(b"", b"", b"k" * 32)
    pool.verify(None, material, b"ballot", None)  # type: ignore[arg-type]
    assert pool.rebuilt == 1 and pool._in_flight == 0 and not pool._flight
    stuck.futures[0].set_result([("NotEligible", "late")])  # the old executor's late callback: ignored
    assert pool._in_flight == 0
