"""Network settings: the VPC the program creates, or an existing one."""

from ipaddress import IPv4Network
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic.alias_generators import to_camel

from settings.types import AvailabilityZone, KeyedError, SettingsModel, SubnetId, VpcId, in_private_range


def _check_vpc_cidr(network: IPv4Network) -> IPv4Network:
    if not in_private_range(network):
        raise ValueError("must be a private range (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)")
    if not 16 <= network.prefixlen <= 18:
        raise ValueError(
            "must be a /16, /17 or /18: every user server takes an address from a private subnet, "
            "and a /18 leaves each of up to 6 zones about 2,000"
        )
    return network


class ExistingNetworkSettings(SettingsModel):
    vpc_id: VpcId = Field(description="ID of the VPC the cluster goes into.")
    private_subnet_ids: dict[AvailabilityZone, SubnetId] = Field(
        min_length=2,
        description=(
            "Private subnets for nodes and user servers, one per availability zone, as a map from zone "
            "to subnet ID. EKS needs at least 2 zones. Each needs a route to a NAT gateway and the tags "
            "`kubernetes.io/role/internal-elb=1` and `kubernetes.io/cluster/<prefix>-cluster=shared`."
        ),
    )
    public_subnet_ids: dict[AvailabilityZone, SubnetId] = Field(
        min_length=2,
        description=(
            "Public subnets for the internet-facing load balancer, one per zone of `privateSubnetIds`. "
            "Each needs the tags `kubernetes.io/role/elb=1` and `kubernetes.io/cluster/<prefix>-cluster=shared`."
        ),
    )

    @model_validator(mode="after")
    def _a_subnet_is_public_or_private(self) -> Self:
        # A subnet in both lists would put the nodes behind the internet gateway, or the load
        # balancer where nothing routes to it.
        both = sorted(set(self.private_subnet_ids.values()) & set(self.public_subnet_ids.values()))
        if both:
            raise KeyedError("publicSubnetIds", "must differ from privateSubnetIds: a subnet is one or the other", both)
        for key, subnets in (
            ("privateSubnetIds", self.private_subnet_ids),
            ("publicSubnetIds", self.public_subnet_ids),
        ):
            repeated = sorted({s for s in subnets.values() if list(subnets.values()).count(s) > 1})
            if repeated:
                raise KeyedError(key, "names a subnet for more than one zone: a subnet lies in one zone", repeated)
        return self

    @model_validator(mode="after")
    def _same_zones(self) -> Self:
        if set(self.private_subnet_ids) != set(self.public_subnet_ids):
            raise KeyedError(
                "publicSubnetIds",
                "must name the same availability zones as privateSubnetIds "
                f"({', '.join(sorted(self.private_subnet_ids))})",
                sorted(self.public_subnet_ids),
            )
        return self


class NetworkSettings(SettingsModel):
    availability_zone_count: int = Field(
        default=3,
        ge=3,
        le=6,
        description=(
            "How many availability zones the VPC spans (3 to 6), taken in order from the zones the region "
            "offers without opt-in. Three keeps the hub up through a zone outage and gives spot capacity "
            "three pools to come from."
        ),
    )
    vpc_cidr: Annotated[IPv4Network, AfterValidator(_check_vpc_cidr)] = Field(
        default=IPv4Network("10.0.0.0/16"),
        description=(
            "Private IPv4 range of the VPC, a /16 to /18. Each zone gets a private subnet of one eighth of it "
            "(a /19 from a /16: about 8,000 addresses, since every user server takes one) and a public "
            "subnet of one sixty-fourth. Pick a range that does not overlap networks you peer with."
        ),
    )
    existing: ExistingNetworkSettings | None = Field(
        default=None,
        description=(
            "Use an existing VPC and subnets instead of creating them. The program then creates no network "
            "resources; `availabilityZoneCount` and `vpcCidr` must be left out."
        ),
    )

    @model_validator(mode="after")
    def _existing_excludes_own(self) -> Self:
        own = sorted({"availability_zone_count", "vpc_cidr"} & self.model_fields_set)
        if self.existing is not None and own:
            raise KeyedError(
                to_camel(own[0]),
                "cannot be set together with existing: an existing network brings its own zones and range",
                str(getattr(self, own[0])),
            )
        return self
