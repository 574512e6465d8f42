"""Monitoring of one stack: kube-prometheus-stack with the teaching hub's alert rules, and Grafana
with the JupyterHub dashboards, in the stack's monitoring namespace.

Invariants guarded here: no secret is in the chart's values (Grafana's admin password, the hub
metrics token and the chat webhook are Pulumi secrets in Kubernetes Secrets the chart mounts);
the hub's metrics token is generated here and handed to the hub (`metrics`), so the hub and its
Prometheus always hold the same one; on AWS, Alertmanager publishes to the stack's SNS topic with
its own Pod Identity, allowed to publish there and nowhere else.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from charts import KUBE_PROMETHEUS_STACK
from charts.monitoring import (
    DASHBOARD_LABEL,
    GRAFANA_PATH,
    METRICS_TOKEN_KEY,
    WEBHOOK_URL_KEY,
    MonitoringOptions,
    alertmanager_service_account,
    dashboard,
    fullname,
    monitoring_values,
    service_monitor_labels,
)
from components.eks_cluster import EksCluster
from components.helm import helm_release
from components.jupyterhub import HubMetrics
from components.network_policies import (
    DNS,
    HTTPS,
    POD_IDENTITY_AGENT,
    EgressRule,
    IngressRule,
    labelled,
    network_policy,
    pods,
    tcp,
)
from components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from contracts import GRAFANA_POD_LABELS, PROMETHEUS_POD_LABELS, TRAEFIK_POD_LABELS
from settings.operations import MonitoringSettings

ALERTMANAGER_POD_LABELS = {"app.kubernetes.io/name": "alertmanager"}
KUBE_STATE_METRICS_POD_LABELS = {"app.kubernetes.io/name": "kube-state-metrics"}
# The operator's pod (its admission Jobs share the name label, with another component).
OPERATOR_POD_LABELS = {
    "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator",
    "app.kubernetes.io/component": "prometheus-operator",
}

# What Prometheus scrapes, by port, wherever it is (nodes, the control plane, pods of any namespace).
SCRAPED_PORTS = (
    443,  # the API server
    3000,  # Grafana
    8080,  # kube-state-metrics, and the config reloaders beside Prometheus and Alertmanager
    8081,  # the hub's /hub/metrics
    8085,  # cluster-autoscaler (its chart's ServiceMonitor)
    9090,  # Prometheus itself
    9093,  # Alertmanager
    9100,  # the node exporter, on every node's own address
    9153,  # CoreDNS
    10249,  # kube-proxy, on every node's own address
    10250,  # the kubelets (cAdvisor), and the operator
)


def monitoring_network_rules(on_eks: bool) -> dict[str, tuple[dict[str, str], list[IngressRule], list[EgressRule]]]:
    """By policy suffix: the pods a policy selects (labels), what may reach them, and where they
    may go. Every pod of the namespace also gets the `all` rules: DNS, and HTTPS to the API server
    (every part reads it) or AWS (Alertmanager publishes to SNS; a chat webhook is HTTPS too)."""
    from_prometheus = pods(PROMETHEUS_POD_LABELS)
    return {
        "all": ({}, [], [DNS, HTTPS]),
        "prometheus": (
            PROMETHEUS_POD_LABELS,
            # Grafana queries it; it scrapes itself and its config reloader.
            [{"from_": [pods(GRAFANA_POD_LABELS), from_prometheus], "ports": tcp(9090, 8080)}],
            [{"ports": tcp(*SCRAPED_PORTS)}],
        ),
        "alertmanager": (
            ALERTMANAGER_POD_LABELS,
            [{"from_": [from_prometheus], "ports": tcp(9093, 8080)}],
            # SNS with the Pod Identity of its service account (on EKS).
            [POD_IDENTITY_AGENT] if on_eks else [],
        ),
        "grafana": (
            GRAFANA_POD_LABELS,
            # Editors through Traefik (at /grafana), and Prometheus scraping it.
            [{"from_": [pods(TRAEFIK_POD_LABELS, any_namespace=True), from_prometheus], "ports": tcp(3000)}],
            [{"to": [from_prometheus], "ports": tcp(9090)}],
        ),
        "kube-state-metrics": (
            KUBE_STATE_METRICS_POD_LABELS,
            [{"from_": [from_prometheus], "ports": tcp(8080, 8081)}],
            [],
        ),
        # Its admission webhook is called by the API server, from the control plane's own addresses
        # (no selector names them); Prometheus scrapes the same port.
        "operator": (OPERATOR_POD_LABELS, [{"ports": tcp(10250)}], []),
    }


@dataclass(frozen=True)
class ServiceMonitors:
    """Where another chart's ServiceMonitor goes for this stack's Prometheus to pick it up, who
    scrapes from there, and what its release must wait for: the ServiceMonitor kind is
    kube-prometheus-stack's CRD (Helm refuses a manifest of a kind the cluster does not serve)."""

    namespace: str
    labels: dict[str, str]
    scraper_labels: dict[str, str]
    """Prometheus's pods, in `namespace`: what a scraped pod's network policy admits."""
    defined_by: pulumi.Resource


@dataclass(frozen=True)
class MonitoringArgs:
    prefix: str
    settings: MonitoringSettings
    namespace: str
    hub_namespace: str
    """The hub's namespace, by name: Prometheus discovers the hub there whenever it appears, and the
    hub waits for this component (its Secret holds the metrics token), not the other way round."""
    hub_service: str
    dashboards: Sequence[Path]
    cluster: EksCluster | None
    """On EKS: the cluster whose Pod Identity lets Alertmanager publish to SNS; None elsewhere."""
    region: str | None
    storage_class: pulumi.Input[str] | None
    ingress_class: pulumi.Input[str] | None
    hostname: str | None
    https: bool
    alert_topic_arn: pulumi.Input[str] | None
    depends_on: Sequence[pulumi.Resource]


