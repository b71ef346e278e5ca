"""Ledger entries: the one canonical encoding that is hashed, signed and logged (docs/record.md §R2).

Every election event is one :class:`Entry`::

    {"author": {...} | null, "body": {...}, "election": "<id>", "kind": "<kind>", "signature": "<hex>" | null, "v": 1}

Administrative statements (admin, registrar, trustee) carry their author's Ed25519 key and a signature over
``b"linli/statement/v1\\x00" + canonical(entry without "signature")``; the server cannot forge them. Ballots are
authenticated by their own eligibility evidence, and the server's own entries (tally, result) are recomputed by
every verifier, so neither carries a statement signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crypto import ed25519
from crypto.errors import CryptoError
from voting.encoding import JSON, canonical, exact_keys, get, hex_bytes, parse, parse_hex_bytes
from voting.errors import InvalidEncoding, InvalidStatement

__all__ = ["HEAD_BOUND", "Author", "Entry", "EntryKind", "LogHead", "Role", "sign_statement"]

STATEMENT_DOMAIN = b"linli/statement/v1\x00"
FORMAT_VERSION = 1


class EntryKind(StrEnum):
    ELECTION_CREATED = "election.created"  # admin: the election definition
    ROLL_PUBLISHED = "roll.published"  # admin: a batch of roll entries
    ROLL_CORRECTED = "roll.corrected"  # admin: replace or remove one roll entry before opening
    KEY_PUBLISHED = "key.published"  # admin (dealer): threshold public key + modulus proof
    CREDENTIAL_ISSUED = "credential.issued"  # registrar: one credential per roll entry
    CREDENTIAL_REVOKED = "credential.revoked"  # registrar: withdraw a live issuance before opening
    ELECTION_OPENED = "election.opened"  # admin
    BALLOT = "ballot"  # voter (anonymous or signed by a credential)
    ELECTION_CLOSED = "election.closed"  # admin
    TALLY = "tally"  # server: the homomorphic aggregate of the counted ballots
    DECRYPTION_SHARE = "decryption.share"  # trustee
    RESULT = "result"  # server: totals and outcome, recomputed by every verifier


class Role(StrEnum):
    ADMIN = "admin"
    REGISTRAR = "registrar"
    TRUSTEE = "trustee"


STATEMENT_ROLES: dict[EntryKind, Role] = {
    EntryKind.ELECTION_CREATED: Role.ADMIN,
    EntryKind.ROLL_PUBLISHED: Role.ADMIN,
    EntryKind.ROLL_CORRECTED: Role.ADMIN,
    EntryKind.KEY_PUBLISHED: Role.ADMIN,
    EntryKind.CREDENTIAL_ISSUED: Role.REGISTRAR,
    EntryKind.CREDENTIAL_REVOKED: Role.REGISTRAR,
    EntryKind.ELECTION_OPENED: Role.ADMIN,
    EntryKind.ELECTION_CLOSED: Role.ADMIN,
    EntryKind.DECRYPTION_SHARE: Role.TRUSTEE,
}


# §P2.3: statements that attest to the log name the tree head their signer saw.
HEAD_BOUND = frozenset({EntryKind.ELECTION_OPENED, EntryKind.ELECTION_CLOSED, EntryKind.DECRYPTION_SHARE})


@dataclass(frozen=True, slots=True)
class LogHead:
    """A tree head (size, RFC 9162 root) of an election's log, as a statement's signer saw it (§P2.3)."""

    size: int
    root: bytes

    def to_json(self) -> JSON:
        return {"root": hex_bytes(self.root), "size": self.size}

    @classmethod
    def from_json(cls, obj: JSON, what: str = "log_head") -> LogHead:
        exact_keys(obj, {"root", "size"}, what)
        size = get(obj, "size", int, what)
        if not 1 <= size < 1 << 40:
            raise InvalidEncoding(f"{what}.size: out of range")
        return cls(size=size, root=parse_hex_bytes(obj["root"], f"{what}.root", 32))


@dataclass(frozen=True, slots=True)
class Author:
    role: Role
    key: bytes  # Ed25519 public key
    index: int = 0  # trustee index (1..n); 0 for other roles

    def to_json(self) -> JSON:
        return {"index": self.index, "key": hex_bytes(self.key), "role": self.role.value}

    @classmethod
    def from_json(cls, obj: JSON) -> Author:
        exact_keys(obj, {"index", "key", "role"}, "author")
        try:
            role = Role(get(obj, "role", str, "author"))
        except ValueError as e:
            raise InvalidEncoding(f"author: {e}") from e
        index = get(obj, "index", int, "author")
        if (role is Role.TRUSTEE) != (index > 0) or not 0 <= index <= 64:
            raise InvalidEncoding("author.index: a trustee index in 1..64, 0 for other roles")
        return cls(role=role, key=parse_hex_bytes(obj["key"], "author.key", 32), index=index)


@dataclass(frozen=True, slots=True)
class Entry:
    kind: EntryKind
    election_id: str
    body: JSON
    author: Author | None = None
    signature: bytes | None = None

    def _unsigned_json(self) -> JSON:
        return {
            "author": None if self.author is None else self.author.to_json(),
            "body": self.body,
            "election": self.election_id,
            "kind": self.kind.value,
            "v": FORMAT_VERSION,
        }

    def signed_message(self) -> bytes:
        return STATEMENT_DOMAIN + canonical(self._unsigned_json())

    def to_json(self) -> JSON:
        obj = self._unsigned_json()
        obj["signature"] = None if self.signature is None else hex_bytes(self.signature)
        return obj

    def to_bytes(self) -> bytes:
        """The canonical bytes: what the ledger hashes (RFC 9162 leaf) and the record stores."""
        return canonical(self.to_json())

    @classmethod
    def from_json(cls, obj: JSON) -> Entry:
        exact_keys(obj, {"author", "body", "election", "kind", "signature", "v"}, "entry")
        if get(obj, "v", int, "entry") != FORMAT_VERSION:
            raise InvalidEncoding(f"entry.v: unsupported format version {obj['v']}")
        try:
            kind = EntryKind(get(obj, "kind", str, "entry"))
        except ValueError as e:
            raise InvalidEncoding(f"entry.kind: unknown kind {obj['kind']!r}") from e
        election_id = get(obj, "election", str, "entry")
        if not isinstance(obj["body"], dict):
            raise InvalidEncoding("entry.body: expected an object")
        author = None if obj["author"] is None else Author.from_json(obj["author"])
        signature = None if obj["signature"] is None else parse_hex_bytes(obj["signature"], "entry.signature", 64)
        entry = cls(kind=kind, election_id=election_id, body=obj["body"], author=author, signature=signature)
        expected_role = STATEMENT_ROLES.get(kind)
        if expected_role is None:
            if author is not None or signature is not None:
                raise InvalidEncoding(f"a {kind.value} entry carries no author or signature")
        else:
            if author is None or signature is None:
                raise InvalidEncoding(f"a {kind.value} statement must be signed by its author")
            if author.role is not expected_role:
                raise InvalidStatement(f"a {kind.value} statement must come from the {expected_role.value}")
        return entry

    @classmethod
    def from_bytes(cls, data: bytes) -> Entry:
        return cls.from_json(parse(data))

    def verify_signature(self) -> None:
        """Check the author's signature (whether the author may make this statement is the caller's check)."""
        if self.author is None or self.signature is None:
            raise InvalidStatement(f"{self.kind.value} entry is not signed")
        try:
            ed25519.verify(self.author.key, self.signed_message(), self.signature)
        except CryptoError as e:
            raise InvalidStatement(f"{self.kind.value} statement: bad signature ({e})") from e


def sign_statement(
    kind: EntryKind,
    election_id: str,
    body: JSON,
    key: ed25519.SigningKey,
    role: Role,
    index: int = 0,
    *,
    election_hash: bytes = b"",
    log_head: LogHead | None = None,
) -> Entry:
    """Sign a statement. Every statement but ``election.created`` names the election instance (``election_hash``,
    SHA-256 of its ``election.created`` entry); open, close and decryption shares also name the tree head their
    signer saw (§P2.3)."""
    if kind is EntryKind.ELECTION_CREATED:
        if election_hash or log_head:
            raise ValueError("election.created defines the election hash; it names none")
    else:
        if len(election_hash) != 32:
            raise ValueError(f"a {kind.value} statement names the 32-byte election hash")
        if (log_head is not None) != (kind in HEAD_BOUND):
            raise ValueError(f"a {kind.value} statement {'needs' if kind in HEAD_BOUND else 'takes no'} log_head")
        body = {**body, "election_hash": hex_bytes(election_hash)}
        if log_head is not None:
            body["log_head"] = log_head.to_json()
    author = Author(role=role, key=key.public_key, index=index)
    unsigned = Entry(kind=kind, election_id=election_id, body=body, author=author)
    return Entry(
        kind=kind, election_id=election_id, body=body, author=author, signature=key.sign(unsigned.signed_message())
    )
