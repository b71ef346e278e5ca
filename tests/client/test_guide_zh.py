"""The Chinese secretary's guide (docs/guide.zh.md, issue 13) cannot drift from the README tour.

* Every line of the guide's ``sh`` blocks is a ``linli`` command (``VAR=$(linli …)`` too, with ``\\`` continuations
  joined and ``#`` comments dropped) that the README's tour runs — the same words and flags once whitespace and
  variable names are normalised — or a line of one of the README's ``sh`` blocks (the set-up command). The tour
  itself runs verbatim in tests/client/test_readme_tour.py, so every command the guide shows is tested.
* Every subcommand the tour runs is shown in the guide (when the tour grows, the guide must follow).
* Every ``csv`` block parses as a roll (voting.roll); a block named after a file of the tour (its fence's info
  string: ``csv owners.csv``) is the same roll as the tour's heredoc of that file,
  whatever language its headers and roles are in.
* Every inline ``linli …`` in the guide's prose names a real subcommand and only its real flags.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.cli import _parser
from tests.client.test_readme_tour import ASSIGN, HEREDOC, README, ROOT, logical_lines, tour_blocks
from voting.roll import parse_roll_csv

GUIDE = ROOT / "docs" / "guide.zh.md"
VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
OUTPUT = ("linli serving on port",)  # what `linli serve` prints, quoted in the prose: not a command
FENCE = re.compile(r"^```.*?^```", flags=re.DOTALL | re.MULTILINE)


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def normalise(line: str) -> tuple[str, ...]:
    """The words of a shell line: whitespace, quoting and ``#`` comments dropped, every ``$VAR`` as ``$VAR``, and
    ``VAR=$(linli …)`` as the ``linli …`` it runs."""
    line = line.strip()
    if m := ASSIGN.fullmatch(line):
        line = m.group(2)
    return tuple(shlex.split(VARIABLE.sub("$VAR", line), comments=True))


def commands(block: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(the logical line, its normalised words) for each non-empty line of a block; heredoc bodies are skipped."""
    lines = iter(logical_lines(block))
    for line in lines:
        if m := HEREDOC.fullmatch(line.strip()):
            for body in lines:
                if body == m.group(2):
                    break
            continue
        words = normalise(line)
        if words:
            yield line, words


def tour_commands() -> set[tuple[str, ...]]:
    return {words for block in tour_blocks() for _, words in commands(block) if words[0] == "linli"}


def readme_lines() -> set[tuple[str, ...]]:
    return {words for block in sh_blocks(README.read_text(encoding="utf-8")) for _, words in commands(block)}


def drifted(guide: str) -> list[str]:
    """The guide's shell lines that are neither a command of the README tour nor a line of the README."""
    known, readme = tour_commands(), readme_lines()
    return [
        line
        for block in sh_blocks(guide)
        for line, words in commands(block)
        if not (words[0] == "linli" and words in known) and words not in readme
    ]


def subcommand(words: tuple[str, ...]) -> tuple[str, ...]:
    return words[1:3] if words[1] in ("admin", "registrar", "voter", "trustee", "key") else words[1:2]


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_the_guide_shows_only_commands_the_tour_runs() -> None:
    blocks = sh_blocks(guide_text())
    assert len(blocks) >= 8
    assert sum(1 for block in blocks for _ in commands(block)) >= 60
    assert drifted(guide_text()) == []


def test_the_set_up_command_is_the_readmes() -> None:
    setup = normalise(
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && linli demo --voters 200 --out demo-record"
    )
    assert setup in readme_lines()
    assert setup in {words for block in sh_blocks(guide_text()) for _, words in commands(block)}


def test_an_invented_flag_or_value_is_caught() -> None:
    guide = guide_text()
    real = "linli admin open --election gate-2026 --key admin.json"
    assert real in guide
    assert drifted(guide.replace(real, real + " --force", 1)) == [real + " --force"]
    wrong_value = "linli admin open --election gate-2027 --key admin.json"
    assert drifted(guide.replace(real, wrong_value, 1)) == [wrong_value]
    invented = "FP=$(linli admin create --election gate-2026 --key admin.json --title x --question y --seats 9)"
    assert drifted(guide + f"\n```sh\n{invented}\n```\n") == [invented]
    other = "rm -rf shares/"
    assert drifted(guide + f"\n```sh\n{other}\n```\n") == [other]


