"""Side-by-side benchmark driver: Linli against ElectionGuard 1.4.0, in one run, reported as ratios.

    python -m benchmarks.run [--smoke] [--peer-python /work/eg-venv/bin/python] [--out benchmarks/results/latest.json]
    python -m benchmarks.run --render benchmarks/results/latest.json     # rewrite the Markdown only

Both sides run as subprocesses: Linli's with this interpreter (``benchmarks/linli_bench.py``), ElectionGuard's with
the peer virtualenv's (``benchmarks/peer_electionguard.py``, which is patched for Python 3.11 first). The real run
alternates the two sides over ``--rounds`` rounds, so that a change in the machine's load hits both, and pools the
repetitions of every round before taking medians. ``--smoke`` (CI) uses a 1024-bit key, one repetition, batches of
3, no ElectionGuard committee contest, and skips the peer if its python is missing; it must finish in under a minute.

Writes the JSON (every time of every repetition, the machine's load, the commit) and a Markdown table next to it.
A third subprocess, ``benchmarks/bbs_bench.py``, runs once (after the rounds) and puts ``crypto.bbs`` next to a
plain-py_ecc implementation of the same BBS draft; its figures go into their own table.

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEER_SCRIPT = ROOT / "benchmarks" / "peer_electionguard.py"
DEFAULT_PEER = Path("/work/eg-venv/bin/python")
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest.json"
SMOKE_OUT = ROOT / ".cache" / "linli-bench-smoke.json"  # git-ignored; --out names another file

# ElectionGuard 1.4.0 on this machine, from /work/shared/BRIEF.md "Anchors" (seconds): a yardstick for noise.
BRIEF_ANCHORS = {
    ("referendum", "encrypt_ballot"): 0.0375,
    ("referendum", "verify_ballot"): 0.0768,
    ("referendum", "decrypt_tally_3_of_5"): 0.76,
    ("committee_10_choose_3", "encrypt_ballot"): 0.1405,
    ("committee_10_choose_3", "verify_ballot"): 0.2903,
    ("committee_10_choose_3", "decrypt_tally_3_of_5"): 3.15,
}

# (label, Linli path, ElectionGuard path (empty: no counterpart), target ratio Linli/EG or None, CPU ratio meaningful?)
# "{batch}" in a label is replaced by the batch size recorded in the Linli node.
COMPARISONS: list[tuple[str, tuple[str, ...], tuple[str, ...], float | None, bool]] = [
    ("Referendum: build one ballot", ("referendum", "build_ballot"), ("referendum", "encrypt_ballot"), 0.5, True),
    ("Referendum: verify one ballot", ("referendum", "verify_ballot"), ("referendum", "verify_ballot"), 0.25, True),
    (
        "Referendum: verify one ballot, amortized in a batch of {batch}",
        ("referendum", "verify_ballot_batch_amortized"),
        ("referendum", "verify_ballot"),
        0.10,
        True,
    ),
    (
        "Referendum: intake (parse + verify)",
        ("referendum", "intake_parse_and_verify"),
        ("referendum", "verify_ballot"),
        0.25,
        True,
    ),
    (
        "Referendum, anonymous: build one ballot",
        ("referendum_anonymous", "build_ballot"),
        ("referendum", "encrypt_ballot"),
        None,
        True,
    ),
    (
        "Referendum, anonymous: verify one ballot (single pairing)",
        ("referendum_anonymous", "verify_ballot"),
        ("referendum", "verify_ballot"),
        1.0,
        True,
    ),
    (
        "Referendum, anonymous: verify one ballot, amortized in a batch of {batch} (pairing only batched)",
        ("referendum_anonymous", "verify_ballot_pairing_batch_amortized"),
        ("referendum", "verify_ballot"),
        None,
        True,
    ),
    (
        "Referendum, anonymous: verify one ballot, amortized in a batch of {batch}",
        ("referendum_anonymous", "verify_ballot_batch_amortized"),
        ("referendum", "verify_ballot"),
        0.15,
        True,
    ),
    (
        "Referendum: decrypt tally, 3 of 5",
        ("referendum", "decrypt_tally_3_of_5"),
        ("referendum", "decrypt_tally_3_of_5"),
        0.5,
        False,
    ),
    (
        "Committee, 10 cand., 3 seats: build one ballot",
        ("committee_10_choose_3", "build_ballot"),
        ("committee_10_choose_3", "encrypt_ballot"),
        1.0,
        True,
    ),
    (
        "Committee, 10 cand., 3 seats: verify one ballot",
        ("committee_10_choose_3", "verify_ballot"),
        ("committee_10_choose_3", "verify_ballot"),
        0.25,
        True,
    ),
    (
        "Committee, 10 cand., 3 seats: verify one ballot, amortized in a batch of {batch}",
        ("committee_10_choose_3", "verify_ballot_batch_amortized"),
        ("committee_10_choose_3", "verify_ballot"),
        0.15,
        True,
    ),
    (
        "Committee, 10 cand., 3 seats: decrypt tally, 3 of 5",
        ("committee_10_choose_3", "decrypt_tally_3_of_5"),
        ("committee_10_choose_3", "decrypt_tally_3_of_5"),
        None,
        False,
    ),
    ("Key ceremony (different protocols)", ("key_ceremony", "total"), ("key_ceremony",), None, False),
]

# ballots verified in one batch per round and kind (the independent verifier's chunk, client/verifier.CHUNK);
# the anonymous ones are built by ANON_CREDENTIALS distinct credentials (ballots cycle over them: the checks are
# stateless, so a voter's third ballot costs what a third voter's would; issuing 64 credentials would only add
# set-up time)
BATCH = 64
ANON_CREDENTIALS = 25

PRIMITIVES = [
    ("paillier_encrypt", "Paillier encrypt (v2: fresh r, fixed-base H^r)"),
    ("membership_prove_3", "membership proof, 3 values: prove"),
    ("membership_verify_3", "membership proof, 3 values: verify"),
    ("share_prove", "decryption share + proof: prove"),
    ("share_verify", "decryption share proof: verify"),
]


# --- running the two sides -------------------------------------------------------------------------------------


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _load() -> float:
    return os.getloadavg()[0]


def run_linli(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.linli_bench", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"Linli benchmark failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run_bbs(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.bbs_bench", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"BBS benchmark failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def patch_peer(peer: Path) -> str:
    done = subprocess.run([str(peer), "-I", str(PEER_SCRIPT), "patch"], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"patching the peer failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def run_peer(peer: Path, args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peer.json"
        cmd = [str(peer), "-I", str(PEER_SCRIPT), "bench", *args, "--out", str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode or not out.exists():
            raise SystemExit(f"ElectionGuard benchmark failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def merge(a: Any, b: Any) -> Any:
    """Pool the repetitions of two rounds: every ``times`` / ``cpu`` list is concatenated and its median redone."""
    if isinstance(a, dict) and isinstance(b, dict):
        if "times" in a and "times" in b:
            out = {**a, "times": a["times"] + b["times"]}
            out["median"] = statistics.median(out["times"])
            if "cpu" in a and "cpu" in b:
                out["cpu"] = a["cpu"] + b["cpu"]
                out["cpu_median"] = statistics.median(out["cpu"])
            return out
        return {k: merge(a[k], b[k]) if k in b else a[k] for k in a} | {k: v for k, v in b.items() if k not in a}
    return a


def _get(tree: dict[str, Any] | None, path: tuple[str, ...]) -> dict[str, Any] | None:
    node: Any = tree
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if isinstance(node, dict) and "median" not in node and "seconds" in node:  # EG's key ceremony: one measurement
        return {"median": node["seconds"], "times": [node["seconds"]]}
    return node if isinstance(node, dict) else None


# --- report ----------------------------------------------------------------------------------------------------


def compare(linli: dict[str, Any], peer: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    for label, lpath, ppath, target, cpu_ok in COMPARISONS:
        lnode, pnode = _get(linli, lpath), (_get(peer, ppath) if ppath else None)
        label = label.replace("{batch}", str(lnode["batch_size"] if lnode and "batch_size" in lnode else BATCH))
        if not ppath:
            target = None
        row: dict[str, Any] = {"operation": label, "linli_path": "/".join(lpath), "peer_path": "/".join(ppath)}
        row["linli_s"] = lnode["median"] if lnode else None
        row["peer_s"] = pnode["median"] if pnode else None
        row["ratio"] = row["linli_s"] / row["peer_s"] if lnode and pnode else None
        row["cpu_ratio"] = (
            lnode["cpu_median"] / pnode["cpu_median"]
            if cpu_ok and lnode and pnode and "cpu_median" in lnode and pnode.get("cpu_median")
            else None
        )
        row["target"] = target
        row["meets_target"] = None if target is None or row["ratio"] is None else row["ratio"] <= target
        bare = lnode.get("bare") if lnode else None
        row["bare_s"] = bare["bare_s"] if bare else None
        row["linli_over_bare"] = row["linli_s"] / row["bare_s"] if bare and row["linli_s"] else None
        row["ops"] = bare["ops"] if bare else None
        row["ops_per"] = bare["per"] if bare else None
        row["linli_n"] = len(lnode["times"]) if lnode else 0
        row["peer_n"] = len(pnode["times"]) if pnode else 0
        rows.append(row)
    return rows


def noise(linli: dict[str, Any], loads: list[float], cpus: int) -> dict[str, Any]:
    """How contended the machine was: load averages, and Linli's wall/CPU ratio on its single-process operations
    (1.0 = it had a core to itself)."""
    shares = []
    for path in (
        ("referendum", "build_ballot"),
        ("referendum", "verify_ballot"),
        ("referendum", "decrypt_tally_3_of_5"),
        ("committee_10_choose_3", "decrypt_tally_3_of_5"),
    ):
        node = _get(linli, path)
        if node and node.get("cpu_median"):
            shares.append(node["median"] / node["cpu_median"])
    wall_over_cpu = statistics.median(shares) if shares else None
    noisy = (wall_over_cpu is not None and wall_over_cpu > 1.2) or (bool(loads) and max(loads) > cpus - 0.5)
    return {
        "cpus": cpus,
        "load1_at_phase_boundaries": loads,
        "linli_wall_over_cpu": wall_over_cpu,
        "noisy": noisy,
    }


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _ratio(r: float | None) -> str:
    return "—" if r is None else f"{r:.2f}"


def bbs_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The BBS table: (operation, crypto.bbs node, plain-py_ecc node, whether the baseline figure is its single
    verification standing in for a batch)."""
    rows = [{"operation": "Sign", "linli": result["sign"]["linli"], "py_ecc": result["sign"]["py_ecc"]}]
    for r, node in result["disclosed"].items():
        shown = f"{r} of {result['messages']} disclosed"
        rows.append({"operation": f"ProofGen, {shown}", **node["proof_gen"]})
        rows.append({"operation": f"ProofVerify, {shown}", **node["proof_verify"]})
        for size, batch in node["proof_verify_batch_per_proof"].items():
            rows.append(
                {
                    "operation": f"ProofVerify, {shown}, per proof in a batch of {size}",
                    "linli": batch,
                    "py_ecc": node["proof_verify"]["py_ecc"],
                    "baseline_single": True,
                }
            )
    for row in rows:
        row["ratio"] = row["linli"]["median"] / row["py_ecc"]["median"]
    return rows


