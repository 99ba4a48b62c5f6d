"""pandas_peer: pandas `read_xml` + `to_sql` (SQLAlchemy on psycopg), loading the same tables as etl.

Run: python -m bench.peers.pandas_peer --schema S --max-id K (target tables from `etl init`).

read_xml's pitfalls (TRAPS.md) and the workarounds used here:
* it reads only the direct children and attributes of the matched nodes: one XSLT per table, generated
  from the mapping, flattens each row element (nested paths, parents' positions, app_id) into one element
  whose children are the columns; pandas applies it through `stylesheet=`;
* it turns "N/A", "NA", "null", "None" into NaN whatever the dtype: the XSLT prefixes every value that
  exists with "_", so no value equals a NA marker and an empty element stays '' (a missing one is NaN);
* it strips leading zeros (ZIP codes) unless told the dtype: dtype=str, and the prefix keeps them anyway.
The column rules (trim, nullif, map, default, types, errors) are then applied per column in Python,
records with an error are dropped from every table, and each chunk is appended in one transaction.
"""

from __future__ import annotations

import argparse
import io
import json
from xml.sax.saxutils import quoteattr

import pandas as pd

from bench.harness import PG, SOURCE_TABLE, layout, pg_connect
from bench.peers.rules import Problem, apply

CHUNK = 500


def stylesheet(lay, table) -> bytes:
    """XSLT: /docs/doc[@id] -> /t/r rows of `table` with its key and one `_value` element per rule path."""
    chain = []
    t = table
    while t is not None:
        chain.append(t)
        t = lay.table(t.parent) if t.parent else None
    chain.reverse()
    out = [
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">',
        '<xsl:output method="xml" encoding="UTF-8"/>',
        '<xsl:template match="/"><t>',
        '<xsl:for-each select="/docs/doc">',
        '<xsl:variable name="app_id" select="@id"/>',
        f"<xsl:for-each select={quoteattr(lay.mapping.root)}>",
    ]
    keys = ['<app_id><xsl:value-of select="$app_id"/></app_id>']
    closers = ["</xsl:for-each>", "</xsl:for-each>"]
    for level, t in enumerate(chain):
        if t.rows:
            out.append(f"<xsl:for-each select={quoteattr(t.rows)}>")
            closers.append("</xsl:for-each>")
            pos = next(c.name for c in t.own_columns if c.spec.source == "position")
            if t is table:
                keys.append(f'<{pos}><xsl:value-of select="position()"/></{pos}>')
            else:
                out.append(f'<xsl:variable name="k{level}" select="position()"/>')
                keys.append(f'<{pos}><xsl:value-of select="$k{level}"/></{pos}>')
    out.append("<r>")
    out.extend(keys)
    for col in table.own_columns:
        for i, path in enumerate(col.spec.xpaths):
            sel = quoteattr(path)
            out.append(
                f"<v_{col.name}_{i}><xsl:if test={quoteattr(f'count({path}) > 0')}>_"
                f"<xsl:value-of select={sel}/></xsl:if></v_{col.name}_{i}>"
            )
            out.append(
                f"<n_{col.name}_{i}><xsl:value-of select={quoteattr(f'count({path})')}/></n_{col.name}_{i}>"
            )
    out.append("</r>")
    out.extend(reversed(closers))
    out.append("</t></xsl:template></xsl:stylesheet>")
    return "".join(out).encode()


def sql_types(table) -> dict:
    """SQLAlchemy types per column: to_sql binds object columns as text otherwise, which PostgreSQL refuses."""
    from sqlalchemy import types

    simple = {
        "int": types.Integer,
        "bigint": types.BigInteger,
        "smallint": types.SmallInteger,
        "float": types.Float,
        "bool": types.Boolean,
        "text": types.Text,
        "date": types.Date,
        "datetime": types.DateTime,
        "time": types.Time,
    }
    out = {}
    for col in table.columns:
        name = col.type.name
        if name == "decimal":
            out[col.name] = types.Numeric(col.type.precision, col.type.scale, asdecimal=True)
        elif name in ("varchar", "nvarchar"):
            out[col.name] = types.String(col.type.length)
        else:
            out[col.name] = simple.get(name, types.Text)()
    return out


