"""A readable result report for an election record: one self-contained HTML page and a JSON summary.

``linli report RECORD_DIR --out report.html [--lang zh|en] [--json report.json]`` reads the record
(docs/record.md), runs the independent verifier on it (docs/protocol.md §V) and writes:

* :func:`build_report` — a JSON-ready summary: the election, turnout (exact fraction and percentage), totals with
  labels, the outcome in words, every verification step, the log root, and how to check it all independently;
* :func:`render_html` — one page with no external resource (inline CSS, inline SVG bar charts drawn here), readable
  on a phone, in Simplified Chinese (default) or English.

Everything the record says (titles, questions, candidate names, reasons, the verifier's details) is untrusted and
escaped. Numbers are exact: percentages come from integer arithmetic, areas are shown in m² with two decimals from
the record's integer hundredths; no float is ever formatted. A record that does not verify is shown with a
prominent warning, and its claimed outcome is labelled as untrustworthy.
"""

from __future__ import annotations

import hashlib
import html
import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from client.record import Record, read_record
from client.verifier import Report, check_record
from crypto import merkle
from voting.election import ElectionDefinition
from voting.errors import VotingError
from voting.kinds import KINDS
from voting.records import Entry, EntryKind

__all__ = ["LANGS", "build_report", "render_html", "write_report"]

LANGS = ("zh", "en")
REPORT_FORMAT = "linli-report/1"

