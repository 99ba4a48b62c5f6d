"""Rendering: T-SQL parses, placeholders and escaping per connector, overrides, dialect checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from etl.compile import compile_plan
from etl.config.load import load_profile
from etl.config.specs import TypeSpec
from etl.dialects import get_dialect
from etl.errors import ConfigError, TemplateError
from etl.sql import Statement

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "mappings" / "credit_application.yaml"
DATABASES = {
    "mssql": "{dialect: mssql, server: db.example.com, database: etl}",
    "psycopg": "{dialect: postgresql, server: 127.0.0.1, database: test}",
    "odbc": "{dialect: postgresql, connector: odbc, server: 127.0.0.1, database: test}",
    "sqlite": "{dialect: sqlite, database: etl.db}",
}
RESERVED_MAPPING = (Path(__file__).resolve().parents[1] / "data" / "reserved_words.yaml").read_text()


def make_profile(
    tmp_path: Path,
    connector: str,
    extra: str = "",
    mapping: Path = MAPPING,
    source: str = "{table: dbo.App_Xml}",
    schema: str | None = "Sales",
):
    path = tmp_path / f"{connector}.yaml"
    target = f"target: {{schema: {schema}}}\n" if schema else ""
    path.write_text(
        f"database: {DATABASES[connector]}\nsource: {source}\n{target}mapping: {mapping}\n{extra}",
        encoding="utf-8",
    )
    return load_profile(path, {}, {})


def reserved_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "reserved.yaml"
    path.write_text(RESERVED_MAPPING, encoding="utf-8")
    return path


@pytest.mark.parametrize("mapping", ["credit", "reserved"])
@pytest.mark.parametrize("options", ["plain", "limit+filter+retry"])
def test_every_mssql_statement_parses_as_tsql(tmp_path: Path, mapping: str, options: str) -> None:
    path = reserved_mapping(tmp_path) if mapping == "reserved" else MAPPING
    extra, source = "", "{table: dbo.App_Xml}"
    if options != "plain":
        extra = "run: {limit: 30, exclude_failed: false}\n"
        source = "{table: dbo.App_Xml, filter: \"kind = 'x%'\"}"
    plan = compile_plan(make_profile(tmp_path, "mssql", extra, path, source))
    listing = plan.statements.listing()
    assert len(listing) > 30
    for name, sql in listing:
        trees = sqlglot.parse(sql, read="tsql")
        assert trees and all(t is not None for t in trees), name
        # sqlglot falls back to an opaque Command for text it does not understand: that is not a parse.
        commands = [n for t in trees for n in t.find_all(exp.Command)]
        assert not commands, f"{name}: sqlglot did not understand {commands[0].sql()[:80]!r}"


def test_psycopg_escapes_literal_percent_and_uses_format_placeholders(tmp_path: Path) -> None:
    plan = compile_plan(
        make_profile(
            tmp_path, "psycopg", "run: {limit: 30}\n", source="{table: App_Xml, filter: \"kind LIKE 'x%'\"}"
        )
    )
    stmt = plan.statements.extract_batch
    assert "kind LIKE 'x%%'" in stmt.sql
    assert '(s."app_id" %% %s) + %s) %% %s = %s' in stmt.sql
    assert stmt.params == (
        "last_id",
        "instance_count",
        "instance_count",
        "instance_count",
        "instance_id",
        "upper_bound",
    )
    assert "?" not in stmt.sql


def test_qmark_connectors_leave_percent_alone(tmp_path: Path) -> None:
    for connector in ("odbc", "sqlite", "mssql"):
        plan = compile_plan(
            make_profile(tmp_path, connector, source="{table: App_Xml, filter: \"k LIKE 'x%'\"}")
        )
        sql = plan.statements.count_pending.sql
        assert "k LIKE 'x%'" in sql and "%%" not in sql and "%s" not in sql
        assert sql.count("?") == len(plan.statements.count_pending.params) == 4


def test_limit_and_exclude_failed_are_decided_at_render_time(tmp_path: Path) -> None:
    plain = compile_plan(make_profile(tmp_path, "sqlite")).statements
    assert "upper_bound" not in plain.extract_batch.params
    assert "IN ('success', 'failed')" in plain.extract_batch.sql
    retry = compile_plan(
        make_profile(tmp_path, "sqlite", "run: {limit: 5, exclude_failed: false}\n")
    ).statements
    assert retry.extract_batch.params[-1] == "upper_bound"
    assert retry.source_total.params[-1] == "upper_bound"
    assert "= 'success'" in retry.extract_batch.sql and "'failed'" not in retry.extract_batch.sql


def test_statements_access_listing_and_binding(tmp_path: Path) -> None:
    st = compile_plan(make_profile(tmp_path, "sqlite")).statements
    assert st.insert_rows["applicant"].params[:2] == ("app_id", "applicant_seq")
    assert st["claim"] is st.claim
    assert [s.name for s in st.create_log] == ["create_log", "create_log.index"]
    names = [n for n, _ in st.listing()]
    assert "create_table.applicant" in names and "create_schema" not in names  # empty on SQLite
    assert "copy_rows.applicant" not in names
    assert st.claim.params == (
        "app_id",
        "status",
        "instance_id",
        "session_id",
        "batch_id",
        "error",
        "mapping_hash",
        "started_at",
        "finished_at",
        "duration_ms",
    )
    assert st.delete_rows["address"].bind({"app_id": 7, "other": 1}) == (7,)
    with pytest.raises(KeyError, match="missing app_id"):
        st.delete_log.bind({})
    with pytest.raises(AttributeError):
        _ = st.no_such_statement
    assert Statement("x", "SELECT 1").bind(None) == ()


def test_profile_templates_folder_overrides_one_statement(tmp_path: Path) -> None:
    own = tmp_path / "sql"
    (own / "sqlite").mkdir(parents=True)
    (own / "sqlite" / "ping.sql.j2").write_text("SELECT {{ p('x') }} /* mine */\n")
    (own / "status.sql.j2").write_text("SELECT COUNT(*) FROM {{ log }}\n")
    st = compile_plan(make_profile(tmp_path, "sqlite", f"templates: {own}\n")).statements
    assert st.ping == Statement("ping", "SELECT ? /* mine */", ("x",))
    assert st.status.sql == 'SELECT COUNT(*) FROM "processing_log"'
    assert "INSERT" in st.claim.sql  # the rest stays shipped


def test_broken_override_is_a_template_error(tmp_path: Path) -> None:
    own = tmp_path / "sql"
    own.mkdir()
    (own / "ping.sql.j2").write_text("SELECT {{ no_such_name }}\n")
    with pytest.raises(
        TemplateError, match=r"ping\.sql\.j2:1: SQL template ping does not render: .no_such_name."
    ):
        compile_plan(make_profile(tmp_path, "sqlite", f"templates: {own}\n"))


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "mssql",
            [
                "[order]",
                "[User]",
                "nvarchar(40)",
                "datetime2",
                "bit",
                "decimal(14,2)",
                "uniqueidentifier",
                "nvarchar(max)",
                "varchar(max)",
            ],
        ),
        (
            "postgresql",
            [
                '"order"',
                '"User"',
                "varchar(40)",
                "timestamp",
                "boolean",
                "numeric(14,2)",
                "uuid",
                "text",
                "varchar(9000)",
            ],
        ),
        ("sqlite", ['"order"', '"User"', "TEXT", "TEXT", "INTEGER", "NUMERIC(14,2)", "TEXT", "TEXT", "TEXT"]),
    ],
)
def test_dialect_quoting_and_types(dialect: str, expected: list[str]) -> None:
    d = get_dialect(dialect)
    types = ["nvarchar(40)", "datetime", "bool", "decimal(14,2)", "uuid", "text", "varchar(9000)"]
    got = [d.quote("order"), d.quote("User"), *(d.sqltype(TypeSpec.parse(t)) for t in types)]
    assert got == expected
    assert d.qualify("Sales", "group").startswith(d.quote("Sales") if d.has_schemas else d.quote("group"))


def test_dialect_limits() -> None:
    assert (get_dialect("mssql").max_params, get_dialect("mssql").max_rows_per_insert) == (2100, 1000)
    assert get_dialect("postgresql").max_identifier_length == 63
    assert get_dialect("postgresql").max_params == 65535
    assert get_dialect("sqlite").max_params == 32766
    with pytest.raises(ValueError, match="unknown dialect 'oracle'"):
        get_dialect("oracle")


def test_identifier_too_long_for_postgresql_is_a_finding(tmp_path: Path) -> None:
    long = "c" * 64
    mapping = tmp_path / "long.yaml"
    mapping.write_text(f"root: R\ntables:\n  t:\n    columns:\n      {long}: {{xpath: X, type: int}}\n")
    with pytest.raises(ConfigError) as info:
        compile_plan(make_profile(tmp_path, "psycopg", mapping=mapping))
    assert (
        f"long.yaml:5:7: error: tables.t.columns.{long}: identifier '{long}' is 64 characters; "
        f"postgresql allows at most 63" in str(info.value)
    )
    compile_plan(make_profile(tmp_path, "mssql", mapping=mapping))  # 128 on SQL Server: fine
