"""The typed settings of one stack: every value the program reads from its config.

Invariant guarded here: a stack whose config validates against `StackConfig` can be deployed;
everything a user can get wrong is caught by a field type, a field validator or a
`model_validator`, with no network call. The README's configuration reference is generated from
these fields, so every field has a description saying what it is, its unit and why its default.
"""

import re
from ipaddress import IPv4Network
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from settings.naming import prefix_problems, prefixed
from settings.tiers import Tier, TierPolicy, policy_for

# Tag keys the program sets itself on every AWS resource (through the provider's default tags).
PLATFORM_TAG_KEYS = ("Project", "Stack", "Tier", "ManagedBy")


class KeyedError(ValueError):
    """A rule across fields failed: `key` (relative to the model that raised it) is the one to fix."""

    def __init__(self, key: str, message: str, given: Any = None) -> None:
        super().__init__(message)
        self.key, self.message, self.given = key, message, given


def _matching(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"is not {what}")
        return value

    return AfterValidator(check)


AwsRegion = Annotated[str, _matching(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", "an AWS region name like eu-west-1")]
AwsAccountId = Annotated[str, _matching(r"\d{12}", "a 12-digit AWS account ID")]
AvailabilityZone = Annotated[
    str, _matching(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d[a-z]", "an availability zone name like eu-west-1a")
]
VpcId = Annotated[str, _matching(r"vpc-([0-9a-f]{8}|[0-9a-f]{17})", "a VPC ID like vpc-0123456789abcdef0")]
SubnetId = Annotated[str, _matching(r"subnet-([0-9a-f]{8}|[0-9a-f]{17})", "a subnet ID like subnet-0123456789abcdef0")]


def _check_tag_key(key: str) -> str:
    if key in PLATFORM_TAG_KEYS:
        raise ValueError(f"is set by the program on every resource ({', '.join(PLATFORM_TAG_KEYS)})")
    if key.lower().startswith("aws:"):
        raise ValueError("starts with aws:, which AWS reserves for its own tags")
    if not 1 <= len(key) <= 128 or not re.fullmatch(r"[\w .:/=+\-@]+", key):
        raise ValueError("is not an AWS tag key (1 to 128 letters, digits, spaces and _ . : / = + - @)")
    return key


def _check_tag_value(value: str) -> str:
    if len(value) > 256 or not re.fullmatch(r"[\w .:/=+\-@]*", value):
        raise ValueError("is not an AWS tag value (up to 256 letters, digits, spaces and _ . : / = + - @)")
    return value


TagKey = Annotated[str, AfterValidator(_check_tag_key)]
TagValue = Annotated[str, AfterValidator(_check_tag_value)]


def _check_vpc_cidr(network: IPv4Network) -> IPv4Network:
    if not network.is_private:
        raise ValueError("must be a private range (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)")
    if not 16 <= network.prefixlen <= 18:
        raise ValueError(
            "must be a /16, /17 or /18: every user server takes an address from a private subnet, "
            "and a /18 leaves each of up to 6 zones about 2,000"
        )
    return network


def _check_stack_name(stack: str) -> str:
    problems = prefix_problems(stack)
    if problems:
        raise ValueError("; ".join(problems))
    return stack


class _Settings(BaseModel):
    """Config keys are camelCase, as Pulumi stack files spell them; unknown keys are errors."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        extra="forbid",
        frozen=True,
    )


class ExistingNetworkSettings(_Settings):
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
    def _same_zones(self) -> Self:
        if set(self.private_subnet_ids) != set(self.public_subnet_ids):
            raise KeyedError(
                "publicSubnetIds",
                "must name the same availability zones as privateSubnetIds "
                f"({', '.join(sorted(self.private_subnet_ids))})",
                sorted(self.public_subnet_ids),
            )
        return self


class NetworkSettings(_Settings):
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

    @property
    def zone_count(self) -> int:
        if self.existing is not None:
            return len(self.existing.private_subnet_ids)
        return self.availability_zone_count


class StackConfig(_Settings):
    """Everything a stack file says. Keys without a namespace live in this project's namespace."""

    tier: Tier = Field(
        description=(
            "What this stack is: `production`, `staging`, `development` or `review`. Rules that differ "
            "between environments (protection of stateful resources, NAT gateways, replica counts, "
            "allowed authenticators) follow the tier, never the stack name."
        ),
    )
    aws_region: AwsRegion = Field(
        alias="aws:region",
        description=(
            "AWS region of every resource (the AWS provider's own key). Pick one close to the students "
            "with at least 3 availability zones."
        ),
    )
    aws_account_id: AwsAccountId | None = Field(
        default=None,
        description=(
            "The AWS account this stack belongs to. When set, the AWS provider refuses to touch any other "
            "account, so production config cannot land in a development account by a wrong profile."
        ),
    )
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        description=(
            "Extra tags on every AWS resource, for example a cost centre or an owner's e-mail. The program "
            f"always sets {', '.join(PLATFORM_TAG_KEYS)} itself."
        ),
    )
    network: NetworkSettings = Field(
        default_factory=NetworkSettings,
        description="The VPC: created by the program, or an existing one.",
    )

    @model_validator(mode="after")
    def _zones_in_region(self) -> Self:
        existing = self.network.existing
        if existing is None:
            return self
        zones = set(existing.private_subnet_ids) | set(existing.public_subnet_ids)
        foreign = sorted(z for z in zones if not z.startswith(self.aws_region))
        if foreign:
            raise KeyedError("network.existing", f"names zones outside the region {self.aws_region}", foreign)
        return self

    @model_validator(mode="after")
    def _production_names_its_account(self) -> Self:
        if self.tier is Tier.PRODUCTION and self.aws_account_id is None:
            raise KeyedError(
                "awsAccountId",
                "is required for a production stack, so that it can never be deployed into another account",
            )
        return self


class StackSettings(StackConfig):
    """A stack's config plus what Pulumi says about the stack itself."""

    project: str = Field(description="The Pulumi project name.")
    stack: Annotated[str, AfterValidator(_check_stack_name)] = Field(
        description="The Pulumi stack name; it is the prefix of every name the program builds.",
    )

    @property
    def prefix(self) -> str:
        return self.stack

    @property
    def policy(self) -> TierPolicy:
        return policy_for(self.tier)

    def name(self, *parts: str) -> str:
        """The stack-prefixed name of a thing: `settings.name("network")` is `dev-network`."""
        return prefixed(self.prefix, *parts)

    @property
    def aws_tags(self) -> dict[str, str]:
        """Default tags of the AWS provider: on every resource that takes tags, usable for cost allocation."""
        return {
            **self.tags,
            "Project": self.project,
            "Stack": self.stack,
            "Tier": self.tier.value,
            "ManagedBy": "pulumi",
        }
