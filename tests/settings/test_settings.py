"""Settings: every bad input is reported with the stack, the key and the value; good input is typed."""

import re
from typing import Any

import pytest

from settings import SettingsError, Tier
from settings.naming import MAX_PREFIX_LENGTH
from settings.tiers import policy_for
from tests.support import CERTIFICATE, PROJECT, RunConfig, load_config_as_pulumi_passes_it, problems_of
from tools.plan.mocks import AwsLikeMocks

PLAIN_OAUTH = {
    "auth": {"authenticator": "github", "clientId": "id", "clientSecret": "a-client-secret", "allowedUsers": ["ada"]}
}
CLASS = {"name": "med101", "days": ["mon"], "start": "09:00", "end": "11:00", "students": 200}
GOOD_HUB = {"auth": {"authenticator": "shared-password", "sharedPassword": "a-password-for-tests"}}
GOOD = {
    "tier": "development",
    "aws:region": "eu-west-1",
    "hub": {"auth": {"authenticator": "shared-password", "sharedPassword": "a-password-for-tests"}},
}
EXISTING = {
    "vpcId": "vpc-0123456789abcdef0",
    "privateSubnetIds": {"eu-west-1a": "subnet-0000000000000000a", "eu-west-1b": "subnet-0000000000000000b"},
    "publicSubnetIds": {"eu-west-1a": "subnet-0000000000000001a", "eu-west-1b": "subnet-0000000000000001b"},
}


