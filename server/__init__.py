"""The edge: the gRPC service (:mod:`server.grpc_service`, translation and the one status table), the
transport-neutral service (:mod:`server.service`), and the append-only ledger on SQLAlchemy (:mod:`server.ledger`,
:mod:`server.storage`). Errors: :mod:`server.errors`."""

__all__ = ["batching", "errors", "grpc_service", "ledger", "service", "storage"]
