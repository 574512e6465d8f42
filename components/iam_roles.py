"""IAM roles the way every component makes them: named, trusting one principal, managed policies
attached one resource each (named after the policy, so a plan reads like the role's rights)."""

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.iam_documents import ECR_PULL_ONLY_POLICY, EKS_WORKER_NODE_POLICY, as_json, service_trust


def attach_policies(
    name: str, role: aws.iam.Role, policy_arns: Sequence[str], opts: pulumi.ResourceOptions
) -> list[aws.iam.RolePolicyAttachment]:
    return [
        aws.iam.RolePolicyAttachment(f"{name}-{arn.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn, opts=opts)
        for arn in policy_arns
    ]


def node_role(
    name: str, role_name: str, description: str, opts: pulumi.ResourceOptions
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """The role of EC2 nodes: only what a node needs to join the cluster and pull images.

    The VPC CNI's permissions are not here: it has a Pod Identity role of its own.
    """
    role = aws.iam.Role(
        f"{name}-role",
        name=role_name,
        description=description,
        assume_role_policy=as_json(service_trust("ec2.amazonaws.com")),
        opts=opts,
    )
    return role, attach_policies(name, role, (EKS_WORKER_NODE_POLICY, ECR_PULL_ONLY_POLICY), opts)
