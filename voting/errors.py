"""The exception tree of ``voting``.

::

    VotingError
     ├── InvalidEncoding        bytes that are not the canonical encoding of a valid value
     ├── InvalidElection        an election definition, key or roll that breaks the rules
     ├── InvalidStatement       an administrative statement: bad signature, wrong author, wrong kind
     ├── WrongPhase             an action the election's current phase does not allow
     ├── Precondition           an action that needs another first (correct a roll entry: revoke its credential)
     ├── Conflict               a duplicate: second issuance, duplicate share, existing election id
     ├── InvalidBallot          a ballot whose proofs or encoding do not hold
     │    ├── NotEligible       no valid eligibility evidence (unknown credential, bad signature or BBS proof)
     │    └── DuplicateBallot   a second ballot under one credential or pseudonym when re-voting is refused,
     │                          or a copy of a ciphertext already cast (replay)
     ├── InvalidShare           a decryption share whose proof does not verify
     ├── NotFound               an election or entry that does not exist
     └── RecordError            the verifier found the election record inconsistent
          └── OutcomeMismatch   the published outcome is not what the rules give

Foreign errors (``crypto.errors.CryptoError``) are wrapped with ``raise ... from e`` at this layer.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DuplicateBallot",
    "InvalidBallot",
    "InvalidElection",
    "InvalidEncoding",
    "InvalidShare",
    "InvalidStatement",
    "NotEligible",
    "NotFound",
    "OutcomeMismatch",
    "Precondition",
    "RecordError",
    "VotingError",
    "WrongPhase",
]


class VotingError(Exception):
    """Base class of every error raised by ``voting``."""

    def diagnostics(self) -> str:
        """What the CLI prints for this error: its message (wrapped causes are already in it)."""
        return str(self) or type(self).__name__


class InvalidEncoding(VotingError):
    pass


class InvalidElection(VotingError):
    pass


class InvalidStatement(VotingError):
    pass


class WrongPhase(VotingError):
    pass


class Precondition(VotingError):
    """An action whose precondition, other than the phase, does not hold (e.g. correcting a roll entry that still
    has a live credential: revoke it first)."""


class Conflict(VotingError):
    pass


class InvalidBallot(VotingError):
    pass


class NotEligible(InvalidBallot):
    pass


class DuplicateBallot(InvalidBallot):
    pass


class InvalidShare(VotingError):
    pass


class NotFound(VotingError):
    pass


class RecordError(VotingError):
    pass


class OutcomeMismatch(RecordError):
    """The published outcome is not what the rules give for the published totals."""