def wrap(records: list[tuple[int, str]]) -> bytes:
    """Many documents as one: declarations dropped, each under <doc id=...>."""
    parts = ["<docs>"]
    for app_id, xml in records:
        if xml.startswith("<?xml"):
            xml = xml[xml.index("?>") + 2 :]
        parts.append(f'<doc id="{app_id}">{xml}</doc>')
    parts.append("</docs>")
    return "".join(parts).encode("utf-8")


def frame(lay, table, sheets: dict, data: bytes, bad: set[int]) -> pd.DataFrame:
    """One table's typed rows for a chunk; app_ids whose values break a rule go to `bad`."""
    try:
        raw = pd.read_xml(
            io.BytesIO(data),
            xpath="/t/r",
            stylesheet=io.BytesIO(sheets[table.name]),
            dtype=str,
            parser="lxml",
        )
    except ValueError:  # no row element in this chunk
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in table.column_names})
    ids = raw["app_id"].astype(int).tolist()
    columns = {"app_id": ids}
    for name in table.inherited[1:]:
        columns[name] = raw[name].astype(int).tolist()
    for col in table.own_columns:
        cs = col.spec
        if cs.source == "position":
            columns[col.name] = raw[col.name].astype(int).tolist()
            continue
        texts = [
            [None if pd.isna(v) else v[1:] for v in raw.get(f"v_{col.name}_{i}", [None] * len(raw))]
            for i in range(len(cs.xpaths))
        ]
        counts = [
            raw.get(f"n_{col.name}_{i}", pd.Series(["0"] * len(raw))).astype(int).tolist()
            for i in range(len(cs.xpaths))
        ]
        values = []
        for row, app_id in enumerate(ids):
            try:
                if not cs.first and any(c[row] > 1 for c in counts):
                    raise Problem(f"{col.name}: several matches")
                chosen = None
                for t in texts:
                    if t[row] is not None and (len(texts) == 1 or t[row].strip()):
                        chosen = t[row]
                        break
                values.append(apply(cs, chosen))
            except Problem:
                bad.add(app_id)
                values.append(None)
        columns[col.name] = values
    return pd.DataFrame({c: pd.Series(columns[c], dtype=object) for c in table.column_names})


def main() -> None:
    from sqlalchemy import create_engine

    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--max-id", type=int, required=True)
    args = ap.parse_args()
    lay = layout()
    sheets = {t.name: stylesheet(lay, t) for t in lay.tables}
    dtypes = {t.name: sql_types(t) for t in lay.tables}
    for t in lay.tables:
        if t.rows and sum(c.spec.source == "position" for c in t.own_columns) != 1:
            raise SystemExit(f"pandas peer: table {t.name} needs exactly one position column")
    engine = create_engine(f"postgresql+psycopg://{PG['user']}@{PG['host']}:{PG['port']}/{PG['dbname']}")
    with pg_connect() as conn:
        records = conn.execute(
            f"SELECT app_id, app_xml FROM {SOURCE_TABLE} WHERE app_id <= %s ORDER BY app_id", (args.max_id,)
        ).fetchall()
    failed = 0
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        data = wrap(chunk)
        bad: set[int] = set()
        frames = {t.name: frame(lay, t, sheets, data, bad) for t in lay.tables}
        failed += len(bad)
        with engine.begin() as db:
            for t in lay.tables:
                df = frames[t.name]
                if bad:
                    df = df[~df["app_id"].isin(bad)]
                if len(df):
                    df.to_sql(
                        t.name, db, schema=args.schema, if_exists="append", index=False, dtype=dtypes[t.name]
                    )
    engine.dispose()
    print(json.dumps({"records": len(records), "succeeded": len(records) - failed, "failed": failed}))


if __name__ == "__main__":
    main()
