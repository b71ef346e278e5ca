"""Issue 13 item 7: the result page does not mislead — bars drawn against the base each rule uses, the rules'
thresholds drawn, every line of the Chinese page in Chinese (the verifier's details too), a CJK font stack — and
item 6 on the page: what an assembly's disclosed areas give away, and whether the administrator accepted it.

These check the HTML's structure; rendering itself was checked by hand in headless Chromium (not a test
dependency)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from client.record import write_record
from client.report import write_report
from client.report.page import _CHART_WIDTH, render_html
from client.report.style import CJK_FONTS, CSS
from client.verifier import Step, note
from crypto.note import NoteSigner
from tests.client.test_report import _assembly, _committee, _referendum, _summary
from tests.factories import make_election, make_record
from voting.election import ElectionKind, EligibilityMode


def _bars(page: str, section: str) -> list[tuple[str, int, int, int]]:
    """(class, width, value, base) of every value bar in a section (its track excluded)."""
    start = page.index(f'id="{section}"')
    part = page[start : page.index("</section>", start)]
    return [
        (m[1], int(m[2]), int(m[3]), int(m[4]))
        for m in re.finditer(r'<rect class="b-(\w+)" [^>]*width="(\d+)"[^>]*data-value="(\d+)" data-base="(\d+)"', part)
    ]


def _marks(page: str, section: str) -> list[str]:
    start = page.index(f'id="{section}"')
    return re.findall(r'data-mark="(\d+/\d+)"', page[start : page.index("</section>", start)])


def _width(value: int, base: int) -> int:
    bar = min(_CHART_WIDTH, value * _CHART_WIDTH // base) if base else 0
    return max(bar, 2) if value else bar


def test_referendum_bars_are_shares_of_the_ballots_with_the_half_mark() -> None:
    page = render_html(_summary(_referendum([7, 2, 1], 12, valid=True, passed=True), "zh"), "zh")
    bars = _bars(page, "totals")
    assert [(c, v, b) for c, _, v, b in bars] == [("yes", 7, 10), ("no", 2, 10), ("abstain", 1, 10)]
    assert all(w == _width(v, b) for _, w, v, b in bars)
    assert bars[0][1] == 7 * _CHART_WIDTH // 10  # not a full bar: 7 of 10 ballots, not "the largest total"
    assert _marks(page, "totals") == ["1/2"] and _marks(page, "turnout") == ["1/2"]
    assert "法定线 ＞1/2" in page


def test_committee_bars_are_shares_of_the_ballots() -> None:
    outcome = {"valid": True, "elected": [0, 1], "runoff_seats": 0, "runoff_candidates": []}
    page = render_html(_summary(_committee(outcome, [8, 6, 3, 1]), "en"), "en")
    bars = _bars(page, "totals")
    assert [(v, b) for _, _, v, b in bars] == [(8, 10), (6, 10), (3, 10), (1, 10)]
    assert all(w == _width(v, b) for _, w, v, b in bars)
    assert _marks(page, "totals") == ["1/2"] and "threshold &gt; 1/2" in page


@pytest.mark.parametrize(("major", "mark"), [(True, "3/4"), (False, "1/2")])
def test_assembly_bars_are_shares_of_what_takes_part(major: bool, mark: str) -> None:
    page = render_html(_summary(_assembly([6, 1, 1], [512_345, 150_005, 100_000], major, True), "zh"), "zh")
    bars = _bars(page, "totals")
    heads, area = bars[:3], bars[3:]
    assert [(v, b) for _, _, v, b in heads] == [(6, 8), (1, 8), (1, 8)]  # participating owners, not the roll's 10
    assert [(v, b) for _, _, v, b in area] == [(512_345, 762_350), (150_005, 762_350), (100_000, 762_350)]
    assert all(w == _width(v, b) for _, w, v, b in bars)
    assert _marks(page, "totals") == [mark, mark]
    # validity: two thirds of all owners and of all area
    assert _marks(page, "turnout") == ["2/3", "2/3"]
    assert [(v, b) for _, _, v, b in _bars(page, "turnout")] == [(8, 10), (762_350, 1_000_000)]


def test_a_bar_scaled_to_the_largest_total_would_be_caught() -> None:
    """The negative: the old drawing (largest total = full width) does not match the base."""
    page = render_html(_summary(_referendum([7, 2, 1], 12, valid=True, passed=True), "en"), "en")
    (yes, *_) = _bars(page, "totals")
    assert yes[1] != _CHART_WIDTH
    broken = page.replace(
        f'width="{yes[1]}" height="18" rx="4" data-value="7"',
        f'width="{_CHART_WIDTH}" height="18" rx="4" data-value="7"',
    )
    (bad, *_) = _bars(broken, "totals")
    assert bad[1] != _width(bad[2], bad[3])


# -- the Chinese page is in Chinese ---------------------------------------------------------------------------------
_ALLOWED = {
    "linli",
    "report",
    "verify",
    "sha",
    "sum",
    "rfc",
    "bbs",
    "entries",
    "jsonl",
    "accept",
    "area",
    "disclosure",
}  # command, file and standard names


class _Visible(HTMLParser):
    """The page's visible text, without code, the style sheet, and what is marked as English (quoted originals)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "code", "pre", "title") or dict(attrs).get("lang") == "en" or self.skip:
            self.skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.text.append(data.strip())


