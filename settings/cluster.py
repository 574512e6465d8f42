"""Cluster settings: where the cluster comes from, and in `eks` mode its shape and nodes."""

import difflib
import re
from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, SecretStr, model_validator
from pydantic.alias_generators import to_camel

from settings.instance_types import INSTANCE_TYPES
from settings.types import KeyedError, SettingsModel, in_private_range, matching


class ClusterMode(StrEnum):
    EKS = "eks"
    KUBECONFIG = "kubeconfig"
    STACK = "stack"


# z2jh 4.4.0 needs Kubernetes 1.28 or newer; EKS offers AL2023 nodes for the versions in
# standard or extended support. The upper bound is what this release has been planned against.
_MIN_MINOR, _MAX_MINOR = 30, 36


def _check_kubernetes_version(version: str) -> str:
    match = re.fullmatch(r"1\.(\d+)", version)
    if not match or not _MIN_MINOR <= int(match.group(1)) <= _MAX_MINOR:
        raise ValueError(f"must be a Kubernetes minor version from 1.{_MIN_MINOR} to 1.{_MAX_MINOR}, like 1.35")
    return version


# Graviton families carry a "g" right after their generation (t4g, m7g, c7gn, r8gd, x2gd, im4gn,
# is4gen), whether or not the table below lists them; a GPU family like g5 does not.
_GRAVITON_FAMILY = re.compile(r"[a-z]+\d+g[a-z]*\.\w+")


def _check_instance_type(name: str) -> str:
    if _GRAVITON_FAMILY.fullmatch(name):
        raise ValueError("is a Graviton (arm64) type; the nodes run the x86_64 EKS AMI")
    known = INSTANCE_TYPES.get(name)
    if known is None:
        x86 = [t for t, facts in INSTANCE_TYPES.items() if facts.architecture == "x86_64"]
        close = difflib.get_close_matches(name, x86, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ValueError(
            f"is not an instance type the platform knows ({hint}settings/instance_types.py lists them with the "
            "facts the capacity arithmetic needs; add one there)"
        )
    if known.architecture != "x86_64":
        raise ValueError("is a Graviton (arm64) type; the nodes run the x86_64 EKS AMI")
    return name


def _check_public_access_cidr(network: IPv4Network) -> IPv4Network:
    # EKS: the endpoint's public access CIDR blocks "cannot include reserved addresses" (private,
    # shared, link-local, loopback ranges); everywhere is 0.0.0.0/0.
    if network.prefixlen and not network.is_global:
        raise ValueError("must be a public range (the campus's or CI's): EKS refuses private and reserved ones")
    return network


def _check_service_cidr(network: IPv4Network) -> IPv4Network:
    # EKS's own rules for serviceIpv4Cidr (API reference, KubernetesNetworkConfigRequest).
    if not in_private_range(network):
        raise ValueError("must lie inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, as EKS requires")
    if not 12 <= network.prefixlen <= 24:
        raise ValueError("must be a /12 to /24, as EKS requires")
    return network


def _same_size_types(types: list[str]) -> list[str]:
    """One size for every type of a group: cluster-autoscaler models a group from one of its types,
    and the capacity arithmetic takes the first; a smaller type would be over-filled."""
    if not types:
        return types  # the field's own minimum length reports it
    repeated = sorted({t for t in types if types.count(t) > 1})
    if repeated:
        raise ValueError(f"names {', '.join(repeated)} more than once")
    first = INSTANCE_TYPES[types[0]]
    for name in types[1:]:
        other = INSTANCE_TYPES[name]
        if (other.vcpus, other.memory_mib) != (first.vcpus, first.memory_mib):
            raise ValueError(
                f"mixes sizes: {first.name} has {first.vcpus} vCPU and {first.memory_mib // 1024} GiB, {name} has "
                f"{other.vcpus} vCPU and {other.memory_mib // 1024} GiB; give types of one size"
            )
    return types


KubernetesVersion = Annotated[str, AfterValidator(_check_kubernetes_version)]
InstanceType = Annotated[str, AfterValidator(_check_instance_type)]
InstanceTypes = Annotated[list[InstanceType], AfterValidator(_same_size_types)]
IamPrincipalArn = Annotated[
    str,
    matching(
        r"arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+",
        "the ARN of an IAM role or user, like arn:aws:iam::123456789012:role/Admin",
    ),
]
StackReferenceName = Annotated[
    str, matching(r"[\w.-]+/[\w.-]+/[\w.-]+", "a fully qualified stack name, organization/project/stack")
]
AmiId = Annotated[str, matching(r"ami-([0-9a-f]{8}|[0-9a-f]{17})", "an AMI ID like ami-0123456789abcdef0")]
LogType = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]
# The retention periods CloudWatch Logs accepts.
RetentionDays = Literal[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557]


