"""The alert rules, evaluated by Prometheus' own rule tester: each fires on the series it is for,
and stays quiet on a series that looks alike but is fine.

Source: Prometheus, "Unit testing for rules" (`promtool test rules`: input series in expanding
notation, one sample per `interval`; an alert is listed at `eval_time` only once its `for` has
passed). The metric names are those of their exporters: JupyterHub 5.5 jupyterhub/metrics.py
(`jupyterhub_server_spawn_duration_seconds` with `status` success/failure/throttled/too-many-users),
kube-state-metrics 2.x (`kube_pod_status_phase`, `kube_node_status_condition`,
`kube_node_spec_unschedulable`, `kube_node_labels` with `label_<key>`,
`kube_pod_container_status_restarts_total`), the kubelet's `kubelet_volume_stats_*`, and
cluster-autoscaler's `cluster_autoscaler_failed_scale_ups_total`. z2jh names the proxy's container `chp`.

cluster-autoscaler 1.35: kubernetes/autoscaler cluster-autoscaler/metrics/metrics.go at the tag
cluster-autoscaler-1.35.0 (commit 25fc5c74f6b0f2382b65f76edc08e15ac9f41da7) registers the counter
`failed_scale_ups_total` in the namespace `cluster_autoscaler` with one label, `reason`, which
`InitMetrics` sets to 0 for `cloudProviderError`, `apiCallError` and `timeout` at start (so the
first failure is an increase); main.go serves the registry at `/metrics` on `--address`, `:8085` by
default (config/flags/flags.go). Its chart's ServiceMonitor scrapes it with the job named after the
Service, `<prefix>-cluster-autoscaler`.
"""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from charts.alerts import alert_rules, hub_metrics_job

PREFIX, NAMESPACE = "prod", "prod-hub"
JOB = hub_metrics_job(PREFIX)
SPAWNS = "jupyterhub_server_spawn_duration_seconds_count"
RESTARTS = f'kube_pod_container_status_restarts_total{{namespace="{NAMESPACE}", container="%s", pod="%s"}}'
PHASE = f'kube_pod_status_phase{{namespace="{NAMESPACE}", phase="Pending", pod="%s"}}'
CLAIM = f'{{namespace="{NAMESPACE}", persistentvolumeclaim="prod-claim-alice"}}'
AVAILABLE, CAPACITY = f"kubelet_volume_stats_available_bytes{CLAIM}", f"kubelet_volume_stats_capacity_bytes{CLAIM}"
USER_NODE = 'kube_node_labels{node="%s", label_hub_jupyter_org_node_purpose="%s"}'
FAILED_SCALE_UPS = 'cluster_autoscaler_failed_scale_ups_total{job="prod-cluster-autoscaler", reason="%s"}'
RULES = {r["alert"]: r for group in alert_rules(PREFIX, NAMESPACE) for r in group["rules"]}

