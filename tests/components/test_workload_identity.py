"""WorkloadIdentity on its own under mocks: one role, trusted by one service account of one cluster.

Source: the EKS user guide, "Learn how EKS Pod Identity grants pods access to AWS services"
(docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html and pod-id-abac.html): the
Pod Identity agent assumes the role as the service principal `pods.eks.amazonaws.com` with
`sts:AssumeRole` and `sts:TagSession`, and tags the session with `eks-cluster-arn`,
`kubernetes-namespace` and `kubernetes-service-account`; the association names the cluster,
namespace and service account.
"""

import json
from typing import Any

from components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from tests.support import BASE_CONFIG, PROJECT
from tools.plan.charts import revealed
from tools.plan.program import ProgramRun, run_program
from tools.plan.stack_config import config_from_dict

CLUSTER_ARN = "arn:aws:eks:eu-west-1:123456789012:cluster/dev-cluster"


def _identity(**overrides: Any) -> ProgramRun:
    args = {
        "role_name": "dev-autoscaler",
        "cluster_name": "dev-cluster",
        "cluster_arn": CLUSTER_ARN,
        "namespace": "kube-system",
        "service_account": "cluster-autoscaler",
        **overrides,
    }
    return run_program(
        config_from_dict(PROJECT, "dev", BASE_CONFIG),
        lambda: WorkloadIdentity("dev-autoscaler-identity", WorkloadIdentityArgs(**args)),
    )


def test_the_role_trusts_only_the_pod_identity_agent_for_its_service_account() -> None:
    run = _identity()
    [role] = run.by_type("aws:iam/role:Role")
    [statement] = json.loads(revealed(role.inputs["assumeRolePolicy"]))["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert statement["Condition"]["StringEquals"] == {
        "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN,
        "aws:RequestTag/kubernetes-namespace": "kube-system",
        "aws:RequestTag/kubernetes-service-account": "cluster-autoscaler",
    }


def test_the_association_binds_that_service_account_to_the_role() -> None:
    run = _identity()
    [association] = run.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    [role] = run.by_type("aws:iam/role:Role")
    assert association.inputs["clusterName"] == "dev-cluster"
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        "kube-system",
        "cluster-autoscaler",
    )
    assert role.urn in association.depends_on


def test_an_add_on_that_associates_itself_gets_no_second_association() -> None:
    """An EKS add-on's podIdentityAssociations create the association; a second one would conflict."""
    run = _identity(associate=False)
    assert run.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation") == []


def test_children_are_parented_to_the_component() -> None:
    run = _identity(managed_policy_arns=["arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicy"])
    [component] = run.by_type("jupyterhub:aws:WorkloadIdentity")
    children = [r for r in run.resources if r.custom and not r.type.startswith("pulumi:")]
    assert children and all(r.parent == component.urn for r in children), [(r.name, r.parent) for r in children]
