"""The key ceremony's board beside the log (docs/protocol.md §P15.9, docs/decisions/0015): signed trustee messages,
checked when posted, served by round.

The server is not trusted with the ceremony: every trustee re-checks each message's signature and opens only the
ciphertexts addressed to it. The server refuses what could never count (not a trustee's signature, too large, the
key already published) and keeps one message per (election, attempt, round, sender): the same one again is
accepted idempotently, a different one is a Conflict, so no trustee can show two versions of a round.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from server.errors import Exhausted, StorageError
from server.storage import BoardRow
from voting.board import BoardMessage
from voting.ceremony import ENDORSE_ROUND
from voting.errors import Conflict

__all__ = ["MAX_BOARD_MESSAGES", "BoardStatus", "BoardStore"]

MAX_BOARD_MESSAGES = 50_000  # per election, every attempt together


class BoardStatus:
    __slots__ = ("attempt", "round", "senders")

    def __init__(self, attempt: int, round_name: str, senders: list[int]) -> None:
        self.attempt = attempt
        self.round = round_name
        self.senders = senders


class BoardStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def post(self, message: BoardMessage, encoded: bytes) -> bool:
        """Store a checked message; False if the very same one is already there, Conflict if another one is."""
        digest = message.digest()
        try:
            with Session(self._engine) as s, s.begin():
                existing = s.execute(
                    select(BoardRow.digest).where(
                        BoardRow.election_id == message.election_id,
                        BoardRow.attempt == message.attempt,
                        BoardRow.round == message.round,
                        BoardRow.sender == message.sender,
                    )
                ).scalar_one_or_none()
                if existing is not None:
                    if existing == digest:
                        return False
                    raise Conflict(
                        f"trustee {message.sender} already posted a different message for round {message.round!r} "
                        f"of attempt {message.attempt}"
                    )
                count = s.execute(
                    select(func.count()).select_from(BoardRow).where(BoardRow.election_id == message.election_id)
                ).scalar_one()
                if count >= MAX_BOARD_MESSAGES:
                    raise Exhausted(f"the board of {message.election_id} holds {MAX_BOARD_MESSAGES} messages")
                s.add(
                    BoardRow(
                        election_id=message.election_id,
                        attempt=message.attempt,
                        round=message.round,
                        sender=message.sender,
                        digest=digest,
                        message=encoded,
                    )
                )
        except IntegrityError:
            # A concurrent post of the same slot won the race: the same message is idempotent, another a Conflict.
            return self.post(message, encoded)
        except SQLAlchemyError as e:
            raise StorageError(f"could not store the board message for {message.election_id}") from e
        return True

    def round(self, election_id: str, attempt: int, round_name: str) -> list[bytes]:
        """Every stored message of one round, by sender."""
        try:
            with Session(self._engine) as s:
                rows = s.execute(
                    select(BoardRow.message)
                    .where(
                        BoardRow.election_id == election_id, BoardRow.attempt == attempt, BoardRow.round == round_name
                    )
                    .order_by(BoardRow.sender)
                ).scalars()
                return list(rows)
        except SQLAlchemyError as e:
            raise StorageError(f"could not read the board of {election_id}") from e

    def transcript(self, election_id: str, attempt: int) -> list[bytes]:
        """§P15.10 step 1: every stored message of one attempt in the order the ceremony ran (rounds by their first
        post; in a round by sender), without the endorsements that follow it."""
        try:
            with Session(self._engine) as s:
                rows = s.execute(
                    select(BoardRow.round, BoardRow.sender, BoardRow.message)
                    .where(
                        BoardRow.election_id == election_id,
                        BoardRow.attempt == attempt,
                        BoardRow.round != ENDORSE_ROUND,
                    )
                    .order_by(BoardRow.id)
                ).all()
        except SQLAlchemyError as e:
            raise StorageError(f"could not read the board of {election_id}") from e
        rounds: dict[str, list[tuple[int, bytes]]] = {}  # insertion order: a round's first post
        for round_name, sender, message in rows:
            rounds.setdefault(round_name, []).append((sender, message))
        return [message for posts in rounds.values() for _, message in sorted(posts)]

    def status(self, election_id: str) -> BoardStatus:
        """The highest attempt, its newest round and who posted it (attempt 0 when the board is empty)."""
        try:
            with Session(self._engine) as s:
                attempt = s.execute(
                    select(func.max(BoardRow.attempt)).where(BoardRow.election_id == election_id)
                ).scalar_one()
                if attempt is None:
                    return BoardStatus(0, "", [])
                newest = s.execute(
                    select(BoardRow.round)
                    .where(BoardRow.election_id == election_id, BoardRow.attempt == attempt)
                    .order_by(BoardRow.id.desc())
                    .limit(1)
                ).scalar_one()
                senders = s.execute(
                    select(BoardRow.sender)
                    .where(BoardRow.election_id == election_id, BoardRow.attempt == attempt, BoardRow.round == newest)
                    .order_by(BoardRow.sender)
                ).scalars()
                return BoardStatus(attempt, newest, list(senders))
        except SQLAlchemyError as e:
            raise StorageError(f"could not read the board of {election_id}") from e
