"""A typed Python client for the Linli gRPC service. It takes a channel; it never trusts what it is told:
receipts are checked against the server's signed checkpoint and the inclusion proof (docs/protocol.md §P10)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from client.errors import ReceiptInvalid, ServerRejected
from crypto import merkle
from crypto.errors import CryptoError
from crypto.note import Checkpoint, NoteVerifier, open_checkpoint, verify_checkpoint_extends
from voting.election import ElectionContext, ElectionDefinition, key_from_json
from voting.encoding import parse
from voting.records import Entry, EntryKind
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

__all__ = ["ElectionSnapshot", "LinliClient", "Receipt"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Receipt:
    """A voter's (or author's) receipt: where the entry sits in the log, proven against a signed checkpoint."""

    election_id: str
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint: bytes

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
    info: pb.ElectionInfo
    definition: ElectionDefinition
    context: ElectionContext | None


def _call(fn: Callable[..., T], request: Any, timeout: float) -> T:
    try:
        return fn(request, timeout=timeout)
    except grpc.RpcError as e:
        raise ServerRejected(e.code().name, e.details() or "") from e  # type: ignore[attr-defined]


def _receipt(r: pb.Receipt) -> Receipt:
    return Receipt(
        r.election_id, r.leaf_index, bytes(r.leaf_hash), r.tree_size, tuple(r.inclusion_proof), bytes(r.checkpoint)
    )


class LinliClient:
    def __init__(self, channel: grpc.Channel, *, timeout: float = 60.0) -> None:
        self._stub = pb_grpc.LinliStub(channel)
        self.timeout = timeout
        self._verifier: NoteVerifier | None = None
        self._prefix = ""

    def server_info(self) -> pb.ServerInfo:
        return _call(self._stub.GetServerInfo, pb.ServerInfoRequest(), self.timeout)

    def log_verifier(self) -> tuple[NoteVerifier, str]:
        """The server's checkpoint key (trust on first use unless pinned by the caller) and origin prefix."""
        if self._verifier is None:
            info = self.server_info()
            self._verifier = NoteVerifier.from_vkey(info.verifier_key)
            self._prefix = info.log_origin_prefix
        return self._verifier, self._prefix

    def origin(self, election_id: str) -> str:
        _, prefix = self.log_verifier()
        return prefix + election_id

    def list_elections(self) -> list[str]:
        return list(_call(self._stub.ListElections, pb.ListElectionsRequest(), self.timeout).election_ids)

    def election(self, election_id: str) -> ElectionSnapshot:
        info = _call(self._stub.GetElection, pb.ElectionRef(election_id=election_id), self.timeout)
        created = Entry.from_bytes(bytes(info.definition))
        definition = ElectionDefinition.from_json(created.body["election"])
        context = None
        if info.public_key:
            key_entry = Entry.from_bytes(bytes(info.public_key))
            pk = key_from_json(key_entry.body["public_key"], definition)
            context = ElectionContext(
                definition,
                pk,
                hashlib.sha256(bytes(info.definition)).digest(),
                hashlib.sha256(bytes(info.public_key)).digest(),
            )
        return ElectionSnapshot(info, definition, context)

    # -- appends: each returns a verified receipt ------------------------------------------------------------
    def _append(self, fn: Callable[..., pb.Receipt], request: Any, election_id: str, entry: bytes | None) -> Receipt:
        receipt = _receipt(_call(fn, request, self.timeout))
        verifier, _ = self.log_verifier()
        receipt.verify(verifier, self.origin(election_id), entry)
        return receipt

    def submit(self, entry: Entry) -> Receipt:
        method = {
            EntryKind.ELECTION_CREATED: self._stub.CreateElection,
            EntryKind.KEY_PUBLISHED: self._stub.PublishKey,
            EntryKind.ROLL_PUBLISHED: self._stub.PublishRoll,
            EntryKind.CREDENTIAL_ISSUED: self._stub.IssueCredential,
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

    # -- the log -------------------------------------------------------------------------------------------------
    def checkpoint(self, election_id: str) -> Checkpoint:
        note = _call(self._stub.GetCheckpoint, pb.CheckpointRequest(election_id=election_id), self.timeout).note
        verifier, _ = self.log_verifier()
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

    def check_receipt(self, receipt: Receipt, entry: bytes | None = None) -> Checkpoint:
        """§P10.3: the receipt's entry is still in today's log: inclusion at the old size + consistency to now."""
        verifier, _ = self.log_verifier()
        old = receipt.verify(verifier, self.origin(receipt.election_id), entry)
        new = self.checkpoint(receipt.election_id)
        req = pb.ConsistencyProofRequest(election_id=receipt.election_id, size1=old.size, size2=new.size)
        proof = _call(self._stub.GetConsistencyProof, req, self.timeout).proof
        try:
            verify_checkpoint_extends(old, new, list(proof))
        except CryptoError as e:
            raise ReceiptInvalid(f"the log no longer contains the receipt's checkpoint: {e}") from e
        return new
