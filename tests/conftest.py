"""Fixtures: the program run under mocks for every stack file or a config dict, the releases
rendered with the pinned charts, and the hub's configuration as its pod would load it."""

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.hub import load_hub_config, write_hub_files
from tests.support import (
    BASE_CONFIG,
    PROJECT,
    STACKS,
    TYPE_CHECK,
    HubFor,
    RunConfig,
    kubernetes_version,
    start_type_check,
)
from tools.plan.charts import RELEASE, chart_of, render, revealed
from tools.plan.program import ProgramRun, run_program
from tools.plan.stack_config import config_from_dict, read_stack_config


@pytest.fixture(scope="session")
def stack_runs() -> dict[str, ProgramRun]:
    """The program run once for every stack file in the repository."""
    return {stack: run_program(read_stack_config(stack)) for stack in STACKS}


@pytest.fixture
def run_config() -> RunConfig:
    """Run the program for `stack` with BASE_CONFIG updated by `config` (stack-file keys)."""

    def run(config: dict[str, Any] | None = None, stack: str = "dev") -> ProgramRun:
        return run_program(config_from_dict(PROJECT, stack, {**BASE_CONFIG, **(config or {})}))

    return run


@pytest.fixture(scope="session")
def rendered_releases(stack_runs: dict[str, ProgramRun]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every release of every stack, rendered once for the whole session."""
    out = {}
    for stack in STACKS:
        for release in stack_runs[stack].by_type(RELEASE):
            out[(stack, release.name)] = render(
                chart_of(release),
                release=release.inputs["name"],
                namespace=release.inputs["namespace"],
                values=revealed(release.inputs.get("values", {})),
                kube_version=f"{kubernetes_version(stack)}.0",
            )
    return out


@pytest.fixture
def hub_for(tmp_path: Path) -> HubFor:
    """The hub configuration of a planned stack."""

    def load(run: ProgramRun, version: str = "1.35") -> Config:
        [release] = [
            r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"].endswith("-jupyterhub")
        ]
        objects = render(
            chart_of(release),
            release=release.inputs["name"],
            namespace=release.inputs["namespace"],
            values=revealed(release.inputs["values"]),
            kube_version=f"{version}.0",
        )
        folder = tmp_path / run.stack
        config_file = write_hub_files(objects, run.stack, folder)
        return load_hub_config(config_file, run.stack, f"{run.stack}-hub", {"SHARED_PASSWORD": "from-the-secret"})

    return load


def pytest_collection_finish(session: pytest.Session) -> None:
    """mypy in a clean clone is more than a minute of one core (it reads the SDKs' type stubs, with
    no cache yet): when the type check is among the tests to run, it starts now, beside the rest."""
    if any(item.name == "test_the_program_type_checks" for item in session.items):
        session.config.stash[TYPE_CHECK] = start_type_check()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/real talks to real services: `make test-fast` leaves it out."""
    for item in items:
        if "real" in Path(str(item.path)).relative_to(Path(__file__).parent).parts[:1]:
            item.add_marker(pytest.mark.real)
