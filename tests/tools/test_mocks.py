"""The mocks answer like AWS: IDs, ARNs and endpoints in AWS's shapes, the same every time."""

import re
from typing import Any

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from settings.types import AWS_REGIONS
from tools.plan.mocks import AwsLikeMocks, availability_zones
from tools.plan.program import ProgramRun

MOCKS = AwsLikeMocks("eu-west-1")


def new(typ: str, logical_name: str, **inputs: Any) -> dict[str, Any]:
    args = MockResourceArgs(typ=typ, name=logical_name, inputs=inputs, provider="", resource_id="")
    _, state = MOCKS.new_resource(args)
    return state


@pytest.mark.parametrize(
    ("typ", "arn"),
    [
        ("aws:ec2/vpc:Vpc", r"arn:aws:ec2:eu-west-1:\d{12}:vpc/vpc-[0-9a-f]{17}"),
        ("aws:ec2/internetGateway:InternetGateway", r"arn:aws:ec2:eu-west-1:\d{12}:internet-gateway/igw-[0-9a-f]{17}"),
        ("aws:iam/role:Role", r"arn:aws:iam::\d{12}:role/dev-x-[0-9a-f]{7}"),
        ("aws:kms/key:Key", r"arn:aws:kms:eu-west-1:\d{12}:key/[0-9a-f-]{36}"),
        ("aws:sqs/queue:Queue", r"arn:aws:sqs:eu-west-1:\d{12}:dev-x-[0-9a-f]{7}"),
    ],
)
def test_arns_have_aws_shapes(typ: str, arn: str) -> None:
    assert re.fullmatch(arn, new(typ, "dev-x")["arn"])


def test_an_eks_cluster_has_an_endpoint_a_certificate_and_an_oidc_issuer() -> None:
    cluster = new("aws:eks/cluster:Cluster", "dev-cluster", name="dev-cluster", version="1.33")
    assert cluster["id"] == "dev-cluster"
    assert re.fullmatch(r"https://[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com", cluster["endpoint"])
    assert cluster["certificateAuthority"]["data"]
    issuer = cluster["identities"][0]["oidcs"][0]["issuer"]
    assert re.fullmatch(r"https://oidc\.eks\.eu-west-1\.amazonaws\.com/id/[0-9A-F]{32}", issuer)


def test_given_names_are_kept_and_missing_ones_auto_named() -> None:
    assert new("aws:sqs/queue:Queue", "dev-q", name="dev-queue")["name"] == "dev-queue"
    assert re.fullmatch(r"dev-q-[0-9a-f]{7}", new("aws:sqs/queue:Queue", "dev-q")["name"])


def test_answers_are_the_same_every_time() -> None:
    assert new("aws:ec2/subnet:Subnet", "dev-a") == new("aws:ec2/subnet:Subnet", "dev-a")
    assert new("aws:ec2/subnet:Subnet", "dev-a")["id"] != new("aws:ec2/subnet:Subnet", "dev-b")["id"]


def zones_of(region: str) -> dict[str, str]:
    answer, _ = AwsLikeMocks(region).call(MockCallArgs("aws:index/getAvailabilityZones:getAvailabilityZones", {}, ""))
    return dict(zip(answer["names"], answer["zoneIds"], strict=True))


def test_invokes_answer_for_the_region() -> None:
    assert zones_of("eu-west-1") == {"eu-west-1a": "euw1-az2", "eu-west-1b": "euw1-az3", "eu-west-1c": "euw1-az1"}


@pytest.mark.parametrize(
    ("region", "zones"),
    [
        ("ca-central-1", {"ca-central-1a": "cac1-az1", "ca-central-1b": "cac1-az2", "ca-central-1d": "cac1-az4"}),
        (
            "ap-northeast-1",
            {"ap-northeast-1a": "apne1-az4", "ap-northeast-1c": "apne1-az1", "ap-northeast-1d": "apne1-az2"},
        ),
        ("us-west-1", {"us-west-1a": "usw1-az1", "us-west-1c": "usw1-az3"}),
        ("eu-west-2", {"eu-west-2a": "euw2-az2", "eu-west-2b": "euw2-az3", "eu-west-2c": "euw2-az1"}),
    ],
)
def test_zones_are_the_names_and_ids_aws_has(region: str, zones: dict[str, str]) -> None:
    """AZ IDs per region from AWS's "AWS Availability Zones" page (docs.aws.amazon.com/global-infrastructure/
    latest/regions/aws-availability-zones.html): ca-central-1 has no cac1-az3 and new accounts get two zones in
    us-west-1. Names as one account's `describe-availability-zones` gives them (networknext/next
    terraform/amazon.tfvars); regions opened after November 2012 map names to IDs the same in every account."""
    assert zones_of(region) == zones


def test_us_east_1_has_six_zones_and_the_one_eks_refuses() -> None:
    zones = zones_of("us-east-1")
    assert sorted(zones.values()) == [f"use1-az{n}" for n in range(1, 7)]
    assert len(zones) == 6 and "use1-az3" in zones.values()


def test_a_region_the_mocks_do_not_know_fails_naming_it() -> None:
    with pytest.raises(NotImplementedError, match="xx-nowhere-1"):
        zones_of("xx-nowhere-1")


def test_an_unmocked_invoke_fails_naming_it() -> None:
    with pytest.raises(NotImplementedError, match="aws:ec2/getVpc:getVpc"):
        MOCKS.call(MockCallArgs("aws:ec2/getVpc:getVpc", {}, ""))


def test_every_invoke_the_mocks_answer_is_one_some_stack_makes(stack_runs: dict[str, ProgramRun]) -> None:
    """An answer no stack asks for is dead code that drifts from AWS unnoticed."""
    asked = set().union(*(run.invoked for run in stack_runs.values()))
    assert set(MOCKS.invokes()) == asked


def test_every_region_the_settings_accept_has_its_zones_here() -> None:
    """A region the settings let through must plan, not end in the mocks' NotImplementedError."""
    for region in AWS_REGIONS:
        assert len(availability_zones(region)) >= 2, region
