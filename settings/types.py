"""Value types shared by the settings models, and the base every settings model derives from.

Invariant guarded here: a value that passes one of these types is one AWS or Kubernetes accepts
in that place, so a typo fails at `pulumi preview` with the key named, not half-way through `up`.
"""

import re
from typing import Annotated, Any

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


AwsRegion = Annotated[str, matching(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", "an AWS region name like eu-west-1")]
AwsAccountId = Annotated[str, matching(r"\d{12}", "a 12-digit AWS account ID")]
AvailabilityZone = Annotated[
    str, matching(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d[a-z]", "an availability zone name like eu-west-1a")
]
VpcId = Annotated[str, matching(r"vpc-([0-9a-f]{8}|[0-9a-f]{17})", "a VPC ID like vpc-0123456789abcdef0")]
SubnetId = Annotated[str, matching(r"subnet-([0-9a-f]{8}|[0-9a-f]{17})", "a subnet ID like subnet-0123456789abcdef0")]


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