# alert: (series, minutes into the test, labels of the alert when it fires), for a firing case and a quiet one
CASES: dict[str, tuple[dict[str, str], dict[str, str], int, dict[str, str] | None]] = {
    "JupyterHubDown": (
        {f'up{{job="{JOB}", instance="hub:8081"}}': "1 1 0 0 0 0"},
        {f'up{{job="{JOB}", instance="hub:8081"}}': "1 1 1 1 1 1"},
        5,
        {"job": JOB, "instance": "hub:8081"},
    ),
    "ServerStartsFailing": (
        {f'{SPAWNS}{{job="{JOB}", status="failure"}}': "0 0 1 1 2 2"},
        {
            f'{SPAWNS}{{job="{JOB}", status="failure"}}': "0 0 0 1 1 1",
            f'{SPAWNS}{{job="{JOB}", status="success"}}': "0 5 10 20 40 80",
        },
        5,
        {"job": JOB, "status": "failure"},
    ),
    "ServerStartsThrottled": (
        {f'{SPAWNS}{{job="{JOB}", status="throttled"}}': "0 0 0 3 3 3"},
        {
            f'{SPAWNS}{{job="{JOB}", status="throttled"}}': "0 0 0 0 0 0",
            f'{SPAWNS}{{job="{JOB}", status="success"}}': "0 50 100 150 200 250",
        },
        5,
        {"job": JOB, "status": "throttled"},
    ),
    "ProxyRestarted": (
        {RESTARTS % ("chp", "prod-proxy-1"): "0 0 0 1 1 1"},
        {RESTARTS % ("hub", "prod-hub-1"): "0 0 0 1 1 1"},
        5,
        {"namespace": NAMESPACE, "container": "chp", "pod": "prod-proxy-1"},
    ),
    "StudentServersPending": (
        {PHASE % "prod-jupyter-alice": "1x15"},
        {
            PHASE % "prod-jupyter-bob": "1 1 1 1 1 0x10",
            PHASE % "prod-hub-7d9": "1x15",
        },
        12,
        {"pod": "prod-jupyter-alice"},
    ),
    "NodeUnderPressure": (
        {'kube_node_status_condition{node="n1", condition="MemoryPressure", status="true"}': "1x10"},
        {'kube_node_status_condition{node="n1", condition="MemoryPressure", status="false"}': "1x10"},
        7,
        {"node": "n1", "condition": "MemoryPressure", "status": "true"},
    ),
    "VolumeNearlyFull": (
        {
            AVAILABLE: "5x20",
            CAPACITY: "100x20",
        },
        {
            AVAILABLE: "50x20",
            CAPACITY: "100x20",
        },
        17,
        {"namespace": NAMESPACE, "persistentvolumeclaim": "prod-claim-alice"},
    ),
    "SpotInterruptionBurst": (
        {
            'kube_node_spec_unschedulable{node="u1"}': "0 1 1",
            'kube_node_spec_unschedulable{node="u2"}': "0 1 1",
            USER_NODE % ("u1", "user"): "1 1 1",
            USER_NODE % ("u2", "user"): "1 1 1",
        },
        {
            'kube_node_spec_unschedulable{node="u1"}': "0 1 1",
            'kube_node_spec_unschedulable{node="c1"}': "0 1 1",
            USER_NODE % ("u1", "user"): "1 1 1",
            USER_NODE % ("c1", "core"): "1 1 1",
        },
        2,
        {},
    ),
    "AutoscalerFailingToAddNodes": (
        {FAILED_SCALE_UPS % "cloudProviderError": "0 0 1 1", FAILED_SCALE_UPS % "timeout": "0 0 0 0"},
        {FAILED_SCALE_UPS % reason: "0 0 0 0" for reason in ("cloudProviderError", "apiCallError", "timeout")},
        3,
        {"job": "prod-cluster-autoscaler", "reason": "cloudProviderError"},
    ),
}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is missing: install Debian's prometheus package (`apt-get install prometheus`; .ci/run does)"
        )
    return found


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


def _test(alert: str, series: dict[str, str], minutes: int, labels: dict[str, str] | None) -> dict[str, Any]:
    expected = []
    if labels is not None:
        rule = RULES[alert]
        expected = [{"exp_labels": {**labels, **rule["labels"]}, "exp_annotations": rule["annotations"]}]
    return {
        "interval": "1m",
        "input_series": [{"series": name, "values": values} for name, values in series.items()],
        "alert_rule_test": [{"alertname": alert, "eval_time": f"{minutes}m", "exp_alerts": expected}],
    }


@pytest.mark.parametrize("alert", sorted(CASES))
def test_the_alert_fires_on_its_case_and_not_on_a_fine_one(alert: str, tmp_path: Path) -> None:
    fires, quiet, minutes, labels = CASES[alert]
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": alert_rules(PREFIX, NAMESPACE)}))
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        yaml.safe_dump(
            {
                "rule_files": [str(rules)],
                "tests": [_test(alert, fires, minutes, labels), _test(alert, quiet, minutes, None)],
            }
        )
    )
    done = subprocess.run([promtool(), "test", "rules", str(tests)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
