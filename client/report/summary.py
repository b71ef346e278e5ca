"""The JSON summary of a verified record (:func:`build_report`), built from what the verifier replayed.

The verifier (client/verifier.py) replays the record through the election rules; its :class:`~client.verifier.Report`
carries the replayed :class:`~voting.state.ElectionState` and the election's fingerprint. Everything here comes
from those typed values — the definition, the roll, the counted ballots, the totals and the outcome the rules
produced — never from re-reading the record's JSON. A record that fails verification part way still has the state
up to the entry the replay rejected: the summary shows what is there, and the page labels it untrustworthy.

Numbers are exact: percentages come from integer arithmetic, areas are m² with two decimals from integer
hundredths; no float is ever formatted.
"""

from __future__ import annotations

import hashlib
import shlex
from typing import Any

from client.catalogue import LANGS, check_lang, step_title, text
from client.record import Record
from client.report.words import BUILT_IN_LAYOUTS, option_label, outcome_sentence, rule_sentence
from client.verifier import Note, Report
from crypto import merkle
from voting.area_disclosure import roll_exposure, tally_exposure
from voting.election import ElectionDefinition
from voting.errors import InvalidEncoding, VotingError
from voting.rules import CommitteeOutcome, Outcome
from voting.state import ElectionState, Phase

__all__ = ["REPORT_FORMAT", "build_report", "m2", "percent"]

REPORT_FORMAT = "linli-report/1"


# -- exact number formatting (integers only) ------------------------------------------------------------------------
def percent(num: int, den: int) -> str:
    """``num/den`` as a percentage with two decimals, rounded half up, by integer arithmetic."""
    if den <= 0:
        return "—"
    hundredths = (20000 * num + den) // (2 * den)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def m2(hundredths: int) -> str:
    """An area given in 0.01 m² as m² with two decimals (no float)."""
    sign = "-" if hundredths < 0 else ""
    value = abs(hundredths)
    return f"{sign}{value // 100:,}.{value % 100:02d}"


# -- the parts ------------------------------------------------------------------------------------------------------
def _election(d: ElectionDefinition | None, election_id: str) -> dict[str, Any]:
    if d is None:  # the replay did not get past the definition: only the record's name for the election
        return {
            "id": election_id,
            "kind": "",
            "title": "",
            "question": "",
            "description": "",
            "options": [],
            "seats": 0,
            "major": False,
            "eligibility": "",
            "threshold": 0,
            "trustees": [],
            "modulus_bits": 0,
            "accept_area_disclosure": False,
        }
    return {
        "id": d.election_id,
        "kind": d.kind,
        "title": d.title,
        "question": d.question,
        "description": d.description,
        "options": list(d.options),
        "seats": d.seats,
        "major": d.major,
        "eligibility": d.eligibility.value,
        "threshold": d.threshold,
        "trustees": [t.name for t in d.trustees],
        "modulus_bits": d.modulus_bits,
        "accept_area_disclosure": d.accept_area_disclosure,
    }


def _rows(d: ElectionDefinition, totals: tuple[int, ...], ballots: int, lang: str) -> list[dict[str, Any]]:
    """One row per option; an assembly's by head and by area; [] for a kind whose counters are not one per option."""
    options = d.options
    if d.kind == "assembly":
        k = len(options)
        heads, area = totals[:k], totals[k:]
        return [
            {
                "option": name,
                "label": option_label(lang, d.kind, name),
                "heads": h,
                "heads_percent": percent(h, sum(heads)),
                "area": a,
                "area_m2": m2(a),
                "area_percent": percent(a, sum(area)),
            }
            for name, h, a in zip(options, heads, area, strict=True)
        ]
    if len(totals) != len(options):
        return []
    return [
        {"option": name, "label": option_label(lang, d.kind, name), "votes": v, "percent": percent(v, ballots)}
        for name, v in zip(options, totals, strict=True)
    ]


