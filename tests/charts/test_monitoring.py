"""Monitoring as the pinned kube-prometheus-stack 88.5.3 renders it, against what the other side reads.

Sources:
- kube-prometheus-stack 88.5.3 templates (rendered here) and the Prometheus operator's API
  (monitoring.coreos.com/v1): a Prometheus loads the PrometheusRules its `ruleSelector` matches,
  mounts each Secret of `spec.secrets` at /etc/prometheus/secrets/<name>/, and reads extra scrape
  jobs from `additionalScrapeConfigs`; an Alertmanager runs as `serviceAccountName`.
- Grafana's dashboard sidecar (k8s-sidecar): it loads ConfigMaps carrying LABEL=LABEL_VALUE in the
  NAMESPACE it is given, as its container environment says.
- Prometheus, kubernetes_sd_config role `endpoints`: `__meta_kubernetes_service_name` and
  `__meta_kubernetes_endpoint_port_name` name the Service and its port.
- JupyterHub 5.5: /hub/metrics needs a token with `read:metrics` while `authenticate_prometheus`
  is on (its default); a service's token is `api_token` in `c.JupyterHub.services`.
- The Prometheus operator's API (monitoring.coreos.com/v1; the CRDs kube-prometheus-stack 88.5.3
  ships in charts/crds/crds/, crd-prometheuses.yaml and crd-servicemonitors.yaml):
  a Prometheus scrapes the ServiceMonitors its `serviceMonitorSelector` matches, in the namespaces
  its `serviceMonitorNamespaceSelector` matches (absent: its own namespace only; `{}`: all); a
  ServiceMonitor scrapes the Services its `selector` matches in `namespaceSelector.matchNames`
  (absent: its own namespace), on the Service port each endpoint names. cluster-autoscaler chart
  9.59.0 (templates/servicemonitor.yaml, service.yaml): the ServiceMonitor goes to
  `serviceMonitor.namespace`, labelled with `serviceMonitor.selector`, and selects the release's
  Service in the release namespace, whose port `service.portName` targets the container's 8085.
"""

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from charts.dashboards import NAMES
from charts.monitoring import PROMETHEUS_DATASOURCE, PROMETHEUS_SECRETS
from contracts import DEDICATED_TAINT, USER_NODE_TAINTS
from tests.hub import load_hub_config, write_hub_files
from tests.support import selects
from tools.plan.charts import RELEASE, revealed
from tools.plan.program import ProgramRun

Objects = dict[tuple[str, str], list[dict[str, Any]]]