def english_left(page: str, data: list[str]) -> list[str]:
    """Every visible text of ``page`` that still holds an English word once the record's own data (names, ids,
    titles, keys), numbers and the allowed technical names are taken out."""
    parser = _Visible()
    parser.feed(page)
    left = []
    for chunk in parser.text:
        for d in sorted((d for d in data if d), key=len, reverse=True):
            chunk = re.sub(rf"(?<![A-Za-z]){re.escape(d)}(?![A-Za-z])", " ", chunk)  # whole names only
        words = [w for w in re.findall(r"[A-Za-z]{2,}", chunk) if w.lower() not in _ALLOWED]
        hexlike = [w for w in words if re.fullmatch(r"[0-9a-f]+", w)]
        if len(words) > len(hexlike):
            left.append(chunk)
    return left


def _data(summary: dict[str, Any]) -> list[str]:
    e, log = summary["election"], summary["log"]
    return [
        e["id"],
        e["title"],
        e["question"],
        e["description"],
        *e["options"],
        *e["trustees"],
        log["origin"],
        log["log_key"],
        log["root"],
        log["fingerprint"],
        "m²",
    ]


@pytest.mark.parametrize("kind", [ElectionKind.ASSEMBLY, ElectionKind.COMMITTEE, ElectionKind.REFERENDUM])
def test_every_line_of_a_real_chinese_page_is_chinese(safe_primes_1024, kind: ElectionKind, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assembly = kind is ElectionKind.ASSEMBLY
    e = make_election(
        safe_primes_1024,
        voters=5,
        kind=kind,
        areas=[8537, 9000, 6500, 12000, 10000] if assembly else None,
        eligibility=EligibilityMode.ANONYMOUS,
        election_id=f"zh-{kind.value}",
    )
    choices: list[Any] = {
        ElectionKind.ASSEMBLY: [0, 1, 0, 0, 2],
        ElectionKind.COMMITTEE: [[0, 1], [0], [0, 2], [], [1, 0]],
        ElectionKind.REFERENDUM: [0, 0, 1, 2, 0],
    }[kind]
    for voter, choice in enumerate(choices):
        e.vote(voter, choice)
    e.close()
    e.decrypt([1, 2, 3])
    write_record(
        tmp_path / "rec", make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"), e.election_id)
    )
    json_out = tmp_path / "s.json"
    assert write_report(tmp_path / "rec", tmp_path / "zh.html", "zh", json_out, min_modulus_bits=1024, workers=1)
    import json

    summary = json.loads(json_out.read_text(encoding="utf-8"))
    page = (tmp_path / "zh.html").read_text(encoding="utf-8")
    assert english_left(page, _data(summary)) == []
    en = render_html(summary, "en")
    # the check is not vacuous: the English page (its root's lang removed) is caught
    assert english_left(en.replace('<html lang="en">', "<html>"), _data(summary))


def test_a_failed_record_shows_chinese_errors_with_the_original_marked_english() -> None:
    summary = _summary(_referendum([7, 2, 1], 12, valid=True, passed=True), "zh", failed=(6,))
    page = render_html(summary, "zh")
    # the synthetic verdict's error is a bare message: a generic Chinese failure, the message quoted as English
    assert '! 检查未通过 <span class="original">（原文：<span lang="en">entry 7 &lt;img' in page
    assert english_left(page, [*_data(summary), "detail"]) == []  # the synthetic details are "detail n"


def test_step_notes_read_in_both_languages() -> None:
    step = Step(5, "Ballot rules")
    step.fail(
        note(
            "v.replay_error",
            "a ballot of this pseudonym was already cast",
            index=4,
            kind_value="ballot",
            what=__import__("client.verifier", fromlist=["Term"]).Term("error.DuplicateBallot"),
            kind=__import__("client.verifier", fromlist=["Term"]).Term("entry.ballot"),
        )
    )
    step.describe(note("v.ballots", cast=3, counted=2))
    assert step.errors == ["entry 4 (ballot): a ballot of this pseudonym was already cast"]
    assert step.errors_in("zh") == [("条目 4（选票）被拒绝：重复的选票", "a ballot of this pseudonym was already cast")]
    assert (step.detail, step.detail_in("zh")) == ("3 ballots cast, 2 counted", "投出选票 3 张，计入 2 张")


def test_english_left_catches_an_english_sentence() -> None:
    page = '<html lang="zh-CN"><body><p>投票率</p><p>ballots counted of registered voters</p></body></html>'
    assert english_left(page, []) == ["ballots counted of registered voters"]
    assert english_left('<p>原文：<span lang="en">not reached</span></p>', []) == []


# -- fonts ----------------------------------------------------------------------------------------------------------
def test_the_page_names_chinese_fonts_of_every_platform() -> None:
    for face in (
        "PingFang SC",
        "Hiragino Sans GB",
        "Microsoft YaHei",
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "WenQuanYi Micro Hei",
    ):
        assert f'"{face}"' in CJK_FONTS
    body = re.search(r"body\{[^}]*font-family:([^;}]*)", CSS)
    assert body is not None and CJK_FONTS in body[1] and body[1].endswith("sans-serif")
    code = re.search(r"code\{font-family:([^;}]*)\}", CSS)
    assert code is not None and CJK_FONTS in code[1] and code[1].endswith("monospace")
    page = render_html(_summary(_referendum([7, 2, 1], 12, valid=True, passed=True), "zh"), "zh")
    assert CJK_FONTS in page and '<html lang="zh-CN">' in page


# -- item 6 on the page: the area disclosure -------------------------------------------------------------------------
def _assembly_page(
    tmp_path: Path, primes: tuple[int, int], areas: list[int], choices: list[int], accept: bool, lang: str = "zh"
) -> tuple[str, dict[str, Any]]:
    import json

    e = make_election(
        primes,
        voters=len(areas),
        kind=ElectionKind.ASSEMBLY,
        areas=areas,
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="area-page",
        accept_area_disclosure=accept,
    )
    for voter, choice in enumerate(choices):
        e.vote(voter, choice)
    e.close()
    e.decrypt([1, 2, 3])
    write_record(
        tmp_path / "rec", make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("t"), e.election_id)
    )
    assert write_report(
        tmp_path / "rec", tmp_path / "p.html", lang, tmp_path / "s.json", min_modulus_bits=1024, workers=1
    )
    return (tmp_path / "p.html").read_text(encoding="utf-8"), json.loads((tmp_path / "s.json").read_text("utf-8"))


