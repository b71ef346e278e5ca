"""The result report: a summary and one self-contained page per record, in Chinese and English, built from the
verifier's replayed state. Record strings are escaped, numbers are exact, and a record that fails verification is
never presented as trustworthy."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.catalogue import step_title, text
from client.record import Record, read_record, write_record
from client.report import build_report, render_html, write_report
from client.report.summary import m2 as _m2
from client.report.summary import percent as _percent
from client.verifier import STEP_TITLES, Report, Step, check_record
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from tests.factories import make_election, make_record
from voting.election import (
    REFERENDUM_OPTIONS,
    ElectionDefinition,
    ElectionKind,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
    Trustee,
    fingerprint,
)
from voting.kinds import KINDS
from voting.records import Entry, EntryKind, Role, sign_statement
from voting.state import CastRecord, ElectionState, Phase

EVIL = '<script>alert("x")</script> & Co'


# -- synthetic replayed states (the verifier's verdict is faked: these test the presentation) ------------------
def _definition(kind: str, options: list[str] | tuple[str, ...], **extra: Any) -> ElectionDefinition:
    return ElectionDefinition(
        election_id="e-1",
        kind=kind,
        title=EVIL,
        question="Repaint the <b>gate</b>?",
        description="line one\nline two",
        options=tuple(options),
        eligibility=EligibilityMode.SIGNING,
        revote=RevotePolicy.LAST_COUNTS,
        threshold=2,
        trustees=tuple(Trustee(i, f"trustee-{i}", bytes([i]) * 32) for i in (1, 2, 3)),
        admin_key=b"\x0a" * 32,
        registrar_key=b"\x0b" * 32,
        modulus_bits=3072,
        **extra,
    )


@dataclasses.dataclass
class Case:
    record: Record
    state: ElectionState


def _case(
    definition: ElectionDefinition,
    outcome: dict[str, Any] | None,
    totals: list[int] = (),  # type: ignore[assignment]
    roll: int = 0,
    ballots: int = 0,
    *,
    roll_area: int = 0,
    shares: tuple[int, ...] = (1, 3),
    cast: int | None = None,
) -> Case:
    """A record whose replay reached ``outcome`` (published), or stopped before the result (``outcome`` None)."""
    created = sign_statement(
        EntryKind.ELECTION_CREATED, "e-1", {"election": definition.to_json()}, SigningKey.generate(), Role.ADMIN
    )
    state = ElectionState(
        definition=definition,
        election_hash=hashlib.sha256(created.to_bytes()).digest(),
        phase=Phase.PUBLISHED if outcome is not None else Phase.CLOSED,
        totals=tuple(totals),
        outcome=outcome,
        roll_area=roll_area,
        ballots_cast=ballots if cast is None else cast,
    )
    state.roll = {f"unit-{i}": RollEntry(f"unit-{i}") for i in range(roll)}
    state.counted = {bytes([i]): CastRecord(i, bytes([i]), ()) for i in range(ballots)}
    state.shares = dict.fromkeys(shares)  # type: ignore[arg-type]  # only the trustees' indexes are shown
    record = make_record([created.to_bytes()], NoteSigner.generate("linli-test"), election_id="e-1")
    return Case(record, state)


def _verdict(case: Case, failed: tuple[int, ...] = (), stopped: EntryKind | None = None) -> Report:
    steps = [Step(n, title, passed=n not in failed, detail=f"detail {n}") for n, title in STEP_TITLES.items()]
    for n in failed:
        steps[n - 1].errors.append("entry 7 <img src=x onerror=alert(1)>: bad proof")
    fp = fingerprint(case.state.election_hash)
    return Report("e-1", steps, fingerprint=fp, state=case.state, stopped=stopped)


def _summary(case: Case, lang: str = "zh", failed: tuple[int, ...] = (), **kw: Any) -> dict[str, Any]:
    return build_report(case.record, _verdict(case, failed, **kw), lang)


def _referendum(totals: list[int], roll: int, valid: bool, passed: bool, **kw: Any) -> Case:
    outcome = {"valid": valid, "passed": passed, "reason": "the <rules> say so"}
    return _case(_definition("referendum", REFERENDUM_OPTIONS), outcome, totals, roll, sum(totals), **kw)


CANDIDATES = ["Wang <Wei>", "李娜", "Zhang & Sons", "陈静"]


def _committee(outcome: dict[str, Any], votes: list[int], ballots: int = 10, roll: int = 12) -> Case:
    return _case(_definition("committee", CANDIDATES, seats=2), {"reason": "rules", **outcome}, votes, roll, ballots)


def _assembly(heads: list[int], area: list[int], major: bool, passed: bool) -> Case:
    outcome = {"valid": True, "passed": passed, "reason": "rules"}
    definition = _definition("assembly", REFERENDUM_OPTIONS, major=major)
    return _case(definition, outcome, heads + area, 10, sum(heads), roll_area=1_000_000, shares=(2, 3))


def _headline(page: str) -> tuple[str, str]:
    m = re.search(r'<p class="headline (\w+)">(.*?)</p>', page)
    assert m is not None
    return m.group(1), m.group(2)


def _self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page and 'name="viewport"' in page
    # no external resource: no URL scheme, and no protocol-relative reference in an attribute (base64 keys in the
    # page's text may contain "//")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?//""", re.sub(r"<pre>.*?</pre>", "", page))
    assert "<link" not in page and "src=" not in page.replace("src=x", "")  # only the escaped attack text
    assert "<svg" in page and "<script" not in page and "<img" not in page


