"""One Kubernetes service account's AWS identity, through EKS Pod Identity.

Invariant guarded here: a role made here can be assumed by exactly one service account of one
cluster (the pod identity association names it; the trust policy pins the cluster), and it
holds only the policies its args list. Pod Identity is the platform's one way of giving pods
AWS permissions: no OIDC provider, no IRSA annotations.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam_documents import Document, as_json, pod_identity_trust
from components.iam_roles import attach_policies


@dataclass(frozen=True)
class WorkloadIdentityArgs:
    role_name: str
    """Physical name of the IAM role (the stack prefix is in it)."""
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    namespace: pulumi.Input[str]
    service_account: str
    managed_policy_arns: Sequence[str] = ()
    policy: pulumi.Input[Document] | None = None
    """An inline policy, for permissions no managed policy grants narrowly enough."""
    associate: bool = True
    """False when an EKS add-on makes the association itself (its `podIdentityAssociations`)."""


class WorkloadIdentity(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:WorkloadIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=pulumi.Output.concat("Pod Identity of ", args.namespace, "/", args.service_account),
            assume_role_policy=as_json(pod_identity_trust(args.cluster_arn, args.namespace, args.service_account)),
            tags={"Name": args.role_name},
            opts=child,
        )
        attach_policies(name, role, args.managed_policy_arns, child)
        if args.policy is not None:
            aws.iam.RolePolicy(f"{name}-policy", role=role.name, policy=as_json(args.policy), opts=child)
        if args.associate:
            aws.eks.PodIdentityAssociation(
                f"{name}-association",
                cluster_name=args.cluster_name,
                namespace=args.namespace,
                service_account=args.service_account,
                role_arn=role.arn,
                tags={"Name": args.role_name},
                opts=child,
            )
        self.role_arn = role.arn
        self.role_name = role.name
        self.register_outputs({"role_arn": self.role_arn, "role_name": self.role_name})
