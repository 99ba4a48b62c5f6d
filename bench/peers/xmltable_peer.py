"""xmltable_peer: the mapping as PostgreSQL XMLTABLE in INSERT ... SELECT, run in the database.

Run: python -m bench.peers.xmltable_peer --schema S --max-id K (target tables from `etl init`).
The SQL is xmltable_peer.sql beside this file; it says how it handles XMLTABLE's pitfalls. One call
loads every document in one transaction, each document in its own subtransaction.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.harness import pg_connect

SQL = Path(__file__).with_suffix(".sql")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--max-id", type=int, required=True)
    args = ap.parse_args()
    with pg_connect(autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (f'"{args.schema}"',))
        conn.execute(SQL.read_text())
        loaded, failed = conn.execute("SELECT * FROM pg_temp.load_all(%s)", (args.max_id,)).fetchone()
    print(json.dumps({"records": loaded + failed, "succeeded": loaded, "failed": failed}))


if __name__ == "__main__":
    main()
