"""Operations as each stack plans them: who is told, from inside and from outside, what is backed up
and what the stack may cost.

Sources: the Route 53 developer guide ("Monitoring health checks using CloudWatch": health-check
metrics exist only in us-east-1) and the CloudWatch user guide (an alarm's actions name SNS topics
in its own region); AWS Backup (a selection by resource ARN, or by a tag condition); AWS Budgets
(a cost filter `TagKeyValue` of `user:<key>$<value>`; notifications of ACTUAL and FORECASTED spend
to SNS topics whose policy lets budgets.amazonaws.com publish).
"""

import json

import pytest
import yaml

from tests.support import BASE_CONFIG, PROJECT, RunConfig
from tools.plan.charts import revealed
from tools.plan.mocks import Registration
from tools.plan.program import ProgramRun, run_program
from tools.plan.stack_config import ROOT, config_from_dict


def provider_region(run: ProgramRun, resource: Registration) -> str:
    assert resource.provider is not None
    reference = resource.provider
    # a provider reference is its URN, with "::<id>" once the provider exists
    [provider] = [
        r
        for r in run.by_type("pulumi:providers:aws")
        if reference.split("::id")[0] == r.urn or reference.startswith(f"{r.urn}::")
    ]
    return str(provider.inputs["region"])


@pytest.mark.parametrize("stack", ["tst", "prod"])
def test_a_dead_cluster_still_pages_someone(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    [check] = run.by_type("aws:route53/healthCheck:HealthCheck")
    assert (check.inputs["type"], check.inputs["port"], check.inputs["resourcePath"]) == ("HTTPS", 443, "/hub/health")
    [alarm] = [
        a for a in run.by_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.inputs["namespace"] == "AWS/Route53"
    ]
    assert provider_region(run, alarm) == "us-east-1"
    topics = {provider_region(run, t): t for t in run.by_type("aws:sns/topic:Topic")}
    assert set(topics) == {"eu-west-1", "us-east-1"}
    # ... and notifies the topic there (a topic in another region would never hear of it)
    [action] = alarm.inputs["alarmActions"]
    assert action.startswith("arn:aws:sns:") and action.endswith(f":{stack}-alerts")
    # the same people on both topics
    emails = {
        provider_region(run, s): s.inputs["endpoint"]
        for s in run.by_type("aws:sns/topicSubscription:TopicSubscription")
    }
    assert emails == {"eu-west-1": "jupyterhub-ops@example.edu", "us-east-1": "jupyterhub-ops@example.edu"}


def test_the_services_prometheus_cannot_see_have_alarms(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["prod"]
    watched = {
        a.inputs["namespace"]: a.inputs["dimensions"] for a in run.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert set(watched) == {"AWS/Route53", "AWS/EFS", "AWS/RDS", "AWS/SQS"}
    assert watched["AWS/EFS"]["FileSystemId"].startswith("fs-")
    assert watched["AWS/RDS"]["DBInstanceIdentifier"] == "prod-hub-db"
    assert watched["AWS/SQS"]["QueueName"].startswith("prod-node-termination-handler")


@pytest.mark.parametrize(("stack", "days"), [("prod", 35), ("tst", 7), ("dev", 7)])
def test_the_homes_are_backed_up_daily_into_the_stack_s_own_vault(
    stack: str, days: int, stack_runs: dict[str, ProgramRun]
) -> None:
    run = stack_runs[stack]
    [plan] = run.by_type("aws:backup/plan:Plan")
    [rule] = plan.inputs["rules"]
    assert rule["lifecycle"]["deleteAfter"] == days and rule["schedule"].startswith("cron(")
    [vault] = run.by_type("aws:backup/vault:Vault")
    assert vault.inputs["kmsKeyArn"].startswith("arn:aws:kms:") and vault.protect == (stack == "prod")
    [selection] = run.by_type("aws:backup/selection:Selection")
    [resource] = selection.inputs["resources"]
    assert resource.startswith("arn:aws:elasticfilesystem:") and ":file-system/fs-" in resource


def test_ebs_homes_are_selected_by_the_tag_the_driver_puts_on_them(run_config: RunConfig) -> None:
    """The EBS CSI driver tags each volume it creates with kubernetes.io/created-for/pvc/namespace
    (kubernetes-sigs/aws-ebs-csi-driver pkg/driver/controller.go, `extra-create-metadata`)."""
    run = run_config({"hub": {**BASE_CONFIG["hub"], "storage": {"kind": "ebs"}}})
    [selection] = run.by_type("aws:backup/selection:Selection")
    [condition] = selection.inputs["conditions"]
    assert condition["stringEquals"] == [
        {"key": "aws:ResourceTag/kubernetes.io/created-for/pvc/namespace", "value": "dev-hub"}
    ]


def test_the_budget_counts_this_stack_only_and_tells_the_team(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["prod"]
    [budget] = run.by_type("aws:budgets/budget:Budget")
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:Stack$prod"]}]
    notices = {(n["notificationType"], n["threshold"]) for n in budget.inputs["notifications"]}
    assert notices == {("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 80), ("FORECASTED", 100)}
    [policy] = run.by_type("aws:sns/topicPolicy:TopicPolicy")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    [budgets] = [s for s in statements if s["Principal"] == {"Service": "budgets.amazonaws.com"}]
    assert budgets["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    # no tag activation until the stack says so: AWS may not list the key yet on a first `pulumi up`
    assert not run.by_type("aws:costexplorer/costAllocationTag:CostAllocationTag")


def test_development_plans_without_monitoring_unless_switched_on(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    assert not [r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "kube-prometheus-stack"]
    assert not run.by_type("aws:sns/topic:Topic")


def test_a_local_cluster_runs_monitoring_without_aws() -> None:
    config = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())["config"]
    config |= {"aws:region": "eu-west-1", "jupyterhub-platform:monitoring": {"enabled": True}}
    run = run_program(config_from_dict(PROJECT, "local", config))
    [release] = [
        r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "kube-prometheus-stack"
    ]
    assert "sns_configs" not in json.dumps(revealed(release.inputs["values"]))
    assert not [r for r in run.resources if r.type.startswith("aws:")]