# -- referendum -----------------------------------------------------------------------------------------------------
def test_referendum_page_in_both_languages() -> None:
    record = _referendum([7, 2, 1], 12, valid=True, passed=True)
    for lang, html_lang, word in (("zh", "zh-CN", "通过"), ("en", "en", "PASSED")):
        summary = _summary(record, lang)
        page = render_html(summary, lang)
        _self_contained(page)
        assert f'<html lang="{html_lang}">' in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
        assert "Repaint the &lt;b&gt;gate&lt;/b&gt;?" in page and "the &lt;rules&gt; say so" in page
        assert _headline(page) == ("passed", word)
        assert summary["status"] == "passed" and summary["trustworthy"] is True
        assert summary["result"]["turnout"] == {"ballots": 10, "roll": 12, "fraction": "10/12", "percent": "83.33%"}
        assert [(r["option"], r["votes"]) for r in summary["result"]["totals"]] == [
            ("yes", 7),
            ("no", 2),
            ("abstain", 1),
        ]
        for votes, percent in ((7, "70.00%"), (2, "20.00%"), (1, "10.00%")):
            assert f"{votes} ({percent})" in page
        assert "83.33%" in page and "linli verify RECORD_DIR" in page
    zh = render_html(_summary(record, "zh"), "zh")
    assert "赞成" in zh and "反对" in zh and "弃权" in zh and "如何自行验证" in zh
    en = render_html(_summary(record, "en"), "en")
    assert "How to verify it yourself" in en and "赞成" not in en


def test_referendum_not_passed_and_void() -> None:
    not_passed = render_html(_summary(_referendum([3, 4, 1], 12, True, False), "zh"), "zh")
    assert _headline(not_passed) == ("not_passed", "未通过")
    void = _summary(_referendum([3, 1, 1], 12, False, False), "en")
    assert void["status"] == "void"
    assert _headline(render_html(void, "en"))[0] == "void"
    assert "VOID" in _headline(render_html(void, "en"))[1]
    assert "无效" in _headline(render_html(void, "zh"))[1]


def test_turnout_counts_the_counted_ballots_not_every_ballot_cast() -> None:
    summary = _summary(_referendum([5, 1, 0], 8, True, True, cast=9), "en")  # three re-votes replaced earlier ballots
    assert summary["result"]["ballots"] == 6 and summary["result"]["turnout"]["fraction"] == "6/8"
    assert summary["replay"] == {
        "phase": "published",
        "stopped_at": None,
        "roll_size": 8,
        "ballots_cast": 9,
        "ballots_counted": 6,
        "shares": [1, 3],
    }
    assert "<dd>9 / 6</dd>" in render_html(summary, "en")


def test_page_follows_its_own_language_not_the_summarys() -> None:
    summary = _summary(_referendum([7, 2, 1], 12, True, True), "en")
    page = render_html(summary, "zh")
    assert _headline(page) == ("passed", "通过") and "PASSED" not in page and "Yes" not in page


