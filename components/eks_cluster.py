"""The EKS control plane and what every node needs before it can join.

Invariant guarded here: the cluster authenticates with access entries only (`API` mode), keeps
Kubernetes Secrets envelope-encrypted with a key of its own, logs the control plane to a log
group with a retention, and gives pods AWS permissions through Pod Identity alone (the VPC CNI
included). The Kubernetes provider it builds authenticates with `aws eks get-token`, so no
long-lived credential is stored anywhere.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.iam_documents import (
    CLUSTER_ADMIN_ACCESS_POLICY,
    EKS_CLUSTER_POLICY,
    EKS_CNI_POLICY,
    EKS_SECRETS_KEY_USE,
    as_json,
    key_policy,
    key_use_by,
    kms_key_use,
    service_trust,
)
from components.network import Network
from components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from settings.cluster import ClusterSettings


def eks_kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> dict[str, Any]:
    """A kubeconfig that gets a short-lived token from `aws eks get-token` on every use."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
            "interactiveMode": "Never",
        }
    }
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority}}
        ],
        "users": [{"name": cluster_name, "user": user}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
    }


def eks_addon(
    name: str,
    addon_name: str,
    cluster_name: pulumi.Input[str],
    kubernetes_version: str,
    opts: pulumi.ResourceOptions,
    *,
    pod_identity_associations: Sequence[aws.eks.AddonPodIdentityAssociationArgsDict] | None = None,
    configuration_values: str | None = None,
) -> aws.eks.Addon:
    """An EKS add-on at AWS's default version for the cluster's Kubernetes version.

    The version follows `kubernetesVersion`: an upgrade of the cluster upgrades its add-ons with
    it, and nothing moves in between (not the newest version, which AWS may publish mid-term).
    """
    version = aws.eks.get_addon_version_output(
        addon_name=addon_name,
        kubernetes_version=kubernetes_version,
        most_recent=False,
        opts=pulumi.InvokeOutputOptions(parent=opts.parent),
    ).version
    return aws.eks.Addon(
        name,
        cluster_name=cluster_name,
        addon_name=addon_name,
        addon_version=version,
        pod_identity_associations=pod_identity_associations,
        configuration_values=configuration_values,
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        opts=opts,
    )


def _oidc_issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    issuers = [oidc.issuer for identity in identities for oidc in identity.oidcs or [] if oidc.issuer]
    return issuers[0] if issuers else ""


@dataclass(frozen=True)
class EksClusterArgs:
    settings: ClusterSettings
    cluster_name: str
    region: str
    network: Network
    """The control plane's interfaces go into its private subnets."""
    protect: bool
    """Protect the cluster and its secrets key: losing either loses every user's state with it."""


