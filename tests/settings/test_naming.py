"""The stack name as the prefix of every name: which names are accepted and why the limit is what it is."""

import pytest

from settings.naming import MAX_PREFIX_LENGTH, TIGHTEST, prefix_problems, prefixed
from tests.support import BASE_CONFIG, RunConfig


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


def test_one_character_more_breaks_the_tightest_limit() -> None:
    assert len("p" * (MAX_PREFIX_LENGTH + 1) + TIGHTEST.suffix) + TIGHTEST.appended > TIGHTEST.limit


def test_the_too_long_message_names_the_limit_that_binds() -> None:
    [problem] = prefix_problems("a" * (MAX_PREFIX_LENGTH + 1))
    assert TIGHTEST.what in problem and str(TIGHTEST.limit) in problem


def test_prefixed_joins_with_hyphens() -> None:
    assert prefixed("dev", "network", "vpc") == "dev-network-vpc"


# The physical names the program gives AWS resources, and AWS's limit for each.
PHYSICAL_NAME_LIMITS = {
    "aws:eks/cluster:Cluster": ("name", 100),
    "aws:iam/role:Role": ("name", 64),
    "aws:iam/instanceProfile:InstanceProfile": ("name", 128),
    # EKS caps node group names at 63, and a name prefix gets 26 characters appended
    "aws:eks/nodeGroup:NodeGroup": ("nodeGroupNamePrefix", 63 - 26),
    "aws:autoscaling/lifecycleHook:LifecycleHook": ("name", 255),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name", 128),
    "aws:autoscaling/group:Group": ("name", 255),
    "aws:cloudwatch/logGroup:LogGroup": ("name", 512),
    "aws:kms/alias:Alias": ("name", 256),
    "aws:sqs/queue:Queue": ("name", 80),
    "aws:cloudwatch/eventRule:EventRule": ("name", 64),
    "kubernetes:helm.sh/v3:Release": ("name", 53),
    "aws:ec2/securityGroup:SecurityGroup": ("name", 255),
    "aws:rds/subnetGroup:SubnetGroup": ("name", 255),
    # RDS DB instance identifiers: 1 to 63 letters, digits or hyphens.
    "aws:rds/instance:Instance": ("identifier", 63),
    # AWS Backup: vault, plan and selection names, 2 to 50 characters.
    "aws:backup/vault:Vault": ("name", 50),
    "aws:backup/plan:Plan": ("name", 50),
    "aws:backup/selection:Selection": ("name", 50),
    "aws:sns/topic:Topic": ("name", 256),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", 255),
    "aws:budgets/budget:Budget": ("name", 100),
}
# Names that are not built from the prefix: DNS records carry the hub's hostname.
NOT_PREFIXED = {"aws:route53/record:Record"}


def test_the_longest_prefix_fits_every_physical_name_the_program_builds(run_config: RunConfig) -> None:
    prefix = "p" * MAX_PREFIX_LENGTH
    # a region with long zone names: the per-zone names are the longest the program builds
    hub = {**BASE_CONFIG["hub"], "database": {"kind": "rds"}}  # every service with a name the program can make
    run = run_config(
        {
            "aws:region": "ap-southeast-2",
            "network": {"availabilityZoneCount": 3},
            "hub": hub,
            "monitoring": {"enabled": True, "alertEmails": ["ops@example.edu"]},
            "budget": {"monthlyUsd": 500},
        },
        stack=prefix,
    )
    named = {
        r.type
        for r in run.resources
        if r.type.startswith(("aws:", "kubernetes:")) and ("name" in r.inputs or "identifier" in r.inputs)
    }
    named -= NOT_PREFIXED
    assert named <= set(PHYSICAL_NAME_LIMITS), f"add the limits of {named - set(PHYSICAL_NAME_LIMITS)}"
    checked = 0
    for resource in run.resources:
        if resource.type in PHYSICAL_NAME_LIMITS:
            key, limit = PHYSICAL_NAME_LIMITS[resource.type]
            name = resource.inputs[key]
            assert prefix in name, f"{resource.name}: {name} lacks the prefix"
            assert len(name) <= limit, f"{resource.type} {name} is {len(name)} long; the limit is {limit}"
            checked += 1
    assert checked >= 10
    for resource in run.resources:
        metadata_name = resource.inputs.get("metadata", {}).get("name")
        if resource.type.startswith("kubernetes:") and metadata_name:
            assert metadata_name.startswith(prefix) and len(metadata_name) <= 63, metadata_name