# -- committee ------------------------------------------------------------------------------------------------------
def test_committee_elected_and_runoff() -> None:
    filled = _committee({"valid": True, "elected": [1, 0], "runoff_seats": 0, "runoff_candidates": []}, [6, 8, 3, 2])
    summary = _summary(filled, "en")
    assert summary["status"] == "elected" and summary["result"]["outcome"]["elected_names"] == ["李娜", "Wang <Wei>"]
    page = render_html(summary, "en")
    _self_contained(page)
    assert _headline(page) == ("elected", "All seats filled") and "Wang <Wei>" not in page
    assert '<p class="line-elected">Elected (by rank): 李娜, Wang &lt;Wei&gt;</p>' in page
    assert summary["result"]["outcome"]["words"] == "All seats filled; Elected (by rank): 李娜, Wang <Wei>"
    assert "Zhang &amp; Sons" in page and page.count('class="b-win"') == 2
    assert "8 (80.00%)" in page and "6 (60.00%)" in page

    runoff = _committee({"valid": True, "elected": [1], "runoff_seats": 1, "runoff_candidates": [0, 2]}, [5, 8, 5, 2])
    zh = render_html(_summary(runoff, "zh"), "zh")
    assert _headline(zh) == ("runoff", "需要另行选举")
    assert '<p class="line-elected">当选（按得票排序）：李娜</p>' in zh
    assert '<p class="line-runoff">需另行选举 1 个席位，涉及候选人：Wang &lt;Wei&gt;、Zhang &amp; Sons</p>' in zh
    assert zh.count('class="b-runoff"') == 2 and zh.count('class="b-plain"') == 1
    en = render_html(_summary(runoff, "en"), "en")
    assert (
        '<p class="line-runoff">A runoff is needed for 1 seat(s), among: Wang &lt;Wei&gt;, Zhang &amp; Sons</p>' in en
    )


def test_committee_void() -> None:
    void = _committee(
        {"valid": False, "elected": [], "runoff_seats": 2, "runoff_candidates": [1, 0, 2, 3]}, [3, 4, 1, 0], 5
    )
    summary = _summary(void, "zh")
    assert summary["status"] == "void" and summary["result"]["turnout"]["percent"] == "41.67%"


def test_long_candidate_names_are_shortened_in_the_chart_only() -> None:
    long_name = "张" * 60
    outcome = {"valid": True, "elected": [0], "runoff_seats": 0, "runoff_candidates": [], "reason": ""}
    case = _case(_definition("committee", [long_name, "B"], seats=1), outcome, [3, 1], 4, 4)
    page = render_html(_summary(case))
    svg = page[page.index("<svg", page.index('id="totals"')) : page.index("</svg>", page.index('id="totals"'))]
    assert long_name not in svg and "…" in svg
    assert f"<td>{long_name}</td>" in page


# -- assembly -------------------------------------------------------------------------------------------------------
def test_assembly_two_charts_with_exact_areas() -> None:
    record = _assembly([6, 1, 1], [512_345, 150_005, 100_000], major=True, passed=True)
    summary = _summary(record, "en")
    rows = summary["result"]["totals"]
    assert [r["area_m2"] for r in rows] == ["5,123.45", "1,500.05", "1,000.00"]
    assert summary["result"]["area_turnout"]["area_m2"] == "7,623.50"
    assert summary["result"]["area_turnout"]["percent"] == "76.24%"  # 762350 / 1000000, rounded half up
    page = render_html(summary, "en")
    _self_contained(page)
    totals = page[page.index('id="totals"') :]
    assert totals.count("<svg") == 2
    assert "By owners" in page and "By exclusive area" in page and "three quarters" in page
    assert "5,123.45 m² (67.21%)" in page and "6 (75.00%)" in page
    zh = render_html(_summary(record, "zh"), "zh")
    assert "按人数" in zh and "按专有部分面积" in zh and "四分之三" in zh and _headline(zh) == ("passed", "通过")
    ordinary = render_html(_summary(_assembly([4, 3, 1], [1, 2, 3], False, False), "en"), "en")
    assert "more than half" in ordinary and _headline(ordinary) == ("not_passed", "NOT PASSED")


@given(st.integers(0, 10**12))
def test_area_shown_is_the_exact_hundredths(hundredths: int) -> None:
    shown = _m2(hundredths)
    whole, frac = shown.split(".")
    assert len(frac) == 2 and int(whole.replace(",", "")) * 100 + int(frac) == hundredths


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_percent_is_exact_and_rounded_half_up(num: int, den: int) -> None:
    value = Fraction(100 * num, den)
    hundredths = int(value * 100 + Fraction(1, 2))  # floor(x + 1/2): round half up
    assert _percent(num, den) == f"{hundredths // 100}.{hundredths % 100:02d}%"


