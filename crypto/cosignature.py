"""C2SP tlog-cosignature (cosignature/v1, Ed25519) and the witness quorum check (docs/protocol.md §P17).

Spec: https://c2sp.org/tlog-cosignature. A cosignature is a signed-note signature line on a checkpoint::

    — <witness name> base64(key ID (4 bytes) || timestamp (8 bytes, big-endian) || Ed25519 signature (64 bytes))

* the key ID is ``SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]`` (§Format: signature type 0x04);
* the signed message is ``"cosignature/v1\\n" "time " <decimal timestamp> "\\n"`` followed by the whole checkpoint
  body, final newline included (§Ed25519 signed message);
* the timestamp is POSIX seconds and MUST NOT exceed 2^63 - 1;
* a verifier key is written ``<name>+<hex key ID>+<base64(0x04 || public key)>`` (signed-note vkeys).

Everything here is pure: the caller passes the timestamp to sign with (a witness reads its clock in the CLI).
Errors: :class:`~crypto.errors.InvalidKey` for keys, :class:`~crypto.errors.DecodingError` for malformed notes,
:class:`~crypto.errors.InvalidSignature` for a cosignature by a named witness that does not verify, and its
subclass :class:`QuorumNotMet` when fewer than the quorum of named witnesses cosigned.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto.errors import DecodingError, InvalidKey, InvalidSignature
from crypto.note import (
    Checkpoint,
    NoteVerifier,
    SignatureLine,
    open_signed_note,
    split_signed_note,
)

__all__ = [
    "COSIGNATURE_TYPE",
    "MAX_TIMESTAMP",
    "Cosignature",
    "Cosigner",
    "CosignerVerifier",
    "QuorumNotMet",
    "add_signature_lines",
    "cosignature_key_id",
    "cosignature_message",
    "cosignature_timestamp",
    "cosignatures",
    "open_cosigned_checkpoint",
    "parse_signature_lines",
]

#: tlog-cosignature §Format: the key ID algorithm byte (and vkey type) of Ed25519 cosignatures.
COSIGNATURE_TYPE = 0x04
#: §Format: the timestamp MUST NOT exceed 2^63 - 1.
MAX_TIMESTAMP = 2**63 - 1

_HEADER = b"cosignature/v1\n"
_KEY_ID_SIZE = 4
_PUBLIC_KEY_SIZE = 32
_SIGNATURE_SIZE = 8 + 64  # timestamped_signature: u64 timestamp, ed25519_signature[64]
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


class QuorumNotMet(InvalidSignature):
    """Fewer than the quorum of the named witnesses cosigned the checkpoint (§P17.4)."""


def _check_name(name: str) -> None:
    # signed-note §Format: key names are non-empty, without Unicode spaces, "+" or control characters.
    if (
        not isinstance(name, str)
        or name == ""
        or any(c.isspace() or c == "+" or ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF for c in name)
    ):
        raise InvalidKey(f"invalid witness key name {name!r}")


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    """§Format: ``SHA-256(<name> || "\\n" || 0x04 || 32-byte Ed25519 public key)[:4]``."""
    _check_name(name)
    if not isinstance(public_key, bytes) or len(public_key) != _PUBLIC_KEY_SIZE:
        raise InvalidKey("Ed25519 public keys are 32 bytes")
    data = name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_TYPE]) + public_key
    return hashlib.sha256(data).digest()[:_KEY_ID_SIZE]


def cosignature_message(body: bytes, timestamp: int) -> bytes:
    """§Ed25519 signed message: the header line, the timestamp line, then the whole checkpoint body."""
    _check_timestamp(timestamp)
    # The body must be a checkpoint (cosignatures are only defined over checkpoints).
    Checkpoint.from_body(body)
    return _HEADER + f"time {timestamp}\n".encode("ascii") + body


def _check_timestamp(timestamp: int) -> None:
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise DecodingError("a cosignature timestamp is an integer in [0, 2**63)")


@dataclass(frozen=True, slots=True)
class CosignerVerifier:
    """A witness's public identity: name, key ID (type 0x04) and Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.key_id, bytes) or cosignature_key_id(self.name, self.public_key) != self.key_id:
            raise InvalidKey(f"key ID does not match the name and public key of witness {self.name!r}")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> CosignerVerifier:
        return cls(name=name, key_id=cosignature_key_id(name, public_key), public_key=public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignerVerifier:
        """Parse ``<name>+<8 lowercase hex key ID>+<base64(0x04 || public key)>``."""
        if not isinstance(vkey, str):
            raise InvalidKey("witness verifier key must be a string")
        parts = vkey.split("+", 2)  # the name has no "+", the base64 may
        if len(parts) != 3:
            raise InvalidKey("witness verifier key must have the form name+keyid+key")
        name, hex_id, key_text = parts
        _check_name(name)
        if _HEX_KEY_ID.fullmatch(hex_id) is None:
            raise InvalidKey("witness verifier key ID must be 8 lowercase hex digits")
        try:
            key = base64.b64decode(key_text.encode("ascii"), validate=True)
        except (UnicodeEncodeError, ValueError) as e:
            raise InvalidKey("witness verifier key is not base64") from e
        if base64.b64encode(key).decode("ascii") != key_text:
            raise InvalidKey("witness verifier key is not canonical base64")
        if len(key) != 1 + _PUBLIC_KEY_SIZE or key[0] != COSIGNATURE_TYPE:
            raise InvalidKey("witness verifier key is not an Ed25519 cosignature (type 0x04) key")
        return cls(name=name, key_id=bytes.fromhex(hex_id), public_key=key[1:])

    def to_vkey(self) -> str:
        key = base64.b64encode(bytes([COSIGNATURE_TYPE]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{key}"

    def matches(self, line: SignatureLine) -> bool:
        """signed-note §Signatures: a line is this key's when both its name and key ID are."""
        return line.name == self.name and line.key_id == self.key_id

    def verify(self, body: bytes, signature: bytes) -> int:
        """Verify a ``timestamped_signature`` (after the key ID) over the checkpoint ``body``; its timestamp."""
        if not isinstance(signature, bytes) or len(signature) != _SIGNATURE_SIZE:
            raise InvalidSignature(f"cosignature by {self.name!r} is not {_SIGNATURE_SIZE} bytes")
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise InvalidSignature(f"cosignature by {self.name!r} has a timestamp beyond 2**63 - 1")
        message = cosignature_message(body, timestamp)
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature[8:], message)
        except (_CryptographyInvalidSignature, ValueError) as e:
            raise InvalidSignature(f"cosignature by {self.name}+{self.key_id.hex()} does not verify") from e
        return timestamp


def cosignature_timestamp(line: SignatureLine) -> int:
    """The timestamp a cosignature line claims, NOT verified (for display and evidence; verify with a key)."""
    if len(line.signature) != _SIGNATURE_SIZE:
        raise DecodingError(f"a cosignature is {_SIGNATURE_SIZE} bytes after its key ID")
    timestamp = int.from_bytes(line.signature[:8], "big")
    _check_timestamp(timestamp)
    return timestamp


@dataclass(frozen=True, slots=True)
class Cosigner:
    """A witness's Ed25519 cosigning key with its name."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.private_key, Ed25519PrivateKey):
            raise InvalidKey("cosigners hold an Ed25519 private key")

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls.from_private_bytes(name, secrets.token_bytes(32))

    @classmethod
    def from_private_bytes(cls, name: str, raw: bytes) -> Cosigner:
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise InvalidKey("Ed25519 private keys are 32 bytes")
        return cls(name=name, private_key=Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        return self.private_key.private_bytes_raw()

    def verifier(self) -> CosignerVerifier:
        return CosignerVerifier.from_public_key(self.name, self.private_key.public_key().public_bytes_raw())

    def cosign(self, body: bytes, timestamp: int) -> SignatureLine:
        """The cosignature line over the checkpoint ``body`` at ``timestamp`` (POSIX seconds)."""
        message = cosignature_message(body, timestamp)
        signature = timestamp.to_bytes(8, "big") + self.private_key.sign(message)
        return SignatureLine(self.name, self.verifier().key_id, signature)


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A verified cosignature: who made it and when (the witness's claim, POSIX seconds)."""

    witness: CosignerVerifier
    timestamp: int


def parse_signature_lines(data: bytes) -> tuple[SignatureLine, ...]:
    """One or more signature lines (what a witness answers, tlog-witness §add-checkpoint), parsed strictly."""
    if not isinstance(data, bytes) or not data:
        raise DecodingError("expected one or more signature lines")
    # A dummy checkpoint text makes the lines a signed note, so they are parsed by the one strict parser.
    _, lines = split_signed_note(b"x\n\n" + data)
    return lines


def add_signature_lines(note: bytes, lines: Sequence[SignatureLine]) -> bytes:
    """``note`` with ``lines`` appended (lines it already holds, byte for byte, are not repeated)."""
    _, existing = split_signed_note(note)
    out = note
    for line in lines:
        if line not in existing:
            out += line.to_line()
            existing = (*existing, line)
    split_signed_note(out)  # still a valid note (e.g. at most MAX_SIGNATURES lines)
    return out


def cosignatures(note: bytes, witnesses: Sequence[CosignerVerifier]) -> tuple[Cosignature, ...]:
    """Every valid cosignature on ``note`` by one of ``witnesses``, one per witness key (a witness that signed twice
    counts once, with its latest timestamp).

    signed-note §Signatures: lines by unknown keys (name and key ID not both a witness's) are ignored; a line that
    names a witness's name and key ID MUST verify, else :class:`InvalidSignature` (the note is rejected).
    """
    body, lines = split_signed_note(note)
    found: dict[bytes, Cosignature] = {}
    for line in lines:
        for witness in witnesses:
            if witness.matches(line):
                timestamp = witness.verify(body, line.signature)
                earlier = found.get(witness.public_key)
                if earlier is None or earlier.timestamp < timestamp:
                    found[witness.public_key] = Cosignature(witness, timestamp)
    return tuple(found.values())


def open_cosigned_checkpoint(
    note: bytes, log: NoteVerifier, witnesses: Sequence[CosignerVerifier], quorum: int
) -> tuple[Checkpoint, tuple[Cosignature, ...]]:
    """§P17.4: the checkpoint once the log's signature verifies and at least ``quorum`` distinct witness keys among
    ``witnesses`` cosigned it (quorum 0: the log's signature alone, as without witnesses).

    Raises InvalidSignature (a bad log signature or a bad cosignature by a named witness), QuorumNotMet, or
    DecodingError.
    """
    if not isinstance(quorum, int) or isinstance(quorum, bool) or not 0 <= quorum <= len(witnesses):
        raise InvalidKey(f"a quorum is between 0 and the number of witnesses ({len(witnesses)})")
    checkpoint = Checkpoint.from_body(open_signed_note(note, log))
    found = cosignatures(note, witnesses)
    if len({c.witness.public_key for c in found}) < quorum:
        names = ", ".join(sorted(c.witness.name for c in found)) or "none"
        raise QuorumNotMet(
            f"checkpoint of size {checkpoint.size} has {len(found)} of the {quorum} witness cosignatures needed"
            f" (cosigned by: {names})"
        )
    return checkpoint, found
