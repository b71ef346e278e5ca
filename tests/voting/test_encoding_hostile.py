"""Hostile bytes at the one canonical parser (docs/protocol.md §P11.1), and at the client's file loaders.

py_ecc raises the recursion limit to 100,000 for the whole process, so a deep ``[[[[`` overflowed the C JSON
scanner's stack in a worker thread (SIGSEGV) before any depth check could run. These tests parse in a worker
thread, as the gRPC server does; on the unbounded parser the first one kills the test process.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import crypto.bbs  # noqa: F401  (imports py_ecc, which raises the recursion limit: the condition of the crash)
from client.errors import UsageError
from client.keystore import load_signing_key
from client.record import read_record
from voting.encoding import MAX_DEPTH, parse, parse_untrusted
from voting.errors import InvalidEncoding


def _in_worker_thread(fn, data: bytes) -> BaseException | None:  # type: ignore[no-untyped-def]
    """Run ``fn(data)`` in a fresh thread (a small stack, like a gRPC worker); return what it raised."""
    out: list[BaseException | None] = [None]

    def run() -> None:
        try:
            fn(data)
        except BaseException as e:
            out[0] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return out[0]


@pytest.mark.parametrize("bomb", [b"[" * 300_000, b'{"a":' * 100_000, b"[" * 200_000 + b"]" * 200_000])
def test_deeply_nested_json_bomb_refused_without_crash(bomb: bytes) -> None:
    error = _in_worker_thread(parse, bomb)
    assert isinstance(error, InvalidEncoding) and "nested deeper" in str(error)


def test_nesting_inside_strings_does_not_count() -> None:
    data = b'{"a":"' + b"[" * 1000 + b'\\"' + b"{" * 1000 + b'"}'
    assert parse(data) == {"a": "[" * 1000 + '"' + "{" * 1000}


def test_nesting_at_the_limit_is_accepted_and_one_more_refused() -> None:
    assert parse(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    with pytest.raises(InvalidEncoding, match="nested deeper"):
        parse(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


@pytest.mark.parametrize("escape", [b'"\\ud800"', b'"\\udfff"', b'{"\\ud800":1}', b'["a","\\udbff\\u0041"]'])
def test_lone_surrogate_escape_refused(escape: bytes) -> None:
    with pytest.raises(InvalidEncoding, match="surrogate"):
        parse(escape)


def test_surrogate_pair_escape_is_not_canonical() -> None:
    with pytest.raises(InvalidEncoding, match="canonical"):
        parse(b'"\\ud83d\\ude00"')  # a valid pair, but canonical JSON writes the character itself


@pytest.mark.parametrize(
    "data",
    [
        b'"\xed\xa0\x80"',  # an encoded surrogate (CESU-8)
        b'"\xc0\xaf"',  # overlong "/"
        b'"\xff"',
        b'"\xe4\xb8"',  # truncated sequence
        b"\xef\xbb\xbf{}",  # byte order mark
    ],
)
def test_invalid_utf8_refused(data: bytes) -> None:
    with pytest.raises(InvalidEncoding):
        parse(data)


@pytest.mark.parametrize("digits", [17, 400, 4000, 100_000])
def test_giant_integer_refused_before_conversion(digits: int) -> None:
    with pytest.raises(InvalidEncoding, match="safe range"):
        parse(b"1" * digits)


@given(st.binary(max_size=200))
def test_random_bytes_only_ever_raise_invalid_encoding(data: bytes) -> None:
    with contextlib.suppress(InvalidEncoding):
        parse(data)


def test_non_bytes_refused() -> None:
    with pytest.raises(InvalidEncoding, match="expected bytes"):
        parse("{}")  # type: ignore[arg-type]


# -- the client's loaders: the auditor reads records from anyone ---------------------------------------------------
def test_record_json_bomb_refused_without_crash(tmp_path: Path) -> None:
    (tmp_path / "record.json").write_bytes(b"[" * 300_000)
    (tmp_path / "entries.jsonl").write_bytes(b"")
    error = _in_worker_thread(lambda _: read_record(tmp_path), b"")
    assert isinstance(error, UsageError) and "nested deeper" in str(error)


def test_record_json_lone_surrogate_refused(tmp_path: Path) -> None:
    (tmp_path / "record.json").write_bytes(
        b'{"checkpoints":[],"election":"\\ud800","format":"linli-record/1","log_key":"k","origin":"o"}'
    )
    (tmp_path / "entries.jsonl").write_bytes(b"")
    with pytest.raises(UsageError, match="surrogate"):
        read_record(tmp_path)


def test_key_file_json_bomb_refused_without_crash(tmp_path: Path) -> None:
    (tmp_path / "key.json").write_bytes(b'{"a":' * 200_000)
    error = _in_worker_thread(lambda _: load_signing_key(tmp_path / "key.json"), b"")
    assert isinstance(error, UsageError) and "nested deeper" in str(error)


def test_untrusted_json_keeps_ordinary_formatting() -> None:
    assert parse_untrusted(b'{\n  "b": [1, 2],\n  "a": "x"\n}\n') == {"a": "x", "b": [1, 2]}


def test_keys_sort_by_utf16_code_units_as_rfc8785() -> None:
    """JCS (RFC 8785 §3.2.3) sorts keys by UTF-16 code units: an astral character (a surrogate pair, 0xD8xx) sorts
    before U+FFFF, where a code-point sort puts it after. Names of rare CJK characters (Extension B) are astral."""
    from voting.encoding import canonical, parse

    value = {"\uffff": 1, "\U00020000": 2, "a": 3}
    data = canonical(value)
    assert data == '{"a":3,"\U00020000":2,"\uffff":1}'.encode()
    assert parse(data) == value
    with pytest.raises(InvalidEncoding):
        parse('{"a":3,"\uffff":1,"\U00020000":2}'.encode())  # the code-point order is not canonical
