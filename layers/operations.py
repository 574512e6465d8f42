"""The operations layer: what tells the team how the stack is doing, and what keeps students' work.

Invariant guarded here: every alert reaches the same people (one SNS topic per stack, with its
us-east-1 twin for the outside health check); monitoring runs where the stack owns the cluster
(a `stack`-mode stack is watched by the stack whose cluster it shares); backups and the budget
exist only where there is an AWS account, and select this stack's resources alone.
"""

from dataclasses import dataclass
from typing import assert_never

import pulumi
import pulumi_aws as aws

from charts.dashboards import dashboard_files
from charts.jupyterhub import hub_service_name
from components.alert_topic import AlertTopic, AlertTopicArgs
from components.aws_alarms import AwsAlarms, AwsAlarmsArgs
from components.home_backup import HomeBackup, HomeBackupArgs
from components.jupyterhub import HubMetrics
from components.monitoring import Monitoring, MonitoringArgs
from components.stack_budget import StackBudget, StackBudgetArgs
from layers.cluster import Cluster, EksHandle, KubeconfigHandle, ReferencedHandle
from layers.prerequisites import Prerequisites
from layers.state import State
from settings import StackSettings

COST_ALLOCATION_TAGS = ("Stack", "Tier")


@dataclass(frozen=True)
class Operations:
    metrics: HubMetrics | None
    """Where the hub's metrics go, and the token they are read with; None: no monitoring."""
    monitoring: Monitoring | None = None
    backup: HomeBackup | None = None


def build_operations(
    settings: StackSettings, cluster: Cluster, prerequisites: Prerequisites, state: State
) -> Operations:
    match cluster:
        case EksHandle():
            return _on_eks(settings, cluster, prerequisites, state)
        case KubeconfigHandle():
            if not settings.monitoring_enabled:
                return Operations(metrics=None)
            monitoring = _monitoring(settings, prerequisites, cluster=None, topic=None, opts=cluster.kubernetes)
            return Operations(metrics=monitoring.metrics, monitoring=monitoring)
        case ReferencedHandle():
            return Operations(metrics=None)
        case _:
            assert_never(cluster)


def _on_eks(settings: StackSettings, cluster: EksHandle, prerequisites: Prerequisites, state: State) -> Operations:
    on_aws = pulumi.ResourceOptions(providers=[cluster.aws])
    budget = settings.budget
    needs_topic = settings.monitoring_enabled or budget.monthly_usd is not None
    topic = None
    if needs_topic:
        # Route 53 publishes health-check metrics only in us-east-1; its alarm and topic live there.
        us_east_1 = aws.Provider(
            settings.name("aws-us-east-1"),
            region="us-east-1",
            allowed_account_ids=[settings.aws_account_id] if settings.aws_account_id else None,
            default_tags=aws.ProviderDefaultTagsArgs(tags=settings.aws_tags),
        )
        topic = AlertTopic(
            settings.name("alerts"),
            AlertTopicArgs(
                topic_name=settings.name("alerts"), emails=settings.monitoring.alert_emails, us_east_1=us_east_1
            ),
            opts=on_aws,
        )
    monitoring = None
    if settings.monitoring_enabled and topic is not None:
        monitoring = _monitoring(settings, prerequisites, cluster=cluster, topic=topic, opts=cluster.kubernetes)
        AwsAlarms(
            settings.name("alarms"),
            AwsAlarmsArgs(
                prefix=settings.prefix,
                hostname=settings.ingress.hostname,
                https=prerequisites.serves_tls,
                topic_arn=topic.arn,
                us_east_1_topic_arn=topic.us_east_1_arn,
                us_east_1=topic.us_east_1,
                file_system_id=state.file_system.file_system_id if state.file_system else None,
                homes_alarm_bytes=settings.monitoring.homes_alarm_gib * 2**30,
                database_identifier=state.database.identifier if state.database else None,
                termination_queue_name=prerequisites.termination_queue_name,
            ),
            opts=on_aws,
        )
    backup = None
    if state.file_system is not None or settings.home_storage_kind == "ebs":
        backup = HomeBackup(
            settings.name("backup"),
            HomeBackupArgs(
                vault_name=settings.name("homes"),
                retention_days=settings.backup_retention_days,
                file_system_arn=state.file_system.file_system_arn if state.file_system else None,
                hub_namespace=settings.hub_namespace,
                protect=settings.policy.protect_stateful_resources,
                region=settings.aws_region,
                key_administrators=cluster.eks.key_administrators,
            ),
            opts=on_aws,
        )
    if topic is not None and (budget.monthly_usd is not None or budget.activate_cost_allocation_tags):
        StackBudget(
            settings.name("budget"),
            StackBudgetArgs(
                budget_name=settings.name("monthly"),
                stack=settings.stack,
                monthly_usd=budget.monthly_usd,
                topic_arn=topic.arn,
                activate_tags=COST_ALLOCATION_TAGS if budget.activate_cost_allocation_tags else (),
            ),
            opts=on_aws,
        )
    return Operations(metrics=monitoring.metrics if monitoring else None, monitoring=monitoring, backup=backup)


def _monitoring(
    settings: StackSettings,
    prerequisites: Prerequisites,
    *,
    cluster: EksHandle | None,
    topic: AlertTopic | None,
    opts: pulumi.ProviderResource,
) -> Monitoring:
    return Monitoring(
        settings.name("monitoring"),
        MonitoringArgs(
            prefix=settings.prefix,
            settings=settings.monitoring,
            namespace=settings.name("monitoring"),
            hub_namespace=settings.hub_namespace,
            hub_service=hub_service_name(settings.prefix),
            dashboards=dashboard_files(),
            cluster=cluster.eks if cluster else None,
            region=settings.aws_region if cluster else None,
            storage_class=prerequisites.storage_class,
            ingress_class=prerequisites.ingress_class,
            hostname=settings.ingress.hostname,
            https=prerequisites.serves_tls,
            alert_topic_arn=topic.arn if topic else None,
            depends_on=prerequisites.hub_waits_for,
        ),
        opts=pulumi.ResourceOptions(providers=[opts, *([cluster.aws] if cluster else [])]),
    )