# Six 8 vCPU / 32 GiB x86_64 types from three families and two vendors: spot pools that rarely
# all run dry at once.
DEFAULT_USER_INSTANCE_TYPES = ("t3.2xlarge", "t3a.2xlarge", "m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge", "m6a.2xlarge")
_DEFAULT_LOG_TYPES: list[LogType] = ["api", "audit", "authenticator"]


class CoreNodesSettings(SettingsModel):
    instance_types: InstanceTypes = Field(
        default_factory=lambda: ["m6i.large"],
        min_length=1,
        description=(
            "On-demand instance types of the core node group, which runs the hub, the proxy, Traefik and the "
            "controllers. 2 vCPU / 8 GiB is ample for a few hundred users; a fixed-performance type avoids "
            "burst credits running out during a class."
        ),
    )
    min_size: int = Field(default=2, ge=1, le=20, description="Fewest core nodes. Production needs at least 2.")
    desired_size: int = Field(
        default=2, ge=1, le=20, description="Core nodes at creation; later changes by hand or autoscaler are kept."
    )
    max_size: int = Field(
        default=4, ge=1, le=20, description="Most core nodes; room for a second Traefik or a hub upgrade."
    )
    disk_size_gib: int = Field(default=50, ge=20, le=1000, description="Encrypted gp3 root volume per core node, GiB.")

    @model_validator(mode="after")
    def _sizes_in_order(self) -> Self:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise KeyedError(
                "desiredSize",
                f"must lie between minSize {self.min_size} and maxSize {self.max_size}",
                self.desired_size,
            )
        return self


class UserNodesSettings(SettingsModel):
    instance_types: InstanceTypes = Field(
        default_factory=lambda: list(DEFAULT_USER_INSTANCE_TYPES),
        min_length=2,
        description=(
            "Spot instance types for user servers, all the same size so the autoscaler can treat the groups "
            "alike. 8 vCPU / 32 GiB holds 53 students (23 with EBS homes); the more types, the less often spot "
            "capacity runs dry. Each must be in settings/instance_types.py."
        ),
    )
    min_per_zone: int = Field(
        default=0, ge=0, le=100, description="Fewest user nodes per zone; 0 lets an empty cluster cost nothing."
    )
    max_per_zone: int = Field(
        default=8,
        ge=1,
        le=100,
        description=(
            "Most user nodes per zone: with 3 zones, 8 hold about 1,270 students on a shared filesystem (53 a "
            "node) or 550 with EBS homes (23 a node; see the README)."
        ),
    )
    desired_per_zone: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description=(
            "User nodes per zone at creation. Left out, cluster-autoscaler decides, and the program never "
            "fights it: changes it makes are kept."
        ),
    )
    root_volume_gib: int = Field(
        default=100,
        ge=30,
        le=1000,
        description="Encrypted gp3 root volume per user node, GiB: room for a few multi-GB notebook images.",
    )
    ami_id: AmiId | None = Field(
        default=None,
        description=(
            "Pin the user nodes' AMI. Left out, the nodes follow AWS's recommended EKS AL2023 image for the "
            "cluster version, and a new image rolls the nodes; pin it in exam weeks."
        ),
    )

    @model_validator(mode="after")
    def _sizes_in_order(self) -> Self:
        if self.min_per_zone > self.max_per_zone:
            raise KeyedError("minPerZone", f"must not exceed maxPerZone {self.max_per_zone}", self.min_per_zone)
        desired = self.desired_per_zone
        if desired is not None and not self.min_per_zone <= desired <= self.max_per_zone:
            raise KeyedError("desiredPerZone", "must lie between minPerZone and maxPerZone", desired)
        return self


_EKS_ONLY = (
    "admins",
    "key_administrators",
    "endpoint_public_access",
    "public_access_cidrs",
    "log_types",
    "log_retention_days",
    "service_cidr",
    "core_nodes",
    "user_nodes",
)
_MODE_KEYS = {
    ClusterMode.EKS: ("kubernetes_version",),
    ClusterMode.KUBECONFIG: ("kubeconfig", "context", "kubernetes_version"),
    ClusterMode.STACK: ("stack",),
}


