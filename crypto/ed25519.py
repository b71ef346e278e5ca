"""Ed25519 signatures (RFC 8032) for statements, ballots in signing-credential mode and request authentication.

A thin typed layer over ``cryptography``: keys are 32-byte strings, verification raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from crypto.errors import DecodingError, InvalidSignature

__all__ = ["PUBLIC_KEY_SIZE", "SIGNATURE_SIZE", "SigningKey", "verify"]

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 private key; the secret never appears in a repr."""

    secret: bytes = field(repr=False)
    public_key: bytes = field(init=False)

    def __post_init__(self) -> None:
        if len(self.secret) != 32:
            raise DecodingError("an Ed25519 private key is 32 bytes")
        pub = (
            Ed25519PrivateKey.from_private_bytes(self.secret).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        object.__setattr__(self, "public_key", pub)

    @classmethod
    def generate(cls) -> SigningKey:
        raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(raw)

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.secret).sign(message)


def verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Raise InvalidSignature unless ``signature`` is a valid Ed25519 signature of ``message``."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise DecodingError("an Ed25519 public key is 32 bytes")
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignature("an Ed25519 signature is 64 bytes")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except ValueError as e:
        raise DecodingError(f"not an Ed25519 public key: {e}") from e
    except _CryptographyInvalidSignature as e:
        raise InvalidSignature("Ed25519 signature does not verify") from e
