"""``linli demo``: a whole referendum on the embedded default — SQLite in a temporary folder, the gRPC server
in-process on a free port, 5 trustees with quorum 3, N voters casting over gRPC — then export and verify."""

from __future__ import annotations

import multiprocessing
import random
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc
from tqdm import tqdm

from client import actions
from client.api import CHANNEL_OPTIONS, LinliClient
from client.key_ceremony import CeremonyConfig, CeremonyOutcome, run_ceremony
from client.record import read_record, write_record
from client.verifier import Report, check_record
from crypto import bbs, threshold
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from voting.credentials import AnonymousCredential
from voting.election import ElectionContext, ElectionKind, EligibilityMode
from voting.records import Role
from voting.setup import blind_credential
from voting.statements import sign

__all__ = ["DemoResult", "run_demo"]


@dataclass
class DemoResult:
    election_id: str
    record_dir: Path
    totals: tuple[int, ...]
    expected: tuple[int, ...]
    report: Report
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def _phase(timings: dict[str, float], name: str, out: TextIO) -> Iterator[None]:
    start = time.perf_counter()
    print(f"→ {name}…", file=out, flush=True)
    yield
    timings[name] = time.perf_counter() - start


def _build(args: tuple[ElectionContext, Any, str]) -> bytes:
    context, credential, choice = args
    cred = SigningKey(credential) if isinstance(credential, bytes) else credential
    return actions.build_vote(context, cred, choice)


def _anonymous_credential(args: tuple[str, bytes, bytes, int]) -> AnonymousCredential:
    """One voter's device and the registrar: request, blind signature, finish (§P5.2). The demo computes the
    registrar's blind signature here too, only to use every core; the caller logs the issuance."""
    return blind_credential(*args)


def _parallel(
    fn: Callable[[Any], Any], jobs: list[Any], workers: int, desc: str, progress: bool, out: TextIO
) -> list[Any]:
    """Voters' devices work in parallel (each phone on its own in a real election): here, on every core."""
    bar = tqdm(total=len(jobs), desc=desc, disable=not progress, file=out, leave=False)
    results = []
    if workers <= 1:
        for job in jobs:
            results.append(fn(job))
            bar.update(1)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for r in pool.map(fn, jobs, chunksize=4):
                results.append(r)
                bar.update(1)
    bar.close()
    return results


_SCENARIOS: dict[ElectionKind, tuple[str, str, tuple[str, ...]]] = {
    ElectionKind.REFERENDUM: (
        "Install an electric-bicycle charging shed by building 3",
        "Should the community build a covered charging shed for e-bikes next to building 3?",
        (),
    ),
    ElectionKind.COMMITTEE: (
        "Election of the 5th owners' committee (差额选举: 5 candidates for 3 seats)",
        "Mark at most 3 candidates.",
        ("Wang Fang", "Li Wei", "Zhang Min", "Liu Yang", "Chen Jing"),
    ),
    ElectionKind.APPROVAL: (
        "Courtyard proposals 2027",
        "Which proposals should the committee take forward? Approve any number.",
        ("Bicycle shed", "Children's playground", "Vegetable garden", "More benches"),
    ),
    ElectionKind.ASSEMBLY: (
        "Use the maintenance fund to replace the lifts of building 2 (major matter)",
        "Do you agree to pay for two new lifts in building 2 from the special maintenance fund?",
        (),
    ),
}


def _demo_choice(rng: random.Random, kind: ElectionKind, options: tuple[str, ...]) -> str:
    """A demo voter's choice, as the CLI takes it: an option name, or candidate names joined by commas."""
    if kind is ElectionKind.COMMITTEE:
        count = rng.choices(range(4), weights=(1, 2, 3, 6))[0]
        marked = set(rng.choices(options, weights=(8, 7, 5, 3, 2), k=count))
        return ",".join(o for o in options if o in marked)
    if kind is ElectionKind.APPROVAL:
        return ",".join(o for o, p in zip(options, (0.7, 0.55, 0.3, 0.5), strict=True) if rng.random() < p)
    return rng.choices(options, weights=(6, 3, 1))[0]


