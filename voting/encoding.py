"""The one canonical encoding (docs/record.md §R1).

Everything Linli hashes, signs or logs is *canonical JSON*: UTF-8, object keys sorted by code point, no
insignificant whitespace, no floats, integers only in the safe range ±(2**53 − 1); big integers and byte strings
travel as lowercase hexadecimal strings of a fixed width. :func:`parse` accepts a byte string only if re-encoding
the parsed value gives back exactly the same bytes, so one value has one encoding.
"""

from __future__ import annotations

import json
from typing import Any

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
]

JSON = Any  # a JSON value made of dict / list / str / int / bool / None

_MAX_SAFE = (1 << 53) - 1


def _check(value: JSON, depth: int = 0) -> None:
    if depth > 32:
        raise InvalidEncoding("JSON nested too deeply")
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not -_MAX_SAFE <= value <= _MAX_SAFE:
            raise InvalidEncoding("integer outside the safe range; big integers must be hex strings")
        return
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
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _reject_constant(name: str) -> None:
    raise InvalidEncoding(f"non-standard JSON constant {name}")


def _no_duplicates(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidEncoding(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse(data: bytes, *, max_size: int = 1 << 24) -> JSON:
    """Parse canonical JSON; anything that does not re-encode to the same bytes is rejected."""
    if len(data) > max_size:
        raise InvalidEncoding(f"document of {len(data)} bytes exceeds the limit of {max_size}")
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            parse_float=lambda s: _reject_constant(s),
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except InvalidEncoding:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InvalidEncoding(f"not valid JSON: {e}") from e
    if canonical(value) != data:
        raise InvalidEncoding("JSON is not in canonical form (sorted keys, no whitespace, minimal escapes)")
    return value


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
