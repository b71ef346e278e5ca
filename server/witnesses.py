"""Witness cosignatures beside the log (docs/protocol.md §P17.3): checked when posted, appended when served.

The server is not trusted with them (every client checks the cosignatures itself, §P17.4); it only refuses lines
that could never count (not a witness of the election, or not a valid cosignature of that checkpoint), so its
table holds nothing a client would reject.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crypto.cosignature import CosignerVerifier, add_signature_lines, parse_signature_lines
from crypto.note import SignatureLine, split_signed_note
from server.errors import StorageError
from server.storage import CosignatureRow
from voting.errors import InvalidStatement

__all__ = ["MAX_COSIGNATURE_BYTES", "CosignatureStore"]

MAX_COSIGNATURE_BYTES = 16 << 10


class CosignatureStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self, election_id: str, size: int, note: bytes, data: bytes, witnesses: tuple[CosignerVerifier, ...]
    ) -> bytes:
        """§P17.3: check each posted line against the election's witnesses and the checkpoint ``note`` of ``size``,
        store it, and return the note with every cosignature now held for it."""
        if len(data) > MAX_COSIGNATURE_BYTES:
            raise InvalidStatement("cosignature lines too large")
        body, _ = split_signed_note(note)
        checked: list[tuple[CosignerVerifier, SignatureLine, int]] = []
        for line in parse_signature_lines(data):
            witness = next((w for w in witnesses if w.matches(line)), None)
            if witness is None:
                raise InvalidStatement(f"{line.name}+{line.key_id.hex()} is not a witness of this election")
            checked.append((witness, line, witness.verify(body, line.signature)))  # InvalidSignature if not
        try:
            with Session(self._engine) as s, s.begin():
                for witness, line, timestamp in checked:
                    vkey = witness.to_vkey()
                    s.execute(
                        delete(CosignatureRow).where(
                            CosignatureRow.election_id == election_id,
                            CosignatureRow.size == size,
                            CosignatureRow.witness == vkey,
                        )
                    )
                    s.add(
                        CosignatureRow(
                            election_id=election_id, size=size, witness=vkey, line=line.to_line(), timestamp=timestamp
                        )
                    )
        except SQLAlchemyError as e:
            raise StorageError(f"could not store the cosignature for {election_id}") from e
        return self.with_cosignatures(election_id, size, note)

    def with_cosignatures(self, election_id: str, size: int, note: bytes) -> bytes:
        """The checkpoint ``note`` of ``size`` with the cosignature lines held for it appended."""
        with Session(self._engine) as s:
            lines = s.scalars(
                select(CosignatureRow.line)
                .where(CosignatureRow.election_id == election_id, CosignatureRow.size == size)
                .order_by(CosignatureRow.witness)
            )
            data = b"".join(bytes(line) for line in lines)
        return add_signature_lines(note, parse_signature_lines(data)) if data else note

    def sizes_with_quorum(self, election_id: str, witnesses: tuple[CosignerVerifier, ...], quorum: int) -> list[int]:
        """The sizes of the checkpoints cosigned by at least ``quorum`` of ``witnesses``, ascending."""
        named = {w.to_vkey() for w in witnesses}
        counts: dict[int, int] = {}
        with Session(self._engine) as s:
            for size, witness in s.execute(
                select(CosignatureRow.size, CosignatureRow.witness).where(CosignatureRow.election_id == election_id)
            ):
                if witness in named:
                    counts[size] = counts.get(size, 0) + 1
        return sorted(size for size, n in counts.items() if n >= quorum)