# -- UI strings, one dict per language ------------------------------------------------------------------------------
_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "sep": "；",
        "list_sep": "、",
        "brand": "邻里投票 · 结果报告",
        "kind.referendum": "居民表决（一人一票）",
        "kind.committee": "委员会选举",
        "kind.assembly": "业主大会表决（人数与面积双重计票）",
        "kind.unknown": "未知类型",
        "option.yes": "赞成",
        "option.no": "反对",
        "option.abstain": "弃权",
        "election_id": "选举编号",
        "question": "表决事项",
        "description": "说明",
        "outcome": "结果",
        "outcome.passed": "通过",
        "outcome.decided": "已判定",
        "outcome.not_passed": "未通过",
        "outcome.void": "无效：参与未达法定比例",
        "outcome.elected": "全部席位已选出",
        "outcome.runoff": "需要另行选举",
        "outcome.pending": "尚未公布结果",
        "outcome.malformed": "记录中的结果格式有误",
        "elected": "当选（按得票排序）：",
        "nobody_elected": "无人当选",
        "runoff": "需另行选举 {seats} 个席位，涉及候选人：{names}",
        "major": "重大事项（需四分之三）",
        "ordinary": "一般事项（需过半数）",
        "rule.referendum": "有效条件：投票人数超过登记选民的一半（{ballots}/{roll}）。"
        "通过条件：赞成票超过投票总数的一半（赞成 {yes}/{ballots}）。弃权计入投票总数。",
        "rule.committee": "有效条件：投票人数超过登记选民的一半（{ballots}/{roll}）。"
        "当选条件：得票超过投票人数的一半，按得票多少依次当选，共 {seats} 个席位；末位同票或席位未满则另行选举。",
        "rule.assembly": "有效条件：参与表决的业主人数和专有部分面积均不少于总数的三分之二"
        "（人数 {heads}/{owners}，面积 {area}/{total_area} m²）。通过条件：赞成的人数和面积{need}。",
        "need.major": "均不少于参与表决的四分之三",
        "need.ordinary": "均超过参与表决的一半",
        "record_reason": "计票规则的判定（记录原文）",
        "turnout": "投票率",
        "turnout.ballots": "已计入选票 {ballots} 张 / 登记选民 {roll} 人",
        "turnout.heads": "参与业主 {heads} 人 / 业主总数 {owners} 人",
        "turnout.area": "参与面积 {area} m² / 总面积 {total_area} m²",
        "turnout.unknown": "记录中没有已计入选票的数量",
        "threshold_mark": "法定线 {mark}",
        "totals": "计票结果",
        "chart.votes": "各选项得票",
        "chart.candidates": "各候选人得票",
        "chart.heads": "按人数",
        "chart.area": "按专有部分面积",
        "col.option": "选项",
        "col.candidate": "候选人",
        "col.votes": "票数",
        "col.share": "占投票",
        "col.heads": "人数",
        "col.area": "面积（m²）",
        "verification": "独立验证",
        "verify.passed": "全部 {n} 项检查通过：本结果由公开记录独立复核，任何人都可以重复验证。",
        "verify.failed": "验证未通过！以下结果不可信。",
        "verify.failed_detail": "记录未能通过第 {steps} 项检查。请勿依据本页公布的结果作出任何决定，并联系选举管理员。",
        "claimed": "记录声称的结果（未通过验证，不可信）",
        "step.pass": "通过",
        "step.fail": "未通过",
        "how": "如何自行验证",
        "how.intro": "本报告不需要信任服务器或报告的制作者：用开源的 linli 工具即可从选举记录独立重算全部结果。",
        "how.verify": "验证整个记录（签名检查点、账本完整性、每张选票的证明、解密份额、计票与判定规则）：",
        "how.pin": "并核对日志公钥与服务器公布的一致：",
        "how.tamper": "改动记录中的任何一个值，验证都会失败。可以自己试一试：",
        "how.hash": "entries.jsonl 文件的 SHA-256（可用 sha256sum 核对）：",
        "details": "记录信息",
        "detail.origin": "日志来源",
        "detail.log_key": "日志公钥",
        "detail.root": "账本根哈希（RFC 9162）",
        "detail.entries": "记录条目数",
        "detail.checkpoints": "签名检查点数",
        "detail.eligibility": "资格方式",
        "eligibility.signing": "实名凭证签名",
        "eligibility.anonymous": "匿名凭证（BBS）",
        "detail.trustees": "计票受托人",
        "detail.threshold": "解密门限",
        "detail.threshold_value": "{t} / {n} 人",
        "detail.shares_used": "参与解密的受托人",
        "detail.modulus": "密钥长度",
        "footer": "由 linli report 根据选举记录生成。页面不加载任何外部资源。",
    },
    "en": {
        "html_lang": "en",
        "sep": "; ",
        "list_sep": ", ",
        "brand": "Linli · Election result report",
        "kind.referendum": "Referendum (one vote per resident)",
        "kind.committee": "Committee election",
        "kind.assembly": "Homeowners' assembly (counted by owners and by area)",
        "kind.unknown": "Unknown kind",
        "option.yes": "Yes",
        "option.no": "No",
        "option.abstain": "Abstain",
        "election_id": "Election id",
        "question": "Question",
        "description": "Description",
        "outcome": "Outcome",
        "outcome.passed": "PASSED",
        "outcome.decided": "DECIDED",
        "outcome.not_passed": "NOT PASSED",
        "outcome.void": "VOID: participation below the legal threshold",
        "outcome.elected": "All seats filled",
        "outcome.runoff": "Runoff needed",
        "outcome.pending": "No result published yet",
        "outcome.malformed": "The result in the record is malformed",
        "elected": "Elected (by rank): ",
        "nobody_elected": "Nobody elected",
        "runoff": "A runoff is needed for {seats} seat(s), among: {names}",
        "major": "Major matter (three quarters needed)",
        "ordinary": "Ordinary matter (more than half needed)",
        "rule.referendum": "Valid if more than half of the registered voters vote ({ballots}/{roll}). "
        "Passes if more than half of the ballots say yes (yes {yes}/{ballots}). Abstentions count as ballots.",
        "rule.committee": "Valid if more than half of the registered voters vote ({ballots}/{roll}). "
        "A candidate is elected with more than half of the ballots, by rank, for {seats} seat(s); "
        "a tie for the last seat or an unfilled seat goes to a runoff.",
        "rule.assembly": "Valid if owners holding at least two thirds of the exclusive area and at least two thirds "
        "of the owners take part (owners {heads}/{owners}, area {area}/{total_area} m²). "
        "Passes if the yes votes are {need}.",
        "need.major": "at least three quarters of the participating owners and area",
        "need.ordinary": "more than half of the participating owners and area",
        "record_reason": "The rules' finding (as recorded)",
        "turnout": "Turnout",
        "turnout.ballots": "{ballots} ballots counted of {roll} registered voters",
        "turnout.heads": "{heads} of {owners} owners took part",
        "turnout.area": "{area} m² of {total_area} m² took part",
        "turnout.unknown": "the record does not state the number of counted ballots",
        "threshold_mark": "threshold {mark}",
        "totals": "Totals",
        "chart.votes": "Votes per option",
        "chart.candidates": "Votes per candidate",
        "chart.heads": "By owners",
        "chart.area": "By exclusive area",
        "col.option": "Option",
        "col.candidate": "Candidate",
        "col.votes": "Votes",
        "col.share": "Of ballots",
        "col.heads": "Owners",
        "col.area": "Area (m²)",
        "verification": "Independent verification",
        "verify.passed": "All {n} checks passed: this result was recomputed from the public record, "
        "and anyone can repeat the check.",
        "verify.failed": "VERIFICATION FAILED. The result below is not trustworthy.",
        "verify.failed_detail": "The record fails check(s) {steps}. Do not act on the result shown on this page; "
        "contact the election administrator.",
        "claimed": "Outcome claimed by the record (NOT verified, not trustworthy)",
        "step.pass": "pass",
        "step.fail": "FAIL",
        "how": "How to verify it yourself",
        "how.intro": "You need not trust the server or whoever made this page: the open-source linli tool "
        "recomputes everything from the election record.",
        "how.verify": "Verify the whole record (signed checkpoints, ledger integrity, every ballot's proofs, "
        "the decryption shares, the totals and the rules):",
        "how.pin": "and check that the log key is the one the server publishes:",
        "how.tamper": "Changing any value in the record makes verification fail. Try it:",
        "how.hash": "SHA-256 of entries.jsonl (compare with sha256sum):",
        "details": "Record details",
        "detail.origin": "Log origin",
        "detail.log_key": "Log key",
        "detail.root": "Ledger root (RFC 9162)",
        "detail.entries": "Entries",
        "detail.checkpoints": "Signed checkpoints",
        "detail.eligibility": "Eligibility",
        "eligibility.signing": "signed credentials",
        "eligibility.anonymous": "anonymous credentials (BBS)",
        "detail.trustees": "Trustees",
        "detail.threshold": "Decryption threshold",
        "detail.threshold_value": "{t} of {n}",
        "detail.shares_used": "Trustees who decrypted",
        "detail.modulus": "Key size",
        "footer": "Generated by linli report from the election record. This page loads no external resource.",
    },
}

