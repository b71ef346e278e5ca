"""A readable result report for an election record: one self-contained HTML page and a JSON summary.

``linli report RECORD_DIR --out report.html [--lang zh|en] [--json report.json]`` reads the record
(docs/record.md), runs the independent verifier on it (docs/protocol.md §V) and writes both. The package::

    summary.py   build_report: the JSON summary, from the verifier's replayed state and fingerprint
    words.py     the outcome and the rules in words (the kinds' own, and the built-in layouts')
    page.py      render_html: the page, inline CSS and SVG, in the page's own language
    style.py     the style sheet
    client/catalogue.py   every string for people, zh and en (shared with the verifier and the CLI)
"""

from __future__ import annotations

import json
from pathlib import Path

from client.catalogue import LANGS, check_lang
from client.record import read_record
from client.report.page import render_html
from client.report.summary import build_report
from client.verifier import check_record

__all__ = ["LANGS", "build_report", "render_html", "write_report"]


def write_report(
    record_dir: Path,
    out: Path,
    lang: str,
    json_out: Path | None,
    *,
    min_modulus_bits: int = 2048,
    workers: int | None = None,
) -> bool:
    """Read and verify the record at ``record_dir``, write the HTML page (and the JSON summary if asked);
    return whether the record verified."""
    check_lang(lang)  # reject an unsupported language before the (long) verification
    record = read_record(record_dir)
    report = check_record(record, min_modulus_bits=min_modulus_bits, workers=workers)
    summary = build_report(record, report, lang, record_dir=str(record_dir))
    out.write_text(render_html(summary, lang), encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return report.passed
