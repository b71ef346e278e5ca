"""What a client has pinned about each election it has seen (docs/protocol.md §P12).

An election is identified to people by its **fingerprint** (:func:`voting.election.fingerprint`), which the
administrator posts on the community notice board. A client that is given the fingerprint (``--expect``) compares
it; a client that is not pins the fingerprint it sees on first use, says so, and refuses a different one later.
The log's checkpoint key is pinned the same way, per election. The pin file is JSON::

    {"elections": {"<election id>": {"fingerprint": "K7QXM-…", "log_key": "<vkey>"}}, "type": "linli-pins"}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from client.errors import ElectionMismatch, UsageError

__all__ = ["Pin", "PinStore"]

PINS_TYPE = "linli-pins"


@dataclass(frozen=True, slots=True)
class Pin:
    fingerprint: str
    log_key: str


class PinStore:
    """Pins kept in memory, and in a file when ``path`` is given."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._pins: dict[str, Pin] = {}
        if path is not None and path.exists():
            self._pins = _read(path)

    def get(self, election_id: str) -> Pin | None:
        return self._pins.get(election_id)

    def check(self, election_id: str, fingerprint: str, log_key: str) -> bool:
        """Compare with the pin for ``election_id``; pin on first use. Returns True if this was the first use.

        Raises ElectionMismatch if a different fingerprint or log key was pinned before."""
        pin = self._pins.get(election_id)
        if pin is None:
            self._pins[election_id] = Pin(fingerprint, log_key)
            self._save()
            return True
        if pin.fingerprint != fingerprint:
            raise ElectionMismatch(
                f"election {election_id} now has fingerprint {fingerprint}, but {pin.fingerprint} was pinned: the "
                "server is showing a different election under this id"
            )
        if pin.log_key != log_key:
            raise ElectionMismatch(
                f"the log of election {election_id} is now signed by another key than the pinned one"
            )
        return False

    def _save(self) -> None:
        if self.path is None:
            return
        obj = {
            "elections": {
                k: {"fingerprint": p.fingerprint, "log_key": p.log_key} for k, p in sorted(self._pins.items())
            },
            "type": PINS_TYPE,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.path)


def _read(path: Path) -> dict[str, Pin]:
    try:
        obj = json.loads(path.read_bytes()[: 1 << 22])
        if obj.get("type") != PINS_TYPE or not isinstance(obj.get("elections"), dict):
            raise ValueError("not a pin file")
        return {
            str(k): Pin(str(v["fingerprint"]), str(v["log_key"]))
            for k, v in obj["elections"].items()
            if isinstance(v, dict)
        }
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise UsageError(f"{path}: malformed pin file ({e}); move it away to start over") from e
