"""The stack's KMS keys name who administers them and who uses them, as the plan shows them.

Sources (AWS KMS Developer Guide):
- "Default key policy" (key-policy-default.html): a key created without a policy gets one statement
  giving the account, its root principal, kms:* ("Allows access to the AWS account and enables IAM
  policies"), so that any IAM policy in the account can grant any use of it; "Allows key
  administrators to administer the KMS key" lists the administrators' actions (kms:Create*,
  Describe*, Enable*, List*, Put*, Update*, Revoke*, Disable*, Get*, Delete*, TagResource,
  UntagResource, ScheduleKeyDeletion, CancelKeyDeletion) and no cryptographic use.
- CreateKey and PutKeyPolicy (API reference, BypassPolicyLockoutSafetyCheck): the policy must let
  the principal making the request make a later PutKeyPolicy request, or KMS refuses it.
- "AWS KMS condition keys" (conditions-kms.html): kms:ViaService limits use to requests an AWS
  service makes, kms:CallerAccount to callers of the account; the AWS managed keys of EFS and AWS
  Backup allow their use exactly so.
- STS GetCallerIdentity names an assumed role as `arn:aws:sts::<account>:assumed-role/<role>/<session>`,
  which a key policy cannot name (IAM JSON policy reference, "AWS STS principals": role sessions are
  not principals of resource policies by that ARN); IAM's session context (the provider's
  `aws.iam.getSessionContext`) gives its issuer, the role's ARN.
"""

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from tests.support import BASE_CONFIG, RunConfig
from tools.plan.mocks import ACCOUNT_ID, DEPLOY_ROLE
from tools.plan.program import ProgramRun

EKS_STACKS = ["dev", "tst", "prod"]
KEY = "aws:kms/key:Key"
CRYPTOGRAPHIC_USE = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair")
ADMINISTRATION = ("kms:PutKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion")

Statement = dict[str, Any]


def key_policies(run: ProgramRun) -> dict[str, list[Statement]]:
    """Every key's policy statements, by the key's logical name."""
    return {key.name: json.loads(key.inputs["policy"])["Statement"] for key in run.by_type(KEY)}


def principals(statement: Statement) -> list[str]:
    found = statement["Principal"]["AWS"]
    return [found] if isinstance(found, str) else list(found)


def allows(statement: Statement, action: str) -> bool:
    """Whether the statement's actions (with IAM's * wildcards) cover `action`."""
    actions = statement["Action"]
    return any(fnmatchcase(action, pattern) for pattern in ([actions] if isinstance(actions, str) else actions))


def account_root(run: ProgramRun) -> str:
    account = run.outputs["clusterArn"].split(":")[4]
    return f"arn:aws:iam::{account}:root"


# The identity the offline plan deploys as (its mocks' answer to GetCallerIdentity), by role ARN.
DEPLOYING_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/{DEPLOY_ROLE}"


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_no_key_lets_iam_policies_grant_its_use(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    policies = key_policies(run)
    assert {name.removeprefix(f"{stack}-") for name in policies} == {"cluster-secrets-key", "homes-key", "backup-key"}
    root = account_root(run)
    for name, statements in policies.items():
        assert all(s["Effect"] == "Allow" for s in statements), name
        for statement in statements:
            who = principals(statement)
            assert root not in who, f"{name}: the account root, so every IAM policy of the account, is in it"
            if "*" in who:
                # anyone of the account, but only through the service the key is for
                conditions = statement["Condition"]["StringEquals"]
                assert conditions["kms:ViaService"].endswith(".eu-west-1.amazonaws.com"), name
                assert conditions["kms:CallerAccount"] == root.split(":")[4], name
        # KMS's lockout safety check: the deploying identity, by its role, may change the policy again
        assert any(DEPLOYING_ROLE in principals(s) and allows(s, "kms:PutKeyPolicy") for s in statements), name


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_each_key_is_used_by_what_it_is_for(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    policies = key_policies(stack_runs[stack])

    def users(key: str) -> list[Statement]:
        return [s for s in policies[f"{stack}-{key}"] if allows(s, "kms:Decrypt")]

    [secrets] = users("cluster-secrets-key")
    assert principals(secrets) == [f"arn:aws:iam::123456789012:role/{stack}-cluster"]  # the control plane's role
    [homes] = users("homes-key")
    assert homes["Condition"]["StringEquals"]["kms:ViaService"] == "elasticfilesystem.eu-west-1.amazonaws.com"
    [backups] = users("backup-key")
    assert backups["Condition"]["StringEquals"]["kms:ViaService"] == "backup.eu-west-1.amazonaws.com"


def test_production_names_its_key_administrators(stack_runs: dict[str, ProgramRun]) -> None:
    """Production names cluster.admins (Pulumi.prod.yaml): each may administer every key by name."""
    run = stack_runs["prod"]
    [cluster] = run.by_type("aws:eks/cluster:Cluster")
    admins = sorted(
        e.inputs["principalArn"]
        for e in run.by_type("aws:eks/accessEntry:AccessEntry")
        if e.inputs["type"] == "STANDARD"
    )
    assert admins, "production names no administrator"
    for name, statements in key_policies(run).items():
        for admin in admins:
            named = [s for s in statements if admin in principals(s)]
            assert named and all(allows(s, a) for s in named for a in ADMINISTRATION), f"{name}: {admin}"
            assert not [a for s in named for a in CRYPTOGRAPHIC_USE if allows(s, a)], f"{name}: {admin} may use it"
    assert cluster.inputs["encryptionConfig"]["provider"]["keyArn"].startswith("arn:aws:kms:")


def test_named_key_administrators_take_the_place_of_the_deploying_identity(run_config: RunConfig) -> None:
    """With cluster.keyAdministrators the policy no longer follows whoever runs `pulumi up`."""
    ci_role = "arn:aws:iam::123456789012:role/ci-deploy"
    run = run_config({"hub": BASE_CONFIG["hub"], "cluster": {"keyAdministrators": [ci_role]}})
    for name, statements in key_policies(run).items():
        administrators = {p for s in statements if allows(s, "kms:PutKeyPolicy") for p in principals(s)}
        assert administrators == {ci_role}, name
