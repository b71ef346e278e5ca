"""Shared fixtures: small explicit parameters for fast unit tests; the full sizes live in tests marked slow."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from crypto.primes import random_safe_prime

settings.register_profile("linli", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("linli")

POSTGRES_URL = os.environ.get("LINLI_TEST_POSTGRES_URL", "")


@pytest.fixture(scope="session")
def safe_primes_1024() -> tuple[int, int]:
    """Two 512-bit safe primes: a 1024-bit test modulus (tests only; elections default to 3072 bits)."""
    p = random_safe_prime(512)
    q = random_safe_prime(512)
    while q == p:
        q = random_safe_prime(512)
    return p, q


def _postgres_url() -> str:
    if not POSTGRES_URL:
        pytest.skip("LINLI_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'linli.db'}"
        return
    import sqlalchemy

    base = _postgres_url()
    schema = f"linli_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _pins_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's CLI runs pin fingerprints in a file of its own, never in the user's ~/.config/linli."""
    monkeypatch.setenv("LINLI_PINS", str(tmp_path_factory.mktemp("pins") / "pins.json"))
