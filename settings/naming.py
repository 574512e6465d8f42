"""The stack name is the prefix of every name the platform builds.

Invariant guarded here: a stack name that `prefix_problems` accepts yields names that fit every
limit they meet, in AWS and in Kubernetes, so a bad stack name fails before any resource is
registered instead of half-way through `pulumi up`.

How the maximum length is worked out: `LONGEST_NAMES` lists, for each tight limit the platform
meets, the longest suffix it appends to the prefix there. The prefix may be as long as the
tightest of those leaves room for. A component that builds a longer name against one of these
limits, or a name against a tighter limit, adds its row here, and the maximum follows.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameLimit:
    """One physical name the platform builds from the prefix, and the limit it must fit."""

    what: str
    suffix: str
    limit: int
    appended: int = 0
    """Characters the service itself appends (a unique suffix after a name prefix)."""

    @property
    def room_for_prefix(self) -> int:
        return self.limit - len(self.suffix) - self.appended

    @property
    def shape(self) -> str:
        extra = f"<{self.appended} characters>" if self.appended else ""
        return f"<prefix>{self.suffix}{extra}"


LONGEST_NAMES: tuple[NameLimit, ...] = (
    # EKS caps node group names at 63; given a name prefix, it appends 26 characters of its own.
    NameLimit("EKS node group name of the core nodes", "-core-nodes-", 63, appended=26),
    # Helm keeps the release name in a label of its own and caps it at 53.
    NameLimit("Helm release name of the node termination handler", "-node-termination-handler", 53),
    # EventBridge rule names are capped at 64.
    NameLimit("EventBridge rule name for instance state changes", "-nth-instance-state-change", 64),
    # IAM role names are capped at 64.
    NameLimit("IAM role name of the node termination handler", "-node-termination-handler", 64),
    # Kubernetes object names that are DNS labels (Services, Pods) are capped at 63; z2jh's
    # longest name derived from fullnameOverride is its image-awaiter hook.
    NameLimit("Kubernetes object name of z2jh's image awaiter", "-hook-image-awaiter", 63),
    # Namespaces are DNS labels too; the platform services' one is the longest.
    NameLimit("Kubernetes namespace of the platform services", "-system", 63),
)

TIGHTEST: NameLimit = min(LONGEST_NAMES, key=lambda n: n.room_for_prefix)
MAX_PREFIX_LENGTH: int = TIGHTEST.room_for_prefix

# A DNS label (RFC 1123) that starts with a letter, so the prefix is valid wherever a Kubernetes
# name, a DNS name or an AWS name goes.
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

# Names that some service refuses or that already mean something: security group names may not
# start with "sg-", AWS reserves "aws" in several services, and Kubernetes owns "kube-*" and
# "default" namespaces.
_RESERVED_STARTS = ("sg-", "aws", "kube-")
_RESERVED_NAMES = ("default",)


def prefix_problems(stack: str) -> list[str]:
    """Return every reason `stack` cannot serve as the prefix of the platform's names."""
    problems: list[str] = []
    if not _DNS_LABEL.match(stack):
        problems.append(
            "must be a DNS label: lowercase letters, digits and hyphens, starting with a letter "
            "and ending with a letter or digit (review stacks are named like pr-123)"
        )
    if len(stack) > MAX_PREFIX_LENGTH:
        problems.append(
            f"is {len(stack)} characters long; at most {MAX_PREFIX_LENGTH} fit, because the "
            f"{TIGHTEST.what} {TIGHTEST.shape} must fit in {TIGHTEST.limit}"
        )
    for start in _RESERVED_STARTS:
        if stack.startswith(start):
            problems.append(f"must not start with {start!r}, which AWS or Kubernetes reserves")
    if stack in _RESERVED_NAMES:
        problems.append(f"must not be {stack!r}, which Kubernetes already uses as a namespace")
    return problems


def prefixed(prefix: str, *parts: str) -> str:
    """`prefixed("dev", "network", "vpc")` is `"dev-network-vpc"`."""
    return "-".join((prefix, *parts))
