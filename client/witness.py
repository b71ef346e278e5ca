"""A witness (docs/protocol.md §P17.2): fetch each election's newest checkpoint, check the log's signature and that it
is consistent with the last checkpoint this witness cosigned, cosign it (C2SP cosignature/v1) and post the
cosignature to the server.

The state file holds, per log origin, the last checkpoint cosigned (its signed note). It is written atomically
(temporary file, fsync, rename, fsync of the directory) BEFORE the cosignature leaves the witness, as tlog-witness
requires, so a crash can never make the witness cosign a checkpoint inconsistent with one it already cosigned.
A rollback or a fork is refused: the state is kept, the evidence (both signed checkpoints, and the server's failed
proof) is saved in the state and reported, and nothing is cosigned for that log again until an operator acts.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.api import LinliClient
from client.errors import ServerRejected, UsageError
from crypto.cosignature import Cosigner, parse_signature_lines
from crypto.errors import CryptoError
from crypto.note import NoteVerifier, open_checkpoint, verify_checkpoint_extends
from voting.election import ElectionDefinition
from voting.errors import VotingError
from voting.records import Entry
from voting.statements import ElectionCreated

__all__ = ["Outcome", "WitnessState", "load_state", "save_state", "witness_once"]

STATE_TYPE = "linli-witness-state"
MAX_STATE_BYTES = 64 << 20


@dataclass
class WitnessState:
    """What a witness remembers: the log key it trusts, the last checkpoint it cosigned per origin, and forks."""

    log_key: str = ""
    logs: dict[str, str] | None = None  # origin -> the signed note of the last checkpoint cosigned
    forks: list[dict[str, Any]] | None = None  # evidence, oldest first

    def to_json(self) -> dict[str, Any]:
        return {"forks": self.forks or [], "log_key": self.log_key, "logs": self.logs or {}, "type": STATE_TYPE}


def load_state(path: Path) -> WitnessState:
    """The state file, or a fresh state if there is none yet (a malformed one is refused, never replaced)."""
    if not path.exists():
        return WitnessState(logs={}, forks=[])
    try:
        if path.stat().st_size > MAX_STATE_BYTES:
            raise UsageError(f"{path}: witness state file too large")
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path}: unreadable witness state ({e}); fix or move it, never delete it blindly") from e
    if not isinstance(obj, dict) or obj.get("type") != STATE_TYPE:
        raise UsageError(f"{path}: not a witness state file")
    logs, forks, log_key = obj.get("logs"), obj.get("forks"), obj.get("log_key")
    if not isinstance(logs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in logs.items()):
        raise UsageError(f"{path}: malformed witness state (logs)")
    if not isinstance(forks, list) or not isinstance(log_key, str):
        raise UsageError(f"{path}: malformed witness state")
    return WitnessState(log_key=log_key, logs=logs, forks=forks)


def save_state(path: Path, state: WitnessState) -> None:
    """Atomically replace the state file: write a temporary file, fsync it, rename it over, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    data = (json.dumps(state.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one round did for one election: ``cosigned``, ``unchanged``, ``skipped`` or ``fork``."""

    election_id: str
    status: str
    size: int
    message: str


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def witness_once(
    client: LinliClient,
    cosigner: Cosigner,
    election_id: str,
    state: WitnessState,
    state_path: Path,
    now: Callable[[], float],
) -> Outcome:
    """§P17.2, one election: check, cosign, persist, post. Raises nothing for a fork: returns status ``fork``."""
    assert state.logs is not None and state.forks is not None
    log, prefix = client.log_verifier()
    if state.log_key and state.log_key != log.to_vkey():
        return _fork(
            state,
            state_path,
            election_id,
            0,
            f"the server signs with {log.to_vkey()}, not the log key this witness trusts ({state.log_key})",
            {},
        )
    origin = prefix + election_id
    definition = _definition(client, election_id)
    me = cosigner.verifier()
    if me not in definition.witnesses:
        return Outcome(election_id, "skipped", 0, f"election {election_id} does not name {me.to_vkey()}")
    note = client.checkpoint_note(election_id)
    try:
        new = open_checkpoint(note, log)
    except CryptoError as e:
        return Outcome(election_id, "skipped", 0, f"the server's checkpoint does not verify: {e}")
    if new.origin != origin:
        return Outcome(election_id, "skipped", new.size, f"the checkpoint is for log {new.origin!r}, not {origin!r}")
    previous_note = state.logs.get(origin)
    if previous_note is not None:
        old = open_checkpoint(previous_note.encode(), NoteVerifier.from_vkey(state.log_key or log.to_vkey()))
        evidence: dict[str, Any] = {"cosigned": previous_note, "presented": note.decode()}
        if new.size < old.size:
            return _fork(state, state_path, election_id, new.size, f"ROLLBACK from {old.size} to {new.size}", evidence)
        proof: list[bytes] = []
        if new.size > old.size and old.size > 0:
            try:
                proof = client.consistency_proof(election_id, old.size, new.size)
            except ServerRejected as e:
                return Outcome(election_id, "skipped", new.size, f"no consistency proof from the server: {e}")
        try:
            verify_checkpoint_extends(old, new, proof)
        except CryptoError as e:
            evidence["consistency_proof"] = [_b64(h) for h in proof]
            return _fork(
                state,
                state_path,
                election_id,
                new.size,
                f"FORK: {new.size} is not consistent with {old.size}: {e}",
                evidence,
            )
    timestamp = int(now())
    line = cosigner.cosign(new.to_body(), timestamp)
    state.log_key = state.log_key or log.to_vkey()
    state.logs[origin] = _strip_cosignatures(note, log).decode()
    save_state(state_path, state)  # tlog-witness: persist before the cosignature leaves
    try:
        client.add_cosignature(election_id, new.size, line.to_line())
    except ServerRejected as e:
        return Outcome(election_id, "cosigned", new.size, f"cosigned size {new.size}; the server refused it: {e}")
    return Outcome(election_id, "cosigned", new.size, f"cosigned size {new.size} at {timestamp}")


def _strip_cosignatures(note: bytes, log: NoteVerifier) -> bytes:
    """The checkpoint with the log's own signature lines only (what the witness keeps as evidence)."""
    body, _, sigs = note.rpartition(b"\n\n")
    lines = parse_signature_lines(sigs)
    own = [x for x in lines if x.name == log.name and x.key_id == log.key_id]
    return body + b"\n\n" + b"".join(x.to_line() for x in own)


def _definition(client: LinliClient, election_id: str) -> ElectionDefinition:
    """The election's definition, from the log's first entry (the witness needs only its witnesses)."""
    first = client.first_entry(election_id)
    try:
        return ElectionCreated.from_json(Entry.from_bytes(first).body).definition
    except VotingError as e:
        raise UsageError(f"election {election_id}: the log's first entry is not an election definition ({e})") from e


def _fork(
    state: WitnessState, path: Path, election_id: str, size: int, message: str, evidence: dict[str, Any]
) -> Outcome:
    """Refuse, keep the state, and save the evidence (once per distinct presented checkpoint)."""
    assert state.forks is not None
    record = {"election": election_id, "problem": message, **evidence}
    if record not in state.forks:
        state.forks.append(record)
        save_state(path, state)
    return Outcome(election_id, "fork", size, message)
