"""The one catalogue of words for people (client/catalogue.py): both languages say the same things."""

from __future__ import annotations

import pytest

from client.catalogue import LANGS, check_lang, step_title, strings, text
from client.verifier import STEP_TITLES
from voting.records import EntryKind


def test_every_string_is_in_every_language() -> None:
    zh, en = (set(strings(lang)) for lang in LANGS)
    assert zh == en
    assert all(step_title(n, "zh") and step_title(n, "en") for n in range(1, 11))


def test_the_verifier_takes_its_step_titles_from_the_catalogue() -> None:
    assert {n: step_title(n, "en") for n in range(1, 11)} == STEP_TITLES


def test_text_fills_fields_and_refuses_other_languages() -> None:
    assert text("en", "detail.threshold_value", t=2, n=3) == "2 of 3"
    assert text("zh", "detail.threshold_value", t=2, n=3) == "2 / 3 人"
    with pytest.raises(ValueError, match="fr"):
        check_lang("fr")
    with pytest.raises(ValueError, match="fr"):
        text("fr", "brand")


def test_every_entry_kind_has_a_name_in_every_language() -> None:
    """The verifier names a refused entry by its kind (client/verifier.py `v.replay_error`): a kind the catalogue
    lacks would crash the report instead of explaining the failure."""
    for lang in ("zh", "en"):
        missing = [k.value for k in EntryKind if f"entry.{k.value}" not in strings(lang)]
        assert not missing, (lang, missing)
    assert "entry.no-such-kind" not in strings("en")
