"""Election definitions, roles and the election context every proof is bound to (docs/protocol.md §P1–§P3)."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from crypto.cosignature import CosignerVerifier
from crypto.errors import CryptoError
from crypto.paillier import PublicKey
from crypto.threshold import ThresholdPublicKey
from crypto.transcript import Transcript
from voting.encoding import JSON, exact_keys, get, hex_bytes, hex_int, parse_hex_bytes, parse_hex_int
from voting.errors import InvalidElection, InvalidEncoding
from voting.kinds import Kind, kind_of
from voting.kinds.assembly import AREA_DISCLOSURE_NOTICE
from voting.kinds.base import MAX_OPTIONS
from voting.kinds.referendum import REFERENDUM_OPTIONS

__all__ = [
    "AREA_DISCLOSURE_NOTICE",
    "DEFAULT_MAX_VOTERS",
    "DEFAULT_MODULUS_BITS",
    "MAX_WITNESSES",
    "REFERENDUM_OPTIONS",
    "ElectionContext",
    "ElectionDefinition",
    "ElectionKind",
    "EligibilityMode",
    "RevotePolicy",
    "RollEntry",
    "Trustee",
    "fingerprint",
    "key_from_json",
    "key_to_json",
    "normalise_unit",
    "parse_fingerprint",
]

DEFAULT_MODULUS_BITS = 3072
DEFAULT_MAX_VOTERS = 100_000
MAX_WITNESSES = 32  # §P17.1
MAX_CANDIDATES = MAX_OPTIONS

# Identifiers are matched whole (fullmatch: "3-2-501\n" is not "3-2-501"); the domain accepts only canonical forms,
# and input is normalised once at the boundary (CSV, CLI) before it gets here.
_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")
# Unit ids: ASCII letters and digits and the CJK ideographs of addresses (3栋2单元501), with . _ / - between.
_ROLL_ID = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._/-]{0,63}")
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # ！..～ -> !..~
_FULL_WIDTH[0x3000] = 0x20  # ideographic space


def normalise_unit(text: str) -> str:
    """A unit id as typed or exported by a spreadsheet, in its one canonical form (§P2): Unicode NFC, full-width
    ASCII (３栋２单元５０１, －) as ASCII, without surrounding space. The domain accepts only this form."""
    return unicodedata.normalize("NFC", text).translate(_FULL_WIDTH).strip()


class ElectionKind(StrEnum):
    """Names of the built-in kinds (the registry in :mod:`voting.kinds` is the truth; a kind added there needs no
    name here)."""

    REFERENDUM = "referendum"  # residents' decision: yes / no / abstain, one vote each
    COMMITTEE = "committee"  # 差额选举: m candidates for k seats, each voter marks at most k
    ASSEMBLY = "assembly"  # 业主大会 (Civil Code art. 278): yes / no / abstain by head and by exclusive area
    APPROVAL = "approval"  # 意见征集: approve any number of options


class EligibilityMode(StrEnum):
    SIGNING = "signing"  # Belenios-style: a published list of credential keys; every ballot is signed
    ANONYMOUS = "anonymous"  # BBS credential + per-election pseudonym (issue "Anonymous eligibility")


class RevotePolicy(StrEnum):
    LAST_COUNTS = "last"  # a later ballot under the same credential replaces the earlier one
    REFUSE = "refuse"  # a second ballot is refused


def _text(obj: JSON, key: str, what: str, max_len: int, *, allow_empty: bool = False) -> str:
    value: str = get(obj, key, str, what)
    if (not value and not allow_empty) or len(value) > max_len:
        raise InvalidEncoding(f"{what}.{key}: must be 1..{max_len} characters")
    if any(ord(ch) < 0x20 and ch not in "\n" for ch in value):
        raise InvalidEncoding(f"{what}.{key}: control characters are not allowed")
    return value


def _count(obj: JSON, key: str, what: str, lo: int, hi: int) -> int:
    value: int = get(obj, key, int, what)
    if not lo <= value <= hi:
        raise InvalidEncoding(f"{what}.{key}: must be in [{lo}, {hi}], got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Trustee:
    index: int  # 1..n, the Shamir evaluation point
    name: str
    key: bytes  # Ed25519 public key that signs this trustee's statements

    def to_json(self) -> JSON:
        return {"index": self.index, "key": hex_bytes(self.key), "name": self.name}

    @classmethod
    def from_json(cls, obj: JSON) -> Trustee:
        exact_keys(obj, {"index", "key", "name"}, "trustee")
        return cls(
            index=_count(obj, "index", "trustee", 1, 64),
            name=_text(obj, "name", "trustee", 100),
            key=parse_hex_bytes(obj["key"], "trustee.key", 32),
        )


@dataclass(frozen=True, slots=True)
class ElectionDefinition:
    """What the administrator declares when creating an election (entry ``election.created``)."""

    election_id: str
    kind: str  # a kind of voting.kinds (ElectionKind names the built-in ones)
    title: str
    question: str
    options: tuple[str, ...]
    eligibility: EligibilityMode
    revote: RevotePolicy
    threshold: int
    trustees: tuple[Trustee, ...]
    admin_key: bytes
    registrar_key: bytes
    modulus_bits: int = DEFAULT_MODULUS_BITS
    max_voters: int = DEFAULT_MAX_VOTERS
    opens_at: int = 0  # unix seconds; 0 = no lower bound (the admin opens explicitly)
    closes_at: int = 0  # unix seconds; 0 = no upper bound (the admin closes explicitly)
    description: str = ""
    credential_key: bytes = b""  # anonymous mode: the registrar's BBS public key (G2, 96 bytes); else empty
    seats: int = 0  # committee: seats to fill (1 <= seats < candidates); 0 otherwise
    major: bool = False  # assembly: a major matter (>= 3/4 of both) rather than an ordinary one (> 1/2)
    # assembly: the administrator accepts that the roll's areas may identify votes (§P9.5); shown on the report
    accept_area_disclosure: bool = False
    # §P17.1: the witnesses that cosign the log (C2SP cosignature/v1 keys) and how many of them a checkpoint needs
    # before any client accepts it; none (the default) = the log's own signature alone, as before witnesses.
    witnesses: tuple[CosignerVerifier, ...] = ()
    witness_quorum: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.election_id, str) or not _ID.fullmatch(self.election_id):
            raise InvalidElection("election id must be 3-64 characters of a-z, 0-9 and '-', starting alphanumeric")
        if not isinstance(self.kind, str):
            raise InvalidElection("the election kind is a name")
        object.__setattr__(self, "kind", str(self.kind))  # a plain str, also when given an ElectionKind
        self.kind_rules.check_definition(self)
        n = len(self.trustees)
        if not 1 <= self.threshold <= n:
            raise InvalidElection(f"threshold must be between 1 and the number of trustees ({n})")
        if [t.index for t in self.trustees] != list(range(1, n + 1)):
            raise InvalidElection("trustees must be numbered 1..n in order")
        if len({t.key for t in self.trustees}) != n:
            raise InvalidElection("every trustee needs its own key")
        if self.modulus_bits % 256 or not 1024 <= self.modulus_bits <= 8192:
            raise InvalidElection("modulus_bits must be a multiple of 256 between 1024 and 8192")
        if not 1 <= self.max_voters <= 10_000_000:
            raise InvalidElection("max_voters must be between 1 and 10,000,000")
        if self.counter_count * self.counter_bits > self.modulus_bits - 2:
            raise InvalidElection("the packed counters do not fit in the plaintext space")
        if self.opens_at < 0 or self.closes_at < 0 or (self.closes_at and self.closes_at <= self.opens_at):
            raise InvalidElection("the voting window must end after it starts")
        if len(self.admin_key) != 32 or len(self.registrar_key) != 32:
            raise InvalidElection("admin and registrar keys are 32-byte Ed25519 public keys")
        if (self.eligibility is EligibilityMode.ANONYMOUS) != bool(self.credential_key):
            raise InvalidElection("an anonymous election names the registrar's BBS key (credential_key); others do not")
        if self.credential_key and len(self.credential_key) != 96:
            raise InvalidElection("credential_key is a 96-byte compressed BLS12-381 G2 point")
        if self.accept_area_disclosure and not self.kind_rules.weighted:
            raise InvalidElection("only a homeowners' assembly discloses areas (accept_area_disclosure)")
        self._check_witnesses()

    def _check_witnesses(self) -> None:
        """§P17.1: distinct witnesses (by name and by key), and a quorum of 1..n of them (0 without witnesses)."""
        ws = self.witnesses
        if not isinstance(ws, tuple) or not all(isinstance(w, CosignerVerifier) for w in ws):
            raise InvalidElection("witnesses are cosigner verifier keys")
        if len(ws) > MAX_WITNESSES:
            raise InvalidElection(f"at most {MAX_WITNESSES} witnesses")
        if len({w.name for w in ws}) != len(ws) or len({w.public_key for w in ws}) != len(ws):
            raise InvalidElection("every witness needs its own name and its own key")
        q = self.witness_quorum
        if not isinstance(q, int) or isinstance(q, bool) or not (1 if ws else 0) <= q <= len(ws):
            raise InvalidElection(f"witness_quorum must be between 1 and the number of witnesses ({len(ws)})")

    @property
    def kind_rules(self) -> Kind:
        """This election's kind (:mod:`voting.kinds`): its ballot layout, tally, rules and wording."""
        return kind_of(self.kind)

    @property
    def counter_bits(self) -> int:
        """Bits per packed counter (§P4): every total fits in counter_bits (§P7.2)."""
        return self.kind_rules.counter_bits(self)

    @property
    def counter_count(self) -> int:
        """Counters packed in the tally (§P7)."""
        return self.kind_rules.counter_count(self)

    def trustee(self, index: int) -> Trustee:
        if not 1 <= index <= len(self.trustees):
            raise InvalidElection(f"no trustee {index}")
        return self.trustees[index - 1]

    def to_json(self) -> JSON:
        return {
            "accept_area_disclosure": self.accept_area_disclosure,
            "admin_key": hex_bytes(self.admin_key),
            "closes_at": self.closes_at,
            "credential_key": hex_bytes(self.credential_key),
            "description": self.description,
            "election_id": self.election_id,
            "eligibility": self.eligibility.value,
            "kind": self.kind,
            "major": self.major,
            "max_voters": self.max_voters,
            "modulus_bits": self.modulus_bits,
            "opens_at": self.opens_at,
            "options": list(self.options),
            "question": self.question,
            "registrar_key": hex_bytes(self.registrar_key),
            "revote": self.revote.value,
            "seats": self.seats,
            "threshold": self.threshold,
            "title": self.title,
            "trustees": [t.to_json() for t in self.trustees],
        } | (
            # §P17.1: present only when the election names witnesses, so an election without any keeps the
            # encoding (and the election hash) it had before witnesses existed; an empty list is not canonical.
            {"witness_quorum": self.witness_quorum, "witnesses": [w.to_vkey() for w in self.witnesses]}
            if self.witnesses
            else {}
        )

    @classmethod
    def from_json(cls, obj: JSON) -> ElectionDefinition:
        what = "election"
        exact_keys(
            obj,
            {
                "accept_area_disclosure",
                "admin_key",
                "closes_at",
                "credential_key",
                "description",
                "election_id",
                "eligibility",
                "kind",
                "major",
                "max_voters",
                "modulus_bits",
                "opens_at",
                "options",
                "question",
                "registrar_key",
                "revote",
                "seats",
                "threshold",
                "title",
                "trustees",
            }
            | (
                {"witness_quorum", "witnesses"}
                if isinstance(obj, dict) and ({"witnesses", "witness_quorum"} & set(obj))
                else set()
            ),
            what,
        )
        try:
            kind = kind_of(get(obj, "kind", str, what)).name
            eligibility = EligibilityMode(get(obj, "eligibility", str, what))
            revote = RevotePolicy(get(obj, "revote", str, what))
        except ValueError as e:
            raise InvalidEncoding(f"{what}: {e}") from e
        options = get(obj, "options", list, what)
        if not all(isinstance(o, str) for o in options) or len(options) > MAX_CANDIDATES:
            raise InvalidEncoding(f"election.options: up to {MAX_CANDIDATES} strings")
        trustees = get(obj, "trustees", list, what)
        witnesses, witness_quorum = _witnesses_from_json(obj)
        if not 1 <= len(trustees) <= 64:
            raise InvalidEncoding("election.trustees: 1..64 trustees")
        return cls(
            election_id=get(obj, "election_id", str, what),
            kind=kind,
            title=_text(obj, "title", what, 200),
            question=_text(obj, "question", what, 4000),
            description=_text(obj, "description", what, 20000, allow_empty=True),
            options=tuple(options),
            eligibility=eligibility,
            revote=revote,
            threshold=_count(obj, "threshold", what, 1, 64),
            trustees=tuple(Trustee.from_json(t) for t in trustees),
            admin_key=parse_hex_bytes(obj["admin_key"], "election.admin_key", 32),
            registrar_key=parse_hex_bytes(obj["registrar_key"], "election.registrar_key", 32),
            modulus_bits=_count(obj, "modulus_bits", what, 1024, 8192),
            max_voters=_count(obj, "max_voters", what, 1, 10_000_000),
            opens_at=_count(obj, "opens_at", what, 0, 1 << 40),
            closes_at=_count(obj, "closes_at", what, 0, 1 << 40),
            credential_key=parse_hex_bytes(obj["credential_key"], "election.credential_key"),
            seats=_count(obj, "seats", what, 0, MAX_CANDIDATES),
            major=get(obj, "major", bool, what),
            accept_area_disclosure=get(obj, "accept_area_disclosure", bool, what),
            witnesses=witnesses,
            witness_quorum=witness_quorum,
        )


