"""Profile overrides: file < environment < CLI flag, JOB_COMPLETION_INDEX, extends, ${VAR}, the seed's ValueError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.cli import OVERRIDE_FLAGS, build_parser, overrides_of
from etl.config.load import FLAG_KEYS, load_profile
from etl.config.specs import PartitionSpec
from etl.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "mappings" / "credit_application.yaml"
SEED_MESSAGE = "Invalid instance configuration: instance_id=3 must be < instance_count=3 and >= 0"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    """A PostgreSQL profile with a partition written in the file."""
    return write(
        tmp_path / "p.yaml",
        "database: {dialect: postgresql, server: filehost, database: filedb, user: etl}\n"
        "source: {table: app_xml}\n"
        f"mapping: {MAPPING}\n"
        "run: {workers: 3, batch_size: 10, log_level: INFO}\n"
        "partition: {instance_id: 1, instance_count: 4}\n"
        "pool: {enabled: false, min_size: 2, max_size: 5}\n",
    )


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A profile that sets no partition at all."""
    return write(
        tmp_path / "bare.yaml",
        f"database: {{dialect: sqlite, database: data.db}}\nsource: {{table: app_xml}}\nmapping: {MAPPING}\n",
    )


def part(path: Path, overrides: dict | None = None, environ: dict | None = None) -> PartitionSpec:
    return load_profile(path, overrides=overrides or {}, environ=environ or {}).partition


def test_file_values_when_nothing_overrides(profile: Path) -> None:
    spec = load_profile(profile, environ={})
    assert spec.partition == PartitionSpec(1, 4)
    assert (spec.run.workers, spec.run.batch_size, spec.database.server, spec.database.database) == (
        3,
        10,
        "filehost",
        "filedb",
    )


def test_defaults_are_the_seeds(bare: Path) -> None:
    spec = load_profile(bare, environ={})
    assert spec.partition == PartitionSpec(0, 1)
    assert (spec.run.workers, spec.run.batch_size, spec.run.limit, spec.run.exclude_failed) == (
        4,
        50,
        None,
        True,
    )
    assert (spec.pool.enabled, spec.pool.min_size, spec.pool.max_size) == (False, 4, 20)


def test_environment_beats_the_file(profile: Path) -> None:
    assert part(profile, environ={"ETL_INSTANCE_ID": "2", "ETL_INSTANCE_COUNT": "3"}) == PartitionSpec(2, 3)
    assert part(profile, environ={"ETL_INSTANCE_COUNT": "7"}) == PartitionSpec(1, 7)


def test_empty_environment_variable_is_ignored(profile: Path) -> None:
    assert part(profile, environ={"ETL_INSTANCE_ID": "", "ETL_INSTANCE_COUNT": ""}) == PartitionSpec(1, 4)


def test_flag_beats_environment_and_file(profile: Path) -> None:
    env = {"ETL_INSTANCE_ID": "2", "ETL_INSTANCE_COUNT": "3"}
    assert part(profile, {"instance_id": 0}, env) == PartitionSpec(0, 3)
    assert part(profile, {"instance_id": 4, "instance_count": 5}, env) == PartitionSpec(4, 5)


def test_every_flag_overrides_its_key(profile: Path) -> None:
    flags = {
        "server": "flaghost",
        "database": "flagdb",
        "workers": 8,
        "batch_size": 25,
        "instance_id": 2,
        "instance_count": 3,
        "log_level": "DEBUG",
        "limit": 100,
        "enable_pooling": True,
        "min_pool_size": 1,
        "max_pool_size": 9,
        "exclude_failed": False,
    }
    assert set(flags) == set(FLAG_KEYS)
    spec = load_profile(profile, overrides=flags, environ={})
    assert (spec.database.server, spec.database.database) == ("flaghost", "flagdb")
    assert (spec.run.workers, spec.run.batch_size, spec.run.log_level, spec.run.limit) == (
        8,
        25,
        "DEBUG",
        100,
    )
    assert spec.run.exclude_failed is False
    assert spec.partition == PartitionSpec(2, 3)
    assert (spec.pool.enabled, spec.pool.min_size, spec.pool.max_size) == (True, 1, 9)


