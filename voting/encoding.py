"""The one canonical encoding (docs/record.md §R1).

Everything Linli hashes, signs or logs is *canonical JSON*: RFC 8785 (JSON Canonicalization Scheme, produced by the
``rfc8785`` library; the booth uses the ``canonicalize`` npm package, and tests/booth checks that the two agree):
UTF-8, object keys sorted by UTF-16 code units, no insignificant whitespace; and, narrower than JCS, no floats,
integers only in the safe range ±(2**53 − 1); big integers and byte strings travel as lowercase hexadecimal strings
of a fixed width (ADR 0003, amended by ADR 0012). :func:`parse` accepts a byte string only if re-encoding
the parsed value gives back exactly the same bytes, so one value has one encoding.

Parsing is bounded *before* any byte reaches ``json.loads`` (docs/protocol.md §P11.1): the size, then the nesting
depth, by an iterative pre-scan that counts brackets outside strings. The depth check cannot wait for the parsed
value: py_ecc raises the interpreter's recursion limit to 100,000 for the whole process, so a few hundred kilobytes
of ``[[[[`` overflow the C scanner's stack (a crash, not an exception) before any Python check runs. Then the
integers' digits (no giant ints), the items of one list or object, lone surrogates (``"\ud800"`` has no UTF-8
encoding) and invalid UTF-8 are refused with :class:`InvalidEncoding`.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import rfc8785

from voting.errors import InvalidEncoding

__all__ = [
    "JSON",
    "canonical",
    "exact_keys",
    "get",
    "hex_bytes",
    "hex_int",
    "parse",
    "parse_hex_bytes",
    "parse_hex_int",
    "parse_untrusted",
]

JSON = Any  # a JSON value made of dict / list / str / int / bool / None

_MAX_SAFE = (1 << 53) - 1
MAX_DEPTH = 32  # nesting of lists and objects; the deepest record value is far shallower
MAX_ITEMS = 1 << 20  # items of one list or object (a tally lists every counted ballot's index)
MAX_SIZE = 1 << 24

# A JSON string: from a quote to the next unescaped quote (the same tokens the JSON scanner sees, since outside a
# string a quote always opens one). DOTALL: an escaped byte may be any byte.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPENING, _CLOSING = b"[{", b"]}"
# Brackets become signed bytes (+1 opening, -1 closing) so the running depth is one C-level accumulate.
_BRACKET_STEPS = bytes.maketrans(_OPENING + _CLOSING, b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _OPENING + _CLOSING)


def _check_depth(data: bytes, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` without recursion: count brackets outside strings."""
    brackets = _STRING.sub(b"", data).translate(_BRACKET_STEPS, _NOT_BRACKETS)
    if brackets and max(accumulate(memoryview(brackets).cast("b"))) > max_depth:
        raise InvalidEncoding(f"JSON nested deeper than {max_depth} levels")


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > 16:  # 2**53 - 1 has 16 digits: refuse giant integers before converting them
        raise InvalidEncoding("integer outside the safe range; big integers must be hex strings")
    return int(digits)