def _expected_totals(
    kind: ElectionKind, options: tuple[str, ...], choices: list[str], areas: list[int]
) -> tuple[int, ...]:
    """What the decrypted totals must be, from the choices the demo's voters made."""
    if kind in (ElectionKind.COMMITTEE, ElectionKind.APPROVAL):
        return tuple(sum(o in c.split(",") for c in choices) for o in options)
    heads = tuple(choices.count(o) for o in options)
    if kind is ElectionKind.ASSEMBLY:
        return heads + tuple(sum(a for c, a in zip(choices, areas, strict=True) if c == o) for o in options)
    return heads


@contextmanager
def embedded_server(db_url: str, *, min_modulus_bits: int) -> Iterator[tuple[str, Any]]:
    """Start the service in-process on a free port (server/ is imported only here, on the demo's own side)."""
    from server.grpc_service import create_server
    from server.ledger import Ledger
    from server.service import ElectionService, ServiceConfig
    from server.storage import make_engine

    engine = make_engine(db_url)
    ledger = Ledger(engine, NoteSigner.generate("linli-demo"), "linli.demo")
    service = ElectionService(ledger, ServiceConfig(min_modulus_bits=min_modulus_bits))
    server, port = create_server(service, "127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", service
    finally:
        server.stop(grace=1).wait()
        service.close()  # releases the ledger's single-writer lock and its connections


def _distributed_ceremony(
    client: LinliClient,
    admin: SigningKey,
    trustees: list[SigningKey],
    election_id: str,
    on_round: Callable[[str], None] | None = None,
) -> list[threshold.KeyShare]:
    """§P15.9: every trustee's driver in its own thread (each its own machine in a real election), then the
    administrator publishes the key they agree on as key.published."""
    snap = client.election(election_id)
    results: dict[int, CeremonyOutcome] = {}
    errors: list[BaseException] = []

    def trustee(index: int) -> None:
        config = CeremonyConfig(on_round=on_round if index == 1 else None)  # one bar: the trustees go in lockstep
        try:
            results[index] = run_ceremony(
                client, snap.definition, snap.election_hash, index, trustees[index - 1], config
            )
        except BaseException as e:  # re-raised below, in the caller's thread
            errors.append(e)

    threads = [threading.Thread(target=trustee, args=(i,)) for i in range(1, len(trustees) + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    first = results[1].key
    if any(r.key != first for r in results.values()):
        raise RuntimeError("the trustees' ceremonies ended with different keys")
    client.submit(sign(first, election_id, admin, Role.ADMIN))
    return [results[i].share for i in sorted(results)]


def run_demo(
    voters: int,
    out_dir: Path,
    *,
    modulus_bits: int = 3072,
    db_url: str | None = None,
    seed: int | None = None,
    workers: int = 2,
    out: TextIO | None = None,
    progress: bool = True,
    eligibility: EligibilityMode = EligibilityMode.SIGNING,
    kind: str = ElectionKind.REFERENDUM,
    ceremony: str = "distributed",
) -> DemoResult:
    """``ceremony``: "dealer" (§P3, the administrator's machine) or "distributed" (§P15.9: the five trustees each
    run their side of the dealer-free ceremony through the embedded server's board, in threads here)."""
    if ceremony not in ("dealer", "distributed"):
        raise ValueError(f"ceremony: dealer or distributed, not {ceremony!r}")
    if voters < 1:
        raise ValueError("at least one voter")
    kind = ElectionKind(kind)  # the demo has a scenario for each built-in kind
    out = out or sys.stderr  # looked up per call: a default bound at import would outlive a replaced stderr
    timings: dict[str, float] = {}
    rng = random.Random(seed)  # noqa: S311 - chooses demo votes and areas, not secrets
    election_id = f"demo-{kind.value}-{eligibility.value}-{int(time.time())}"
    title, question, candidates = _SCENARIOS[kind]
    areas = [rng.randrange(6000, 15001) for _ in range(voters)] if kind is ElectionKind.ASSEMBLY else [0] * voters
    anonymous = eligibility is EligibilityMode.ANONYMOUS
    bbs_sk = bbs.key_gen(secrets.token_bytes(32)) if anonymous else b""
    with tempfile.TemporaryDirectory(prefix="linli-demo-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'linli.db'}"
        with embedded_server(url, min_modulus_bits=min(modulus_bits, 3072)) as (address, _service):
            channel = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
            client = LinliClient(channel, min_modulus_bits=min(modulus_bits, 2048))
            admin, registrar = SigningKey.generate(), SigningKey.generate()
            trustees = [SigningKey.generate() for _ in range(5)]
            with _phase(timings, "create election", out):
                actions.create_election(
                    client,
                    admin,
                    election_id=election_id,
                    title=title,
                    question=question,
                    kind=kind,
                    candidates=candidates,
                    seats=3 if kind is ElectionKind.COMMITTEE else 0,
                    major=kind is ElectionKind.ASSEMBLY,
                    accept_area_disclosure=kind is ElectionKind.ASSEMBLY,  # random areas: unique ones (§P9.5)
                    trustee_keys=[t.public_key for t in trustees],
                    threshold_=3,
                    registrar_key=registrar.public_key,
                    modulus_bits=modulus_bits,
                    max_voters=max(voters, 1000),
                    eligibility=eligibility,
                    credential_key=bbs.sk_to_pk(bbs_sk) if anonymous else b"",
                )
            if ceremony == "distributed":
                with _phase(timings, f"dealer-free key ceremony ({modulus_bits}-bit modulus, 3 of 5)", out):
                    bar = tqdm(desc="ceremony rounds", unit="round", disable=not progress, file=out, leave=False)
                    shares = _distributed_ceremony(
                        client, admin, trustees, election_id, on_round=lambda _name: bar.update(1)
                    )
                    bar.close()
            else:
                with _phase(timings, f"key ceremony ({modulus_bits}-bit safe primes, 3 of 5)", out):
                    bar = tqdm(desc="safe-prime candidates", unit="cand", disable=not progress, file=out, leave=False)
                    shares, _ = actions.key_ceremony(
                        client, admin, election_id, progress=lambda n: bar.update(n - bar.n), workers=workers
                    )
                    bar.close()
            roll = [f"unit-{i + 1:05d}" for i in range(voters)]
            with _phase(timings, f"roll and {eligibility.value} credential issuance", out):

                def blind_issuance(election_hash: bytes) -> list[AnonymousCredential]:
                    jobs_c = [(election_id, election_hash, bbs_sk, area) for area in areas]
                    return _parallel(_anonymous_credential, jobs_c, workers, "blind issuance", progress, out)

                credentials = actions.enrol_and_open(
                    client,
                    admin,
                    registrar,
                    election_id,
                    roll,
                    areas,
                    anonymous_credentials=blind_issuance if anonymous else None,
                    track=lambda items: tqdm(items, desc="log issuances", disable=not progress, file=out, leave=False),
                )
            context = client.election(election_id).context
            assert context is not None
            options = context.definition.options
            choices = [_demo_choice(rng, kind, options) for _ in roll]
            with _phase(timings, f"{voters} voters build ballots", out):
                jobs = [
                    (context, c.secret if isinstance(c, SigningKey) else c, ch)
                    for c, ch in zip(credentials, choices, strict=True)
                ]
                ballots = _parallel(_build, jobs, workers, "ballots", progress, out)
            with _phase(timings, f"{voters} ballots cast over gRPC", out):
                bar = tqdm(total=len(ballots), desc="cast", disable=not progress, file=out, leave=False)

                def cast(b: bytes) -> None:
                    client.cast_ballot(election_id, b)
                    bar.update(1)

                with ThreadPoolExecutor(max_workers=8) as pool:
                    list(pool.map(cast, ballots))
                bar.close()
            with _phase(timings, "close and tally", out):
                actions.close_election(client, admin, election_id)
            quorum = sorted(rng.sample(range(5), 3))
            with _phase(timings, f"decryption by trustees {[q + 1 for q in quorum]}", out):
                # Each trustee re-verifies the log up to the tally before decrypting (§P8.1); on this one machine
                # the demo runs that verification once for the three of them.
                verified = actions.verify_for_decryption(client, election_id, workers=workers)
                for q in quorum:
                    actions.submit_decryption_share(client, trustees[q], shares[q], election_id, verified=verified)
            with _phase(timings, "export record", out):
                write_record(out_dir, actions.export_record(client, election_id))
            channel.close()
    with _phase(timings, "verify record", out):
        bar = tqdm(total=voters, desc="verify ballots", disable=not progress, file=out, leave=False)
        report = check_record(
            read_record(out_dir),
            min_modulus_bits=min(modulus_bits, 2048),
            workers=workers,
            progress=lambda done, total: bar.update(done - bar.n),
        )
        bar.close()
    expected = _expected_totals(kind, options, choices, areas)
    return DemoResult(election_id, out_dir, report.totals, expected, report, timings)


ProgressFn = Callable[[int, int], None]