class EksCluster(pulumi.ComponentResource):
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    certificate_authority: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    """The security group EKS made for the control plane and nodes; all nodes join it."""
    kubeconfig: pulumi.Output[str]
    """A secret: the kubeconfig that gets short-lived tokens from `aws eks get-token`."""
    provider: k8s.Provider
    """The Kubernetes provider of this cluster."""
    kubernetes_version: str
    """The minor version the stack asks for, like 1.35 (for add-on versions and node images)."""
    version: pulumi.Output[str]
    """The minor version the control plane runs, as EKS reports it."""
    service_cidr: str
    """Range of Kubernetes Service addresses (nodes need it to bootstrap)."""
    network: Network
    addons: list[aws.eks.Addon]
    """The add-ons nodes need to become Ready (networking, kube-proxy, pod identity)."""
    key_administrators: pulumi.Output[list[str]]
    """Who administers the stack's KMS keys by name: cluster.admins and cluster.keyAdministrators, or
    without the latter the identity that deploys."""

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:EksCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        protected = pulumi.ResourceOptions(parent=self, protect=args.protect)
        settings, cluster_name = args.settings, args.cluster_name

        role = aws.iam.Role(
            f"{name}-role",
            name=cluster_name,
            description=f"EKS control plane of {cluster_name}",
            assume_role_policy=as_json(service_trust("eks.amazonaws.com", tag_session=True)),
            opts=child,
        )
        self.key_administrators = _key_administrators(settings, pulumi.InvokeOutputOptions(parent=self))
        secrets_key = aws.kms.Key(
            f"{name}-secrets-key",
            description=f"Envelope encryption of the Kubernetes Secrets of {cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            # Administered by name (see key_administrators); used by the control plane alone.
            policy=as_json(key_policy(self.key_administrators, [key_use_by(role.arn, EKS_SECRETS_KEY_USE)])),
            tags={"Name": f"{cluster_name}-secrets"},
            opts=protected,
        )
        aws.kms.Alias(
            f"{name}-secrets-key-alias",
            name=f"alias/{cluster_name}-secrets",
            target_key_id=secrets_key.key_id,
            opts=child,
        )
        # EKS writes to this group by name; made here first so it has a retention instead of "never expire".
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/eks/{cluster_name}/cluster",
            retention_in_days=settings.log_retention_days,
            opts=child,
        )
        policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy", role=role.name, policy_arn=EKS_CLUSTER_POLICY, opts=child
        )
        key_use = aws.iam.RolePolicy(
            f"{name}-secrets-key-use", role=role.name, policy=as_json(kms_key_use(secrets_key.arn)), opts=child
        )

        cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=cluster_name,
            version=settings.kubernetes_version,
            role_arn=role.arn,
            vpc_config={
                "subnet_ids": args.network.private_subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": settings.endpoint_public_access,
                "public_access_cidrs": [str(c) for c in settings.public_access_cidrs],
            },
            # Access entries only: the aws-auth ConfigMap is deprecated and easy to lock oneself out with.
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True},
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": secrets_key.arn}},
            enabled_cluster_log_types=list(settings.log_types),
            kubernetes_network_config={"service_ipv4_cidr": str(settings.service_cidr), "ip_family": "ipv4"},
            # Standard support only: extended support costs six times as much per hour, silently.
            upgrade_policy={"support_type": "STANDARD"},
            deletion_protection=args.protect,
            tags={"Name": cluster_name},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[log_group, policy, key_use]),
        )

        for principal in settings.admins:
            # Named by the principal, not its position: removing one admin must not replace the others.
            key = principal.split(":", 4)[4].replace("/", "-")
            entry = aws.eks.AccessEntry(
                f"{name}-admin-{key}", cluster_name=cluster.name, principal_arn=principal, type="STANDARD", opts=child
            )
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{key}",
                cluster_name=cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=CLUSTER_ADMIN_ACCESS_POLICY,
                access_scope={"type": "cluster"},
                opts=child,
            )

        version = settings.kubernetes_version
        pod_identity_agent = eks_addon(
            f"{name}-pod-identity-agent", "eks-pod-identity-agent", cluster.name, version, child
        )
        cni_identity = WorkloadIdentity(
            f"{name}-vpc-cni-identity",
            WorkloadIdentityArgs(
                role_name=f"{cluster_name}-vpc-cni",
                cluster_name=cluster.name,
                cluster_arn=cluster.arn,
                namespace="kube-system",
                service_account="aws-node",
                managed_policy_arns=[EKS_CNI_POLICY],
                associate=False,
            ),
            opts=child,
        )
        vpc_cni = eks_addon(
            f"{name}-vpc-cni",
            "vpc-cni",
            cluster.name,
            version,
            # The role's policy must be attached before aws-node first asks for credentials.
            pulumi.ResourceOptions(parent=self, depends_on=[pod_identity_agent, cni_identity]),
            pod_identity_associations=[{"role_arn": cni_identity.role_arn, "service_account": "aws-node"}],
            # The hub's and servers' NetworkPolicies are only enforced with this on.
            configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
        )
        kube_proxy = eks_addon(f"{name}-kube-proxy", "kube-proxy", cluster.name, version, child)

        self.name = cluster.name
        self.arn = cluster.arn
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data or "")
        self.oidc_issuer = cluster.identities.apply(_oidc_issuer)
        self.security_group_id = cluster.vpc_config.apply(lambda vpc: vpc.cluster_security_group_id or "")
        self.addons = [pod_identity_agent, vpc_cni, kube_proxy]
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(cluster.name, cluster.endpoint, self.certificate_authority).apply(
                lambda parts: json.dumps(eks_kubeconfig(parts[0], parts[1], parts[2], args.region))
            )
        )
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig, opts=child)
        self.kubernetes_version = settings.kubernetes_version
        self.version = cluster.version
        self.service_cidr = str(settings.service_cidr)
        self.network = args.network
        self.register_outputs(
            {
                "name": self.name,
                "arn": self.arn,
                "endpoint": self.endpoint,
                "certificate_authority": self.certificate_authority,
                "oidc_issuer": self.oidc_issuer,
                "security_group_id": self.security_group_id,
                "kubeconfig": self.kubeconfig,
                "version": self.version,
            }
        )


def _key_administrators(settings: ClusterSettings, opts: pulumi.InvokeOutputOptions) -> pulumi.Output[list[str]]:
    """cluster.admins, and cluster.keyAdministrators or else the identity running `pulumi up`: KMS
    refuses a key policy its caller could not change again. AWS reports an assumed role as an STS
    session (arn:aws:sts::<account>:assumed-role/<role>/<session>), which no key policy can name;
    its session context gives the role's own ARN."""
    if settings.key_administrators:
        return pulumi.Output.from_input([*settings.admins, *settings.key_administrators])
    caller = aws.get_caller_identity_output(opts=opts)
    deploying = aws.iam.get_session_context_output(arn=caller.arn, opts=opts).issuer_arn
    return deploying.apply(lambda arn: [*settings.admins, arn])
