"""Fixtures that run the real program under mocks, for a stack file or for a config dict."""

from collections.abc import Callable
from typing import Any

import pytest

from tools.program import ProgramRun, run_program
from tools.stack_config import config_from_dict, project_name, read_stack_config, stack_names

PROJECT = project_name()
STACKS = stack_names()

# A minimal valid config for tests that change one thing at a time.
BASE_CONFIG: dict[str, Any] = {"tier": "development", "aws:region": "eu-west-1"}

RunConfig = Callable[..., ProgramRun]


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
