"""corpus: N `etl sample` documents in PostgreSQL (schema bench) and in a SQLite file, built once and reused."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench.harness import OUT, SOURCE_SCHEMA, SOURCE_TABLE, etl, pg_connect, write_profile

META = OUT / "corpus.json"


@dataclass(frozen=True)
class Corpus:
    n: int
    seed: int
    sqlite_file: Path  # holds only the source table; each SQLite run loads into a copy of it
    first_id: int = 1

    def max_id(self, prefix: int | None = None) -> int:
        """The last app_id of the first `prefix` records (ids are consecutive from first_id)."""
        return self.first_id + min(prefix or self.n, self.n) - 1


def _meta() -> dict:
    try:
        return json.loads(META.read_text())
    except (OSError, ValueError):
        return {}


def _pg_count() -> int | None:
    with pg_connect() as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (SOURCE_TABLE,)).fetchone()[0]
        if exists is None:
            return None
        return int(conn.execute(f"SELECT count(*) FROM {SOURCE_TABLE}").fetchone()[0])


def _sqlite_count(path: Path) -> int | None:
    if not path.exists():
        return None
    with sqlite3.connect(path) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM app_xml").fetchone()[0])
        except sqlite3.Error:
            return None


def ensure(n: int, seed: int, log=print) -> Corpus:
    """Build the corpus in both databases unless it is already there with the same N and seed."""
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(n, seed, OUT / f"corpus_{n}_{seed}.db")
    meta = _meta()
    want = {"n": n, "seed": seed}
    if meta.get("pg") == want and _pg_count() == n:
        log(f"corpus: reusing {n} documents (seed {seed}) in PostgreSQL {SOURCE_TABLE}")
    else:
        log(f"corpus: generating {n} documents (seed {seed}) into PostgreSQL {SOURCE_TABLE} ...")
        with pg_connect() as conn:
            conn.execute(f"DROP TABLE IF EXISTS {SOURCE_TABLE}")
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SOURCE_SCHEMA}")
        profile = write_profile("corpus_pg", dialect="postgresql", target_schema="bench_corpus")
        etl("sample", str(profile), "--count", str(n), "--seed", str(seed), "--start-id", "1")
        with pg_connect() as conn:
            conn.execute(f"ANALYZE {SOURCE_TABLE}")
        meta["pg"] = want
        META.write_text(json.dumps(meta))
    if meta.get("sqlite") == want and _sqlite_count(corpus.sqlite_file) == n:
        log(f"corpus: reusing {corpus.sqlite_file.name}")
    else:
        log(f"corpus: generating {n} documents (seed {seed}) into {corpus.sqlite_file.name} ...")
        corpus.sqlite_file.unlink(missing_ok=True)
        profile = write_profile("corpus_sqlite", dialect="sqlite", sqlite_file=corpus.sqlite_file)
        etl("sample", str(profile), "--count", str(n), "--seed", str(seed), "--start-id", "1")
        meta["sqlite"] = want
        META.write_text(json.dumps(meta))
    _check_same(corpus)
    return corpus


def _check_same(corpus: Corpus) -> None:
    """Both databases must hold the same documents, or the SQLite and PostgreSQL rates are not comparable."""
    import hashlib

    with pg_connect() as conn:
        pg = conn.execute(
            f"SELECT md5(string_agg(md5(app_xml), '' ORDER BY app_id)) FROM {SOURCE_TABLE}"
        ).fetchone()
    digest = hashlib.md5()
    with sqlite3.connect(corpus.sqlite_file) as conn:
        for (doc,) in conn.execute("SELECT app_xml FROM app_xml ORDER BY app_id"):
            text = doc if isinstance(doc, str) else doc.decode("utf-8")
            digest.update(hashlib.md5(text.encode("utf-8")).hexdigest().encode())
    if pg[0] != digest.hexdigest():
        raise RuntimeError("the PostgreSQL and SQLite corpora differ; delete bench/out/corpus.json and rerun")


def documents(limit: int | None = None) -> list[tuple[int, str]]:
    """(app_id, document) in app_id order from PostgreSQL, for the in-process bounds and peers."""
    with pg_connect() as conn:
        sql = f"SELECT app_id, app_xml FROM {SOURCE_TABLE} ORDER BY app_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [(int(a), x) for a, x in conn.execute(sql).fetchall()]
