"""The booth says what the CLI says (booth/src/app/i18n.ts against client/catalogue.py): the same words for the
options, the rules, the re-vote policy, the eligibility modes and the area notice, in both languages; the notice it
takes out of an assembly's description is exactly the one the administrator's client puts in."""

from __future__ import annotations

from typing import Any

import pytest

from client.catalogue import text
from tests.booth.node import requires_node, run_ts
from voting.kinds.assembly import AREA_DISCLOSURE_NOTICE

pytestmark = requires_node

SAME = {  # booth key -> CLI key: one wording for one thing
    "option.yes": "option.yes",
    "option.no": "option.no",
    "option.abstain": "option.abstain",
    "election.revote.last": "ballot.revote.last",
    "election.revote.refuse": "ballot.revote.refuse",
    "election.eligibility.signing": "ballot.eligibility.signing",
    "election.notice.area": "ballot.notice.area",
    "election.private": "ballot.private",
}
RULES = {"election.rule.referendum": "ballot.rule.referendum", "election.rule.committee": "ballot.rule.committee"}


@pytest.fixture(scope="module")
def booth() -> Any:
    return run_ts("test/drivers/app.ts", {})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_booth_words_things_as_the_cli(booth: Any, lang: str) -> None:
    catalogue = booth["catalogue"][lang]
    for ours, theirs in SAME.items():
        assert catalogue[ours] == text(lang, theirs), ours
    for ours, theirs in RULES.items():
        assert catalogue[ours].format(roll=7, seats=3) == text(lang, theirs, roll=7, seats=3), ours


def test_area_notice_is_the_assemblys(booth: Any) -> None:
    assert booth["area_notice"] == AREA_DISCLOSURE_NOTICE