_STEP_TITLES_ZH = {
    1: "记录格式",
    2: "检查点签名",
    3: "账本完整性",
    4: "选举设置、密钥仪式、选民名册与凭证",
    5: "投票规则（时段、凭证、重放、改票）",
    6: "选票证明（资格与有效性）",
    7: "密文汇总",
    8: "解密份额",
    9: "计票结果",
    10: "按规则判定结果",
}

_KINDS = ("referendum", "committee", "assembly")
_YES_NO_ABSTAIN = ("yes", "no", "abstain")


def _text(lang: str) -> dict[str, str]:
    if lang not in _TEXT:
        raise ValueError(f"unsupported language {lang!r}: expected one of {', '.join(LANGS)}")
    return {**_TEXT[lang], "lang": lang}


# -- exact number formatting (integers only) ------------------------------------------------------------------------
def _percent(num: int, den: int) -> str:
    """``num/den`` as a percentage with two decimals, rounded half up, by integer arithmetic."""
    if den <= 0:
        return "—"
    hundredths = (20000 * num + den) // (2 * den)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _m2(hundredths: int) -> str:
    """An area given in 0.01 m² as m² with two decimals (no float)."""
    sign = "-" if hundredths < 0 else ""
    value = abs(hundredths)
    return f"{sign}{value // 100:,}.{value % 100:02d}"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _ints(value: Any) -> list[int] | None:
    if not isinstance(value, list) or not all(_int(v) is not None for v in value):
        return None
    return list(value)


# -- the summary ----------------------------------------------------------------------------------------------------
class _Malformed(Exception):
    """The result entry does not have the documented shape (the verifier reports why)."""


def _entries(record: Record) -> list[Entry]:
    parsed = []
    for data in record.entries:
        try:
            parsed.append(Entry.from_bytes(data))
        except VotingError:
            continue  # the verifier's step 1 reports it
    return parsed


def _option_label(kind: str, name: str, t: dict[str, str]) -> str:
    if kind in ("referendum", "assembly") and name in _YES_NO_ABSTAIN:
        return t[f"option.{name}"]
    return name


def _election(definition: dict[str, Any]) -> dict[str, Any]:
    kind = _str(definition, "kind")
    trustees = definition.get("trustees")
    names = [_str(x, "name") for x in trustees if isinstance(x, dict)] if isinstance(trustees, list) else []
    options = definition.get("options")
    return {
        "id": _str(definition, "election_id"),
        "kind": kind,
        "title": _str(definition, "title"),
        "question": _str(definition, "question"),
        "description": _str(definition, "description"),
        "options": [o for o in options if isinstance(o, str)] if isinstance(options, list) else [],
        "seats": _int(definition.get("seats", 0)) or 0,
        "major": definition.get("major", False) is True,
        "eligibility": _str(definition, "eligibility"),
        "threshold": _int(definition.get("threshold")) or 0,
        "trustees": names,
        "modulus_bits": _int(definition.get("modulus_bits")) or 0,
    }


