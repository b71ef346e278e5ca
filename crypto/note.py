"""C2SP signed notes with Ed25519 keys, and transparency-log checkpoints.

Specs: https://c2sp.org/signed-note (v1.0.0) and https://c2sp.org/tlog-checkpoint. A checkpoint body is::

    <origin>\\n<decimal tree size>\\n<base64 root hash>\\n[<extension line>\\n ...]

and a signed note is the body, a blank line, then one or more signature lines::

    — <key name> <base64(key ID (4 bytes) || Ed25519 signature (64 bytes))>\\n

The Ed25519 signature covers exactly the body bytes. Key IDs are
``SHA-256(key name || 0x0A || 0x01 || public key)[:4]`` and a verifier key is written
``<name>+<hex key ID>+<base64(0x01 || public key)>``.

Parsing is strict and canonical (UTF-8, no control characters but newline, canonical base64, no leading
zeros); every malformed input raises :class:`~crypto.errors.DecodingError` (notes, checkpoints) or
:class:`~crypto.errors.InvalidKey` (key names and verifier keys); a signature by the expected key that does
not verify, or the absence of any such signature, raises :class:`~crypto.errors.InvalidSignature`.
:func:`verify_checkpoint_extends` raises :class:`~crypto.errors.MerkleProofError`.

Note: opening a checkpoint proves who signed it, not which log it is about; callers compare
``Checkpoint.origin`` with the origin they expect.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto.errors import DecodingError, InvalidKey, InvalidSignature, MerkleProofError
from crypto.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency

__all__ = [
    "ED25519_SIGNATURE_TYPE",
    "MAX_SIGNATURES",
    "Checkpoint",
    "NoteSigner",
    "NoteVerifier",
    "SignatureLine",
    "key_id",
    "open_checkpoint",
    "open_signed_note",
    "sign_checkpoint",
    "split_signed_note",
    "verify_checkpoint_extends",
]

#: signed-note §Signature types: 0x01 is Ed25519.
ED25519_SIGNATURE_TYPE = 0x01
#: signed-note §Format: verifiers SHOULD limit the number of signatures and MUST accept at least 16;
#: 100 is the limit of the Go reference implementation (golang.org/x/mod/sumdb/note).
MAX_SIGNATURES = 100

_SIG_PREFIX = "\u2014 "  # signed-note §Format: em dash (U+2014), space (U+0020)
_KEY_ID_SIZE = 4
_PUBLIC_KEY_SIZE = 32
_SIGNATURE_SIZE = 64
_MAX_TREE_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


def _b64decode_canonical(text: str, what: str) -> bytes:
    """RFC 4648 §4 standard base64, rejecting anything that does not re-encode to the same string."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as e:
        raise DecodingError(f"{what} is not valid base64") from e
    if base64.b64encode(raw).decode("ascii") != text:
        raise DecodingError(f"{what} is not canonical base64")
    return raw


def _has_control(text: str) -> bool:
    # signed-note §Format: MUST NOT contain any ASCII control characters (below U+0020) other than newline.
    return any(ord(c) < 0x20 and c != "\n" for c in text)


def _decode_text(data: bytes, what: str) -> str:
    """signed-note §Format: valid UTF-8 without control characters other than newline."""
    if not isinstance(data, bytes):
        raise DecodingError(f"{what} must be bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodingError(f"{what} is not valid UTF-8") from e
    if _has_control(text):
        raise DecodingError(f"{what} contains a control character")
    return text


def _is_valid_key_name(name: str) -> bool:
    # signed-note §Format: key names MUST be non-empty and MUST NOT contain Unicode spaces or plus (U+002B).
    return (
        isinstance(name, str)
        and name != ""
        and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)
        and not any(0xD800 <= ord(c) <= 0xDFFF for c in name)  # lone surrogates are not UTF-8
    )