def test_a_flag_left_unset_does_not_override(profile: Path) -> None:
    assert part(profile, {"instance_id": None, "workers": None}) == PartitionSpec(1, 4)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "p.yaml"], {}),
        (
            ["run", "p.yaml", "--server", "h", "--database", "d", "--workers", "2", "--batch-size", "5",
             "--instance-id", "1", "--instance-count", "3", "--log-level", "debug", "--limit", "30",
             "--enable-pooling", "--min-pool-size", "4", "--max-pool-size", "20"],
            {"server": "h", "database": "d", "workers": 2, "batch_size": 5, "instance_id": 1, "instance_count": 3,
             "log_level": "DEBUG", "limit": 30, "enable_pooling": True, "min_pool_size": 4, "max_pool_size": 20},
        ),
        (["run", "p.yaml", "--retry-failed"], {"exclude_failed": False}),
        (["status", "p.yaml", "--instance-id", "2"], {"instance_id": 2}),
    ],
)  # fmt: skip
def test_cli_flags_become_overrides(argv: list[str], expected: dict) -> None:
    overrides = overrides_of(build_parser().parse_args(argv))
    assert overrides == expected
    assert set(overrides) <= set(FLAG_KEYS)
    assert set(OVERRIDE_FLAGS) <= set(FLAG_KEYS)


# --- JOB_COMPLETION_INDEX: the instance id of a Kubernetes Indexed Job, only when nothing else sets it ---


def test_job_completion_index_fills_an_unset_instance_id(bare: Path) -> None:
    env = {"JOB_COMPLETION_INDEX": "2", "ETL_INSTANCE_COUNT": "3"}
    assert part(bare, environ=env) == PartitionSpec(2, 3)
    assert part(bare, {"instance_count": 5}, {"JOB_COMPLETION_INDEX": "4"}) == PartitionSpec(4, 5)


def test_job_completion_index_loses_to_file_environment_and_flag(profile: Path, bare: Path) -> None:
    assert part(profile, environ={"JOB_COMPLETION_INDEX": "3"}) == PartitionSpec(1, 4)
    env = {"JOB_COMPLETION_INDEX": "2", "ETL_INSTANCE_ID": "0", "ETL_INSTANCE_COUNT": "3"}
    assert part(bare, environ=env) == PartitionSpec(0, 3)
    assert part(
        bare, {"instance_id": 1}, {"JOB_COMPLETION_INDEX": "2", "ETL_INSTANCE_COUNT": "3"}
    ) == PartitionSpec(1, 3)


def test_job_completion_index_out_of_range_names_the_variable(bare: Path) -> None:
    with pytest.raises(ConfigError) as info:
        part(bare, environ={"JOB_COMPLETION_INDEX": "3", "ETL_INSTANCE_COUNT": "3"})
    assert str(info.value) == f"$JOB_COMPLETION_INDEX: error: partition.instance_id: {SEED_MESSAGE}"


def test_non_integer_environment_value_names_the_variable(bare: Path) -> None:
    with pytest.raises(ConfigError) as info:
        part(bare, environ={"ETL_INSTANCE_ID": "one"})
    assert str(info.value) == "$ETL_INSTANCE_ID: error: partition.instance_id: expected an integer, got 'one'"


# --- the seed's ValueError ---


def test_bad_partition_raises_the_seeds_value_error(profile: Path) -> None:
    with pytest.raises(ValueError, match=re.escape(SEED_MESSAGE)) as info:
        load_profile(profile, overrides={"instance_id": 3, "instance_count": 3}, environ={})
    assert isinstance(info.value, ConfigError)
    assert str(info.value) == f"--instance-id: error: partition.instance_id: {SEED_MESSAGE}"


@pytest.mark.parametrize(
    ("instance_id", "instance_count"),
    [(3, 3), (-1, 3), (0, 0), (5, 2), (1, 1)],
)
def test_every_bad_partition_gets_the_seeds_message(
    tmp_path: Path, instance_id: int, instance_count: int
) -> None:
    path = write(
        tmp_path / "p.yaml",
        "database: {dialect: sqlite, database: x.db}\nsource: {table: t}\n"
        f"mapping: {MAPPING}\npartition:\n  instance_id: {instance_id}\n  instance_count: {instance_count}\n",
    )
    message = (
        f"Invalid instance configuration: instance_id={instance_id} must be < "
        f"instance_count={instance_count} and >= 0"
    )
    with pytest.raises(ValueError) as info:
        load_profile(path, environ={})
    assert str(info.value) == f"{path}:5:16: error: partition.instance_id: {message}"


# --- --server / --database apply to every dialect ---


