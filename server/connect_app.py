"""The HTTP transport: every RPC of wire/linli.proto over Connect (binary and JSON), gRPC-Web and native gRPC, on
one ASGI app (connectrpc with google-protobuf messages: wire/linli_connect.py), each to
:class:`server.service.LinliRpc` and its refusals to Connect codes. ``linli serve`` runs it on hypercorn
(:mod:`server.web`), which also speaks HTTP/2 with trailers, so grpcio clients keep working on the same port.

The service is synchronous and CPU-bound: each call runs in a worker thread of ``pool``, never on the event loop,
so that concurrent ballots still meet in the intake batches (``server.batching``).

Requests are decoded leniently, as on grpcio (§P11.1.1): bytes that are not a valid message reach the service as
:class:`~server.service.Undecodable` and are refused INVALID_ARGUMENT there, with the same log line. A JSON body is
bounded (size, nesting depth, integers) by ``voting.encoding.parse_untrusted`` before protobuf's JSON parser sees it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from typing import Any, cast

from connectrpc.code import Code
from connectrpc.codec import Codec
from connectrpc.errors import ConnectError
from connectrpc.request import RequestContext
from google.protobuf import json_format
from google.protobuf.message import Message

from server.service import LinliRpc, Refused, Undecodable, decode
from voting.encoding import parse_untrusted
from voting.errors import InvalidEncoding
from wire.linli_connect import Linli, LinliASGIApplication

__all__ = ["MAX_REQUEST_BYTES", "create_app"]

MAX_REQUEST_BYTES = 8 << 20  # as grpcio's receive limit (server.grpc_service)
MAX_JSON_DEPTH = 8  # the request messages are flat: bytes and strings in one object


class _Binary:
    def name(self) -> str:
        return "proto"

    def encode(self, message: Message) -> bytes:
        return message.SerializeToString()

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> Message | Undecodable:
        return decode(message_class, bytes(data))


class _Json:
    def name(self) -> str:
        return "json"

    def encode(self, message: Message) -> bytes:
        return json_format.MessageToJson(message, indent=None).encode()

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> Message | Undecodable:
        try:
            obj = parse_untrusted(bytes(data), max_size=MAX_REQUEST_BYTES, max_depth=MAX_JSON_DEPTH)
            return json_format.ParseDict(obj, message_class(), ignore_unknown_fields=True)
        except (InvalidEncoding, json_format.ParseError, ValueError, TypeError, RecursionError) as e:
            return Undecodable(message_class.DESCRIPTOR.full_name, str(e) or type(e).__name__)


class _Service:
    """The generated ``Linli`` protocol: each of its methods (``get_server_info``, ...) is :meth:`_handle`, which
    reads the RPC's name from the request context."""

    def __init__(self, rpc: LinliRpc, pool: Executor) -> None:
        self._rpc = rpc
        self._pool = pool

    async def _handle(self, request: Message | Undecodable, ctx: RequestContext[Any, Any]) -> Message:
        call = self._rpc.call
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call, ctx.method.name, request)
        except Refused as r:
            raise ConnectError(Code[r.code], r.message) from None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._handle


def create_app(rpc: LinliRpc, pool: Executor) -> LinliASGIApplication:
    """The ASGI app of the Linli service (mount it at ``app.path``, ``/linli.v1.Linli``)."""
    codecs = cast("list[Codec]", [_Binary(), _Json()])
    return LinliASGIApplication(cast("Linli", _Service(rpc, pool)), read_max_bytes=MAX_REQUEST_BYTES, codecs=codecs)
