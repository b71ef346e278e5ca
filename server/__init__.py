"""The edge: the transport-neutral service (:mod:`server.service`: the server's logic, and the RPCs of
wire/linli.proto with their bounds and the one status table), its two thin transports (:mod:`server.grpc_service`,
grpcio; :mod:`server.connect_app`, Connect, gRPC-Web and gRPC on hypercorn, with :mod:`server.web`: CORS, the
booth's files, serving), the append-only ledger on SQLAlchemy (:mod:`server.ledger`, :mod:`server.storage`) and
the phone credential relay's store (:mod:`server.relay`). Errors: :mod:`server.errors`."""

__all__ = ["batching", "connect_app", "errors", "grpc_service", "ledger", "relay", "service", "storage", "web"]