def _witnesses_from_json(obj: JSON) -> tuple[tuple[CosignerVerifier, ...], int]:
    """§P17.1: ``"witnesses"`` (cosigner vkeys) and ``"witness_quorum"``, both or neither; never an empty list."""
    if "witnesses" not in obj:
        return (), 0
    vkeys = get(obj, "witnesses", list, "election")
    if not 1 <= len(vkeys) <= MAX_WITNESSES or not all(isinstance(v, str) and len(v) <= 400 for v in vkeys):
        raise InvalidEncoding(f"election.witnesses: 1..{MAX_WITNESSES} witness verifier keys (omit it for none)")
    try:
        witnesses = tuple(CosignerVerifier.from_vkey(v) for v in vkeys)
    except CryptoError as e:
        raise InvalidEncoding(f"election.witnesses: {e}") from e
    return witnesses, _count(obj, "witness_quorum", "election", 1, MAX_WITNESSES)


@dataclass(frozen=True, slots=True)
class RollEntry:
    """One line of the voter roll: a unit / resident identifier (no names), published on the ledger."""

    roll_id: str
    area: int = 0  # exclusive floor area in 0.01 m² (homeowners' assembly); 0 when not used

    def __post_init__(self) -> None:
        if not isinstance(self.roll_id, str) or not _ROLL_ID.fullmatch(self.roll_id):
            raise InvalidElection(
                f"roll id {self.roll_id!r}: 1-64 characters of A-Z a-z 0-9, Chinese characters, and . _ / - between"
            )
        if normalise_unit(self.roll_id) != self.roll_id:
            raise InvalidElection(
                f"roll id {self.roll_id!r} is not in its canonical form {normalise_unit(self.roll_id)!r}"
            )
        if not 0 <= self.area < 1 << 32:
            raise InvalidElection(f"roll id {self.roll_id!r}: area out of range")

    def to_json(self) -> JSON:
        return {"area": self.area, "roll_id": self.roll_id}

    @classmethod
    def from_json(cls, obj: JSON) -> RollEntry:
        exact_keys(obj, {"area", "roll_id"}, "roll entry")
        return cls(roll_id=get(obj, "roll_id", str, "roll entry"), area=get(obj, "area", int, "roll entry"))


