"""The phone credential relay's store (docs/protocol.md §P13): table ``relay_requests``, not the log.

One row per posted request, found by its random code; the registrar's signed issuance fills it in once, and the
first one stands. The store only keeps bytes and bounds; what may be posted is checked by
:class:`server.service.ElectionService` (phase, shape, commitment proof, registrar signature).
"""

from __future__ import annotations

import hashlib
import secrets
import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from server.errors import Exhausted, StorageError
from server.storage import RelayRow
from voting.errors import Conflict, NotFound
from voting.relay import CODE_ALPHABET, CODE_CHARS, format_code

__all__ = ["RelayStore", "new_code"]


def new_code() -> str:
    """A fresh relay code: 10 random characters of Crockford base32 (50 bits, from :mod:`secrets`)."""
    return format_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_CHARS)))


class RelayStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()  # count-then-insert and read-then-write are atomic in the one writer process

    def post_request(self, election_id: str, data: bytes, *, max_pending: int, max_total: int) -> str:
        """Store a request and return its code; the same bytes posted again get the same code (a phone retries)."""
        digest = hashlib.sha256(data).digest()
        try:
            with self._lock, Session(self._engine) as s:
                mine = RelayRow.election_id == election_id
                existing = s.scalar(select(RelayRow.code).where(mine, RelayRow.request_hash == digest))
                if existing is not None:
                    return existing
                pending = s.scalar(select(func.count()).select_from(RelayRow).where(mine, RelayRow.issuance.is_(None)))
                total = s.scalar(select(func.count()).select_from(RelayRow).where(mine))
                if (pending or 0) >= max_pending or (total or 0) >= max_total:
                    raise Exhausted(
                        f"election {election_id} has {pending} credential requests waiting for the registrar (at most"
                        f" {max_pending}) and {total} in all (at most {max_total}): ask the registrar to issue"
                        " those first"
                    )
                code = new_code()
                while s.get(RelayRow, (election_id, code)) is not None:  # 2^50 codes: practically never
                    code = new_code()
                s.add(RelayRow(election_id=election_id, code=code, request=data, request_hash=digest, issuance=None))
                s.commit()
                return code
        except IntegrityError as e:
            raise StorageError(f"the relay could not store the request: {e.orig}") from e
        except SQLAlchemyError as e:
            raise StorageError(f"the relay's database failed: {e}") from e

    def _row(self, s: Session, election_id: str, code: str) -> RelayRow:
        row = s.get(RelayRow, (election_id, code))
        if row is None:
            raise NotFound(f"no credential request {code} for election {election_id}")
        return row

    def request(self, election_id: str, code: str) -> bytes:
        try:
            with Session(self._engine) as s:
                return bytes(self._row(s, election_id, code).request)
        except SQLAlchemyError as e:
            raise StorageError(f"the relay's database failed: {e}") from e

    def post_issuance(self, election_id: str, code: str, data: bytes) -> None:
        """The first issuance for a code stands; the same bytes again are a retry (no change), others Conflict."""
        try:
            with self._lock, Session(self._engine) as s:
                row = self._row(s, election_id, code)
                if row.issuance is not None:
                    if bytes(row.issuance) == data:
                        return
                    raise Conflict(f"credential request {code} already has its issuance: the first one stands")
                row.issuance = data
                s.commit()
        except SQLAlchemyError as e:
            raise StorageError(f"the relay's database failed: {e}") from e

    def issuance(self, election_id: str, code: str) -> bytes:
        try:
            with Session(self._engine) as s:
                issuance = self._row(s, election_id, code).issuance
        except SQLAlchemyError as e:
            raise StorageError(f"the relay's database failed: {e}") from e
        if issuance is None:
            raise NotFound(f"credential request {code} is still waiting for the registrar")
        return bytes(issuance)
