"""Typed, length-prefixed, domain-separated Fiat–Shamir transcripts (docs/protocol.md §P0).

Every challenge in Linli comes from a :class:`Transcript`. Each absorbed item is encoded as::

    type tag (1 byte) || len(label) (u16, big-endian) || label || len(value) (u64, big-endian) || value

with type tags ``B`` (bytes), ``I`` (non-negative integer, minimal big-endian), ``S`` (UTF-8 string) and
``L`` (a list header carrying its element count). The transcript starts with a fixed prefix and the protocol's
domain tag, so two protocols never share a challenge, and no two different sequences of items share an
encoding ("a|b" versus ("a", "b") is impossible by construction). Challenges are derived with SHA-256 in
counter mode over the state and the challenge label, and reduced to exactly ``bits`` bits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from crypto.errors import DecodingError

__all__ = ["Transcript", "int_to_bytes"]

_PREFIX = b"linli/transcript/v1"


def int_to_bytes(value: int) -> bytes:
    """Minimal big-endian encoding of a non-negative integer (zero is the empty string)."""
    if value < 0:
        raise DecodingError("negative integers cannot enter a transcript")
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


class Transcript:
    """A running Fiat–Shamir transcript bound to one protocol's domain tag."""

    __slots__ = ("_h",)

    def __init__(self, domain: str) -> None:
        self._h = hashlib.sha256()
        self._absorb(b"D", "domain", _PREFIX + b"/" + domain.encode())

    def _absorb(self, tag: bytes, label: str, value: bytes) -> None:
        raw_label = label.encode()
        if len(raw_label) >= 1 << 16:
            raise DecodingError("transcript label too long")
        self._h.update(tag)
        self._h.update(len(raw_label).to_bytes(2, "big"))
        self._h.update(raw_label)
        self._h.update(len(value).to_bytes(8, "big"))
        self._h.update(value)

    def append_bytes(self, label: str, value: bytes) -> Transcript:
        self._absorb(b"B", label, bytes(value))
        return self

    def append_int(self, label: str, value: int) -> Transcript:
        self._absorb(b"I", label, int_to_bytes(int(value)))
        return self

    def append_str(self, label: str, value: str) -> Transcript:
        self._absorb(b"S", label, value.encode())
        return self

    def append_ints(self, label: str, values: Iterable[int]) -> Transcript:
        items = [int(v) for v in values]
        self._absorb(b"L", label, len(items).to_bytes(8, "big"))
        for i, v in enumerate(items):
            self.append_int(f"{label}[{i}]", v)
        return self

    def copy(self) -> Transcript:
        other = Transcript.__new__(Transcript)
        other._h = self._h.copy()
        return other

    def challenge_int(self, label: str, bits: int) -> int:
        """A challenge of exactly ``bits`` bits (uniform in [0, 2**bits)); the transcript absorbs the label."""
        if bits <= 0:
            raise ValueError("challenge must have a positive number of bits")
        self._absorb(b"C", label, bits.to_bytes(4, "big"))
        seed = self._h.copy().digest()
        out = b""
        counter = 0
        while len(out) * 8 < bits:
            out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
            counter += 1
        # Mix the output back in so a second challenge from the same transcript differs.
        self._h.update(seed)
        return int.from_bytes(out, "big") >> (len(out) * 8 - bits)

    def challenge_bytes(self, label: str, length: int) -> bytes:
        return self.challenge_int(label, length * 8).to_bytes(length, "big")