def key_to_json(pk: ThresholdPublicKey, modulus_bits: int) -> JSON:
    """The ``public_key`` of ``key.published`` (docs/record.md); v is derived from n, so not written."""
    nb = modulus_bits // 8
    return {
        "commitments": [hex_int(x, 2 * nb) for x in pk.commitments],
        "n": hex_int(pk.n, nb),
        "parties": pk.parties,
        "theta": hex_int(pk.theta, nb),
        "threshold": pk.threshold,
        "verification_keys": [hex_int(x, 2 * nb) for x in pk.verification_keys],
    }


def key_from_json(obj: JSON, definition: ElectionDefinition) -> ThresholdPublicKey:
    """Parse the threshold public key against the definition (size, t, n; list lengths before any value)."""
    what = "public_key"
    exact_keys(obj, {"commitments", "n", "parties", "theta", "threshold", "verification_keys"}, what)
    nb = definition.modulus_bits // 8
    threshold = _count(obj, "threshold", what, 1, 64)
    parties = _count(obj, "parties", what, 1, 64)
    if threshold != definition.threshold or parties != len(definition.trustees):
        raise InvalidElection("the key's threshold or number of parties differs from the election's")
    vks = get(obj, "verification_keys", list, what)
    commitments = get(obj, "commitments", list, what)
    if len(vks) != parties:
        raise InvalidEncoding(f"public_key.verification_keys: expected {parties} values, got {len(vks)}")
    if len(commitments) != threshold:
        raise InvalidEncoding(f"public_key.commitments: expected {threshold} values, got {len(commitments)}")
    n = parse_hex_int(obj["n"], "public_key.n", nb)
    if n < 3 or n % 2 == 0:
        raise InvalidElection("the published key is not well formed: Paillier modulus must be an odd integer > 1")
    return ThresholdPublicKey(
        n=n,
        threshold=threshold,
        parties=parties,
        theta=parse_hex_int(obj["theta"], "public_key.theta", nb),
        commitments=tuple(parse_hex_int(x, "public_key.commitments", 2 * nb) for x in commitments),
        verification_keys=tuple(parse_hex_int(x, "public_key.verification_keys", 2 * nb) for x in vks),
    )


