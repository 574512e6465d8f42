"""The stack name as the prefix of every name: which names are accepted and why the limit is what it is."""

import pytest

from settings.naming import LONGEST_NAMES, MAX_PREFIX_LENGTH, TIGHTEST, prefix_problems, prefixed


@pytest.mark.parametrize("stack", ["dev", "tst", "prod", "pr-123", "pr-98765", "a" * MAX_PREFIX_LENGTH, "uni-med2"])
def test_names_a_team_uses_are_accepted(stack: str) -> None:
    assert prefix_problems(stack) == []


@pytest.mark.parametrize(
    ("stack", "reason"),
    [
        ("Feature_X", "DNS label"),
        ("feature_x", "DNS label"),
        ("Dev", "DNS label"),
        ("1dev", "DNS label"),
        ("dev-", "DNS label"),
        ("", "DNS label"),
        ("pr.123", "DNS label"),
        ("a" * (MAX_PREFIX_LENGTH + 1), f"at most {MAX_PREFIX_LENGTH} fit"),
        ("sg-lab", "must not start with 'sg-'"),
        ("aws-lab", "must not start with 'aws'"),
        ("kube-lab", "must not start with 'kube-'"),
        ("default", "namespace"),
    ],
)
def test_names_that_cannot_be_a_prefix_are_refused_with_the_reason(stack: str, reason: str) -> None:
    problems = prefix_problems(stack)
    assert any(reason in p for p in problems), problems


def test_the_longest_prefix_fits_every_name_the_platform_builds() -> None:
    longest = "p" * MAX_PREFIX_LENGTH
    for name in LONGEST_NAMES:
        assert len(longest + name.suffix) <= name.limit, name.what


def test_one_character_more_breaks_the_tightest_limit() -> None:
    assert len("p" * (MAX_PREFIX_LENGTH + 1) + TIGHTEST.suffix) > TIGHTEST.limit


def test_the_too_long_message_names_the_limit_that_binds() -> None:
    [problem] = prefix_problems("a" * (MAX_PREFIX_LENGTH + 1))
    assert TIGHTEST.what in problem and str(TIGHTEST.limit) in problem


def test_prefixed_joins_with_hyphens() -> None:
    assert prefixed("dev", "network", "vpc") == "dev-network-vpc"
