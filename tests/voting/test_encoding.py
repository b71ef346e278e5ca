from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.encoding import canonical, hex_int, parse, parse_hex_bytes, parse_hex_int
from voting.errors import InvalidEncoding

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_round_trip(value: object) -> None:
    assert parse(canonical(value)) == value
    assert canonical(parse(canonical(value))) == canonical(value)


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',  # keys out of order
        b'{"a": 1}',  # whitespace
        b'{"a":1,"a":2}',  # duplicate key
        b'{"a":1.0}',  # float
        b'{"a":NaN}',
        b'{"a":9007199254740993}',  # beyond the safe integer range
        b'"\\u0041"',  # needless escape: "A"
        b"\xff",  # not UTF-8
        b"[1,2",  # truncated
    ],
)
def test_ambiguous_or_noncanonical_encodings_rejected(data: bytes) -> None:
    with pytest.raises(InvalidEncoding):
        parse(data)


def test_tuple_versus_joined_string_do_not_collide() -> None:
    # The "a|b" versus ("a", "b") ambiguity of string-joining hashes cannot arise.
    assert canonical(["a", "b"]) != canonical("a|b")
    assert canonical(["ab", "c"]) != canonical(["a", "bc"])


def test_hex_fields_are_fixed_width_and_lowercase() -> None:
    assert parse_hex_int(hex_int(255, 4), "x", 4) == 255
    with pytest.raises(InvalidEncoding):
        parse_hex_int("ff", "x", 4)  # short
    with pytest.raises(InvalidEncoding):
        parse_hex_bytes("ABCD", "x", 2)  # uppercase alias of abcd
    with pytest.raises(InvalidEncoding):
        parse_hex_bytes("abc", "x")
    with pytest.raises(InvalidEncoding):
        parse_hex_bytes(12, "x")
    with pytest.raises(InvalidEncoding):
        canonical({"x": 2**60})
    with pytest.raises(InvalidEncoding):
        canonical({1: "x"})


def test_size_limit() -> None:
    with pytest.raises(InvalidEncoding):
        parse(b"[" + b"1," * 100 + b"1]", max_size=50)
