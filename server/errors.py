"""The exception tree of ``server``.

::

    ServerError
     └── StorageError   the database refused or failed an operation (nothing was written)

Domain errors are ``voting.errors.VotingError``; the gRPC layer maps both to status codes in one table.
"""

from __future__ import annotations

__all__ = ["ServerError", "StorageError"]


class ServerError(Exception):
    pass


class StorageError(ServerError):
    pass
