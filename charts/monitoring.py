"""Values for kube-prometheus-stack: Prometheus, Alertmanager, Grafana and the exporters of one stack.

Invariants guarded here: everything runs on core nodes except the node exporter, which runs on
every node (user nodes included: their memory and disk are what a class uses up); the hub's
metrics are scraped with a token that may read metrics and nothing else; only this platform's
rules are loaded (the chart's defaults are for operators of the cluster itself, and would page a
teaching team about the EKS control plane it cannot see); alerts go to the stack's SNS topic.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charts.alerts import alert_rules, hub_metrics_job
from charts.hardening import resources, restricted_container
from contracts import CORE_NODE_LABELS, DEDICATED_TAINT, USER_NODE_TAINTS

# Where the Prometheus operator mounts a Secret listed in `prometheusSpec.secrets` / `alertmanagerSpec.secrets`.
PROMETHEUS_SECRETS = "/etc/prometheus/secrets"
ALERTMANAGER_SECRETS = "/etc/alertmanager/secrets"
METRICS_TOKEN_KEY = "token"
WEBHOOK_URL_KEY = "url"
GRAFANA_PATH = "/grafana"
# kube-prometheus-stack's Grafana data source for its Prometheus (grafana.sidecar.datasources.uid).
PROMETHEUS_DATASOURCE = {"type": "prometheus", "uid": "prometheus", "text": "Prometheus"}
DASHBOARD_LABEL = ("grafana_dashboard", "1")


@dataclass(frozen=True)
class MonitoringOptions:
    prefix: str
    namespace: str
    """The monitoring namespace (the release, its Secrets and the dashboards)."""
    hub_namespace: str
    hub_service: str
    """The hub's Service, whose `hub` port serves /hub/metrics."""
    on_eks: bool
    retention_days: int
    storage_gib: int
    storage_class: str | None
    hostname: str | None
    https: bool
    ingress_class: str | None
    grafana_admin_secret: str
    metrics_token_secret: str
    chat_webhook_secret: str | None
    sns_topic_arn: str | None
    region: str | None


def fullname(prefix: str) -> str:
    return f"{prefix}-monitoring"


def service_monitor_labels(prefix: str) -> dict[str, str]:
    """The labels the stack's Prometheus picks ServiceMonitors up by. These values leave
    `prometheusSpec.serviceMonitorSelector` empty and `serviceMonitorSelectorNilUsesHelmValues` at
    its default (true), so kube-prometheus-stack renders the selector `release: <release name>`;
    `serviceMonitorNamespaceSelector` stays `{}`: every namespace."""
    return {"release": fullname(prefix)}


def alertmanager_service_account(prefix: str) -> str:
    """kube-prometheus-stack names Alertmanager's service account after the fullname."""
    return f"{fullname(prefix)}-alertmanager"


def monitoring_values(options: MonitoringOptions) -> dict[str, Any]:
    core = {"nodeSelector": dict(CORE_NODE_LABELS)} if options.on_eks else {}
    prometheus_spec: dict[str, Any] = {
        "retention": f"{options.retention_days}d",
        # Each student's pod brings a few hundred series (cAdvisor, kube-state-metrics): a class
        # of 500 about 150,000, which Prometheus holds in about 1.5 GiB. The limit leaves room for
        # compactions and a dashboard's heavy query; an OOM kill only loses minutes of samples.
        "resources": resources("250m", "1Gi", cpu_limit="1", memory_limit="3Gi"),
        "secrets": [options.metrics_token_secret],
        "additionalScrapeConfigs": [_hub_scrape(options)],
        **core,
    }
    if options.on_eks:
        prometheus_spec["storageSpec"] = {
            "volumeClaimTemplate": {
                "spec": {
                    "storageClassName": options.storage_class,
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": f"{options.storage_gib}Gi"}},
                }
            }
        }
    # A handful of alerts a day to route: tens of MiB.
    alertmanager_spec: dict[str, Any] = {
        **core,
        "resources": resources("10m", "64Mi", cpu_limit="200m", memory_limit="256Mi"),
    }
    if options.chat_webhook_secret:
        alertmanager_spec["secrets"] = [options.chat_webhook_secret]
    return {
        "fullnameOverride": fullname(options.prefix),
        "defaultRules": {"create": False},
        # The EKS control plane is AWS's: nothing of it can be scraped from the cluster.
        "kubeEtcd": {"enabled": False},
        "kubeScheduler": {"enabled": False},
        "kubeControllerManager": {"enabled": False},
        "additionalPrometheusRulesMap": {
            "teaching-hub": {"groups": alert_rules(options.prefix, options.hub_namespace)}
        },
        "prometheus": {"prometheusSpec": prometheus_spec},
        "alertmanager": {"config": _alertmanager_config(options), "alertmanagerSpec": alertmanager_spec},
        "prometheusOperator": {
            **core,
            # It watches the monitoring objects and reconciles two StatefulSets: one small Go process.
            "resources": resources("50m", "128Mi", cpu_limit="500m", memory_limit="512Mi"),
            # The config reloaders beside Prometheus and Alertmanager: they watch a few files and
            # call a reload endpoint.
            "prometheusConfigReloader": {"resources": resources("10m", "32Mi", cpu_limit="100m", memory_limit="64Mi")},
            # Two short Jobs at install and upgrade that make and register the webhook's certificate.
            "admissionWebhooks": {
                "patch": {**core, "resources": resources("10m", "32Mi", cpu_limit="100m", memory_limit="64Mi")}
            },
        },
        # The JupyterHub dashboards group pods by these labels and list every node's.
        "kube-state-metrics": {
            "metricLabelsAllowlist": ["pods=[app,component,hub.jupyter.org/username]", "nodes=[*]"],
            **core,
            # It holds every object it reports on: a few thousand (pods, nodes, claims) take ~100 MiB.
            "resources": resources("50m", "128Mi", cpu_limit="500m", memory_limit="512Mi"),
        },
        "prometheus-node-exporter": {
            "tolerations": [_user_node_toleration()],
            # On every node, user nodes included, where its request is taken from the students: a
            # few MiB and a moment of CPU per scrape.
            "resources": resources("10m", "32Mi", cpu_limit="200m", memory_limit="128Mi"),
            # The chart's read-only root and nobody user (its pod securityContext), plus no
            # capabilities and RuntimeDefault. It stays in the node's network and PID namespaces:
            # it reports the node (see tests/charts/test_hardening.py).
            "containerSecurityContext": restricted_container(readOnlyRootFilesystem=True),
        },
        "grafana": _grafana(options, core),
    }


