"""The gRPC edge: translate protobuf <-> service calls, and domain errors -> status codes in one table.

§P11.1: every untrusted value is parsed and bounded here before it reaches the service or SQL. A request that is
not a valid protobuf message is refused INVALID_ARGUMENT (grpcio would answer INTERNAL); election ids must have
the election id format; indexes and sizes must fit int64 (INVALID_ARGUMENT) and the election's log (OUT_OF_RANGE).
The canonical-JSON payloads are bounded by ``voting.encoding.parse`` (size, depth, integers, UTF-8).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf.message import DecodeError, Message

from crypto.errors import CryptoError
from server.errors import BadRequest, LedgerInconsistency, OutOfRange, StaleAppend, StorageError, WriterLocked
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
    Precondition,
    RecordError,
    VotingError,
    WrongPhase,
)
from voting.records import EntryKind
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

__all__ = ["ELECTION_ID", "STATUS_TABLE", "LinliServicer", "add_to_server", "create_server", "election_id"]

log = logging.getLogger("linli.server")
request_log = logging.getLogger("linli.server.request")  # one key=value line per request (INFO)
VERSION = "0.1.0"
MAX_PAGE_BYTES = 2 << 20
MAX_PAGE_ENTRIES = 1000
INT64_MAX = (1 << 63) - 1
# The election id format of voting.election.ElectionDefinition, matched whole (tests/server/test_hostile_input.py pins
# that the two agree): anything else cannot name an election, so it never reaches a lookup or a query.
ELECTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")

# The one table from errors to gRPC status codes (most specific first).
STATUS_TABLE: tuple[tuple[type[Exception], grpc.StatusCode], ...] = (
    (OutOfRange, grpc.StatusCode.OUT_OF_RANGE),
    (BadRequest, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (DuplicateBallot, grpc.StatusCode.ALREADY_EXISTS),
    (Conflict, grpc.StatusCode.ALREADY_EXISTS),
    (NotEligible, grpc.StatusCode.PERMISSION_DENIED),
    (InvalidStatement, grpc.StatusCode.PERMISSION_DENIED),
    (WrongPhase, grpc.StatusCode.FAILED_PRECONDITION),
    (Precondition, grpc.StatusCode.FAILED_PRECONDITION),
    (InvalidBallot, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidShare, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidElection, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidEncoding, grpc.StatusCode.INVALID_ARGUMENT),
    (CryptoError, grpc.StatusCode.INVALID_ARGUMENT),
    (RecordError, grpc.StatusCode.INTERNAL),
    (VotingError, grpc.StatusCode.INVALID_ARGUMENT),
    (StaleAppend, grpc.StatusCode.ABORTED),  # the log moved under the request: retry
    (LedgerInconsistency, grpc.StatusCode.DATA_LOSS),  # the stored log was edited: refuse, never serve it
    (WriterLocked, grpc.StatusCode.FAILED_PRECONDITION),
    (StorageError, grpc.StatusCode.UNAVAILABLE),
)

T = TypeVar("T")


def status_for(error: Exception) -> grpc.StatusCode:
    for cls, code in STATUS_TABLE:
        if isinstance(error, cls):
            return code
    return grpc.StatusCode.INTERNAL


@dataclass(frozen=True, slots=True)
class Undecodable:
    """What the lenient deserializer hands the servicer for bytes that are not a valid message of the method's
    request type (bad wire format, invalid UTF-8 in a string field, nesting beyond protobuf's limit)."""

    message_type: str
    reason: str


def _lenient(message_type: type[Message]) -> Callable[[bytes], Message | Undecodable]:
    def deserialize(data: bytes) -> Message | Undecodable:
        try:
            return message_type.FromString(data)
        except (DecodeError, ValueError, RecursionError) as e:
            return Undecodable(message_type.DESCRIPTOR.full_name, str(e) or type(e).__name__)

    return deserialize


def election_id(value: str, what: str = "election_id") -> str:
    """An election id from a request: the election id format, or BadRequest (INVALID_ARGUMENT)."""
    if not ELECTION_ID.fullmatch(value):
        raise BadRequest(f"{what}: not an election id (3-64 characters of a-z, 0-9 and '-', starting alphanumeric)")
    return value


def _int64(value: int, what: str) -> int:
    if not 0 <= value <= INT64_MAX:
        raise BadRequest(f"{what}: {value} does not fit a signed 64-bit index")
    return value


MAX_DETAILS = 1000


def _details(message: str) -> str:
    """A status message that always travels: valid UTF-8 (a lone surrogate from a request would break the
    trailer), and short (an error quoting a multi-megabyte field must not exceed the metadata limit)."""
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return message if len(message) <= MAX_DETAILS else message[: MAX_DETAILS - 3] + "..."


_STATEMENT_ELECTION = re.compile(rb'"election":"([a-z0-9][a-z0-9-]{2,63})"')


def _request_election(request: Any) -> str:
    """The election a request names, for the request log only: a well-formed id, else "-" (a hostile id never
    reaches the log line). A signed statement names it in its entry's ``"election"`` field, found in the entry's
    tail: the canonical entry's keys are sorted, so that field follows the body."""
    value: str | bytes = getattr(request, "election_id", "") or ""
    if not value and isinstance(getattr(request, "entry", None), bytes):
        found = _STATEMENT_ELECTION.findall(request.entry[-400:])
        value = found[-1].decode() if found else ""
    return value if isinstance(value, str) and ELECTION_ID.fullmatch(value) else "-"


def _log_request(method: str, request: Any, status: str, started: float) -> None:
    if request_log.isEnabledFor(logging.INFO):
        election = "-" if isinstance(request, Undecodable) else _request_election(request)
        request_log.info(
            "method=%s election=%s status=%s duration_ms=%.1f",
            method,
            election,
            status,
            (time.perf_counter() - started) * 1000,
        )


def _handle(fn: Callable[..., T]) -> Callable[..., T]:
    def wrapper(self: LinliServicer, request: Any, context: grpc.ServicerContext) -> T:
        started = time.perf_counter()
        try:
            if isinstance(request, Undecodable):
                raise BadRequest(f"not a valid {request.message_type} message: {request.reason}")
            response = fn(self, request, context)
        except Exception as e:
            code = status_for(e)
            if code is grpc.StatusCode.INTERNAL:
                log.exception("internal error in %s", fn.__name__)
                message = "internal error" if not isinstance(e, VotingError) else str(e)
            else:
                message = str(e)
            _log_request(fn.__name__, request, code.name, started)
            context.abort(code, _details(message))
        _log_request(fn.__name__, request, "OK", started)
        return response

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
        s = self.service.state(election_id(request.election_id))
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
        return _receipt(self.service.cast_ballot(election_id(request.election_id), request.ballot))

    @_handle
    def GetCheckpoint(self, request: pb.CheckpointRequest, context: grpc.ServicerContext) -> pb.Checkpoint:
        self.service.state(election_id(request.election_id))
        return pb.Checkpoint(note=self.service.ledger.checkpoint(request.election_id))

    @_handle
    def GetCheckpoints(self, request: pb.ElectionRef, context: grpc.ServicerContext) -> pb.CheckpointsResponse:
        self.service.state(election_id(request.election_id))
        return pb.CheckpointsResponse(notes=self.service.ledger.milestone_checkpoints(request.election_id))

    @_handle
    def GetInclusionProof(self, request: pb.InclusionProofRequest, context: grpc.ServicerContext) -> pb.InclusionProof:
        index = _int64(request.leaf_index, "leaf_index")
        requested = _int64(request.tree_size, "tree_size")
        state = self.service.state(election_id(request.election_id))
        size = _size(state.size, requested)
        if size > state.size:
            raise OutOfRange(f"tree_size {size} is beyond the log (size {state.size})")
        if index >= size:
            raise OutOfRange(f"leaf_index {index} is not in a tree of size {size}")
        leaf, proof = self.service.ledger.inclusion_proof(request.election_id, index, size)
        return pb.InclusionProof(leaf_index=index, tree_size=size, leaf_hash=leaf, proof=proof)

    @_handle
    def GetConsistencyProof(
        self, request: pb.ConsistencyProofRequest, context: grpc.ServicerContext
    ) -> pb.ConsistencyProof:
        size1 = _int64(request.size1, "size1")
        requested = _int64(request.size2, "size2")
        state = self.service.state(election_id(request.election_id))
        size2 = _size(state.size, requested)
        if size1 == 0:
            raise BadRequest("size1: a consistency proof starts from a non-empty tree")
        if size2 > state.size:
            raise OutOfRange(f"size2 {size2} is beyond the log (size {state.size})")
        if size1 > size2:
            raise BadRequest(f"need size1 <= size2, got {size1} > {size2}")
        proof = self.service.ledger.consistency_proof(request.election_id, size1, size2)
        return pb.ConsistencyProof(size1=size1, size2=size2, proof=list(proof))

    @_handle
    def GetEntries(self, request: pb.EntriesRequest, context: grpc.ServicerContext) -> pb.EntriesResponse:
        start = _int64(request.start, "start")
        limit = _int64(request.limit, "limit") or MAX_PAGE_ENTRIES
        if limit > MAX_PAGE_ENTRIES:
            raise BadRequest(f"limit is at most {MAX_PAGE_ENTRIES}")
        state = self.service.state(election_id(request.election_id))
        size = state.size
        if start > size:
            raise OutOfRange(f"start {start} is beyond the log (size {size})")
        entries = self.service.ledger.entries(request.election_id, start, limit)
        # Keep every response well under gRPC's default 4 MiB receive limit: at least one entry, then up to
        # MAX_PAGE_BYTES; the client pages on (a 3072-bit committee ballot is tens of kilobytes).
        page: list[bytes] = []
        total = 0
        for data in entries:
            if page and total + len(data) > MAX_PAGE_BYTES:
                break
            page.append(data)
            total += len(data)
        return pb.EntriesResponse(entries=page, tree_size=size)


def add_to_server(servicer: LinliServicer, server: grpc.Server) -> None:
    """Register the Linli service like the generated ``add_LinliServicer_to_server``, but with lenient request
    deserializers: grpcio answers INTERNAL to bytes its deserializer cannot parse, and those are the client's fault."""
    service = pb.DESCRIPTOR.services_by_name["Linli"]
    handlers = {}
    for method in service.methods:
        request_type = getattr(pb, method.input_type.name)
        response_type = getattr(pb, method.output_type.name)
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            getattr(servicer, method.name),
            request_deserializer=_lenient(request_type),
            response_serializer=response_type.SerializeToString,
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))


def create_server(
    service: ElectionService, address: str = "127.0.0.1:0", *, max_workers: int = 32
) -> tuple[grpc.Server, int]:
    """A started-ready gRPC server bound to ``address``; returns it with the bound port (port 0 = free port)."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers),
        options=[("grpc.max_receive_message_length", 8 << 20), ("grpc.max_send_message_length", 64 << 20)],
    )
    add_to_server(LinliServicer(service), server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"cannot bind {address}")
    return server, port
