"""The exception tree of ``server``.

::

    ServerError
     ├── BadRequest              a request field outside its format or range (INVALID_ARGUMENT)
     │    └── OutOfRange         an index or size beyond the election's log (OUT_OF_RANGE)
     ├── Exhausted               a bounded store is full (RESOURCE_EXHAUSTED): the relay's pending requests
     ├── Unavailable             the ballot verification pool lost the request (a worker died twice), or is
     │                           shutting down (UNAVAILABLE: retry; nothing was written)
     └── StorageError            the database refused or failed an operation (nothing was written)
          ├── WriterLocked       another process already writes to this SQLite database (refused at start-up)
          ├── ReplicaMismatch    a replica's log key or origin differs from its database's (refused at start-up)
          ├── StaleAppend        an append that does not extend the stored tree (wrong index or parent)
          ├── Interrupted        the database connection was lost mid-operation (an append may have landed)
          └── LedgerInconsistency  the stored log disagrees with itself: an edited row, a gap, a foreign root

Domain errors are ``voting.errors.VotingError``; the service maps both to canonical status code names in one table
(``server.service.STATUS_TABLE``), which each transport turns into its own status.
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Exhausted",
    "Interrupted",
    "LedgerInconsistency",
    "OutOfRange",
    "ReplicaMismatch",
    "ServerError",
    "StaleAppend",
    "StorageError",
    "Unavailable",
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


class Exhausted(ServerError):
    pass


class Unavailable(ServerError):
    pass


class StorageError(ServerError):
    pass


class WriterLocked(StorageError):
    pass


class StaleAppend(StorageError):
    pass


class LedgerInconsistency(StorageError):
    pass


class ReplicaMismatch(StorageError):
    pass


class Interrupted(StorageError):
    pass
