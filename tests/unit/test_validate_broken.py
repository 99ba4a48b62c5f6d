"""`etl validate` on the broken-config corpus: one mistake per file, one exact line per mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

B = "tests/data/broken"
ALLOWED_TYPES = "int, bigint, smallint, decimal(p,s), float, bool, varchar(n), nvarchar(n), text, date, datetime, time, uuid"

# file -> (the exact line `etl validate FILE` prints, the text an editor finds at that line:col)
CASES: dict[str, tuple[str, str]] = {
    "yaml_syntax.yaml": (
        f"{B}/yaml_syntax.yaml:4:7: error: YAML syntax error: expected ',' or '}}', but got ':' "
        "(in the flow mapping started at line 3, column 11)",
        ":",
    ),
    "unknown_key.yaml": (
        f"{B}/unknown_key.yaml:11:3: error: run.batch_sise: unknown key 'batch_sise' (did you mean 'batch_size'?)",
        "batch_sise",
    ),
    "wrong_type.yaml": (
        f"{B}/wrong_type.yaml:11:15: error: run.batch_size: expected an integer, got 'ten'",
        "ten",
    ),
    "bad_xpath.yaml": (
        f"{B}/bad_xpath.yaml:9:20: error: tables.applicant.columns.dob.xpath: invalid XPath 'DOB/@@x': "
        "invalid expression",
        "DOB/@@x",
    ),
    "bad_identifier.yaml": (
        f"{B}/bad_identifier.yaml:7:10: error: source.table: 'users; DROP TABLE x' is not a valid SQL identifier "
        "(letters, digits and _, not starting with a digit; reserved words such as order are fine)",
        '"users; DROP TABLE x"',
    ),
    "instance_out_of_range.yaml": (
        f"{B}/instance_out_of_range.yaml:10:16: error: partition.instance_id: "
        "Invalid instance configuration: instance_id=3 must be < instance_count=3 and >= 0",
        "3",
    ),
    "extends_cycle.yaml": (
        # The error points at the `extends` that closes the loop, which is in the base file.
        f"{B}/extends_cycle_base.yaml:3:10: error: extends: extends cycle: {B}/extends_cycle.yaml -> "
        f"{B}/extends_cycle_base.yaml -> {B}/extends_cycle.yaml",
        "extends_cycle.yaml",
    ),
    "unset_env.yaml": (
        f"{B}/unset_env.yaml:5:11: error: database.server: environment variable ETL_BROKEN_UNSET_HOST is not set "
        "(write ${ETL_BROKEN_UNSET_HOST:-default} to give a default)",
        "${ETL_BROKEN_UNSET_HOST}",
    ),
    "missing_mapping.yaml": (
        f"{B}/missing_mapping.yaml:8:10: error: mapping: mapping file not found: mappings/no_such_mapping.yaml",
        "../../../mappings/no_such_mapping.yaml",
    ),
    "literal_password.yaml": (
        f"{B}/literal_password.yaml:8:13: error: database.password: passwords come only from the environment: "
        "write ${ETL_DB_PASSWORD} (or another variable) instead of the password itself",
        "hunter2",
    ),
    "unknown_column_type.yaml": (
        f"{B}/unknown_column_type.yaml:7:67: error: tables.application.columns.application_number.type: "
        f"unknown column type 'varchar2(20)' (allowed: {ALLOWED_TYPES})",
        "varchar2(20)",
    ),
    "child_without_position.yaml": (
        f"{B}/child_without_position.yaml:5:3: error: tables.applicant: table 'applicant' has rows but no column "
        "with source: position and no key, so its rows have no primary key; add e.g. "
        "`applicant_seq: {source: position}`",
        "applicant:",
    ),
    "bad_default.yaml": (
        f"{B}/bad_default.yaml:7:7: error: tables.application.columns.term_months.default: default 'twelve' is not an integer "
        "(smallint)",
        "term_months",
    ),
    "missing_parent.yaml": (
        f"{B}/missing_parent.yaml:10:13: error: tables.address.parent: parent table 'applicants' is not defined "
        "(tables: applicant, address)",
        "applicants",
    ),
}


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ETL_BROKEN_UNSET_HOST", "ETL_INSTANCE_ID", "ETL_INSTANCE_COUNT", "JOB_COMPLETION_INDEX"):
        monkeypatch.delenv(var, raising=False)


def test_every_broken_file_has_a_case() -> None:
    files = {p.name for p in (REPO / B).glob("*.yaml")} - {"extends_cycle_base.yaml"}
    assert files == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_file_gives_its_line(name: str, cli, in_repo) -> None:
    expected, _ = CASES[name]
    result = cli("validate", f"{B}/{name}")
    assert result.code == 1
    assert result.out == expected + "\n"
    assert result.err == "1 file(s) checked: 1 error(s), 0 warning(s)\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_location_is_where_an_editor_should_jump(name: str) -> None:
    expected, token = CASES[name]
    file, line, col = expected.split(": ", 1)[0].rsplit(":", 2)
    text = (REPO / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert text[int(col) - 1 :].startswith(token), (text, col)


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_gives_the_same_findings(name: str, cli, in_repo) -> None:
    expected, _ = CASES[name]
    result = cli("validate", "--format", "json", f"{B}/{name}")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["valid"] is False
    assert report["files"] == [f"{B}/{name}"]
    [f] = report["findings"]
    key = f"{f['key']}: " if f["key"] else ""
    assert f"{f['file']}:{f['line']}:{f['col']}: {f['severity']}: {key}{f['message']}" == expected


def test_shipped_configs_and_mappings_are_valid(cli, in_repo) -> None:
    result = cli("validate", "configs/*.yaml", "mappings/*.yaml")
    assert (result.code, result.out) == (0, "")
    shipped = len(list(REPO.glob("configs/*.yaml"))) + len(list(REPO.glob("mappings/*.yaml")))
    assert result.err == f"{shipped} file(s) checked: 0 error(s), 0 warning(s)\n"


def test_shipped_json_report_is_valid(cli, in_repo) -> None:
    result = cli("validate", "--format", "json", "configs/*.yaml", "mappings/*.yaml")
    assert result.code == 0
    assert json.loads(result.out)["valid"] is True


def test_whole_folder_in_one_subprocess_sorted_by_file_and_line() -> None:
    """The real entry point: every error of every file in one run, in file and line order, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETL_", "JOB_COMPLETION"))}
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "validate", f"{B}/*.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    # Both halves of the cycle are checked, so the loop is reported from each side.
    cycle_from_base = (
        f"{B}/extends_cycle.yaml:3:10: error: extends: extends cycle: {B}/extends_cycle_base.yaml -> "
        f"{B}/extends_cycle.yaml -> {B}/extends_cycle_base.yaml"
    )
    expected = {line for line, _ in CASES.values()} | {cycle_from_base}
    assert set(lines) == expected
    keys = [(ln.split(":")[0], int(ln.split(":")[1])) for ln in lines]
    assert keys == sorted(keys)
    assert proc.stderr.strip().endswith(
        f"{len(CASES) + 1} file(s) checked: {len(lines)} error(s), 0 warning(s)"
    )


