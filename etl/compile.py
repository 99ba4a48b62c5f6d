"""compile: specs -> plan. No database is touched; `etl validate` is load + compile."""

from __future__ import annotations

from etl.config.specs import MappingSpec, ProfileSpec, TableSpec, TypeSpec
from etl.errors import ConfigError, Finding
from etl.plan import Column, Layout, Plan, Table, mapping_hash


def layout(mapping: MappingSpec) -> Layout:
    """Derive every target table's columns and key; ConfigError (with locations) when they do not fit."""
    findings: list[Finding] = []
    by_name = {t.name: t for t in mapping.tables}
    done: dict[str, Table] = {}
    order = _order(mapping, findings)
    for name in order:
        spec = by_name[name]
        parent = done.get(spec.parent) if spec.parent else None
        if spec.parent and parent is None:
            continue  # its parent failed; already reported
        table = _table(mapping, spec, parent, findings)
        if table is not None:
            done[name] = table
    if any(f.severity == "error" for f in findings):
        raise ConfigError(f"{mapping.path}: invalid mapping", findings)
    return Layout(mapping=mapping, tables=tuple(done[n] for n in order), mapping_hash=mapping_hash(mapping))


def _order(mapping: MappingSpec, findings: list[Finding]) -> list[str]:
    """Parents before children, keeping the written order otherwise; cycles are errors."""
    by_name = {t.name: t for t in mapping.tables}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            spec = by_name[name]
            cycle = " -> ".join([*trail[trail.index(name) :], name])
            findings.append(Finding(f"parent cycle: {cycle}", spec.location, f"tables.{name}.parent"))
            return
        state[name] = 1
        parent = by_name[name].parent
        if parent in by_name:
            visit(parent, [*trail, name])
        state[name] = 2
        order.append(name)

    for t in mapping.tables:
        visit(t.name, [])
    return order


def _table(
    mapping: MappingSpec, spec: TableSpec, parent: Table | None, findings: list[Finding]
) -> Table | None:
    id_col = mapping.id_column
    if parent is None:
        inherited = [Column(id_col, TypeSpec("bigint"), nullable=False)]
    else:
        inherited = [c for c in parent.columns if c.name in parent.key]
        inherited = [Column(c.name, c.type, nullable=False) for c in inherited]
    inherited_names = [c.name for c in inherited]
    own: list[Column] = []
    for col in spec.columns:
        if col.name in inherited_names:
            if col.name == id_col and col.source == "id":
                # The user declared the record-id column to choose its type: keep its place and type.
                inherited[0] = Column(id_col, col.type, nullable=False)
                continue
            findings.append(
                Finding(
                    f"column '{col.name}' clashes with the key column '{col.name}' this table "
                    f"inherits from {spec.parent or 'the record'}; rename it",
                    col.location,
                    f"tables.{spec.name}.columns.{col.name}",
                )
            )
            continue
        own.append(
            Column(
                col.name, col.type, nullable=not (col.required or col.source in ("id", "position")), spec=col
            )
        )
    columns = (*inherited, *own)
    names = [c.name for c in columns]
    positions = [c.name for c in own if c.spec and c.spec.source == "position"]
    if spec.key is not None:
        key = tuple(spec.key)
        for k in key:
            if k not in names:
                findings.append(
                    Finding(
                        f"key column '{k}' is not a column of table '{spec.name}' "
                        f"(columns: {', '.join(names)})",
                        spec.location,
                        f"tables.{spec.name}.key",
                    )
                )
    else:
        key = (*inherited_names, *positions)
        if spec.rows is not None and not positions:
            findings.append(
                Finding(
                    f"table '{spec.name}' has rows but no column with source: position and no key, so its rows "
                    f"have no primary key; add e.g. `{spec.name}_seq: {{source: position}}`",
                    spec.location,
                    f"tables.{spec.name}",
                )
            )
    key_cols = {c.name for c in columns if c.name in key}
    columns = tuple(Column(c.name, c.type, False, c.spec) if c.name in key_cols else c for c in columns)
    depth = 0 if parent is None else parent.depth + 1
    return Table(
        name=spec.name,
        columns=columns,
        key=key,
        inherited=tuple(inherited_names),
        parent=spec.parent,
        rows=spec.rows,
        depth=depth,
        spec=spec,
    )


def compile_plan(profile: ProfileSpec) -> Plan:
    """Profile spec -> Plan: table layout, dialect checks, every SQL statement rendered once."""
    from etl.dialects import get_dialect
    from etl.sql import render_statements

    lay = layout(profile.mapping)
    dialect = get_dialect(profile.database.dialect)
    findings = dialect.check_layout(lay, profile)
    if any(f.severity == "error" for f in findings):
        raise ConfigError(f"{profile.path}: invalid for {dialect.name}", findings)
    statements = render_statements(profile, lay, dialect)
    return Plan(profile=profile, layout=lay, dialect=dialect, statements=statements)