@pytest.mark.parametrize(
    "database",
    [
        "{dialect: mssql, server: 'localhost\\SQLEXPRESS', database: XmlConversionDB, trusted_connection: true}",
        "{dialect: postgresql, server: 127.0.0.1, database: test, user: root}",
        "{dialect: postgresql, connector: odbc, server: 127.0.0.1, database: test}",
    ],
    ids=["mssql", "postgresql", "postgresql-odbc"],
)
def test_server_and_database_flags_apply_to_every_server_dialect(tmp_path: Path, database: str) -> None:
    path = write(tmp_path / "p.yaml", f"database: {database}\nsource: {{table: t}}\nmapping: {MAPPING}\n")
    spec = load_profile(path, overrides={"server": "prod-server", "database": "OtherDB"}, environ={})
    assert (spec.database.server, spec.database.database) == ("prod-server", "OtherDB")


def test_sqlite_database_in_file_is_relative_to_the_profile(bare: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    assert load_profile(bare, environ={}).database.database == str(tmp_path / "data.db")


def test_sqlite_database_flag_is_relative_to_the_current_directory(
    bare: Path, tmp_path: Path, monkeypatch
) -> None:
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = load_profile(bare, overrides={"database": "other.db"}, environ={})
    assert spec.database.database == str(elsewhere / "other.db")
    assert load_profile(bare, overrides={"database": ":memory:"}, environ={}).database.database == ":memory:"


@pytest.mark.parametrize("key", ["url: postgresql://etl@db/prod", "odbc_connect: 'DSN=prod'"])
def test_server_flag_cannot_silently_lose_to_a_connection_string(tmp_path: Path, key: str) -> None:
    path = write(
        tmp_path / "p.yaml",
        f"database:\n  dialect: postgresql\n  connector: odbc\n  {key}\nsource: {{table: t}}\nmapping: {MAPPING}\n",
    )
    given = key.split(":")[0]
    with pytest.raises(ConfigError) as info:
        load_profile(path, overrides={"server": "other"}, environ={})
    assert str(info.value) == (
        f"--server: error: database.server: --server cannot apply: the profile connects with database.{given}, "
        "which names the server and database itself"
    )


# --- extends ---


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    write(
        tmp_path / "base.yaml",
        "database:\n"
        "  dialect: postgresql\n"
        "  server: basehost\n"
        "  database: basedb\n"
        "  options: {sslmode: disable, application_name: etl}\n"
        "source: {table: app_xml, id_column: app_id}\n"
        f"mapping: {MAPPING}\n"
        "run: {workers: 4, batch_size: 50}\n",
    )
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "middle.yaml", "extends: ../base.yaml\nrun: {batch_size: 20}\n")
    return write(
        tmp_path / "sub" / "leaf.yaml",
        "extends: middle.yaml\n"
        "database:\n"
        "  server: leafhost\n"
        "  options: {sslmode: require}\n"
        "partition: {instance_id: 2, instance_count: 3}\n",
    )


def test_extends_deep_merges_and_the_child_wins(chain: Path) -> None:
    spec = load_profile(chain, environ={})
    assert (spec.database.server, spec.database.database) == ("leafhost", "basedb")
    assert dict(spec.database.options) == {"sslmode": "require", "application_name": "etl"}
    assert (spec.run.workers, spec.run.batch_size) == (4, 20)
    assert spec.partition == PartitionSpec(2, 3)
    assert spec.source.table == "app_xml"
    assert spec.mapping.path.resolve() == MAPPING


def test_extends_errors_point_at_the_file_that_wrote_the_key(chain: Path, tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        (tmp_path / "base.yaml").read_text().replace("batch_size: 50", "batch_size: 50, workerz: 1")
    )
    write(chain, chain.read_text().replace("instance_id: 2", "instance_id: 'two'"))
    with pytest.raises(ConfigError) as info:
        load_profile(chain, environ={})
    assert str(info.value).splitlines() == [
        f"{tmp_path / 'base.yaml'}:8:35: error: run.workerz: unknown key 'workerz' (did you mean 'workers'?)",
        f"{chain}:5:26: error: partition.instance_id: expected an integer, got 'two'",
    ]


def test_mapping_path_is_relative_to_the_profile_that_wrote_it(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "m.yaml").write_text(MAPPING.read_text())
    write(
        tmp_path / "base.yaml",
        "database: {dialect: sqlite, database: x.db}\nsource: {table: t}\nmapping: maps/m.yaml\n",
    )
    (tmp_path / "deep").mkdir()
    leaf = write(tmp_path / "deep" / "leaf.yaml", "extends: ../base.yaml\n")
    spec = load_profile(leaf, environ={})
    assert spec.mapping.path.resolve() == tmp_path / "maps" / "m.yaml"
    assert spec.database.database == str(tmp_path / "x.db")