def test_several_files_mixed_valid_and_broken(cli, in_repo) -> None:
    result = cli("validate", f"{B}/wrong_type.yaml", "configs/example.yaml", f"{B}/bad_xpath.yaml")
    assert result.code == 1
    assert result.out.splitlines() == [CASES["bad_xpath.yaml"][0], CASES["wrong_type.yaml"][0]]


def test_all_errors_of_one_file_sorted_by_line(tmp_path: Path, cli) -> None:
    (tmp_path / "p.yaml").write_text(
        "database: {dialect: sqlite, database: x.db}\n"
        "source: {table: app_xml}\n"
        "mapping: m.yaml\n"
        "run:\n"
        "  workerz: 2\n"
        "  batch_size: -1\n"
        "  log_level: LOUD\n"
        "pool: {enabled: maybe}\n"
    )
    result = cli("validate", str(tmp_path / "p.yaml"))
    p = tmp_path / "p.yaml"
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{p}:5:3: error: run.workerz: unknown key 'workerz' (did you mean 'workers'?)",
        f"{p}:6:15: error: run.batch_size: must be >= 1, got -1",
        f"{p}:7:14: error: run.log_level: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'",
        f"{p}:8:17: error: pool.enabled: expected true or false, got 'maybe'",
    ]


def test_semantic_errors_of_a_mapping_all_reported(tmp_path: Path, cli) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(
        "root: Doc\n"
        "tables:\n"
        "  doc:\n"
        "    columns:\n"
        "      a: {xpath: 'A[', type: int}\n"
        "      b: {xpath: B, type: money}\n"
        "      c-d: {xpath: C, type: int}\n"
        "      e: {xpath: 'x:E', type: int}\n"
    )
    result = cli("validate", str(m))
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{m}:5:18: error: tables.doc.columns.a.xpath: invalid XPath 'A[': invalid expression",
        f"{m}:6:27: error: tables.doc.columns.b.type: unknown column type 'money' (allowed: {ALLOWED_TYPES})",
        f"{m}:7:7: error: tables.doc.columns.c-d: 'c-d' is not a valid SQL identifier (letters, digits and _, "
        "not starting with a digit; reserved words such as order are fine)",
        f"{m}:8:18: error: tables.doc.columns.e.xpath: invalid XPath 'x:E': undefined namespace prefix x "
        "(declare it under namespaces)",
    ]


def test_reserved_words_are_fine_and_whole_document_xpath_warns(tmp_path: Path, cli) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(
        "root: Doc\n"
        "tables:\n"
        "  order:\n"
        "    rows: Items/Item\n"
        "    columns:\n"
        "      seq: {source: position}\n"
        "      select: {xpath: //Name, type: varchar(10)}\n"
    )
    result = cli("validate", str(m))
    assert result.code == 0
    assert result.out == (
        f"{m}:7:23: warning: tables.order.columns.select.xpath: '//Name' searches the whole document, "
        "not this row's element: did you mean './/Name'?\n"
    )
    assert result.err == "1 file(s) checked: 0 error(s), 1 warning(s)\n"


