"""sql: profile + layout + dialect -> every SQL statement, rendered once from the Jinja templates."""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from etl.config.specs import TypeSpec
from etl.errors import TemplateError

# Placeholders are written as this marker first, so literal `%` can be escaped for format-style drivers
# afterwards without touching the placeholders themselves.
_MARK = "\x00p\x00"
PARAMSTYLE = {"psycopg": "format", "odbc": "qmark", "sqlite": "qmark"}

PER_TABLE = ("create_table", "drop_table", "insert_rows", "insert_values", "copy_rows", "delete_rows")
# Lists of statements run in order; empty ones are left out (no session setup outside SQLite).
LISTS = {
    "create_log": ("create_log", "create_log_index"),
    "session_setup": ("session_setup", "session_setup_timeout", "session_setup_sync"),
}
# The order of `etl render`: setup first, then the run's statements, then status and sample.
ORDER = (
    "create_schema",
    "create_table",
    "create_log",
    "drop_table",
    "drop_log",
    "limit_bound",
    "extract_batch",
    "count_pending",
    "extract_ids",
    "logged_ids",
    "analyze_log",
    "claim",
    "claim_force",
    "claim_values",
    "claimed",
    "insert_rows",
    "insert_values",
    "copy_rows",
    "delete_rows",
    "delete_log",
    "status",
    "top_reasons",
    "failures",
    "source_total",
    "create_source_schema",
    "create_source",
    "insert_source",
    "source_max_id",
    "table_exists",
    "ping",
    "session_setup",
    "begin",
    "commit",
    "rollback",
)
# One statement each, rendered once for the whole run.
GLOBAL = tuple(kind for kind in ORDER if kind not in PER_TABLE and kind not in LISTS)


@dataclass(frozen=True)
class Statement:
    """One rendered SQL statement and the names of its parameters, in placeholder order."""

    name: str
    sql: str
    params: tuple[str, ...] = ()

    def bind(self, values: Mapping[str, Any] | None = None) -> tuple:
        """The positional parameters for the driver, taken by name from `values`."""
        if not self.params:
            return ()
        values = values or {}
        missing = [n for n in self.params if n not in values]
        if missing:
            raise KeyError(
                f"statement {self.name} needs {', '.join(self.params)}; missing {', '.join(missing)}"
            )
        return tuple(values[n] for n in self.params)

    def __bool__(self) -> bool:
        return bool(self.sql.strip())


class Statements:
    """All statements of a plan: `statements.claim`, `statements.insert_rows['applicant']`,
    `statements.create_log` (a list)."""

    def __init__(
        self,
        single: dict[str, Statement],
        per_table: dict[str, dict[str, Statement]],
        lists: dict[str, list[Statement]],
    ):
        self._single = single
        self._per_table = per_table
        self._lists = lists

    def __getattr__(self, name: str) -> Any:
        for store in ("_single", "_per_table", "_lists"):
            items = self.__dict__.get(store, {})
            if name in items:
                return items[name]
        raise AttributeError(f"no statement {name!r}")

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[Statement]:
        for kind in ORDER:
            if kind in self._single:
                yield self._single[kind]
            elif kind in self._per_table:
                yield from self._per_table[kind].values()
            elif kind in self._lists:
                yield from self._lists[kind]

    def listing(self) -> list[tuple[str, str]]:
        """(name, sql) of every non-empty statement, per-table ones named `create_table.applicant`."""
        return [(s.name, s.sql) for s in self if s]


def _shipped_dir() -> Path:
    try:
        from importlib.resources import files

        return Path(str(files("etl.templates")))
    except ModuleNotFoundError:  # running from a checkout: templates/ sits beside the package
        return Path(__file__).resolve().parent.parent / "templates"


def environment(dialect_name: str, user_dir: Path | None = None) -> jinja2.Environment:
    """Jinja environment searching the user's folder, then the shipped dialect folder, then default/."""
    shipped = _shipped_dir()
    search: list[str] = []
    if user_dir is not None:
        search += [str(Path(user_dir) / dialect_name), str(user_dir)]
    search += [str(shipped / dialect_name), str(shipped / "default")]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


class _Renderer:
    def __init__(self, profile: Any, layout: Any, dialect: Any):
        self.profile = profile
        self.layout = layout
        self.dialect = dialect
        self.paramstyle = PARAMSTYLE.get(profile.database.connector, "qmark")
        self.env = environment(dialect.name, profile.templates)
        d = dialect
        # Filters: q quotes a name, qdot a dotted name, sqltype/logtype give a column's type, literal makes
        # a string literal of a validated identifier (catalog lookups).
        self.env.filters.update(
            q=d.quote,
            qdot=d.qualify_dotted,
            sqltype=d.sqltype,
            literal=_literal,
            logtype=lambda text: d.sqltype(TypeSpec.parse(text)),
        )
        self.env.globals.update(self.context())

    def context(self) -> dict[str, Any]:
        p, d, lay = self.profile, self.dialect, self.layout
        schema = p.target.schema
        return {
            "profile": p,
            "layout": lay,
            "dialect": d,
            "run": p.run,
            "schema": schema,
            "source": p.source,
            "src": d.qualify_dotted(p.source.table),
            "src_id": d.quote(p.source.id_column),
            "src_xml": d.quote(p.source.xml_column),
            "id_col": d.quote(lay.mapping.id_column),
            "log": d.qualify(schema, p.target.log_table),
            "log_name": p.target.log_table,
            "qualify": lambda name: d.qualify(schema, name),
            "source_schema": p.source.table.split(".")[-2] if "." in p.source.table else None,
        }

    def render(self, kind: str, name: str, **extra: Any) -> Statement:
        params: list[str] = []

        def placeholder(param: str) -> str:
            params.append(param)
            return _MARK

        try:
            template = self.env.get_template(f"{kind}.sql.j2")
            text = template.render(p=placeholder, **extra)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"SQL template {exc.name} not found for dialect {self.dialect.name}") from exc
        except jinja2.TemplateError as exc:
            where = _template_line(exc) or kind
            raise TemplateError(f"{where}: SQL template {kind} does not render: {exc}") from exc
        text = _tidy(text)
        if self.paramstyle == "format":
            text = text.replace("%", "%%").replace(_MARK, "%s")
        else:
            text = text.replace(_MARK, "?")
        return Statement(name, text, tuple(params))


def _template_line(exc: BaseException) -> str | None:
    """`file:line` of the template line that failed (Jinja rewrites tracebacks to point at templates)."""
    if getattr(exc, "filename", None) and getattr(exc, "lineno", None):
        return f"{exc.filename}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def _literal(value: Any) -> str:
    """A string literal made from a validated identifier (catalog lookups by name); never for user data."""
    return "'" + str(value).replace("'", "''") + "'"


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def render_statements(profile: Any, layout: Any, dialect: Any) -> Statements:
    """Render every statement for this profile, its mapping's tables and the dialect; called once per plan."""
    r = _Renderer(profile, layout, dialect)
    single = {kind: r.render(kind, kind) for kind in GLOBAL}
    per_table = {
        kind: {t.name: r.render(kind, f"{kind}.{t.name}", table=t) for t in layout.tables}
        for kind in PER_TABLE
    }
    lists = {}
    for name, kinds in LISTS.items():
        rendered = [
            r.render(kind, name if i == 0 else f"{name}.{kind.removeprefix(name + '_')}")
            for i, kind in enumerate(kinds)
        ]
        lists[name] = [s for s in rendered if s]
    return Statements(single, per_table, lists)
