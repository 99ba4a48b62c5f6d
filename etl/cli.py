"""cli: arguments -> one api call -> exit code. Nothing else lives here."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from etl import __version__, api, mapping_accel
from etl.errors import EXIT_BUG, EXIT_USAGE, EtlError
from etl.logcontext import ContextFilter


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with one line, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _profile_overrides(p: argparse.ArgumentParser, run: bool = False) -> None:
    g = p.add_argument_group("overrides (beat the profile and the environment)")
    g.add_argument("--server", help="database host (mssql: host\\instance)")
    g.add_argument("--database", help="database name; for sqlite the file")
    g.add_argument("--instance-id", type=int, help="0-based instance number (app_id %% instance_count)")
    g.add_argument("--instance-count", type=int, help="number of concurrent instances")
    g.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], type=str.upper)
    if run:
        g.add_argument("--workers", type=int, help="mapping worker processes (seed default 4)")
        g.add_argument("--batch-size", type=int, help="records per transaction (seed default 50)")
        g.add_argument(
            "--limit", type=int, help="only the first N source records in app_id order, before partitioning"
        )
        g.add_argument(
            "--enable-pooling", action="store_true", default=None, help="pool database connections"
        )
        g.add_argument("--min-pool-size", type=int, help="connections opened up front")
        g.add_argument("--max-pool-size", type=int, help="most connections at once")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="etl", description="Declarative ETL: XML documents in a database -> typed tables.")
    parser.add_argument(
        "--version", action="version", version=f"etl {__version__} (mapping: {mapping_accel.describe()})"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("validate", help="check profiles and mappings (schema and semantics), for CI")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or globs, profiles and mappings mixed")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("schema", help="print the JSON Schema of mapping or profile files")
    p.add_argument("kind", choices=["mapping", "profile"])
    p.add_argument(
        "--format",
        choices=["json", "markdown"],
        default="json",
        help="markdown: the key reference, as in the README",
    )

    p = sub.add_parser("run", help="extract, map and load the profile's partition of the source")
    p.add_argument("profile")
    _profile_overrides(p, run=True)
    p.add_argument("--retry-failed", action="store_true", help="process records whose last attempt failed")
    p.add_argument(
        "--reprocess", nargs="+", type=int, metavar="ID", help="delete these records' rows and load again"
    )
    p.add_argument("--reprocess-all", action="store_true", help="reprocess every record of the partition")
    p.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="first fill an empty source table with N generated documents (quick start)",
    )
    p.add_argument("--progress", choices=["auto", "bar", "log", "off"])

    p = sub.add_parser("status", help="progress per instance: done, failed, remaining, throughput")
    p.add_argument("profile")
    _profile_overrides(p)
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("failures", help="failed app_ids with their reasons")
    p.add_argument("profile")
    _profile_overrides(p)
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.add_argument("--max", type=int, default=100, metavar="N", help="show at most N (default 100)")

    p = sub.add_parser("render", help="print the SQL the profile runs")
    p.add_argument("profile")
    _profile_overrides(p)
    p.add_argument("--statement", metavar="NAME", help="only this statement (see the list without it)")

    p = sub.add_parser("init", help="create the target schema, tables and processing_log")
    p.add_argument("profile")
    _profile_overrides(p)
    p.add_argument("--drop", action="store_true", help="drop and recreate them (loses loaded rows)")

    p = sub.add_parser("sample", help="fill the source table with generated credit applications")
    p.add_argument("profile")
    _profile_overrides(p)
    p.add_argument("--count", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=42, metavar="S")
    p.add_argument(
        "--start-id", type=int, default=None, metavar="ID", help="first app_id (default: after the last)"
    )

    p = sub.add_parser("preview", help="rows every table gets from one XML file, and what no rule reads")
    p.add_argument("mapping")
    p.add_argument("xml", metavar="FILE.xml")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("--app-id", type=int, default=1, help="record id to map the file as (default 1)")

    p = sub.add_parser("scaffold", help="draft a mapping from sample XML documents")
    p.add_argument("xml", nargs="+", metavar="FILE.xml")
    p.add_argument("-o", "--output", metavar="PATH", help="write here instead of standard output")
    return parser


OVERRIDE_FLAGS = (
    "server",
    "database",
    "workers",
    "batch_size",
    "instance_id",
    "instance_count",
    "log_level",
    "limit",
    "enable_pooling",
    "min_pool_size",
    "max_pool_size",
)


def overrides_of(args: argparse.Namespace) -> dict:
    out = {name: getattr(args, name) for name in OVERRIDE_FLAGS if getattr(args, name, None) is not None}
    if getattr(args, "retry_failed", False):
        out["exclude_failed"] = False
    return out


def _setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    fmt = "%(asctime)s %(levelname)s %(context)s%(message)s"
    handler.setFormatter(logging.Formatter(fmt, "%Y-%m-%d %H:%M:%S"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    _setup_logging(getattr(args, "log_level", None) or "INFO")
    try:
        return api.dispatch(args.command, args, overrides_of(args))
    except EtlError as exc:
        print(f"etl {args.command}: {exc}" if not exc.findings else str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # a bug, not a user mistake: show the traceback
        import traceback

        traceback.print_exc()
        return EXIT_BUG
