"""What AWS itself watches: the hub from outside, and the services Prometheus cannot see into.

Invariants guarded here: a dead cluster (Prometheus and Alertmanager included) still pages
someone, because a Route 53 health check calls the hub's `/hub/health` from outside AWS's region
and its alarm lives in us-east-1, where Route 53 publishes its metrics; the home filesystem, the
hub's database and the termination handler's queue each have the alarm that says they are about
to fail a class, every one to the stack's topic.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

MINUTE = 60
# RDS free storage below this leaves the hub minutes before it can write no more.
RDS_FREE_STORAGE_BYTES = 2 * 2**30
# A queue message the termination handler has not taken for this long: it is not draining nodes,
# and a spot node's 2-minute notice will pass unheeded.
QUEUE_OLDEST_SECONDS = 5 * MINUTE


@dataclass(frozen=True)
class AwsAlarmsArgs:
    prefix: str
    hostname: str | None
    https: bool
    topic_arn: pulumi.Input[str]
    us_east_1_topic_arn: pulumi.Input[str]
    us_east_1: aws.Provider
    file_system_id: pulumi.Input[str] | None
    homes_alarm_bytes: int
    database_identifier: pulumi.Input[str] | None
    termination_queue_name: pulumi.Input[str] | None


class AwsAlarms(pulumi.ComponentResource):
    def __init__(self, name: str, args: AwsAlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:AwsAlarms", name, None, opts)
        self._args, self._name = args, name
        if args.hostname is not None:
            check = aws.route53.HealthCheck(
                f"{name}-hub-health",
                type="HTTPS" if args.https else "HTTP",
                fqdn=args.hostname,
                port=443 if args.https else 80,
                resource_path="/hub/health",
                # Three checkers in a row, 30 s apart: a failing hub is seen in about 90 s.
                failure_threshold=3,
                request_interval=30,
                tags={"Name": f"{args.prefix}-hub-health"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            self._alarm(
                "hub-unreachable",
                "The hub does not answer /hub/health from outside AWS: students cannot reach it.",
                namespace="AWS/Route53",
                metric="HealthCheckStatus",
                dimensions={"HealthCheckId": check.id},
                statistic="Minimum",
                comparison="LessThanThreshold",
                threshold=1,
                periods=2,
                in_us_east_1=True,
            )
        if args.file_system_id is not None:
            self._alarm(
                "homes-io-limit",
                "The home filesystem is near its I/O limit: notebooks will stall on file access.",
                namespace="AWS/EFS",
                metric="PercentIOLimit",
                dimensions={"FileSystemId": args.file_system_id},
                statistic="Maximum",
                comparison="GreaterThanThreshold",
                threshold=90,
                periods=3,
            )
            self._alarm(
                "homes-size",
                "The students' homes hold more than the stack expects: a runaway dataset, or a bill.",
                namespace="AWS/EFS",
                metric="StorageBytes",
                dimensions={"FileSystemId": args.file_system_id, "StorageClass": "Total"},
                statistic="Average",
                comparison="GreaterThanThreshold",
                threshold=args.homes_alarm_bytes,
                periods=1,
                # EFS reports its size every 15 minutes or so; an hour smooths the reports.
                period=60 * MINUTE,
            )
        if args.database_identifier is not None:
            db = {"DBInstanceIdentifier": args.database_identifier}
            self._alarm(
                "hub-db-free-storage",
                "The hub's database has less than 2 GiB of storage left.",
                namespace="AWS/RDS",
                metric="FreeStorageSpace",
                dimensions=db,
                statistic="Minimum",
                comparison="LessThanThreshold",
                threshold=RDS_FREE_STORAGE_BYTES,
                periods=2,
            )
            self._alarm(
                "hub-db-cpu",
                "The hub's database has been above 80% CPU for 15 minutes.",
                namespace="AWS/RDS",
                metric="CPUUtilization",
                dimensions=db,
                statistic="Average",
                comparison="GreaterThanThreshold",
                threshold=80,
                periods=3,
                period=5 * MINUTE,
            )
            self._alarm(
                "hub-db-connections",
                "The hub's database holds unusually many connections (is more than one hub running?).",
                namespace="AWS/RDS",
                metric="DatabaseConnections",
                dimensions=db,
                statistic="Maximum",
                comparison="GreaterThanThreshold",
                threshold=50,
                periods=3,
            )
        if args.termination_queue_name is not None:
            self._alarm(
                "termination-queue-stuck",
                "The node termination handler is not taking its messages: spot nodes go without a drain.",
                namespace="AWS/SQS",
                metric="ApproximateAgeOfOldestMessage",
                dimensions={"QueueName": args.termination_queue_name},
                statistic="Maximum",
                comparison="GreaterThanThreshold",
                threshold=QUEUE_OLDEST_SECONDS,
                periods=2,
            )
        self.register_outputs({})

    def _alarm(
        self,
        suffix: str,
        description: str,
        *,
        namespace: str,
        metric: str,
        dimensions: dict[str, pulumi.Input[str]],
        statistic: str,
        comparison: str,
        threshold: float,
        periods: int,
        period: int = MINUTE,
        in_us_east_1: bool = False,
    ) -> aws.cloudwatch.MetricAlarm:
        args = self._args
        topic = args.us_east_1_topic_arn if in_us_east_1 else args.topic_arn
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{suffix}",
            name=f"{args.prefix}-{suffix}",
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=statistic,
            comparison_operator=comparison,
            threshold=threshold,
            period=period,
            evaluation_periods=periods,
            # No data is itself a failure for the outside check; elsewhere it means nothing happened.
            treat_missing_data="breaching" if in_us_east_1 else "notBreaching",
            alarm_actions=[topic],
            ok_actions=[topic],
            opts=pulumi.ResourceOptions(parent=self, provider=args.us_east_1 if in_us_east_1 else None),
        )
