"""The key ceremony in the election record (docs/protocol.md §P15.10, docs/record.md ``ceremony.jsonl``,
docs/decisions/0020): the transcript of the trustees' board messages and the trustees' endorsements of the key.

A key made by the trustees' ceremony (§P15) is published with a ``ceremony`` object in ``key.published``::

    {"attempt": a, "endorsements": ["<hex64>" × n], "transcript": "<hex32>"}

``transcript`` is :func:`transcript_hash` of every board message of attempt ``a`` in the order the ceremony ran
(round after round; in each round by sender), and endorsement i is trustee i's Ed25519 signature over
:func:`endorsement_message` (the election hash, the attempt, the transcript hash and :func:`key_digest` of the key
itself). So every trustee vouches, with the key the election definition names for it, that this key is the one
their ceremony produced, and the record holds the messages (``ceremony.jsonl``: each broadcast in full, each private
message as the SHA-256 of its ciphertext, each signature) so that an auditor can check that the transcript is what
the trustees signed, round by round. A key without ``ceremony`` was made by a dealer (§P3.2), and the verifier
says so.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crypto import ed25519, pairwise
from crypto.errors import CryptoError
from voting.election import ElectionDefinition
from voting.encoding import (
    JSON,
    canonical,
    exact_keys,
    get,
    hex_bytes,
    parse,
    parse_hex_bytes,
)
from voting.errors import InvalidEncoding, InvalidStatement

__all__ = [
    "ANNOUNCE_ROUND",
    "ENDORSE_ROUND",
    "KEY_ROUNDS",
    "CeremonyRecord",
    "RecordedMessage",
    "endorsement_message",
    "key_digest",
    "message_signing_bytes",
    "modulus_context",
    "transcript_hash",
    "verify_transcript",
]

ANNOUNCE_ROUND = "x25519"  # §P15.9 step 1
ENDORSE_ROUND = "endorse"  # §P15.10 step 2: after the transcript, not in it
KEY_ROUNDS = ("key/1-share", "key/2-multiply", "key/3-respond", "key/4-finish")  # §P15.5–§P15.8
MAX_TRANSCRIPT_MESSAGES = 50_000  # the board's own limit per election (server.board.MAX_BOARD_MESSAGES)

_MESSAGE_LABEL = b"linli/ceremony/board-message/v2"
_TRANSCRIPT_LABEL = b"linli/ceremony/transcript/v1\x00"
_ENDORSEMENT_LABEL = b"linli/ceremony/endorsement/v1\x00"
_KEY_LABEL = b"linli/ceremony/key/v1\x00"


def _field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def modulus_context(election_hash: bytes, attempt: int) -> bytes:
    """The 32-byte context of the modulus session of one attempt (§P15.9): distinct per election and attempt."""
    return hashlib.sha256(b"linli/ceremony/modulus/v1" + election_hash + struct.pack(">I", attempt)).digest()


def message_signing_bytes(
    election_id: str, attempt: int, round_name: str, sender: int, broadcast: bytes, digests: Mapping[int, bytes]
) -> bytes:
    """The bytes a trustee signs for one board message (§P15.9 step 2): label, election, attempt, round, sender,
    broadcast, and each (recipient, SHA-256 of the sealed message) in recipient order, every variable field
    length-prefixed. The private messages enter by their digests, so the record can carry the signature without
    the ciphertexts."""
    out = [
        _MESSAGE_LABEL,
        _field(election_id.encode()),
        struct.pack(">I", attempt),
        _field(round_name.encode()),
        struct.pack(">H", sender),
        _field(broadcast),
        struct.pack(">H", len(digests)),
    ]
    for recipient in sorted(digests):
        out.append(struct.pack(">H", recipient) + digests[recipient])
    return b"".join(out)


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    """One board message as the record keeps it (a line of ``ceremony.jsonl``): the broadcast whole, each private
    message by the SHA-256 of its ciphertext, and the sender's signature."""

    election_id: str
    attempt: int
    round: str
    sender: int
    broadcast: bytes
    digests: Mapping[int, bytes]
    signature: bytes = field(default=b"")

    def signing_bytes(self) -> bytes:
        return message_signing_bytes(
            self.election_id, self.attempt, self.round, self.sender, self.broadcast, self.digests
        )

    def digest(self) -> bytes:
        """SHA-256 of the signed bytes: what the transcript hash chains."""
        return hashlib.sha256(self.signing_bytes()).digest()

    def verify(self, definition: ElectionDefinition) -> None:
        """Raise InvalidStatement unless the sender and every recipient are trustees of ``definition`` and the
        signature is the sender's."""
        n = len(definition.trustees)
        if definition.election_id != self.election_id:
            raise InvalidStatement(f"ceremony message for {self.election_id}, not {definition.election_id}")
        if not 1 <= self.sender <= n:
            raise InvalidStatement(f"ceremony message from {self.sender}: the election has trustees 1..{n}")
        if any(not 1 <= r <= n or r == self.sender for r in self.digests):
            raise InvalidStatement(f"ceremony message of trustee {self.sender} addressed outside the other trustees")
        try:
            ed25519.verify(definition.trustee(self.sender).key, self.signing_bytes(), self.signature)
        except CryptoError as e:
            raise InvalidStatement(
                f"ceremony message {self.round!r} is not signed by trustee {self.sender}: {e}"
            ) from e

    def to_json(self) -> JSON:
        return {
            "attempt": self.attempt,
            "broadcast": hex_bytes(self.broadcast),
            "election": self.election_id,
            "private": [{"digest": hex_bytes(d), "recipient": r} for r, d in sorted(self.digests.items())],
            "round": self.round,
            "sender": self.sender,
            "signature": hex_bytes(self.signature),
        }

    def to_bytes(self) -> bytes:
        return canonical(self.to_json())

    @classmethod
    def from_bytes(cls, data: bytes) -> RecordedMessage:
        """Parse one canonical line of ``ceremony.jsonl`` (InvalidEncoding for anything else)."""
        what = "ceremony message"
        obj = exact_keys(
            parse(data), {"attempt", "broadcast", "election", "private", "round", "sender", "signature"}, what
        )
        digests: dict[int, bytes] = {}
        for item in get(obj, "private", list, what):
            exact_keys(item, {"digest", "recipient"}, f"{what}.private")
            recipient = get(item, "recipient", int, f"{what}.private")
            if recipient in digests or not 1 <= recipient <= 64:
                raise InvalidEncoding(f"{what}: recipient {recipient} repeated or outside 1..64")
            digests[recipient] = parse_hex_bytes(item["digest"], f"{what}.private.digest", 32)
        if list(digests) != sorted(digests):
            raise InvalidEncoding(f"{what}: private messages out of recipient order")
        attempt, sender = get(obj, "attempt", int, what), get(obj, "sender", int, what)
        if not 1 <= attempt <= 1 << 20 or not 1 <= sender <= 64:
            raise InvalidEncoding(f"{what}: attempt or sender out of range")
        return cls(
            get(obj, "election", str, what),
            attempt,
            get(obj, "round", str, what),
            sender,
            parse_hex_bytes(obj["broadcast"], f"{what}.broadcast"),
            digests,
            parse_hex_bytes(obj["signature"], f"{what}.signature", 64),
        )


