"""api: one function per command. Each returns an exit code or a result; only cli prints for the user."""

from __future__ import annotations

import glob
import json
import sys
from argparse import Namespace
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from etl.errors import EXIT_INVALID, EXIT_OK, EtlError, Finding, Location, UsageError


def dispatch(command: str, args: Namespace, overrides: Mapping[str, Any]) -> int:
    """Route one parsed command line to its function."""
    if command == "validate":
        return validate(args.paths, fmt=args.format)
    if command == "schema":
        return schema(args.kind, fmt=args.format)
    if command == "preview":
        from etl.preview import preview

        sys.stdout.write(preview(args.mapping, args.xml, fmt=args.format, app_id=args.app_id))
        return EXIT_OK
    if command == "scaffold":
        from etl.scaffold import scaffold

        text = scaffold([Path(p) for p in args.xml])
        if args.output:
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            Path(args.output).write_text(text, encoding="utf-8")
            print(f"wrote {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return EXIT_OK
    plan = compile_profile(args.profile, overrides)
    if command == "render":
        return render(plan, args.statement)
    if command == "init":
        return init(plan, drop=args.drop)
    if command == "sample":
        return sample(plan, count=args.count, seed=args.seed, start_id=args.start_id)
    if command == "run":
        return run(
            plan,
            reprocess=args.reprocess,
            reprocess_all=args.reprocess_all,
            sample_count=args.sample,
            progress=args.progress,
        )
    if command == "status":
        return status(plan, fmt=args.format)
    if command == "failures":
        return failures(plan, fmt=args.format, limit=args.max)
    raise UsageError(f"unknown command {command!r}")


def compile_profile(profile: str | Path, overrides: Mapping[str, Any] | None = None):
    """Load a profile (with overrides) and compile it into a Plan."""
    from etl.compile import compile_plan
    from etl.config.load import load_profile

    return compile_plan(load_profile(profile, overrides or {}))


def expand_paths(patterns: Iterable[str]) -> list[Path]:
    """Files and globs as the user gave them; a pattern matching nothing is a usage error."""
    out: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise UsageError(f"no file matches {pattern!r}")
        out.extend(Path(m) for m in matches)
    return out


def validate_findings(paths: Iterable[Path]) -> list[Finding]:
    """Schema, semantic and compile findings of every file, sorted by file and line."""
    import os

    from etl.compile import compile_plan, layout
    from etl.config.load import file_environ, kind_of, load_mapping, load_profile, validate_file
    from etl.config.yaml_loader import load_yaml
    from etl.mapping import Mapper

    # Files as written: ETL_INSTANCE_ID and friends are run-time overrides, not part of a file.
    environ = file_environ(os.environ)
    findings: list[Finding] = []
    for path in paths:
        if not path.is_file():
            findings.append(Finding("file not found", Location(str(path))))
            continue
        file_findings = validate_file(path, environ)
        findings.extend(file_findings)
        if any(f.severity == "error" for f in file_findings):
            continue
        try:  # the structural checks of compile: parents, keys, inherited columns; defaults and constants
            if kind_of(load_yaml(path, environ).data) == "mapping":
                Mapper(layout(load_mapping(path, environ)))
            else:
                Mapper(compile_plan(load_profile(path, environ=environ)).layout)
        except EtlError as exc:  # a template or dialect problem must not hide the other files' findings
            found = exc.findings or [Finding(exc.message, Location(str(path)))]
            findings.extend(f for f in found if f not in findings)
    return sorted(findings, key=Finding.sort_key)


def validate(patterns: Iterable[str], fmt: str = "text") -> int:
    """`etl validate`: exit 0 when every file is valid, 1 otherwise."""
    paths = expand_paths(patterns)
    findings = validate_findings(paths)
    errors = [f for f in findings if f.severity == "error"]
    if fmt == "json":
        print(
            json.dumps(
                {
                    "files": [str(p) for p in paths],
                    "valid": not errors,
                    "findings": [f.to_dict() for f in findings],
                },
                indent=2,
            )
        )
    else:
        for f in findings:
            print(f)
        warnings = len(findings) - len(errors)
        summary = f"{len(paths)} file(s) checked: {len(errors)} error(s), {warnings} warning(s)"
        print(summary, file=sys.stderr)
    return EXIT_INVALID if errors else EXIT_OK


def schema(kind: str, fmt: str = "json") -> int:
    """`etl schema`: print the JSON Schema (or its Markdown key reference)."""
    from etl.config import schema as schemas

    if fmt == "markdown":
        from etl.config.reference import markdown

        print(markdown(kind))
    else:
        print(json.dumps(schemas.schema(kind), indent=2, ensure_ascii=False))
    return EXIT_OK


def render(plan, statement: str | None = None) -> int:
    """`etl render`: print the rendered SQL, all statements or one."""
    listing = plan.statements.listing()
    if statement is not None:
        chosen = [(n, sql) for n, sql in listing if n == statement or n.split(".")[0] == statement]
        if not chosen:
            names = sorted({n.split(".")[0] for n, _ in listing})
            raise UsageError(f"unknown statement {statement!r} (statements: {', '.join(names)})")
        listing = chosen
    for name, sql in listing:
        print(f"-- {name}\n{sql.strip()}\n")
    return EXIT_OK


def init(plan, drop: bool = False) -> int:
    """`etl init`: create the target schema, tables and processing_log (recreate them with drop)."""
    from etl.connectors import connect
    from etl.target import init_target

    with connect(plan) as conn:
        for line in init_target(conn, plan, drop=drop):
            print(line)
    return EXIT_OK


def sample(plan, count: int, seed: int = 42, start_id: int | None = None) -> int:
    """`etl sample`: fill the source table with generated documents."""
    from etl.connectors import connect
    from etl.target import fill_sample

    with connect(plan) as conn:
        first, last = fill_sample(conn, plan, count=count, seed=seed, start_id=start_id)
    print(
        f"inserted {count} sample documents into {plan.profile.source.table} (app_id {first}..{last}, seed {seed})"
    )
    return EXIT_OK


def run(
    plan,
    reprocess: list[int] | None = None,
    reprocess_all: bool = False,
    sample_count: int | None = None,
    progress: str | None = None,
) -> int:
    """`etl run`: the partitioned, resumable load. Exit 1 when any record failed."""
    from etl.engine.run import run_plan

    summary = run_plan(
        plan, reprocess=reprocess, reprocess_all=reprocess_all, sample_count=sample_count, progress=progress
    )
    return EXIT_INVALID if summary.failed else EXIT_OK


def status(plan, fmt: str = "text") -> int:
    """`etl status`: done, failed, remaining per instance and overall."""
    from etl.engine.status import format_status, read_status

    report = read_status(plan)
    print(json.dumps(report, indent=2, default=str) if fmt == "json" else format_status(report))
    return EXIT_OK


def failures(plan, fmt: str = "text", limit: int = 100) -> int:
    """`etl failures`: failed app_ids with their reasons."""
    from etl.engine.status import format_failures, read_failures

    rows = read_failures(plan, limit=limit)
    print(format_failures(rows, fmt))
    return EXIT_OK
