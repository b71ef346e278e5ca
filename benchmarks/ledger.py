"""Proof latency from stored tree nodes (ADR 0019): ``python -m benchmarks.ledger [--smoke] [--size N] [--json F]``.

First part of issue 12 item 5: builds the ``ledger_nodes`` rows of an N-entry log directly through the storage
layer (SQLite in a temp dir), then times inclusion and consistency proofs computed from one query of the node rows
they need (``crypto.merkle.subtrees_for_proofs``) and their verification. Not yet through ``Ledger`` (which still
serves proofs from its in-memory tree) and no RSS figures: see ADR 0019, "Not yet".
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from crypto import merkle
from server.storage import ElectionRow, NodeRow, make_engine


def _build(engine, n: int) -> bytes:  # type: ignore[no-untyped-def]
    tree = merkle.MerkleTree()
    rows: list[dict[str, object]] = []
    with engine.begin() as conn:
        conn.execute(insert(ElectionRow), [{"election_id": "e", "origin": "bench/e"}])
        for i in range(n):
            leaf = merkle.leaf_hash(i.to_bytes(8, "big"))
            tree.append(leaf)
            rows.extend(
                {"election_id": "e", "level": h, "idx": j, "hash": v}
                for h, j, v in merkle.completed_subtrees(i, leaf, tree.subtree)
            )
            if len(rows) >= 20000:
                conn.execute(insert(NodeRow), rows)
                rows.clear()
        if rows:
            conn.execute(insert(NodeRow), rows)
    return tree.root()


def _fetch(conn, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:  # type: ignore[no-untyped-def]
    # SQLite does not seek row values: a superset by level and index (both index seeks), filtered here
    levels, idxs = {h for h, _ in wanted}, {i for _, i in wanted}
    rows = conn.execute(
        select(NodeRow.level, NodeRow.idx, NodeRow.hash).where(
            NodeRow.election_id == "e", NodeRow.level.in_(sorted(levels)), NodeRow.idx.in_(sorted(idxs))
        )
    )
    return {(h, i): bytes(v) for h, i, v in rows if (h, i) in wanted}


def _getter(nodes: dict[tuple[int, int], bytes]) -> merkle.SubtreeGetter:
    return lambda h, j: nodes[h, j]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--smoke", action="store_true", help="20,000 entries, 200 proofs")
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--proofs", type=int, default=1000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    n, count = (20_000, 200) if args.smoke else (args.size, args.proofs)
    rnd = random.Random(1)
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{d}/bench.db")
        t0 = time.perf_counter()
        root = _build(engine, n)
        build_s = time.perf_counter() - t0
        incl: list[float] = []
        cons: list[float] = []
        with engine.connect() as conn:
            for _ in range(count):
                i = rnd.randrange(n)
                t = time.perf_counter()
                nodes = _fetch(conn, merkle.subtrees_for_proofs(n, index=i) | {(0, i)})
                get = _getter(nodes)
                proof = merkle.inclusion_proof_from_subtrees(get, i, n)
                merkle.verify_inclusion(nodes[0, i], i, n, proof, root)
                incl.append(time.perf_counter() - t)
                m = rnd.randrange(1, n + 1)
                t = time.perf_counter()
                nodes = _fetch(conn, merkle.subtrees_for_proofs(n, size1=m) | merkle.subtrees_for_proofs(m))
                get = _getter(nodes)
                cproof = merkle.consistency_proof_from_subtrees(get, m, n)
                merkle.verify_consistency(m, n, cproof, merkle.root_from_subtrees(get, m), root)
                cons.append(time.perf_counter() - t)
        engine.dispose()

    def stats(xs: list[float]) -> dict[str, float]:
        xs = sorted(xs)
        return {"median_ms": statistics.median(xs) * 1e3, "p99_ms": xs[int(0.99 * (len(xs) - 1))] * 1e3}

    out = {
        "entries": n,
        "proofs": count,
        "build_s": build_s,
        "inclusion_with_verify": stats(incl),
        "consistency_with_verify": stats(cons),
    }
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
