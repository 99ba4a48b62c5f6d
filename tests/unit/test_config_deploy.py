"""deploy/job.yaml: each pod of the Indexed Job gets its own partition, and the password comes from a Secret."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etl.cli import build_parser, overrides_of
from etl.config.load import load_profile
from etl.config.specs import PartitionSpec

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def job() -> dict:
    return yaml.safe_load((REPO / "deploy" / "job.yaml").read_text(encoding="utf-8"))


def _container(job: dict) -> dict:
    [container] = job["spec"]["template"]["spec"]["containers"]
    return container


def test_job_is_indexed_with_one_pod_per_instance(job: dict) -> None:
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    command = _container(job)["command"]
    assert command[:3] == ["etl", "run", "configs/postgres.yaml"]
    assert int(command[command.index("--instance-count") + 1]) == spec["completions"]


def test_password_comes_from_a_secret(job: dict) -> None:
    env = {e["name"]: e for e in _container(job)["env"]}
    assert env["ETL_PG_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "etl-db", "key": "password"}
    assert "value" not in env["ETL_PG_PASSWORD"]


def test_each_pod_loads_its_own_partition(job: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    container = _container(job)
    monkeypatch.chdir(REPO / container["workingDir"].replace("/app", "."))
    args = build_parser().parse_args(container["command"][1:])
    base_env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    completions = job["spec"]["completions"]
    seen = []
    for index in range(completions):
        environ = {**base_env, "ETL_PG_PASSWORD": "from-the-secret", "JOB_COMPLETION_INDEX": str(index)}
        spec = load_profile(args.profile, overrides=overrides_of(args), environ=environ)
        assert spec.database.password == "from-the-secret"
        assert spec.database.server == base_env["ETL_PG_HOST"]
        seen.append(spec.partition)
    assert seen == [PartitionSpec(i, completions) for i in range(completions)]
