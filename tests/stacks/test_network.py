"""The network: subnet ranges, NAT gateways by tier, the tags EKS needs, or an existing VPC."""

from ipaddress import IPv4Network

import pytest

from components.network import subnet_layout, usable_zones
from settings import SettingsError
from tests.support import CERTIFICATE, OAUTH_LOGIN, RunConfig

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.0.0/17", "192.168.0.0/18"])
@pytest.mark.parametrize("zones", [3, 4, 6])
def test_subnets_fit_in_the_vpc_and_never_overlap(cidr: str, zones: int) -> None:
    vpc = IPv4Network(cidr)
    layout = subnet_layout(vpc, [f"z{i}" for i in range(zones)])
    ranges = [s.private_cidr for s in layout] + [s.public_cidr for s in layout]
    assert all(r.subnet_of(vpc) for r in ranges)
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])
    assert [s.zone for s in layout] == [f"z{i}" for i in range(zones)]


def test_private_subnets_hold_the_user_servers() -> None:
    [first, *_] = subnet_layout(IPv4Network("10.0.0.0/16"), ["a", "b", "c"])
    # every user server takes a VPC address: thousands per zone, not hundreds
    assert first.private_cidr.num_addresses >= 8000
    assert first.public_cidr.num_addresses < first.private_cidr.num_addresses


def test_too_many_zones_for_the_layout_is_an_error() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        subnet_layout(IPv4Network("10.0.0.0/16"), [str(i) for i in range(8)])


def test_zones_are_picked_in_name_order() -> None:
    assert usable_zones(["eu-west-1c", "eu-west-1a"], ["euw1-az3", "euw1-az1"]) == ["eu-west-1a", "eu-west-1c"]


def test_zones_eks_cannot_use_are_left_out_by_id() -> None:
    names = ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert usable_zones(names, ["use1-az1", "use1-az3", "use1-az2"]) == ["us-east-1a", "us-east-1c"]


def test_us_east_1_plans_around_the_zone_eks_refuses(run_config: RunConfig) -> None:
    # the mocks answer with one real account's us-east-1, where use1-az3 is us-east-1e
    run = run_config({"aws:region": "us-east-1", "network": {"availabilityZoneCount": 5}})
    assert run.outputs["availabilityZones"] == ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"]


def test_a_ca_central_1_stack_plans_with_its_three_zones(run_config: RunConfig) -> None:
    """ca-central-1 has the zone IDs cac1-az1, cac1-az2 and cac1-az4, named ca-central-1a, b and d (AWS
    "AWS Availability Zones"); the EKS user guide's excluded cac1-az3 is not among them."""
    run = run_config({"aws:region": "ca-central-1"})
    assert run.outputs["availabilityZones"] == ["ca-central-1a", "ca-central-1b", "ca-central-1d"]
    private = sorted(s.inputs["availabilityZone"] for s in run.by_type(SUBNET) if "-private-" in s.name)
    assert private == ["ca-central-1a", "ca-central-1b", "ca-central-1d"]


@pytest.mark.parametrize(("tier", "nat_gateways"), [("production", 3), ("staging", 1), ("development", 1)])
def test_production_gets_a_nat_gateway_per_zone(run_config: RunConfig, tier: str, nat_gateways: int) -> None:
    run = run_config(
        {
            "tier": tier,
            "awsAccountId": "123456789012",
            "hub": OAUTH_LOGIN,
            "ingress": {"certificateArn": CERTIFICATE, "hostname": "hub.example.edu"},
        }
    )
    assert len(run.by_type(NAT)) == nat_gateways
    protected = {r.name for r in run.by_type("aws:ec2/eip:Eip") if r.protect}
    assert bool(protected) == (tier == "production"), protected


def test_every_private_subnet_routes_through_a_nat_gateway(run_config: RunConfig) -> None:
    run = run_config(
        {
            "tier": "production",
            "hub": OAUTH_LOGIN,
            "awsAccountId": "123456789012",
            "aws:region": "us-west-2",
            "network": {"availabilityZoneCount": 4},
            "ingress": {"certificateArn": CERTIFICATE.replace("eu-west-1", "us-west-2"), "hostname": "hub.x.edu"},
        }
    )
    routes = [r for r in run.by_type("aws:ec2/route:Route") if "natGatewayId" in r.inputs]
    assert len(routes) == 4
    assert {r.inputs["destinationCidrBlock"] for r in routes} == {"0.0.0.0/0"}


def test_subnets_carry_the_tags_eks_load_balancers_need(run_config: RunConfig) -> None:
    run = run_config()
    subnets = run.by_type(SUBNET)
    assert len(subnets) == 6
    for subnet in subnets:
        tags = subnet.inputs["tags"]
        role = "kubernetes.io/role/elb" if "-public-" in subnet.name else "kubernetes.io/role/internal-elb"
        assert tags.get(role) == "1", subnet.name
        assert tags.get("kubernetes.io/cluster/dev-cluster") == "shared", subnet.name
        assert not subnet.inputs.get("mapPublicIpOnLaunch"), subnet.name


def test_one_subnet_of_each_kind_per_zone(run_config: RunConfig) -> None:
    run = run_config({"network": {"availabilityZoneCount": 3}})
    zones = run.outputs["availabilityZones"]
    assert zones == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    for kind in ("private", "public"):
        placed = sorted(s.inputs["availabilityZone"] for s in run.by_type(SUBNET) if f"-{kind}-" in s.name)
        assert placed == zones, kind


def test_an_existing_network_creates_nothing_and_is_passed_on(run_config: RunConfig) -> None:
    existing = {
        "vpcId": "vpc-0123456789abcdef0",
        "privateSubnetIds": {"eu-west-1b": "subnet-0000000000000000b", "eu-west-1a": "subnet-0000000000000000a"},
        "publicSubnetIds": {"eu-west-1a": "subnet-0000000000000001a", "eu-west-1b": "subnet-0000000000000001b"},
    }
    run = run_config({"network": {"existing": existing}})
    assert not [r.name for r in run.resources if "jupyterhub:aws:Network$" in r.urn]
    assert run.outputs["vpcId"] == existing["vpcId"]
    assert run.outputs["availabilityZones"] == ["eu-west-1a", "eu-west-1b"]
    assert run.outputs["privateSubnetIds"] == ["subnet-0000000000000000a", "subnet-0000000000000000b"]
    groups = {r.name: r.inputs["vpcZoneIdentifiers"] for r in run.by_type("aws:autoscaling/group:Group")}
    assert groups == {
        "dev-user-nodes-eu-west-1a": ["subnet-0000000000000000a"],
        "dev-user-nodes-eu-west-1b": ["subnet-0000000000000000b"],
    }


def test_a_region_with_too_few_zones_is_a_settings_error(run_config: RunConfig) -> None:
    # the mocks offer three zones in eu-west-1, like AWS does
    with pytest.raises(SettingsError, match=r"dev: network\.availabilityZoneCount: the region has only 3 zones"):
        run_config({"network": {"availabilityZoneCount": 4}})
