"""SQLAlchemy storage: the append-only ledger tables (docs/protocol.md §P10).

Two tables hold the log: ``ledger_entries`` (one canonical entry per row, with its RFC 9162 leaf hash) and
``checkpoints`` (the signed tree head after every append), and ``ledger_nodes`` (the root of every perfect subtree
of the tree, ADR 0019). An append writes its entry, its checkpoint and the subtrees it completes in one transaction,
so a crash leaves either the whole entry with its tree state or nothing. Election state is not stored: it is
rebuilt by replaying the log (voting.state). ``log_signer`` (PostgreSQL, §P16.1) holds the one log key and origin
prefix that every replica on the database signs with. A fourth, ``relay_requests``, holds the phone credential relay
(§P13): not part of the log or the record, bounded per election. SQLite by default, PostgreSQL by URL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "BoardRow",
    "CheckpointRow",
    "CosignatureRow",
    "ElectionRow",
    "EntryRow",
    "LogSignerRow",
    "NodeRow",
    "RelayRow",
    "make_engine",
]


class Base(DeclarativeBase):
    pass


class ElectionRow(Base):
    __tablename__ = "elections"

    election_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), nullable=False)


class EntryRow(Base):
    __tablename__ = "ledger_entries"

    election_id: Mapped[str] = mapped_column(ForeignKey("elections.election_id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class CheckpointRow(Base):
    __tablename__ = "checkpoints"

    election_id: Mapped[str] = mapped_column(ForeignKey("elections.election_id"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    milestone: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class NodeRow(Base):
    """ADR 0019: the root of every perfect subtree of an election's log (``level`` 0: the leaf hashes), written in the
    append's transaction with its entry and checkpoint, so the rows never hold half an append."""

    __tablename__ = "ledger_nodes"

    election_id: Mapped[str] = mapped_column(ForeignKey("elections.election_id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class LogSignerRow(Base):
    """§P16.1: the log key (C2SP vkey) and origin prefix of every server on this database; one row, ``id`` 1."""

    __tablename__ = "log_signer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    verifier_key: Mapped[str] = mapped_column(String(400), nullable=False)
    origin_prefix: Mapped[str] = mapped_column(String(200), nullable=False)


class RelayRow(Base):
    """§P13: one posted credential request and, once the registrar posted it, its signed issuance."""

    __tablename__ = "relay_requests"
    __table_args__ = (UniqueConstraint("election_id", "request_hash"),)

    election_id: Mapped[str] = mapped_column(ForeignKey("elections.election_id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(11), primary_key=True)
    request: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    request_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    issuance: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class CosignatureRow(Base):
    """§P17.3: a witness's cosignature line (C2SP cosignature/v1) on one checkpoint, checked when it was posted.

    Beside the log, never in it: cosignatures are appended to a checkpoint's note when it is served. One row per
    witness and checkpoint (a witness that cosigns the same checkpoint again replaces its line).
    """

    __tablename__ = "cosignatures"

    election_id: Mapped[str] = mapped_column(ForeignKey("elections.election_id"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(420), primary_key=True)  # the witness's vkey
    line: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)


class BoardRow(Base):
    """§P15.9: one trustee's signed message for one round of one attempt of the dealer-free key ceremony, checked
    when it was posted. Beside the log, never in it; ciphertexts only (sealed end to end by crypto.pairwise)."""

    __tablename__ = "board_messages"
    __table_args__ = (UniqueConstraint("election_id", "attempt", "round", "sender"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.election_id"), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    round: Mapped[str] = mapped_column(String(64), nullable=False)
    sender: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)  # sha256 of the signing bytes
    message: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # the BoardMessage, deterministic protobuf


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the tables created. SQLite gets WAL and foreign keys."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

    Base.metadata.create_all(engine)
    return engine