def _outcome(d: ElectionDefinition, outcome: Any) -> dict[str, Any]:
    """The outcome as the rules produced it (state.outcome), typed by the rules' classes for the built-in
    layouts, else in the kind's own words (both languages). Raises VotingError if it does not have the rules' shape
    (a state the verifier did not produce)."""
    if d.kind == "committee":
        c = CommitteeOutcome.from_json(outcome)
        if not all(0 <= j < len(d.options) for j in c.elected + c.runoff_candidates):
            raise InvalidEncoding("the outcome names a candidate the election does not have")
        return {
            "valid": c.valid,
            "status": "void" if not c.valid else ("runoff" if c.runoff_seats else "elected"),
            "elected": list(c.elected),
            "elected_names": [d.options[j] for j in c.elected],
            "runoff_seats": c.runoff_seats,
            "runoff_candidates": list(c.runoff_candidates),
            "runoff_names": [d.options[j] for j in c.runoff_candidates],
            "reason": c.reason,
        }
    if d.kind in BUILT_IN_LAYOUTS:
        o = Outcome.from_json(outcome)
        status = "void" if not o.valid else ("passed" if o.passed else "not_passed")
        return {"valid": o.valid, "passed": o.passed, "status": status, "reason": o.reason}
    kind = d.kind_rules
    try:
        words = {lang: kind.describe_outcome(d, outcome, lang) for lang in LANGS}
    except (KeyError, IndexError, TypeError, AttributeError) as e:
        raise InvalidEncoding(f"the outcome of a {d.kind} does not have its rules' shape") from e
    valid = isinstance(outcome, dict) and outcome.get("valid") is True
    reason = outcome.get("reason") if isinstance(outcome, dict) else None
    return {
        "valid": valid,
        "status": "decided" if valid else "void",
        "kind_words": words,
        "reason": reason if isinstance(reason, str) else "",
    }


def _result(state: ElectionState, election: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """The verified result, or None if the replay did not reach one; raises VotingError if the state's outcome
    does not have the rules' shape (a state the verifier did not produce)."""
    d = state.definition
    if d is None or state.phase is not Phase.PUBLISHED:
        return None
    ballots, roll = len(state.counted), len(state.roll)
    outcome = _outcome(d, state.outcome)
    result: dict[str, Any] = {
        "options": list(d.options),
        "roll_size": roll,
        "ballots": ballots,
        "shares_used": list(state.shares)[: d.threshold],  # the first t in log order (§P8), as the result used
        "reason": outcome.pop("reason"),
        "turnout": {
            "ballots": ballots,
            "roll": roll,
            "fraction": f"{ballots}/{roll}",
            "percent": percent(ballots, roll),
        },
        "totals": _rows(d, state.totals, ballots, lang),
        "totals_words": d.kind_rules.describe_totals(d, state.totals),
    }
    if d.kind == "assembly":
        area = sum(r["area"] for r in result["totals"])
        result["roll_area"] = state.roll_area
        result["area_turnout"] = {
            "area": area,
            "roll_area": state.roll_area,
            "area_m2": m2(area),
            "roll_area_m2": m2(state.roll_area),
            "fraction": f"{area}/{state.roll_area}",
            "percent": percent(area, state.roll_area),
        }
        result["area_disclosure"] = _area_disclosure(state)
    outcome["words"] = outcome_sentence(lang, outcome)
    outcome["rule"] = rule_sentence(lang, election, result)
    result["outcome"] = outcome
    return result


def _area_disclosure(state: ElectionState) -> dict[str, Any]:
    """§P9.5: what the counted ballots' disclosed areas and the published totals force, and the roll's worst case."""
    d = state.require_definition()
    k = len(d.options)
    areas = [r.weight for r in state.counted.values()]
    try:
        exposure = tally_exposure(areas, state.totals[:k], state.totals[k:])
        roll = roll_exposure([r.area for r in state.roll.values()])
    except ValueError:  # areas and totals that do not fit: a state the verifier did not accept; nothing to say
        return {"computed": False, "accepted": d.accept_area_disclosure}
    return {
        "computed": True,
        "accepted": d.accept_area_disclosure,
        "eligibility": d.eligibility.value,
        "ballots": exposure.ballots,
        "exact": exposure.exact,
        "assignments": str(exposure.assignments),  # may exceed any JSON reader's integers
        "attributed": exposure.attributed,
        "by_heads_alone": exposure.by_heads_alone,
        "identifies_votes": exposure.identifies_votes,
        "forced": [{"area_m2": m2(w), "ballots": c, "option": d.options[j]} for w, c, j in exposure.forced],
        "roll_unique": roll.unique,
        "roll_owners": roll.owners,
        "roll_smallest_class": roll.smallest_class,
    }


def _replay(state: ElectionState, report: Report) -> dict[str, Any]:
    """How far the replay got: what the page can show even without a result."""
    return {
        "phase": state.phase.value,
        "stopped_at": None if report.stopped is None else report.stopped.value,
        "roll_size": len(state.roll),
        "ballots_cast": state.ballots_cast,
        "ballots_counted": len(state.counted),
        "shares": sorted(state.shares),
    }


def _log(record: Record, report: Report) -> dict[str, Any]:
    root = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in record.entries]).root()
    return {
        "origin": record.origin,
        "log_key": record.log_key,
        "fingerprint": report.fingerprint,  # compare it with the notice board (§P12)
        "entries": len(record.entries),
        "checkpoints": len(record.checkpoints),
        "root": root.hex(),
        "entries_sha256": hashlib.sha256(b"".join(e + b"\n" for e in record.entries)).hexdigest(),
    }