# -- verification failures and odd records --------------------------------------------------------------------------
def test_failed_verification_is_prominent_and_the_outcome_untrusted() -> None:
    record = _referendum([7, 2, 1], 12, True, True)
    for lang, warning, claimed in (
        ("zh", "验证未通过！以下结果不可信。", "未通过验证，不可信"),
        ("en", "VERIFICATION FAILED. The result below is not trustworthy.", "NOT verified, not trustworthy"),
    ):
        summary = _summary(record, lang, failed=(6, 9))
        assert summary["trustworthy"] is False and summary["verification"]["failed_steps"] == [6, 9]
        page = render_html(summary, lang)
        _self_contained(page)
        assert 'role="alert"' in page and warning in page and claimed in page
        assert page.index('role="alert"') < page.index('id="outcome"')  # the warning comes before the outcome
        for section in ("outcome", "turnout", "totals"):
            start = page.index(f'<section class="card untrusted" id="{section}">')
            assert page.index(claimed, start) < page.index("</section>", start)
        assert "6, 9" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    honest = render_html(_summary(record, "en"), "en")
    assert 'role="alert"' not in honest and '<section class="card" id="outcome">' in honest


def test_record_without_result_or_whose_result_did_not_verify() -> None:
    definition = _definition("referendum", REFERENDUM_OPTIONS)
    none = _summary(_case(definition, None, roll=12, ballots=5), "zh", failed=(9,))
    assert none["status"] == "pending" and none["result"] is None and none["trustworthy"] is False
    page = render_html(none, "zh")
    assert _headline(page) == ("pending", "尚未公布结果") and 'id="totals"' not in page
    assert "<dd>已截止并汇总</dd>" in page and "<dd>5 / 5</dd>" in page  # what the replay did verify
    rejected = _summary(_case(definition, None, roll=12, ballots=5), "en", failed=(10,), stopped=EntryKind.RESULT)
    assert rejected["status"] == "unverified" and rejected["replay"]["stopped_at"] == "result"
    assert _headline(render_html(rejected, "en")) == ("unverified", "The result in the record could not be verified")
    assert _headline(render_html(rejected, "zh")) == ("unverified", "记录中的结果无法验证")
    # an outcome without the rules' shape (no verifier produces one) is never shown as a result
    bad_index = _committee({"valid": True, "elected": [9], "runoff_seats": 0, "runoff_candidates": []}, [1, 2, 3, 4])
    assert _summary(bad_index, "en")["status"] == "unverified" and _summary(bad_index, "en")["result"] is None
    no_state = Report("e-1", [Step(1, STEP_TITLES[1], errors=["entry 0: not canonical"])])  # nothing replayed
    nothing = build_report(_referendum([1, 0, 0], 1, True, True).record, no_state, "en")
    assert nothing["status"] == "pending" and nothing["election"]["id"] == "e-1" and nothing["log"]["fingerprint"] == ""
    assert "Unknown kind" in render_html(nothing, "en")


def test_unsupported_language(tmp_path: Path) -> None:
    record = _referendum([7, 2, 1], 12, True, True)
    with pytest.raises(ValueError, match="fr"):
        _summary(record, "fr")
    with pytest.raises(ValueError, match="fr"):
        render_html(_summary(record, "en"), "fr")
    with pytest.raises(ValueError, match="fr"):
        write_report(tmp_path / "missing", tmp_path / "out.html", "fr", None)  # before reading anything
    assert not (tmp_path / "out.html").exists()


# -- a real referendum, end to end ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_record_dir(safe_primes_1024, tmp_path_factory):  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=6)
    for voter, choice in enumerate([0, 1, 0, 2, 0]):
        e.vote(voter, choice)
    e.close()
    e.decrypt([1, 3, 4])
    path = tmp_path_factory.mktemp("record")
    write_record(path, make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("linli-test")))
    return e, path