def _result(kind: str, body: dict[str, Any], election: dict[str, Any], t: dict[str, str]) -> dict[str, Any]:
    """The result entry, checked for shape, with exact turnout and shares."""
    options = body.get("options")
    totals = _ints(body.get("totals"))
    roll = _int(body.get("roll_size"))
    outcome = body.get("outcome")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise _Malformed("options")
    if totals is None or roll is None or not isinstance(outcome, dict) or any(v < 0 for v in totals) or roll < 0:
        raise _Malformed("totals, roll_size or outcome")
    width = 2 * len(options) if kind == "assembly" else len(options)
    if len(totals) != width:
        raise _Malformed("totals do not match the options")
    ballots = _int(body.get("ballots"))
    if ballots is None and kind == "referendum":
        ballots = sum(totals)
    if ballots is None and kind == "assembly":
        ballots = sum(totals[: len(options)])
    result: dict[str, Any] = {
        "options": options,
        "roll_size": roll,
        "ballots": ballots,
        "shares_used": _ints(body.get("shares_used")) or [],
        "reason": _str(outcome, "reason"),
        "turnout": None
        if ballots is None
        else {"ballots": ballots, "roll": roll, "fraction": f"{ballots}/{roll}", "percent": _percent(ballots, roll)},
    }
    if kind == "assembly":
        k = len(options)
        heads, area = totals[:k], totals[k:]
        roll_area = _int(body.get("roll_area")) or 0
        head_sum, area_sum = sum(heads), sum(area)
        result["totals"] = [
            {
                "option": name,
                "label": _option_label(kind, name, t),
                "heads": h,
                "heads_percent": _percent(h, head_sum),
                "area": a,
                "area_m2": _m2(a),
                "area_percent": _percent(a, area_sum),
            }
            for name, h, a in zip(options, heads, area, strict=True)
        ]
        result["roll_area"] = roll_area
        result["area_turnout"] = {
            "area": area_sum,
            "roll_area": roll_area,
            "area_m2": _m2(area_sum),
            "roll_area_m2": _m2(roll_area),
            "fraction": f"{area_sum}/{roll_area}",
            "percent": _percent(area_sum, roll_area),
        }
    else:
        result["totals"] = [
            {
                "option": name,
                "label": _option_label(kind, name, t),
                "votes": v,
                "percent": None if ballots is None else _percent(v, ballots),
            }
            for name, v in zip(options, totals, strict=True)
        ]
    valid = outcome.get("valid")
    if not isinstance(valid, bool):
        raise _Malformed("outcome.valid")
    if kind not in _KINDS:
        parsed: ElectionDefinition = election["_definition"]
        try:
            words = parsed.kind_rules.describe_outcome(parsed, outcome, t["lang"])
        except (KeyError, IndexError, TypeError) as e:
            raise _Malformed(f"outcome of a {kind}") from e
        result["outcome"] = {"valid": valid, "status": "decided" if valid else "void", "words": words, "rule": ""}
        return result
    if kind == "committee":
        elected = _ints(outcome.get("elected"))
        runoff = _ints(outcome.get("runoff_candidates"))
        seats = _int(outcome.get("runoff_seats"))
        if (
            elected is None
            or runoff is None
            or seats is None
            or not all(0 <= j < len(options) for j in elected + runoff)
        ):
            raise _Malformed("outcome of a committee election")
        status = "void" if not valid else ("runoff" if seats else "elected")
        result["outcome"] = {
            "valid": valid,
            "status": status,
            "elected": elected,
            "elected_names": [options[j] for j in elected],
            "runoff_seats": seats,
            "runoff_candidates": runoff,
            "runoff_names": [options[j] for j in runoff],
        }
    else:
        passed = outcome.get("passed")
        if not isinstance(passed, bool):
            raise _Malformed("outcome.passed")
        status = "void" if not valid else ("passed" if passed else "not_passed")
        result["outcome"] = {"valid": valid, "passed": passed, "status": status}
    result["outcome"]["words"] = _outcome_words(result["outcome"], t)
    result["outcome"]["rule"] = _rule_words(kind, result, election, t)
    return result


def _elected_words(outcome: dict[str, Any], t: dict[str, str]) -> str:
    names = outcome["elected_names"]
    return t["elected"] + (t["list_sep"].join(names) if names else t["nobody_elected"])


def _runoff_words(outcome: dict[str, Any], t: dict[str, str]) -> str:
    return t["runoff"].format(seats=outcome["runoff_seats"], names=t["list_sep"].join(outcome["runoff_names"]))


def _outcome_words(outcome: dict[str, Any], t: dict[str, str]) -> str:
    """The outcome as one sentence (the JSON summary); the page shows the same parts on separate lines."""
    status = outcome["status"]
    words = [t[f"outcome.{status}"]]
    if status in ("elected", "runoff"):
        words.append(_elected_words(outcome, t))
    if status == "runoff":
        words.append(_runoff_words(outcome, t))
    return t["sep"].join(words)


def _rule_words(kind: str, result: dict[str, Any], election: dict[str, Any], t: dict[str, str]) -> str:
    if kind not in _KINDS:
        return ""  # the kind's own description of the outcome carries its rule
    ballots = result["ballots"]
    shown_ballots = "?" if ballots is None else str(ballots)
    if kind == "committee":
        return t["rule.committee"].format(ballots=shown_ballots, roll=result["roll_size"], seats=election["seats"])
    if kind == "assembly":
        heads = sum(row["heads"] for row in result["totals"])
        return t["rule.assembly"].format(
            heads=heads,
            owners=result["roll_size"],
            area=result["area_turnout"]["area_m2"],
            total_area=result["area_turnout"]["roll_area_m2"],
            need=t["need.major" if election["major"] else "need.ordinary"],
        )
    yes = result["totals"][0]["votes"] if result["totals"] else 0
    return t["rule.referendum"].format(ballots=shown_ballots, roll=result["roll_size"], yes=yes)


def _log(record: Record) -> dict[str, Any]:
    root = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in record.entries]).root()
    return {
        "origin": record.origin,
        "log_key": record.log_key,
        "entries": len(record.entries),
        "checkpoints": len(record.checkpoints),
        "root": root.hex(),
        "entries_sha256": hashlib.sha256(b"".join(e + b"\n" for e in record.entries)).hexdigest(),
    }


def _commands(record_dir: str, record: Record, t: dict[str, str]) -> list[dict[str, str]]:
    d = shlex.quote(record_dir)
    tampered = shlex.quote(record_dir.rstrip("/") + "-tampered")
    return [
        {"explain": t["how.verify"], "command": f"linli verify {d}"},
        {"explain": t["how.pin"], "command": f"linli verify {d} --log-key {shlex.quote(record.log_key)}"},
        {
            "explain": t["how.tamper"],
            "command": f"cp -r {d} {tampered}\n"
            f'sed -i \'1s/"title":"/"title":"X/\' {tampered}/entries.jsonl\n'
            f"linli verify {tampered}   # → VERIFICATION FAILED",
        },
        {"explain": t["how.hash"], "command": f"sha256sum {d}/entries.jsonl"},
    ]