def _commands(record_dir: str, record: Record, fingerprint: str, lang: str) -> list[dict[str, str]]:
    d = shlex.quote(record_dir)
    tampered = shlex.quote(record_dir.rstrip("/") + "-tampered")
    pin = f"linli verify {d} --log-key {shlex.quote(record.log_key)}"
    if fingerprint:
        pin += f" --expect {fingerprint}"
    return [
        {"explain": text(lang, "how.verify"), "command": f"linli verify {d}"},
        {"explain": text(lang, "how.pin"), "command": pin},
        {
            "explain": text(lang, "how.tamper"),
            "command": f"cp -r {d} {tampered}\n"
            f'sed -i \'1s/"title":"/"title":"X/\' {tampered}/entries.jsonl\n'
            f"linli verify {tampered}   # → {text(lang, 'cli.failed')}",
        },
        {"explain": text(lang, "how.hash"), "command": f"sha256sum {d}/entries.jsonl"},
    ]


def _error_words(n: Note) -> dict[str, str]:
    """A failure in every language, and the checking code's own (English) message to quote beside the others."""
    return {lg: n.text(lg) for lg in LANGS} | {"original": n.original}


def build_report(record: Record, report: Report, lang: str = "zh", *, record_dir: str = "RECORD_DIR") -> dict[str, Any]:
    """A JSON-ready summary of a record and its verification report, with words in ``lang`` ("zh" or "en").

    ``report`` is :func:`client.verifier.check_record`'s for ``record``: the summary shows its replayed state
    (``report.state``; none at all if it has none) and uses the record only for the log's own facts."""
    check_lang(lang)
    state = report.state if report.state is not None else ElectionState()
    election = _election(state.definition, record.election_id)
    try:
        result = _result(state, election, lang)
    except VotingError:
        result, status = None, "unverified"
    else:
        status = "unverified" if report.stopped is not None else "pending"
        if result is not None:
            status = result["outcome"]["status"]
    return {
        "format": REPORT_FORMAT,
        "lang": lang,
        "election": election,
        "verification": {
            "passed": report.passed,
            "failed_steps": [s.number for s in report.steps if not s.passed],
            "steps": [
                {
                    "step": s.number,
                    "title": step_title(s.number, lang),
                    "passed": s.passed,
                    "detail": s.detail_in(lang),
                    "errors": [e for e, _ in s.errors_in(lang)],
                    "detail_words": {lg: s.detail_in(lg) for lg in LANGS},
                    "error_words": [_error_words(n) for n in s.failure_notes()],
                }
                for s in report.steps
            ],
        },
        "trustworthy": report.passed and result is not None,
        "status": status,
        "status_words": text(lang, f"outcome.{status}") if result is None else result["outcome"]["words"],
        "result": result,
        "replay": _replay(state, report),
        "log": _log(record, report),
        "verify_commands": _commands(record_dir, record, report.fingerprint, lang),
    }