def transcript_hash(digests: Sequence[bytes]) -> bytes:
    """§P15.10 step 1: SHA-256 over the label, the number of messages and each message's digest, in order."""
    h = hashlib.sha256(_TRANSCRIPT_LABEL + struct.pack(">I", len(digests)))
    for d in digests:
        if len(d) != 32:
            raise InvalidEncoding("a transcript digest is 32 bytes")
        h.update(d)
    return h.digest()


def key_digest(key_body: Mapping[str, JSON]) -> bytes:
    """SHA-256 of the key itself: the canonical ``{modulus_proof, public_key, test_decryption}`` of key.published
    (everything but the election hash, which the endorsement names apart, and the ceremony)."""
    core = {k: key_body[k] for k in ("modulus_proof", "public_key", "test_decryption")}
    return hashlib.sha256(_KEY_LABEL + canonical(core)).digest()


def endorsement_message(election_hash: bytes, attempt: int, transcript: bytes, key: bytes) -> bytes:
    """§P15.10 step 2: what trustee i signs: the election instance, the attempt, the transcript hash and the key's
    digest, fixed widths."""
    if len(election_hash) != 32 or len(transcript) != 32 or len(key) != 32:
        raise InvalidEncoding("endorsement: the election hash, transcript and key digests are 32 bytes")
    return _ENDORSEMENT_LABEL + election_hash + struct.pack(">I", attempt) + transcript + key


@dataclass(frozen=True, slots=True)
class CeremonyRecord:
    """The ``ceremony`` object of key.published: the attempt that made the key, its transcript hash, and one
    endorsement per trustee (trustee i's at position i − 1)."""

    attempt: int
    transcript: bytes
    endorsements: tuple[bytes, ...]

    def to_json(self) -> JSON:
        return {
            "attempt": self.attempt,
            "endorsements": [hex_bytes(s) for s in self.endorsements],
            "transcript": hex_bytes(self.transcript),
        }

    @classmethod
    def from_json(cls, obj: JSON, trustees: int) -> CeremonyRecord:
        what = "key.published.ceremony"
        exact_keys(obj, {"attempt", "endorsements", "transcript"}, what)
        attempt = get(obj, "attempt", int, what)
        if not 1 <= attempt <= 1 << 20:
            raise InvalidEncoding(f"{what}.attempt: outside 1..{1 << 20}")
        items = get(obj, "endorsements", list, what)
        if len(items) != trustees:
            raise InvalidEncoding(f"{what}.endorsements: expected {trustees} (one per trustee), got {len(items)}")
        endorsements = tuple(parse_hex_bytes(s, f"{what}.endorsements", 64) for s in items)
        return cls(attempt, parse_hex_bytes(obj["transcript"], f"{what}.transcript", 32), endorsements)

    def verify(self, definition: ElectionDefinition, election_hash: bytes, key: bytes) -> None:
        """§P15.10 step 3: raise InvalidStatement unless every trustee endorsed this key and this transcript."""
        message = endorsement_message(election_hash, self.attempt, self.transcript, key)
        for index, signature in enumerate(self.endorsements, start=1):
            try:
                ed25519.verify(definition.trustee(index).key, message, signature)
            except CryptoError as e:
                raise InvalidStatement(
                    f"key.published: trustee {index} ({definition.trustee(index).name}) did not endorse this key "
                    f"and transcript: {e}"
                ) from e


