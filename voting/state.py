"""The election state machine: every entry of an election's log, applied in order (docs/protocol.md §P2).

The server applies each entry before appending it; the verifier replays the published record through the same
rules. :meth:`ElectionState.apply` checks an entry against the state and, only if every check passes, records it.
It verifies statement signatures, the key's modulus proof, issuance rules, phases, duplicates and re-votes,
recomputes the tally and the result — everything except the per-ballot proofs, which the caller checks with
:func:`voting.ballot.verify_ballot` (the server at intake, the verifier in bulk) because they are the costly part.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from crypto import bbs, ed25519, merkle, threshold
from crypto.errors import CryptoError
from voting.ballot import EncryptedBallot
from voting.election import (
    ElectionContext,
    ElectionDefinition,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
    key_from_json,
)
from voting.eligibility import AnonymousEvidence
from voting.encoding import JSON, canonical, exact_keys, get, hex_int, parse_hex_bytes, parse_hex_int
from voting.errors import (
    Conflict,
    DuplicateBallot,
    InvalidElection,
    InvalidEncoding,
    InvalidStatement,
    NotEligible,
    OutcomeMismatch,
    RecordError,
    WrongPhase,
)
from voting.kinds import Tallied
from voting.records import HEAD_BOUND, Entry, EntryKind, LogHead, Role, sign_statement
from voting.tally import TrusteeShares, combine_totals, verify_trustee_shares

__all__ = ["CastRecord", "ElectionState", "Phase", "modulus_proof_from_json", "modulus_proof_to_json"]

MAX_ROLL_BATCH = 10_000


class Phase(StrEnum):
    EMPTY = "empty"
    CREATED = "created"
    KEYED = "keyed"
    OPEN = "open"
    CLOSED = "closed"  # closed and tallied: waiting for decryption shares
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class CastRecord:
    index: int  # leaf index of the ballot entry
    binding: bytes  # credential key or pseudonym
    ciphertexts: tuple[int, ...]
    weight: int = 0  # assembly: the voter's exclusive area in 0.01 m²


def modulus_proof_to_json(proof: threshold.ModulusProof, modulus_bits: int) -> JSON:
    """The ``modulus_proof`` body of ``key.published`` (docs/record.md): fixed-width hex; the Blum bits a_i, b_i as
    two 128-bit masks (bit i = round i); Π^fac's integers in fixed-width two's complement."""
    nb = modulus_bits // 8
    widths = threshold.modulus_proof_widths(modulus_bits)
    blum, fac = proof.blum, proof.fac

    def signed(value: int, width: int) -> str:
        return int(value).to_bytes(width, "big", signed=True).hex()

    def mask(bits: tuple[int, ...]) -> str:
        return hex_int(sum(bit << i for i, bit in enumerate(bits)), threshold.MODULUS_PROOF_BLUM_ROUNDS // 8)

    return {
        "blum": {"a": mask(blum.a), "b": mask(blum.b), "w": hex_int(blum.w, nb), "x": [hex_int(x, nb) for x in blum.x]},
        "fac": {
            **{name: hex_int(getattr(fac, name), widths["ring"]) for name in ("A", "B", "P", "Q", "T")},
            "sigma": signed(fac.sigma, widths["sigma"]),
            "v": signed(fac.v, widths["v"]),
            "w1": signed(fac.w1, widths["w"]),
            "w2": signed(fac.w2, widths["w"]),
            "z1": signed(fac.z1, widths["z"]),
            "z2": signed(fac.z2, widths["z"]),
        },
        "sigmas": [hex_int(s, nb) for s in proof.sigmas],
    }


def modulus_proof_from_json(obj: JSON, modulus_bits: int) -> threshold.ModulusProof:
    """Parse :func:`modulus_proof_to_json`: exact fields, exact list lengths (checked before any value is parsed),
    fixed widths. Ranges and group membership are the verifier's (``crypto.threshold.verify_modulus``)."""
    what = "modulus_proof"
    exact_keys(obj, {"blum", "fac", "sigmas"}, what)
    nb = modulus_bits // 8
    widths = threshold.modulus_proof_widths(modulus_bits)

    def values(parent: JSON, key: str, count: int, where: str) -> list[JSON]:
        items: list[JSON] = get(parent, key, list, where)
        if len(items) != count:
            raise InvalidEncoding(f"{where}.{key}: expected {count} values, got {len(items)}")
        return items

    def bits(value: JSON, where: str) -> tuple[int, ...]:
        m = parse_hex_int(value, where, threshold.MODULUS_PROOF_BLUM_ROUNDS // 8)
        return tuple((m >> i) & 1 for i in range(threshold.MODULUS_PROOF_BLUM_ROUNDS))

    def signed(value: JSON, where: str, width: int) -> int:
        return int.from_bytes(parse_hex_bytes(value, where, width), "big", signed=True)

    sigmas = values(obj, "sigmas", threshold.MODULUS_PROOF_ROUNDS, what)
    blum = exact_keys(get(obj, "blum", dict, what), {"a", "b", "w", "x"}, f"{what}.blum")
    xs = values(blum, "x", threshold.MODULUS_PROOF_BLUM_ROUNDS, f"{what}.blum")
    fac = exact_keys(
        get(obj, "fac", dict, what), {"A", "B", "P", "Q", "T", "sigma", "v", "w1", "w2", "z1", "z2"}, f"{what}.fac"
    )
    ring = {name: parse_hex_int(fac[name], f"{what}.fac.{name}", widths["ring"]) for name in ("A", "B", "P", "Q", "T")}
    return threshold.ModulusProof(
        sigmas=tuple(parse_hex_int(s, f"{what}.sigmas", nb) for s in sigmas),
        blum=threshold.BlumProof(
            w=parse_hex_int(blum["w"], f"{what}.blum.w", nb),
            x=tuple(parse_hex_int(x, f"{what}.blum.x", nb) for x in xs),
            a=bits(blum["a"], f"{what}.blum.a"),
            b=bits(blum["b"], f"{what}.blum.b"),
        ),
        fac=threshold.FacProof(
            **ring,
            sigma=signed(fac["sigma"], f"{what}.fac.sigma", widths["sigma"]),
            z1=signed(fac["z1"], f"{what}.fac.z1", widths["z"]),
            z2=signed(fac["z2"], f"{what}.fac.z2", widths["z"]),
            w1=signed(fac["w1"], f"{what}.fac.w1", widths["w"]),
            w2=signed(fac["w2"], f"{what}.fac.w2", widths["w"]),
            v=signed(fac["v"], f"{what}.fac.v", widths["v"]),
        ),
    )


@dataclass
class ElectionState:
    """Mutable, in-memory state of one election, rebuilt by applying its log."""

    min_modulus_bits: int = 3072
    size: int = 0
    phase: Phase = Phase.EMPTY
    definition: ElectionDefinition | None = None
    election_hash: bytes = b""
    context: ElectionContext | None = None
    roll: dict[str, RollEntry] = field(default_factory=dict)
    issued: dict[str, bytes] = field(default_factory=dict)  # roll id -> credential
    credentials: dict[bytes, str] = field(default_factory=dict)  # credential -> roll id
    ballots_cast: int = 0
    counted: dict[bytes, CastRecord] = field(default_factory=dict)  # binding -> last counted ballot
    seen_ciphertexts: set[int] = field(default_factory=set)
    tally: tuple[int, ...] = ()
    tally_entry: bytes = b""
    shares: dict[int, TrusteeShares] = field(default_factory=dict)
    totals: tuple[int, ...] = ()
    outcome: JSON = None  # the result's outcome (docs/record.md "result")
    result_entry: bytes = b""
    _counted_weights: Counter[int] = field(default_factory=Counter)
    key_entry: bytes = b""
    definition_entry: bytes = b""
    roll_area: int = 0  # assembly: the roll's total exclusive area (0.01 m²)
    tally_index: int = -1  # leaf index of the tally entry
    tree: merkle.MerkleTree = field(default_factory=merkle.MerkleTree)  # the log so far (§P2.3 tree heads)

    # -- helpers -----------------------------------------------------------------------------------------------
    def _require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            allowed = " or ".join(p.value for p in phases)
            raise WrongPhase(f"the election is {self.phase.value}; this needs it {allowed}")

    def require_context(self) -> ElectionContext:
        if self.context is None:
            raise WrongPhase("the election has no published key yet")
        return self.context

    def require_definition(self) -> ElectionDefinition:
        if self.definition is None:
            raise WrongPhase("the log has no election definition")
        return self.definition

    def _check_author(self, entry: Entry, key: bytes, who: str) -> None:
        if entry.author is None or entry.author.key != key:
            raise InvalidStatement(f"{entry.kind.value} must be signed by the election's {who}")
        entry.verify_signature()

    def log_head(self) -> LogHead:
        """The head of the log as this state has replayed it (§P2.3)."""
        if not self.size:
            raise WrongPhase("the log is empty")
        return LogHead(self.size, self.tree.root())

    def statement(self, kind: EntryKind, body: JSON, key: ed25519.SigningKey, role: Role, index: int = 0) -> Entry:
        """Sign a statement about this election instance as this state has it: its election hash and, for open,
        close and decryption shares, its tree head (§P2.3). The signer must have verified the state first."""
        if kind is EntryKind.ELECTION_CREATED:
            return sign_statement(kind, body["election"]["election_id"], body, key, role, index)
        head = self.log_head() if kind in HEAD_BOUND else None
        election_id = self.require_definition().election_id
        return sign_statement(
            kind, election_id, body, key, role, index, election_hash=self.election_hash, log_head=head
        )

    # -- the reducer --------------------------------------------------------------------------------------------
    def apply(self, entry: Entry, ballot: EncryptedBallot | None = None) -> None:
        """Check ``entry`` against the state and record it; raise a VotingError and change nothing otherwise.

        For a ballot entry the caller passes the parsed ``ballot`` it has already verified with
        :func:`voting.ballot.verify_ballot`; without it, the entry is parsed here.
        """
        self.stage(entry, ballot)()

    def stage(self, entry: Entry, ballot: EncryptedBallot | None = None) -> Callable[[], None]:
        """Every check of :meth:`apply`, without changing the state; returns the function that records the entry.

        The server stages an entry, appends it to the ledger, and commits only once the append is durable
        (docs/protocol.md §P2.2), so the in-memory state never runs ahead of the log. The commit refuses to run if
        the state has moved since staging.
        """
        if self.phase is not Phase.EMPTY and entry.election_id != self.require_definition().election_id:
            raise InvalidStatement(f"entry for election {entry.election_id!r} in the log of another election")
        handlers: dict[EntryKind, Callable[[Entry], Callable[[], None]]] = {
            EntryKind.ELECTION_CREATED: self._created,
            EntryKind.ROLL_PUBLISHED: self._roll,
            EntryKind.KEY_PUBLISHED: self._key,
            EntryKind.CREDENTIAL_ISSUED: self._credential,
            EntryKind.ELECTION_OPENED: self._opened,
            EntryKind.ELECTION_CLOSED: self._closed,
            EntryKind.TALLY: self._tally,
            EntryKind.DECRYPTION_SHARE: self._share,
            EntryKind.RESULT: self._result,
        }
        commit = self._ballot(entry, ballot) if entry.kind is EntryKind.BALLOT else handlers[entry.kind](entry)
        leaf = merkle.leaf_hash(entry.to_bytes())
        size = self.size

        def record() -> None:
            if self.size != size:
                raise RuntimeError("the election state moved between staging and commit")
            commit()
            self.tree.append(leaf)
            self.size += 1

        return record

    def _created(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.EMPTY)
        definition = ElectionDefinition.from_json(entry.body.get("election") if isinstance(entry.body, dict) else None)
        exact_keys(entry.body, {"election"}, "election.created")
        if definition.election_id != entry.election_id:
            raise InvalidElection("the definition's election id differs from the entry's")
        if definition.modulus_bits < self.min_modulus_bits:
            raise InvalidElection(
                f"modulus of {definition.modulus_bits} bits is below the minimum {self.min_modulus_bits}"
            )
        self._check_author(entry, definition.admin_key, "administrator")
        if definition.credential_key:
            try:
                bbs.octets_to_pubkey(definition.credential_key)  # canonical, in G2, not the identity
            except CryptoError as e:
                raise InvalidElection(f"credential_key is not a valid BBS public key: {e}") from e
        definition_entry = entry.to_bytes()

        def commit() -> None:
            self.definition = definition
            self.definition_entry = definition_entry
            self.election_hash = hashlib.sha256(definition_entry).digest()
            self.phase = Phase.CREATED

        return commit

    def _bound_body(self, entry: Entry, *, head: bool = False) -> dict[str, JSON]:
        """§P2.3: a statement names the election instance it is about (the election hash) and, where it attests
        to the log (open, close, decryption shares), the tree head its signer saw; returns the body without them."""
        body: dict[str, JSON] = entry.body  # an object: Entry.from_json checks it
        what = entry.kind.value
        if parse_hex_bytes(body.get("election_hash"), f"{what}.election_hash", 32) != self.election_hash:
            raise InvalidStatement(f"{what} is signed for another election instance (election hash differs)")
        rest = {k: v for k, v in body.items() if k not in ("election_hash", "log_head")}
        if head:
            log_head = LogHead.from_json(body.get("log_head"), f"{what}.log_head")
            if log_head.size > self.size:
                raise InvalidStatement(
                    f"{what} names a tree head of size {log_head.size}, beyond the log's {self.size}"
                )
            if self.tree.root(log_head.size) != log_head.root:
                raise InvalidStatement(f"{what} names a tree head that is not a prefix of this log (split view)")
            rest["log_head"] = log_head.size
        elif "log_head" in body:
            raise InvalidEncoding(f"{what}: unexpected log_head")
        return rest

    def _roll(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CREATED, Phase.KEYED)
        definition = self.require_definition()
        self._check_author(entry, definition.admin_key, "administrator")
        body = self._bound_body(entry)
        exact_keys(body, {"entries"}, "roll.published")
        items = get(body, "entries", list, "roll.published")
        if not 1 <= len(items) <= MAX_ROLL_BATCH:
            raise InvalidEncoding(f"roll.published: 1..{MAX_ROLL_BATCH} entries per batch")
        batch = [RollEntry.from_json(item) for item in items]
        ids = [r.roll_id for r in batch]
        if len(set(ids)) != len(ids):
            raise Conflict("roll batch lists a roll id twice")
        again = [i for i in ids if i in self.roll]
        if again:
            raise Conflict(f"roll id {again[0]!r} is already on the roll")
        definition.kind_rules.check_roll(definition, [r.area for r in batch])
        if len(self.roll) + len(batch) > definition.max_voters:
            raise InvalidElection(f"the roll would exceed the election's max_voters ({definition.max_voters})")
        # §P7.2: every packed counter must hold its largest possible total, or "area yes" would carry into
        # "area no". The area counters sum at most the roll's total area; head counters at most the roll's size.
        area = self.roll_area + sum(r.area for r in batch)
        if area >> definition.counter_bits:
            raise InvalidElection(
                f"the roll's total area ({area} × 0.01 m²) does not fit the tally's {definition.counter_bits}-bit "
                "area counters"
            )

        def commit() -> None:
            for r in batch:
                self.roll[r.roll_id] = r
            self.roll_area = area

        return commit

    def _key(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CREATED)
        definition = self.require_definition()
        self._check_author(entry, definition.admin_key, "administrator")
        body = self._bound_body(entry)
        exact_keys(body, {"modulus_proof", "public_key"}, "key.published")
        pk = key_from_json(body["public_key"], definition)
        proof = modulus_proof_from_json(body["modulus_proof"], definition.modulus_bits)
        try:
            pk.validate(definition.modulus_bits)
            threshold.verify_modulus(pk.n, proof, self.election_hash, min_bits=definition.modulus_bits)
        except CryptoError as e:
            raise InvalidElection(f"the published key is not well formed: {e}") from e
        if pk.n.bit_length() != definition.modulus_bits:
            raise InvalidElection(
                f"the modulus has {pk.n.bit_length()} bits, the election asks for {definition.modulus_bits}"
            )
        key_entry = entry.to_bytes()
        context = ElectionContext(definition, pk, self.election_hash, hashlib.sha256(key_entry).digest())

        def commit() -> None:
            self.key_entry = key_entry
            self.context = context
            self.phase = Phase.KEYED

        return commit

    def _credential(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CREATED, Phase.KEYED, Phase.OPEN)
        definition = self.require_definition()
        self._check_author(entry, definition.registrar_key, "registrar")
        body = self._bound_body(entry)
        anonymous = definition.eligibility is EligibilityMode.ANONYMOUS
        # Anonymous issuance logs the roll entry only: no commitment, no signature, no pseudonym (§P5.2).
        exact_keys(body, {"roll_id"} if anonymous else {"credential", "roll_id"}, "credential.issued")
        roll_id = get(body, "roll_id", str, "credential.issued")
        credential = b"" if anonymous else parse_hex_bytes(body["credential"], "credential.issued.credential", 32)
        if roll_id not in self.roll:
            raise InvalidStatement(f"roll id {roll_id!r} is not on the roll")
        if roll_id in self.issued:
            raise Conflict(f"a credential was already issued for roll id {roll_id!r}")
        if credential and credential in self.credentials:
            raise Conflict("this credential key was already issued to another roll entry")

        def commit() -> None:
            self.issued[roll_id] = credential
            if credential:
                self.credentials[credential] = roll_id

        return commit

    def _opened(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.KEYED)
        self._check_author(entry, self.require_definition().admin_key, "administrator")
        exact_keys(self._bound_body(entry, head=True), {"log_head"}, "election.opened")
        if not self.roll:
            raise WrongPhase("cannot open an election with an empty roll")

        def commit() -> None:
            self.phase = Phase.OPEN

        return commit

    def parse_ballot(self, entry: Entry) -> EncryptedBallot:
        return EncryptedBallot.from_json(entry.body, self.require_context())

    def ballot_weight(self, ballot: EncryptedBallot) -> int:
        """§P6.7: an assembly ballot's weight is its owner's exclusive area: from the roll entry of its credential
        (signing mode) or disclosed from the credential (anonymous mode). Other kinds: 0."""
        definition = self.require_definition()
        if not definition.kind_rules.weighted:
            return 0
        evidence = ballot.evidence
        if isinstance(evidence, AnonymousEvidence):
            if evidence.weight <= 0:
                raise NotEligible("an assembly ballot must disclose its owner's area")
            return evidence.weight
        roll_id = self.credentials.get(evidence.binding)
        if roll_id is None:
            raise NotEligible("the ballot's credential was never issued for this election")
        return self.roll[roll_id].area

    def check_ballot(self, ballot: EncryptedBallot) -> int:
        """The stateful checks of a ballot (§P6.7), without recording it; returns its weight."""
        self._require(Phase.OPEN)
        definition = self.require_definition()
        binding = ballot.evidence.binding
        weight = self.ballot_weight(ballot)
        if definition.eligibility is EligibilityMode.SIGNING:
            if binding not in self.credentials:
                raise NotEligible("the ballot's credential was never issued for this election")
        elif binding not in self.counted:
            # Each issued credential has exactly one pseudonym here: more pseudonyms than issuances means
            # credentials were made outside the log (registrar stuffing).
            if len(self.counted) >= len(self.issued):
                raise NotEligible("more pseudonyms than credentials issued: this credential was not issued on the log")
            if weight and self._counted_weights[weight] >= self._issued_weights()[weight]:
                raise NotEligible("more ballots of this area than owners of this area were issued credentials")
        elif weight != self.counted[binding].weight:
            raise NotEligible("a re-vote must carry the same area as the ballot it replaces")
        if any(c.ciphertext in self.seen_ciphertexts for c in ballot.contests):
            raise DuplicateBallot("this ciphertext was already cast: a replayed or copied ballot")
        if binding in self.counted and definition.revote is RevotePolicy.REFUSE:
            raise DuplicateBallot("this credential has already voted and the election refuses re-votes")
        return weight

    def _issued_weights(self) -> Counter[int]:
        return Counter(self.roll[roll_id].area for roll_id in self.issued)

    def _ballot(self, entry: Entry, ballot: EncryptedBallot | None) -> Callable[[], None]:
        parsed = ballot if ballot is not None else self.parse_ballot(entry)
        if parsed.to_bytes(self.require_context()) != _body_bytes(entry):
            raise InvalidStatement("the parsed ballot differs from the entry")
        weight = self.check_ballot(parsed)
        cts = tuple(c.ciphertext for c in parsed.contests)
        binding = parsed.evidence.binding
        index = self.size

        def commit() -> None:
            self.seen_ciphertexts.update(cts)
            if binding not in self.counted and weight:
                self._counted_weights[weight] += 1
            self.counted[binding] = CastRecord(index, binding, cts, weight)
            self.ballots_cast += 1

        return commit

    def _closed(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.OPEN)
        self._check_author(entry, self.require_definition().admin_key, "administrator")
        exact_keys(self._bound_body(entry, head=True), {"log_head"}, "election.closed")

        def commit() -> None:
            self.phase = Phase.CLOSED

        return commit

    # -- tally and result -----------------------------------------------------------------------------------------
    def counted_records(self) -> list[CastRecord]:
        """The counted ballots in log order: the last ballot of each binding (§P6.6)."""
        return sorted(self.counted.values(), key=lambda r: r.index)

    def tally_body(self) -> JSON:
        """§P7: the server's tally entry body, recomputed by every verifier: ONE ciphertext carrying every counter,
        packed by the election's kind (:mod:`voting.kinds`)."""
        context = self.require_context()
        definition = context.definition
        records = self.counted_records()
        nb = definition.modulus_bits // 8
        tally = definition.kind_rules.tally(context, [Tallied(r.ciphertexts, r.weight) for r in records])
        return {
            "ballots_cast": self.ballots_cast,
            "ciphertexts": [hex_int(tally, 2 * nb)],
            "counted": [r.index for r in records],
        }

    def _tally(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CLOSED)
        if self.tally:
            raise Conflict("the election is already tallied")
        expected = self.tally_body()
        if entry.body != expected:
            raise RecordError("the tally entry is not the product of the counted ballots")
        nb = self.require_definition().modulus_bits // 8
        tally = tuple(parse_hex_int(c, "tally", 2 * nb) for c in expected["ciphertexts"])
        tally_entry = entry.to_bytes()
        index = self.size

        def commit() -> None:
            self.tally = tally
            self.tally_entry = tally_entry
            self.tally_index = index

        return commit

    def parse_shares(self, entry: Entry) -> TrusteeShares:
        """The shares of a decryption.share statement (its body without the election hash and tree head)."""
        body = {k: v for k, v in entry.body.items() if k not in ("election_hash", "log_head")}
        return TrusteeShares.from_json(body, self.require_context(), len(self.tally))

    def _share(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CLOSED)
        if not self.tally:
            raise WrongPhase("the election is not tallied yet")
        context = self.require_context()
        bound = self._bound_body(entry, head=True)
        if bound["log_head"] <= self.tally_index:
            raise InvalidStatement("a decryption share must name a tree head that includes the tally entry")
        shares = self.parse_shares(entry)
        trustee = context.definition.trustee(shares.trustee)
        if entry.author is None or entry.author.index != trustee.index:
            raise InvalidStatement("a decryption share must be signed by the trustee it names")
        self._check_author(entry, trustee.key, f"trustee {trustee.index}")
        if shares.trustee in self.shares:
            raise Conflict(f"trustee {shares.trustee} has already submitted a decryption share")
        verify_trustee_shares(context, shares, self.tally)

        def commit() -> None:
            self.shares[shares.trustee] = shares

        return commit

    def result_body(self) -> JSON:
        """§P8–§P9: combine the first ``threshold`` shares in log order, decode, apply the rules."""
        context = self.require_context()
        definition = context.definition
        t = definition.threshold
        if len(self.shares) < t:
            raise WrongPhase(f"{len(self.shares)} of the {t} decryption shares needed have been submitted")
        used = list(self.shares.values())[:t]
        totals = combine_totals(context, self.tally, used)
        ballots = len(self.counted)
        roll_area = self.roll_area
        outcome = definition.kind_rules.decide(definition, totals, ballots, len(self.roll), roll_area)
        return {
            "ballots": ballots,
            "kind": definition.kind,
            "options": list(definition.options),
            "outcome": outcome,
            "roll_area": roll_area,
            "roll_size": len(self.roll),
            "shares_used": [s.trustee for s in used],
            "totals": list(totals),
        }

    def _result(self, entry: Entry) -> Callable[[], None]:
        self._require(Phase.CLOSED)
        expected = self.result_body()
        body = entry.body
        if body.get("outcome") != expected["outcome"] and {k: v for k, v in body.items() if k != "outcome"} == {
            k: v for k, v in expected.items() if k != "outcome"
        }:
            raise OutcomeMismatch(f"the published outcome is wrong: the rules give {expected['outcome']}")
        if body != expected:
            raise RecordError("the result entry differs from the combination of the shares (totals)")
        result_entry = entry.to_bytes()

        def commit() -> None:
            self.totals = tuple(expected["totals"])
            self.outcome = expected["outcome"]
            self.result_entry = result_entry
            self.phase = Phase.PUBLISHED

        return commit


def _body_bytes(entry: Entry) -> bytes:
    return canonical(entry.body)
