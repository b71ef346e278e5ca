"""Hypothesis strategies for hostile requests to every RPC of wire/linli.proto (tests/server/test_fuzz.py).

A request is ``(method, payload)``: the raw bytes a client puts on the wire. Payloads are crafted with a small
protobuf wire encoder rather than the generated classes, so they can carry what a generated client cannot send:
invalid UTF-8 in string fields, varints beyond 64 bits, wrong wire types, truncated fields, unknown fields.
The JSON inside ``SignedStatement.entry`` and ``CastBallotRequest.ballot`` ranges from random bytes and nesting
bombs to valid entries (from the reference election's log, or freshly signed but never submitted) with one field
mutated: huge integers, floats, lone surrogates, control characters, wrong kinds, missing and extra fields.

Nothing here is ever valid *and* new, so a correct server appends nothing while the fuzzer runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from wire import linli_pb2 as pb

__all__ = ["Corpus", "requests"]

SERVICE = pb.DESCRIPTOR.services_by_name["Linli"]
METHODS = tuple(m.name for m in SERVICE.methods)
STATEMENT_METHODS = tuple(m.name for m in SERVICE.methods if m.input_type.name == "SignedStatement")


@dataclass(frozen=True)
class Corpus:
    """What the fuzzer knows of the reference election: its id, log size, entries, and fresh never-submitted
    statements and ballots (only ever sent mutated)."""

    election_id: str
    size: int
    entries: tuple[bytes, ...]
    fresh: tuple[bytes, ...]  # valid if sent as they are: must only be sent mutated
    fresh_ballots: tuple[bytes, ...]


# -- a protobuf wire encoder that can lie ----------------------------------------------------------------------------
def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(number: int, wire_type: int) -> bytes:
    return _varint(number << 3 | wire_type)


def _len_field(number: int, data: bytes) -> bytes:
    return _key(number, 2) + _varint(len(data)) + data


def _uint_field(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(value)


INTERESTING_INTS = (0, 1, 2, 3, 5, 7, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**53, 2**63 - 1, 2**63, 2**64 - 1)


def _uint64s(size: int) -> st.SearchStrategy[int]:
    near = [max(0, size + d) for d in (-2, -1, 0, 1, 2)]
    return st.one_of(
        st.sampled_from(INTERESTING_INTS + tuple(near)),
        st.integers(0, 2**64 - 1),
        st.integers(2**64, 2**70),  # beyond uint64: protobuf truncates or refuses
    )


_UNICODE_EDGES = (
    "\n",
    "\r\n",
    "\x00",
    "\u202e",  # right-to-left override
    "\ufeff",
    "\U0001f600",
    "é",
    "e\u0301",
    "\u0130",
    "\uffff",
    "\U0010ffff",
)


def _id_text(election_id: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(election_id),
        st.sampled_from([election_id + e for e in _UNICODE_EDGES] + [e + election_id for e in _UNICODE_EDGES]),
        st.sampled_from(["", "ab", "a" * 64, "a" * 65, "a" * 100_000, "no-such-election", election_id.upper()]),
        st.text(max_size=80),
    )


def _string_field_bytes(election_id: str) -> st.SearchStrategy[bytes]:
    """Half the time the reference election's id, so the payloads behind it get exercised too."""
    hostile = st.one_of(
        _id_text(election_id).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", election_id.encode() + b"\xe4\xb8"]),
        st.binary(max_size=80),
    )
    return st.booleans().flatmap(lambda valid: st.just(election_id.encode()) if valid else hostile)


# -- hostile JSON ----------------------------------------------------------------------------------------------------
_RAW_VALUES = (
    b"1e400",
    b"1.5",
    b"-0",
    b"NaN",
    b"Infinity",
    b"9007199254740992",
    b"123456789012345678901234567890",
    b"1" * 5000,
    b'"\\ud800"',
    b'"\\udfff\\ud800"',
    b'"\\u0000"',
    b'"\xed\xa0\x80"',
    b'"\xff"',
    b"[" * 40 + b"]" * 40,
    b"[" * 5000,
    b'{"a":' * 40 + b"1" + b"}" * 40,
    b"true",
    b"null",
    b"[]",
    b"{}",
    b'""',
)

_PLACEHOLDER = "\x01fuzz-placeholder\x01"


def _plain_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53) + 1, 2**53 - 1),
        st.sampled_from([0, -1, 1, 64, 65, 2**31, 2**32, 2**53 - 1]),
        st.text(max_size=40),
        st.sampled_from([*_UNICODE_EDGES, "00" * 32, "ff" * 128, "0" * 257, "x" * 70_000]),
    )
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=8,
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value[:8]):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    parent_path, last = path[:-1], path[-1]
    parent = value
    for p in parent_path:
        parent = parent[p]
    if isinstance(parent, dict):
        parent = {k: v for k, v in parent.items() if k != last}
    else:
        parent = [v for i, v in enumerate(parent) if i != last]
    return _replace(value, parent_path, parent)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