def _check_key_name(name: str) -> None:
    if not _is_valid_key_name(name):
        raise InvalidKey(f"invalid note key name {name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """signed-note §Ed25519 signatures: ``SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]``."""
    _check_key_name(name)
    if not isinstance(public_key, bytes) or len(public_key) != _PUBLIC_KEY_SIZE:
        raise InvalidKey("Ed25519 public keys are 32 bytes")
    data = name.encode("utf-8") + b"\n" + bytes([ED25519_SIGNATURE_TYPE]) + public_key
    return hashlib.sha256(data).digest()[:_KEY_ID_SIZE]


# ---------------------------------------------------------------------------------------------------------
# Checkpoints (c2sp.org/tlog-checkpoint §Note text)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's signed tree head: origin, tree size and RFC 6962/9162 root hash, plus opaque extensions."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # tlog-checkpoint §Note text 1: the origin MUST be non-empty (and one line of note text).
        if not isinstance(self.origin, str) or self.origin == "" or "\n" in self.origin:
            raise DecodingError("checkpoint origin must be one non-empty line")
        # §Note text 2: the tree size, a non-negative integer (uint64 as in the reference implementations).
        if not isinstance(self.size, int) or isinstance(self.size, bool) or not 0 <= self.size <= _MAX_TREE_SIZE:
            raise DecodingError("checkpoint tree size must be an integer in [0, 2**64)")
        # §Note text 3: the RFC 6962 root hash (SHA-256).
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise DecodingError(f"checkpoint root hash must be {HASH_SIZE} bytes")
        # §Note text 4: extension lines, if any, MUST be non-empty.
        if not isinstance(self.extensions, tuple) or not all(
            isinstance(e, str) and e != "" and "\n" not in e for e in self.extensions
        ):
            raise DecodingError("checkpoint extensions must be a tuple of non-empty lines")
        # signed-note §Format: the whole note is UTF-8 text without control characters other than newline.
        for line in (self.origin, *self.extensions):
            if _has_control(line) or any(0xD800 <= ord(c) <= 0xDFFF for c in line):
                raise DecodingError("checkpoint lines must be UTF-8 without control characters")

    def to_body(self) -> bytes:
        """The canonical note text: the bytes that are signed."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines).encode("utf-8")

    @classmethod
    def from_body(cls, body: bytes) -> Checkpoint:
        """Parse a checkpoint body strictly; raise DecodingError on anything not canonical."""
        text = _decode_text(body, "checkpoint")
        # tlog-checkpoint §Note text: at least three non-empty lines, each ending in newline.
        if not text.endswith("\n"):
            raise DecodingError("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise DecodingError("checkpoint needs origin, size and root hash lines")
        if any(line == "" for line in lines):
            raise DecodingError("checkpoint lines must be non-empty")
        origin, size_text, root_text, *extensions = lines
        # §Note text 2: ASCII decimal with no leading zeroes (unless the tree is empty: "0").
        if _DECIMAL.fullmatch(size_text) is None:
            raise DecodingError("checkpoint tree size is not a canonical decimal")
        size = int(size_text)
        if size > _MAX_TREE_SIZE:
            raise DecodingError("checkpoint tree size does not fit in 64 bits")
        # §Note text 3: base64 of the root hash.
        root = _b64decode_canonical(root_text, "checkpoint root hash")
        return cls(origin=origin, size=size, root_hash=root, extensions=tuple(extensions))


# ---------------------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """An Ed25519 note verifier key: name, 4-byte key ID and 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        # signed-note §Ed25519 signatures: the key ID is derived from the name and key, never chosen.
        if not isinstance(self.key_id, bytes) or key_id(self.name, self.public_key) != self.key_id:
            raise InvalidKey(f"key ID does not match the name and public key of {self.name!r}")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> NoteVerifier:
        return cls(name=name, key_id=key_id(name, public_key), public_key=public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<8 lowercase hex key ID>+<base64(0x01 || public key)>``."""
        if not isinstance(vkey, str):
            raise InvalidKey("verifier key must be a string")
        # The key name cannot contain "+", but the base64 key data can: split on the first two only (as Go's
        # golang.org/x/mod/sumdb/note does).
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise InvalidKey("verifier key must have the form name+keyid+key")
        name, hex_id, key_text = parts
        _check_key_name(name)
        if _HEX_KEY_ID.fullmatch(hex_id) is None:
            raise InvalidKey("verifier key ID must be 8 lowercase hex digits")
        try:
            key = _b64decode_canonical(key_text, "verifier key")
        except DecodingError as e:
            raise InvalidKey(str(e)) from e
        if len(key) != 1 + _PUBLIC_KEY_SIZE or key[0] != ED25519_SIGNATURE_TYPE:
            raise InvalidKey("verifier key is not an Ed25519 (type 0x01) key")
        return cls(name=name, key_id=bytes.fromhex(hex_id), public_key=key[1:])

    def to_vkey(self) -> str:
        key = base64.b64encode(bytes([ED25519_SIGNATURE_TYPE]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{key}"

    def verify(self, body: bytes, signature: bytes) -> None:
        """RFC 8032 Ed25519 verification of ``signature`` over the note text ``body``."""
        if len(signature) != _SIGNATURE_SIZE:
            raise InvalidSignature(f"signature by {self.name!r} is not {_SIGNATURE_SIZE} bytes")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, body)
        except (_CryptographyInvalidSignature, ValueError) as e:
            raise InvalidSignature(f"signature by {self.name}+{self.key_id.hex()} does not verify") from e


@dataclass(frozen=True, slots=True)
class NoteSigner:
    """An Ed25519 note signing key with its key name."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if not isinstance(self.private_key, Ed25519PrivateKey):
            raise InvalidKey("note signers hold an Ed25519 private key")

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        """A fresh key; the 32-byte RFC 8032 seed comes from ``secrets``."""
        return cls.from_private_bytes(name, secrets.token_bytes(32))

    @classmethod
    def from_private_bytes(cls, name: str, raw: bytes) -> NoteSigner:
        """Load the 32-byte RFC 8032 private key (seed)."""
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise InvalidKey("Ed25519 private keys are 32 bytes")
        return cls(name=name, private_key=Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        return self.private_key.private_bytes_raw()

    def verifier(self) -> NoteVerifier:
        return NoteVerifier.from_public_key(self.name, self.private_key.public_key().public_bytes_raw())

    def sign(self, body: bytes) -> bytes:
        """Return the signed note: ``body || "\\n" || "— " name " " base64(key ID || signature) "\\n"``."""
        text = _decode_text(body, "note text")
        # signed-note §Format: a text ending in newline (so never empty).
        if not text.endswith("\n"):
            raise DecodingError("note text must end with a newline")
        vk = self.verifier()
        # signed-note §Signatures: base64(32-bit key ID || signature) over the note text.
        sig = base64.b64encode(vk.key_id + self.private_key.sign(body)).decode("ascii")
        return body + f"\n{_SIG_PREFIX}{self.name} {sig}\n".encode()


# ---------------------------------------------------------------------------------------------------------
# Signed notes (c2sp.org/signed-note)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignatureLine:
    """One signature line of a signed note, parsed but not verified: key name, 4-byte key ID, signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def to_line(self) -> bytes:
        """``— <name> <base64(key ID || signature)>\\n``."""
        sig = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {sig}\n".encode()


def split_signed_note(note: bytes) -> tuple[bytes, tuple[SignatureLine, ...]]:
    """Parse a signed note into its text and its signature lines (none verified), strictly.

    signed-note §Format: valid UTF-8 without control characters other than newline; the text is separated from
    the signatures by the last empty line; one or more signature lines (at most :data:`MAX_SIGNATURES`), each
    ``— <key name> <base64(4-byte key ID || signature)>`` ending in newline.
    """
    _decode_text(note, "signed note")
    split = note.rfind(b"\n\n")
    if split < 0:
        raise DecodingError("signed note has no blank line before its signatures")
    body, sig_block = note[: split + 1], note[split + 2 :]
    if not sig_block.endswith(b"\n"):
        raise DecodingError("signed note must end with a signature line and a newline")
    lines = sig_block[:-1].decode("utf-8").split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise DecodingError(f"signed note has more than {MAX_SIGNATURES} signatures")
    parsed: list[SignatureLine] = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise DecodingError("signature line does not start with an em dash and a space")
        name, space, sig_text = line[len(_SIG_PREFIX) :].partition(" ")
        if not space or not _is_valid_key_name(name):
            raise DecodingError("signature line has an invalid key name")
        raw = _b64decode_canonical(sig_text, "signature")
        # §Signatures: 4 bytes of key ID, then at least one byte of signature.
        if len(raw) <= _KEY_ID_SIZE:
            raise DecodingError("signature is too short")
        parsed.append(SignatureLine(name, raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:]))
    return body, tuple(parsed)


def open_signed_note(note: bytes, verifier: NoteVerifier) -> bytes:
    """Return the note text once a signature by ``verifier`` verifies over it.

    Signature lines by other keys (a different name or key ID) are ignored, as signed-note requires; every
    line that names ``verifier``'s name and key ID must verify.
    """
    body, lines = split_signed_note(note)
    verified = False
    for line in lines:
        # §Signatures: verifiers MUST ignore signatures from unknown keys, even if they share a name or ID
        # (but not both) with a known key. If the key name and ID match a known key, verifiers MUST verify
        # the signature; if it fails, clients SHOULD reject the whole note (we do).
        if line.name != verifier.name or line.key_id != verifier.key_id:
            continue
        verifier.verify(body, line.signature)
        verified = True
    # §Signatures: if no signature from a known key verifies successfully, clients MUST reject the note.
    if not verified:
        raise InvalidSignature(f"no signature by {verifier.name}+{verifier.key_id.hex()}")
    return body


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> bytes:
    """The signed note of ``checkpoint`` (UTF-8 bytes)."""
    return signer.sign(checkpoint.to_body())


def open_checkpoint(note: bytes, verifier: NoteVerifier) -> Checkpoint:
    """Verify the note's signature by ``verifier``, then parse its text as a checkpoint."""
    return Checkpoint.from_body(open_signed_note(note, verifier))


def verify_checkpoint_extends(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Check that ``new`` is an append-only extension of ``old`` (a checkpoint never shrinks).

    tlog-checkpoint §Signatures: a log MUST NOT sign two checkpoints that are inconsistent, i.e. between
    which no consistency proof can be constructed. ``proof`` is the RFC 9162 §2.1.4 consistency proof from
    ``old.size`` to ``new.size`` (empty for equal sizes, and from an empty tree).
    """
    if old.origin != new.origin:
        raise MerkleProofError(f"checkpoints are from different logs: {old.origin!r} and {new.origin!r}")
    if new.size < old.size:
        raise MerkleProofError(f"checkpoint rolls back from size {old.size} to {new.size}")
    if old.size == 0:
        # RFC 9162 §2.1.1: MTH({}) = SHA-256(); every tree extends the empty tree, with nothing to prove.
        if old.root_hash != EMPTY_ROOT:
            raise MerkleProofError("checkpoint of size 0 does not carry the empty-tree root hash")
        if new.size == 0 and new.root_hash != EMPTY_ROOT:
            raise MerkleProofError("checkpoint of size 0 does not carry the empty-tree root hash")
        if proof:
            raise MerkleProofError("consistency proof from an empty tree must be empty")
        return
    verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)
