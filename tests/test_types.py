"""mypy over the program: it catches what the mocks let through (wrong types, misspelt keys in
the SDKs' TypedDict arguments). Settings live in pyproject.toml."""

import pytest
from mypy import api

from tools.plan.stack_config import ROOT


def test_the_program_type_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the files to check are listed in pyproject.toml, relative to it
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary"])
    assert status == 0, f"mypy found problems (run `make typecheck`):\n{stdout}{stderr}"