def only(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    [found] = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    return found


def secret_text(secret: dict[str, Any], key: str) -> str:
    """A rendered Secret's value, from `stringData` or base64 `data`."""
    if key in secret.get("stringData", {}):
        return str(secret["stringData"][key])
    return base64.b64decode(secret["data"][key]).decode()


def container_env(objects: list[dict[str, Any]], container: str) -> dict[str, str]:
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        for c in deployment["spec"]["template"]["spec"]["containers"]:
            if c["name"] == container:
                return {e["name"]: e.get("value", "") for e in c.get("env", [])}
    raise AssertionError(f"no container {container}")


@pytest.mark.parametrize("stack", ["tst", "prod"])
def test_grafana_loads_every_jupyterhub_dashboard_on_the_stack_s_prometheus(
    stack: str, stack_runs: dict[str, ProgramRun], rendered_releases: Objects
) -> None:
    objects = rendered_releases[(stack, f"{stack}-monitoring-release")]
    sidecar = container_env(objects, "grafana-sc-dashboard")
    datasources = yaml.safe_load(
        only(objects, "ConfigMap", f"{stack}-monitoring-grafana-datasource")["data"]["datasource.yaml"]
    )["datasources"]
    [prometheus] = [d for d in datasources if d["type"] == "prometheus"]
    maps = [
        r
        for r in stack_runs[stack].by_type("kubernetes:core/v1:ConfigMap")
        if "-dashboard-" in r.inputs["metadata"]["name"]
    ]
    loaded = set()
    for config_map in maps:
        metadata = config_map.inputs["metadata"]
        assert metadata["labels"].get(sidecar["LABEL"]) == sidecar["LABEL_VALUE"], metadata
        assert metadata["namespace"] in sidecar["NAMESPACE"].split(","), metadata
        [(file_name, text)] = config_map.inputs["data"].items()
        board = json.loads(text)
        [variable] = [v for v in board["templating"]["list"] if v.get("type") == "datasource"]
        assert variable["current"]["value"] == prometheus["uid"] == PROMETHEUS_DATASOURCE["uid"]
        loaded.add(Path(file_name).stem)
    assert loaded == set(NAMES)  # all eight


def test_prometheus_scrapes_the_hub_with_a_token_only_for_metrics(
    stack_runs: dict[str, ProgramRun], rendered_releases: Objects, tmp_path: Path
) -> None:
    run, objects = stack_runs["prod"], rendered_releases[("prod", "prod-monitoring-release")]
    prometheus = only(objects, "Prometheus")["spec"]
    reference = prometheus["additionalScrapeConfigs"]
    scrape_secret = only(objects, "Secret", reference["name"])
    [job] = yaml.safe_load(secret_text(scrape_secret, reference["key"]))
    # the token file is in a Secret the Prometheus mounts
    token_file = job["authorization"]["credentials_file"]
    match = re.fullmatch(rf"{PROMETHEUS_SECRETS}/([^/]+)/([^/]+)", token_file)
    assert match and match.group(1) in prometheus["secrets"], token_file
    # ... and that Secret holds the very token the hub's `prometheus` service has
    token_secret = run.named("prod-monitoring-hub-metrics-secret")
    hub_secret = run.named("prod-jupyterhub-secrets")
    token = revealed(token_secret.inputs["stringData"])[match.group(2)]
    assert revealed(hub_secret.inputs["stringData"])["metrics-token"] == token
    # the job keeps the hub's Service and port, as the z2jh chart renders them
    hub_objects = rendered_releases[("prod", "prod-jupyterhub-release")]
    service = only(hub_objects, "Service", "prod-hub")
    keep = {tuple(r["source_labels"]): r["regex"] for r in job["relabel_configs"] if r["action"] == "keep"}
    assert re.fullmatch(keep[("__meta_kubernetes_service_name",)], service["metadata"]["name"])
    assert any(
        re.fullmatch(keep[("__meta_kubernetes_endpoint_port_name",)], p["name"]) for p in service["spec"]["ports"]
    )
    hub_release = run.named("prod-jupyterhub-release")
    assert job["kubernetes_sd_configs"][0]["namespaces"]["names"] == [hub_release.inputs["namespace"]]
    # the hub, as its pod loads its config, knows that token as a service that may read metrics only
    config = load_hub_config(
        write_hub_files(hub_objects, "prod", tmp_path), "prod", "prod-hub", {"METRICS_TOKEN": token}
    )
    [service_config] = [s for s in config.JupyterHub.services if s["name"] == "prometheus"]
    assert service_config["api_token"] == token
    roles = revealed(next(r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "jupyterhub")
                   .inputs["values"])["hub"]["loadRoles"]  # fmt: skip
    assert roles["prometheus"] == {"services": ["prometheus"], "scopes": ["read:metrics"]}


def test_the_hub_s_network_policy_admits_the_stack_s_prometheus(rendered_releases: Objects) -> None:
    """The operator labels the Prometheus pods app.kubernetes.io/name=prometheus; Kubernetes labels every
    namespace kubernetes.io/metadata.name=<name>."""
    hub_objects = rendered_releases[("prod", "prod-jupyterhub-release")]
    policy = only(hub_objects, "NetworkPolicy", "prod-hub")
    prometheus_pod = {"app.kubernetes.io/name": "prometheus"}
    namespace = {"kubernetes.io/metadata.name": "prod-monitoring"}
    admitted = [
        rule
        for rule in policy["spec"]["ingress"]
        for source in rule.get("from", [])
        if source.get("namespaceSelector", {}).get("matchLabels", {}).items() <= namespace.items()
        and "namespaceSelector" in source
        and source.get("podSelector", {}).get("matchLabels", {}).items() <= prometheus_pod.items()
    ]
    assert admitted and all({"port": "http"} in rule["ports"] for rule in admitted)


def test_the_teaching_hub_rules_are_the_ones_prometheus_loads(rendered_releases: Objects) -> None:
    objects = rendered_releases[("prod", "prod-monitoring-release")]
    selector = only(objects, "Prometheus")["spec"]["ruleSelector"]["matchLabels"]
    rules = [o for o in objects if o["kind"] == "PrometheusRule"]
    assert [r["metadata"]["name"] for r in rules] == ["prod-monitoring-teaching-hub"]  # only the platform's own
    assert selector.items() <= rules[0]["metadata"]["labels"].items()


def test_alertmanager_publishes_to_the_topic_as_the_identity_that_may(
    stack_runs: dict[str, ProgramRun], rendered_releases: Objects
) -> None:
    run, objects = stack_runs["prod"], rendered_releases[("prod", "prod-monitoring-release")]
    alertmanager = only(objects, "Alertmanager")
    config = yaml.safe_load(
        secret_text(only(objects, "Secret", f"alertmanager-{alertmanager['metadata']['name']}"), "alertmanager.yaml")
    )
    [receiver] = [r for r in config["receivers"] if r["name"] == config["route"]["receiver"]]
    [sns] = receiver["sns_configs"]
    [topic] = run.by_type("aws:sns/topic:Topic")[:1]  # the one in the stack's region comes first
    assert sns["topic_arn"].endswith(f":{topic.inputs['name']}") and sns["sigv4"]["region"] == "eu-west-1"
    # the Pod Identity association names Alertmanager's service account, whose role may publish there
    association = run.named("prod-monitoring-alertmanager-identity-association")
    assert association.inputs["serviceAccount"] == alertmanager["spec"]["serviceAccountName"]
    assert association.inputs["namespace"] == alertmanager["metadata"]["namespace"]
    policy = json.loads(run.named("prod-monitoring-alertmanager-identity-policy").inputs["policy"])
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "sns:Publish", "Resource": sns["topic_arn"]}]


