"""The network a stack's cluster lives in: a VPC across availability zones, or an existing one.

Invariant guarded here: whatever the source, the component hands the rest of the program the
same shape (VPC ID, zones, and one private and one public subnet per zone), and the subnets it
creates carry the tags that EKS needs to place load balancers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

from settings import SettingsError
from settings.loader import Problem
from settings.network import NetworkSettings

# Each zone's private subnet is one eighth of the VPC (user servers take their addresses from
# it through the VPC CNI); the public subnets, which hold only load balancers and NAT gateways,
# share the last eighth in sixty-fourths. Room for 7 zones, and the config allows 6.
_PRIVATE_SPLIT_BITS = 3
_PUBLIC_SPLIT_BITS = 6


@dataclass(frozen=True)
class ZoneSubnets:
    zone: str
    private_cidr: IPv4Network
    public_cidr: IPv4Network


def subnet_layout(vpc_cidr: IPv4Network, zones: list[str]) -> list[ZoneSubnets]:
    """The private and public subnet ranges of each zone, in zone order; never overlapping."""
    private = list(vpc_cidr.subnets(prefixlen_diff=_PRIVATE_SPLIT_BITS))
    public = list(private[-1].subnets(prefixlen_diff=_PUBLIC_SPLIT_BITS - _PRIVATE_SPLIT_BITS))
    if len(zones) > len(private) - 1:
        raise ValueError(f"{len(zones)} zones do not fit in {vpc_cidr}: at most {len(private) - 1}")
    return [ZoneSubnets(zone, private[i], public[i]) for i, zone in enumerate(zones)]


# Zone IDs where EKS cannot place a control plane (EKS user guide, "Cluster VPC and subnet
# requirements"). Zone names map to different IDs in each account, so the check is by ID.
EKS_UNSUPPORTED_ZONE_IDS = frozenset({"use1-az3", "usw1-az2", "cac1-az3"})


def usable_zones(names: Sequence[str], zone_ids: Sequence[str]) -> list[str]:
    """The zones EKS can use, in name order, so the choice is stable between runs."""
    return sorted(
        name for name, zone_id in zip(names, zone_ids, strict=True) if zone_id not in EKS_UNSUPPORTED_ZONE_IDS
    )


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    cluster_name: str
    """Name of the EKS cluster, for the `kubernetes.io/cluster/<name>` subnet tag."""
    nat_gateway_per_zone: bool
    protect_addresses: bool
    """Protect the NAT gateways' Elastic IPs: identity providers and licence servers allow-list them."""
    region: str
    stack: str
    """For error messages that name the stack."""


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    availability_zones: list[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids_by_zone: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:Network", name, None, opts)
        existing = args.settings.existing
        if existing is not None:
            self.vpc_id = pulumi.Output.from_input(existing.vpc_id)
            self.availability_zones = sorted(existing.private_subnet_ids)
            private = {z: pulumi.Output.from_input(existing.private_subnet_ids[z]) for z in self.availability_zones}
            public = {z: pulumi.Output.from_input(existing.public_subnet_ids[z]) for z in self.availability_zones}
        else:
            self.availability_zones = self._zones(args)
            private, public = self._create(name, args)

        self.private_subnet_ids_by_zone = private
        self.private_subnet_ids = pulumi.Output.all(*private.values())
        self.public_subnet_ids = pulumi.Output.all(*public.values())
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "availability_zones": self.availability_zones,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
            }
        )

    def _zones(self, args: NetworkArgs) -> list[str]:
        # Zones that need opt-in (Local Zones, Wavelength) have no EKS-managed capacity to speak of.
        offered = aws.get_availability_zones(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self),
        )
        usable = usable_zones(offered.names, offered.zone_ids)
        wanted = args.settings.availability_zone_count
        if len(usable) < wanted:
            problem = Problem(
                "network.availabilityZoneCount",
                f"the region has only {len(usable)} zones EKS can use ({', '.join(usable)}), and the platform "
                "spreads over at least 3: pick a region (aws:region) with 3 or more",
                str(wanted),
            )
            raise SettingsError(args.stack, [problem])
        return usable[:wanted]

    def _create(
        self, name: str, args: NetworkArgs
    ) -> tuple[dict[str, pulumi.Output[str]], dict[str, pulumi.Output[str]]]:
        child = pulumi.ResourceOptions(parent=self)
        cluster_tag = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(args.settings.vpc_cidr),
            enable_dns_hostnames=True,  # EKS nodes register with their private DNS names
            enable_dns_support=True,
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        self.vpc_id = vpc.id
        # The default security group of a new VPC lets everything in it talk; take its rules away so
        # that only the security groups the cluster defines say who may talk to whom.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, tags={"Name": f"{name}-default"}, opts=child)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child)
        public_routes = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id, tags={"Name": f"{name}-public"}, opts=child)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_routes.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=child,
        )

        private: dict[str, pulumi.Output[str]] = {}
        public: dict[str, pulumi.Output[str]] = {}
        private_route_tables: list[pulumi.Output[str]] = []
        nat_gateway_id: pulumi.Output[str] | None = None
        for layout in subnet_layout(args.settings.vpc_cidr, self.availability_zones):
            zone = layout.zone
            public_subnet = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=str(layout.public_cidr),
                # Nodes never live here; only load balancers and NAT gateways, which get their own addresses.
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-public-{zone}", "kubernetes.io/role/elb": "1", **cluster_tag},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}",
                subnet_id=public_subnet.id,
                route_table_id=public_routes.id,
                opts=child,
            )
            private_subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=str(layout.private_cidr),
                tags={"Name": f"{name}-private-{zone}", "kubernetes.io/role/internal-elb": "1", **cluster_tag},
                opts=child,
            )
            if nat_gateway_id is None or args.nat_gateway_per_zone:
                nat_gateway_id = self._nat_gateway(f"{name}-nat-{zone}", public_subnet, gateway, args.protect_addresses)
            route_table = aws.ec2.RouteTable(
                f"{name}-private-{zone}", vpc_id=vpc.id, tags={"Name": f"{name}-private-{zone}"}, opts=child
            )
            aws.ec2.Route(
                f"{name}-private-{zone}-default",
                route_table_id=route_table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat_gateway_id,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}",
                subnet_id=private_subnet.id,
                route_table_id=route_table.id,
                opts=child,
            )
            private[zone] = private_subnet.id
            public[zone] = public_subnet.id
            private_route_tables.append(route_table.id)

        # Image layers from ECR come from S3: a gateway endpoint is free and keeps a class's worth
        # of image pulls off the NAT gateways' per-GB charge.
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=private_route_tables,
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        return private, public

    def _nat_gateway(
        self, name: str, subnet: aws.ec2.Subnet, gateway: aws.ec2.InternetGateway, protect: bool
    ) -> pulumi.Output[str]:
        address = aws.ec2.Eip(
            f"{name}-ip",
            domain="vpc",
            tags={"Name": f"{name}-ip"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway], protect=protect),
        )
        nat = aws.ec2.NatGateway(
            name,
            allocation_id=address.id,
            subnet_id=subnet.id,
            tags={"Name": name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
        )
        return nat.id
