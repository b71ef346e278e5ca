"""The election record on disk (docs/record.md): what ``linli export`` writes and ``linli verify`` reads.

A record is a directory with two files:

* ``record.json`` — ``{"checkpoints": [signed notes...], "election": id, "format": "linli-record/1",
  "log_key": "<signed-note verifier key>", "origin": "<log origin>"}``
* ``entries.jsonl`` — every log entry, one per line, exactly its canonical bytes (the RFC 9162 leaf input).
* ``ceremony.jsonl`` — only when the key was made by the trustees' ceremony: its transcript, one board message per
  line (:class:`voting.ceremony.RecordedMessage`, docs/protocol.md §P15.10).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from client.errors import UsageError
from voting.encoding import parse_untrusted
from voting.errors import InvalidEncoding

__all__ = ["CEREMONY_FILE", "FORMAT", "Record", "read_record", "write_record"]

FORMAT = "linli-record/1"
CEREMONY_FILE = "ceremony.jsonl"


@dataclass(frozen=True, slots=True)
class Record:
    election_id: str
    origin: str
    log_key: str
    checkpoints: tuple[bytes, ...]
    entries: tuple[bytes, ...]
    ceremony: tuple[bytes, ...] = ()  # the key ceremony's transcript lines; () for a dealer's key


def _write_lines(path: Path, lines: tuple[bytes, ...]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:  # line by line: a large record is not copied into one buffer first
        for line in lines:
            f.write(line)
            f.write(b"\n")
    os.replace(tmp, path)


def _read_lines(path: Path) -> tuple[bytes, ...]:
    lines: list[bytes] = []
    with path.open("rb") as f:  # line by line: the file is never held twice (whole, then split)
        for line in f:
            if not line.endswith(b"\n"):
                raise UsageError(f"{path.name} must end with a newline")
            lines.append(line[:-1])
    return tuple(lines)


def write_record(path: Path, record: Record) -> None:
    """Write atomically-enough: files are written to temporary names and renamed into place."""
    path.mkdir(parents=True, exist_ok=True)
    meta = {
        "checkpoints": [n.decode() for n in record.checkpoints],
        "election": record.election_id,
        "format": FORMAT,
        "log_key": record.log_key,
        "origin": record.origin,
    }
    _write_lines(path / "entries.jsonl", record.entries)
    if record.ceremony:
        _write_lines(path / CEREMONY_FILE, record.ceremony)
    elif (path / CEREMONY_FILE).exists():
        (path / CEREMONY_FILE).unlink()  # another election's, from an earlier export into this directory
    tmp = path / "record.json.tmp"
    tmp.write_bytes(json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n")
    os.replace(tmp, path / "record.json")


def read_record(path: Path) -> Record:
    """Read a record directory; raise UsageError with a precise reason when it is malformed."""
    meta_path, entries_path = path / "record.json", path / "entries.jsonl"
    if not meta_path.is_file() or not entries_path.is_file():
        raise UsageError(f"{path} is not an election record (record.json and entries.jsonl expected)")
    try:  # the auditor reads records from anyone: bounded before the JSON parser sees a byte (§P11.1)
        meta = parse_untrusted(meta_path.read_bytes())
    except InvalidEncoding as e:
        raise UsageError(f"record.json is not valid JSON: {e}") from e
    expected = {"checkpoints", "election", "format", "log_key", "origin"}
    if not isinstance(meta, dict) or set(meta) != expected:
        raise UsageError(f"record.json must have exactly the fields {sorted(expected)}")
    if meta["format"] != FORMAT:
        raise UsageError(f"unsupported record format {meta['format']!r}")
    if not all(isinstance(meta[k], str) for k in ("election", "log_key", "origin")) or not isinstance(
        meta["checkpoints"], list
    ):
        raise UsageError("record.json has fields of the wrong type")
    if not all(isinstance(n, str) for n in meta["checkpoints"]):
        raise UsageError("record.json: checkpoints must be strings")
    ceremony_path = path / CEREMONY_FILE
    return Record(
        election_id=meta["election"],
        origin=meta["origin"],
        log_key=meta["log_key"],
        checkpoints=tuple(n.encode() for n in meta["checkpoints"]),
        entries=_read_lines(entries_path),
        ceremony=_read_lines(ceremony_path) if ceremony_path.is_file() else (),
    )