def _rounds(messages: Sequence[RecordedMessage], n: int) -> list[tuple[str, list[RecordedMessage]]]:
    """Split the transcript into its rounds: runs of one round name, each with exactly trustees 1..n in order."""
    rounds: list[tuple[str, list[RecordedMessage]]] = []
    seen: set[str] = set()
    for m in messages:
        if rounds and rounds[-1][0] == m.round and len(rounds[-1][1]) < n:
            rounds[-1][1].append(m)
            continue
        if m.round in seen:
            raise InvalidStatement(f"ceremony transcript: round {m.round!r} appears twice")
        seen.add(m.round)
        rounds.append((m.round, [m]))
    for name, group in rounds:
        senders = [m.sender for m in group]
        if senders != list(range(1, n + 1)):
            raise InvalidStatement(
                f"ceremony transcript: round {name!r} has messages from trustees {senders}, not 1..{n} in order"
            )
    return rounds


def verify_transcript(
    definition: ElectionDefinition,
    election_hash: bytes,
    ceremony: CeremonyRecord,
    messages: Sequence[RecordedMessage],
    modulus: int,
) -> None:
    """§P15.10 step 3: raise InvalidStatement unless ``messages`` are the transcript the key names: its hash, every
    message signed by its trustee for this election and attempt, the rounds in the order the ceremony runs them
    (the X25519 announcements, each vouched for; the modulus session of this election and attempt, its final
    round naming the key's modulus; the four key rounds), each round with every trustee exactly once."""
    n = len(definition.trustees)
    if not messages:
        raise InvalidStatement("ceremony transcript: no message (ceremony.jsonl is missing or empty)")
    if len(messages) > MAX_TRANSCRIPT_MESSAGES:
        raise InvalidStatement(f"ceremony transcript: over {MAX_TRANSCRIPT_MESSAGES} messages")
    if transcript_hash([m.digest() for m in messages]) != ceremony.transcript:
        raise InvalidStatement("ceremony transcript: its hash is not the one the trustees endorsed in key.published")
    for m in messages:
        if m.attempt != ceremony.attempt:
            raise InvalidStatement(f"ceremony transcript: a message of attempt {m.attempt}, not {ceremony.attempt}")
        m.verify(definition)
    rounds = _rounds(messages, n)
    names = [name for name, _ in rounds]
    tag = f"modulus/{modulus_context(election_hash, ceremony.attempt).hex()[:16]}/"
    middle = names[1 : -len(KEY_ROUNDS)]
    if (
        len(names) < 3 + len(KEY_ROUNDS)
        or names[0] != ANNOUNCE_ROUND
        or tuple(names[-len(KEY_ROUNDS) :]) != KEY_ROUNDS
        or not all(name.startswith(tag) for name in middle)
        or middle[0] != tag + "setup"
        or middle[-1] != tag + "final"
    ):
        raise InvalidStatement(
            "ceremony transcript: the rounds are not x25519, the modulus session of this election and attempt "
            f"(setup … final), then {', '.join(KEY_ROUNDS)}"
        )
    for m in rounds[0][1]:  # §P15.9 step 1: each X25519 key vouched for by its trustee's Ed25519 key
        x, signature = m.broadcast[: pairwise.PUBLIC_KEY_SIZE], m.broadcast[pairwise.PUBLIC_KEY_SIZE :]
        try:
            pairwise.verify_announcement(
                definition.trustee(m.sender).key, definition.election_id, ceremony.attempt, m.sender, x, signature
            )
        except CryptoError as e:
            raise InvalidStatement(f"ceremony transcript: trustee {m.sender}'s X25519 key is not vouched for") from e
    width = (definition.modulus_bits + 7) // 8
    for m in rounds[-len(KEY_ROUNDS) - 1][1]:  # §P15.4 step 4: every trustee names the key's modulus
        try:
            final = exact_keys(parse(m.broadcast), {"batch", "candidate", "n", "w"}, "modulus final")
            named = int.from_bytes(parse_hex_bytes(final["n"], "modulus final.n", width), "big")
        except InvalidEncoding as e:
            raise InvalidStatement(f"ceremony transcript: trustee {m.sender}'s final modulus message: {e}") from e
        if named != modulus:
            raise InvalidStatement(f"ceremony transcript: trustee {m.sender} kept another modulus than the key's")
