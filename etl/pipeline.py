"""pipeline: the Python API: a Pipeline over a profile, and the seed's ProductionProcessor constructor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from etl.config.checks import partition_problem
from etl.engine.run import Summary


class Pipeline:
    """A run profile with the seed's keyword overrides; `run()` loads this instance's partition.

    >>> Pipeline("configs/postgres.yaml", workers=2, instance_id=0, instance_count=3).run()
    """

    def __init__(self, profile: str | Path, **overrides: Any):
        from etl.api import compile_profile
        from etl.config.load import FLAG_KEYS

        unknown = set(overrides) - set(FLAG_KEYS)
        if unknown:
            raise TypeError(
                f"unknown keyword(s) {', '.join(sorted(unknown))}; allowed: {', '.join(FLAG_KEYS)}"
            )
        _check_partition(overrides)
        self.plan = compile_profile(profile, overrides)

    def run(
        self, reprocess: list[int] | None = None, reprocess_all: bool = False, progress: str = "off"
    ) -> Summary:
        from etl.engine.run import run_plan

        return run_plan(self.plan, reprocess=reprocess, reprocess_all=reprocess_all, progress=progress)

    def status(self) -> dict[str, Any]:
        from etl.engine.status import read_status

        return read_status(self.plan)


class ProductionProcessor(Pipeline):
    """Drop-in for the seed's constructor: same keywords, same ValueError for a bad partition.

    The profile defaults to $ETL_PROFILE, then configs/base.yaml; server and database override it.
    """

    def __init__(
        self,
        server: str | None = None,
        database: str | None = None,
        workers: int = 4,
        batch_size: int = 50,
        instance_id: int = 0,
        instance_count: int = 1,
        profile: str | Path | None = None,
        **overrides: Any,
    ):
        _check_partition({"instance_id": instance_id, "instance_count": instance_count})
        profile = profile or os.environ.get("ETL_PROFILE") or "configs/base.yaml"
        super().__init__(
            profile,
            server=server,
            database=database,
            workers=workers,
            batch_size=batch_size,
            instance_id=instance_id,
            instance_count=instance_count,
            **overrides,
        )

    def process(self, **kwargs: Any) -> Summary:
        return self.run(**kwargs)


def _check_partition(values: dict[str, Any]) -> None:
    # With only one of the two given, the profile supplies the other and load_profile checks the pair.
    if values.get("instance_id") is not None and values.get("instance_count") is not None:
        problem = partition_problem(values["instance_id"], values["instance_count"])
        if problem:
            raise ValueError(problem)
