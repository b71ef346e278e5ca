"""What a server answers for one election, made in Python, and the Python client's verdict on it: the other side of
the booth's verification tests (booth/test/drivers/context.ts).

:class:`ServedLog` is a log as a (possibly dishonest) server serves it: its entries, the checkpoint it signs, its log
key and origin prefix. :func:`python_verdict` runs the real :class:`client.api.LinliClient` — ``election()`` and the
log view the CLI builds before a vote — against a stub that answers from a ServedLog, so both implementations judge
exactly the same bytes. :func:`ts_fetched` is the same log as the booth's ``Fetched``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import grpc

from client.api import LinliClient, Receipt
from client.describe import LogView
from client.errors import ClientError
from crypto import merkle
from crypto.errors import MerkleProofError
from crypto.note import Checkpoint, NoteSigner, sign_checkpoint
from voting.records import Entry
from wire import linli_pb2 as pb

__all__ = [
    "TS_CAUSE",
    "ServedLog",
    "python_receipt_check",
    "python_verdict",
    "receipt_for",
    "ts_expected",
    "ts_fetched",
]

PREFIX = "linli.test/"

#: the booth's name of a Python exception class, where it differs (voting.errors.InvalidEncoding is EncodingError)
TS_CAUSE = {"InvalidEncoding": "EncodingError"}


@dataclass
class ServedLog:
    election_id: str
    signer: NoteSigner
    entries: list[bytes]
    checkpoint: bytes = b""  # the signed note served; by default over all entries
    prefix: str = PREFIX
    vkey: str = ""  # the log key served; by default the signer's
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.checkpoint:
            self.checkpoint = self.sign(len(self.entries))
        if not self.vkey:
            self.vkey = self.signer.verifier().to_vkey()

    @property
    def origin(self) -> str:
        return self.prefix + self.election_id

    def tree(self) -> merkle.MerkleTree:
        return merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in self.entries])

    def sign(self, size: int, *, origin: str | None = None, signer: NoteSigner | None = None) -> bytes:
        cp = Checkpoint(origin or self.origin, size, self.tree().root(size))
        return sign_checkpoint(cp, signer or self.signer)

    def with_entries(self, entries: list[bytes], *, resign: bool) -> ServedLog:
        """The same server with other entries; ``resign``: it signs a checkpoint over them (a dishonest log
        operator), else it keeps serving the old checkpoint."""
        log = replace(self, entries=list(entries))
        if resign:
            log.checkpoint = log.sign(len(entries))
        return log


class _Stub:
    """The RPCs LinliClient.election and log_entries call, answered from a ServedLog as the server would."""

    def __init__(self, log: ServedLog) -> None:
        self.log = log

    def GetServerInfo(self, request: pb.ServerInfoRequest, timeout: float) -> pb.ServerInfo:
        return pb.ServerInfo(version="test", log_origin_prefix=self.log.prefix, verifier_key=self.log.vkey)

    def GetElection(self, request: pb.ElectionRef, timeout: float) -> pb.ElectionInfo:
        return pb.ElectionInfo(election_id=request.election_id, tree_size=len(self.log.entries))

    def GetCheckpoint(self, request: pb.CheckpointRequest, timeout: float) -> pb.Checkpoint:
        return pb.Checkpoint(note=self.log.checkpoint)

    def GetEntries(self, request: pb.EntriesRequest, timeout: float) -> pb.EntriesResponse:
        page = self.log.entries[request.start : request.start + 1000]
        return pb.EntriesResponse(entries=page, tree_size=len(self.log.entries))

    def GetConsistencyProof(self, request: pb.ConsistencyProofRequest, timeout: float) -> pb.ConsistencyProof:
        # the server's own log (``extra["tree"]``: more than it serves as entries)
        entries = self.log.extra.get("tree", self.log.entries)
        tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in entries])
        if request.size1 > (request.size2 or tree.size):
            # a server that shrank its log answers anyway: the client sees the rollback in the sizes
            return pb.ConsistencyProof(size1=request.size1, size2=request.size2, proof=[])
        try:
            proof = tree.consistency_proof(request.size1, request.size2 or None)
        except MerkleProofError as e:
            raise _Rejected(str(e)) from e
        return pb.ConsistencyProof(size1=request.size1, size2=request.size2, proof=proof)


class _Rejected(grpc.RpcError):
    """A server's error status (what grpcio raises for one)."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self._details = details

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.OUT_OF_RANGE

    def details(self) -> str:
        return self._details