def test_real_record_report(real_record_dir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    e, path = real_record_dir
    out, json_out = tmp_path / "report.html", tmp_path / "report.json"
    assert write_report(path, out, "zh", json_out, min_modulus_bits=1024, workers=1) is True
    page = out.read_text(encoding="utf-8")
    _self_contained(page)
    summary = json.loads(json_out.read_text(encoding="utf-8"))
    totals = list(e.state.totals)
    assert [r["votes"] for r in summary["result"]["totals"]] == totals
    assert summary["result"]["turnout"]["fraction"] == f"{sum(totals)}/{len(e.state.roll)}"
    assert summary["trustworthy"] is True and all(s["passed"] for s in summary["verification"]["steps"])
    assert summary["status"] == ("passed" if e.state.outcome["passed"] else "not_passed")
    assert summary["log"]["entries"] == len(e.entries) and len(summary["log"]["root"]) == 64
    assert f"linli verify {path}" in page and "全部 10 项检查通过" in page and 'role="alert"' not in page
    assert "Test referendum" in page


def test_the_advertised_tampering_makes_the_report_fail(real_record_dir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, path = real_record_dir
    record = read_record(path)
    first = record.entries[0].replace(b'"title":"', b'"title":"X', 1)  # what the page's sed command does
    assert first != record.entries[0]
    tampered = tmp_path / "tampered"
    write_record(tampered, Record(record.election_id, record.origin, record.log_key, record.checkpoints,
                                  (first, *record.entries[1:])))  # fmt: skip
    out = tmp_path / "report.html"
    assert write_report(tampered, out, "en", None, min_modulus_bits=1024, workers=1) is False
    page = out.read_text(encoding="utf-8")
    assert "VERIFICATION FAILED" in page and '<section class="card untrusted" id="outcome">' in page


@pytest.mark.parametrize("kind", [ElectionKind.COMMITTEE, ElectionKind.ASSEMBLY])
def test_real_committee_and_assembly_reports(safe_primes_1024, kind: ElectionKind, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    areas = [8537, 9000, 6500, 12000, 10000]  # 0.01 m² each
    assembly = kind is ElectionKind.ASSEMBLY
    e = make_election(
        safe_primes_1024, voters=5, kind=kind, areas=areas if assembly else None, election_id=f"report-{kind.value}"
    )
    choices: list[Any] = [0, 1, 0, 0] if assembly else [[0, 1], [0], [0, 2], [], [1, 0]]
    for voter, choice in enumerate(choices):
        e.vote(voter, choice)
    e.close()
    e.decrypt([1, 2, 3])
    write_record(
        tmp_path / "rec", make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"), e.election_id)
    )
    out, json_out = tmp_path / "report.html", tmp_path / "report.json"
    assert write_report(tmp_path / "rec", out, "en", json_out, min_modulus_bits=1024, workers=1) is True
    page = out.read_text(encoding="utf-8")
    _self_contained(page)
    summary = json.loads(json_out.read_text(encoding="utf-8"))
    result = e.entries[-1].body
    assert summary["trustworthy"] is True and summary["election"]["kind"] == kind.value
    if not assembly:
        names = [result["options"][j] for j in result["outcome"]["elected"]]
        assert [r["votes"] for r in summary["result"]["totals"]] == result["totals"]
        assert summary["result"]["outcome"]["elected_names"] == names
        assert f'<p class="line-elected">Elected (by rank): {", ".join(names)}</p>' in page
        assert summary["result"]["turnout"]["fraction"] == f"{result['ballots']}/{result['roll_size']}"
    else:
        heads, area = result["totals"][:3], result["totals"][3:]
        assert [(r["heads"], r["area"]) for r in summary["result"]["totals"]] == list(zip(heads, area, strict=True))
        assert summary["result"]["area_turnout"]["fraction"] == f"{sum(area)}/{sum(areas)}"
        assert _m2(area[0]) + " m²" in page and page[page.index('id="totals"') :].count("<svg") == 2


# -- from the verifier's replayed state: the fingerprint, a partly verified record, every kind ------------------------
def test_the_fingerprint_is_on_the_page_next_to_the_log_key(real_record_dir) -> None:  # type: ignore[no-untyped-def]
    e, path = real_record_dir
    record = read_record(path)
    report = check_record(record, min_modulus_bits=1024, workers=1)
    expected = fingerprint(e.state.election_hash)
    assert report.fingerprint == expected
    for lang, sentence in (("zh", "请与公告栏上公布的指纹核对"), ("en", "compare it with the notice board")):
        summary = build_report(record, report, lang)
        assert summary["log"]["fingerprint"] == expected
        assert summary["verify_commands"][1]["command"].endswith(f"--expect {expected}")
        page = render_html(summary, lang)
        details = page[page.index('id="details"') :]
        key, fp = details.index(text(lang, "detail.log_key")), details.index(expected)
        assert key < fp < details.index(text(lang, "detail.root"))  # right after the log key
        assert f'<span class="fp">{expected}</span><span class="fp-note">{sentence}</span>' in details


def _with_a_bad_ballot_proof(e: Any) -> None:
    """Cast a ballot whose validity proof is changed in its last hex digit, as a dishonest server would log it: it
    parses and replays (its ciphertext, the tally and every later tree head are honest), but its proof does not
    verify — step 6, and step 6 only."""
    entry = e.ballot_entry(0, 0)
    body = json.loads(json.dumps(entry.body))
    z = body["contests"][0]["proof"]["z"]
    z[0] = z[0][:-1] + ("1" if z[0][-1] == "0" else "0")
    bad = Entry(EntryKind.BALLOT, entry.election_id, body)
    e.state.apply(bad)  # the state machine leaves proofs to the verifier's step 6
    e.entries.append(bad)


def test_a_record_failing_step_6_shows_what_verified_and_marks_the_result_untrusted(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=3)
    _with_a_bad_ballot_proof(e)
    e.vote(1, 0)
    e.vote(2, 1)
    e.close()
    e.decrypt([1, 2, 3])
    record = make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("linli-test"))
    report = check_record(record, min_modulus_bits=1024, workers=1)
    assert [s.number for s in report.steps if not s.passed] == [6], report.render()
    assert report.state is not None and report.state.phase is Phase.PUBLISHED
    for lang, fail, ok in (("zh", "✗ 未通过", "✓ 通过"), ("en", "✗ FAIL", "✓ pass")):
        summary = build_report(record, report, lang)
        assert summary["trustworthy"] is False and summary["verification"]["failed_steps"] == [6]
        assert [r["votes"] for r in summary["result"]["totals"]] == list(e.state.totals)  # shown, as claimed
        assert summary["log"]["fingerprint"] == fingerprint(e.state.election_hash)
        page = render_html(summary, lang)
        _self_contained(page)
        assert 'role="alert"' in page and text(lang, "verify.failed_detail", steps="6") in page
        for section in ("outcome", "turnout", "totals"):
            assert f'<section class="card untrusted" id="{section}">' in page
        steps = re.findall(r'<li class="(pass|fail)"><span class="mark">(.*?)</span> (\d+)\. (.*?)[<]', page)
        assert [(c, int(n)) for c, _, n, _ in steps] == [("fail" if n == 6 else "pass", n) for n in range(1, 11)]
        assert all(mark == (fail if c == "fail" else ok) for c, mark, _, _ in steps)
        assert [title for *_, title in steps] == [step_title(n, lang) for n in range(1, 11)]


def _choice(kind_name: str, definition: ElectionDefinition) -> Any:
    """A valid choice for any kind: its first option, as a person would type it."""
    return KINDS[kind_name].parse_choice(definition, definition.options[0])


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_every_kind_renders_in_both_languages(safe_primes_1024, kind_name: str) -> None:  # type: ignore[no-untyped-def]
    kind = KINDS[kind_name]
    e = make_election(
        safe_primes_1024,
        voters=3,
        kind=kind_name,
        candidates=("Wang", "Li", "Zhang"),
        seats=1,
        areas=[9000, 8000, 7000] if kind.weighted else None,
        election_id=f"kind-{kind_name}",
    )
    definition = e.context.definition
    for voter in range(3):
        e.vote(voter, _choice(kind_name, definition))
    e.close()
    e.decrypt([1, 2, 3])
    record = make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"), e.election_id)
    report = check_record(record, min_modulus_bits=1024, workers=1)
    assert report.passed, report.render()
    for lang in ("zh", "en"):
        summary = build_report(record, report, lang)
        assert summary["trustworthy"] is True and summary["election"]["kind"] == kind_name
        assert summary["status"] not in ("pending", "unverified")
        assert summary["result"]["turnout"]["fraction"] == "3/3"
        page = render_html(summary, lang)
        _self_contained(page)
        assert html.escape(kind.title_zh if lang == "zh" else kind.title_en) in page
        assert _headline(page) == (summary["status"], text(lang, f"outcome.{summary['status']}"))
        assert fingerprint(e.state.election_hash) in page
        if kind_name not in ("referendum", "committee", "assembly"):  # shown by the kind's own words
            words = kind.describe_outcome(definition, e.state.outcome, lang)
            assert summary["result"]["outcome"]["words"] == words
            assert f'<p class="line-elected">{html.escape(words)}</p>' in page
    zh = report.render("zh")
    assert all(f"{n:>2}. [通过] {step_title(n, 'zh')}" in zh for n in range(1, 11)) and "结论：全部检查通过" in zh
