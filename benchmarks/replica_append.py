"""CPU cost of an append with two replicas on one PostgreSQL database (docs/protocol.md §P16, issue 12 item 3).

    LINLI_TEST_POSTGRES_URL=postgresql://... python -m benchmarks.replica_append [--ballots 60] [--modulus-bits 1024]

Two ElectionServices (each its own Ledger, state and pool) in this process on a fresh schema. The same prebuilt
ballots are cast (a) all on one replica, (b) alternately on the two, so that every append catches up exactly one
entry the other replica wrote. CPU time (time.process_time, this process: both replicas and the client) per cast,
and the difference, which is what catching up costs; plus ElectionState.apply of one ballot entry alone. CPU, not
wall clock: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid

import sqlalchemy

from crypto.note import NoteSigner
from crypto.primes import random_safe_prime
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine
from tests.factories import make_election
from tests.server.conftest import submit
from voting.ballot import build_ballot
from voting.encoding import canonical
from voting.records import Entry
from voting.state import ElectionState


def _run(url: str, ballots: int, bits: int) -> dict[str, float]:
    signer = NoteSigner.generate("linli-bench")
    primes = (random_safe_prime(bits // 2), random_safe_prime(bits // 2))
    out: dict[str, float] = {}
    for mode in ("one", "two"):
        services = [
            ElectionService(Ledger(make_engine(url), signer, "bench"), ServiceConfig(min_modulus_bits=bits))
            for _ in range(2 if mode == "two" else 1)
        ]
        e = make_election(primes, voters=ballots, election_id=f"bench-{mode}")
        for entry in e.entries:
            submit(services[0], entry)
        cast = [canonical(build_ballot(e.context, i % 3, e.voters[i]).to_json(e.context)) for i in range(ballots)]
        services[-1].state(e.election_id)
        start = time.process_time()
        for i, data in enumerate(cast):
            services[i % len(services)].cast_ballot(e.election_id, data)
        out[f"cpu_ms_per_cast_{mode}_replica"] = (time.process_time() - start) * 1000 / ballots
        if mode == "two":
            log = services[0].ledger.entries(e.election_id, 0, 1000)
            state = ElectionState(min_modulus_bits=bits)
            n = len(e.entries)
            for data in log[:n]:
                state.apply(Entry.from_bytes(data))
            start = time.process_time()
            for data in log[n:]:
                state.apply(Entry.from_bytes(data))
            out["cpu_ms_apply_one_ballot_entry"] = (time.process_time() - start) * 1000 / (len(log) - n)
        for s in services:
            s.close()
    out["cpu_ms_catch_up_per_append"] = out["cpu_ms_per_cast_two_replica"] - out["cpu_ms_per_cast_one_replica"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=60)
    parser.add_argument("--modulus-bits", type=int, default=1024)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    base = os.environ["LINLI_TEST_POSTGRES_URL"]
    schema = f"linli_bench_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    try:
        result = _run(f"{base}?options=-csearch_path%3D{schema}", args.ballots, args.modulus_bits)
    finally:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    result.update(ballots=args.ballots, modulus_bits=args.modulus_bits)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