def bbs_markdown(result: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"BBS signatures ({result['draft']}), L = {result['messages']} messages, one public key: `crypto.bbs` "
        f"next to a plain implementation of the same draft on py_ecc {result['py_ecc_version']} "
        "(`benchmarks/bbs_bench.py`: py_ecc `multiply` / `add`, `pairing()` twice per proof with py_ecc's own final "
        "exponentiation, no batching). The baseline's Sign output is byte-identical to `crypto.bbs.sign` "
        f"(checked on {result.get('baseline_sign_checked_signatures', '?')} signatures) and each side verifies the "
        "other's proofs. Medians; ratio = crypto.bbs / py_ecc (below 1: crypto.bbs faster).",
        "",
        "| operation | crypto.bbs | plain py_ecc | ratio | speed-up | n |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in bbs_rows(result):
        base = _fmt(row["py_ecc"]["median"]) + (" (single)" if row.get("baseline_single") else "")
        n_base = "—" if row.get("baseline_single") else str(len(row["py_ecc"]["times"]))
        lines.append(
            f"| {row['operation']} | {_fmt(row['linli']['median'])} | {base} | {row['ratio']:.3f} | "
            f"{1 / row['ratio']:.0f}× | {len(row['linli']['times'])}/{n_base} |"
        )
    lines += [
        "",
        "Batch rows: `crypto.bbs.proof_verify_batch` (each proof's challenge check, then one pairing check for the "
        "whole batch with random 128-bit weights), total time / batch size; n counts batches. A naive verifier "
        "has no batch mode, so its column repeats its single-proof time. Both sides compute the message generators "
        "once per message count (the draft allows caching), so hashing to the curve is not timed.",
    ]
    return lines


def markdown(report: dict[str, Any]) -> str:
    meta, rows = report["meta"], report["comparisons"]
    lines = [
        f"# Linli vs ElectionGuard {meta.get('peer_version') or '(peer skipped)'} — {meta['date']}",
        "",
    ]
    if meta["smoke"]:
        lines += [
            "**Smoke run** (CI): tiny Linli parameters, one repetition — a check that the code runs; do not quote.",
            "",
        ]
    lines += [
        f"Linli: Paillier modulus {meta['modulus_bits']} bits, t = 3 of 5 trustees. "
        f"ElectionGuard: {meta.get('peer_group') or '—'}, 5 guardians, quorum 3. "
        f"Medians of wall-clock time over n repetitions (n = Linli/EG), {meta['rounds']} alternating round(s). "
        f"Ratio = Linli / ElectionGuard (below 1: Linli faster).",
        "",
        "| operation | Linli | ElectionGuard | ratio (wall) | ratio (CPU) | target | meets | bare arithmetic | "
        "Linli / bare | n (Linli/EG) |",
        "|---|---:|---:|---:|---:|---:|:---:|---:|---:|---:|",
    ]
    for r in rows:
        target = "—" if r["target"] is None else f"≤ {r['target']:g}"
        meets = {None: "—", True: "yes", False: "**no**"}[r["meets_target"]]
        lines.append(
            f"| {r['operation']} | {_fmt(r['linli_s'])} | {_fmt(r['peer_s'])} | {_ratio(r['ratio'])} | "
            f"{_ratio(r['cpu_ratio'])} | {target} | {meets} | {_fmt(r.get('bare_s'))} | "
            f"{_ratio(r.get('linli_over_bare'))} | {r['linli_n']}/{r['peer_n']} |"
        )
    lines += [
        "",
        "**The limit.** For each row with a bare figure, `benchmarks/arith.py` ran the operation once recording every "
        "modular exponentiation (gmpy2 `powmod` by modulus and exponent length) and every multiplication of the "
        "fixed-base and multi-base exponentiations, then timed a bare gmpy2 loop of exactly those operations in "
        "the same run; Linli / bare is what everything else (hashing, encoding, Python) adds. The anonymous rows' "
        "BBS curve operations are counted too and replayed with the same primitives (gmpy2 G1 arithmetic and "
        "pairing) on random points. Counts per operation:",
        "",
        "| operation | modular exponentiations | fixed-base and multi-base multiplications | curve operations |",
        "|---|---|---|---|",
    ]
    for r in rows:
        if r.get("ops"):
            per = f" (the whole batch of {r['ops_per']})" if (r.get("ops_per") or 1) > 1 else ""
            pows = "; ".join(f"{k}: {v}" for k, v in r["ops"]["powmod"].items()) or "none"
            mults = "; ".join(f"{k}: {v}" for k, v in r["ops"]["mulmod"].items()) or "none"
            curve = "; ".join(f"{k}: {v}" for k, v in r["ops"].get("curve", {}).items()) or "none"
            lines.append(f"| {r['operation']}{per} | {pows} | {mults} | {curve} |")
    kt = report["linli"].get("key_table")
    if kt:
        lines += [
            "",
            f"The key's fixed-base tables (ADR 0011): deriving H and building both tables (w = 6) takes "
            f"{_fmt(kt['median'])} once per key. One {kt['exponent_bits']}-bit exponentiation of H modulo n²: "
            f"{_fmt(kt['powmod_s'])} with `powmod`; with a table of window w:",
            "",
            "| w | entries | size | build | H^z mod n² |",
            "|---:|---:|---:|---:|---:|",
        ]
        for w, node in kt["windows"].items():
            lines.append(
                f"| {w} | {node['entries']:,} | {node['megabytes']:.1f} MB | {_fmt(node['build_s'])} | "
                f"{_fmt(node['pow_s'])} |"
            )
    lines += [
        "",
        "Linli primitives (medians):",
        "",
        "| primitive | " + " | ".join(f"{b} bits" for b in report["linli"].get("primitives", {})) + " |",
        "|---|" + "---:|" * len(report["linli"].get("primitives", {})),
    ]
    for key, label in PRIMITIVES:
        cells = [_fmt(v[key]["median"]) for v in report["linli"].get("primitives", {}).values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if report.get("bbs"):
        lines += bbs_markdown(report["bbs"])
    kc = report["linli"].get("key_ceremony")
    if kc:
        lines += [
            "",
            f"Linli key ceremony at {kc['modulus_bits']} bits (n = {len(kc['total']['times'])}): safe-prime pair "
            f"{_fmt(kc['safe_prime_pair']['median'])}, deal + modulus proof "
            f"{_fmt(kc['deal_and_modulus_proof']['median'])}"
            f" (the prime search time is random; times: "
            + ", ".join(_fmt(t) for t in kc["safe_prime_pair"]["times"])
            + ").",
        ]
    if report.get("peer"):
        lines += [
            "",
            "ElectionGuard in this run vs the BRIEF's anchors (same machine, measured when it was quieter); CPU time "
            "is this process only (decryption also runs in EG's worker processes):",
            "",
            "| EG operation | this run (wall) | this run (CPU) | BRIEF anchor | wall / anchor |",
            "|---|---:|---:|---:|---:|",
        ]
        for (kind, op), anchor in BRIEF_ANCHORS.items():
            node = _get(report["peer"], (kind, op))
            if node:
                cpu = _fmt(node.get("cpu_median")) if "decrypt" not in op else "—"
                lines.append(
                    f"| {kind} {op} | {_fmt(node['median'])} | {cpu} | {_fmt(anchor)} | {node['median'] / anchor:.2f} |"
                )
    nz = report["noise"]
    lines += [
        "",
        f"Machine: {nz['cpus']} CPUs; 1-min load average at phase boundaries: "
        + ", ".join(f"{x:.2f}" for x in nz["load1_at_phase_boundaries"])
        + (f"; Linli wall/CPU time {nz['linli_wall_over_cpu']:.2f}" if nz["linli_wall_over_cpu"] else "")
        + ".",
    ]
    if nz["noisy"]:
        lines += [
            "",
            "**Noisy run**: other processes were using the CPUs (wall time well above CPU time, load above the core "
            "count). The two sides were alternated so both saw similar load, so the ratios hold better than the "
            "absolute times; the CPU-time ratio is the steadier figure for single-process operations, though CPU "
            "time is inflated too when cores and caches are shared (compare EG's CPU column with the anchors). "
            "ElectionGuard's decryption runs in its own process pool, so only its wall ratio is given.",
        ]
    lines += [
        "",
        'Notes: Linli\'s "verify one ballot" includes the Ed25519 eligibility signature; ElectionGuard has no '
        "eligibility check. The batch rows verify the ballots as the independent verifier does per chunk: "
        "`voting.ballot.check_ballots` (each ballot's eligibility evidence, all validity proofs as ONE "
        "`verify_membership_batch`: every branch exactly modulo n — one fixed-base exponentiation of H and one "
        "128-bit exponentiation mod n each — then one small-exponent combination for the classes of the whole "
        "batch, one fixed-base exponentiation and one multi-exponentiation mod n²), total / batch size; "
        "ElectionGuard has no batch verification, so they are compared with "
        "its single-ballot figure. The anonymous rows use BBS credentials with per-election pseudonyms (blind "
        "issuance); their ballot carries a BBS proof instead of a signature, and verification checks it: alone, "
        'with its own pairing check, or in a batch whose (Abar, Bbar) pairs share one pairing check ("pairing only '
        'batched": `check_ballot_proofs` per ballot + one `bbs.find_invalid_in_batch`; the plain batch row: '
        '`check_ballots` + one `find_invalid_in_batch`). "Build one ballot" includes everything (encryption, '
        "proofs, eligibility evidence) but the key's fixed-base table, built once per key (its cost is below). "
        "The committee rows are real "
        "committee ballots (`build_ballot` with 3 of 10 candidates marked: 10 ciphertexts with {0,1} proofs and a "
        "sum-in-{0..3} proof); their tally is ONE packed ciphertext (`ElectionState.tally_body`), so its decryption "
        "costs what the referendum's does, where ElectionGuard decrypts 10 selections (+ 3 placeholders). The key "
        "ceremonies are different protocols (Linli: trusted dealer with safe primes; EG: distributed, 5 guardians).",
        "",
        f"Reproduce: `{meta['command']}`",
        "",
    ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------------------


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.rstrip("\n")  # not strip(): a porcelain status line starts with a space


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Linli vs ElectionGuard 1.4.0, side by side")
    parser.add_argument("--smoke", action="store_true", help="tiny parameters (CI): 1024-bit key, one repetition")
    parser.add_argument("--peer-python", type=Path, default=DEFAULT_PEER, help="python of the ElectionGuard venv")
    parser.add_argument("--out", type=Path, help=f"JSON output (default {DEFAULT_OUT}; smoke: {SMOKE_OUT})")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 2; smoke 1)")
    parser.add_argument("--render", type=Path, help="only rewrite the Markdown of an existing results JSON")
    args = parser.parse_args(argv)
    if args.render:
        md = markdown(json.loads(args.render.read_text(encoding="utf-8")))
        args.render.with_suffix(".md").write_text(md, encoding="utf-8")
        print(md)
        return 0

    smoke = args.smoke
    rounds = args.rounds or (1 if smoke else 2)
    out_path: Path = args.out or (SMOKE_OUT if smoke else DEFAULT_OUT)
    if smoke:
        linli_args = ["--modulus-bits", "1024", "--micro-bits", "1024", "--reps", "1", "--ballots", "1"]
        batch_args = ["--batch", "3", "--anon-credentials", "2"]
        peer_args = ["--reps", "1", "--ballots", "1", "--kinds", "referendum"]
        bbs_args = ["--batches", "3", "--reps", "1"]
    else:
        # per round and kind (referendum, anonymous referendum, committee): BATCH ballots built, the first 4 also
        # verified one at a time, all BATCH verified in one batch; 2 decryptions, 2 primitive repetitions
        linli_args = ["--modulus-bits", "3072", "--micro-bits", "2048", "3072", "--reps", "2", "--ballots", "4"]
        batch_args = ["--batch", str(BATCH), "--anon-credentials", str(ANON_CREDENTIALS)]
        peer_args = ["--reps", "2", "--ballots", "4"]
        bbs_args = ["--batches", "100", "1000", "--reps", "3"]
    linli_args += ["--ceremony-reps", "1"]

    peer: Path | None = args.peer_python
    if peer is not None and not peer.exists():
        if not smoke:
            raise SystemExit(
                f"peer python {peer} not found; create the venv (see benchmarks/README.md) or pass --peer-python"
            )
        _log(f"peer python {peer} not found: ElectionGuard skipped (smoke)")
        peer = None

    started = time.perf_counter()
    loads = [_load()]
    linli: dict[str, Any] | None = None
    peer_result: dict[str, Any] | None = None
    if peer is not None:
        _log(patch_peer(peer))
    for r in range(1, rounds + 1):
        if peer is not None:
            _log(f"round {r}/{rounds}: ElectionGuard")
            res = run_peer(peer, peer_args)
            peer_result = res if peer_result is None else merge(peer_result, res)
            loads.append(_load())
        _log(f"round {r}/{rounds}: Linli")
        res = run_linli(linli_args + batch_args)
        linli = res if linli is None else merge(linli, res)
        loads.append(_load())
    assert linli is not None
    _log("BBS: crypto.bbs and plain py_ecc")
    bbs_result = run_bbs(bbs_args)
    loads.append(_load())
    elapsed = time.perf_counter() - started

    command = "python -m benchmarks.run" + (" --smoke" if smoke else "")
    if peer is not None:
        command += f" --peer-python {peer}"
    if args.out:
        command += f" --out {args.out}"
    meta: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": command,
        "smoke": smoke,
        "rounds": rounds,
        "elapsed_s": elapsed,
        "modulus_bits": linli["modulus_bits"],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty_files": [line[3:] for line in _git("status", "--porcelain").splitlines()],
        "peer_python": str(peer) if peer else None,
        "peer_version": peer_result.get("version") if peer_result else None,
        "peer_group": (
            f"ElGamal p {peer_result['group']['p_bits']} bits, q {peer_result['group']['q_bits']} bits"
            if peer_result
            else None
        ),
    }
    report: dict[str, Any] = {
        "meta": meta,
        "comparisons": compare(linli, peer_result),
        "noise": noise(linli, loads, os.cpu_count() or 1),
        "linli": linli,
        "peer": peer_result,
        "bbs": bbs_result,
        "brief_anchors": {f"{k}/{op}": v for (k, op), v in BRIEF_ANCHORS.items()},
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = markdown(report)
    out_path.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    _log(f"done in {elapsed:.1f} s: {out_path} and {out_path.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