def _user_node_toleration() -> dict[str, str]:
    value, effect = USER_NODE_TAINTS[DEDICATED_TAINT].split(":")
    return {"key": DEDICATED_TAINT, "operator": "Equal", "value": value, "effect": effect}


def _hub_scrape(options: MonitoringOptions) -> dict[str, Any]:
    """/hub/metrics of this stack's hub, with the token of its `prometheus` service (read:metrics)."""
    return {
        "job_name": hub_metrics_job(options.prefix),
        "metrics_path": "/hub/metrics",
        "authorization": {
            "credentials_file": f"{PROMETHEUS_SECRETS}/{options.metrics_token_secret}/{METRICS_TOKEN_KEY}"
        },
        "kubernetes_sd_configs": [{"role": "endpoints", "namespaces": {"names": [options.hub_namespace]}}],
        "relabel_configs": [
            {"source_labels": ["__meta_kubernetes_service_name"], "regex": options.hub_service, "action": "keep"},
            {"source_labels": ["__meta_kubernetes_endpoint_port_name"], "regex": "hub", "action": "keep"},
        ],
    }


def _alertmanager_config(options: MonitoringOptions) -> dict[str, Any]:
    receiver: dict[str, Any] = {"name": "teaching-team"}
    if options.sns_topic_arn:
        # Published with the Pod Identity of Alertmanager's service account (SigV4, no keys).
        receiver["sns_configs"] = [
            {
                "topic_arn": options.sns_topic_arn,
                "sigv4": {"region": options.region},
                "subject": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} on {{ .CommonLabels.stack }}",
                "send_resolved": True,
            }
        ]
    if options.chat_webhook_secret:
        receiver["slack_configs"] = [
            {
                "api_url_file": f"{ALERTMANAGER_SECRETS}/{options.chat_webhook_secret}/{WEBHOOK_URL_KEY}",
                "send_resolved": True,
            }
        ]
    return {
        "route": {
            "receiver": "teaching-team",
            "group_by": ["alertname", "stack"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
        },
        "receivers": [receiver],
    }


def _grafana(options: MonitoringOptions, core: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        **core,
        # A handful of editors and the eight dashboards: Grafana's own figure is a few hundred MiB.
        "resources": resources("50m", "256Mi", cpu_limit="1", memory_limit="512Mi"),
        # The admin password is a Pulumi secret in a Secret of the stack's own, never in these values.
        "admin": {
            "existingSecret": options.grafana_admin_secret,
            "userKey": "admin-user",
            "passwordKey": "admin-password",
        },
        "sidecar": {
            # The dashboard and data source sidecars: Python processes watching ConfigMaps.
            "resources": resources("10m", "64Mi", cpu_limit="200m", memory_limit="256Mi"),
            "dashboards": {
                "enabled": True,
                "label": DASHBOARD_LABEL[0],
                "labelValue": DASHBOARD_LABEL[1],
                "searchNamespace": [options.namespace],
            },
        },
    }
    if options.hostname:
        scheme = "https" if options.https else "http"
        values["grafana.ini"] = {
            "server": {"root_url": f"{scheme}://{options.hostname}{GRAFANA_PATH}/", "serve_from_sub_path": True}
        }
        ingress: dict[str, Any] = {
            "enabled": True,
            "hosts": [options.hostname],
            "path": GRAFANA_PATH,
            "pathType": "Prefix",
        }
        if options.ingress_class:
            ingress["ingressClassName"] = options.ingress_class
        values["ingress"] = ingress
    return values


def dashboard(path: Path) -> str:
    """A JupyterHub dashboard with its data source variable set to the stack's Prometheus."""
    board = json.loads(path.read_text())
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("type") == "datasource" and variable.get("query") == "prometheus":
            variable["current"] = {"text": PROMETHEUS_DATASOURCE["text"], "value": PROMETHEUS_DATASOURCE["uid"]}
    return json.dumps(board, sort_keys=True)
