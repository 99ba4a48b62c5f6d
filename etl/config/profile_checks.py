"""profile_checks: a merged, schema-valid profile -> ProfileSpec, with the checks JSON Schema cannot express."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from etl.config.checks import Collector, identifier_problem, partition_problem
from etl.config.specs import (
    DatabaseSpec,
    PartitionSpec,
    PoolSpec,
    ProfileSpec,
    RunSpec,
    SourceSpec,
    TargetSpec,
)
from etl.config.yaml_loader import KeyPath, display_path
from etl.errors import ConfigError, Finding

DEFAULT_CONNECTOR = {"mssql": "odbc", "postgresql": "psycopg", "sqlite": "sqlite"}
CONNECTORS = {"mssql": ("odbc",), "postgresql": ("psycopg", "odbc"), "sqlite": ("sqlite",)}


def build_profile(
    data: dict, origins, environ: Mapping[str, str]
) -> tuple[ProfileSpec | None, list[Finding]]:
    """Semantic checks of a merged, schema-valid profile; loads its mapping too."""
    from etl.config.load import load_mapping

    c = Collector(origins.locate)
    for key in ("database", "source", "mapping"):
        if key not in data:
            c.error((), f"missing required key '{key}' (in this profile or the one it extends)", value=False)
    if c.findings:
        return None, c.findings
    db = _database(c, data["database"], origins)
    src = data["source"]
    if "table" not in src:
        c.error(("source",), "missing required key 'table'", value=False)
    else:
        for i, part in enumerate(str(src["table"]).split(".")):
            problem = identifier_problem(part)
            if problem or i > 2:
                c.error(("source", "table"), problem or f"{src['table']!r} has too many dotted parts")
    for key in ("id_column", "xml_column"):
        if key in src:
            c.ident(("source", key), src[key])
    target = data.get("target", {})
    for key in ("schema", "log_table"):
        if key in target:
            c.ident(("target", key), target[key])
    part = data.get("partition", {})
    pspec = PartitionSpec(part.get("instance_id", 0), part.get("instance_count", 1))
    problem = partition_problem(pspec.instance_id, pspec.instance_count)
    if problem:
        c.error(("partition", "instance_id"), problem)
    pool = data.get("pool", {})
    pool_spec = PoolSpec(bool(pool.get("enabled", False)), pool.get("min_size", 4), pool.get("max_size", 20))
    if pool_spec.min_size > pool_spec.max_size:
        c.error(
            ("pool", "min_size"), f"min_size={pool_spec.min_size} must be <= max_size={pool_spec.max_size}"
        )
    templates = None
    if "templates" in data:
        templates = origins.base_dir(("templates",)) / data["templates"]
        if not templates.is_dir():
            c.error(("templates",), f"templates folder not found: {display_path(templates)}")
    mapping_path = origins.base_dir(("mapping",)) / data["mapping"]
    mapping = None
    if not mapping_path.is_file():
        c.error(("mapping",), f"mapping file not found: {display_path(mapping_path)}")
    else:
        try:
            mapping = load_mapping(mapping_path, environ)
        except ConfigError as exc:
            c.findings.extend(exc.findings)
    run = data.get("run", {})
    run_spec = RunSpec(
        workers=run.get("workers", 4),
        batch_size=run.get("batch_size", 50),
        limit=run.get("limit"),
        exclude_failed=bool(run.get("exclude_failed", True)),
        log_level=run.get("log_level", "INFO"),
        progress=run.get("progress", "auto"),
    )
    if any(f.severity == "error" for f in c.findings) or db is None or mapping is None:
        return None, c.findings
    spec = ProfileSpec(
        path=Path(origins.locate(()).file),
        database=db,
        source=SourceSpec(
            table=src["table"],
            id_column=src.get("id_column", "app_id"),
            xml_column=src.get("xml_column", "app_xml"),
            filter=src.get("filter"),
        ),
        target=TargetSpec(schema=target.get("schema"), log_table=target.get("log_table", "processing_log")),
        mapping=mapping,
        run=run_spec,
        partition=pspec,
        pool=pool_spec,
        templates=templates,
    )
    return spec, c.findings


def _database(c: Collector, d: dict, origins) -> DatabaseSpec | None:
    path: KeyPath = ("database",)
    dialect = d.get("dialect")
    if dialect is None:
        c.error(path, "missing required key 'dialect' (mssql, postgresql or sqlite)", value=False)
        return None
    connector = d.get("connector", DEFAULT_CONNECTOR[dialect])
    if connector not in CONNECTORS[dialect]:
        c.error(
            (*path, "connector"),
            f"connector {connector!r} cannot reach {dialect} (allowed: {', '.join(CONNECTORS[dialect])})",
        )
    for secret in ("password",):
        if secret in d and not origins.from_env((*path, secret)):
            c.error(
                (*path, secret),
                "passwords come only from the environment: write ${ETL_DB_PASSWORD} "
                "(or another variable) instead of the password itself",
            )
    given = "url" if d.get("url") else "odbc_connect" if d.get("odbc_connect") else None
    for flag in ("server", "database"):
        if given and origins.owner((*path, flag)) == f"--{flag}":
            c.error(
                (*path, flag),
                f"--{flag} cannot apply: the profile connects with database.{given}, "
                "which names the server and database itself",
            )
    database = d.get("database")
    if dialect == "sqlite":
        if not database:
            c.error(path, "sqlite needs database: the database file", value=False)
        elif database != ":memory:":
            database = str((origins.base_dir((*path, "database")) / database).resolve())
    elif dialect == "mssql" and not (d.get("odbc_connect") or d.get("server")):
        c.error(path, "mssql needs server (and database) or odbc_connect", value=False)
    return DatabaseSpec(
        dialect=dialect,
        connector=connector,
        server=d.get("server"),
        port=d.get("port"),
        database=database,
        user=d.get("user"),
        password=d.get("password"),
        trusted_connection=bool(d.get("trusted_connection", False)),
        driver=d.get("driver"),
        odbc_connect=d.get("odbc_connect"),
        url=d.get("url"),
        options=tuple(sorted((d.get("options") or {}).items())),
        timeout=d.get("timeout", 15),
    )