def test_extends_missing_base(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ConfigError) as info:
        load_profile(path, environ={})
    assert str(info.value) == (
        f"{path}:1:10: error: extends: base profile 'nowhere.yaml' not found (looked at {tmp_path / 'nowhere.yaml'})"
    )


def test_extends_self_is_a_cycle(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", "extends: p.yaml\n")
    with pytest.raises(ConfigError, match="extends cycle"):
        load_profile(path, environ={})


# --- ${VAR} ---


@pytest.fixture
def env_profile(tmp_path: Path) -> Path:
    return write(
        tmp_path / "p.yaml",
        "database:\n"
        "  dialect: postgresql\n"
        "  server: ${HOST:-127.0.0.1}\n"
        "  port: ${PORT:-5432}\n"
        "  database: ${DB}\n"
        "  user: '${USER_PREFIX:-etl}_${USER_SUFFIX:-reader}'\n"
        "  password: ${PW:-}\n"
        "source: {table: app_xml}\n"
        f"mapping: {MAPPING}\n"
        "run:\n"
        "  workers: ${N:-4}\n"
        "  batch_size: ${B:-50}\n",
    )


def test_env_defaults_are_typed_like_the_key(env_profile: Path) -> None:
    spec = load_profile(env_profile, environ={"DB": "test"})
    db = spec.database
    assert (db.server, db.port, db.database, db.user, db.password) == (
        "127.0.0.1",
        5432,
        "test",
        "etl_reader",
        None,
    )
    assert spec.run.workers == 4 and isinstance(spec.run.workers, int)


def test_quoted_env_value_stays_text(env_profile: Path) -> None:
    # batch_size: '${B:-50}' is a quoted string, so the schema rejects it as it would '50'.
    write(env_profile, env_profile.read_text().replace("${B:-50}", "'${B:-50}'"))
    with pytest.raises(ConfigError) as info:
        load_profile(env_profile, environ={"DB": "test", "N": "2"})
    assert str(info.value) == f"{env_profile}:12:15: error: run.batch_size: expected an integer, got '50'"


def test_env_values_win_over_defaults(env_profile: Path) -> None:
    env = {
        "DB": "prod",
        "HOST": "db.internal",
        "PORT": "6432",
        "N": "8",
        "USER_PREFIX": "svc",
        "PW": "s3cret",
    }
    spec = load_profile(env_profile, environ=env)
    db = spec.database
    assert (db.server, db.port, db.database, db.user, db.password) == (
        "db.internal",
        6432,
        "prod",
        "svc_reader",
        "s3cret",
    )
    assert (spec.run.workers, spec.run.batch_size) == (8, 50)


def test_empty_env_value_takes_the_default(env_profile: Path) -> None:
    spec = load_profile(env_profile, environ={"DB": "test", "HOST": "", "N": ""})
    assert (spec.database.server, spec.run.workers) == ("127.0.0.1", 4)


@pytest.mark.parametrize("password", ["0123", "yes", "12345", "null", "1e3", "true", "~", "a: b", "#x"])
def test_password_from_env_is_never_retyped(env_profile: Path, password: str) -> None:
    spec = load_profile(env_profile, environ={"DB": "test", "PW": password})
    assert spec.database.password == password


def test_unset_variable_names_file_line_and_variable(env_profile: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_profile(env_profile, environ={})
    assert str(info.value) == (
        f"{env_profile}:5:13: error: database.database: environment variable DB is not set "
        "(write ${DB:-default} to give a default)"
    )


def test_every_unset_variable_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", "database:\n  server: ${A}\n  database: x${B}y${C}\n")
    with pytest.raises(ConfigError) as info:
        load_profile(path, environ={})
    assert [line.split(": error: ")[1] for line in str(info.value).splitlines()] == [
        "database.server: environment variable A is not set (write ${A:-default} to give a default)",
        "database.database: environment variable B is not set (write ${B:-default} to give a default)",
        "database.database: environment variable C is not set (write ${C:-default} to give a default)",
    ]


def test_batch_size_must_be_a_whole_integer_not_a_float(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.yaml",
        f"database: {{dialect: sqlite, database: x.db}}\nsource: {{table: t}}\nmapping: {MAPPING}\nrun: {{batch_size: 50.0}}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_profile(path, environ={})
    assert str(info.value) == f"{path}:4:19: error: run.batch_size: expected an integer, got 50.0"
