"""IAM policy documents as data: pure functions from names and ARNs to policy dicts.

Invariant guarded here: every trust policy names exactly the one principal that may assume the
role, and no document is built by string concatenation. `pulumi.Output.json_dumps` turns a
document holding Outputs into the JSON an IAM resource takes.
"""

from collections.abc import Sequence
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


# What the EKS control plane needs to envelope-encrypt Secrets with one key.
EKS_SECRETS_KEY_USE = ("kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey")


def kms_key_use(key_arn: pulumi.Input[str]) -> Document:
    """The control plane role's own policy for the Secrets key (its key policy names the role too)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(EKS_SECRETS_KEY_USE), "Resource": key_arn}],
    }


# What a key administrator may do: the actions the KMS console's key administrators statement
# lists (AWS KMS Developer Guide, "Default key policy", "Allows key administrators to administer
# the KMS key"), deletion included. No cryptographic use (Encrypt, Decrypt, GenerateDataKey...).
KEY_ADMINISTRATION = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)
# What an AWS service does with a customer managed key on a caller's behalf (the policy of the
# AWS managed keys, like aws/elasticfilesystem and aws/backup): data keys, and grants for itself.
KEY_USE_BY_A_SERVICE = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "kms:DescribeKey",
)


def key_policy(administrators: pulumi.Input[Sequence[str]], uses: Sequence[Document]) -> Document:
    """A KMS key policy naming who administers the key and who uses it, instead of KMS's default
    (the account's root with kms:*, so that any IAM policy in the account could grant any use).

    - the principals in `administrators` administer it by name and do nothing more with it; KMS
      refuses a key policy that does not let its caller change it again (the lockout safety
      check), so they include the identity that deploys;
    - `uses`: the statements of the key's users, each a role by name or an AWS service acting for
      the account (`key_use_through`).
    """
    administration: Document = {
        "Sid": "KeyAdministrators",
        "Effect": "Allow",
        "Principal": {"AWS": pulumi.Output.from_input(administrators).apply(lambda arns: sorted(set(arns)))},
        "Action": list(KEY_ADMINISTRATION),
        "Resource": "*",
    }
    return {"Version": "2012-10-17", "Statement": [administration, *uses]}


def key_use_by(role_arn: pulumi.Input[str], actions: Sequence[str]) -> Document:
    """A key policy statement: one role by name may use the key for these actions."""
    return {
        "Sid": "KeyUsers",
        "Effect": "Allow",
        "Principal": {"AWS": role_arn},
        "Action": list(actions),
        "Resource": "*",
    }


def key_use_through(service: str, account_id: pulumi.Input[str], region: str) -> Document:
    """A key policy statement: principals of the account may use the key only through `service`
    (like `elasticfilesystem`) in the stack's region, exactly as the AWS managed key of that
    service allows it (aws/elasticfilesystem, aws/backup; KMS Developer Guide, "kms:ViaService"
    and "kms:CallerAccount"). The service authorizes the caller first (EFS, AWS Backup)."""
    return {
        "Sid": f"UseThrough{service.title().replace('-', '')}",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": list(KEY_USE_BY_A_SERVICE),
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com", "kms:CallerAccount": account_id}
        },
    }


def account_of(arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The account ID inside an ARN (arn:aws:<service>:<region>:<account>:...)."""
    return pulumi.Output.from_input(arn).apply(lambda text: text.split(":")[4])


def as_json(document: pulumi.Input[Document]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(document)