@st.composite
def mutated_json(draw: st.DrawFn, originals: tuple[bytes, ...]) -> bytes:
    """A valid document with one field replaced, deleted or added; never the original bytes."""
    original = draw(st.sampled_from(originals))
    value = json.loads(original)
    path = draw(st.sampled_from(_paths(value)))
    how = draw(st.sampled_from(["plain", "raw", "delete", "add"]))
    if how == "delete" and path:
        out = _dumps(_delete(value, path))
    elif how == "add":
        target = draw(st.sampled_from([p for p in _paths(value) if _is_dict(value, p)]))
        key = draw(st.sampled_from(["zz", "", "signature", "v", "author", "\u0000"]) | st.text(max_size=6))
        container = _get(value, target)
        out = _dumps(_replace(value, target, {**container, key: draw(_plain_values())}))
    elif how == "raw":
        out = _dumps(_replace(value, path, _PLACEHOLDER)).replace(
            json.dumps(_PLACEHOLDER).encode(), draw(st.sampled_from(_RAW_VALUES))
        )
    else:
        out = _dumps(_replace(value, path, draw(_plain_values())))
    if draw(st.booleans()):  # and sometimes break the canonical form too
        out = draw(st.sampled_from([out + b" ", b" " + out, out.replace(b":", b": ", 1), out + b"\n"]))
    return out if out != original else out + b"!"


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


def _is_dict(value: Any, path: tuple[Any, ...]) -> bool:
    return isinstance(_get(value, path), dict)


@st.composite
def mutated_bytes(draw: st.DrawFn, originals: tuple[bytes, ...]) -> bytes:
    """A valid document with bytes flipped, inserted, deleted or truncated; never the original bytes."""
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(0, len(data) - 1)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[i:i] = draw(st.sampled_from([b"[", b"{", b'"', b"\\", b"\x00", b"\xff", b",", b"\\ud800"]))
        elif op == "delete" and data:
            del data[i]
        else:
            del data[i:]
    out = bytes(data)
    return out if out not in originals else out + b"!"


def bombs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.integers(33, 300_000).map(lambda n: b"[" * n),
        st.integers(33, 150_000).map(lambda n: b'{"a":' * n),
        st.integers(33, 100_000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(33, 50_000).map(lambda n: b'{"body":' + b"[" * n),
        st.integers(1, 10_000).map(lambda n: b"[" + b"1," * n + b"1]"),
    )


def json_payloads(corpus: Corpus, *, ballots: bool) -> st.SearchStrategy[bytes]:
    valid = corpus.entries + corpus.fresh
    if ballots:
        valid = corpus.fresh_ballots + tuple(_ballot_bodies(corpus.entries))
    return st.one_of(
        st.binary(max_size=300),
        bombs(),
        mutated_json(valid),
        mutated_bytes(valid),
        st.sampled_from(corpus.entries),  # replays of what is already in the log: never a new append
        st.sampled_from(tuple(_ballot_bodies(corpus.entries)) or (b"{}",)),
        _plain_values().map(_dumps),
    )


def _ballot_bodies(entries: tuple[bytes, ...]) -> list[bytes]:
    out = []
    for data in entries:
        obj = json.loads(data)
        if obj.get("kind") == "ballot":
            out.append(_dumps(obj["body"]))
    return out


# -- requests for every RPC --------------------------------------------------------------------------------------
@st.composite
def _message(draw: st.DrawFn, method: str, corpus: Corpus) -> bytes:
    string = _string_field_bytes(corpus.election_id)
    number = _uint64s(corpus.size)
    if method in STATEMENT_METHODS:
        fields = [_len_field(1, draw(json_payloads(corpus, ballots=False)))]
    elif method == "CastBallot":
        fields = [_len_field(1, draw(string)), _len_field(2, draw(json_payloads(corpus, ballots=True)))]
    elif method in ("GetElection", "GetCheckpoint", "GetCheckpoints"):
        fields = [_len_field(1, draw(string))]
    elif method in ("GetInclusionProof", "GetConsistencyProof", "GetEntries"):
        fields = [_len_field(1, draw(string)), _uint_field(2, draw(number)), _uint_field(3, draw(number))]
    elif method in ("PostCredentialRequest", "PostIssuance"):  # the relay (§P13): election id, canonical JSON
        fields = [_len_field(1, draw(string)), _len_field(2, draw(json_payloads(corpus, ballots=False)))]
    elif method in ("GetCredentialRequest", "GetIssuance"):  # election id, relay code
        fields = [_len_field(1, draw(string)), _len_field(2, draw(string))]
    else:  # GetServerInfo, ListElections: empty messages (anything sent is an unknown field)
        fields = []
    fields = draw(st.permutations(fields)) if fields else fields
    fields = [f for f in fields if draw(st.integers(0, 9))]  # sometimes a field is missing
    if draw(st.integers(0, 4)) == 0:  # an unknown field, a wrong wire type, or a truncated tail
        fields.append(
            draw(
                st.sampled_from(
                    [
                        _len_field(15, b"unknown"),
                        _uint_field(1, 7),
                        _key(2, 2) + _varint(1000) + b"short",
                        _key(3, 5) + b"\x00\x00",
                        _key(1, 3) * 200 + _key(1, 4) * 200,
                        b"\x80" * 11,
                    ]
                )
            )
        )
    return b"".join(fields)


def requests(corpus: Corpus) -> st.SearchStrategy[tuple[str, bytes]]:
    """A method of the Linli service and a hostile payload for it."""
    method = st.sampled_from(METHODS)
    return method.flatmap(
        lambda m: st.tuples(
            st.just(m),
            st.one_of(_message(m, corpus), _message(m, corpus), st.binary(max_size=200), bombs()),
        )
    )
