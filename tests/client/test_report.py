"""The result report: a summary and one self-contained page per record, in Chinese and English. Record strings are
escaped, numbers are exact, and a record that fails verification is never presented as trustworthy."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.record import Record, read_record, write_record
from client.report import _m2, _percent, build_report, render_html, write_report
from client.verifier import STEP_TITLES, Report, Step
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from tests.factories import make_election, make_record
from voting.election import ElectionKind
from voting.records import Entry, EntryKind, Role, sign_statement

EVIL = '<script>alert("x")</script> & Co'


# -- synthetic records (the verifier's verdict is faked: these test the presentation) ----------------------------
def _definition(kind: str, options: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "election_id": "e1",
        "kind": kind,
        "title": EVIL,
        "question": "Repaint the <b>gate</b>?",
        "description": "line one\nline two",
        "options": options,
        "eligibility": "signing",
        "threshold": 2,
        "trustees": [{"index": i, "name": f"trustee-{i}", "key": "00" * 32} for i in (1, 2, 3)],
        "modulus_bits": 3072,
        **extra,
    }


def _record(definition: dict[str, Any], result: dict[str, Any] | None) -> Record:
    admin = SigningKey.generate()
    created = sign_statement(EntryKind.ELECTION_CREATED, "e1", {"election": definition}, admin, Role.ADMIN)
    entries = [created.to_bytes()]
    if result is not None:
        entries.append(Entry(EntryKind.RESULT, "e1", result).to_bytes())
    return make_record(entries, NoteSigner.generate("linli-test"), election_id="e1")


def _verdict(failed: tuple[int, ...] = ()) -> Report:
    steps = [Step(n, title, passed=n not in failed, detail=f"detail {n}") for n, title in STEP_TITLES.items()]
    for n in failed:
        steps[n - 1].errors.append("entry 7 <img src=x onerror=alert(1)>: bad proof")
    return Report("e1", steps)


def _referendum(totals: list[int], roll: int, valid: bool, passed: bool, **extra: Any) -> Record:
    body = {
        "options": ["yes", "no", "abstain"],
        "totals": totals,
        "roll_size": roll,
        "shares_used": [1, 3],
        "outcome": {"valid": valid, "passed": passed, "reason": "the <rules> say so"},
        **extra,
    }
    return _record(_definition("referendum", ["yes", "no", "abstain"]), body)


CANDIDATES = ["Wang <Wei>", "李娜", "Zhang & Sons", "陈静"]


def _committee(outcome: dict[str, Any], votes: list[int], ballots: int = 10, roll: int = 12) -> Record:
    body = {
        "options": CANDIDATES,
        "totals": votes,
        "roll_size": roll,
        "ballots": ballots,
        "shares_used": [1, 2],
        "outcome": {"reason": "rules", **outcome},
    }
    return _record(_definition("committee", CANDIDATES, seats=2), body)


def _assembly(heads: list[int], area: list[int], major: bool, passed: bool) -> Record:
    body = {
        "options": ["yes", "no", "abstain"],
        "totals": heads + area,
        "roll_size": 10,
        "roll_area": 1_000_000,
        "ballots": sum(heads),
        "shares_used": [2, 3],
        "outcome": {"valid": True, "passed": passed, "reason": "rules"},
    }
    return _record(_definition("assembly", ["yes", "no", "abstain"], major=major), body)


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
        summary = build_report(record, _verdict(), lang)
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
    zh = render_html(build_report(record, _verdict(), "zh"), "zh")
    assert "赞成" in zh and "反对" in zh and "弃权" in zh and "如何自行验证" in zh
    en = render_html(build_report(record, _verdict(), "en"), "en")
    assert "How to verify it yourself" in en and "赞成" not in en


def test_referendum_not_passed_and_void() -> None:
    not_passed = render_html(build_report(_referendum([3, 4, 1], 12, True, False), _verdict(), "zh"), "zh")
    assert _headline(not_passed) == ("not_passed", "未通过")
    void = build_report(_referendum([3, 1, 1], 12, False, False), _verdict(), "en")
    assert void["status"] == "void"
    assert _headline(render_html(void, "en"))[0] == "void"
    assert "VOID" in _headline(render_html(void, "en"))[1]
    assert "无效" in _headline(render_html(void, "zh"))[1]


def test_older_record_without_ballots_counts_the_totals() -> None:
    summary = build_report(_referendum([5, 1, 0], 8, True, True), _verdict(), "en")
    assert summary["result"]["ballots"] == 6 and summary["result"]["turnout"]["fraction"] == "6/8"
    with_ballots = build_report(_referendum([5, 1, 0], 8, True, True, ballots=7), _verdict(), "en")
    assert with_ballots["result"]["turnout"]["fraction"] == "7/8"


def test_page_follows_its_own_language_not_the_summarys() -> None:
    summary = build_report(_referendum([7, 2, 1], 12, True, True), _verdict(), "en")
    page = render_html(summary, "zh")
    assert _headline(page) == ("passed", "通过") and "PASSED" not in page and "Yes" not in page


# -- committee ------------------------------------------------------------------------------------------------------
def test_committee_elected_and_runoff() -> None:
    filled = _committee({"valid": True, "elected": [1, 0], "runoff_seats": 0, "runoff_candidates": []}, [6, 8, 3, 2])
    summary = build_report(filled, _verdict(), "en")
    assert summary["status"] == "elected" and summary["result"]["outcome"]["elected_names"] == ["李娜", "Wang <Wei>"]
    page = render_html(summary, "en")
    _self_contained(page)
    assert _headline(page) == ("elected", "All seats filled") and "Wang <Wei>" not in page
    assert '<p class="line-elected">Elected (by rank): 李娜, Wang &lt;Wei&gt;</p>' in page
    assert summary["result"]["outcome"]["words"] == "All seats filled; Elected (by rank): 李娜, Wang <Wei>"
    assert "Zhang &amp; Sons" in page and page.count('class="b-win"') == 2
    assert "8 (80.00%)" in page and "6 (60.00%)" in page

    runoff = _committee({"valid": True, "elected": [1], "runoff_seats": 1, "runoff_candidates": [0, 2]}, [5, 8, 5, 2])
    zh = render_html(build_report(runoff, _verdict(), "zh"), "zh")
    assert _headline(zh) == ("runoff", "需要另行选举")
    assert '<p class="line-elected">当选（按得票排序）：李娜</p>' in zh
    assert '<p class="line-runoff">需另行选举 1 个席位，涉及候选人：Wang &lt;Wei&gt;、Zhang &amp; Sons</p>' in zh
    assert zh.count('class="b-runoff"') == 2 and zh.count('class="b-plain"') == 1
    en = render_html(build_report(runoff, _verdict(), "en"), "en")
    assert (
        '<p class="line-runoff">A runoff is needed for 1 seat(s), among: Wang &lt;Wei&gt;, Zhang &amp; Sons</p>' in en
    )


def test_committee_void() -> None:
    void = _committee(
        {"valid": False, "elected": [], "runoff_seats": 2, "runoff_candidates": [1, 0, 2, 3]}, [3, 4, 1, 0], 5
    )
    summary = build_report(void, _verdict(), "zh")
    assert summary["status"] == "void" and summary["result"]["turnout"]["percent"] == "41.67%"


def test_long_candidate_names_are_shortened_in_the_chart_only() -> None:
    long_name = "张" * 60
    body = {
        "options": [long_name, "B"],
        "totals": [3, 1],
        "roll_size": 4,
        "ballots": 4,
        "outcome": {"valid": True, "elected": [0], "runoff_seats": 0, "runoff_candidates": [], "reason": ""},
    }
    page = render_html(build_report(_record(_definition("committee", [long_name, "B"], seats=1), body), _verdict()))
    svg = page[page.index("<svg", page.index('id="totals"')) : page.index("</svg>", page.index('id="totals"'))]
    assert long_name not in svg and "…" in svg
    assert f"<td>{long_name}</td>" in page


# -- assembly -------------------------------------------------------------------------------------------------------
def test_assembly_two_charts_with_exact_areas() -> None:
    record = _assembly([6, 1, 1], [512_345, 150_005, 100_000], major=True, passed=True)
    summary = build_report(record, _verdict(), "en")
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
    zh = render_html(build_report(record, _verdict(), "zh"), "zh")
    assert "按人数" in zh and "按专有部分面积" in zh and "四分之三" in zh and _headline(zh) == ("passed", "通过")
    ordinary = render_html(build_report(_assembly([4, 3, 1], [1, 2, 3], False, False), _verdict(), "en"), "en")
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
        summary = build_report(record, _verdict(failed=(6, 9)), lang)
        assert summary["trustworthy"] is False and summary["verification"]["failed_steps"] == [6, 9]
        page = render_html(summary, lang)
        _self_contained(page)
        assert 'role="alert"' in page and warning in page and claimed in page
        assert page.index('role="alert"') < page.index('id="outcome"')  # the warning comes before the outcome
        for section in ("outcome", "turnout", "totals"):
            start = page.index(f'<section class="card untrusted" id="{section}">')
            assert page.index(claimed, start) < page.index("</section>", start)
        assert "6, 9" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    honest = render_html(build_report(record, _verdict(), "en"), "en")
    assert 'role="alert"' not in honest and '<section class="card" id="outcome">' in honest


def test_record_without_result_or_with_a_malformed_one() -> None:
    pending = build_report(_referendum([1], 1, True, True), _verdict(), "en")
    assert pending["status"] == "malformed" and pending["result"] is None and pending["trustworthy"] is False
    assert "malformed" in render_html(pending, "en")
    none = build_report(_record(_definition("referendum", ["yes", "no", "abstain"]), None), _verdict(failed=(9,)), "zh")
    assert none["status"] == "pending" and _headline(render_html(none, "zh")) == ("pending", "尚未公布结果")
    bad_index = _committee({"valid": True, "elected": [9], "runoff_seats": 0, "runoff_candidates": []}, [1, 2, 3, 4])
    assert build_report(bad_index, _verdict(), "en")["status"] == "malformed"


def test_unsupported_language(tmp_path: Path) -> None:
    record = _referendum([7, 2, 1], 12, True, True)
    with pytest.raises(ValueError, match="fr"):
        build_report(record, _verdict(), "fr")
    with pytest.raises(ValueError, match="fr"):
        render_html(build_report(record, _verdict(), "en"), "fr")
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