def build_report(record: Record, report: Report, lang: str = "zh", *, record_dir: str = "RECORD_DIR") -> dict[str, Any]:
    """A JSON-ready summary of a record and its verification report, with words in ``lang`` ("zh" or "en")."""
    t = _text(lang)
    entries = _entries(record)
    created = next((e for e in entries if e.kind is EntryKind.ELECTION_CREATED), None)
    definition = created.body.get("election") if created is not None else None
    election = _election(definition if isinstance(definition, dict) else {})
    if not election["id"]:
        election["id"] = record.election_id
    # A kind the page has no special layout for is shown by its own words (voting.kinds): totals per option and
    # the outcome as the kind describes it.
    kind = election["kind"] if election["kind"] in _KINDS or election["kind"] in KINDS else "referendum"
    if kind not in _KINDS:
        try:
            election["_definition"] = ElectionDefinition.from_json(definition)
        except VotingError:
            kind = "referendum"
    results = [e for e in entries if e.kind is EntryKind.RESULT]
    result: dict[str, Any] | None = None
    status = "pending"
    if results:
        try:
            result = _result(kind, results[-1].body, election, t)
            status = result["outcome"]["status"]
        except _Malformed:
            status = "malformed"
    failed = [s.number for s in report.steps if not s.passed]
    return {
        "format": REPORT_FORMAT,
        "lang": lang,
        "election": election,
        "verification": {
            "passed": report.passed,
            "failed_steps": failed,
            "steps": [
                {
                    "step": s.number,
                    "title": _STEP_TITLES_ZH.get(s.number, s.title) if lang == "zh" else s.title,
                    "passed": s.passed,
                    "detail": s.detail,
                    "errors": list(s.errors),
                }
                for s in report.steps
            ],
        },
        "trustworthy": report.passed and result is not None,
        "status": status,
        "status_words": t[f"outcome.{status}"] if result is None else result["outcome"]["words"],
        "result": result,
        "log": _log(record),
        "verify_commands": _commands(record_dir, record, t),
    }


