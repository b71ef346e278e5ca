"""The key ceremony's board messages (docs/protocol.md §P15.9, docs/decisions/0015): what one trustee posts for
one round of one attempt of the dealer-free ceremony, and the one canonical encoding its Ed25519 signature covers.

A message carries the round's broadcast (public) and the private messages already sealed end to end by
:mod:`crypto.pairwise` (the board and the server only ever see ciphertexts). The signature binds the election id,
the attempt, the round, the sender, the broadcast and every (recipient, SHA-256 of the ciphertext) pair, so the board
can neither alter nor re-address a message, and the record's transcript (:mod:`voting.ceremony`) can carry the
signature without the ciphertexts; a trustee's signature is checked against the key the election definition names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from crypto import ed25519
from voting.ceremony import RecordedMessage
from voting.election import ElectionDefinition
from voting.errors import InvalidEncoding

__all__ = [
    "MAX_BROADCAST_BYTES",
    "MAX_CIPHERTEXT_BYTES",
    "MAX_MESSAGE_BYTES",
    "ROUND_NAME",
    "BoardMessage",
]

MAX_BROADCAST_BYTES = 256 << 10
MAX_CIPHERTEXT_BYTES = 2 << 20
MAX_MESSAGE_BYTES = 7 << 20  # under the transports' 8 MiB request limit
MAX_ATTEMPT = 1 << 20
ROUND_NAME = re.compile(r"[a-z0-9][a-z0-9._:/-]{0,63}")


@dataclass(frozen=True, slots=True)
class BoardMessage:
    """One trustee's post for one round (§P15.9). ``ciphertexts`` maps recipient index to sealed bytes."""

    election_id: str
    attempt: int
    round: str
    sender: int
    broadcast: bytes
    ciphertexts: Mapping[int, bytes]
    signature: bytes = field(default=b"", compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.attempt <= MAX_ATTEMPT:
            raise InvalidEncoding(f"board message: attempt {self.attempt} is outside 1..{MAX_ATTEMPT}")
        if not ROUND_NAME.fullmatch(self.round):
            raise InvalidEncoding("board message: round is 1-64 characters of a-z, 0-9 and ._:/-")
        if not 1 <= self.sender <= 64:
            raise InvalidEncoding(f"board message: sender {self.sender} is outside 1..64")
        if len(self.broadcast) > MAX_BROADCAST_BYTES:
            raise InvalidEncoding(f"board message: broadcast over {MAX_BROADCAST_BYTES} bytes")
        total = len(self.broadcast)
        for recipient, ciphertext in self.ciphertexts.items():
            if not 1 <= recipient <= 64 or recipient == self.sender:
                raise InvalidEncoding(f"board message: recipient {recipient} of trustee {self.sender}")
            if len(ciphertext) > MAX_CIPHERTEXT_BYTES:
                raise InvalidEncoding(f"board message: ciphertext for {recipient} over {MAX_CIPHERTEXT_BYTES} bytes")
            total += len(ciphertext)
        if total > MAX_MESSAGE_BYTES:
            raise InvalidEncoding(f"board message: over {MAX_MESSAGE_BYTES} bytes in all")
        object.__setattr__(self, "ciphertexts", dict(sorted(self.ciphertexts.items())))

    def signing_bytes(self) -> bytes:
        """The canonical bytes the sender signs (:func:`voting.ceremony.message_signing_bytes`): label, election,
        attempt, round, sender, broadcast, and each (recipient, SHA-256 of its ciphertext) in recipient order."""
        return self.recorded().signing_bytes()

    def recorded(self) -> RecordedMessage:
        """The message as the record's transcript keeps it: each ciphertext by its SHA-256 (§P15.10)."""
        return RecordedMessage(
            self.election_id,
            self.attempt,
            self.round,
            self.sender,
            self.broadcast,
            {r: hashlib.sha256(c).digest() for r, c in self.ciphertexts.items()},
            self.signature,
        )

    def digest(self) -> bytes:
        return hashlib.sha256(self.signing_bytes()).digest()

    def signed(self, key: ed25519.SigningKey) -> BoardMessage:
        return BoardMessage(
            self.election_id,
            self.attempt,
            self.round,
            self.sender,
            self.broadcast,
            self.ciphertexts,
            key.sign(self.signing_bytes()),
        )

    def verify(self, definition: ElectionDefinition) -> None:
        """Raise InvalidStatement unless the sender is a trustee of ``definition``, every recipient is another one,
        and the signature is the sender's (the same check as the record's, :meth:`RecordedMessage.verify`)."""
        self.recorded().verify(definition)
