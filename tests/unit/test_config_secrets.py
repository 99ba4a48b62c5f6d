"""Passwords are never printed: not by validate (text or JSON), not in ConfigError, not in a spec's repr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.config.load import load_profile
from etl.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "mappings" / "credit_application.yaml"
SECRET = "Tr0ub4dor-and-3"

# Each profile reads its password from ${PW} and has something else wrong with it.
MISTAKES = {
    "wrong_type": "run: {batch_size: ten}\n",
    "unknown_key": "run: {batch_sise: 5}\n",
    "bad_partition": "partition: {instance_id: 3, instance_count: 3}\n",
    "missing_mapping_and_bad_table": "source: {table: 'a b'}\n",
    "password_reused_in_a_name": "target: {schema: '${PW}'}\n",
    "password_in_url_with_server_flag": "",
}


def _profile(tmp_path: Path, name: str, password_line: str = "  password: ${PW}\n") -> Path:
    extra = MISTAKES[name]
    mapping = "nowhere.yaml" if name == "missing_mapping_and_bad_table" else str(MAPPING)
    database = "  dialect: postgresql\n  server: db\n  database: prod\n  user: etl\n" + password_line
    if name == "password_in_url_with_server_flag":
        database += "  url: postgresql://etl:${PW}@db/prod\n"
    source = "" if "source:" in extra else "source: {table: app_xml}\n"
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"database:\n{database}{source}mapping: {mapping}\n{extra}", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_validate_never_prints_the_password(name: str, tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.setenv("PW", SECRET)
    path = _profile(tmp_path, name)
    for fmt in ("text", "json"):
        result = cli("validate", "--format", fmt, str(path))
        assert SECRET not in result.out + result.err
        if name != "password_in_url_with_server_flag":
            assert result.code == 1, result.out
    if fmt == "json":
        json.loads(result.out)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_config_error_never_carries_the_password(name: str, tmp_path: Path) -> None:
    path = _profile(tmp_path, name)
    with pytest.raises(ConfigError) as info:
        load_profile(path, overrides={"server": "other"}, environ={"PW": SECRET})
    assert SECRET not in str(info.value)
    assert SECRET not in info.value.message
    assert all(SECRET not in json.dumps(f.to_dict()) for f in info.value.findings)


def test_a_password_used_as_a_name_is_masked_where_the_name_is_quoted(tmp_path: Path) -> None:
    path = _profile(tmp_path, "password_reused_in_a_name")
    with pytest.raises(ConfigError) as info:
        load_profile(path, environ={"PW": SECRET})
    assert str(info.value) == (
        f"{path}:9:18: error: target.schema: '***' is not a valid SQL identifier (letters, digits and _, "
        "not starting with a digit; reserved words such as order are fine)"
    )


@pytest.mark.parametrize("value", ["12345678", '["${PW}"]', '{a: "${PW}"}'])
def test_a_password_of_the_wrong_shape_is_not_echoed(tmp_path: Path, value: str) -> None:
    path = _profile(tmp_path, "wrong_type", password_line=f"  password: {value}\n")
    with pytest.raises(ConfigError) as info:
        load_profile(path, environ={"PW": SECRET})
    text = str(info.value)
    assert SECRET not in text and "12345678" not in text
    if value != "12345678":
        assert "database.password: expected a string or null, got a hidden" in text


def test_literal_password_error_does_not_repeat_it(tmp_path: Path) -> None:
    path = _profile(tmp_path, "password_in_url_with_server_flag", password_line=f"  password: {SECRET}\n")
    with pytest.raises(ConfigError) as info:
        load_profile(path, environ={"PW": "other"})
    assert "passwords come only from the environment" in str(info.value)
    assert SECRET not in str(info.value)


def test_spec_repr_hides_password_and_connection_strings(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "database:\n  dialect: postgresql\n  password: ${PW}\n  url: postgresql://etl:${PW}@db/prod\n"
        f"source: {{table: app_xml}}\nmapping: {MAPPING}\n",
        encoding="utf-8",
    )
    spec = load_profile(path, environ={"PW": SECRET})
    assert spec.database.password == SECRET
    assert SECRET not in repr(spec) and SECRET not in str(spec)
