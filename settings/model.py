"""The typed settings of one stack: every value the program reads from its config.

Invariant guarded here: a stack whose config validates against `StackConfig` can be deployed;
everything a user can get wrong is caught by a field type, a field validator or a
`model_validator`, with no network call. The README's configuration reference is generated from
these fields, so every field has a description saying what it is, its unit and why its default.
"""

from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from settings.naming import prefix_problems, prefixed
from settings.network import NetworkSettings
from settings.tiers import Tier, TierPolicy, policy_for
from settings.types import PLATFORM_TAG_KEYS, AwsAccountId, AwsRegion, KeyedError, SettingsModel, TagKey, TagValue


def _check_stack_name(stack: str) -> str:
    problems = prefix_problems(stack)
    if problems:
        raise ValueError("; ".join(problems))
    return stack


class StackConfig(SettingsModel):
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