class Monitoring(pulumi.ComponentResource):
    metrics: HubMetrics
    service_monitors: ServiceMonitors
    grafana_url: pulumi.Output[str]
    grafana_admin_password: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:k8s:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": args.namespace},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        in_namespace = namespace.metadata.name
        # Nothing in the namespace is reached or reaches out but by the rules below; the node
        # exporter is on its node's network, where network policies do not apply.
        for suffix, (labels, ingress, egress) in monitoring_network_rules(args.cluster is not None).items():
            network_policy(
                f"{name}-{suffix}-network-policy",
                policy_name=f"{args.prefix}-monitoring-{suffix}",
                namespace=in_namespace,
                selects=labelled(labels),
                ingress=ingress,
                egress=egress,
                parent=self,
            )
        admin_password = random.RandomPassword(f"{name}-grafana-admin-password", length=32, special=False, opts=child)
        metrics_token = random.RandomPassword(f"{name}-hub-metrics-token", length=48, special=False, opts=child)
        admin_secret = self._secret(
            f"{name}-grafana-admin",
            f"{args.prefix}-grafana-admin",
            in_namespace,
            {"admin-user": pulumi.Output.from_input("admin"), "admin-password": admin_password.result},
        )
        token_secret = self._secret(
            f"{name}-hub-metrics-secret",
            f"{args.prefix}-hub-metrics-token",
            in_namespace,
            {METRICS_TOKEN_KEY: metrics_token.result},
        )
        secrets: list[pulumi.Resource] = [admin_secret, token_secret]
        webhook = args.settings.chat_webhook_url
        webhook_name = f"{args.prefix}-alert-webhook" if webhook else None
        if webhook is not None and webhook_name is not None:
            url = pulumi.Output.secret(webhook.get_secret_value())
            secrets.append(self._secret(f"{name}-alert-webhook", webhook_name, in_namespace, {WEBHOOK_URL_KEY: url}))
        for path in args.dashboards:
            k8s.core.v1.ConfigMap(
                f"{name}-dashboard-{path.stem}",
                metadata={
                    "name": f"{args.prefix}-dashboard-{path.stem}",
                    "namespace": in_namespace,
                    "labels": {DASHBOARD_LABEL[0]: DASHBOARD_LABEL[1]},
                },
                data={path.name: dashboard(path)},
                opts=child,
            )
        if args.cluster is not None and args.alert_topic_arn is not None:
            secrets.append(self._alertmanager_identity(name, args, args.cluster, in_namespace))

        def values_for(parts: list[Any]) -> dict[str, Any]:
            storage_class, ingress_class, topic_arn = parts
            return monitoring_values(
                MonitoringOptions(
                    prefix=args.prefix,
                    namespace=args.namespace,
                    hub_namespace=args.hub_namespace,
                    hub_service=args.hub_service,
                    on_eks=args.cluster is not None,
                    retention_days=args.settings.retention_days,
                    storage_gib=args.settings.storage_gib,
                    storage_class=storage_class,
                    hostname=args.hostname,
                    https=args.https,
                    ingress_class=ingress_class,
                    grafana_admin_secret=f"{args.prefix}-grafana-admin",
                    metrics_token_secret=f"{args.prefix}-hub-metrics-token",
                    chat_webhook_secret=webhook_name,
                    sns_topic_arn=topic_arn,
                    region=args.region,
                )
            )

        release = helm_release(
            f"{name}-release",
            KUBE_PROMETHEUS_STACK,
            release_name=fullname(args.prefix),
            namespace=in_namespace,
            values=pulumi.Output.all(args.storage_class, args.ingress_class, args.alert_topic_arn).apply(values_for),
            opts=pulumi.ResourceOptions(parent=self, depends_on=secrets),
        )
        self.metrics = HubMetrics(namespace=in_namespace, token=pulumi.Output.secret(metrics_token.result))
        self.service_monitors = ServiceMonitors(
            namespace=args.namespace,
            labels=service_monitor_labels(args.prefix),
            scraper_labels=dict(PROMETHEUS_POD_LABELS),
            defined_by=release,
        )
        scheme = "https" if args.https else "http"
        self.grafana_url = pulumi.Output.from_input(
            f"{scheme}://{args.hostname}{GRAFANA_PATH}/" if args.hostname else ""
        )
        self.grafana_admin_password = pulumi.Output.secret(admin_password.result)
        self.register_outputs({"grafana_url": self.grafana_url, "grafana_admin_password": self.grafana_admin_password})

    def _secret(
        self, name: str, secret_name: str, namespace: pulumi.Input[str], data: dict[str, pulumi.Input[str]]
    ) -> k8s.core.v1.Secret:
        return k8s.core.v1.Secret(
            name,
            metadata={"name": secret_name, "namespace": namespace},
            string_data={key: pulumi.Output.secret(value) for key, value in data.items()},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _alertmanager_identity(
        self, name: str, args: MonitoringArgs, cluster: EksCluster, namespace: pulumi.Input[str]
    ) -> WorkloadIdentity:
        """Alertmanager may publish to the stack's topic, and nothing else."""
        assert args.alert_topic_arn is not None
        return WorkloadIdentity(
            f"{name}-alertmanager-identity",
            WorkloadIdentityArgs(
                role_name=f"{args.prefix}-alertmanager",
                cluster_name=cluster.name,
                cluster_arn=cluster.arn,
                namespace=namespace,
                service_account=alertmanager_service_account(args.prefix),
                policy=pulumi.Output.from_input(args.alert_topic_arn).apply(
                    lambda arn: {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": arn}],
                    }
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
