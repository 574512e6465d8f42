"""The mocks answer like AWS: IDs, ARNs and endpoints in AWS's shapes, the same every time."""

import re
from typing import Any

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from tools.plan.mocks import AwsLikeMocks
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


def test_invokes_answer_for_the_region() -> None:
    zones, _ = MOCKS.call(MockCallArgs("aws:index/getAvailabilityZones:getAvailabilityZones", {}, ""))
    assert zones["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert zones["zoneIds"] == ["euw1-az1", "euw1-az2", "euw1-az3"]


def test_an_unmocked_invoke_fails_naming_it() -> None:
    with pytest.raises(NotImplementedError, match="aws:ec2/getVpc:getVpc"):
        MOCKS.call(MockCallArgs("aws:ec2/getVpc:getVpc", {}, ""))


def test_every_invoke_the_mocks_answer_is_one_some_stack_makes(stack_runs: dict[str, ProgramRun]) -> None:
    """An answer no stack asks for is dead code that drifts from AWS unnoticed."""
    asked = set().union(*(run.invoked for run in stack_runs.values()))
    assert set(MOCKS.invokes()) == asked
