"""The grpcio transport: each RPC of wire/linli.proto to :class:`server.service.LinliRpc`, its refusals to gRPC
status codes. Nothing else happens here (§P11.1 bounds, paging, the status table and the request log are the
service's). ``linli serve`` speaks gRPC through :mod:`server.connect_app` instead; this server is the in-process
one of the demo and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from google.protobuf.message import Message

from server.service import METHODS, ElectionService, LinliRpc, Refused, Undecodable, decode

__all__ = ["LinliServicer", "add_to_server", "create_server"]


def _lenient(message_type: type[Message]) -> Callable[[bytes], Message | Undecodable]:
    """grpcio answers INTERNAL to bytes its deserializer cannot parse; those are the client's fault (§P11.1.1)."""
    return lambda data: decode(message_type, data)


class LinliServicer:
    """The shape of the generated ``LinliServicer``: one method per RPC, named as in the .proto (set below from
    :data:`server.service.METHODS`), each ``rpc.call(name, request)``."""

    def __init__(self, service: ElectionService) -> None:
        self.rpc = LinliRpc(service)

    def _call(self, method: str, request: Message | Undecodable, context: grpc.ServicerContext) -> Message:
        try:
            return self.rpc.call(method, request)
        except Refused as r:
            context.abort(grpc.StatusCode[r.code], r.message)


def _method(name: str) -> Callable[..., Message]:
    def handler(self: LinliServicer, request: Any, context: grpc.ServicerContext) -> Message:
        return self._call(name, request, context)

    handler.__name__ = handler.__qualname__ = name
    return handler


for _name in METHODS:
    setattr(LinliServicer, _name, _method(_name))


def add_to_server(servicer: LinliServicer, server: grpc.Server) -> None:
    """Register the Linli service like the generated ``add_LinliServicer_to_server``, with lenient deserializers."""
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            getattr(servicer, name),
            request_deserializer=_lenient(request_type),
            response_serializer=response_type.SerializeToString,
        )
        for name, (request_type, response_type) in METHODS.items()
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("linli.v1.Linli", handlers),))


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
