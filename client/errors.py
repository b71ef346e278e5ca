"""The exception tree of ``client``.

::

    ClientError
     ├── ServerRejected     the server answered with a gRPC error status (code and message kept)
 │    └── ElectionNotFound  the server has no election of that id
     ├── ReceiptInvalid     a receipt or checkpoint whose signature, inclusion or consistency proof does not hold
     ├── ElectionInvalid    the election the server serves does not verify (signatures, key, modulus proof, log)
     ├── ElectionMismatch   a verified election or log key other than the expected (--expect) or pinned one
     ├── RecordRejected     an election record that fails verification (the verifier's report is attached)
     └── UsageError         bad command-line input or keystore contents
      └── WrongStep      the election is not at the step the command needs (the message says what to run first)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CeremonyFailed",
    "CeremonyTimeout",
    "ClientError",
    "ElectionInvalid",
    "ElectionMismatch",
    "ElectionNotFound",
    "ReceiptInvalid",
    "ReceiptPending",
    "RecordRejected",
    "ServerRejected",
    "UsageError",
    "WitnessRefused",
    "WrongStep",
]


class ClientError(Exception):
    """Base class of every error raised by ``client``."""

    def diagnostics(self) -> str:
        """What the CLI prints for this error: its message (wrapped causes are already in it)."""
        return str(self) or type(self).__name__


class ServerRejected(ClientError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"server refused ({code}): {message}")
        self.code = code
        self.message = message


class ElectionNotFound(ServerRejected):
    def __init__(self, election_id: str, message: str = "") -> None:
        super().__init__("NOT_FOUND", message or f"no election {election_id!r}")
        self.election_id = election_id

    def diagnostics(self) -> str:
        return (
            f"this server has no election {self.election_id!r}: check the election id on the notice board "
            "(ids are lower-case letters, digits and '-')"
        )


class ReceiptInvalid(ClientError):
    pass


class ReceiptPending(ClientError):
    """§P17.4: the receipt is sound, but no checkpoint the election's witnesses cosigned covers it yet."""


class WitnessRefused(ClientError):
    """§P17.2: a witness saw a rollback or a fork and refused to cosign (its state holds the evidence)."""


class CeremonyFailed(ClientError):
    """A dealer-free key ceremony attempt ended without a key (§P15.9): a trustee's message was invalid or a
    session aborted (``culprit`` when it can be named). Nothing of the attempt is kept; start a new attempt."""

    def __init__(self, message: str, attempt: int, culprit: int | None = None) -> None:
        super().__init__(message)
        self.attempt = attempt
        self.culprit = culprit


class CeremonyTimeout(CeremonyFailed):
    """Some trustees did not post a round in time (``silent`` names them)."""

    def __init__(self, message: str, attempt: int, silent: tuple[int, ...]) -> None:
        super().__init__(message, attempt, silent[0] if len(silent) == 1 else None)
        self.silent = silent


class UsageError(ClientError):
    pass


class WrongStep(UsageError):
    pass


class RecordRejected(ClientError):
    def __init__(self, report: Any) -> None:  # client.verifier.Report (not imported here: no cycle)
        failed = [s.number for s in report.steps if not s.passed]
        super().__init__(f"the record of election {report.election_id} does not verify (steps {failed} failed)")
        self.report = report


class ElectionInvalid(ClientError):
    pass


class ElectionMismatch(ClientError):
    pass
