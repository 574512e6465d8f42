"""mypy over the program, its tools and the tests: it catches what the mocks let through (wrong
types, misspelt keys in the SDKs' TypedDict arguments). Settings live in pyproject.toml."""

import subprocess
import sys

import pytest

from tools.plan.stack_config import ROOT


@pytest.mark.slow
def test_the_program_type_checks() -> None:
    # In a process of its own: mypy holds gigabytes of syntax trees (the SDKs are large), which
    # would stay with the test process and cost minutes of garbage collection at its exit.
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"mypy found problems (run `make typecheck`):\n{done.stdout}{done.stderr}"