# -- the page -------------------------------------------------------------------------------------------------------
def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
:root{--ink:#1d2330;--muted:#5b6473;--line:#dde2ea;--bg:#f5f7fa;--card:#fff;--ok:#1f7a3f;--bad:#b42318;
--yes:#2e8b57;--no:#c0392b;--abst:#8a94a6;--win:#2563eb;--run:#d97706;--plain:#94a3b8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);line-height:1.55;
font-family:-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC",
"Microsoft YaHei","WenQuanYi Micro Hei",system-ui,"Segoe UI",Roboto,sans-serif;font-size:16px}
main{max-width:760px;margin:0 auto;padding:16px}
header .brand{color:var(--muted);font-size:.9rem;margin:8px 0 4px}
h1{font-size:1.6rem;margin:0 0 8px;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:0 0 12px}
h3{font-size:1rem;margin:16px 0 8px;color:var(--muted)}
.meta{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px;margin:16px 0}
.question{font-size:1.1rem;overflow-wrap:anywhere}
.desc{white-space:pre-wrap;color:var(--muted);overflow-wrap:anywhere}
.alert{background:#fef3f2;border:2px solid var(--bad);color:var(--bad);border-radius:12px;padding:16px;margin:16px 0}
.alert strong{font-size:1.25rem;display:block}
.okbar{background:#ecfdf3;border:1px solid #abefc6;color:var(--ok);border-radius:12px;padding:12px 16px;margin:16px 0}
.headline{font-size:2rem;font-weight:700;margin:4px 0;overflow-wrap:anywhere}
.headline.passed,.headline.elected{color:var(--ok)}
.headline.not_passed,.headline.void,.headline.malformed{color:var(--bad)}
.headline.runoff{color:var(--run)}
.headline.pending{color:var(--muted)}
.untrusted .headline{color:var(--muted);text-decoration:line-through}
.claimed{color:var(--bad);font-weight:700}
.line-elected{font-size:1.2rem;font-weight:700;margin:4px 0;overflow-wrap:anywhere}
.line-runoff{font-size:1.05rem;color:var(--run);font-weight:600;margin:4px 0;overflow-wrap:anywhere}
.untrusted .line-elected,.untrusted .line-runoff{color:var(--muted)}
.untrusted svg,.untrusted table{opacity:.45}
.rule{color:var(--muted);font-size:.9rem}
.reason{font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}
svg{display:block;width:100%;max-width:460px;height:auto;margin:8px 0}
svg text{font-family:inherit}
.b-yes{fill:var(--yes)}.b-no{fill:var(--no)}.b-abstain{fill:var(--abst)}.b-win{fill:var(--win)}
.b-runoff{fill:var(--run)}.b-plain{fill:var(--plain)}.b-track{fill:#eef1f5}.b-turnout{fill:var(--win)}
.b-mark{stroke:var(--ink);stroke-width:2;stroke-dasharray:4 3}
.t-label{font-size:14px;fill:var(--ink)}.t-value{font-size:13px;fill:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
ol.steps{padding-left:0;list-style:none;margin:0}
ol.steps li{padding:8px 0;border-bottom:1px solid var(--line)}
.mark{display:inline-block;min-width:3.2em;font-weight:700}
.pass .mark{color:var(--ok)}.fail .mark{color:var(--bad)}
.detail{display:block;color:var(--muted);font-size:.85rem;overflow-wrap:anywhere}
.error{display:block;color:var(--bad);font-size:.85rem;overflow-wrap:anywhere}
pre{background:#0f172a;color:#e2e8f0;border-radius:8px;padding:12px;overflow-x:auto;font-size:.85rem;margin:6px 0 14px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
dl{display:grid;grid-template-columns:minmax(8em,max-content) 1fr;gap:6px 12px;margin:0;font-size:.9rem}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere;font-family:ui-monospace,Menlo,Consolas,monospace}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin:24px 0}
@media (max-width:480px){main{padding:10px}.card{padding:12px}h1{font-size:1.35rem}.headline{font-size:1.6rem}
dl{grid-template-columns:1fr}dd{margin-bottom:6px}}
"""

_CHART_WIDTH = 340  # about a phone's content width, so the text keeps its size there
_ROW_HEIGHT = 50


def _text_width(text: str, size: int) -> int:
    """A rough rendered width: CJK and other wide characters take 1 em, others about 0.6 em."""
    return sum(size if ord(c) >= 0x2E80 else (size * 3) // 5 for c in text)


def _fit(text: str, width: int, size: int) -> str:
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _bar_chart(caption: str, rows: Sequence[tuple[str, int, str, str]]) -> str:
    """A horizontal bar chart as inline SVG: per row (label, value, value text, bar class). The label and the
    exact value sit above each bar; bar lengths are integer pixels proportional to the values."""
    top = max((v for _, v, _, _ in rows), default=0)
    height = _ROW_HEIGHT * len(rows) + 4
    parts = [
        f'<svg viewBox="0 0 {_CHART_WIDTH} {height}" role="img" aria-label="{_e(caption)}">',
        f"<title>{_e(caption)}</title>",
    ]
    for i, (label, value, value_text, css) in enumerate(rows):
        y = i * _ROW_HEIGHT
        value_room = _text_width(value_text, 13) + 12
        shown = _fit(label, _CHART_WIDTH - value_room, 14)
        bar = (value * _CHART_WIDTH) // top if top else 0
        if value and bar < 2:
            bar = 2
        parts.append(
            f'<text class="t-label" x="0" y="{y + 18}">{_e(shown)}</text>'
            f'<text class="t-value" x="{_CHART_WIDTH}" y="{y + 18}" text-anchor="end">{_e(value_text)}</text>'
            f'<rect class="b-track" x="0" y="{y + 25}" width="{_CHART_WIDTH}" height="18" rx="4"/>'
            f'<rect class="b-{css}" x="0" y="{y + 25}" width="{bar}" height="18" rx="4"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _turnout_bar(caption: str, num: int, den: int, mark_num: int, mark_den: int, mark_text: str) -> str:
    """Turnout as a bar with the legal threshold (mark_num/mark_den of the total) drawn as a dashed line."""
    w = _CHART_WIDTH
    bar = min(w, (num * w) // den) if den > 0 else 0
    mark = (mark_num * w) // mark_den
    return (
        f'<svg viewBox="0 0 {w} 44" role="img" aria-label="{_e(caption)}"><title>{_e(caption)}</title>'
        f'<rect class="b-track" x="0" y="4" width="{w}" height="20" rx="4"/>'
        f'<rect class="b-turnout" x="0" y="4" width="{bar}" height="20" rx="4"/>'
        f'<line class="b-mark" x1="{mark}" y1="0" x2="{mark}" y2="28"/>'
        f'<text class="t-value" x="{mark}" y="42" text-anchor="middle">{_e(mark_text)}</text></svg>'
    )


def _bar_class(kind: str, name: str, index: int, outcome: dict[str, Any]) -> str:
    if kind == "committee":
        if index in outcome.get("elected", []):
            return "win"
        return "runoff" if index in outcome.get("runoff_candidates", []) else "plain"
    return name if name in _YES_NO_ABSTAIN else "plain"


def _localized_rule(summary: dict[str, Any], t: dict[str, str]) -> str:
    """The rule in the page's language (the summary may have been built in another)."""
    result = summary.get("result")
    if result is None:
        return ""
    kind = summary["election"]["kind"]
    relabelled = dict(result, totals=[dict(r, label=_option_label(kind, r["option"], t)) for r in result["totals"]])
    return _rule_words(kind, relabelled, summary["election"], t)


def _card(summary: dict[str, Any], t: dict[str, str], anchor: str, title: str) -> str:
    """A section's opening; the result's sections of a record that failed verification are greyed and labelled."""
    if summary["verification"]["passed"]:
        return f'<section class="card" id="{anchor}"><h2>{_e(title)}</h2>'
    return (
        f'<section class="card untrusted" id="{anchor}"><h2>{_e(title)}</h2><p class="claimed">{_e(t["claimed"])}</p>'
    )


def _section_outcome(summary: dict[str, Any], t: dict[str, str]) -> str:
    rule = _localized_rule(summary, t)
    status = summary["status"]
    result = summary.get("result")
    out = [_card(summary, t, "outcome", t["outcome"])]
    out.append(f'<p class="headline {_e(status)}">{_e(t[f"outcome.{status}"])}</p>')
    if result is not None and status == "decided":
        out.append(f'<p class="line-elected">{_e(result["outcome"]["words"])}</p>')
    if result is not None and status in ("elected", "runoff"):
        out.append(f'<p class="line-elected">{_e(_elected_words(result["outcome"], t))}</p>')
    if result is not None and status == "runoff":
        out.append(f'<p class="line-runoff">{_e(_runoff_words(result["outcome"], t))}</p>')
    if summary["election"]["kind"] == "assembly":
        out.append(f'<p class="rule">{_e(t["major" if summary["election"]["major"] else "ordinary"])}</p>')
    if rule:
        out.append(f'<p class="rule">{_e(rule)}</p>')
    if result is not None and result.get("reason"):
        out.append(f'<p class="reason">{_e(t["record_reason"])}: {_e(result["reason"])}</p>')
    out.append("</section>")
    return "".join(out)


def _section_turnout(summary: dict[str, Any], t: dict[str, str]) -> str:
    result = summary.get("result")
    if result is None:
        return ""
    kind = summary["election"]["kind"]
    out = [_card(summary, t, "turnout", t["turnout"])]
    if kind == "assembly":
        heads = sum(r["heads"] for r in result["totals"])
        owners = result["roll_size"]
        at = result["area_turnout"]
        mark = t["threshold_mark"].format(mark="2/3")
        area_text = t["turnout.area"].format(area=at["area_m2"], total_area=at["roll_area_m2"])
        out.append(
            f"<p><strong>{_e(_percent(heads, owners))}</strong> · "
            f"{_e(t['turnout.heads'].format(heads=heads, owners=owners))} ({_e(f'{heads}/{owners}')})</p>"
            + _turnout_bar(t["turnout.heads"].format(heads=heads, owners=owners), heads, owners, 2, 3, mark)
            + f"<p><strong>{_e(at['percent'])}</strong> · "
            f"{_e(area_text)}</p>" + _turnout_bar(area_text, at["area"], at["roll_area"], 2, 3, mark)
        )
    elif result["turnout"] is None:
        out.append(f'<p class="meta">{_e(t["turnout.unknown"])}</p>')
    else:
        to = result["turnout"]
        text = t["turnout.ballots"].format(ballots=to["ballots"], roll=to["roll"])
        out.append(
            f"<p><strong>{_e(to['percent'])}</strong> · {_e(text)} ({_e(to['fraction'])})</p>"
            + _turnout_bar(text, to["ballots"], to["roll"], 1, 2, t["threshold_mark"].format(mark="1/2"))
        )
    out.append("</section>")
    return "".join(out)


def _section_totals(summary: dict[str, Any], t: dict[str, str]) -> str:
    result = summary.get("result")
    if result is None:
        return ""
    kind = summary["election"]["kind"]
    outcome = result["outcome"]
    rows = result["totals"]
    labels = [_option_label(kind, r["option"], t) for r in rows]
    classes = [_bar_class(kind, r["option"], i, outcome) for i, r in enumerate(rows)]
    out = [_card(summary, t, "totals", t["totals"])]
    if kind == "assembly":
        out.append(f"<h3>{_e(t['chart.heads'])}</h3>")
        out.append(
            _bar_chart(
                t["chart.heads"],
                [
                    (lb, r["heads"], f"{r['heads']} ({r['heads_percent']})", c)
                    for lb, r, c in zip(labels, rows, classes, strict=True)
                ],
            )
        )
        out.append(f"<h3>{_e(t['chart.area'])}</h3>")
        out.append(
            _bar_chart(
                t["chart.area"],
                [
                    (lb, r["area"], f"{r['area_m2']} m² ({r['area_percent']})", c)
                    for lb, r, c in zip(labels, rows, classes, strict=True)
                ],
            )
        )
        out.append(
            f"<table><thead><tr><th>{_e(t['col.option'])}</th><th class=num>{_e(t['col.heads'])}</th>"
            f"<th class=num>{_e(t['col.area'])}</th></tr></thead><tbody>"
        )
        for lb, r in zip(labels, rows, strict=True):
            out.append(
                f"<tr><td>{_e(lb)}</td><td class=num>{_e(r['heads'])}</td><td class=num>{_e(r['area_m2'])}</td></tr>"
            )
    else:
        caption = t["chart.candidates" if kind == "committee" else "chart.votes"]
        out.append(
            _bar_chart(
                caption,
                [
                    (lb, r["votes"], str(r["votes"]) + (f" ({r['percent']})" if r["percent"] else ""), c)
                    for lb, r, c in zip(labels, rows, classes, strict=True)
                ],
            )
        )
        column = t["col.candidate" if kind == "committee" else "col.option"]
        out.append(
            f"<table><thead><tr><th>{_e(column)}</th><th class=num>{_e(t['col.votes'])}</th>"
            f"<th class=num>{_e(t['col.share'])}</th></tr></thead><tbody>"
        )
        for lb, r in zip(labels, rows, strict=True):
            out.append(
                f"<tr><td>{_e(lb)}</td><td class=num>{_e(r['votes'])}</td>"
                f"<td class=num>{_e(r['percent'] or '—')}</td></tr>"
            )
    out.append("</tbody></table></section>")
    return "".join(out)


def _section_verification(summary: dict[str, Any], t: dict[str, str], lang: str) -> str:
    v = summary["verification"]
    out = [f'<section class="card" id="verification"><h2>{_e(t["verification"])}</h2><ol class="steps">']
    for s in v["steps"]:
        title = _STEP_TITLES_ZH.get(s["step"], s["title"]) if lang == "zh" else s["title"]
        cls, mark = ("pass", "✓ " + t["step.pass"]) if s["passed"] else ("fail", "✗ " + t["step.fail"])
        out.append(f'<li class="{cls}"><span class="mark">{_e(mark)}</span> {_e(s["step"])}. {_e(title)}')
        if s["detail"]:
            out.append(f'<span class="detail">{_e(s["detail"])}</span>')
        out.extend(f'<span class="error">! {_e(err)}</span>' for err in s["errors"])
        out.append("</li>")
    out.append("</ol></section>")
    return "".join(out)


def _section_how(summary: dict[str, Any], t: dict[str, str]) -> str:
    out = [f'<section class="card" id="how"><h2>{_e(t["how"])}</h2><p>{_e(t["how.intro"])}</p>']
    explain = {  # the page's language, whatever language the summary was built in
        0: t["how.verify"],
        1: t["how.pin"],
        2: t["how.tamper"],
        3: t["how.hash"],
    }
    for i, c in enumerate(summary["verify_commands"]):
        out.append(f"<p>{_e(explain.get(i, c['explain']))}</p><pre><code>{_e(c['command'])}</code></pre>")
    out.append(f"<p class=meta><code>{_e(summary['log']['entries_sha256'])}</code></p></section>")
    return "".join(out)


def _section_details(summary: dict[str, Any], t: dict[str, str]) -> str:
    election, log, result = summary["election"], summary["log"], summary.get("result")
    eligibility = election["eligibility"]
    rows = [
        (t["election_id"], election["id"]),
        (t["detail.origin"], log["origin"]),
        (t["detail.log_key"], log["log_key"]),
        (t["detail.root"], log["root"]),
        (t["detail.entries"], log["entries"]),
        (t["detail.checkpoints"], log["checkpoints"]),
        (t["detail.eligibility"], t.get(f"eligibility.{eligibility}", eligibility)),
        (t["detail.trustees"], ", ".join(election["trustees"])),
        (
            t["detail.threshold"],
            t["detail.threshold_value"].format(t=election["threshold"], n=len(election["trustees"])),
        ),
    ]
    if result is not None:
        rows.append((t["detail.shares_used"], ", ".join(str(i) for i in result["shares_used"])))
    if election["modulus_bits"]:
        rows.append((t["detail.modulus"], f"{election['modulus_bits']} bit"))
    body = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<section class="card" id="details"><h2>{_e(t["details"])}</h2><dl>{body}</dl></section>'


def render_html(summary: dict[str, Any], lang: str = "zh") -> str:
    """One self-contained HTML page (inline CSS and SVG, no external resource) for a :func:`build_report` summary."""
    t = _text(lang)
    election = summary["election"]
    v = summary["verification"]
    known = KINDS.get(election["kind"])
    fallback = t["kind.unknown"] if known is None else (known.title_zh if lang == "zh" else known.title_en)
    kind_label = t.get(f"kind.{election['kind']}", fallback)
    title = election["title"] or election["id"]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{t["html_lang"]}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} — {_e(t['brand'])}</title><style>{_CSS}</style></head><body><main>",
        f'<header><p class="brand">{_e(t["brand"])} · {_e(kind_label)}</p><h1>{_e(title)}</h1>',
        f'<p class="meta">{_e(t["election_id"])}: {_e(election["id"])}</p></header>',
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
    parts.append(_section_outcome(summary, t))
    parts.append(_section_turnout(summary, t))
    parts.append(_section_totals(summary, t))
    parts.append(_section_verification(summary, t, lang))
    parts.append(_section_how(summary, t))
    parts.append(_section_details(summary, t))
    parts.append(f"<footer>{_e(t['footer'])}</footer></main></body></html>\n")
    return "".join(parts)


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
    _text(lang)  # reject an unsupported language before the (long) verification
    record = read_record(record_dir)
    report = check_record(record, min_modulus_bits=min_modulus_bits, workers=workers)
    summary = build_report(record, report, lang, record_dir=str(record_dir))
    out.write_text(render_html(summary, lang), encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return report.passed