def test_normalising_ignores_only_whitespace_quotes_comments_and_variable_names() -> None:
    a = normalise("FP_B=$(linli voter ballot --election board-2026   --expect $FP_B)   # 看选票")
    b = normalise("X=$(linli voter ballot --election 'board-2026' --expect ${OTHER})")
    assert a == b == ("linli", "voter", "ballot", "--election", "board-2026", "--expect", "$VAR")
    continued = list(commands("linli admin close \\\n      --election e --key admin.json  # 截止\n"))
    assert [words for _, words in continued] == [("linli", "admin", "close", "--election", "e", "--key", "admin.json")]


def test_the_guide_covers_every_subcommand_of_the_tour() -> None:
    shown = {
        subcommand(words) for block in sh_blocks(guide_text()) for _, words in commands(block) if words[0] == "linli"
    }
    assert {subcommand(words) for words in tour_commands()} - shown == set()


def _csv_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^```csv[ \t]*(\S*)\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def _tour_files() -> dict[str, str]:
    files = {}
    for block in tour_blocks():
        lines = iter(logical_lines(block))
        for line in lines:
            if m := HEREDOC.fullmatch(line.strip()):
                body = []
                for body_line in lines:
                    if body_line == m.group(2):
                        break
                    body.append(body_line)
                files[m.group(1)] = "\n".join(body) + "\n"
    return files


def test_the_guides_rolls_parse_and_are_the_tours() -> None:
    blocks, files = _csv_blocks(guide_text()), _tour_files()
    assert {name for name, _ in blocks if name} == {"roll.csv", "owners.csv"}
    for name, body in blocks:
        rows = parse_roll_csv(body)
        if name:
            assert rows == parse_roll_csv(files[name]), name
    owners = dict(blocks)["owners.csv"]
    assert owners.splitlines()[0] == "单元,角色,面积" and "业主" in owners  # the Chinese headers and roles


def _options(parser: argparse.ArgumentParser) -> dict[tuple[str, ...], set[str]]:
    """Each (sub)command path and its option strings."""
    out: dict[tuple[str, ...], set[str]] = {}

    def walk(p: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        out[path] = {s for action in p._actions for s in action.option_strings}
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, (*path, name))

    walk(parser, ())
    return out


def inline_commands(text: str) -> list[str]:
    prose = FENCE.sub("", text)
    return [
        m.group(2).strip()
        for m in CODE_SPAN.finditer(prose)
        if m.group(2).strip().startswith("linli ") and not m.group(2).strip().startswith(OUTPUT)
    ]


def bad_inline(text: str) -> list[str]:
    options = _options(_parser())
    bad = []
    for span in inline_commands(text):
        words = span.split()
        path = subcommand(tuple(words))
        flags = {w.split("=")[0] for w in words if w.startswith("--")}
        if path not in options or flags - options[path]:
            bad.append(span)
    return bad


def test_inline_commands_in_the_prose_are_real() -> None:
    spans = inline_commands(guide_text())
    assert "linli registrar revoke --election E --key registrar.json --roll-id ID --presentation presentation.json" in (
        spans
    )
    assert bad_inline(guide_text()) == []
    assert bad_inline("`linli admin roll --groups A` and `linli voter shout`") == [
        "linli admin roll --groups A",
        "linli voter shout",
    ]


@pytest.mark.parametrize("term", ["指纹", "受托人", "登记员", "名册", "凭证", "差额选举", "业主大会", "匿名", "下一步"])
def test_the_guide_uses_the_catalogues_terms(term: str) -> None:
    assert term in guide_text()


def test_the_readme_links_the_guide() -> None:
    head = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "中文操作指南" in head and "docs/guide.zh.md" in head and Path(GUIDE).exists()
