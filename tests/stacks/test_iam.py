"""IAM as the plan shows it: documents are well-formed data, trust names one principal, no wildcards."""

import json
from typing import Any

import pytest

from tests.support import STACKS
from tools.plan.program import ProgramRun

DOCUMENT_INPUTS = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
}
SENSITIVE_SERVICES = ("iam", "kms", "ec2")
NODE_POLICIES = {"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"}


def documents(run: ProgramRun) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for resource in run.resources:
        key = DOCUMENT_INPUTS.get(resource.type)
        if key is not None:
            found.append((resource.name, json.loads(resource.inputs[key])))
    return found


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("stack", STACKS)
def test_no_policy_grants_a_wildcard_on_iam_kms_or_ec2(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    for name, document in documents(stack_runs[stack]):
        assert document["Version"] == "2012-10-17", name
        for statement in document["Statement"]:
            actions = [a.lower() for a in as_list(statement.get("Action", []))]
            assert "*" not in actions and "NotAction" not in statement, name
            sensitive = [a for a in actions if a.split(":")[0] in SENSITIVE_SERVICES]
            assert not [a for a in sensitive if "*" in a], f"{name} allows a wildcard: {sensitive}"
            # on every resource, only calls that read (describe calls take no resource-level permissions)
            if "*" in as_list(statement.get("Resource", [])) and "Condition" not in statement:
                writes = [a for a in sensitive if not a.split(":")[1].startswith(("describe", "get", "list"))]
                assert not writes, f"{name} allows {writes} on every resource"


def bound_service_accounts(run: ProgramRun, role_name: str) -> set[tuple[str, str]]:
    """The (namespace, service account) pairs a role is associated with, by association or add-on."""
    bound = {
        (a.inputs["namespace"], a.inputs["serviceAccount"])
        for a in run.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if a.inputs["roleArn"].endswith(f":role/{role_name}")
    }
    for addon in run.by_type("aws:eks/addon:Addon"):
        for association in addon.inputs.get("podIdentityAssociations", []):
            if association["roleArn"].endswith(f":role/{role_name}"):
                bound.add(("kube-system", association["serviceAccount"]))
    return bound


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_trust_policy_names_exactly_one_principal(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    roles = run.by_type("aws:iam/role:Role")
    assert len(roles) >= 4
    for role in roles:
        [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Effect"] == "Allow", role.name
        [(kind, principal)] = statement["Principal"].items()
        assert kind == "Service" and isinstance(principal, str), f"{role.name}: {statement['Principal']}"
        assert set(as_list(statement["Action"])) <= {"sts:AssumeRole", "sts:TagSession"}, role.name
        if principal == "pods.eks.amazonaws.com":
            assert_pod_identity_trust(run, role.inputs["name"], statement)


# The session tags EKS Pod Identity adds to every AssumeRole, the only request facts its trust
# conditions can match (EKS user guide, "Create IAM role with trust policy required by EKS Pod
# Identity" (pod-id-role) and "Grant Pods access to AWS resources based on tags" (pod-id-abac):
# eks-cluster-arn, eks-cluster-name, kubernetes-namespace, kubernetes-service-account,
# kubernetes-pod-name, kubernetes-pod-uid). Nothing in the guide says what aws:SourceArn carries
# for pods.eks.amazonaws.com: a condition on it may never match, and then no pod gets credentials.
POD_IDENTITY_SESSION_TAGS = frozenset(
    {
        "eks-cluster-arn",
        "eks-cluster-name",
        "kubernetes-namespace",
        "kubernetes-service-account",
        "kubernetes-pod-name",
        "kubernetes-pod-uid",
    }
)


def assert_pod_identity_trust(run: ProgramRun, role_name: str, statement: dict[str, Any]) -> None:
    """Every condition is on a documented session tag; cluster, namespace and service account are pinned."""
    assert set(statement["Action"]) == {"sts:AssumeRole", "sts:TagSession"}, role_name  # TagSession: the tags
    assert set(statement["Condition"]) == {"StringEquals"}, f"{role_name}: {statement['Condition']}"
    conditions = statement["Condition"]["StringEquals"]
    keys = {key.removeprefix("aws:RequestTag/") for key in conditions if key.startswith("aws:RequestTag/")}
    assert set(conditions) == {f"aws:RequestTag/{key}" for key in keys}, f"{role_name} conditions on {conditions}"
    assert keys <= POD_IDENTITY_SESSION_TAGS, f"{role_name}: {keys - POD_IDENTITY_SESSION_TAGS} is never sent"
    assert conditions["aws:RequestTag/eks-cluster-arn"] == run.outputs["clusterArn"], role_name
    namespace = conditions["aws:RequestTag/kubernetes-namespace"]
    account = conditions["aws:RequestTag/kubernetes-service-account"]
    assert (namespace, account) in bound_service_accounts(run, role_name), role_name
