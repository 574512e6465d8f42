"""IAM policy documents as data: pure functions from names and ARNs to policy dicts.

Invariant guarded here: every trust policy names exactly the one principal that may assume the
role, and no document is built by string concatenation. `pulumi.Output.json_dumps` turns a
document holding Outputs into the JSON an IAM resource takes.
"""

from typing import Any

import pulumi

Document = dict[str, Any]

# AWS managed policies, by what they are for (arn:aws:iam::aws:policy/...).
MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
EKS_CLUSTER_POLICY = MANAGED_POLICY_PREFIX + "AmazonEKSClusterPolicy"
EKS_WORKER_NODE_POLICY = MANAGED_POLICY_PREFIX + "AmazonEKSWorkerNodePolicy"
# Pull-only is narrower than ReadOnly: nodes pull images and never list or describe repositories.
ECR_PULL_ONLY_POLICY = MANAGED_POLICY_PREFIX + "AmazonEC2ContainerRegistryPullOnly"
EKS_CNI_POLICY = MANAGED_POLICY_PREFIX + "AmazonEKS_CNI_Policy"
# V2 limits the driver to volumes and snapshots it tagged itself (ebs.csi.aws.com/cluster=true).
EBS_CSI_DRIVER_POLICY = MANAGED_POLICY_PREFIX + "AmazonEBSCSIDriverPolicyV2"
CLUSTER_ADMIN_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def service_trust(service: str, *, tag_session: bool = False) -> Document:
    """Trust for an AWS service principal such as `ec2.amazonaws.com`, and nothing else."""
    actions = ["sts:AssumeRole", "sts:TagSession"] if tag_session else ["sts:AssumeRole"]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}],
    }


def pod_identity_trust(
    cluster_arn: pulumi.Input[str], namespace: pulumi.Input[str], service_account: pulumi.Input[str]
) -> Document:
    """Trust for EKS Pod Identity: one service account of one cluster.

    The conditions are on the session tags Pod Identity adds to every AssumeRole (the EKS user
    guide's pod-id-role and pod-id-abac pages list them), the only request facts it documents;
    the cluster's ARN names its account too. An association made for another service account,
    namespace or cluster cannot use the role.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                # TagSession: Pod Identity passes the tags the conditions read.
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:RequestTag/eks-cluster-arn": cluster_arn,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": service_account,
                    },
                },
            }
        ],
    }


def kms_key_use(key_arn: pulumi.Input[str]) -> Document:
    """What the EKS control plane needs to envelope-encrypt Secrets with one key."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                "Resource": key_arn,
            }
        ],
    }


def as_json(document: pulumi.Input[Document]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(document)
