"""seed_approach: the seed's way, as a peer: one process, an uncompiled XPath per field, row-by-row INSERTs,
a processing_log check and insert and a commit per record, through psycopg or pyodbc.

Run: python -m bench.peers.seed_approach --schema S --max-id K [--connector psycopg|odbc]
(the target tables come from `etl init`; prints one JSON line with the counts).
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import UTC, datetime

from lxml import etree

from bench.harness import SOURCE_TABLE, layout, odbc_connection_string, pg_connect
from bench.peers.rules import XSI_NIL, Problem, apply, item_text


def extract(lay, root, app_id: int) -> dict[str, list[tuple]]:
    """Every table's rows of one document, evaluating each rule's XPath string afresh, as the seed did."""
    rows: dict[str, list[tuple]] = {}
    elements: dict[str, list[tuple[tuple, object]]] = {}  # table -> (key values, row element)
    if root.tag != lay.mapping.root:
        raise Problem(f"root is {root.tag}, expected {lay.mapping.root}")
    ns = lay.mapping.nsmap or None
    for table in lay.tables:
        spec = table.spec
        parents = elements[table.parent] if table.parent else [((app_id,), root)]
        out, mine = [], []
        for parent_key, parent_el in parents:
            row_els = parent_el.xpath(spec.rows, namespaces=ns) if spec.rows else [parent_el]
            for position, el in enumerate(row_els, 1):
                values = list(parent_key)
                for col in table.own_columns:
                    cs = col.spec
                    if cs.source == "position":
                        values.append(position)
                    elif cs.source == "id":
                        values.append(app_id)
                    elif cs.source == "const":
                        values.append(apply(cs, None if cs.value is None else str(cs.value)))
                    else:
                        values.append(apply(cs, _first(el, cs, ns)))
                out.append(tuple(values))
                key = tuple(v for c, v in zip(table.column_names, values, strict=True) if c in table.key)
                mine.append((key, el))
        rows[table.name] = out
        elements[table.name] = mine
    return rows


def _first(el, cs, ns) -> str | None:
    """The text of the rule's match; for a coalesce, of the first path whose match is not blank."""
    for path in cs.xpaths:
        found = el.xpath(path, namespaces=ns)
        if isinstance(found, list):
            if not found:
                continue
            if len(found) > 1 and not cs.first:
                raise Problem(f"{path} matched {len(found)} nodes")
            item = found[0]
            text = "" if not isinstance(item, str) and item.get(XSI_NIL) in ("true", "1") else item_text(item)
        else:
            text = str(found)
        if len(cs.xpaths) == 1 or text.strip():
            return text
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--max-id", type=int, required=True)
    ap.add_argument("--connector", choices=["psycopg", "odbc"], default="psycopg")
    args = ap.parse_args()
    lay = layout()
    if args.connector == "odbc":
        import pyodbc

        conn = pyodbc.connect(odbc_connection_string(), autocommit=False)
        mark = "?"
    else:
        conn = pg_connect(autocommit=False)
        mark = "%s"
    cur = conn.cursor()
    inserts = {
        t.name: f'INSERT INTO "{args.schema}"."{t.name}" ({", ".join(t.column_names)}) '
        f"VALUES ({', '.join([mark] * len(t.columns))})"
        for t in lay.tables
    }
    log_sql = (
        f'INSERT INTO "{args.schema}".processing_log (app_id, status, instance_id, session_id, batch_id, '
        f"attempts, error, mapping_hash, started_at, finished_at, duration_ms) "
        f"VALUES ({', '.join([mark] * 11)})"
    )
    seen_sql = f'SELECT 1 FROM "{args.schema}".processing_log WHERE app_id = {mark}'
    session = datetime.now().strftime("%Y%m%d_%H%M%S")
    cur.execute(
        f"SELECT app_id, app_xml FROM {SOURCE_TABLE} WHERE app_id <= {mark} ORDER BY app_id", (args.max_id,)
    )
    records = cur.fetchall()  # the seed extracted its whole partition up front
    conn.commit()
    ok = failed = 0
    for app_id, xml in records:
        started = datetime.now(UTC).replace(tzinfo=None)
        cur.execute(seen_sql, (app_id,))
        if cur.fetchone():
            conn.commit()
            continue
        error = None
        try:
            root = etree.fromstring(xml.encode("utf-8"))
            for table, rows in extract(lay, root, app_id).items():
                for row in rows:
                    cur.execute(inserts[table], row)
        except (Problem, etree.XMLSyntaxError) as exc:
            conn.rollback()
            error = str(exc)
        finished = datetime.now(UTC).replace(tzinfo=None)
        ms = int((finished - started).total_seconds() * 1000)
        cur.execute(
            log_sql,
            (
                app_id,
                "failed" if error else "success",
                0,
                session,
                uuid.uuid4().hex,
                1,
                error,
                lay.mapping_hash,
                started,
                finished,
                ms,
            ),
        )
        conn.commit()
        failed += error is not None
        ok += error is None
    conn.close()
    print(json.dumps({"records": len(records), "succeeded": ok, "failed": failed}))


if __name__ == "__main__":
    main()