def test_the_node_exporter_runs_on_user_nodes_too(rendered_releases: Objects) -> None:
    """Counted as one of the user nodes' DaemonSet pods (settings/capacity.py)."""
    objects = rendered_releases[("prod", "prod-monitoring-release")]
    [daemon_set] = [o for o in objects if o["kind"] == "DaemonSet"]
    value, effect = USER_NODE_TAINTS[DEDICATED_TAINT].split(":")
    tolerations = daemon_set["spec"]["template"]["spec"]["tolerations"]
    assert any(
        t["key"] == DEDICATED_TAINT and t.get("value") == value and t["effect"] == effect for t in tolerations
    ) or any(t.get("operator") == "Exists" and "key" not in t for t in tolerations)


def release_objects(rendered: Objects, run: ProgramRun, role: str) -> tuple[str, list[dict[str, Any]]]:
    """The namespace of a release of the stack (by role, like `cluster-autoscaler`) and its objects."""
    name = f"{run.stack}-{role}-release"
    return run.named(name).inputs["namespace"], rendered[(run.stack, name)]


@pytest.mark.parametrize("stack", ["tst", "prod"])
def test_the_stack_s_prometheus_scrapes_the_autoscaler_through_its_chart_s_service_monitor(
    stack: str, stack_runs: dict[str, ProgramRun], rendered_releases: Objects
) -> None:
    """`AutoscalerFailingToAddNodes` reads cluster-autoscaler's own metrics: something must scrape them."""
    run = stack_runs[stack]
    system, autoscaler = release_objects(rendered_releases, run, "cluster-autoscaler")
    monitoring, monitoring_objects = release_objects(rendered_releases, run, "monitoring")
    monitors = [o for o in autoscaler if o["kind"] == "ServiceMonitor"]
    print(f"{stack}: ServiceMonitors of the autoscaler release: {[m['metadata'] for m in monitors]}")
    [monitor] = monitors
    service = only(autoscaler, "Service")
    service_namespace = service["metadata"].get("namespace", system)
    monitor_namespace = monitor["metadata"].get("namespace", system)
    # the ServiceMonitor finds the autoscaler's Service, and a port of it ...
    spec = monitor["spec"]
    assert service_namespace in spec.get("namespaceSelector", {}).get("matchNames", [monitor_namespace])
    assert selects(spec["selector"], service["metadata"]["labels"])
    port_names = {p["name"] for p in service["spec"]["ports"]}
    assert spec["endpoints"] and all(e["port"] in port_names for e in spec["endpoints"])
    assert all(e.get("path", "/metrics") == "/metrics" for e in spec["endpoints"])
    # ... which leads to the autoscaler's pods, on the port its metrics are served at (`--address` :8085)
    [deployment] = [o for o in autoscaler if o["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]
    assert selects({"matchLabels": service["spec"]["selector"]}, pod["metadata"]["labels"])
    container_ports = {p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
    scraped = [p for p in service["spec"]["ports"] if p["name"] in {e["port"] for e in spec["endpoints"]}]
    assert scraped and all(p["targetPort"] in container_ports for p in scraped)
    # the stack's Prometheus picks the ServiceMonitor up: its labels and its namespace
    prometheus = only(monitoring_objects, "Prometheus")
    print(
        f"{stack}: Prometheus selects serviceMonitorSelector={prometheus['spec'].get('serviceMonitorSelector')} "
        f"serviceMonitorNamespaceSelector={prometheus['spec'].get('serviceMonitorNamespaceSelector')}"
    )
    assert selects(prometheus["spec"]["serviceMonitorSelector"], monitor["metadata"].get("labels", {}))
    namespace_selector = prometheus["spec"].get("serviceMonitorNamespaceSelector")
    if namespace_selector is None:
        assert monitor_namespace == prometheus["metadata"].get("namespace", monitoring)
    else:
        assert selects(namespace_selector, {"kubernetes.io/metadata.name": monitor_namespace})
    # ... in a namespace the stack has
    namespaces = {n.inputs["metadata"]["name"] for n in run.by_type("kubernetes:core/v1:Namespace")}
    assert monitor_namespace in namespaces


def test_a_stack_without_monitoring_renders_no_service_monitor(
    stack_runs: dict[str, ProgramRun], rendered_releases: Objects
) -> None:
    """There is no ServiceMonitor kind on a cluster without kube-prometheus-stack: Helm would refuse
    the release."""
    assert not any(r.inputs["chart"] == "kube-prometheus-stack" for r in stack_runs["dev"].by_type(RELEASE))
    _, autoscaler = release_objects(rendered_releases, stack_runs["dev"], "cluster-autoscaler")
    assert [o for o in autoscaler if o["kind"] == "ServiceMonitor"] == []
    assert not [
        (release, o["metadata"]["name"])
        for (stack, release), objects in rendered_releases.items()
        if stack == "dev"
        for o in objects
        if o["kind"] in ("ServiceMonitor", "PodMonitor")
    ]
