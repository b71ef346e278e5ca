"""Proofs through ``Ledger`` on a large log, and the server's memory as the log grows (issue 12 item 5, ADR 0019).

``python -m benchmarks.ledger [--smoke] [--db sqlite|postgresql|URL] [--size N] [--rss-sizes A,B,..] [--json F]``

1. Builds logs of every size in ``--rss-sizes`` and ``--size`` (elections ``e<N>``) by bulk-inserting the rows an
   append writes (entries, their ``ledger_nodes`` rows, the last signed checkpoint) directly, not through appends.
2. For each size, a fresh process (``python -m benchmarks.ledger --open ...``) opens a ``Ledger``, loads the
   election (§P11.3: the last checkpoint against the stored frontier nodes), serves a receipt and two proofs, and
   reports its RSS before and after and its peak (``/proc/self/status`` VmRSS, VmHWM): flat if the ledger
   keeps O(log n) per election.
3. Times, through a ``Ledger`` on the largest log, ``inclusion_proof`` (at the current size and at random older
   sizes), ``consistency_proof`` and ``receipt`` at random indices (each: one node query plus the check against
   the verified root), and checks every proof with ``crypto.merkle``'s verifiers outside the timing; then times
   ``append`` on it (up to 200).

``--db sqlite`` (default): a file in a temporary directory. ``--db postgresql``: ``$LINLI_TEST_POSTGRES_URL`` (or
``--db postgresql://...``), in a schema of its own that is dropped afterwards. ``--smoke``: 2,000 and 20,000 entries,
200 proofs (scripts/check, a few seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text

from crypto import merkle
from crypto.note import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint
from server.ledger import Ledger
from server.storage import CheckpointRow, ElectionRow, EntryRow, NodeRow, make_engine

PREFIX = "linli.bench"
_BATCH = 20_000


def _entry(i: int) -> bytes:
    return b'{"bench":"entry","i":%d,"pad":"%s"}' % (i, b"x" * 64)  # ~100 bytes, like a small statement


def build(engine: Engine, signer: NoteSigner, election_id: str, n: int) -> bytes:
    """The rows ``n`` appends would leave (ADR 0019), bulk-inserted; returns the root."""
    front = merkle.Frontier()
    entries: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    with engine.begin() as conn:
        conn.execute(insert(ElectionRow), [{"election_id": election_id, "origin": f"{PREFIX}/{election_id}"}])
        for i in range(n):
            data = _entry(i)
            leaf = merkle.leaf_hash(data)
            entries.append({"election_id": election_id, "idx": i, "kind": "bench", "data": data, "leaf_hash": leaf})
            front, done = front.append(leaf)
            nodes.extend({"election_id": election_id, "level": h, "idx": j, "hash": v} for h, j, v in done)
            if len(entries) >= _BATCH:
                conn.execute(insert(EntryRow), entries)
                conn.execute(insert(NodeRow), nodes)
                entries.clear()
                nodes.clear()
        if entries:
            conn.execute(insert(EntryRow), entries)
            conn.execute(insert(NodeRow), nodes)
        root = front.root()
        note = sign_checkpoint(Checkpoint(f"{PREFIX}/{election_id}", n, root), signer)
        conn.execute(insert(CheckpointRow), [{"election_id": election_id, "size": n, "note": note, "milestone": True}])
    return root


def _status_kb(field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (this process's peak) from /proc/self/status, in KiB. Not ``getrusage``: its
    ``ru_maxrss`` carries the parent's peak across fork and exec (the builder's, here)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def open_and_measure(url: str, election_id: str, key_hex: str) -> dict[str, float]:
    """Child process: the RSS of a server process before and after its Ledger loads an election and serves."""
    engine = make_engine(url)
    signer = NoteSigner.from_private_bytes("linli-bench", bytes.fromhex(key_hex))
    before = _status_kb("VmRSS")
    t0 = time.perf_counter()
    ledger = Ledger(engine, signer, PREFIX)
    try:
        n = ledger.size(election_id)
        load_s = time.perf_counter() - t0
        ledger.receipt(election_id, n // 3)
        ledger.inclusion_proof(election_id, n - 1, n)
        ledger.consistency_proof(election_id, max(1, n // 2), n)
        after = _status_kb("VmRSS")
    finally:
        ledger.close()
    peak = _status_kb("VmHWM")
    return {"entries": n, "load_ms": load_s * 1e3, "rss_before_kb": before, "rss_after_kb": after, "peak_kb": peak}


def _stats(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {
        "median_ms": statistics.median(xs) * 1e3,
        "p99_ms": xs[int(0.99 * (len(xs) - 1))] * 1e3,
        "max_ms": xs[-1] * 1e3,
    }


def time_proofs(ledger: Ledger, election_id: str, root: bytes, count: int, rnd: random.Random) -> dict[str, object]:
    n = ledger.size(election_id)
    verifier = ledger.signer.verifier()
    incl: list[float] = []
    incl_old: list[float] = []
    cons: list[float] = []
    rcpt: list[float] = []
    for _ in range(count):
        i = rnd.randrange(n)
        t = time.perf_counter()
        leaf, proof = ledger.inclusion_proof(election_id, i, n)
        incl.append(time.perf_counter() - t)
        merkle.verify_inclusion(leaf, i, n, proof, root)

        size = rnd.randrange(1, n + 1)
        j = rnd.randrange(size)
        t = time.perf_counter()
        leaf, proof = ledger.inclusion_proof(election_id, j, size)
        incl_old.append(time.perf_counter() - t)
        assert leaf == merkle.leaf_hash(_entry(j))

        m = rnd.randrange(1, n)
        t = time.perf_counter()
        cproof = ledger.consistency_proof(election_id, m, n)
        cons.append(time.perf_counter() - t)
        assert cproof  # verified against the root below for a sample (root of m needs the nodes, not timed)

        k = rnd.randrange(n)
        t = time.perf_counter()
        r = ledger.receipt(election_id, k)
        rcpt.append(time.perf_counter() - t)
        merkle.verify_inclusion(
            r.leaf_hash, k, r.size, r.inclusion_proof, open_checkpoint(r.checkpoint, verifier).root_hash
        )
    return {
        "proofs": count,
        "inclusion_proof_at_current_size": _stats(incl),
        "inclusion_proof_at_an_older_size": _stats(incl_old),
        "consistency_proof_to_current_size": _stats(cons),
        "receipt": _stats(rcpt),
    }


def time_appends(ledger: Ledger, election_id: str, count: int) -> dict[str, float]:
    """``append`` on the large log (catch-up, entry, checkpoint, node rows, commit; the receipt from the frontier)."""
    xs: list[float] = []
    for _ in range(count):
        n = ledger.size(election_id)
        t = time.perf_counter()
        ledger.append(election_id, "bench", _entry(n), extends=n)
        xs.append(time.perf_counter() - t)
    return {"appends": count, **_stats(xs)}


@contextmanager
def database(db: str) -> Iterator[str]:
    """A fresh database URL for ``--db``: a SQLite file in a temp dir, or a PostgreSQL schema dropped afterwards."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory() as d:
            yield f"sqlite:///{d}/bench.db"
        return
    base = os.environ.get("LINLI_TEST_POSTGRES_URL", "") if db == "postgresql" else db
    if not base.startswith("postgresql"):
        if db.startswith("sqlite"):
            yield db
            return
        raise SystemExit("--db postgresql needs $LINLI_TEST_POSTGRES_URL (or pass --db postgresql://...)")
    schema = f"linli_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="2,000 and 20,000 entries, 200 proofs")
    ap.add_argument("--db", default="sqlite", help="sqlite (default), postgresql ($LINLI_TEST_POSTGRES_URL) or a URL")
    ap.add_argument("--size", type=int, default=1_000_000, help="entries of the log the proofs are timed on")
    ap.add_argument("--rss-sizes", default="10000,100000", help="smaller logs whose load RSS is measured too")
    ap.add_argument("--proofs", type=int, default=1000)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--open", nargs=3, metavar=("URL", "ELECTION", "KEY"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.open:
        print(json.dumps(open_and_measure(*args.open)))
        return
    if args.smoke:
        size, rss_sizes, count = 20_000, [2_000], 200
    else:
        size, count = args.size, args.proofs
        rss_sizes = [int(x) for x in args.rss_sizes.split(",") if x]
    sizes = sorted({*rss_sizes, size})
    signer = NoteSigner.generate("linli-bench")
    rnd = random.Random(1)
    out: dict[str, object] = {"db": args.db if args.db in ("sqlite", "postgresql") else "url", "entries": size}
    with database(args.db) as url:
        engine = make_engine(url)
        roots: dict[int, bytes] = {}
        build_s: dict[str, float] = {}
        for n in sizes:
            t0 = time.perf_counter()
            roots[n] = build(engine, signer, f"e{n}", n)
            build_s[str(n)] = round(time.perf_counter() - t0, 2)
        engine.dispose()
        out["build_s"] = build_s
        rss = []
        for n in sizes:
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.ledger", "--open", url, f"e{n}", signer.private_bytes().hex()],
                check=True,
                capture_output=True,
                text=True,
            )
            rss.append(json.loads(child.stdout))
        out["open_ledger"] = rss
        ledger = Ledger(make_engine(url), signer, PREFIX)
        try:
            out.update(time_proofs(ledger, f"e{size}", roots[size], count, rnd))
            out["append"] = time_appends(ledger, f"e{size}", min(count, 200))
        finally:
            ledger.close()
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
