"""Shared fixtures: real databases only. PostgreSQL tests skip without a server, but fail under CI=true."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MAPPING = REPO / "mappings" / "credit_application.yaml"
PG_DSN = os.environ.get("ETL_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test user=root connect_timeout=5")


def _pg_problem() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        with psycopg.connect(PG_DSN) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any reason the server cannot be used
        return f"no PostgreSQL at {PG_DSN!r}: {str(exc).strip().splitlines()[0]}"
    return None


def _odbc_problem() -> str | None:
    try:
        import pyodbc
    except ImportError:
        return "pyodbc is not installed (pip install -e '.[test]')"
    if "PostgreSQL Unicode" not in pyodbc.drivers():
        return "the psqlODBC driver 'PostgreSQL Unicode' is not installed (apt-get install odbc-postgresql)"
    return None


def need(problem: str | None) -> None:
    """Skip with the reason, or fail under CI=true, where every database test must run."""
    if problem is None:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    need(_pg_problem())
    return PG_DSN


@pytest.fixture(scope="session")
def odbc_ready(pg_dsn: str) -> None:
    need(_odbc_problem())


@pytest.fixture
def pg_schema(pg_dsn: str) -> Iterator[str]:
    """A fresh schema, dropped afterwards."""
    import psycopg

    name = f"etl_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


ProfileFactory = Callable[..., Path]


def _write_profile(
    path: Path, database: str, source_table: str, schema: str | None, extra: str = "", mapping: Path = MAPPING
) -> Path:
    target = f"target: {{schema: {schema}}}\n" if schema else ""
    path.write_text(
        f"database: {database}\n"
        f"source: {{table: {source_table}, id_column: app_id, xml_column: app_xml}}\n"
        f"{target}"
        f"mapping: {mapping}\n"
        f"{extra}",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def pg_profile(tmp_path: Path, pg_schema: str) -> ProfileFactory:
    """Write a PostgreSQL profile whose source and target live in a fresh schema."""

    def make(
        extra: str = "", connector: str = "psycopg", name: str = "pg.yaml", mapping: Path = MAPPING
    ) -> Path:
        if connector == "odbc":
            db = (
                "{dialect: postgresql, connector: odbc, server: 127.0.0.1, port: 5432, database: test, "
                "user: root, driver: PostgreSQL Unicode, options: {UseServerSidePrepare: 0, Protocol: 7.4-1}}"
            )
        else:
            db = "{dialect: postgresql, server: 127.0.0.1, port: 5432, database: test, user: root}"
        return _write_profile(tmp_path / name, db, f"{pg_schema}.app_xml", pg_schema, extra, mapping)

    return make


@pytest.fixture
def sqlite_profile(tmp_path: Path) -> ProfileFactory:
    """Write a SQLite profile on a fresh file."""

    def make(extra: str = "", name: str = "lite.yaml", mapping: Path = MAPPING) -> Path:
        db = f"{{dialect: sqlite, database: {tmp_path / 'etl.db'}}}"
        return _write_profile(tmp_path / name, db, "app_xml", None, extra, mapping)

    return make
