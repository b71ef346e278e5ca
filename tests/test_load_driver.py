"""benchmarks/load.py (issue 12, item 4): its flags are checked before any work, with a clear message; each run gets a
database of its own; two replicas on one PostgreSQL database take the load and leave a log that verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy

from benchmarks import load
from tests.conftest import POSTGRES_URL


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("sqlite", "sqlite"),
        ("sqlite:///some/file.db", "sqlite"),
        ("postgresql", "postgresql"),
        ("postgresql://u@h:5432/db", "postgresql"),
    ],
)
def test_db_values_accepted(value: str, kind: str) -> None:
    assert load.parse_db(value)[0] == kind


@pytest.mark.parametrize("value", ["mysql://u@h/db", "sqlite:///", "", "postgres://u@h/db", "oracle"])
def test_bad_db_refused(value: str) -> None:
    with pytest.raises(load.DbError, match="--db"):
        load.parse_db(value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--db", "mysql://u@h/db"], "give sqlite, postgresql"),
        (["--replicas", "2"], "--replicas needs PostgreSQL"),
        (["--db", "sqlite:///x.db", "--replicas", "3"], "a SQLite file has one writer"),
        (["--replicas", "0"], "--replicas must be at least 1"),
        (["--workers", "65"], "--workers must be 0"),
        (["--variants", "fast"], "--variants takes verified, raw"),
        (["--ballots", "0"], "must be positive"),
    ],
)
def test_bad_flags_refused_before_any_work(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_run(*args: object, **kwargs: object) -> dict[str, object]:
        raise AssertionError("the run started despite a bad flag")

    monkeypatch.setattr(load, "run", no_run)
    with pytest.raises(SystemExit) as exit_:
        load.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_sqlite_database_is_temporary() -> None:
    with load.fresh_database("sqlite", "") as url:
        path = Path(url.removeprefix("sqlite:///"))
        assert path.parent.is_dir()
    assert not path.parent.exists()


def _databases(url: str) -> set[str]:
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as c:
            return set(c.scalars(sqlalchemy.text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_run_gets_a_database_of_its_own_dropped_after() -> None:
    if not POSTGRES_URL:
        pytest.skip("LINLI_TEST_POSTGRES_URL is not set")
    before = _databases(POSTGRES_URL)
    with load.fresh_database("postgresql", POSTGRES_URL) as url:
        name = url.rsplit("/", 1)[1].split("?")[0]
        assert name.startswith("linli_load_") and name not in before
        assert name in _databases(POSTGRES_URL)
    assert name not in _databases(POSTGRES_URL)


@pytest.mark.postgres
def test_two_replicas_smoke_leaves_a_log_that_verifies(tmp_path: Path) -> None:
    """--replicas 2: two servers on one fresh database, clients spread over them; every ballot accepted once, the
    record passes the verifier's steps 1-6 and both replicas end on the same checkpoint (about 30 s)."""
    if not POSTGRES_URL:
        pytest.skip("LINLI_TEST_POSTGRES_URL is not set")
    out = tmp_path / "load.json"
    code = load.main(
        ["--smoke", "--db", POSTGRES_URL, "--replicas", "2", "--workers", "1", "--variants", "raw", "--json", str(out)]
    )
    report = json.loads(out.read_text())
    assert code == 0
    assert (report["db"], report["mode"], report["replicas"], report["errors"]) == ("postgresql", "signing", 2, 0)
    assert report["log_verified"] is True
    check = report["log_check"]
    assert check["ballots"] == check["ballots_expected"] == 20 and check["replica_heads_agree"]
    assert report["ballots_per_s"] > 0 and report["p99_ms"] >= report["p50_ms"] > 0
