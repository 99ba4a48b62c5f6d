"""Fixtures for the statement and connector tests: one plan per backend (SQLite, psycopg, pyodbc->PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from etl.api import compile_profile
from etl.connectors import connect
from etl.plan import Plan

BACKENDS = ["sqlite", "psycopg", "odbc"]
NOW = dt.datetime(2025, 3, 14, 10, 22, 5)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param in ("psycopg", "odbc"):
        request.getfixturevalue("odbc_ready" if request.param == "odbc" else "pg_dsn")
    return request.param


PlanFactory = Callable[..., Plan]


@pytest.fixture
def make_plan(request: pytest.FixtureRequest, backend: str) -> PlanFactory:
    """make_plan(extra_yaml, name=..., mapping=...) -> Plan on this test's fresh database/schema."""
    if backend == "sqlite":
        factory = request.getfixturevalue("sqlite_profile")
    else:
        factory = request.getfixturevalue("pg_profile")

    def make(extra: str = "", name: str = "p.yaml", source_filter: str | None = None, **kw) -> Plan:
        if backend != "sqlite":
            kw["connector"] = backend
        path = factory(extra, name=name, **kw)
        if source_filter is not None:  # the shared profile writer has no filter option
            text = path.read_text(encoding="utf-8")
            path.write_text(
                text.replace("xml_column: app_xml}", f"xml_column: app_xml, filter: {source_filter!r}}}")
            )
        return compile_profile(path)

    return make


@pytest.fixture
def conn_of() -> Iterator[Callable]:
    """conn_of(plan) -> an open Connection, closed after the test."""
    opened = []

    def open_(plan: Plan):
        conn = connect(plan)
        opened.append(conn)
        return conn

    yield open_
    for conn in opened:
        conn.close()


def log_row(
    plan: Plan, app_id: int, status: str, batch: str = "b1", error: str | None = None, instance: int = 0
) -> tuple:
    """A claim row, in the claim statement's parameter order."""
    return (app_id, status, instance, "session-1", batch, error, plan.hash, NOW, NOW, 12)


def extract_all(conn, plan: Plan, instance: int, count: int, upper: int | None = None) -> list[int]:
    """Every id the keyset batches yield for one instance."""
    ids: list[int] = []
    last = -(2**62)
    while True:
        rows = conn.query(
            plan.statements.extract_batch,
            {"last_id": last, "instance_id": instance, "instance_count": count, "upper_bound": upper},
        )
        assert len(rows) <= plan.profile.run.batch_size
        if not rows:
            return ids
        ids += [r[0] for r in rows]
        last = rows[-1][0]