@dataclass(frozen=True, slots=True)
class ElectionContext:
    """Everything a ballot or a decryption share is bound to (§P3): the definition and the published key."""

    definition: ElectionDefinition
    public_key: ThresholdPublicKey
    election_hash: bytes  # SHA-256 of the canonical election.created entry
    key_hash: bytes  # SHA-256 of the canonical key.published entry

    @property
    def election_id(self) -> str:
        return self.definition.election_id

    @property
    def paillier_key(self) -> PublicKey:
        return self.public_key.paillier

    def contest_allowed(self) -> tuple[tuple[int, ...], ...]:
        """The allowed plaintexts of each ciphertext of a ballot (§P4), from the election's kind."""
        return self.definition.kind_rules.layout(self.definition)

    def sum_allowed(self) -> tuple[int, ...]:
        """What the product of a ballot's ciphertexts may encrypt (committee: 0..seats marks); empty: no sum proof."""
        return self.definition.kind_rules.sum_allowed(self.definition)

    def proof_context(self, purpose: str, *parts: bytes) -> bytes:
        """The 32-byte context a proof's transcript absorbs: election, key, purpose and the statement's binding."""
        t = Transcript("linli/context")
        t.append_str("election_id", self.election_id)
        t.append_bytes("election_hash", self.election_hash)
        t.append_bytes("key_hash", self.key_hash)
        t.append_str("purpose", purpose)
        for i, part in enumerate(parts):
            t.append_bytes(f"part{i}", part)
        return t.challenge_bytes("context", 32)


