"""One canonical encoding in both languages (issue 10 item 3, docs/record.md §R1): RFC 8785 (JCS) from the
``rfc8785`` library in Python and the ``canonicalize`` npm package in the booth give the same bytes for every value
the record can hold — above all for keys and strings beyond ASCII (Chinese names, astral CJK Extension B
characters, control characters) — and both parsers accept and refuse the same byte strings."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.booth.node import requires_node, run_ts
from voting.encoding import canonical, parse
from voting.errors import InvalidEncoding

pytestmark = requires_node

SAFE = (1 << 53) - 1
# Code points that sort differently by UTF-16 unit and by code point, the escapes JCS fixes, CJK.
_ALPHABET = st.sampled_from(
    [
        "a",
        "Z",
        "0",
        '"',
        "\\",
        "/",
        "\n",
        "\t",
        "\x00",
        "\x1f",
        "\x7f",
        "é",
        "中",
        "邻",
        "\ue000",
        "\uffff",
        "\U00020000",
        "\U0001f600",
        " ",
        "\u2028",
    ]
) | st.characters(blacklist_categories=("Cs",))
_TEXT = st.text(_ALPHABET, max_size=8)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-SAFE, SAFE) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _booth(values: list[Any], documents: list[bytes]) -> dict[str, Any]:
    return run_ts("test/drivers/canonical.ts", {"values": values, "documents": [d.hex() for d in documents]})


@settings(max_examples=5, deadline=None)
@given(st.lists(_VALUES, min_size=50, max_size=50))
def test_booth_encodes_every_value_as_python(values: list[Any]) -> None:
    # One node process per example: 5 × 50 values.
    answer = _booth(values, [])
    assert [a["ok"] for a in answer["encoded"]] == [canonical(v).hex() for v in values]


def test_utf16_key_order_and_escapes_agree() -> None:
    value = {"\uffff": 1, "\U00020000": 2, "a": "\x01\n\u2028中", "": [True, None, -SAFE]}
    answer = _booth([value], [])
    assert answer["encoded"][0]["ok"] == canonical(value).hex()
    assert bytes.fromhex(answer["encoded"][0]["ok"]).startswith(b'{"":')


def test_both_parsers_accept_and_refuse_the_same_documents() -> None:
    documents = [
        b'{"a":1,"b":2}',
        b'{"b":2,"a":1}',  # unsorted
        b'{"a": 1}',  # whitespace
        b'{"a":1.5}',  # a float
        b'{"a":9007199254740993}',  # beyond 2^53
        b'{"a":"\\u0041"}',  # an escape JCS does not use
        b'{"a":1,"a":1}',  # a duplicate key
        '{"\U00020000":1,"\uffff":2}'.encode(),  # UTF-16 order: canonical
        '{"\uffff":2,"\U00020000":1}'.encode(),  # code-point order: not canonical
        b'"\xff"',  # not UTF-8
        b'"\\ud800"',  # a lone surrogate
        b'[1,true,null,"x"]',
        b'\xef\xbb\xbf{"a":1}',  # a byte-order mark
    ]
    answer = _booth([], documents)
    for document, booth in zip(documents, answer["parsed"], strict=True):
        try:
            python: str | None = canonical(parse(document)).hex()
        except InvalidEncoding:
            python = None
        assert booth.get("ok") == python, document
