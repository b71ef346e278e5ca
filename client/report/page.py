"""The result page (:func:`render_html`): one self-contained HTML document — inline CSS, inline SVG bar charts drawn
here, no external resource — readable on a phone, in Simplified Chinese (default) or English.

It renders a :func:`~client.report.summary.build_report` summary, in its own language whatever language the
summary was built in. Everything the record says (titles, questions, candidate names, reasons, the verifier's
details) is untrusted and escaped. A record that does not verify is shown with a prominent warning, and its result
sections are greyed and labelled as untrustworthy.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from client.catalogue import check_lang, step_title, strings
from client.report.style import CSS
from client.report.summary import percent
from client.report.words import (
    BUILT_IN_LAYOUTS,
    elected_line,
    kind_title,
    option_label,
    outcome_sentence,
    rule_sentence,
    runoff_line,
)

__all__ = ["render_html"]

_CHART_WIDTH = 340  # about a phone's content width, so the text keeps its size there
_ROW_HEIGHT = 50


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


# -- inline SVG ----------------------------------------------------------------------------------------------------
def _text_width(text: str, size: int) -> int:
    """A rough rendered width: CJK and other wide characters take 1 em, others about 0.6 em."""
    return sum(size if ord(c) >= 0x2E80 else (size * 3) // 5 for c in text)


def _fit(text: str, width: int, size: int) -> str:
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


Mark = tuple[int, int, str]  # a rule's threshold: num/den of the base, and its label


def _bar_chart(caption: str, rows: Sequence[tuple[str, int, str, str]], base: int, mark: Mark | None) -> str:
    """A horizontal bar chart as inline SVG: per row (label, value, value text, bar class). The label and the
    exact value sit above each bar. A full bar is ``base`` — what the rule compares the votes with (the ballots
    cast, or the participating owners or area) — so bar lengths are integer pixels ``value · width // base`` and a
    bar reaches the rule's threshold (``mark``, drawn as a dashed line) exactly when the value does."""
    height = _ROW_HEIGHT * len(rows) + 4 + (18 if mark else 0)
    parts = [
        f'<svg viewBox="0 0 {_CHART_WIDTH} {height}" role="img" aria-label="{_e(caption)}">',
        f"<title>{_e(caption)}</title>",
    ]
    for i, (label, value, value_text, css) in enumerate(rows):
        y = i * _ROW_HEIGHT
        value_room = _text_width(value_text, 13) + 12
        shown = _fit(label, _CHART_WIDTH - value_room, 14)
        bar = min(_CHART_WIDTH, (value * _CHART_WIDTH) // base) if base > 0 else 0
        if value and bar < 2:
            bar = 2
        parts.append(
            f'<text class="t-label" x="0" y="{y + 18}">{_e(shown)}</text>'
            f'<text class="t-value" x="{_CHART_WIDTH}" y="{y + 18}" text-anchor="end">{_e(value_text)}</text>'
            f'<rect class="b-track" x="0" y="{y + 25}" width="{_CHART_WIDTH}" height="18" rx="4"/>'
            f'<rect class="b-{css}" x="0" y="{y + 25}" width="{bar}" height="18" rx="4" '
            f'data-value="{value}" data-base="{base}"/>'
        )
    if mark is not None:
        x = (mark[0] * _CHART_WIDTH) // mark[1]
        bottom = _ROW_HEIGHT * len(rows)
        parts.append(
            f'<line class="b-mark" x1="{x}" y1="22" x2="{x}" y2="{bottom}" data-mark="{mark[0]}/{mark[1]}"/>'
            f'<text class="t-value" x="{x}" y="{bottom + 16}" text-anchor="middle">{_e(mark[2])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _turnout_bar(caption: str, num: int, den: int, mark: Mark | None) -> str:
    """Turnout as a bar; the legal threshold (``mark``: num/den of the total, and its label), if the page knows the
    kind's rule, as a dashed line."""
    w = _CHART_WIDTH
    bar = min(w, (num * w) // den) if den > 0 else 0
    line = ""
    if mark is not None:
        x = (mark[0] * w) // mark[1]
        line = (
            f'<line class="b-mark" x1="{x}" y1="0" x2="{x}" y2="28" data-mark="{mark[0]}/{mark[1]}"/>'
            f'<text class="t-value" x="{x}" y="42" text-anchor="middle">{_e(mark[2])}</text>'
        )
    return (
        f'<svg viewBox="0 0 {w} 44" role="img" aria-label="{_e(caption)}"><title>{_e(caption)}</title>'
        f'<rect class="b-track" x="0" y="4" width="{w}" height="20" rx="4"/>'
        f'<rect class="b-turnout" x="0" y="4" width="{bar}" height="20" rx="4" data-value="{num}" data-base="{den}"/>'
        f"{line}</svg>"
    )


# -- the rules' thresholds (voting/rules.py, docs/protocol.md §P9) -----------------------------------------------
_MORE_THAN_HALF = (1, 2, "mark.gt_half")
_HALF_OF_ROLL = ("referendum", "committee", "approval")  # valid if more than half of the roll cast a ballot


def _mark(t: Mapping[str, str], num: int, den: int, key: str) -> Mark:
    return (num, den, t["threshold_mark"].format(mark=t[key]))


def _decision_mark(kind: str, major: bool, t: Mapping[str, str]) -> Mark | None:
    """The threshold each option's votes are compared with, as a fraction of the chart's base: more than half of
    the ballots (referendum yes, committee candidates, approval options), more than half or at least three
    quarters of the participating owners and area (assembly); none for a kind this page does not know."""
    if kind == "assembly":
        return _mark(t, 3, 4, "mark.ge_three_quarters") if major else _mark(t, *_MORE_THAN_HALF)
    return _mark(t, *_MORE_THAN_HALF) if kind in _HALF_OF_ROLL else None


# -- sections ------------------------------------------------------------------------------------------------------
def _bar_class(kind: str, name: str, index: int, outcome: dict[str, Any]) -> str:
    if kind == "committee":
        if index in outcome.get("elected", []):
            return "win"
        return "runoff" if index in outcome.get("runoff_candidates", []) else "plain"
    return name if kind in BUILT_IN_LAYOUTS and name in ("yes", "no", "abstain") else "plain"


def _card(summary: dict[str, Any], t: Mapping[str, str], anchor: str, title: str) -> str:
    """A section's opening; the result's sections of a record that failed verification are greyed and labelled."""
    if summary["verification"]["passed"]:
        return f'<section class="card" id="{anchor}"><h2>{_e(title)}</h2>'
    return (
        f'<section class="card untrusted" id="{anchor}"><h2>{_e(title)}</h2><p class="claimed">{_e(t["claimed"])}</p>'
    )


def _section_outcome(summary: dict[str, Any], t: Mapping[str, str], lang: str) -> str:
    status, election, result = summary["status"], summary["election"], summary.get("result")
    out = [_card(summary, t, "outcome", t["outcome"])]
    out.append(f'<p class="headline {_e(status)}">{_e(t[f"outcome.{status}"])}</p>')
    if result is not None:
        outcome = result["outcome"]
        if status == "decided":
            out.append(f'<p class="line-elected">{_e(outcome_sentence(lang, outcome))}</p>')
        if status in ("elected", "runoff"):
            out.append(f'<p class="line-elected">{_e(elected_line(lang, outcome))}</p>')
        if status == "runoff":
            out.append(f'<p class="line-runoff">{_e(runoff_line(lang, outcome))}</p>')
    if election["kind"] == "assembly":
        out.append(f'<p class="rule">{_e(t["major" if election["major"] else "ordinary"])}</p>')
    rule = rule_sentence(lang, election, result) if result is not None else ""
    if rule:
        out.append(f'<p class="rule">{_e(rule)}</p>')
    if result is not None and result["reason"]:
        # the rules' finding as the record states it (English, in the signed result)
        reason = f'<span lang="en">{_e(result["reason"])}</span>'
        if lang == "en":
            out.append(f'<p class="reason">{_e(t["record_reason"])}: {reason}</p>')
        else:  # the rule sentence above says it in the page's language; the record's English words on request
            out.append(f'<details class="reason"><summary>{_e(t["record_reason"])}</summary>{reason}</details>')
    out.append("</section>")
    return "".join(out)


def _section_turnout(summary: dict[str, Any], t: Mapping[str, str]) -> str:
    result = summary.get("result")
    if result is None:
        return ""
    kind = summary["election"]["kind"]
    out = [_card(summary, t, "turnout", t["turnout"])]
    if kind == "assembly":
        heads = sum(r["heads"] for r in result["totals"])
        owners = result["roll_size"]
        at = result["area_turnout"]
        mark = _mark(t, 2, 3, "mark.ge_two_thirds")
        heads_text = t["turnout.heads"].format(heads=heads, owners=owners)
        area_text = t["turnout.area"].format(area=at["area_m2"], total_area=at["roll_area_m2"])
        out.append(
            f"<p><strong>{_e(percent(heads, owners))}</strong> · {_e(heads_text)} ({_e(f'{heads}/{owners}')})</p>"
            + _turnout_bar(heads_text, heads, owners, mark)
            + f"<p><strong>{_e(at['percent'])}</strong> · {_e(area_text)}</p>"
            + _turnout_bar(area_text, at["area"], at["roll_area"], mark)
        )
    else:
        to = result["turnout"]
        caption = t["turnout.ballots"].format(ballots=to["ballots"], roll=to["roll"])
        half = _mark(t, *_MORE_THAN_HALF) if kind in _HALF_OF_ROLL else None
        out.append(
            f"<p><strong>{_e(to['percent'])}</strong> · {_e(caption)} ({_e(to['fraction'])})</p>"
            + _turnout_bar(caption, to["ballots"], to["roll"], half)
        )
    out.append("</section>")
    return "".join(out)


def _assembly_totals(
    rows: list[dict[str, Any]], labels: list[str], classes: list[str], t: Mapping[str, str], mark: Mark | None
) -> str:
    """By head and by area, each against what takes part (the base of the passing rule, §P9.3)."""
    participating_heads = sum(r["heads"] for r in rows)
    participating_area = sum(r["area"] for r in rows)
    heads = [
        (lb, r["heads"], f"{r['heads']} ({r['heads_percent']})", c)
        for lb, r, c in zip(labels, rows, classes, strict=True)
    ]
    area = [
        (lb, r["area"], f"{r['area_m2']} m² ({r['area_percent']})", c)
        for lb, r, c in zip(labels, rows, classes, strict=True)
    ]
    area_m2 = f"{participating_area // 100:,}.{participating_area % 100:02d}"
    out = [
        f"<h3>{_e(t['chart.heads'])}</h3>",
        f'<p class="base">{_e(t["chart.base_heads"].format(heads=participating_heads))}</p>',
        _bar_chart(t["chart.heads"], heads, participating_heads, mark),
        f"<h3>{_e(t['chart.area'])}</h3>",
        f'<p class="base">{_e(t["chart.base_area"].format(area=area_m2))}</p>',
        _bar_chart(t["chart.area"], area, participating_area, mark),
        f"<table><thead><tr><th>{_e(t['col.option'])}</th><th class=num>{_e(t['col.heads'])}</th>"
        f"<th class=num>{_e(t['col.area'])}</th></tr></thead><tbody>",
    ]
    out.extend(
        f"<tr><td>{_e(lb)}</td><td class=num>{_e(r['heads'])}</td><td class=num>{_e(r['area_m2'])}</td></tr>"
        for lb, r in zip(labels, rows, strict=True)
    )
    return "".join(out)


def _section_totals(summary: dict[str, Any], t: Mapping[str, str], lang: str) -> str:
    result = summary.get("result")
    if result is None:
        return ""
    kind = summary["election"]["kind"]
    rows = result["totals"]
    out = [_card(summary, t, "totals", t["totals"])]
    if not rows:  # a kind whose counters are not one per option: its own words
        out.append(f"<p>{_e(result['totals_words'])}</p></section>")
        return "".join(out)
    labels = [option_label(lang, kind, r["option"]) for r in rows]
    classes = [_bar_class(kind, r["option"], i, result["outcome"]) for i, r in enumerate(rows)]
    mark = _decision_mark(kind, summary["election"]["major"], t)
    if kind == "assembly":
        out.append(_assembly_totals(rows, labels, classes, t, mark))
    else:
        caption = t["chart.candidates" if kind == "committee" else "chart.votes"]
        bars = [
            (lb, r["votes"], f"{r['votes']} ({r['percent']})", c)
            for lb, r, c in zip(labels, rows, classes, strict=True)
        ]
        out.append(f'<p class="base">{_e(t["chart.base_ballots"].format(ballots=result["ballots"]))}</p>')
        out.append(_bar_chart(caption, bars, result["ballots"], mark))
        column = t["col.candidate" if kind == "committee" else "col.option"]
        out.append(
            f"<table><thead><tr><th>{_e(column)}</th><th class=num>{_e(t['col.votes'])}</th>"
            f"<th class=num>{_e(t['col.share'])}</th></tr></thead><tbody>"
        )
        out.extend(
            f"<tr><td>{_e(lb)}</td><td class=num>{_e(r['votes'])}</td><td class=num>{_e(r['percent'])}</td></tr>"
            for lb, r in zip(labels, rows, strict=True)
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _section_area(summary: dict[str, Any], t: Mapping[str, str], lang: str) -> str:
    """§P9.5: what the disclosed areas and the totals give away, and whether the administrator accepted it."""
    result = summary.get("result")
    if result is None or "area_disclosure" not in result:
        return ""
    a = result["area_disclosure"]
    out = [_card(summary, t, "area", t["area"])]
    accepted = ("accepted", t["area.accepted"]) if a["accepted"] else ("rule", t["area.not_accepted"])
    out.append(f'<p class="{accepted[0]}">{_e(accepted[1])}</p>')
    if not a["computed"]:
        return "".join(out) + "</section>"
    if not a["exact"]:
        out.append(f'<p class="exposed">{_e(t["area.bound"].format(ballots=a["ballots"]))}</p>')
    else:
        cls = "exposed" if a["identifies_votes"] else "hidden"
        words = t["area.exact"].format(assignments=a["assignments"], attributed=a["attributed"], ballots=a["ballots"])
        out.append(f'<p class="{cls}">{_e(words)}</p>')
        if a["by_heads_alone"]:
            out.append(f"<p>{_e(t['area.unanimous'])}</p>")
        elif not a["forced"]:
            out.append(f"<p>{_e(t['area.none'])}</p>")
        else:
            forced = (
                t["area.forced"].format(
                    area=f["area_m2"], ballots=f["ballots"], option=option_label(lang, "assembly", f["option"])
                )
                for f in a["forced"]
            )
            items = "".join(f"<li>{_e(line)}</li>" for line in forced)
            out.append(f'<ul class="forced">{items}</ul>')
    roll = t["area.roll"].format(unique=a["roll_unique"], owners=a["roll_owners"], smallest=a["roll_smallest_class"])
    out.append(f'<p class="rule">{_e(roll)}</p>')
    if a["eligibility"] == "signing":
        out.append(f'<p class="rule">{_e(t["area.signing"])}</p>')
    out.append("</section>")
    return "".join(out)


def _section_verification(summary: dict[str, Any], t: Mapping[str, str], lang: str) -> str:
    out = [f'<section class="card" id="verification"><h2>{_e(t["verification"])}</h2><ol class="steps">']
    for s in summary["verification"]["steps"]:
        cls, mark = ("pass", "✓ " + t["step.pass"]) if s["passed"] else ("fail", "✗ " + t["step.fail"])
        out.append(f'<li class="{cls}"><span class="mark">{_e(mark)}</span> {_e(s["step"])}. ')
        out.append(_e(step_title(s["step"], lang)))
        detail = s["detail_words"][lang]
        if detail:
            out.append(f'<span class="detail">{_e(detail)}</span>')
        for err in s["error_words"]:
            original = ""
            if lang != "en" and err["original"]:  # the checking code's own words, marked as English
                quoted = f'<span lang="en">{_e(err["original"])}</span>'
                original = f' <span class="original">（{_e(t["original"])}：{quoted}）</span>'
            out.append(f'<span class="error">! {_e(err[lang])}{original}</span>')
        out.append("</li>")
    out.append("</ol></section>")
    return "".join(out)


def _section_how(summary: dict[str, Any], t: Mapping[str, str]) -> str:
    out = [f'<section class="card" id="how"><h2>{_e(t["how"])}</h2><p>{_e(t["how.intro"])}</p>']
    explain = (t["how.verify"], t["how.pin"], t["how.tamper"], t["how.hash"])  # the page's language
    for i, c in enumerate(summary["verify_commands"]):
        words = explain[i] if i < len(explain) else c["explain"]
        out.append(f"<p>{_e(words)}</p><pre><code>{_e(c['command'])}</code></pre>")
    out.append(f"<p class=meta><code>{_e(summary['log']['entries_sha256'])}</code></p></section>")
    return "".join(out)


def _section_details(summary: dict[str, Any], t: Mapping[str, str]) -> str:
    election, log, replay, result = summary["election"], summary["log"], summary["replay"], summary.get("result")
    eligibility = election["eligibility"]
    rows = [
        (t["election_id"], _e(election["id"])),
        (t["detail.origin"], _e(log["origin"])),
        (t["detail.log_key"], _e(log["log_key"])),
    ]
    if log["fingerprint"]:
        rows.append(
            (
                t["detail.fingerprint"],
                f'<span class="fp">{_e(log["fingerprint"])}</span>'
                f'<span class="fp-note">{_e(t["fingerprint.compare"])}</span>',
            )
        )
    rows += [
        (t["detail.root"], _e(log["root"])),
        (t["detail.entries"], _e(log["entries"])),
        (t["detail.checkpoints"], _e(log["checkpoints"])),
        (t["detail.replayed"], _e(t[f"phase.{replay['phase']}"])),
    ]
    if election["kind"]:
        threshold = t["detail.threshold_value"].format(t=election["threshold"], n=len(election["trustees"]))
        rows += [
            (t["detail.roll"], _e(replay["roll_size"])),
            (t["detail.ballots"], _e(f"{replay['ballots_cast']} / {replay['ballots_counted']}")),
            (t["detail.eligibility"], _e(t.get(f"eligibility.{eligibility}", eligibility))),
            (t["detail.trustees"], _e(", ".join(election["trustees"]))),
            (t["detail.threshold"], _e(threshold)),
        ]
    if result is not None:
        rows.append((t["detail.shares_used"], _e(", ".join(str(i) for i in result["shares_used"]))))
    if election["modulus_bits"]:
        rows.append((t["detail.modulus"], _e(t["detail.modulus_value"].format(bits=election["modulus_bits"]))))
    body = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)  # v: escaped above
    return f'<section class="card" id="details"><h2>{_e(t["details"])}</h2><dl>{body}</dl></section>'


def render_html(summary: dict[str, Any], lang: str = "zh") -> str:
    """One self-contained HTML page (inline CSS and SVG, no external resource) for a :func:`build_report` summary."""
    t = strings(check_lang(lang))
    election, v = summary["election"], summary["verification"]
    title = election["title"] or election["id"]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{t["html_lang"]}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} — {_e(t['brand'])}</title><style>{CSS}</style></head><body><main>",
        f'<header><p class="brand">{_e(t["brand"])} · {_e(kind_title(lang, election["kind"]))}</p>',
        f'<h1>{_e(title)}</h1><p class="meta">{_e(t["election_id"])}: {_e(election["id"])}</p></header>',
    ]
    if v["passed"]:
        parts.append(f'<div class="okbar" role="status">✓ {_e(t["verify.passed"].format(n=len(v["steps"])))}</div>')
    else:
        failed = ", ".join(str(n) for n in v["failed_steps"])
        parts.append(
            f'<div class="alert" role="alert"><strong>⚠ {_e(t["verify.failed"])}</strong>'
            f"{_e(t['verify.failed_detail'].format(steps=failed))}</div>"
        )
    question = f'<p class="question">{_e(election["question"])}</p>' if election["question"] else ""
    description = f'<p class="desc">{_e(election["description"])}</p>' if election["description"] else ""
    if question or description:
        parts.append(f'<section class="card"><h2>{_e(t["question"])}</h2>{question}{description}</section>')
    parts.append(_section_outcome(summary, t, lang))
    parts.append(_section_turnout(summary, t))
    parts.append(_section_totals(summary, t, lang))
    parts.append(_section_area(summary, t, lang))
    parts.append(_section_verification(summary, t, lang))
    parts.append(_section_how(summary, t))
    parts.append(_section_details(summary, t))
    parts.append(f"<footer>{_e(t['footer'])}</footer></main></body></html>\n")
    return "".join(parts)
