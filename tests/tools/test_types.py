"""mypy over the program, its tools and the tests: it catches what the mocks let through (wrong
types, misspelt keys in the SDKs' TypedDict arguments). Settings live in pyproject.toml."""

import pytest

from tests.support import TYPE_CHECK, start_type_check


@pytest.mark.slow
def test_the_program_type_checks(pytestconfig: pytest.Config) -> None:
    # Started when the tests were collected (tests/conftest.py), to run beside the others.
    type_check = pytestconfig.stash.get(TYPE_CHECK, None) or start_type_check()
    returncode, report = type_check.report()
    assert returncode == 0, f"mypy found problems (run `make typecheck`):\n{report}"
