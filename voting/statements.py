"""Typed statement bodies: one frozen value per entry kind (docs/record.md "Bodies", docs/protocol.md §P2).

Each body's ``to_json()`` is exactly the JSON that :mod:`voting.encoding` hashes and signs; ``from_json(obj, ...)``
parses and checks exactly its fields and widths, taking what the parse needs (the definition, the context, the
modulus size) explicitly. Whether a statement is about *this* election instance and names a tree head of *this*
log (§P2.3) is the state's comparison (:class:`voting.state.ElectionState`), not the parse's. :func:`sign` makes the
signed :class:`~voting.records.Entry` of a statement body. Ballots keep :class:`voting.ballot.EncryptedBallot`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Self

from crypto import ed25519, threshold
from voting.ceremony import CeremonyRecord, key_digest
from voting.election import ElectionContext, ElectionDefinition, RollEntry, key_from_json, key_to_json
from voting.eligibility import AnonymousEvidence
from voting.encoding import JSON, exact_keys, get, hex_bytes, hex_int, parse_hex_bytes, parse_hex_int
from voting.errors import InvalidEncoding
from voting.modulus_json import modulus_proof_from_json, modulus_proof_to_json
from voting.records import Author, Entry, EntryKind, LogHead, Role
from voting.tally import TrusteeShares, share_from_json, share_to_json

__all__ = [
    "MAX_ROLL_BATCH",
    "CredentialIssued",
    "CredentialRevoked",
    "DecryptionShare",
    "ElectionClosed",
    "ElectionCreated",
    "ElectionOpened",
    "KeyPublished",
    "Result",
    "RollCorrected",
    "RollPublished",
    "Statement",
    "Tally",
    "sign",
]

MAX_ROLL_BATCH = 10_000


def _bound(obj: JSON, what: str, *, head: bool) -> tuple[bytes, LogHead | None, dict[str, JSON]]:
    """§P2.3: the election hash and, for statements that attest to the log, the tree head; and the rest."""
    if not isinstance(obj, dict):
        raise InvalidEncoding(f"{what}: expected an object")
    election_hash = parse_hex_bytes(obj.get("election_hash"), f"{what}.election_hash", 32)
    log_head = None
    if head:
        log_head = LogHead.from_json(obj.get("log_head"), f"{what}.log_head")
    elif "log_head" in obj:
        raise InvalidEncoding(f"{what}: unexpected log_head")
    rest = {k: v for k, v in obj.items() if k not in ("election_hash", "log_head")}
    return election_hash, log_head, rest


def _bound_json(election_hash: bytes, log_head: LogHead | None = None) -> dict[str, JSON]:
    out: dict[str, JSON] = {"election_hash": hex_bytes(election_hash)}
    if log_head is not None:
        out["log_head"] = log_head.to_json()
    return out


@dataclass(frozen=True, slots=True)
class ElectionCreated:
    """``election.created`` (admin): the definition; it names no election hash, it defines it."""

    KIND: ClassVar[EntryKind] = EntryKind.ELECTION_CREATED
    definition: ElectionDefinition

    def to_json(self) -> JSON:
        return {"election": self.definition.to_json()}

    @classmethod
    def from_json(cls, obj: JSON) -> ElectionCreated:
        definition = ElectionDefinition.from_json(obj.get("election") if isinstance(obj, dict) else None)
        exact_keys(obj, {"election"}, "election.created")
        return cls(definition)


@dataclass(frozen=True, slots=True)
class RollPublished:
    """``roll.published`` (admin): a batch of 1..``MAX_ROLL_BATCH`` roll entries."""

    KIND: ClassVar[EntryKind] = EntryKind.ROLL_PUBLISHED
    election_hash: bytes
    entries: tuple[RollEntry, ...]

    def to_json(self) -> JSON:
        return {**_bound_json(self.election_hash), "entries": [r.to_json() for r in self.entries]}

    @classmethod
    def from_json(cls, obj: JSON) -> RollPublished:
        election_hash, _, body = _bound(obj, "roll.published", head=False)
        exact_keys(body, {"entries"}, "roll.published")
        items = get(body, "entries", list, "roll.published")
        if not 1 <= len(items) <= MAX_ROLL_BATCH:
            raise InvalidEncoding(f"roll.published: 1..{MAX_ROLL_BATCH} entries per batch")
        return cls(election_hash, tuple(RollEntry.from_json(item) for item in items))


@dataclass(frozen=True, slots=True)
class RollCorrected:
    """``roll.corrected`` (admin, before opening, §P2.4): replace the roll entry ``roll_id`` by ``replacement`` (a
    new id, a new area, or both), or remove it (``replacement`` is None)."""

    KIND: ClassVar[EntryKind] = EntryKind.ROLL_CORRECTED
    election_hash: bytes
    roll_id: str
    replacement: RollEntry | None = None

    def to_json(self) -> JSON:
        return {
            **_bound_json(self.election_hash),
            "replacement": None if self.replacement is None else self.replacement.to_json(),
            "roll_id": self.roll_id,
        }

    @classmethod
    def from_json(cls, obj: JSON) -> RollCorrected:
        election_hash, _, body = _bound(obj, "roll.corrected", head=False)
        exact_keys(body, {"replacement", "roll_id"}, "roll.corrected")
        roll_id = get(body, "roll_id", str, "roll.corrected")
        replacement = None if body["replacement"] is None else RollEntry.from_json(body["replacement"])
        return cls(election_hash, roll_id, replacement)


@dataclass(frozen=True, slots=True)
class KeyPublished:
    """``key.published`` (admin): the threshold public key, its modulus proof and its test decryption by two quorums
    (§P3.3–§P3.4), from the dealer or from the trustees' ceremony (§P15) — one format; a ceremony's key also carries
    the transcript hash and every trustee's endorsement (``ceremony``, §P15.10), a dealer's key does not."""

    KIND: ClassVar[EntryKind] = EntryKind.KEY_PUBLISHED
    election_hash: bytes
    public_key: threshold.ThresholdPublicKey
    modulus_proof: threshold.ModulusProof = field(repr=False)
    test_decryption: threshold.TestDecryption = field(repr=False)
    modulus_bits: int  # the definition's: fixes every width
    ceremony: CeremonyRecord | None = None  # None: a dealer's key

    def _key_json(self) -> dict[str, JSON]:
        pk = self.public_key
        return {
            "modulus_proof": modulus_proof_to_json(self.modulus_proof, self.modulus_bits),
            "public_key": key_to_json(pk, self.modulus_bits),
            "test_decryption": [
                share_to_json(s, self.modulus_bits, pk.threshold, pk.parties) for s in self.test_decryption.shares
            ],
        }

    def to_json(self) -> JSON:
        body: dict[str, JSON] = {**_bound_json(self.election_hash), **self._key_json()}
        if self.ceremony is not None:
            body["ceremony"] = self.ceremony.to_json()
        return body

    def key_digest(self) -> bytes:
        """What the trustees endorse (§P15.10): the key itself, without its election hash and ceremony."""
        return key_digest(self._key_json())

    @classmethod
    def from_json(cls, obj: JSON, definition: ElectionDefinition) -> KeyPublished:
        election_hash, _, body = _bound(obj, "key.published", head=False)
        exact_keys(body, {"modulus_proof", "public_key", "test_decryption"}, "key.published", optional={"ceremony"})
        pk = key_from_json(body["public_key"], definition)
        proof = modulus_proof_from_json(body["modulus_proof"], definition.modulus_bits)
        items = get(body, "test_decryption", list, "key.published")
        if len(items) != pk.parties:
            raise InvalidEncoding(f"key.published.test_decryption: expected {pk.parties} shares, got {len(items)}")
        test = threshold.TestDecryption(
            tuple(
                share_from_json(item, i, definition.modulus_bits, pk.threshold, pk.parties, "test decryption share")
                for i, item in enumerate(items, start=1)
            )
        )
        ceremony = None
        if "ceremony" in body:
            ceremony = CeremonyRecord.from_json(body["ceremony"], len(definition.trustees))
        return cls(election_hash, pk, proof, test, definition.modulus_bits, ceremony)


@dataclass(frozen=True, slots=True)
class CredentialIssued:
    """``credential.issued`` (registrar): the roll id and, in signing mode, the credential key; in anonymous mode
    the roll id only (no commitment, signature or pseudonym, §P5.2), and ``credential`` is empty."""

    KIND: ClassVar[EntryKind] = EntryKind.CREDENTIAL_ISSUED
    election_hash: bytes
    roll_id: str
    credential: bytes = b""

    def to_json(self) -> JSON:
        body: dict[str, JSON] = {**_bound_json(self.election_hash), "roll_id": self.roll_id}
        if self.credential:
            body["credential"] = hex_bytes(self.credential)
        return body

    @classmethod
    def from_json(cls, obj: JSON, *, anonymous: bool) -> CredentialIssued:
        election_hash, _, body = _bound(obj, "credential.issued", head=False)
        exact_keys(body, {"roll_id"} if anonymous else {"credential", "roll_id"}, "credential.issued")
        roll_id = get(body, "roll_id", str, "credential.issued")
        credential = b"" if anonymous else parse_hex_bytes(body["credential"], "credential.issued.credential", 32)
        return cls(election_hash, roll_id, credential)


@dataclass(frozen=True, slots=True)
class CredentialRevoked:
    """``credential.revoked`` (registrar, before opening, §P5.3): withdraw the live issuance logged at leaf index
    ``issuance`` for ``roll_id``. In anonymous mode ``evidence`` is the revoked credential's presentation (its ballot
    pseudonym and a BBS proof bound to this revocation), which every verifier then refuses; in signing mode the
    issuance names the credential key and ``evidence`` is None."""

    KIND: ClassVar[EntryKind] = EntryKind.CREDENTIAL_REVOKED
    election_hash: bytes
    roll_id: str
    issuance: int
    evidence: AnonymousEvidence | None = None

    def to_json(self) -> JSON:
        body: dict[str, JSON] = {**_bound_json(self.election_hash), "issuance": self.issuance, "roll_id": self.roll_id}
        if self.evidence is not None:
            body["evidence"] = self.evidence.to_json()
        return body

    @classmethod
    def from_json(cls, obj: JSON, *, anonymous: bool) -> CredentialRevoked:
        what = "credential.revoked"
        election_hash, _, body = _bound(obj, what, head=False)
        exact_keys(body, {"evidence", "issuance", "roll_id"} if anonymous else {"issuance", "roll_id"}, what)
        issuance = get(body, "issuance", int, what)
        if not 0 <= issuance < 1 << 40:
            raise InvalidEncoding(f"{what}.issuance: not a leaf index")
        evidence = AnonymousEvidence.from_json(body["evidence"]) if anonymous else None
        return cls(election_hash, get(body, "roll_id", str, what), issuance, evidence)


@dataclass(frozen=True, slots=True)
class _Attestation:
    """A statement that attests to the log: its election hash and the tree head its signer verified (§P2.3)."""

    KIND: ClassVar[EntryKind]
    election_hash: bytes
    log_head: LogHead

    def to_json(self) -> JSON:
        return _bound_json(self.election_hash, self.log_head)

    @classmethod
    def from_json(cls, obj: JSON) -> Self:
        election_hash, log_head, body = _bound(obj, cls.KIND.value, head=True)
        exact_keys(body, set(), cls.KIND.value)
        assert log_head is not None
        return cls(election_hash, log_head)


@dataclass(frozen=True, slots=True)
class ElectionOpened(_Attestation):
    """``election.opened`` (admin): names the tree head the administrator verified (§P2.3)."""

    KIND: ClassVar[EntryKind] = EntryKind.ELECTION_OPENED


@dataclass(frozen=True, slots=True)
class ElectionClosed(_Attestation):
    """``election.closed`` (admin): names the tree head the administrator verified (§P2.3)."""

    KIND: ClassVar[EntryKind] = EntryKind.ELECTION_CLOSED


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """``decryption.share`` (trustee *i*): its shares of the tally, and a tree head that includes the tally."""

    KIND: ClassVar[EntryKind] = EntryKind.DECRYPTION_SHARE
    election_hash: bytes
    log_head: LogHead
    shares: TrusteeShares
    context: ElectionContext = field(compare=False, repr=False)  # fixes the widths

    def to_json(self) -> JSON:
        return {**_bound_json(self.election_hash, self.log_head), **self.shares.to_json(self.context)}

    @classmethod
    def from_json(cls, obj: JSON, context: ElectionContext, count: int) -> DecryptionShare:
        """``count``: the number of tally ciphertexts (one share each)."""
        election_hash, log_head, body = _bound(obj, "decryption.share", head=True)
        assert log_head is not None
        return cls(election_hash, log_head, TrusteeShares.from_json(body, context, count), context)


@dataclass(frozen=True, slots=True)
class Tally:
    """``tally`` (server, §P7): the packed aggregate of the counted ballots and their leaf indexes."""

    KIND: ClassVar[EntryKind] = EntryKind.TALLY
    ballots_cast: int
    ciphertexts: tuple[int, ...]
    counted: tuple[int, ...]
    modulus_bits: int  # fixes the ciphertexts' width (n²)

    def to_json(self) -> JSON:
        nb = self.modulus_bits // 8
        return {
            "ballots_cast": self.ballots_cast,
            "ciphertexts": [hex_int(c, 2 * nb) for c in self.ciphertexts],
            "counted": list(self.counted),
        }

    @classmethod
    def from_json(cls, obj: JSON, modulus_bits: int) -> Tally:
        exact_keys(obj, {"ballots_cast", "ciphertexts", "counted"}, "tally")
        nb = modulus_bits // 8
        cts = get(obj, "ciphertexts", list, "tally")
        counted = get(obj, "counted", list, "tally")
        if any(not isinstance(i, int) or isinstance(i, bool) for i in counted):
            raise InvalidEncoding("tally.counted: expected leaf indexes")
        return cls(
            ballots_cast=get(obj, "ballots_cast", int, "tally"),
            ciphertexts=tuple(parse_hex_int(c, "tally", 2 * nb) for c in cts),
            counted=tuple(counted),
            modulus_bits=modulus_bits,
        )


@dataclass(frozen=True, slots=True)
class Result:
    """``result`` (server, §P8–§P9): totals and outcome (its shape is the kind's, docs/record.md)."""

    KIND: ClassVar[EntryKind] = EntryKind.RESULT
    ballots: int
    kind: str
    options: tuple[str, ...]
    outcome: JSON
    roll_area: int
    roll_size: int
    shares_used: tuple[int, ...]
    totals: tuple[int, ...]

    def to_json(self) -> JSON:
        return {
            "ballots": self.ballots,
            "kind": self.kind,
            "options": list(self.options),
            "outcome": self.outcome,
            "roll_area": self.roll_area,
            "roll_size": self.roll_size,
            "shares_used": list(self.shares_used),
            "totals": list(self.totals),
        }

    @classmethod
    def from_json(cls, obj: JSON) -> Result:
        what = "result"
        keys = {"ballots", "kind", "options", "outcome", "roll_area", "roll_size", "shares_used", "totals"}
        exact_keys(obj, keys, what)

        def ints(key: str) -> tuple[int, ...]:
            items = get(obj, key, list, what)
            if any(not isinstance(i, int) or isinstance(i, bool) for i in items):
                raise InvalidEncoding(f"{what}.{key}: expected integers")
            return tuple(items)

        options = get(obj, "options", list, what)
        if any(not isinstance(o, str) for o in options):
            raise InvalidEncoding(f"{what}.options: expected strings")
        return cls(
            ballots=get(obj, "ballots", int, what),
            kind=get(obj, "kind", str, what),
            options=tuple(options),
            outcome=get(obj, "outcome", dict, what),
            roll_area=get(obj, "roll_area", int, what),
            roll_size=get(obj, "roll_size", int, what),
            shares_used=ints("shares_used"),
            totals=ints("totals"),
        )


Statement = (
    ElectionCreated
    | RollPublished
    | RollCorrected
    | KeyPublished
    | CredentialIssued
    | CredentialRevoked
    | ElectionOpened
    | ElectionClosed
    | DecryptionShare
)


def sign(body: Statement, election_id: str, key: ed25519.SigningKey, role: Role, index: int = 0) -> Entry:
    """The signed statement of ``body`` (§R2): the election hash and the tree head are the body's own (§P2.3)."""
    author = Author(role=role, key=key.public_key, index=index)
    unsigned = Entry(kind=body.KIND, election_id=election_id, body=body.to_json(), author=author)
    return Entry(
        kind=unsigned.kind,
        election_id=election_id,
        body=unsigned.body,
        author=author,
        signature=key.sign(unsigned.signed_message()),
    )