BAD_INPUTS = [
    # (config changes, key the message must name, words the message must contain)
    ({"tier": "prod"}, "tier", "production"),
    ({"tier": None}, "tier", "production"),
    ({"aws:region": "Ireland"}, "aws:region", "AWS region"),
    ({"awsAccountId": "12345"}, "awsAccountId", "12-digit"),
    ({"tags": {"aws:owner": "x"}}, "tags.aws:owner (the key)", "reserves"),
    ({"tags": {"Stack": "other"}}, "tags.Stack (the key)", "set by the program"),
    ({"tags": {"Owner": "a" * 257}}, "tags.Owner", "tag value"),
    ({"tags": ["CostCenter=1"]}, "tags", "map of keys"),
    ({"network": {"availabilityZoneCount": 2}}, "network.availabilityZoneCount", "greater than or equal to 3"),
    ({"network": {"availabilityZoneCount": 7}}, "network.availabilityZoneCount", "less than or equal to 6"),
    ({"network": {"availabilityZoneCount": "three"}}, "network.availabilityZoneCount", "whole number"),
    ({"network": {"vpcCidr": "8.8.0.0/16"}}, "network.vpcCidr", "private range"),
    ({"network": {"vpcCidr": "10.0.0.0/24"}}, "network.vpcCidr", "/16, /17 or /18"),
    ({"network": {"vpcCidr": "10.0.0.1/16"}}, "network.vpcCidr", "IPv4 network"),
    ({"network": {"vpc_cidr": "10.0.0.0/16"}}, "network.vpc_cidr", "did you mean vpcCidr?"),
    ({"netwrok": {}}, "netwrok", "did you mean network?"),
    ({"network": {"existing": {**EXISTING, "vpcId": "vpc-1"}}}, "network.existing.vpcId", "VPC ID"),
    (
        {"network": {"existing": {**EXISTING, "privateSubnetIds": {"eu-west-1a": "subnet-0000000000000000a"}}}},
        "network.existing.privateSubnetIds",
        "at least 2",
    ),
    (
        {"network": {"existing": {**EXISTING, "publicSubnetIds": {"eu-west-1a": "subnet-0000000000000001a"}}}},
        "network.existing.publicSubnetIds",
        "at least 2",
    ),
    (
        {"network": {"existing": EXISTING, "vpcCidr": "10.1.0.0/16"}},
        "network.vpcCidr",
        "cannot be set together with existing",
    ),
    (
        {
            "network": {
                "existing": {
                    **EXISTING,
                    "publicSubnetIds": {
                        "eu-west-1a": "subnet-0000000000000001a",
                        "eu-west-1c": "subnet-0000000000000001c",
                    },
                }
            }
        },
        "network.existing.publicSubnetIds",
        "same availability zones as privateSubnetIds",
    ),
    (
        {"aws:region": "us-east-1", "network": {"existing": EXISTING}},
        "network.existing",
        "outside the region us-east-1",
    ),
    (
        {"tier": "production", "hub": PLAIN_OAUTH, "ingress": {"certificateArn": CERTIFICATE, "hostname": "hub.x.edu"}},
        "awsAccountId",
        "required for a production",
    ),
    ({"aws:profile": "teaching"}, "aws:profile", "AWS_PROFILE"),
    ({"kubernetes:context": "kind"}, "kubernetes:context", "builds its own"),
    ({"project": "other"}, "project", "comes from Pulumi"),
    ({"cluster": {"mode": "fargate"}}, "cluster.mode", "'eks', 'kubeconfig' or 'stack'"),
    ({"cluster": {"kubernetesVersion": "1.27"}}, "cluster.kubernetesVersion", "from 1.30"),
    ({"cluster": {"kubernetesVersion": "v1.35"}}, "cluster.kubernetesVersion", "minor version"),
    ({"cluster": {"admins": ["Admin"]}}, "cluster.admins[0]", "ARN of an IAM role or user"),
    ({"cluster": {"publicAccessCidrs": ["campus"]}}, "cluster.publicAccessCidrs[0]", "IPv4 network"),
    ({"cluster": {"logTypes": ["everything"]}}, "cluster.logTypes[0]", "'api'"),
    ({"cluster": {"logRetentionDays": 100}}, "cluster.logRetentionDays", "90"),
    ({"cluster": {"serviceCidr": "10.0.0.0/16"}}, "cluster.serviceCidr", "overlaps network.vpcCidr"),
    ({"cluster": {"coreNodes": {"minSize": 3, "desiredSize": 2}}}, "cluster.coreNodes.desiredSize", "between"),
    ({"cluster": {"coreNodes": {"instanceTypes": []}}}, "cluster.coreNodes.instanceTypes", "at least 1"),
    (
        {"cluster": {"userNodes": {"instanceTypes": ["m7g.2xlarge", "t3.2xlarge"]}}},
        "cluster.userNodes.instanceTypes[0]",
        "Graviton",
    ),
    (
        {"cluster": {"userNodes": {"instanceTypes": ["big", "t3.2xlarge"]}}},
        "cluster.userNodes.instanceTypes[0]",
        "instance type",
    ),
    ({"cluster": {"userNodes": {"instanceTypes": ["t3.2xlarge"]}}}, "cluster.userNodes.instanceTypes", "at least 2"),
    ({"cluster": {"userNodes": {"minPerZone": 5, "maxPerZone": 2}}}, "cluster.userNodes.minPerZone", "maxPerZone"),
    ({"cluster": {"userNodes": {"desiredPerZone": 9}}}, "cluster.userNodes.desiredPerZone", "between"),
    ({"cluster": {"userNodes": {"amiId": "ubuntu"}}}, "cluster.userNodes.amiId", "an AMI ID like ami-"),
    ({"cluster": {"mode": "stack"}}, "cluster.stack", "required in mode stack"),
    ({"cluster": {"mode": "stack", "stack": "tst"}}, "cluster.stack", "organization/project/stack"),
    ({"cluster": {"context": "kind-x"}}, "cluster.context", "does not apply in mode eks"),
    (
        {"cluster": {"mode": "kubeconfig", "coreNodes": {"minSize": 1}}},
        "cluster.coreNodes",
        "does not apply in mode kubeconfig",
    ),
    (
        {"cluster": {"mode": "kubeconfig"}, "network": {"vpcCidr": "10.1.0.0/16"}},
        "network",
        "does not apply in cluster mode",
    ),
    ({"tier": "review"}, "cluster.mode", "must be stack or kubeconfig for a review stack"),
    (
        {"tier": "production", "awsAccountId": "123456789012", "ingress": {"certificateArn": CERTIFICATE}},
        "hub.auth.authenticator",
        "shared-password is for development and review stacks",
    ),
    (
        {"hub": {"auth": {"authenticator": "github", "clientId": "id"}}},
        "hub.auth.clientSecret",
        "required for the github authenticator",
    ),
    (
        {"hub": {**GOOD_HUB, "resources": {"memoryGuarantee": "4G", "memoryLimit": "2G"}}},
        "hub.resources.memoryLimit",
        "below memoryGuarantee 4G",
    ),
    ({"hub": {**GOOD_HUB, "resources": {"memoryLimit": "4Gx"}}}, "hub.resources.memoryLimit", "not a memory size"),
    ({"ingress": {"hostname": "Hub_Example"}}, "ingress.hostname", "not a DNS name"),
    (
        {"hub": {**GOOD_HUB, "storage": {"kind": "nfs", "nfsServer": "fs"}}},
        "hub.storage.nfsPath",
        "required for nfs storage",
    ),
    (
        {"hub": {**GOOD_HUB, "auth": {"authenticator": "shared-password", "sharedPassword": "short"}}},
        "hub.auth.sharedPassword",
        "at least 8 characters",
    ),
    (
        {"hub": {"auth": {**PLAIN_OAUTH["auth"], "adminGroups": ["staff"]}}},
        "hub.auth.adminGroups",
        "GitHub brings no groups here",
    ),
    (
        {"hub": {**GOOD_HUB, "groups": {"heavy": {"memoryGuarantee": "4G"}}}},
        "hub.groups.heavy.memoryGuarantee",
        "above the memory limit 2G",
    ),
    (
        {"hub": {**GOOD_HUB, "storage": {"kind": "host-path", "hostPath": "/mnt", "homesSubPath": "../etc"}}},
        "hub.storage.homesSubPath",
        "relative path",
    ),
    (
        {"hub": {**GOOD_HUB, "storage": {"kind": "ebs", "sharedFolders": [{"name": "c", "subPath": "c"}]}}},
        "hub.storage.sharedFolders",
        "needs a shared filesystem",
    ),
    (
        {
            "tier": "production",
            "awsAccountId": "123456789012",
            "hub": PLAIN_OAUTH,
            "ingress": {"certificateArn": CERTIFICATE, "hostname": "hub.x.edu"},
            "cluster": {"coreNodes": {"minSize": 1, "desiredSize": 1}},
        },
        "cluster.coreNodes.minSize",
        "at least 2 in production",
    ),
    # State that follows the student: EFS and RDS live in the stack's own VPC.
    (
        {"cluster": {"mode": "kubeconfig"}, "hub": {**GOOD_HUB, "database": {"kind": "rds"}}},
        "hub.database.kind",
        "needs a VPC of the stack's own",
    ),
    (
        {"cluster": {"mode": "kubeconfig"}, "hub": {**GOOD_HUB, "storage": {"kind": "efs"}}},
        "hub.storage.kind",
        "needs a VPC of the stack's own",
    ),
    (
        {"hub": {**GOOD_HUB, "databaseUrl": "postgresql://h/db", "database": {"kind": "rds"}}},
        "hub.databaseUrl",
        "keep one",
    ),
    ({"hub": {**GOOD_HUB, "database": {"allocatedStorageGib": 10}}}, "hub.database.allocatedStorageGib", "20"),
    ({"hub": {**GOOD_HUB, "database": {"backupRetentionDays": 1}}}, "hub.database.backupRetentionDays", "7"),
    ({"hub": {**GOOD_HUB, "database": {"instanceClass": "t4g.small"}}}, "hub.database.instanceClass", "db.t4g"),
    ({"hub": {**GOOD_HUB, "storage": {"efs": {"transitionToIaDays": 45}}}}, "hub.storage.efs.transitionToIaDays", "30"),
    ({"hub": {**GOOD_HUB, "storage": {"efs": {"fileSystemId": "vol-1"}}}}, "hub.storage.efs.fileSystemId", "fs-"),
    (
        {"hub": {**GOOD_HUB, "storage": {"kind": "nfs", "nfsServer": "f", "nfsPath": "/x", "efs": {}}}},
        "hub.storage.efs",
        "applies to kind efs",
    ),
    (
        {
            "tier": "review",
            "cluster": {"mode": "stack", "stack": "org/jupyterhub-platform/tst"},
            "monitoring": {"enabled": True},
        },
        "monitoring.enabled",
        "the referenced stack monitors",
    ),
    # The class calendar
    ({"calendar": {"sessions": [CLASS | {"end": "08:00"}]}}, "calendar.sessions[0].end", "after start 09:00"),
    ({"calendar": {"timeZone": "Mars/Olympus_Mons", "sessions": [CLASS]}}, "calendar.timeZone", "IANA"),
    ({"calendar": {"sessions": [CLASS | {"students": 3000}]}}, "calendar.sessions[0].students", "maxPerZone 8"),
    # YAML 1.1 reads an unquoted 09:00 as the number 540
    ({"calendar": {"sessions": [CLASS | {"start": 540}]}}, "calendar.sessions[0].start", "string"),
    ({"calendar": {"sessions": [CLASS | {"days": ["mon", "monday"]}]}}, "calendar.sessions[0].days[1]", "'mon'"),
    ({"calendar": {"sessions": [CLASS, CLASS]}}, "calendar.sessions", "twice"),
    ({"cluster": {"mode": "kubeconfig"}, "calendar": {"sessions": [CLASS]}}, "calendar", "does not apply"),
    (
        {"prerequisites": {"ebsCsiDriver": {"enabled": False}}, "hub": {**GOOD_HUB, "database": {"kind": "sqlite"}}},
        "hub.database.kind",
        "SQLite has no home",
    ),
]


