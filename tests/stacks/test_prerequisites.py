"""The prerequisites as each stack's plan shows them: which are there, and how each is set up."""

import json
import tarfile
from typing import Any

import pytest
import yaml

from charts import CLUSTER_AUTOSCALER, TRAEFIK
from charts.cluster_autoscaler import autoscaler_image_tag
from charts.traefik import TraefikOptions, traefik_values
from contracts import USER_PLACEHOLDER_PRIORITY, autoscaler_user_group_tag
from settings.cluster import ClusterSettings
from tests.support import BASE_CONFIG, CERTIFICATE, RunConfig
from tools.plan.charts import MissingChartArchiveError, archive_path, render
from tools.plan.mocks import Registration
from tools.plan.program import ProgramRun

RELEASE = "kubernetes:helm.sh/v3:Release"
RULE = "aws:cloudwatch/eventRule:EventRule"


def releases(run: ProgramRun) -> dict[str, Registration]:
    """The prerequisites' Helm releases by chart role (the hub's own release left out)."""
    found = {r.inputs["name"].removeprefix(f"{run.stack}-"): r for r in run.by_type(RELEASE)}
    return {role: release for role, release in found.items() if role != "jupyterhub"}


def values(run: ProgramRun, release: str) -> dict[str, Any]:
    found: dict[str, Any] = releases(run)[release].inputs["values"]
    return found


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("dev", {"traefik", "node-termination-handler", "cluster-autoscaler"}),
        ("tst", {"traefik", "node-termination-handler", "cluster-autoscaler", "monitoring"}),
        ("prod", {"traefik", "node-termination-handler", "cluster-autoscaler", "monitoring"}),
        ("local", {"traefik"}),
        ("review", set()),
    ],
)
def test_each_stack_installs_the_prerequisites_of_its_mode(
    stack: str, expected: set[str], stack_runs: dict[str, ProgramRun]
) -> None:
    run = stack_runs[stack]
    assert set(releases(run)) == expected
    has_ebs = any(a.inputs["addonName"] == "aws-ebs-csi-driver" for a in run.by_type("aws:eks/addon:Addon"))
    assert has_ebs == (stack in ("dev", "tst", "prod"))


def test_a_prerequisite_switched_off_leaves_nothing_behind(run_config: RunConfig) -> None:
    run = run_config(
        {
            "prerequisites": {"ebsCsiDriver": {"enabled": False}, "clusterAutoscaler": {"enabled": False}},
            "hub": {
                **BASE_CONFIG["hub"],
                "databaseUrl": {"secure": "v1:db"},
                "storage": {"kind": "nfs", "nfsServer": "fs.example.edu", "nfsPath": "/export"},
            },
        }
    )
    assert not [r.name for r in run.resources if "ebs-csi" in r.name or "cluster-autoscaler" in r.name]
    assert not run.by_type("kubernetes:storage.k8s.io/v1:StorageClass")
    assert set(releases(run)) == {"traefik", "node-termination-handler"}