FINGERPRINT_DOMAIN = b"linli/fingerprint/v1\x00"
_FINGERPRINT_CHARS = 20  # base32: 100 bits, written as four groups of five


def fingerprint(election_hash: bytes) -> str:
    """The election's short fingerprint (§P12), e.g. ``K7QXM-2D4NA-WB6RT-YH3CE``: 100 bits of a domain-separated
    hash of the election hash, which the administrator posts on the notice board and every client compares."""
    if len(election_hash) != 32:
        raise ValueError("the election hash is 32 bytes")
    text = base64.b32encode(hashlib.sha256(FINGERPRINT_DOMAIN + election_hash).digest()).decode()[:_FINGERPRINT_CHARS]
    return "-".join(text[i : i + 5] for i in range(0, _FINGERPRINT_CHARS, 5))


def parse_fingerprint(text: str) -> str:
    """A fingerprint as typed by a person (any case, spaces or dashes anywhere) in its canonical form."""
    compact = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(compact) != _FINGERPRINT_CHARS or any(ch not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for ch in compact):
        raise InvalidEncoding(
            f"a fingerprint is {_FINGERPRINT_CHARS} characters of A-Z and 2-7, e.g. K7QXM-2D4NA-WB6RT-YH3CE"
        )
    return "-".join(compact[i : i + 5] for i in range(0, _FINGERPRINT_CHARS, 5))


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