def python_client(log: ServedLog, *, log_key: str | None = None) -> LinliClient:
    client = LinliClient(grpc.insecure_channel("localhost:9"), log_key=log_key, min_modulus_bits=1024)
    client._stub = _Stub(log)  # type: ignore[assignment]
    return client


def _error(e: ClientError) -> dict[str, Any]:
    cause = e.__cause__
    name = type(cause).__name__ if cause is not None else None
    return {"error": type(e).__name__, "cause": TS_CAUSE.get(name or "", name), "message": str(e)}


def python_verdict(log: ServedLog, expect: str, *, log_key: str | None = None) -> dict[str, Any]:
    """What the Python client concludes before a vote (client/cli.py cmd_voter_vote: election(), then the log view
    up to the verified checkpoint), as {"ok": summary} or {"error": class, "cause": the rule's class}."""
    client = python_client(log, log_key=log_key)
    try:
        snap = client.election(log.election_id, expect=expect)
        view = LogView.from_entries(snap.definition, client.log_entries(log.election_id, snap.checkpoint))
    except ClientError as e:
        return _error(e)
    s = snap.state
    return {
        "ok": {
            "election_id": log.election_id,
            "fingerprint": snap.fingerprint,
            "election_hash": s.election_hash.hex(),
            "log_key": log.vkey,
            "size": snap.checkpoint.size,
            "setup_size": s.size,
            "setup_phase": s.phase.value,
            "phase": view.phase.value,
            "shares": view.shares,
            "complete": True,
            "roll": [[r.roll_id, r.area] for r in s.roll.values()],
            "roll_area": s.roll_area,
            "issued": {k: v.hex() for k, v in s.issued.items()},
            "credentials": {k.hex(): v for k, v in s.credentials.items()},
            "revoked": sorted(b.hex() for b in s.revoked),
            "ballots": {k.hex(): list(v) for k, v in view.ballots.items()},
            "key_hash": s.context.key_hash.hex() if s.context else None,
            "n": format(s.context.public_key.n, "x") if s.context else None,
            "registrar_key": s.require_definition().registrar_key.hex(),
        }
    }


def ts_fetched(log: ServedLog) -> dict[str, Any]:
    """The booth's Fetched for this log, as api.ts gathers it: every entry the checkpoint covers (page after page,
    as the server serves them) and the checkpoint."""
    return {
        "election_id": log.election_id,
        "prefix": log.prefix,
        "vkey": log.vkey,
        "checkpoint": log.checkpoint.hex(),
        "entries": [e.hex() for e in log.entries],
    }


def ts_expected(fingerprint: str, **kw: Any) -> dict[str, Any]:
    return {"fingerprint": fingerprint, "min_modulus_bits": 1024, **kw}


def receipt_for(log: ServedLog, index: int, size: int | None = None) -> Receipt:
    """The receipt the server returns for entry ``index`` when its log had ``size`` entries (server.ledger)."""
    size = size if size is not None else index + 1
    tree = log.tree()
    return Receipt(
        election_id=log.election_id,
        leaf_index=index,
        leaf_hash=merkle.leaf_hash(log.entries[index]),
        tree_size=size,
        inclusion_proof=tuple(tree.inclusion_proof(index, size)),
        checkpoint=log.sign(size),
    )


def python_receipt_check(log: ServedLog, receipt: Receipt, expect: str) -> dict[str, Any]:
    """`linli voter check-receipt` against this server: inclusion, consistency to today's log, superseded."""
    client = python_client(log)
    try:
        cp = client.check_receipt(receipt)
        snap = client.election(receipt.election_id, expect=expect)
        view = LogView.from_entries(snap.definition, client.log_entries(receipt.election_id, cp))
    except ClientError as e:
        return _error(e)
    return {"ok": {"size": str(cp.size), "superseded_by": view.superseded_by(receipt.leaf_index), "complete": True}}


def entry_of(data: bytes) -> Entry:
    return Entry.from_bytes(data)
