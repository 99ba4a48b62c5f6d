"""bounds: lower bounds on the cost of a load, each alone in one process: fetch, parse, parse + map, COPY.

Run: python -m bench.bounds fetch|parse|map|copy --max-id K [--schema S] [--batch-size B]
Prints one JSON line: records, seconds (of the measured phase only; documents are read beforehand for
parse, map and copy) and, for map and copy, the row counts per table.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator

from bench.harness import SOURCE_TABLE, layout, pg_connect


def _documents(max_id: int) -> list[tuple[int, str]]:
    with pg_connect() as conn:
        return conn.execute(
            f"SELECT app_id, app_xml FROM {SOURCE_TABLE} WHERE app_id <= %s ORDER BY app_id", (max_id,)
        ).fetchall()


def fetch(max_id: int) -> dict:
    """Documents through a server-side cursor, as an extractor reads them, and nothing else."""
    started = time.perf_counter()
    count = size = 0
    with pg_connect(autocommit=False) as conn, conn.cursor(name="bench_fetch") as cur:
        cur.itersize = 2000
        cur.execute(
            f"SELECT app_id, app_xml FROM {SOURCE_TABLE} WHERE app_id <= %s ORDER BY app_id", (max_id,)
        )
        for _app_id, xml in cur:
            count += 1
            size += len(xml)
    return {"records": count, "seconds": time.perf_counter() - started, "mean_chars": size // max(count, 1)}


def parse(max_id: int) -> dict:
    """lxml alone: `etree.fromstring` on bytes with default options, one process."""
    from lxml import etree

    docs = [xml.encode("utf-8") for _, xml in _documents(max_id)]
    fromstring = etree.fromstring
    started = time.perf_counter()
    for data in docs:
        fromstring(data)
    return {"records": len(docs), "seconds": time.perf_counter() - started}


def _mapped(records: list[tuple[int, str | bytes]]) -> Iterator[dict[str, list[tuple]] | None]:
    """The rows of each record by table, None for a record that fails."""
    from etl.mapping import Mapper

    mapper = Mapper(layout())
    for app_id, xml in records:
        rows, errors = mapper.map(app_id, xml)
        yield None if errors else rows


def _map_all(records: list[tuple[int, str]]) -> tuple[dict[str, list[tuple]], int]:
    out: dict[str, list[tuple]] = {}
    failed = 0
    for rows in _mapped(records):
        if rows is None:
            failed += 1
            continue
        for table, table_rows in rows.items():
            out.setdefault(table, []).extend(table_rows)
    return out, failed


def map_only(max_id: int) -> dict:
    """Parse + map with etl's Mapper, no database, one process, on the parse bound's bytes. Rows are
    counted and dropped, as a worker hands each batch on: keeping all of them alive made the garbage
    collector walk them and measured memory, not mapping."""
    docs = [(app_id, xml.encode("utf-8")) for app_id, xml in _documents(max_id)]
    counts: dict[str, int] = {}
    failed = 0
    mapped = _mapped(docs)
    started = time.perf_counter()
    for rows in mapped:
        if rows is None:
            failed += 1
            continue
        for table, table_rows in rows.items():
            counts[table] = counts.get(table, 0) + len(table_rows)
    seconds = time.perf_counter() - started
    return {"records": len(docs), "seconds": seconds, "failed": failed, "rows": counts}


def copy(max_id: int, schema: str, batch_size: int) -> dict:
    """COPY of rows mapped beforehand, one transaction per batch of records, as a loader would."""
    records = _documents(max_id)
    tables = layout().tables
    batches = []
    for start in range(0, len(records), batch_size):
        rows, _ = _map_all(records[start : start + batch_size])
        batches.append(rows)
    started = time.perf_counter()
    with pg_connect(autocommit=False) as conn:
        cur = conn.cursor()
        for rows in batches:
            with conn.transaction():
                for t in tables:
                    columns = ", ".join(f'"{c}"' for c in t.column_names)
                    with cur.copy(f'COPY "{schema}"."{t.name}" ({columns}) FROM STDIN') as cp:
                        for row in rows.get(t.name, ()):
                            cp.write_row(row)
    return {"records": len(records), "seconds": time.perf_counter() - started}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["fetch", "parse", "map", "copy"])
    ap.add_argument("--max-id", type=int, required=True)
    ap.add_argument("--schema")
    ap.add_argument("--batch-size", type=int, default=200)
    args = ap.parse_args()
    if args.kind == "fetch":
        result = fetch(args.max_id)
    elif args.kind == "parse":
        result = parse(args.max_id)
    elif args.kind == "map":
        result = map_only(args.max_id)
    else:
        result = copy(args.max_id, args.schema, args.batch_size)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