class ClusterSettings(SettingsModel):
    mode: ClusterMode = Field(
        default=ClusterMode.EKS,
        description=(
            "Where the cluster comes from: `eks` creates it; `kubeconfig` uses an existing one (a local kind "
            "cluster, or one built elsewhere) and creates no AWS resources; `stack` uses the cluster of another "
            "stack of this project, as review stacks do with the test cluster."
        ),
    )
    kubernetes_version: KubernetesVersion = Field(
        default="1.35",
        description=(
            "`eks`: Kubernetes minor version of the control plane and nodes. `kubeconfig`: the existing "
            "cluster's minor version. z2jh's user scheduler runs the kube-scheduler of the same version "
            "(`stack` mode takes the referenced stack's)."
        ),
    )
    admins: list[IamPrincipalArn] = Field(
        default_factory=list,
        description=(
            "`eks`: IAM roles and users given cluster-admin through EKS access entries. The identity that "
            "creates the cluster is admin already (do not list it again)."
        ),
    )
    key_administrators: list[IamPrincipalArn] = Field(
        default_factory=list,
        description=(
            "`eks`: IAM roles and users who administer the stack's KMS keys (the Secrets, homes and backup keys: "
            "change their policy, schedule their deletion), besides `admins`. Name the role that runs `pulumi up` "
            "in CI. Left out: the identity running `pulumi up`, as AWS reports it (an assumed role by its role "
            "ARN), so a deploy by another identity would hand the keys to it."
        ),
    )
    endpoint_public_access: bool = Field(
        default=True,
        description=(
            "`eks`: whether the Kubernetes API is reachable from the internet (limited by publicAccessCidrs); "
            "nodes always use the private endpoint."
        ),
    )
    public_access_cidrs: list[Annotated[IPv4Network, AfterValidator(_check_public_access_cidr)]] = Field(
        default_factory=lambda: [IPv4Network("0.0.0.0/0")],
        min_length=1,
        description="`eks`: where the public API endpoint may be reached from, such as the campus and CI ranges.",
    )
    log_types: list[LogType] = Field(
        default_factory=lambda: list(_DEFAULT_LOG_TYPES),
        description="`eks`: control-plane logs sent to CloudWatch; `audit` answers who deleted a student's server.",
    )
    log_retention_days: RetentionDays = Field(
        default=90, description="`eks`: days CloudWatch keeps control-plane logs (one of the periods it accepts)."
    )
    service_cidr: Annotated[IPv4Network, AfterValidator(_check_service_cidr)] = Field(
        default=IPv4Network("172.20.0.0/16"),
        description=(
            "`eks`: range of Kubernetes Service addresses, a /12 to /24 in a private range; must not overlap the "
            "VPC or peered networks."
        ),
    )
    core_nodes: CoreNodesSettings = Field(
        default_factory=CoreNodesSettings, description="`eks`: the on-demand core node group."
    )
    user_nodes: UserNodesSettings = Field(
        default_factory=UserNodesSettings, description="`eks`: the spot user nodes, one Auto Scaling group per zone."
    )
    kubeconfig: SecretStr | None = Field(
        default=None,
        description=(
            "`kubeconfig`: the kubeconfig, as a secret (`pulumi config set --secret --path "
            "jupyterhub-platform:cluster.kubeconfig < file`). Left out, the usual KUBECONFIG or ~/.kube/config."
        ),
    )
    context: str | None = Field(default=None, description="`kubeconfig`: the context to use, like `kind-jupyterhub`.")
    stack: StackReferenceName | None = Field(
        default=None,
        description="`stack`: the stack whose cluster to use, as organization/project/stack.",
    )

    @model_validator(mode="after")
    def _keys_fit_the_mode(self) -> Self:
        for field in sorted(self.model_fields_set):
            in_mode = field in _MODE_KEYS[self.mode] or (self.mode is ClusterMode.EKS and field in _EKS_ONLY)
            if field != "mode" and not in_mode:
                raise KeyedError(to_camel(field), f"does not apply in mode {self.mode.value}")
        if self.mode is ClusterMode.STACK and self.stack is None:
            raise KeyedError("stack", "is required in mode stack: the stack whose cluster to use")
        return self