def test_the_report_shows_the_attributed_votes_and_the_acceptance(safe_primes_1024, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, summary = _assembly_page(tmp_path, safe_primes_1024, [8537, 9000, 6500, 12000, 10000], [0, 1, 0, 0, 2], True)
    a = summary["result"]["area_disclosure"]
    assert (a["accepted"], a["exact"], a["assignments"], a["attributed"], a["ballots"]) == (True, True, "1", 5, 5)
    assert summary["election"]["accept_area_disclosure"] is True
    section = page[page.index('id="area"') :]
    assert "管理员已在选举定义中明确接受" in section and "其中 5 / 5 张选票的选项由此被唯一确定" in section
    assert "面积 90.00 m² 的 1 张选票：反对" in section
    assert "5 / 5 名业主的面积在名册上独一无二" in section


def test_the_report_shows_hidden_votes_when_areas_are_shared(safe_primes_1024, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, summary = _assembly_page(tmp_path, safe_primes_1024, [5000, 5000, 9000, 9000], [0, 1, 1, 0], False, "en")
    a = summary["result"]["area_disclosure"]
    assert (a["accepted"], a["attributed"], a["identifies_votes"], a["roll_unique"]) == (False, 0, False, 0)
    assert a["assignments"] == "4"  # which of the two 5000s and which of the two 9000s said yes
    section = page[page.index('id="area"') :]
    assert "does not accept area disclosure" in section and "No ballot&#x27;s option follows" in section
    assert "4 assignments of options" in section
