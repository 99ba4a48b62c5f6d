"""target: set up the target (schema, tables, processing_log) and fill the source with sample documents."""

from __future__ import annotations

from itertools import islice
from typing import Any

from etl.errors import RunStateError
from etl.sample import documents

SAMPLE_BATCH = 500  # documents per insert transaction


def _split(dotted: str) -> tuple[str | None, str]:
    parts = dotted.split(".")
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def table_exists(conn: Any, plan: Any, schema: str | None, name: str) -> bool:
    """Whether the table exists (in `schema`, or the connection's default schema when None)."""
    if not plan.dialect.has_schemas:
        schema = None
    rows = conn.query(plan.statements.table_exists, {"schema_name": schema, "table_name": name})
    return bool(rows and rows[0][0])


def check_source(conn: Any, plan: Any) -> None:
    """RunStateError, saying how to fix it, when the profile's source table does not exist."""
    profile = plan.profile
    schema, name = _split(profile.source.table)
    if not table_exists(conn, plan, schema, name):
        raise RunStateError(
            f"source table {profile.source.table} not found in database {profile.database.database!r}: "
            f"check source.table in {profile.path}, or fill it with generated documents: "
            f"etl sample {profile.path} --count 1000"
        )


def init_target(conn: Any, plan: Any, drop: bool = False) -> list[str]:
    """Create the target schema, tables and processing_log when missing (drop them first with `drop`).

    Idempotent; returns one human line per table saying what happened.
    """
    st, profile, dialect = plan.statements, plan.profile, plan.dialect
    schema = profile.target.schema if dialect.has_schemas else None
    tables = plan.layout.tables
    log_name = profile.target.log_table
    lines: list[str] = []

    def label(name: str) -> str:
        return f"{schema}.{name}" if schema else name

    with conn.transaction():
        if drop:
            # Children first, then the log: a rerun after the drop starts from nothing.
            for table in reversed(tables):
                if table_exists(conn, plan, schema, table.name):
                    conn.execute(st.drop_table[table.name])
                    lines.append(f"dropped table {label(table.name)}")
            if table_exists(conn, plan, schema, log_name):
                conn.execute(st.drop_log)
                lines.append(f"dropped table {label(log_name)}")
        if st.create_schema:
            conn.execute(st.create_schema)
        for table in tables:
            existed = table_exists(conn, plan, schema, table.name)
            conn.execute(st.create_table[table.name])
            word = "exists" if existed else "created"
            lines.append(f"{word}: table {label(table.name)} ({len(table.columns)} columns)")
        existed = table_exists(conn, plan, schema, log_name)
        for stmt in st.create_log:
            conn.execute(stmt)
        lines.append(f"{'exists' if existed else 'created'}: table {label(log_name)} (processing log)")
    return lines


def fill_sample(
    conn: Any, plan: Any, count: int, seed: int = 42, start_id: int | None = None, only_if_empty: bool = False
) -> tuple[int, int] | None:
    """Insert `count` generated documents into the source table (created if missing), after its largest id
    unless `start_id` is given; one transaction per batch. Returns (first_id, last_id), or None when
    `only_if_empty` and the table already has records (the quick start's `--sample` on a rerun)."""
    st = plan.statements
    with conn.transaction():
        if st.create_source_schema:
            conn.execute(st.create_source_schema)
        conn.execute(st.create_source)
    rows = conn.query(st.source_max_id)
    top = rows[0][0] if rows else None
    if only_if_empty and top is not None:
        return None
    if start_id is None:
        start_id = int(top) + 1 if top is not None else 1
    docs = documents(count, seed, start_id)
    while True:
        chunk = list(islice(docs, SAMPLE_BATCH))
        if not chunk:
            break
        with conn.transaction():
            conn.executemany(st.insert_source, chunk)
    return start_id, start_id + count - 1
