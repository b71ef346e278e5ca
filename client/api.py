"""A typed Python client for the Linli gRPC service. It takes a channel; it never trusts what it is told
(docs/protocol.md §P10):

* the election it acts on is replayed from the log's set-up entries through the same election rules the server and
  the verifier use (signatures, roll, key and modulus proof, issuances), those entries are checked to be a prefix of
  the log a signed checkpoint commits to, and the election's fingerprint is compared with the expected one (or pinned
  on first use) — :meth:`LinliClient.election`;
* the log's checkpoint key is compared with the expected or pinned one;
* receipts are checked against the signed checkpoint and the inclusion proof, later against the grown log.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from client.errors import (
    ElectionInvalid,
    ElectionMismatch,
    ElectionNotFound,
    ReceiptInvalid,
    ReceiptPending,
    ServerRejected,
)
from client.pins import PinStore
from crypto import merkle
from crypto.cosignature import open_cosigned_checkpoint
from crypto.errors import CryptoError
from crypto.note import Checkpoint, NoteVerifier, open_checkpoint, verify_checkpoint_extends
from voting.board import BoardMessage
from voting.election import ElectionContext, ElectionDefinition, fingerprint, parse_fingerprint
from voting.encoding import parse
from voting.errors import VotingError
from voting.records import Entry, EntryKind
from voting.state import ElectionState
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

__all__ = ["CHANNEL_OPTIONS", "ElectionSnapshot", "LinliClient", "Receipt", "receipt_code"]

T = TypeVar("T")

# The server sends up to 64 MiB (server.grpc_service): a whole ceremony round at 3072 bits is several MiB
# (§P15.9), above grpcio's 4 MiB default. Every channel a client opens uses these options.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 << 20)]

RECEIPT_CODE_CHARS = 10


def receipt_code(leaf_hash: bytes) -> str:
    """A receipt's short code for people (the booth shows it with the receipt's QR code): the first 10 characters
    (50 bits) of the base32 leaf hash in two groups of five, e.g. ``K7QXM-2D4NA``. Derived, never stored: anyone
    recomputes it from the receipt or from the record's line (``SHA-256(0x00 ‖ line)``)."""
    if len(leaf_hash) != 32:
        raise ValueError("a leaf hash is 32 bytes")
    text = base64.b32encode(leaf_hash).decode()[:RECEIPT_CODE_CHARS]
    return f"{text[:5]}-{text[5:]}"


@dataclass(frozen=True, slots=True)
class Receipt:
    """A voter's (or author's) receipt: where the entry sits in the log, proven against a signed checkpoint."""

    election_id: str
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint: bytes

    @property
    def code(self) -> str:
        """The short code people compare (:func:`receipt_code`)."""
        return receipt_code(self.leaf_hash)

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint": self.checkpoint.decode(),
            "election": self.election_id,
            "inclusion_proof": [h.hex() for h in self.inclusion_proof],
            "leaf_hash": self.leaf_hash.hex(),
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Receipt:
        return cls(
            election_id=str(obj["election"]),
            leaf_index=int(obj["leaf_index"]),
            leaf_hash=bytes.fromhex(obj["leaf_hash"]),
            tree_size=int(obj["tree_size"]),
            inclusion_proof=tuple(bytes.fromhex(h) for h in obj["inclusion_proof"]),
            checkpoint=str(obj["checkpoint"]).encode(),
        )

    def verify(self, verifier: NoteVerifier, origin: str, entry: bytes | None = None) -> Checkpoint:
        """Check the checkpoint signature and origin, and that the entry is included at ``leaf_index``."""
        try:
            cp = open_checkpoint(self.checkpoint, verifier)
            if cp.origin != origin:
                raise ReceiptInvalid(f"checkpoint is for log {cp.origin!r}, expected {origin!r}")
            if cp.size != self.tree_size:
                raise ReceiptInvalid("checkpoint size differs from the receipt's tree size")
            if entry is not None and merkle.leaf_hash(entry) != self.leaf_hash:
                raise ReceiptInvalid("the receipt is for a different entry")
            merkle.verify_inclusion(self.leaf_hash, self.leaf_index, self.tree_size, self.inclusion_proof, cp.root_hash)
        except CryptoError as e:
            raise ReceiptInvalid(f"receipt does not verify: {e}") from e
        return cp


