"""The gRPC edge: translate protobuf <-> service calls, and domain errors -> status codes in one table."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent import futures
from typing import Any, TypeVar

import grpc

from crypto.errors import CryptoError
from server.errors import StorageError
from server.ledger import Appended
from server.service import ElectionService
from voting.errors import (
    Conflict,
    DuplicateBallot,
    InvalidBallot,
    InvalidElection,
    InvalidEncoding,
    InvalidShare,
    InvalidStatement,
    NotEligible,
    NotFound,
    RecordError,
    VotingError,
    WrongPhase,
)
from voting.records import EntryKind
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

__all__ = ["STATUS_TABLE", "LinliServicer", "create_server"]

log = logging.getLogger("linli.server")
VERSION = "0.1.0"
MAX_PAGE_BYTES = 2 << 20

# The one table from errors to gRPC status codes (most specific first).
STATUS_TABLE: tuple[tuple[type[Exception], grpc.StatusCode], ...] = (
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (DuplicateBallot, grpc.StatusCode.ALREADY_EXISTS),
    (Conflict, grpc.StatusCode.ALREADY_EXISTS),
    (NotEligible, grpc.StatusCode.PERMISSION_DENIED),
    (InvalidStatement, grpc.StatusCode.PERMISSION_DENIED),
    (WrongPhase, grpc.StatusCode.FAILED_PRECONDITION),
    (InvalidBallot, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidShare, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidElection, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidEncoding, grpc.StatusCode.INVALID_ARGUMENT),
    (CryptoError, grpc.StatusCode.INVALID_ARGUMENT),
    (RecordError, grpc.StatusCode.INTERNAL),
    (VotingError, grpc.StatusCode.INVALID_ARGUMENT),
    (StorageError, grpc.StatusCode.UNAVAILABLE),
)

T = TypeVar("T")


def status_for(error: Exception) -> grpc.StatusCode:
    for cls, code in STATUS_TABLE:
        if isinstance(error, cls):
            return code
    return grpc.StatusCode.INTERNAL


def _handle(fn: Callable[..., T]) -> Callable[..., T]:
    def wrapper(self: LinliServicer, request: Any, context: grpc.ServicerContext) -> T:
        try:
            return fn(self, request, context)
        except Exception as e:
            code = status_for(e)
            if code is grpc.StatusCode.INTERNAL:
                log.exception("internal error in %s", fn.__name__)
                message = "internal error" if not isinstance(e, VotingError) else str(e)
            else:
                message = str(e)
            context.abort(code, message)

    wrapper.__name__ = fn.__name__
    return wrapper


def _receipt(a: Appended) -> pb.Receipt:
    return pb.Receipt(
        election_id=a.election_id,
        leaf_index=a.index,
        leaf_hash=a.leaf_hash,
        tree_size=a.size,
        inclusion_proof=list(a.inclusion_proof),
        checkpoint=a.checkpoint,
    )


def _size(state_size: int, requested: int) -> int:
    return state_size if requested == 0 else requested


class LinliServicer(pb_grpc.LinliServicer):
    def __init__(self, service: ElectionService) -> None:
        self.service = service

    @_handle
    def GetServerInfo(self, request: pb.ServerInfoRequest, context: grpc.ServicerContext) -> pb.ServerInfo:
        ledger = self.service.ledger
        return pb.ServerInfo(
            version=VERSION, log_origin_prefix=ledger.origin(""), verifier_key=ledger.signer.verifier().to_vkey()
        )

    @_handle
    def ListElections(
        self, request: pb.ListElectionsRequest, context: grpc.ServicerContext
    ) -> pb.ListElectionsResponse:
        return pb.ListElectionsResponse(election_ids=self.service.election_ids())

    @_handle
    def GetElection(self, request: pb.ElectionRef, context: grpc.ServicerContext) -> pb.ElectionInfo:
        s = self.service.state(request.election_id)
        return pb.ElectionInfo(
            election_id=request.election_id,
            phase=s.phase.value,
            definition=s.definition_entry,
            public_key=s.key_entry,
            roll_size=len(s.roll),
            credentials_issued=len(s.issued),
            ballots_cast=s.ballots_cast,
            ballots_counted=len(s.counted),
            tree_size=s.size,
            tally=s.tally_entry,
            result=s.result_entry,
        )

    @_handle
    def CreateElection(self, request: pb.SignedStatement, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.submit_statement(request.entry, EntryKind.ELECTION_CREATED))

    @_handle
    def PublishKey(self, request: pb.SignedStatement, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.submit_statement(request.entry, EntryKind.KEY_PUBLISHED))

    @_handle
    def PublishRoll(self, request: pb.SignedStatement, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.submit_statement(request.entry, EntryKind.ROLL_PUBLISHED))

    @_handle
    def IssueCredential(self, request: pb.SignedStatement, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.submit_statement(request.entry, EntryKind.CREDENTIAL_ISSUED))

    @_handle
    def OpenElection(self, request: pb.SignedStatement, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.submit_statement(request.entry, EntryKind.ELECTION_OPENED))

    @_handle
    def CloseElection(self, request: pb.SignedStatement, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.submit_statement(request.entry, EntryKind.ELECTION_CLOSED))

    @_handle
    def SubmitDecryptionShare(self, request: pb.SignedStatement, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.submit_statement(request.entry, EntryKind.DECRYPTION_SHARE))

    @_handle
    def CastBallot(self, request: pb.CastBallotRequest, context: grpc.ServicerContext) -> pb.Receipt:
        return _receipt(self.service.cast_ballot(request.election_id, request.ballot))

    @_handle
    def GetCheckpoint(self, request: pb.CheckpointRequest, context: grpc.ServicerContext) -> pb.Checkpoint:
        self.service.state(request.election_id)
        return pb.Checkpoint(note=self.service.ledger.checkpoint(request.election_id))

    @_handle
    def GetCheckpoints(self, request: pb.ElectionRef, context: grpc.ServicerContext) -> pb.CheckpointsResponse:
        self.service.state(request.election_id)
        return pb.CheckpointsResponse(notes=self.service.ledger.milestone_checkpoints(request.election_id))

    @_handle
    def GetInclusionProof(self, request: pb.InclusionProofRequest, context: grpc.ServicerContext) -> pb.InclusionProof:
        state = self.service.state(request.election_id)
        size = _size(state.size, request.tree_size)
        if not 0 <= request.leaf_index < size <= state.size:
            raise InvalidEncoding(f"need 0 <= leaf_index < tree_size <= {state.size}")
        leaf, proof = self.service.ledger.inclusion_proof(request.election_id, request.leaf_index, size)
        return pb.InclusionProof(leaf_index=request.leaf_index, tree_size=size, leaf_hash=leaf, proof=proof)

    @_handle
    def GetConsistencyProof(
        self, request: pb.ConsistencyProofRequest, context: grpc.ServicerContext
    ) -> pb.ConsistencyProof:
        state = self.service.state(request.election_id)
        size2 = _size(state.size, request.size2)
        if not 0 < request.size1 <= size2 <= state.size:
            raise InvalidEncoding(f"need 0 < size1 <= size2 <= {state.size}")
        proof = self.service.ledger.consistency_proof(request.election_id, request.size1, size2)
        return pb.ConsistencyProof(size1=request.size1, size2=size2, proof=list(proof))

    @_handle
    def GetEntries(self, request: pb.EntriesRequest, context: grpc.ServicerContext) -> pb.EntriesResponse:
        state = self.service.state(request.election_id)
        limit = request.limit or 1000
        if limit > 1000:
            raise InvalidEncoding("limit is at most 1000")
        entries = self.service.ledger.entries(request.election_id, request.start, limit)
        # Keep every response well under gRPC's default 4 MiB receive limit: at least one entry, then up to
        # MAX_PAGE_BYTES; the client pages on (a 3072-bit committee ballot is tens of kilobytes).
        page, size = [], 0
        for data in entries:
            if page and size + len(data) > MAX_PAGE_BYTES:
                break
            page.append(data)
            size += len(data)
        return pb.EntriesResponse(entries=page, tree_size=state.size)


def create_server(
    service: ElectionService, address: str = "127.0.0.1:0", *, max_workers: int = 32
) -> tuple[grpc.Server, int]:
    """A started-ready gRPC server bound to ``address``; returns it with the bound port (port 0 = free port)."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers),
        options=[("grpc.max_receive_message_length", 8 << 20), ("grpc.max_send_message_length", 64 << 20)],
    )
    pb_grpc.add_LinliServicer_to_server(LinliServicer(service), server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"cannot bind {address}")
    return server, port