@pytest.mark.parametrize(("change", "key", "words"), BAD_INPUTS, ids=[case[1] for case in BAD_INPUTS])
def test_a_bad_input_names_the_stack_and_the_key(change: dict[str, Any], key: str, words: str) -> None:
    config = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    problems = problems_of(config)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"tst: {key}: "), problems[0]
    assert words in problems[0], problems[0]
    # in the settings' words, not pydantic's ("List should have at least 2 items after validation")
    assert not re.search(r"\b(should|Input|String|List|Dictionary)\b", problems[0]), problems[0]


def test_a_bad_value_is_quoted_after_got() -> None:
    [problem] = problems_of({**GOOD, "network": {"vpcCidr": "8.8.0.0/16"}})
    assert problem.endswith('Got "8.8.0.0/16".'), problem


def test_every_problem_is_reported_at_once() -> None:
    config = {"tier": "prod", "aws:region": "nowhere", "network": {"availabilityZoneCount": 1, "vpcCidr": "x"}}
    problems = problems_of(config)
    keys = [p.split(": ")[1] for p in problems]
    assert keys == ["tier", "aws:region", "network.availabilityZoneCount", "network.vpcCidr", "hub"], problems


def test_a_missing_required_key_is_named() -> None:
    problem, *_ = problems_of({"aws:region": "eu-west-1", "hub": GOOD["hub"]})
    assert problem == "tst: tier: is required: one of production, staging, development, review.", problem