@dataclass(frozen=True, slots=True)
class ElectionSnapshot:
    """An election as this client has verified it (§P12)."""

    info: pb.ElectionInfo  # the server's counters: for display only, not verified
    state: ElectionState  # the log's set-up entries (up to the first ballot), replayed through the election rules
    checkpoint: Checkpoint  # the signed checkpoint whose log the replayed entries are a prefix of
    fingerprint: str  # of the verified election hash: what the notice board shows
    first_use: bool  # nothing was expected or pinned: the fingerprint was pinned now and must be compared by hand

    @property
    def definition(self) -> ElectionDefinition:
        return self.state.require_definition()

    @property
    def context(self) -> ElectionContext | None:
        return self.state.context

    @property
    def election_hash(self) -> bytes:
        return self.state.election_hash


def _call(fn: Callable[..., T], request: Any, timeout: float) -> T:
    try:
        return fn(request, timeout=timeout)
    except grpc.RpcError as e:
        raise ServerRejected(e.code().name, e.details() or "") from e


def _receipt(r: pb.Receipt) -> Receipt:
    return Receipt(
        r.election_id, r.leaf_index, bytes(r.leaf_hash), r.tree_size, tuple(r.inclusion_proof), bytes(r.checkpoint)
    )


class LinliClient:
    """``log_key``: the expected checkpoint key (a signed-note verifier key); without it the key is taken from the
    server and checked against ``pins``. ``pins`` remembers each election's fingerprint and log key (in memory
    unless given a file). ``min_modulus_bits``: the smallest Paillier modulus this client accepts."""

    def __init__(
        self,
        channel: grpc.Channel,
        *,
        timeout: float = 60.0,
        log_key: str | None = None,
        pins: PinStore | None = None,
        min_modulus_bits: int = 3072,
    ) -> None:
        self._stub = pb_grpc.LinliStub(channel)
        self.timeout = timeout
        self.pins = pins if pins is not None else PinStore()
        self.min_modulus_bits = min_modulus_bits
        self._expected_log_key = log_key
        self._verifier: NoteVerifier | None = None
        self._prefix = ""

    def server_info(self) -> pb.ServerInfo:
        return _call(self._stub.GetServerInfo, pb.ServerInfoRequest(), self.timeout)

    def log_verifier(self, election_id: str | None = None) -> tuple[NoteVerifier, str]:
        """The server's checkpoint key and origin prefix; the key must be the expected one, or the one pinned for
        ``election_id`` (§P12)."""
        if self._verifier is None:
            info = self.server_info()
            try:
                verifier = NoteVerifier.from_vkey(info.verifier_key)
            except CryptoError as e:
                raise ElectionInvalid(f"the server's log key is malformed: {e}") from e
            if self._expected_log_key is not None and info.verifier_key != self._expected_log_key:
                raise ElectionMismatch("the server's log key is not the expected one (--log-key)")
            self._verifier, self._prefix = verifier, info.log_origin_prefix
        pin = self.pins.get(election_id) if election_id else None
        if pin is not None and pin.log_key != self._verifier.to_vkey():
            raise ElectionMismatch(f"the log of election {election_id} is signed by another key than the pinned one")
        return self._verifier, self._prefix

    def origin(self, election_id: str) -> str:
        _, prefix = self.log_verifier()
        return prefix + election_id

    def list_elections(self) -> list[str]:
        return list(_call(self._stub.ListElections, pb.ListElectionsRequest(), self.timeout).election_ids)

    def election(self, election_id: str, *, expect: str | None = None) -> ElectionSnapshot:
        """§P12: verify the election before acting on it, and return it.

        1. the latest checkpoint is signed by the expected (or pinned) log key and names this election's log;
        2. the log's entries up to the first ballot (definition, roll, key, issuances, opening) are replayed through
           :class:`voting.state.ElectionState` — every signature, the key's modulus proof, every rule;
        3. those entries are a prefix of the checkpoint's log (RFC 9162 consistency proof);
        4. the election's fingerprint equals ``expect``, or the pinned one; with neither, it is pinned now
           (``first_use``) and the caller must tell the user to compare it with the notice board.

        Raises ElectionInvalid, ElectionMismatch or ReceiptInvalid; never returns an election it has not checked.
        """
        try:
            info = _call(self._stub.GetElection, pb.ElectionRef(election_id=election_id), self.timeout)
        except ServerRejected as e:
            if e.code == "NOT_FOUND":
                raise ElectionNotFound(election_id, e.message) from e
            raise
        verifier, _ = self.log_verifier(election_id)
        cp = self.checkpoint(election_id)
        state = ElectionState(min_modulus_bits=self.min_modulus_bits)
        try:
            self._replay_setup(election_id, state, cp.size)
        except VotingError as e:
            raise ElectionInvalid(f"election {election_id} does not verify at entry {state.size}: {e}") from e
        if state.size == 0 or state.definition is None:
            raise ElectionInvalid(f"the log of election {election_id} has no election definition")
        try:
            if state.size == cp.size:
                if state.tree.root() != cp.root_hash:
                    raise CryptoError("the entries do not hash to the checkpoint's root")
            else:
                req = pb.ConsistencyProofRequest(election_id=election_id, size1=state.size, size2=cp.size)
                proof = _call(self._stub.GetConsistencyProof, req, self.timeout).proof
                merkle.verify_consistency(state.size, cp.size, list(proof), state.tree.root(), cp.root_hash)
        except CryptoError as e:
            raise ReceiptInvalid(f"the election's entries are not in the log the checkpoint signs: {e}") from e
        fp = fingerprint(state.election_hash)
        if expect is not None and parse_fingerprint(expect) != fp:
            raise ElectionMismatch(
                f"election {election_id} has fingerprint {fp}, not the expected {parse_fingerprint(expect)}: this is "
                "not the election on the notice board"
            )
        first_use = self.pins.check(election_id, fp, verifier.to_vkey()) and expect is None
        return ElectionSnapshot(info, state, cp, fp, first_use)

    def _replay_setup(self, election_id: str, state: ElectionState, size: int) -> None:
        while state.size < size:
            req = pb.EntriesRequest(election_id=election_id, start=state.size)
            page = _call(self._stub.GetEntries, req, self.timeout).entries
            if not page:
                raise ElectionInvalid("the server stopped serving entries before the checkpoint's size")
            for data in page[: size - state.size]:
                entry = Entry.from_bytes(bytes(data))
                if entry.kind is EntryKind.BALLOT:
                    return
                if state.size == 0 and entry.election_id != election_id:
                    raise ElectionInvalid(f"the server answered with the log of election {entry.election_id!r}")
                if entry.to_bytes() != bytes(data):
                    raise ElectionInvalid(f"entry {state.size} is not in canonical form")
                state.apply(entry)

    # -- appends: each returns a verified receipt ------------------------------------------------------------
    def _append(self, fn: Callable[..., pb.Receipt], request: Any, election_id: str, entry: bytes | None) -> Receipt:
        receipt = _receipt(_call(fn, request, self.timeout))
        verifier, _ = self.log_verifier(election_id)
        receipt.verify(verifier, self.origin(election_id), entry)
        return receipt

    def submit(self, entry: Entry) -> Receipt:
        method = {
            EntryKind.ELECTION_CREATED: self._stub.CreateElection,
            EntryKind.KEY_PUBLISHED: self._stub.PublishKey,
            EntryKind.ROLL_PUBLISHED: self._stub.PublishRoll,
            EntryKind.ROLL_CORRECTED: self._stub.PublishRoll,  # a correction travels with what it corrects
            EntryKind.CREDENTIAL_ISSUED: self._stub.IssueCredential,
            EntryKind.CREDENTIAL_REVOKED: self._stub.IssueCredential,
            EntryKind.ELECTION_OPENED: self._stub.OpenElection,
            EntryKind.ELECTION_CLOSED: self._stub.CloseElection,
            EntryKind.DECRYPTION_SHARE: self._stub.SubmitDecryptionShare,
        }[entry.kind]
        data = entry.to_bytes()
        return self._append(method, pb.SignedStatement(entry=data), entry.election_id, data)

    def cast_ballot(self, election_id: str, ballot: bytes) -> Receipt:
        entry = Entry(EntryKind.BALLOT, election_id, parse(ballot)).to_bytes()
        return self._append(
            self._stub.CastBallot, pb.CastBallotRequest(election_id=election_id, ballot=ballot), election_id, entry
        )

    # -- the phone credential relay (docs/protocol.md §P13): not the log, nothing here is verified by the server's word
    def post_credential_request(self, election_id: str, request: bytes) -> str:
        """Post a credential request (what the phone does); returns the code to show the registrar."""
        req = pb.PostCredentialRequestRequest(election_id=election_id, request=request)
        return _call(self._stub.PostCredentialRequest, req, self.timeout).code

    def credential_request(self, election_id: str, code: str) -> bytes:
        """The request posted under ``code``, as the server holds it (the caller parses and checks it)."""
        ref = pb.RelayRef(election_id=election_id, code=code)
        return bytes(_call(self._stub.GetCredentialRequest, ref, self.timeout).request)

    def post_issuance(self, election_id: str, issuance: bytes) -> None:
        req = pb.PostIssuanceRequest(election_id=election_id, issuance=issuance)
        _call(self._stub.PostIssuance, req, self.timeout)

    def issuance(self, election_id: str, code: str) -> bytes:
        """The registrar's signed issuance for ``code`` (ServerRejected NOT_FOUND while it is pending)."""
        ref = pb.RelayRef(election_id=election_id, code=code)
        return bytes(_call(self._stub.GetIssuance, ref, self.timeout).issuance)

    # -- the log -------------------------------------------------------------------------------------------------
    def consistency_proof(self, election_id: str, size1: int, size2: int) -> list[bytes]:
        req = pb.ConsistencyProofRequest(election_id=election_id, size1=size1, size2=size2)
        return list(_call(self._stub.GetConsistencyProof, req, self.timeout).proof)

    def first_entry(self, election_id: str) -> bytes:
        page = _call(self._stub.GetEntries, pb.EntriesRequest(election_id=election_id, limit=1), self.timeout).entries
        if not page:
            raise ElectionInvalid(f"the log of election {election_id} is empty")
        return bytes(page[0])

    def add_cosignature(self, election_id: str, size: int, lines: bytes) -> bytes:
        """Post a witness's cosignature line(s) on the checkpoint of ``size`` (§P17.3); the note the server holds."""
        req = pb.AddCosignatureRequest(election_id=election_id, tree_size=size, cosignature=lines)
        return bytes(_call(self._stub.AddCosignature, req, self.timeout).note)

    # §P15.9, the key ceremony's board
    def post_board_message(self, message: BoardMessage) -> bool:
        """Post a signed board message; False when the server already held the same one."""
        req = pb.BoardMessage(
            election_id=message.election_id,
            attempt=message.attempt,
            round=message.round,
            sender=message.sender,
            broadcast=message.broadcast,
            ciphertexts=dict(message.ciphertexts),
            signature=message.signature,
        )
        return bool(_call(self._stub.PostBoardMessage, req, self.timeout).stored)

    def board_round(self, election_id: str, attempt: int, round_name: str, recipient: int = 0) -> list[BoardMessage]:
        """Every message of one round (only the ciphertexts for ``recipient`` when it is not 0), not yet checked:
        the caller verifies each signature against the election definition."""
        req = pb.BoardRoundRequest(election_id=election_id, attempt=attempt, round=round_name, recipient=recipient)
        return [
            BoardMessage(m.election_id, m.attempt, m.round, m.sender, m.broadcast, dict(m.ciphertexts), m.signature)
            for m in _call(self._stub.GetBoardRound, req, self.timeout).messages
        ]

    def ceremony_transcript(self, election_id: str) -> tuple[bytes, ...]:
        """§P15.10: the lines of ``ceremony.jsonl`` for the record, not yet checked (the verifier checks them)."""
        req = pb.CeremonyTranscriptRequest(election_id=election_id)
        return tuple(bytes(m) for m in _call(self._stub.GetCeremonyTranscript, req, self.timeout).messages)

    def board_status(self, election_id: str) -> pb.BoardStatusResponse:
        return _call(self._stub.GetBoardStatus, pb.BoardStatusRequest(election_id=election_id), self.timeout)

    def cosigned_checkpoint(self, election_id: str, definition: ElectionDefinition) -> tuple[Checkpoint, bytes]:
        """§P17.4: the newest checkpoint with the election's quorum of valid witness cosignatures, checked here
        (without witnesses: the newest signed checkpoint). ReceiptPending while the server has none."""
        try:
            resp = _call(
                self._stub.GetCheckpoint, pb.CheckpointRequest(election_id=election_id, cosigned=True), self.timeout
            )
        except ServerRejected as e:
            if e.code == "FAILED_PRECONDITION":
                raise ReceiptPending(f"no checkpoint of {election_id} is cosigned by its witnesses yet") from e
            raise
        note = bytes(resp.note)
        verifier, _ = self.log_verifier(election_id)
        try:
            cp, _ = open_cosigned_checkpoint(note, verifier, definition.witnesses, definition.witness_quorum)
        except CryptoError as e:
            raise ReceiptInvalid(f"the server's cosigned checkpoint does not verify: {e}") from e
        if cp.origin != self.origin(election_id):
            raise ReceiptInvalid("server checkpoint is for another log")
        return cp, note

    def check_receipt_witnessed(
        self, receipt: Receipt, definition: ElectionDefinition, entry: bytes | None = None
    ) -> Checkpoint:
        """§P17.4: the receipt's entry is in a checkpoint the election's witnesses cosigned: the receipt verifies
        against its own signed checkpoint, that checkpoint is a prefix of the cosigned one (consistency proof),
        and the entry is included in the cosigned one (a fresh inclusion proof against its root). ReceiptPending
        while no cosigned checkpoint covers the entry yet."""
        verifier, _ = self.log_verifier(receipt.election_id)
        old = receipt.verify(verifier, self.origin(receipt.election_id), entry)
        cosigned, _ = self.cosigned_checkpoint(receipt.election_id, definition)
        if cosigned.size < old.size:
            raise ReceiptPending(
                f"entry {receipt.leaf_index} is pending witnesses: the newest cosigned checkpoint has {cosigned.size}"
                f" entries, the receipt's {old.size}"
            )
        proof = self.consistency_proof(receipt.election_id, old.size, cosigned.size) if old.size < cosigned.size else []
        req = pb.InclusionProofRequest(
            election_id=receipt.election_id, leaf_index=receipt.leaf_index, tree_size=cosigned.size
        )
        inclusion = _call(self._stub.GetInclusionProof, req, self.timeout)
        try:
            verify_checkpoint_extends(old, cosigned, proof)
            merkle.verify_inclusion(
                receipt.leaf_hash, receipt.leaf_index, cosigned.size, list(inclusion.proof), cosigned.root_hash
            )
        except CryptoError as e:
            raise ReceiptInvalid(f"the witnessed log does not contain the receipt's entry: {e}") from e
        return cosigned

    def checkpoint(self, election_id: str) -> Checkpoint:
        note = _call(self._stub.GetCheckpoint, pb.CheckpointRequest(election_id=election_id), self.timeout).note
        verifier, _ = self.log_verifier(election_id)
        try:
            cp = open_checkpoint(bytes(note), verifier)
        except CryptoError as e:
            raise ReceiptInvalid(f"server checkpoint does not verify: {e}") from e
        if cp.origin != self.origin(election_id):
            raise ReceiptInvalid("server checkpoint is for another log")
        return cp

    def checkpoint_note(self, election_id: str) -> bytes:
        return bytes(_call(self._stub.GetCheckpoint, pb.CheckpointRequest(election_id=election_id), self.timeout).note)

    def checkpoints(self, election_id: str) -> list[bytes]:
        resp = _call(self._stub.GetCheckpoints, pb.ElectionRef(election_id=election_id), self.timeout)
        return [bytes(n) for n in resp.notes]

    def entries(self, election_id: str) -> list[bytes]:
        out: list[bytes] = []
        while True:
            resp = _call(
                self._stub.GetEntries, pb.EntriesRequest(election_id=election_id, start=len(out)), self.timeout
            )
            out.extend(bytes(e) for e in resp.entries)
            if not resp.entries or len(out) >= resp.tree_size:
                return out

    def log_entries(self, election_id: str, checkpoint: Checkpoint) -> list[bytes]:
        """The log's entries up to ``checkpoint`` (one this client verified), checked to hash to its root."""
        entries = self.entries(election_id)[: checkpoint.size]
        leaves = [merkle.leaf_hash(e) for e in entries]
        if len(entries) != checkpoint.size or merkle.MerkleTree.from_leaf_hashes(leaves).root() != checkpoint.root_hash:
            raise ReceiptInvalid("the log's entries do not hash to the signed checkpoint")
        return entries

    def check_receipt(self, receipt: Receipt, entry: bytes | None = None) -> Checkpoint:
        """§P10.3: the receipt's entry is still in today's log: inclusion at the old size + consistency to now."""
        verifier, _ = self.log_verifier(receipt.election_id)
        old = receipt.verify(verifier, self.origin(receipt.election_id), entry)
        new = self.checkpoint(receipt.election_id)
        req = pb.ConsistencyProofRequest(election_id=receipt.election_id, size1=old.size, size2=new.size)
        proof = _call(self._stub.GetConsistencyProof, req, self.timeout).proof
        try:
            verify_checkpoint_extends(old, new, list(proof))
        except CryptoError as e:
            raise ReceiptInvalid(f"the log no longer contains the receipt's checkpoint: {e}") from e
        return new
