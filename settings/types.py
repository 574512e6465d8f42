"""Value types shared by the settings models, and the base every settings model derives from.

Invariant guarded here: a value that passes one of these types is one AWS or Kubernetes accepts
in that place, so a typo fails at `pulumi preview` with the key named, not half-way through `up`.
"""

import difflib
import re
from ipaddress import IPv4Network
from typing import Annotated, Any

from pulumi_aws import Region
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

# Tag keys the program sets itself on every AWS resource (through the provider's default tags).
PLATFORM_TAG_KEYS = ("Project", "Stack", "Tier", "ManagedBy")


class KeyedError(ValueError):
    """A rule across fields failed: `key` (relative to the model that raised it) is the one to fix."""

    def __init__(self, key: str, message: str, given: Any = None) -> None:
        super().__init__(message)
        self.key, self.message, self.given = key, message, given


def matching(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"is not {what}")
        return value

    return AfterValidator(check)


# The regions of the `aws` partition, as the AWS provider lists them: the program writes its ARNs
# for that partition (arn:aws:...), so China, GovCloud, the ISO and sovereign-cloud partitions are out.
_OTHER_PARTITIONS = re.compile(r"cn-.*|us-gov-.*|.*-iso[a-z]?-.*|eusc-.*")
AWS_REGIONS = tuple(sorted(r.value for r in Region if not _OTHER_PARTITIONS.fullmatch(r.value)))


def _check_region(region: str) -> str:
    if region not in AWS_REGIONS:
        close = difflib.get_close_matches(region, AWS_REGIONS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ValueError(f"is not an AWS region of the aws partition ({hint}like eu-west-1 or us-east-2)")
    return region


AwsRegion = Annotated[str, AfterValidator(_check_region)]


def _check_account_id(account: str) -> str:
    if re.fullmatch(r"\d{1,11}", account):
        raise ValueError("is not a 12-digit AWS account ID (YAML drops the leading zeros of a bare number: quote it)")
    if not re.fullmatch(r"\d{12}", account):
        raise ValueError("is not a 12-digit AWS account ID")
    return account


AwsAccountId = Annotated[str, AfterValidator(_check_account_id)]
AvailabilityZone = Annotated[
    str, matching(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d[a-z]", "an availability zone name like eu-west-1a")
]
VpcId = Annotated[str, matching(r"vpc-([0-9a-f]{8}|[0-9a-f]{17})", "a VPC ID like vpc-0123456789abcdef0")]
SubnetId = Annotated[str, matching(r"subnet-([0-9a-f]{8}|[0-9a-f]{17})", "a subnet ID like subnet-0123456789abcdef0")]


# RFC 1918: the ranges a VPC and the Kubernetes Service range may take (EKS refuses a service
# range outside them; a VPC in link-local, CGNAT or benchmark space breaks routing or peering).
PRIVATE_RANGES = tuple(IPv4Network(r) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def in_private_range(network: IPv4Network) -> bool:
    return any(network.subnet_of(private) for private in PRIVATE_RANGES)


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


class SettingsModel(BaseModel):
    """Config keys are camelCase, as Pulumi stack files spell them; unknown keys are errors."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        extra="forbid",
        frozen=True,
    )
