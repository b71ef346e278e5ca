"""The exception tree of ``server``.

::

    ServerError
     ├── BadRequest              a request field outside its format or range (INVALID_ARGUMENT)
     │    └── OutOfRange         an index or size beyond the election's log (OUT_OF_RANGE)
     └── StorageError            the database refused or failed an operation (nothing was written)
          ├── WriterLocked       another process already writes to this database (refused at start-up)
          ├── StaleAppend        an append that does not extend the stored tree (wrong index or parent)
          └── LedgerInconsistency  the stored log disagrees with itself: an edited row, a gap, a foreign root

Domain errors are ``voting.errors.VotingError``; the gRPC layer maps both to status codes in one table
(``server.grpc_service.STATUS_TABLE``).
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "LedgerInconsistency",
    "OutOfRange",
    "ServerError",
    "StaleAppend",
    "StorageError",
    "WriterLocked",
]


class ServerError(Exception):
    """Base class of every error raised by ``server``."""

    def diagnostics(self) -> str:
        """What the CLI prints for this error: its message (wrapped causes are already in it)."""
        return str(self) or type(self).__name__


class BadRequest(ServerError):
    pass


class OutOfRange(BadRequest):
    pass


class StorageError(ServerError):
    pass


class WriterLocked(StorageError):
    pass


class StaleAppend(StorageError):
    pass


class LedgerInconsistency(StorageError):
    pass
