"""Connectors: transaction state, one-line connection errors with masked passwords, the pool."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from etl.api import compile_profile
from etl.connectors import connect
from etl.connectors.pool import Pool
from etl.errors import ConnectError, LoadError
from etl.target import init_target
from tests.integration.db.conftest import log_row

SECRET = "s3cr3t-Pa55"


def _backend_state(pg_dsn: str, pid: int) -> str:
    with psycopg.connect(pg_dsn, autocommit=True) as other:
        return other.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]


def test_no_transaction_stays_open_between_statements(make_plan, conn_of, backend, request) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    init_target(conn, plan)
    conn.query(plan.statements.status)
    if backend == "sqlite":
        assert not conn.raw.in_transaction
        with conn.transaction():
            assert conn.raw.in_transaction
        return
    pg_dsn = request.getfixturevalue("pg_dsn")
    if backend == "psycopg":
        assert conn.raw.autocommit and conn.raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        pid = conn.raw.info.backend_pid
    else:
        pid = conn.raw.cursor().execute("SELECT pg_backend_pid()").fetchone()[0]  # opens one (autocommit off)
        conn.raw.commit()
        conn.query(plan.statements.status)  # through the connector: must commit after itself
    assert _backend_state(pg_dsn, pid) == "idle"
    with conn.transaction():
        conn.executemany(plan.statements.claim, [log_row(plan, 1, "success")])
        assert _backend_state(pg_dsn, pid) == "idle in transaction"
    assert _backend_state(pg_dsn, pid) == "idle"


@pytest.mark.parametrize("connector", ["psycopg", "odbc"])
def test_connection_failure_is_one_line_with_the_password_masked(
    tmp_path: Path, connector: str, monkeypatch, request
) -> None:
    request.getfixturevalue("odbc_ready" if connector == "odbc" else "pg_dsn")
    monkeypatch.setenv("ETL_TEST_SECRET", SECRET)
    odbc = ", connector: odbc, driver: PostgreSQL Unicode" if connector == "odbc" else ""
    profile = tmp_path / "bad.yaml"
    profile.write_text(
        "database: {dialect: postgresql, server: 127.0.0.1, port: 5432, database: no_such_db_etl, "
        f"user: nobody_etl, password: '${{ETL_TEST_SECRET}}'{odbc}}}\n"
        f"source: {{table: app_xml}}\nmapping: {Path(__file__).resolve().parents[3] / 'mappings' / 'credit_application.yaml'}\n"
    )
    plan = compile_profile(profile)
    with pytest.raises(ConnectError) as info:
        connect(plan)
    message = str(info.value)
    assert "\n" not in message and SECRET not in message
    driver = "pyodbc (PostgreSQL Unicode)" if connector == "odbc" else "psycopg"
    assert message.startswith(
        f"cannot connect to postgresql at 127.0.0.1:5432, database 'no_such_db_etl', with {driver}"
    )
    assert "nobody_etl" in message or "no_such_db_etl" in message.split("with", 1)[1]


def test_sqlite_file_in_a_missing_folder_is_a_connect_error(sqlite_profile, tmp_path: Path) -> None:
    path = sqlite_profile()
    path.write_text(
        path.read_text().replace(str(tmp_path / "etl.db"), str(tmp_path / "no" / "such" / "x.db"))
    )
    with pytest.raises(
        ConnectError,
        match=r"cannot connect to sqlite at localhost, database '.*x\.db', with sqlite3: "
        r"unable to open database file",
    ):
        connect(compile_profile(path))


def test_driver_errors_become_load_errors_from_the_driver_error(make_plan, conn_of) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    with pytest.raises(LoadError) as info:
        conn.query(plan.statements.status)  # processing_log not created yet
    assert str(info.value).startswith("status: ") and "processing_log" in str(info.value)
    assert info.value.__cause__ is not None and "\n" not in str(info.value)
    assert conn.ping()


def test_pool_reuses_pings_and_replaces_broken_connections(make_plan, backend, request) -> None:
    plan = make_plan()
    with Pool(plan, min_size=1, max_size=2, timeout=0.5) as pool:
        assert pool.size == 1
        with pool.acquire() as first:
            pass
        with pool.acquire() as again:
            assert again is first
        with pool.acquire() as a, pool.acquire() as b:
            assert a is not b and pool.size == 2
            with pytest.raises(ConnectError, match=r"no pooled connection free within 0\.5s"), pool.acquire():
                pass
        if backend == "sqlite":
            a.raw.close()  # a closed handle fails the ping like a dropped server connection
        else:
            pid = a.query(plan.statements.ping) and _pid(a)
            with psycopg.connect(request.getfixturevalue("pg_dsn"), autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        seen = []
        for _ in range(2):
            with pool.acquire() as conn:
                conn.query(plan.statements.ping)
                seen.append(conn)
        assert a not in seen and pool.replaced == 1 and pool.size == 1  # b serves both


def _pid(conn) -> int:
    if hasattr(conn.raw, "info"):
        return conn.raw.info.backend_pid
    cur = conn.raw.cursor()
    pid = cur.execute("SELECT pg_backend_pid()").fetchone()[0]
    conn.raw.commit()
    return pid


def test_pool_serves_threads_within_max_size(make_plan) -> None:
    plan = make_plan()
    errors: list[BaseException] = []
    with Pool(plan, min_size=0, max_size=3) as pool:

        def work() -> None:
            try:
                for _ in range(5):
                    with pool.acquire() as conn:
                        assert conn.query(plan.statements.ping) == [(1,)]
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and pool.size <= 3
