"""End-to-end encryption of the key ceremony's private messages between two trustees (docs/protocol.md §P15.9,
docs/decisions/0015).

The dealer-free ceremony (:mod:`crypto.dkg`, :mod:`crypto.threshold_session`) sends private messages from trustee
i to trustee j through an untrusted board. Each trustee draws a fresh X25519 key per ceremony attempt and posts its
public half signed with its Ed25519 signing key named in the election definition (:func:`announcement_message`),
so the board cannot substitute keys. A message from i to j is sealed with ChaCha20-Poly1305 under
``HKDF-SHA256(X25519(i, j), info = label ‖ election ‖ attempt ‖ {i, j})``; the associated data binds the election
id, the attempt, the round, the sender and the recipient, so a ciphertext cannot be replayed in another round,
another attempt, another election or towards another recipient. The 96-bit nonce is random (:mod:`secrets`) and
travels in front of the ciphertext: a ceremony sends a few hundred messages per pair, far below the random-nonce
bound.

Pure functions over explicit bytes; opening raises :class:`~crypto.errors.InvalidCiphertext`.
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from crypto import ed25519
from crypto.errors import DecodingError, InvalidCiphertext, InvalidKey

__all__ = [
    "NONCE_SIZE",
    "OVERHEAD",
    "PUBLIC_KEY_SIZE",
    "PairwiseKey",
    "announcement_message",
    "associated_data",
    "open_message",
    "seal",
    "verify_announcement",
]

PUBLIC_KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = NONCE_SIZE + TAG_SIZE

_KDF_LABEL = b"linli/ceremony/pairwise-key/v1"
_AAD_LABEL = b"linli/ceremony/pairwise-message/v1"
_ANNOUNCE_LABEL = b"linli/ceremony/x25519-announcement/v1"


def _field(data: bytes) -> bytes:
    """Length-prefixed field, so that concatenations of fields never collide."""
    return struct.pack(">I", len(data)) + data


def _check_index(name: str, value: int) -> None:
    if not 1 <= value <= 0xFFFF:
        raise DecodingError(f"{name} index {value} is outside 1..65535")


@dataclass(frozen=True, slots=True)
class PairwiseKey:
    """One trustee's X25519 key for one ceremony attempt; the secret never appears in a repr."""

    secret: bytes = field(repr=False)
    public_key: bytes = field(init=False)

    def __post_init__(self) -> None:
        if len(self.secret) != 32:
            raise DecodingError("an X25519 private key is 32 bytes")
        public = X25519PrivateKey.from_private_bytes(self.secret).public_key()
        object.__setattr__(self, "public_key", public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def generate(cls) -> PairwiseKey:
        raw = X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(raw)

    def _aead(self, peer_public: bytes, election_id: str, attempt: int, a: int, b: int) -> ChaCha20Poly1305:
        if len(peer_public) != PUBLIC_KEY_SIZE:
            raise DecodingError("an X25519 public key is 32 bytes")
        try:
            shared = X25519PrivateKey.from_private_bytes(self.secret).exchange(
                X25519PublicKey.from_public_bytes(peer_public)
            )
        except ValueError as e:  # a low-order point gives the all-zero secret
            raise InvalidKey(f"X25519 key agreement failed: {e}") from e
        low, high = sorted((a, b))
        info = _KDF_LABEL + _field(election_id.encode()) + struct.pack(">IHH", attempt, low, high)
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)
        return ChaCha20Poly1305(key)


def associated_data(election_id: str, attempt: int, round_name: str, sender: int, recipient: int) -> bytes:
    """The AAD of one private message: election, attempt, round, sender, recipient (§P15.9)."""
    _check_index("sender", sender)
    _check_index("recipient", recipient)
    if not 0 <= attempt <= 0xFFFFFFFF:
        raise DecodingError(f"attempt {attempt} is outside 0..2^32-1")
    return (
        _AAD_LABEL
        + _field(election_id.encode())
        + struct.pack(">I", attempt)
        + _field(round_name.encode())
        + struct.pack(">HH", sender, recipient)
    )


def seal(
    key: PairwiseKey,
    recipient_public: bytes,
    *,
    election_id: str,
    attempt: int,
    round_name: str,
    sender: int,
    recipient: int,
    plaintext: bytes,
) -> bytes:
    """Encrypt ``plaintext`` from ``sender`` (holding ``key``) to ``recipient``: ``nonce ‖ ciphertext ‖ tag``."""
    if sender == recipient:
        raise DecodingError("a trustee does not send itself private messages")
    aad = associated_data(election_id, attempt, round_name, sender, recipient)
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + key._aead(recipient_public, election_id, attempt, sender, recipient).encrypt(nonce, plaintext, aad)


def open_message(
    key: PairwiseKey,
    sender_public: bytes,
    *,
    election_id: str,
    attempt: int,
    round_name: str,
    sender: int,
    recipient: int,
    sealed: bytes,
) -> bytes:
    """Decrypt a message sealed by :func:`seal`; raise InvalidCiphertext if it was altered, addressed elsewhere,
    sealed for another round / attempt / election, or under another key."""
    if len(sealed) < OVERHEAD:
        raise InvalidCiphertext(f"private message from trustee {sender} is shorter than {OVERHEAD} bytes")
    aad = associated_data(election_id, attempt, round_name, sender, recipient)
    aead = key._aead(sender_public, election_id, attempt, sender, recipient)
    try:
        return aead.decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)
    except InvalidTag as e:
        raise InvalidCiphertext(
            f"private message from trustee {sender} to {recipient} in round {round_name!r} does not authenticate"
        ) from e


def announcement_message(election_id: str, attempt: int, index: int, x25519_public: bytes) -> bytes:
    """The bytes a trustee signs with its Ed25519 key to vouch for its X25519 key of one attempt (§P15.9)."""
    _check_index("trustee", index)
    if len(x25519_public) != PUBLIC_KEY_SIZE:
        raise DecodingError("an X25519 public key is 32 bytes")
    return _ANNOUNCE_LABEL + _field(election_id.encode()) + struct.pack(">IH", attempt, index) + x25519_public


def verify_announcement(
    signing_public: bytes, election_id: str, attempt: int, index: int, x25519_public: bytes, signature: bytes
) -> None:
    """Raise InvalidSignature unless ``signature`` by ``signing_public`` vouches for ``x25519_public``."""
    ed25519.verify(signing_public, announcement_message(election_id, attempt, index, x25519_public), signature)