@pytest.mark.parametrize(("stack", "policy"), [("dev", "Delete"), ("prod", "Retain")])
def test_the_default_storage_class_is_encrypted_gp3_in_the_pod_s_zone(
    stack: str, policy: str, stack_runs: dict[str, ProgramRun]
) -> None:
    [storage_class] = stack_runs[stack].by_type("kubernetes:storage.k8s.io/v1:StorageClass")
    inputs = storage_class.inputs
    assert inputs["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert inputs["provisioner"] == "ebs.csi.aws.com"
    assert inputs["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert inputs["volumeBindingMode"] == "WaitForFirstConsumer" and inputs["allowVolumeExpansion"] is True
    assert inputs["reclaimPolicy"] == policy


def test_the_ebs_driver_s_permissions_reach_only_its_controller(stack_runs: dict[str, ProgramRun]) -> None:
    addon = stack_runs["dev"].named("dev-ebs-csi-driver-addon")
    [association] = addon.inputs["podIdentityAssociations"]
    assert association["serviceAccount"] == "ebs-csi-controller-sa"
    assert association["roleArn"].endswith(":role/dev-ebs-csi-driver")


def test_termination_events_reach_the_queue(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["tst"]
    rules = {r.inputs["name"]: json.loads(r.inputs["eventPattern"]) for r in run.by_type(RULE)}
    kinds = {(tuple(p["source"]), tuple(p["detail-type"])) for p in rules.values()}
    assert kinds == {
        (("aws.autoscaling",), ("EC2 Instance-terminate Lifecycle Action",)),
        (("aws.ec2",), ("EC2 Spot Instance Interruption Warning",)),
        (("aws.ec2",), ("EC2 Instance State-change Notification",)),
        (("aws.health",), ("AWS Health Event",)),
    }
    lifecycle = rules["tst-nth-asg-termination"]["detail"]["AutoScalingGroupName"]
    assert lifecycle == run.outputs["userNodeGroupNames"]
    assert rules["tst-nth-scheduled-change"]["detail"]["eventTypeCategory"] == ["scheduledChange"]
    [queue_policy] = run.by_type("aws:sqs/queuePolicy:QueuePolicy")
    queue_arn = json.loads(queue_policy.inputs["policy"])["Statement"][0]["Resource"]
    targets = run.by_type("aws:cloudwatch/eventTarget:EventTarget")
    assert len(targets) == len(rules) and {t.inputs["arn"] for t in targets} == {queue_arn}


def test_rebalance_recommendations_are_left_to_capacity_rebalancing(stack_runs: dict[str, ProgramRun]) -> None:
    # With capacity rebalancing the group replaces the node first and then terminates it through
    # the lifecycle hook; a rule of the handler's own would drain it before any replacement exists.
    run = stack_runs["prod"]
    patterns = [json.loads(r.inputs["eventPattern"]) for r in run.by_type(RULE)]
    assert not [p for p in patterns if "EC2 Instance Rebalance Recommendation" in p["detail-type"]]
    assert all(g.inputs["capacityRebalance"] for g in run.by_type("aws:autoscaling/group:Group"))


def test_only_eventbridge_and_sqs_may_send_to_the_encrypted_short_lived_queue(
    stack_runs: dict[str, ProgramRun],
) -> None:
    run = stack_runs["dev"]
    [queue] = run.by_type("aws:sqs/queue:Queue")
    assert queue.inputs["messageRetentionSeconds"] == 300 and queue.inputs["sqsManagedSseEnabled"] is True
    [policy] = run.by_type("aws:sqs/queuePolicy:QueuePolicy")
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sqs:SendMessage"
    assert sorted(statement["Principal"]["Service"]) == ["events.amazonaws.com", "sqs.amazonaws.com"]
    assert statement["Resource"].startswith("arn:aws:sqs:") and statement["Resource"].endswith(
        "dev-node-termination-handler"
    )


def role_policy(run: ProgramRun, role: str) -> list[dict[str, Any]]:
    [policy] = [p for p in run.by_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role]
    statements: list[dict[str, Any]] = json.loads(policy.inputs["policy"])["Statement"]
    return statements


def test_the_termination_handler_may_do_exactly_what_queue_mode_needs(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    statements = role_policy(run, "dev-node-termination-handler")
    actions = {a: s["Resource"] for s in statements for a in s["Action"]}
    assert set(actions) == {
        "autoscaling:CompleteLifecycleAction",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:DescribeTags",
        "ec2:DescribeInstances",
        "sqs:DeleteMessage",
        "sqs:ReceiveMessage",
    }
    groups = [g.inputs["name"] for g in run.by_type("aws:autoscaling/group:Group")]
    completed = actions["autoscaling:CompleteLifecycleAction"]
    assert sorted(arn.rsplit("/", 1)[-1] for arn in completed) == sorted(groups)
    assert actions["sqs:ReceiveMessage"].endswith(":dev-node-termination-handler")


def test_the_autoscaler_changes_only_this_cluster_s_groups(stack_runs: dict[str, ProgramRun]) -> None:
    statements = role_policy(stack_runs["dev"], "dev-cluster-autoscaler")
    [mutating] = [s for s in statements if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert set(mutating["Action"]) == {
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    }
    tag = f"aws:ResourceTag/{autoscaler_user_group_tag('dev-cluster')}"
    assert mutating["Condition"] == {"StringEquals": {tag: "true"}}
    others = [a for s in statements if s is not mutating for a in s["Action"]]
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in others), others


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_workload_role_is_for_exactly_one_service_account(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    bound: dict[str, list[str]] = {}
    for association in run.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation"):
        role = association.inputs["roleArn"].rsplit("/", 1)[-1]
        bound.setdefault(role, []).append(f"{association.inputs['namespace']}/{association.inputs['serviceAccount']}")
    for addon in run.by_type("aws:eks/addon:Addon"):
        for association in addon.inputs.get("podIdentityAssociations", []):
            bound.setdefault(association["roleArn"].rsplit("/", 1)[-1], []).append(
                f"kube-system/{association['serviceAccount']}"
            )
    monitored = stack != "dev"  # monitoring is on by default in production and staging only
    assert bound == {
        f"{stack}-cluster-vpc-cni": ["kube-system/aws-node"],
        f"{stack}-ebs-csi-driver": ["kube-system/ebs-csi-controller-sa"],
        f"{stack}-node-termination-handler": [f"{stack}-system/{stack}-node-termination-handler"],
        f"{stack}-cluster-autoscaler": [f"{stack}-system/{stack}-cluster-autoscaler"],
        # the monitoring's Alertmanager publishes alerts to the stack's SNS topic
        **({f"{stack}-alertmanager": [f"{stack}-monitoring/{stack}-monitoring-alertmanager"]} if monitored else {}),
    }
    # ... and each chart runs under the service account its role is bound to
    for release in ("node-termination-handler", "cluster-autoscaler"):
        chart_values = values(run, release)
        account = chart_values.get("serviceAccount", chart_values.get("rbac", {}).get("serviceAccount"))
        assert account["name"] == f"{stack}-{release}"


def test_the_autoscaler_matches_the_cluster_and_spares_notebook_servers(stack_runs: dict[str, ProgramRun]) -> None:
    chart_values = values(stack_runs["prod"], "cluster-autoscaler")
    assert chart_values["autoDiscovery"]["clusterName"] == "prod-cluster"
    # it discovers only groups with every tag: the spot user groups have them all
    discovery = chart_values["autoDiscovery"]["tags"]
    for group in stack_runs["prod"].by_type("aws:autoscaling/group:Group"):
        assert set(discovery) <= {t["key"] for t in group.inputs["tags"]}, group.name
    assert autoscaler_user_group_tag("prod-cluster") in discovery  # which EKS never puts on the core node group
    assert chart_values["image"]["tag"] == "v1.35.0"
    assert chart_values["awsRegion"] == "eu-west-1"
    flags = chart_values["extraArgs"]
    assert flags["balance-similar-node-groups"] is True
    assert flags["expander"] == "least-waste"
    assert flags["skip-nodes-with-local-storage"] is True
    assert flags["expendable-pods-priority-cutoff"] <= USER_PLACEHOLDER_PRIORITY
    assert chart_values["nodeSelector"] == {"hub.jupyter.org/node-purpose": "core"}


@pytest.mark.parametrize(("version", "tag"), [("1.34", "v1.34.0"), ("1.35", "v1.35.0")])
def test_the_autoscaler_image_follows_the_cluster_version(version: str, tag: str) -> None:
    assert autoscaler_image_tag(version) == tag


def test_the_default_cluster_version_runs_the_autoscaler_the_chart_was_released_with() -> None:
    with tarfile.open(archive_path(CLUSTER_AUTOSCALER)) as archive:
        member = archive.extractfile("cluster-autoscaler/Chart.yaml")
        assert member is not None
        app_version = yaml.safe_load(member.read())["appVersion"]
    default_version = ClusterSettings().kubernetes_version
    assert autoscaler_image_tag(default_version) == f"v{app_version}"


def test_the_termination_handler_drains_from_the_queue_on_core_nodes(stack_runs: dict[str, ProgramRun]) -> None:
    chart_values = values(stack_runs["dev"], "node-termination-handler")
    assert chart_values["enableSqsTerminationDraining"] is True
    assert chart_values["queueURL"].startswith("https://sqs.eu-west-1.amazonaws.com/")
    assert chart_values["awsRegion"] == "eu-west-1"
    assert chart_values["managedTag"] == "aws-node-termination-handler/dev-cluster"
    assert chart_values["replicas"] >= 2 and chart_values["podDisruptionBudget"]
    assert chart_values["nodeSelector"] == {"hub.jupyter.org/node-purpose": "core"}
    assert chart_values["excludeFromLoadBalancers"] is True


def test_traefik_ends_tls_at_a_network_load_balancer_and_redirects_http(stack_runs: dict[str, ProgramRun]) -> None:
    chart_values = values(stack_runs["prod"], "traefik")
    annotations = chart_values["service"]["annotations"]
    nlb = "service.beta.kubernetes.io/aws-load-balancer"
    assert annotations[f"{nlb}-type"] == "nlb"
    assert annotations[f"{nlb}-ssl-cert"] == CERTIFICATE
    assert annotations[f"{nlb}-ssl-ports"] == "443"
    assert annotations[f"{nlb}-ssl-negotiation-policy"].startswith("ELBSecurityPolicy-TLS13")
    assert annotations[f"{nlb}-backend-protocol"] == "tcp"
    # only core nodes behind the load balancer: spot user nodes come and go
    assert annotations[f"{nlb}-target-node-labels"] == "hub.jupyter.org/node-purpose=core"
    redirect = chart_values["ports"]["web"]["http"]["redirections"]["entryPoint"]
    assert redirect["to"] == "websecure" and redirect["scheme"] == "https"
    assert chart_values["ingressClass"] == {"enabled": True, "isDefaultClass": True, "name": "prod-traefik"}
    assert chart_values["deployment"]["replicas"] >= 2 and chart_values["podDisruptionBudget"]["enabled"]
    assert chart_values["nodeSelector"] == {"hub.jupyter.org/node-purpose": "core"}
    [spread] = chart_values["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"


def test_traefik_without_a_certificate_serves_plain_http_only(stack_runs: dict[str, ProgramRun]) -> None:
    chart_values = values(stack_runs["dev"], "traefik")
    assert not any("ssl" in a for a in chart_values["service"]["annotations"])
    assert chart_values["ports"]["websecure"]["expose"]["default"] is False
    assert "web" not in chart_values["ports"]
    assert chart_values["deployment"]["replicas"] == 1 and "podDisruptionBudget" not in chart_values


def test_traefik_off_aws_is_a_plain_service_of_the_configured_type(stack_runs: dict[str, ProgramRun]) -> None:
    chart_values = values(stack_runs["local"], "traefik")
    assert chart_values["service"] == {"spec": {"type": "NodePort"}}
    assert "nodeSelector" not in chart_values  # a kind cluster's nodes carry no z2jh labels


def test_traefik_values_are_fresh_each_time() -> None:
    options = TraefikOptions(
        fullname="x-traefik", namespace="x", replicas=2, on_aws=True, service_type="LoadBalancer", certificate_arn=None
    )
    first = traefik_values(options)
    first["nodeSelector"]["changed"] = "yes"
    assert "changed" not in traefik_values(options)["nodeSelector"]


def test_dns_records_point_at_the_load_balancer(stack_runs: dict[str, ProgramRun]) -> None:
    tst = stack_runs["tst"]
    records = {r.inputs["name"]: r.inputs for r in tst.by_type("aws:route53/record:Record")}
    assert set(records) == {"tst.hub.example.edu", "*.review.hub.example.edu"}
    for record in records.values():
        [alias] = record["aliases"]
        assert record["type"] == "A" and alias["name"] == tst.outputs["loadBalancerHostname"]
        assert alias["zoneId"].startswith("Z") and alias["evaluateTargetHealth"] is True
    assert {r.inputs["name"] for r in stack_runs["prod"].by_type("aws:route53/record:Record")} == {"hub.example.edu"}
    assert not stack_runs["dev"].by_type("aws:route53/record:Record")


def test_a_missing_chart_archive_says_how_to_get_it(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHART_ARCHIVES", str(tmp_path))
    with pytest.raises(MissingChartArchiveError, match="make charts"):
        render(TRAEFIK, release="x-traefik", namespace="x", values={}, kube_version="1.35.0")