YAML_MISTAKES = {
    "duplicate_key": (
        "database:\n  dialect: sqlite\n  dialect: mssql\n",
        ":3:3: error: database.dialect: duplicate key 'dialect' (first written at line 2)",
    ),
    "tab": (
        "run:\n\tworkers: 2\n",
        ":2:1: error: YAML syntax error: found character '\\t' that cannot start any token",
    ),
    "empty": (
        "",
        ":1:1: error: neither a profile (database/source/mapping keys) nor a mapping (root/tables keys)",
    ),
    "list": (
        "- a\n- b\n",
        ":1:1: error: neither a profile (database/source/mapping keys) nor a mapping (root/tables keys)",
    ),
    "recursive_alias": (
        "a: &a [*a]\n",
        ":1:4: error: YAML error: an alias refers to a node that contains it",
    ),
    "deep": ("a: " + "[" * 5000 + "]" * 5000 + "\n", ": error: YAML error: nested too deeply"),
    "flow_env": (
        "database: {dialect: postgresql, password: ${PW}}\n",
        ":1:44: error: YAML syntax error: expected "
        "',' or '}', but got '{'; inside { } quote values holding ${VAR}, e.g. "
        'password: "${DB_PASSWORD}"',
    ),
    "not_utf8": (
        b"\xff\xfe",
        ": error: cannot read file: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    ),
}


@pytest.mark.parametrize("name", sorted(YAML_MISTAKES))
def test_yaml_level_mistakes_are_one_line_not_a_traceback(name: str, tmp_path: Path, cli) -> None:
    text, tail = YAML_MISTAKES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = cli("validate", str(path))
    assert result.code == 1
    assert result.out == f"{path}{tail}\n"


def test_billion_laughs_is_refused_quickly(tmp_path: Path, cli) -> None:
    lines = ["a: &a [1,2,3,4,5,6,7,8,9,0]"]
    for prev, cur in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = cli("validate", str(path))
    assert result.code == 1
    assert "more than 200000 values once aliases are expanded" in result.out


def test_missing_file_and_directory_are_findings(tmp_path: Path, cli) -> None:
    result = cli("validate", str(tmp_path / "nope.yaml"), str(tmp_path))
    assert result.code == 1
    assert sorted(result.out.splitlines()) == sorted(
        [f"{tmp_path / 'nope.yaml'}: error: file not found", f"{tmp_path}: error: file not found"]
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["validate"],
        ["validate", "--format", "xml", "configs/example.yaml"],
        ["validate", "no/such/dir/*.yaml"],
        ["bogus"],
        ["run"],
        ["run", "configs/example.yaml", "--instance-id", "one"],
        ["schema", "table"],
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_usage_errors_exit_2(argv: list[str], cli, in_repo) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert "Traceback" not in result.out + result.err


def test_unmatched_glob_names_the_pattern(cli, in_repo) -> None:
    result = cli("validate", "no/such/dir/*.yaml")
    assert result.err == "etl validate: no file matches 'no/such/dir/*.yaml'\n"


def test_parent_cycles_and_unknown_key_columns_point_at_the_value(tmp_path: Path, cli) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(
        "root: Doc\n"
        "tables:\n"
        "  item:\n"
        "    rows: Items/Item\n"
        "    key: [app_id, nope]\n"
        "    columns: {b: {xpath: B, type: int}}\n"
        "  a: {parent: c, columns: {x: {xpath: X, type: int}}}\n"
        "  b: {parent: a, columns: {x: {xpath: X, type: int}}}\n"
        "  c: {parent: b, columns: {x: {xpath: X, type: int}}}\n"
        "  d: {parent: c, columns: {x: {xpath: X, type: int}}}\n"
        "  e: {parent: e, columns: {x: {xpath: X, type: int}}}\n"
    )
    result = cli("validate", str(m))
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{m}:5:19: error: tables.item.key[1]: key column 'nope' is not a column of table 'item' (columns: app_id, b)",
        f"{m}:7:15: error: tables.a.parent: parent cycle: a -> c -> b -> a",
        f"{m}:11:15: error: tables.e.parent: a table cannot be its own parent",
    ]


def test_key_may_name_inherited_columns(tmp_path: Path, cli) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(
        "root: Doc\n"
        "tables:\n"
        "  item:\n"
        "    rows: Items/Item\n"
        "    columns: {seq: {source: position}, code: {xpath: '@code', type: varchar(5), required: true}}\n"
        "  part:\n"
        "    parent: item\n"
        "    rows: Part\n"
        "    key: [app_id, seq, part_no]\n"
        "    columns: {part_no: {xpath: '@no', type: int, required: true}}\n"
    )
    result = cli("validate", str(m))
    assert (result.code, result.out) == (0, "")
