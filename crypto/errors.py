"""The exception tree of ``crypto``.

::

    CryptoError
     ├── DkgAbort             a dealer-free key ceremony stops: a trustee's message is malformed or inconsistent
 │                        (``culprit`` names it when it can be told) — nothing half-made is returned
 ├── DecodingError        bytes or integers that do not parse (length, range, group, subgroup, canonical form)
     ├── InvalidCiphertext    a sealed private message that does not authenticate (altered, wrong key or context)
     ├── InvalidKey           a public key or key material that is not well formed (modulus, share, verification key)
     ├── InvalidProof         a zero-knowledge proof that does not verify
     │    └── InvalidShareProof  a decryption share whose proof does not verify
     ├── InvalidSignature     a signature (BBS, Ed25519, signed note) that does not verify
     ├── MerkleProofError     an inclusion or consistency proof that does not hold
     └── NotEnoughShares      fewer valid decryption shares than the threshold

Every verification function in ``crypto`` returns ``None`` on success and raises one of these on failure.
"""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "DecodingError",
    "DkgAbort",
    "InvalidCiphertext",
    "InvalidKey",
    "InvalidProof",
    "InvalidShareProof",
    "InvalidSignature",
    "MerkleProofError",
    "NotEnoughShares",
]


class CryptoError(Exception):
    """Base class of every error raised by ``crypto``."""

    def diagnostics(self) -> str:
        """What the CLI prints for this error: its message (wrapped causes are already in it)."""
        return str(self) or type(self).__name__


class DecodingError(CryptoError):
    """Bytes or integers that do not decode to a valid, canonical value."""


class DkgAbort(CryptoError):
    """A dealer-free key ceremony (crypto.dkg) cannot go on. ``culprit`` is the index of the trustee whose message
    was malformed, out of range or inconsistent with what it broadcast, or ``None`` when the deviation cannot be
    attributed to one trustee (e.g. a revealed modulus of the wrong form, or a round delivered out of order)."""

    def __init__(self, message: str, *, culprit: int | None = None) -> None:
        super().__init__(message)
        self.culprit = culprit


class InvalidCiphertext(CryptoError):
    """A sealed private message (crypto.pairwise) that does not authenticate."""


class InvalidKey(CryptoError):
    """A key or key material that is not well formed."""


class InvalidProof(CryptoError):
    """A zero-knowledge proof that does not verify."""


class InvalidShareProof(InvalidProof):
    """A partial decryption whose proof of correctness does not verify."""


class InvalidSignature(CryptoError):
    """A signature that does not verify."""


class MerkleProofError(CryptoError):
    """A Merkle inclusion or consistency proof that does not hold."""


class NotEnoughShares(CryptoError):
    """Fewer valid decryption shares than the threshold."""