def _check(value: JSON, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise InvalidEncoding("JSON nested too deeply")
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not -_MAX_SAFE <= value <= _MAX_SAFE:
            raise InvalidEncoding("integer outside the safe range; big integers must be hex strings")
        return
    if isinstance(value, list | dict) and len(value) > MAX_ITEMS:
        raise InvalidEncoding(f"a list or object of more than {MAX_ITEMS} items")
    if isinstance(value, list):
        for item in value:
            _check(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEncoding("object keys must be strings")
            _check(item, depth + 1)
        return
    raise InvalidEncoding(f"value of type {type(value).__name__} has no canonical encoding")


def canonical(value: JSON) -> bytes:
    """Canonical JSON bytes of ``value``."""
    _check(value)
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as e:  # a lone surrogate such as "\ud800" (from an
        # escape), in a value or a key, is not Unicode
        raise InvalidEncoding(f"string with a lone surrogate: not valid Unicode ({e})") from e


def _reject_constant(name: str) -> None:
    raise InvalidEncoding(f"non-standard JSON constant {name}")


def _no_duplicates(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidEncoding(f"duplicate key {key!r}")
        out[key] = value
    return out


def _loads(data: bytes, max_size: int, max_depth: int) -> JSON:
    """``json.loads`` behind the bounds: size, then depth (pre-scanned), then strict UTF-8 and the hooks."""
    if not isinstance(data, bytes | bytearray):
        raise InvalidEncoding(f"expected bytes, got {type(data).__name__}")
    if len(data) > max_size:
        raise InvalidEncoding(f"document of {len(data)} bytes exceeds the limit of {max_size}")
    data = bytes(data)
    _check_depth(data, max_depth)
    try:
        text = data.decode("utf-8")  # strict: also refuses encoded surrogates and overlong forms
        return json.loads(
            text,
            parse_float=lambda s: _reject_constant(s),
            parse_int=_parse_int,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except InvalidEncoding:
        raise
    except UnicodeDecodeError as e:
        raise InvalidEncoding(f"not valid UTF-8 at byte {e.start}") from e
    except (ValueError, RecursionError) as e:
        raise InvalidEncoding(f"not valid JSON: {e}") from e


def parse(data: bytes, *, max_size: int = MAX_SIZE, max_depth: int = MAX_DEPTH) -> JSON:
    """Parse canonical JSON; anything that does not re-encode to the same bytes is rejected."""
    value = _loads(data, max_size, max_depth)
    if canonical(value) != data:
        raise InvalidEncoding("JSON is not in canonical form (sorted keys, no whitespace, minimal escapes)")
    return value


def parse_untrusted(data: bytes, *, max_size: int = MAX_SIZE, max_depth: int = MAX_DEPTH) -> JSON:
    """Parse ordinary JSON (any whitespace and key order: key files, record metadata) from an untrusted source,
    under the same bounds as :func:`parse`: size, depth, integers, items, UTF-8 and surrogates."""
    value = _loads(data, max_size, max_depth)
    _check(value)
    for text in _strings(value):
        try:
            text.encode()
        except UnicodeEncodeError as e:
            raise InvalidEncoding(f"string with a lone surrogate at position {e.start}: not valid Unicode") from e
    return value


def _strings(value: JSON) -> list[str]:
    """Every string (keys too) of a value whose depth is already bounded."""
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            out.extend(v)
            stack.extend(v.values())
    return out


def hex_bytes(data: bytes) -> str:
    return data.hex()


def parse_hex_bytes(value: JSON, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise InvalidEncoding(f"{what}: expected a hex string")
    if value != value.lower() or len(value) % 2:
        raise InvalidEncoding(f"{what}: hex must be lowercase with an even number of digits")
    try:
        raw = bytes.fromhex(value)
    except ValueError as e:
        raise InvalidEncoding(f"{what}: not hexadecimal") from e
    if length is not None and len(raw) != length:
        raise InvalidEncoding(f"{what}: expected {length} bytes, got {len(raw)}")
    return raw


def hex_int(value: int, width: int) -> str:
    """Fixed-width (``width`` bytes) lowercase hex of a non-negative integer."""
    return int(value).to_bytes(width, "big").hex()


def parse_hex_int(value: JSON, what: str, width: int) -> int:
    return int.from_bytes(parse_hex_bytes(value, what, width), "big")


def get(obj: JSON, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``obj[key]`` with a type check and a precise error."""
    if not isinstance(obj, dict):
        raise InvalidEncoding(f"{what}: expected an object")
    if key not in obj:
        raise InvalidEncoding(f"{what}: missing field {key!r}")
    value = obj[key]
    if isinstance(value, bool) and kind is not bool and not (isinstance(kind, tuple) and bool in kind):
        raise InvalidEncoding(f"{what}.{key}: expected {kind}, got a boolean")
    if not isinstance(value, kind):
        raise InvalidEncoding(f"{what}.{key}: wrong type {type(value).__name__}")
    return value


def exact_keys(obj: JSON, keys: set[str], what: str, optional: set[str] | None = None) -> dict[str, JSON]:
    """Reject objects with missing or unknown fields."""
    if not isinstance(obj, dict):
        raise InvalidEncoding(f"{what}: expected an object")
    allowed = keys | (optional or set())
    unknown = set(obj) - allowed
    if unknown:
        raise InvalidEncoding(f"{what}: unknown field(s) {sorted(unknown)}")
    missing = keys - set(obj)
    if missing:
        raise InvalidEncoding(f"{what}: missing field(s) {sorted(missing)}")
    return obj
