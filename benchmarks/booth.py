"""The phone booth's ballot building in headless Chromium (issue 10 item 5), next to the Python figures.

    python -m benchmarks.booth [--modulus-bits 3072] [--repeat 5] [--json FILE] [--md FILE]
    python -m benchmarks.booth --smoke       # 1024-bit modulus, one repetition (CI), written under .cache/

Runs ``booth/bench/ballot_bench_chromium.mjs`` (booth/bench/ballot_bench_core.ts bundled into a page of
/usr/bin/chromium-headless-shell through playwright-core) twice: at full speed and with the CPU throttled 4×
(DevTools' ``Emulation.setCPUThrottlingRate``, a rough stand-in for a mid-range phone). What is timed is the
booth's own code (booth/src/crypto): the key's base H and its fixed-base table (once per key), the vote-independent
precomputation of one ballot (``precompute``: every exponentiation that does not depend on the choice, done in a
Web Worker while the voter reads), and the ballot built from it (``buildBallot``: the choice's ciphertexts, every
proof, and the eligibility evidence: an Ed25519 signature, or in the anonymous row a BBS proof with the pseudonym).
Targets at 3072 bits (unthrottled): committee 10 candidates / 3 seats built in < 700 ms after the precomputation,
the precomputation (key base included) in < 3 s, a referendum ballot in < 200 ms.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
BOOTH = ROOT / "booth"
LATEST = ROOT / "benchmarks" / "results" / "booth-latest.json"
LATEST_MD = ROOT / "benchmarks" / "results" / "booth-latest.md"
SMOKE_OUT = ROOT / ".cache" / "linli-booth-bench-smoke.json"

# (name, what is measured, target in ms or None)
TARGETS: tuple[tuple[str, str, float | None], ...] = (
    ("key_base_ms", "key base H and its table (once per key)", None),
    ("committee_10_3_precompute_ms", "committee 10/3: precomputation of one ballot", None),
    ("committee_precompute_total_ms", "committee 10/3: precomputation incl. the key base", 3000.0),
    ("committee_10_3_build_after_precompute_ms", "committee 10/3: build after precomputation (signing)", 700.0),
    (
        "committee_10_3_anonymous_build_after_precompute_ms",
        "committee 10/3: build after precomputation (anonymous: BBS proof)",
        700.0,
    ),
    ("committee_10_3_build_without_material_ms", "committee 10/3: build with no precomputation", None),
    ("referendum_build_after_precompute_ms", "referendum: build after precomputation", 200.0),
    ("referendum_build_without_material_ms", "referendum: build with no precomputation", 200.0),
    ("committee_10_3_verify_ms", "committee 10/3: the booth verifies a ballot (audit check)", None),
)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def run_chromium(bits: int, repeat: int, throttle: int) -> dict[str, Any]:
    cmd = ["node", "bench/ballot_bench_chromium.mjs", "--modulus-bits", str(bits), "--repeat", str(repeat)]
    cmd += ["--throttle", str(throttle)]
    done = subprocess.run(cmd, cwd=BOOTH, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise SystemExit(f"booth benchmark failed ({' '.join(cmd)}):\n{done.stderr}")
    out: dict[str, Any] = json.loads(done.stdout)
    out["committee_precompute_total_ms"] = round(out["key_base_ms"] + out["committee_10_3_precompute_ms"], 1)
    return out


def table(full: dict[str, Any], slow: dict[str, Any]) -> list[str]:
    lines = [
        f"# The booth in headless Chromium — {full['date']}",
        "",
        f"{full['runtime']}, modulus {full['modulus_bits']} bits, medians of {full['repeat']} runs; machine: "
        f"{full['machine']}. Command: `python -m benchmarks.booth`.",
        "",
        "| operation | Chromium | CPU throttled 4× | target | meets |",
        "|---|---:|---:|---:|:---:|",
    ]
    for key, what, target in TARGETS:
        value = full[key]
        meets = "—" if target is None else ("yes" if value < target else "**no**")
        goal = "—" if target is None else f"< {target:,.0f} ms"
        lines.append(f"| {what} | {value:,.1f} ms | {slow[key]:,.1f} ms | {goal} | {meets} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.booth", description=__doc__.split("\n")[0])
    parser.add_argument("--modulus-bits", type=int, default=3072)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="1024-bit modulus, one repetition (CI)")
    parser.add_argument("--json", type=Path, help=f"where to write the figures (default {LATEST.relative_to(ROOT)})")
    parser.add_argument("--md", type=Path, help="where to write the Markdown table (default: beside the JSON)")
    args = parser.parse_args(argv)
    bits, repeat = (1024, 1) if args.smoke else (args.modulus_bits, args.repeat)
    out_json = args.json or (SMOKE_OUT if args.smoke else LATEST)
    out_md = args.md or out_json.with_suffix(".md")
    meta = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "machine": f"{_cpu()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
    }
    runs = {}
    with tqdm(total=2, desc="booth in Chromium", unit="run", file=sys.stderr) as bar:
        for throttle in (1, 4):
            bar.set_postfix_str("full speed" if throttle == 1 else f"CPU throttled {throttle}x")
            runs[throttle] = {**run_chromium(bits, repeat, throttle), **meta}
            bar.update()
    full, slow = runs[1], runs[4]
    report = {
        "unthrottled": full,
        "throttled_4x": slow,
        "targets": [
            {
                "operation": key,
                "ms": full[key],
                "target_ms": target,
                "meets_target": None if target is None else full[key] < target,
            }
            for key, _, target in TARGETS
        ],
        "smoke": args.smoke,
    }
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    lines = table(full, slow)
    out_md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    missed = [t["operation"] for t in report["targets"] if t["meets_target"] is False]
    if missed and not args.smoke:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