def test_a_value_stored_as_secret_is_refused_without_showing_it() -> None:
    problems = problems_of({**GOOD, "awsAccountId": "123456789012"}, secret=("awsAccountId",))
    assert len(problems) == 1 and problems[0].startswith("tst: awsAccountId: is stored as a secret"), problems
    assert "123456789012" not in problems[0]


@pytest.mark.parametrize(
    "stack", ["Feature_X", "pr_12", "-dev", "dev-", "a" * (MAX_PREFIX_LENGTH + 1), "sg-test", "kube-dev", "default"]
)
def test_a_stack_name_that_cannot_be_a_prefix_is_refused(stack: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_config_as_pulumi_passes_it(GOOD, stack=stack)
    [problem] = str(caught.value).splitlines()[1:]
    assert problem.startswith(f"{stack}: stack name: "), problem


def test_a_kubeconfig_must_be_a_secret_and_is_never_shown() -> None:
    config = {**GOOD, "cluster": {"mode": "kubeconfig", "kubeconfig": "apiVersion: v1 token: s3cr3t"}}
    [problem] = problems_of(config)
    assert problem.startswith("tst: cluster.kubeconfig: is a secret: set it with `pulumi config set --secret"), problem
    assert "s3cr3t" not in problem
    settings = load_config_as_pulumi_passes_it(config, secret=("cluster",))
    assert settings.cluster.kubeconfig is not None
    assert settings.cluster.kubeconfig.get_secret_value() == "apiVersion: v1 token: s3cr3t"
    assert "s3cr3t" not in repr(settings)


def test_a_mistake_next_to_a_secret_shows_the_mistake_and_not_the_secret() -> None:
    config = {**GOOD, "cluster": {"mode": "kubeconfig", "kubeconfig": ["token: s3cr3t"], "context": 42}}
    problems = problems_of(config, secret=("cluster",))
    assert problems == [
        'tst: cluster.kubeconfig: must be a valid string. Got "[secret]".',
        "tst: cluster.context: must be a valid string (YAML read it as the number 42: quote it). Got 42.",
    ]


def test_pulumi_s_own_keys_are_left_to_pulumi() -> None:
    settings = load_config_as_pulumi_passes_it(
        {**GOOD, "pulumi:disable-default-providers": ["aws"], "pulumi:tags": {"team": "rc"}}
    )
    assert settings.aws_region == "eu-west-1"


def test_a_cross_field_problem_names_its_key_and_only_the_value_at_fault() -> None:
    [problem] = problems_of({**GOOD, "aws:region": "us-east-1", "network": {"existing": EXISTING}})
    assert problem == (
        'tst: network.existing: names zones outside the region us-east-1. Got ["eu-west-1a", "eu-west-1b"].'
    )


def test_defaults_serve_a_course() -> None:
    settings = load_config_as_pulumi_passes_it(GOOD)
    assert settings.network.availability_zone_count == 3
    assert settings.network.vpc_cidr.prefixlen == 16
    assert settings.network.existing is None
    assert settings.tier is Tier.DEVELOPMENT


def test_the_tier_not_the_stack_name_decides_the_rules() -> None:
    named_like_prod = load_config_as_pulumi_passes_it({**GOOD, "tier": "development"}, stack="prod")
    assert named_like_prod.policy == policy_for(Tier.DEVELOPMENT)
    assert not named_like_prod.policy.nat_gateway_per_zone
    production = load_config_as_pulumi_passes_it(
        {
            **GOOD,
            "tier": "production",
            "awsAccountId": "123456789012",
            "hub": PLAIN_OAUTH,
            "ingress": {"certificateArn": CERTIFICATE, "hostname": "hub.x.edu"},
        },
        stack="edu",
    )
    assert production.policy.protect_stateful_resources


def test_tiers_differ_where_production_needs_it() -> None:
    production, others = policy_for(Tier.PRODUCTION), [policy_for(t) for t in Tier if t is not Tier.PRODUCTION]
    assert production.protect_stateful_resources and production.nat_gateway_per_zone
    assert production.min_replicas >= 2 and not production.allow_shared_password_login
    assert all(not p.protect_stateful_resources and not p.nat_gateway_per_zone for p in others)


def test_platform_tags_cannot_be_overridden_and_extra_tags_are_kept() -> None:
    settings = load_config_as_pulumi_passes_it({**GOOD, "tags": {"CostCenter": "med-101"}}, stack="tst")
    assert settings.aws_tags == {
        "CostCenter": "med-101",
        "Project": PROJECT,
        "Stack": "tst",
        "Tier": "development",
        "ManagedBy": "pulumi",
    }


def test_settings_are_frozen() -> None:
    settings = load_config_as_pulumi_passes_it(GOOD)
    with pytest.raises(ValueError, match="frozen"):
        settings.tier = Tier.PRODUCTION  # type: ignore[misc]


def test_a_settings_error_stops_the_program_before_any_resource(
    run_config: RunConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered: list[str] = []
    original = AwsLikeMocks.new_resource

    def spy(self: AwsLikeMocks, args: Any) -> Any:
        registered.append(args.name)
        return original(self, args)

    monkeypatch.setattr(AwsLikeMocks, "new_resource", spy)
    with pytest.raises(SettingsError, match=r"dev: network\.vpcCidr"):
        run_config({"network": {"vpcCidr": "8.8.0.0/16"}})
    assert registered == []
