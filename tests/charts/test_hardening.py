"""Hardened platform pods: a scan of every pod the platform runs, in the spirit of checkov's
Kubernetes checks, written here as a small pure function so that it runs in milliseconds.

What it scans: every pod template the pinned charts render for every stack file
(`rendered_releases`: Deployments, DaemonSets, StatefulSets, Jobs, hooks included); the pods the
Prometheus operator makes from the Prometheus and Alertmanager objects kube-prometheus-stack
renders; and the students' pods, as the chart's own hub configuration has KubeSpawner build them.

A finding is one of (checkov's check IDs, bridgecrewio/checkov checkov/kubernetes/checks/resource/k8s):
- CKV_K8S_10, CKV_K8S_11, CKV_K8S_12, CKV_K8S_13: a container without a CPU request, CPU limit,
  memory request or memory limit;
- CKV_K8S_16: a privileged container;
- CKV_K8S_17, CKV_K8S_18, CKV_K8S_19: a pod sharing the node's PID, IPC or network namespace;
- CKV_K8S_20: a container whose allowPrivilegeEscalation is not false;
- CKV_K8S_23: a container that may run as root (runAsUser 0, or neither runAsNonRoot nor a
  non-zero runAsUser on the container or its pod);
- CKV_K8S_28 and CKV_K8S_37: a container that does not drop ALL capabilities (NET_RAW among
  them), or that adds any;
- CKV_K8S_31: a container with no RuntimeDefault seccomp profile, its own or its pod's;
- NETPOL (kube-score's pod-networkpolicy; checkov has no such check): a pod no NetworkPolicy of
  its namespace selects, which also catches a namespace the platform owns without any. Pods on
  the node's network are not subject to NetworkPolicies at all and are reported by CKV_K8S_19.

Left out on purpose: CKV_K8S_22 (read-only root filesystem: JupyterLab, the hub's SQLite and
Grafana write to theirs), CKV_K8S_40 (a UID above 10000: the notebook user is 1000, who owns every
home on the shared filesystem, and z2jh runs the hub as 1000).

Sources for what the operator's pods look like: prometheus-operator
pkg/prometheus/server/statefulset.go and pkg/alertmanager/statefulset.go (the pod's
securityContext is the object's `securityContext`, the main container's resources its `resources`,
each container gets readOnlyRootFilesystem, allowPrivilegeEscalation false and drops ALL) and
pkg/operator/config_reloader.go (the config reloaders' resources are the operator's
--config-reloader-* flags, which kube-prometheus-stack's operator Deployment sets from
`prometheusOperator.prometheusConfigReloader.resources`, 0 for none).
"""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.hub import load_hub_config, pod_for, write_hub_files
from tests.support import STACKS, selects
from tools.plan.charts import RELEASE, revealed
from tools.plan.program import ProgramRun

Manifest = dict[str, Any]
Rendered = dict[tuple[str, str], list[Manifest]]

POD_TEMPLATE_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job")
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


@dataclass(frozen=True)
class Pod:
    """A pod the platform runs, as the scan sees it."""

    stack: str
    namespace: str
    workload: str
    """Kind and name without the stack prefix, like `Deployment/hub`: the same on every stack."""
    labels: dict[str, str]
    spec: Manifest


@dataclass(frozen=True)
class Finding:
    check: str
    workload: str
    container: str | None
    """None for a finding about the pod itself."""
    message: str

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.check, self.workload, self.container)

    def __str__(self) -> str:
        where = f"{self.workload} {self.container}" if self.container else self.workload
        return f"{self.check} {where}: {self.message}"


# --- the checks: pure functions of one pod spec -------------------------------------------------


def _containers(spec: Manifest) -> list[Manifest]:
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _quantity_set(value: Any) -> bool:
    return value not in (None, "", 0, "0")


def container_findings(container: Manifest, pod_security: Manifest) -> list[tuple[str, str]]:
    """(check, message) for one container, given its pod's securityContext."""
    found = []
    resources = container.get("resources") or {}
    for check, section, resource in (
        ("CKV_K8S_10", "requests", "cpu"),
        ("CKV_K8S_11", "limits", "cpu"),
        ("CKV_K8S_12", "requests", "memory"),
        ("CKV_K8S_13", "limits", "memory"),
    ):
        if not _quantity_set((resources.get(section) or {}).get(resource)):
            found.append((check, f"no {resource} {section[:-1]}"))
    security = container.get("securityContext") or {}
    if security.get("privileged"):
        found.append(("CKV_K8S_16", "privileged"))
    if security.get("allowPrivilegeEscalation") is not False:
        found.append(("CKV_K8S_20", "allowPrivilegeEscalation is not false"))
    user = security.get("runAsUser", pod_security.get("runAsUser"))
    non_root = security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
    if user == 0 or not (non_root is True or (user is not None and user > 0)):
        found.append(("CKV_K8S_23", f"may run as root (runAsUser {user}, runAsNonRoot {non_root})"))
    capabilities = security.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        found.append(("CKV_K8S_28", "does not drop ALL capabilities"))
    if capabilities.get("add"):
        found.append(("CKV_K8S_37", f"adds capabilities {sorted(capabilities['add'])}"))
    seccomp = (security.get("seccompProfile") or pod_security.get("seccompProfile") or {}).get("type")
    if seccomp != "RuntimeDefault":
        found.append(("CKV_K8S_31", f"seccomp profile {seccomp}"))
    return found


def pod_findings(spec: Manifest) -> list[tuple[str, str | None, str]]:
    """(check, container or None, message) for one pod spec."""
    found: list[tuple[str, str | None, str]] = [
        (check, None, f"{field} is on")
        for check, field in (("CKV_K8S_17", "hostPID"), ("CKV_K8S_18", "hostIPC"), ("CKV_K8S_19", "hostNetwork"))
        if spec.get(field)
    ]
    pod_security = spec.get("securityContext") or {}
    for container in _containers(spec):
        found += [(check, container["name"], message) for check, message in container_findings(container, pod_security)]
    return found


def unselected(pods: list[Pod], policies: list[Manifest]) -> list[Pod]:
    """The pods (not on the node's network) that no NetworkPolicy of their namespace selects."""
    return [
        pod
        for pod in pods
        if not pod.spec.get("hostNetwork")
        and not any(
            policy["metadata"].get("namespace") == pod.namespace and selects(policy["spec"]["podSelector"], pod.labels)
            for policy in policies
        )
    ]


def scan(pods: list[Pod], policies: list[Manifest]) -> list[Finding]:
    found = [
        # Container names too may carry the stack prefix (Traefik's does).
        Finding(check, pod.workload, container and container.removeprefix(f"{pod.stack}-"), message)
        for pod in pods
        for check, container, message in pod_findings(pod.spec)
    ]
    found += [
        Finding("NETPOL", pod.workload, None, "no NetworkPolicy selects it") for pod in unselected(pods, policies)
    ]
    return found


# --- what the platform runs ---------------------------------------------------------------------


def _workload(stack: str, kind: str, name: str) -> str:
    return f"{kind}/{name.removeprefix(f'{stack}-')}"


def _reloader_resources(objects: list[Manifest]) -> Manifest:
    """The config reloader's resources, from the operator Deployment's --config-reloader-* flags."""
    flags: dict[str, str] = {}
    for obj in objects:
        if obj["kind"] == "Deployment":
            for container in obj["spec"]["template"]["spec"]["containers"]:
                for arg in container.get("args", []):
                    if arg.startswith("--config-reloader-") and "=" in arg:
                        name, value = arg.removeprefix("--config-reloader-").split("=", 1)
                        flags[name] = value
    return {
        section: {resource: flags.get(f"{resource}-{flag}", "0") for resource in ("cpu", "memory")}
        for section, flag in (("requests", "request"), ("limits", "limit"))
    }


# The container securityContext the Prometheus operator gives every container it makes.
OPERATOR_CONTAINER_SECURITY = {
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
}


def _operator_pod(obj: Manifest, reloader: Manifest) -> tuple[dict[str, str], Manifest]:
    """Labels and spec of the pod the Prometheus operator makes from a Prometheus or Alertmanager."""
    spec, main = obj["spec"], obj["kind"].lower()

    def container(name: str, resources: Manifest) -> Manifest:
        return {"name": name, "resources": resources, "securityContext": OPERATOR_CONTAINER_SECURITY}

    labels = {"app.kubernetes.io/name": main, "app.kubernetes.io/managed-by": "prometheus-operator"}
    labels |= (spec.get("podMetadata") or {}).get("labels", {})
    pod = {
        "securityContext": spec.get("securityContext") or {},
        "initContainers": [container("init-config-reloader", reloader)],
        "containers": [container(main, spec.get("resources") or {}), container("config-reloader", reloader)],
    }
    return labels, pod


def rendered_pods(stack: str, namespace: str, objects: list[Manifest]) -> Iterator[Pod]:
    for obj in objects:
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind in POD_TEMPLATE_KINDS:
            template = obj["spec"]["template"]
            labels = template["metadata"].get("labels", {})
            yield Pod(stack, namespace, _workload(stack, kind, name), labels, template["spec"])
        elif kind in ("Prometheus", "Alertmanager"):
            labels, spec = _operator_pod(obj, _reloader_resources(objects))
            yield Pod(stack, namespace, _workload(stack, kind, name), labels, spec)


def platform_pods(rendered: Rendered, runs: dict[str, ProgramRun], user_pods: dict[str, Manifest]) -> list[Pod]:
    pods: list[Pod] = []
    for (stack, release), objects in rendered.items():
        namespace = runs[stack].named(release).inputs["namespace"]
        pods += rendered_pods(stack, namespace, objects)
    for stack, pod in user_pods.items():
        hub_namespace = pod["metadata"]["namespace"]
        pods.append(
            Pod(
                stack,
                hub_namespace,
                _workload(stack, "Pod", pod["metadata"]["name"]),
                pod["metadata"]["labels"],
                pod["spec"],
            )
        )
    return pods


def network_policies(stack: str, rendered: Rendered, run: ProgramRun) -> list[Manifest]:
    """The stack's NetworkPolicies: those its charts render and those the program creates."""
    policies = [
        {**obj, "metadata": {**obj["metadata"], "namespace": run.named(release).inputs["namespace"]}}
        for (owner, release), objects in rendered.items()
        if owner == stack
        for obj in objects
        if obj["kind"] == "NetworkPolicy"
    ]
    return policies + [resource.inputs for resource in run.by_type(NETWORK_POLICY)]


def hub_release(run: ProgramRun) -> Any:
    [release] = [r for r in run.by_type(RELEASE) if r.inputs["name"].endswith("-jupyterhub")]
    return release


@pytest.fixture(scope="module")
def hub_configs(
    rendered_releases: Rendered, stack_runs: dict[str, ProgramRun], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Config]:
    """Every stack's hub configuration, loaded from the rendered hub's own ConfigMap and Secret
    (no second render)."""
    configs = {}
    for stack in STACKS:
        release = hub_release(stack_runs[stack])
        folder: Path = tmp_path_factory.mktemp(stack)
        config_file = write_hub_files(rendered_releases[(stack, release.name)], stack, folder)
        secrets = {"SHARED_PASSWORD": "from-the-secret"}
        configs[stack] = load_hub_config(config_file, stack, release.inputs["namespace"], secrets)
    return configs


@pytest.fixture(scope="module")
def user_pods(hub_configs: dict[str, Config], stack_runs: dict[str, ProgramRun]) -> dict[str, Manifest]:
    """A student's pod on every stack, as KubeSpawner builds it from the hub's configuration."""
    pods = {}
    for stack, config in hub_configs.items():
        pod = asyncio.run(pod_for(config, "alice", []))
        namespace = hub_release(stack_runs[stack]).inputs["namespace"]
        pods[stack] = {**pod, "metadata": {**pod["metadata"], "namespace": namespace}}
    return pods


# --- the platform's findings --------------------------------------------------------------------

NODE_EXPORTER = "DaemonSet/monitoring-prometheus-node-exporter"
STUDENT = "Pod/jupyter-alice"

# What the platform keeps on purpose, by (check, workload, container): the reason. Every entry
# must still be found on some stack, and anything else found fails the test.
EXCEPTIONS: dict[tuple[str, str, str | None], str] = {
    # The node exporter reports the node, not itself. node_exporter's README asks a containerised
    # exporter for the host's network and PID namespaces; prometheus-node-exporter's
    # templates/daemonset.yaml sets both (`hostNetwork`, `hostPID`, true by default). Out of the
    # node's network namespace its network collectors would report the pod's own interface.
    ("CKV_K8S_17", NODE_EXPORTER, None): "host PID namespace: it reports the node's processes",
    ("CKV_K8S_19", NODE_EXPORTER, None): "host network namespace: it reports the node's interfaces",
    # The student's home on a shared filesystem (efs, nfs, host-path) is made by an init container
    # of the platform's own (charts/jupyterhub.py `home_init_container`): left to the kubelet, a
    # missing sub-directory belongs to root and the notebook user cannot write to it. It must be
    # root to create it and hand it over, with CHOWN and DAC_OVERRIDE and nothing else.
    ("CKV_K8S_23", STUDENT, "make-home"): "root: creates the student's home and chowns it to 1000:100",
    ("CKV_K8S_37", STUDENT, "make-home"): "CHOWN and DAC_OVERRIDE: to hand the home and its mount points over",
}


def test_every_platform_pod_is_hardened_and_behind_a_network_policy(
    rendered_releases: Rendered, stack_runs: dict[str, ProgramRun], user_pods: dict[str, Manifest]
) -> None:
    pods = platform_pods(rendered_releases, stack_runs, user_pods)
    # In queue-processor mode the termination handler is a Deployment: no DaemonSet on the host's network.
    handlers = {p.workload for p in pods if "node-termination-handler" in p.workload}
    assert handlers == {"Deployment/node-termination-handler"}, handlers
    found: dict[str, list[Finding]] = {}
    for stack in STACKS:
        policies = network_policies(stack, rendered_releases, stack_runs[stack])
        found[stack] = scan([p for p in pods if p.stack == stack], policies)
    unexpected = sorted({f"{stack}: {f}" for stack, fs in found.items() for f in fs if f.key not in EXCEPTIONS})
    assert not unexpected, "\n".join(unexpected)
    seen = {f.key for fs in found.values() for f in fs}
    assert not [key for key in EXCEPTIONS if key not in seen], "an exception no longer needed: remove it"


# --- the scan, on pods written to fail it --------------------------------------------------------

HARDENED_CONTAINER: Manifest = {
    "name": "app",
    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
    "securityContext": {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}


def with_security(**changes: Any) -> Manifest:
    """HARDENED_CONTAINER with these securityContext fields changed (None: left out)."""
    security = {**HARDENED_CONTAINER["securityContext"], **changes}
    return {**HARDENED_CONTAINER, "securityContext": {k: v for k, v in security.items() if v is not None}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"containers": [HARDENED_CONTAINER]}, set(), id="hardened"),
        pytest.param(
            {"containers": [{"name": "app"}]},
            {"CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13", "CKV_K8S_20", "CKV_K8S_23", "CKV_K8S_28"}
            | {"CKV_K8S_31"},
            id="bare",
        ),
        pytest.param(
            {"containers": [{**HARDENED_CONTAINER, "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]},
            {"CKV_K8S_11", "CKV_K8S_13"},
            id="requests-without-limits",
        ),
        pytest.param(
            # z2jh's old metadata blocker: privileged root with NET_ADMIN, and a pod on the host's namespaces
            {
                "hostNetwork": True,
                "hostPID": True,
                "hostIPC": True,
                "containers": [HARDENED_CONTAINER],
                "initContainers": [
                    with_security(privileged=True, runAsUser=0, capabilities={"add": ["NET_ADMIN"]}, name="x")
                ],
            },
            {"CKV_K8S_16", "CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19", "CKV_K8S_23", "CKV_K8S_28", "CKV_K8S_37"},
            id="privileged-init-container-on-the-host",
        ),
        pytest.param(
            # the pod's runAsNonRoot does not hold against a container's runAsUser 0
            {"securityContext": {"runAsNonRoot": True}, "containers": [with_security(runAsNonRoot=None, runAsUser=0)]},
            {"CKV_K8S_23"},
            id="root-container-in-a-non-root-pod",
        ),
        pytest.param(
            # the pod's RuntimeDefault counts, unless the container asks for another profile
            {
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [
                    with_security(seccompProfile=None),
                    {**with_security(seccompProfile={"type": "Unconfined"}), "name": "other"},
                ],
            },
            {"CKV_K8S_31"},
            id="seccomp-from-the-pod-and-unconfined",
        ),
        pytest.param(
            {"containers": [with_security(allowPrivilegeEscalation=True, capabilities={"drop": ["NET_RAW"]})]},
            {"CKV_K8S_20", "CKV_K8S_28"},
            id="escalation-and-some-capabilities",
        ),
    ],
)
def test_the_scan_finds_each_class_of_finding(spec: Manifest, expected: set[str]) -> None:
    assert {check for check, _, _ in pod_findings(spec)} == expected


def test_the_scan_finds_pods_no_policy_of_their_namespace_selects() -> None:
    web = Pod("s", "apps", "Deployment/web", {"app": "web"}, {"containers": [HARDENED_CONTAINER]})
    host = Pod("s", "apps", "DaemonSet/agent", {"app": "agent"}, {"hostNetwork": True, "containers": []})
    elsewhere = {"metadata": {"namespace": "other"}, "spec": {"podSelector": {}}}
    other_pods = {"metadata": {"namespace": "apps"}, "spec": {"podSelector": {"matchLabels": {"app": "db"}}}}
    assert unselected([web, host], [elsewhere, other_pods]) == [web]  # a host-network pod is CKV_K8S_19's
    selecting = {"metadata": {"namespace": "apps"}, "spec": {"podSelector": {"matchLabels": {"app": "web"}}}}
    assert unselected([web], [selecting]) == []
    assert [f.check for f in scan([web], [])] == ["NETPOL"]


# --- what the network policies admit ------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One end of a connection: a pod (its namespace, labels and named ports) or an address."""

    namespace: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    address: str | None = None


def endpoint(pod: Pod) -> Endpoint:
    ports = {p["name"]: p["containerPort"] for c in _containers(pod.spec) for p in c.get("ports", []) if "name" in p}
    return Endpoint(pod.namespace, pod.labels, ports)


def address(ip: str) -> Endpoint:
    return Endpoint(address=ip)


def _peer_matches(peer: Manifest, policy_namespace: str, other: Endpoint) -> bool:
    if "ipBlock" in peer:
        if other.address is None:
            return False  # pod addresses are not modelled: every rule here names pods by selector
        ip, block = ip_address(other.address), peer["ipBlock"]
        return ip in ip_network(block["cidr"]) and not any(ip in ip_network(e) for e in block.get("except", []))
    if other.address is not None:
        return False
    if "namespaceSelector" in peer:
        # Kubernetes labels every namespace with its own name.
        in_namespace = selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": other.namespace})
    else:
        in_namespace = other.namespace == policy_namespace
    return in_namespace and selects(peer.get("podSelector", {}), other.labels)


@dataclass(frozen=True)
class Connection:
    source: Endpoint
    destination: Endpoint
    port: int
    protocol: str

    def port_matches(self, ports: list[Manifest] | None) -> bool:
        if not ports:
            return True
        for entry in ports:
            wanted = entry.get("port")
            if isinstance(wanted, str):
                wanted = self.destination.ports.get(wanted)  # a name: the destination pod's port of that name
            if entry.get("protocol", "TCP") == self.protocol and wanted in (None, self.port):
                return True
        return False


def _policy_types(policy: Manifest) -> list[str]:
    spec = policy["spec"]
    return spec.get("policyTypes") or ["Ingress", *(["Egress"] if spec.get("egress") else [])]


def _admitted_by_side(policies: list[Manifest], connection: Connection, direction: str) -> bool:
    """Whether the policies selecting one end let the connection out of it (Egress, the source)
    or into it (Ingress, the destination)."""
    egress = direction == "Egress"
    subject, other = (
        (connection.source, connection.destination) if egress else (connection.destination, connection.source)
    )
    if subject.address is not None:
        return True  # not a pod of the cluster: no policy applies to it
    applying = [
        p
        for p in policies
        if p["metadata"]["namespace"] == subject.namespace
        and direction in _policy_types(p)
        and selects(p["spec"]["podSelector"], subject.labels)
    ]
    if not applying:
        return True  # not isolated in this direction
    rules, peers = ("egress", "to") if egress else ("ingress", "from")
    return any(
        (not rule.get(peers) or any(_peer_matches(peer, p["metadata"]["namespace"], other) for peer in rule[peers]))
        and connection.port_matches(rule.get("ports"))
        for p in applying
        for rule in p["spec"].get(rules) or []
    )


def admitted(
    policies: list[Manifest], source: Endpoint, destination: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """NetworkPolicy semantics: the source's policies let it out and the destination's let it in."""
    connection = Connection(source, destination, port, protocol)
    return _admitted_by_side(policies, connection, "Egress") and _admitted_by_side(policies, connection, "Ingress")


KUBE_DNS = Endpoint("kube-system", {"k8s-app": "kube-dns"}, {"dns": 53})
API_SERVER = address("10.30.100.10")  # EKS's interfaces for the control plane are in the cluster's subnets
NODE = address("10.30.64.5")  # a node's own address: the kubelet, kube-proxy, the node exporter
INTERNET = address("203.0.113.7")
METADATA_SERVICE = address("169.254.169.254")
POD_IDENTITY_AGENT = address("169.254.170.23")

# (source, destination, port, protocol, admitted) on the production stack, by workload.
PRODUCTION_TRAFFIC = [
    ("internet", "Deployment/traefik", 8000, "TCP", True),
    ("internet", "Deployment/proxy", 8000, "TCP", False),  # only through Traefik
    ("internet", "Deployment/monitoring-grafana", 3000, "TCP", False),
    ("Deployment/traefik", "Deployment/proxy", 8000, "TCP", True),
    ("Deployment/traefik", "Deployment/monitoring-grafana", 3000, "TCP", True),
    ("Deployment/traefik", "Deployment/hub", 8081, "TCP", False),
    ("Deployment/traefik", "api-server", 443, "TCP", True),
    ("Deployment/hub", "Deployment/proxy", 8001, "TCP", True),
    ("Deployment/hub", "metadata-service", 80, "TCP", False),
    ("Deployment/proxy", STUDENT, 8888, "TCP", True),
    ("Deployment/proxy", "metadata-service", 80, "TCP", False),
    (STUDENT, "Deployment/hub", 8081, "TCP", True),
    (STUDENT, "internet", 443, "TCP", True),  # pip install
    (STUDENT, "kube-dns", 53, "UDP", True),
    (STUDENT, "Deployment/monitoring-grafana", 3000, "TCP", False),
    ("Prometheus/monitoring-prometheus", "Deployment/hub", 8081, "TCP", True),  # /hub/metrics
    ("Prometheus/monitoring-prometheus", "node", 9100, "TCP", True),  # the node exporter
    ("Prometheus/monitoring-prometheus", "node", 10250, "TCP", True),  # the kubelet
    ("Prometheus/monitoring-prometheus", "Alertmanager/monitoring-alertmanager", 9093, "TCP", True),
    ("Deployment/monitoring-grafana", "Prometheus/monitoring-prometheus", 9090, "TCP", True),
    ("Alertmanager/monitoring-alertmanager", "pod-identity-agent", 80, "TCP", True),
    ("Alertmanager/monitoring-alertmanager", "internet", 443, "TCP", True),  # SNS
    ("Deployment/monitoring-kube-state-metrics", "api-server", 443, "TCP", True),
    ("api-server", "Deployment/monitoring-operator", 10250, "TCP", True),  # its admission webhook
    ("Deployment/node-termination-handler", "kube-dns", 53, "UDP", True),
    ("Deployment/node-termination-handler", "api-server", 443, "TCP", True),
    ("Deployment/node-termination-handler", "pod-identity-agent", 80, "TCP", True),
    ("Deployment/node-termination-handler", "metadata-service", 80, "TCP", False),
    ("Deployment/node-termination-handler", "internet", 80, "TCP", False),
    ("Deployment/cluster-autoscaler", "api-server", 443, "TCP", True),
    ("Deployment/cluster-autoscaler", "pod-identity-agent", 80, "TCP", True),
    ("internet", "Deployment/cluster-autoscaler", 8085, "TCP", False),
    ("Deployment/user-scheduler", "api-server", 443, "TCP", True),
    ("Deployment/user-scheduler", "Deployment/hub", 8081, "TCP", False),
    ("Job/hook-image-awaiter", "kube-dns", 53, "UDP", True),  # it calls kubernetes.default.svc
    ("Job/hook-image-awaiter", "api-server", 443, "TCP", True),
    ("StatefulSet/user-placeholder", "api-server", 443, "TCP", False),
    ("DaemonSet/continuous-image-puller", "internet", 443, "TCP", False),
]
ADDRESSES = {
    "internet": INTERNET,
    "api-server": API_SERVER,
    "node": NODE,
    "metadata-service": METADATA_SERVICE,
    "pod-identity-agent": POD_IDENTITY_AGENT,
    "kube-dns": KUBE_DNS,
}


@pytest.mark.parametrize(
    "case", PRODUCTION_TRAFFIC, ids=[f"{s}->{d}:{p}/{proto}" for s, d, p, proto, _ in PRODUCTION_TRAFFIC]
)
def test_production_admits_what_each_pod_needs_and_no_more(
    case: tuple[str, str, int, str, bool],
    rendered_releases: Rendered,
    stack_runs: dict[str, ProgramRun],
    user_pods: dict[str, Manifest],
) -> None:
    source, destination, port, protocol, expected = case
    pods = {
        p.workload: endpoint(p) for p in platform_pods(rendered_releases, stack_runs, user_pods) if p.stack == "prod"
    }
    ends = {**pods, **ADDRESSES}
    policies = network_policies("prod", rendered_releases, stack_runs["prod"])
    assert admitted(policies, ends[source], ends[destination], port, protocol) is expected


def test_a_review_stack_hub_is_reached_through_the_test_stack_traefik(
    rendered_releases: Rendered, stack_runs: dict[str, ProgramRun], user_pods: dict[str, Manifest]
) -> None:
    pods = platform_pods(rendered_releases, stack_runs, user_pods)
    [traefik] = [endpoint(p) for p in pods if p.stack == "tst" and p.workload == "Deployment/traefik"]
    [proxy] = [endpoint(p) for p in pods if p.stack == "review" and p.workload == "Deployment/proxy"]
    policies = [*network_policies("tst", rendered_releases, stack_runs["tst"])]
    policies += network_policies("review", rendered_releases, stack_runs["review"])
    assert traefik.namespace != proxy.namespace
    assert admitted(policies, traefik, proxy, 8000)


AUTOSCALER = "Deployment/cluster-autoscaler"
PROMETHEUS = "Prometheus/monitoring-prometheus"
AUTOSCALER_METRICS = 8085  # cluster-autoscaler's `--address` (:8085), the chart's Service target


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
def test_only_the_stack_s_prometheus_reaches_the_autoscaler_s_metrics(
    stack: str, rendered_releases: Rendered, stack_runs: dict[str, ProgramRun], user_pods: dict[str, Manifest]
) -> None:
    """Where monitoring is on (tst, prod) its Prometheus scrapes the autoscaler; nothing else gets in."""
    pods = {
        p.workload: endpoint(p) for p in platform_pods(rendered_releases, stack_runs, user_pods) if p.stack == stack
    }
    policies = network_policies(stack, rendered_releases, stack_runs[stack])
    autoscaler = pods[AUTOSCALER]
    prometheus = pods.get(PROMETHEUS)
    assert (prometheus is not None) == (stack != "dev")  # monitoring is on in staging and production only
    if prometheus is not None:
        reaches = admitted(policies, prometheus, autoscaler, AUTOSCALER_METRICS)
        print(f"{stack}: Prometheus -> cluster-autoscaler:{AUTOSCALER_METRICS} admitted: {reaches}")
        assert reaches
        assert not admitted(policies, prometheus, autoscaler, 8080)  # its metrics port only
        # the same labels in another namespace are not the stack's Prometheus
        impostor = Endpoint(f"{stack}-hub", prometheus.labels, prometheus.ports)
        assert not admitted(policies, impostor, autoscaler, AUTOSCALER_METRICS)
    others = {name: end for name, end in {**pods, **ADDRESSES}.items() if name not in (PROMETHEUS, AUTOSCALER)}
    let_in = sorted(name for name, end in others.items() if admitted(policies, end, autoscaler, AUTOSCALER_METRICS))
    assert let_in == []


def test_the_network_policy_scan_admits_by_selector_port_and_address() -> None:
    """The evaluator itself, on policies written for it."""
    web = Endpoint("apps", {"app": "web"}, {"http": 8080})
    db = Endpoint("apps", {"app": "db"}, {"pg": 5432})
    stranger = Endpoint("other", {"app": "web"})
    policies = [
        {
            "metadata": {"namespace": "apps"},
            "spec": {
                "podSelector": {"matchLabels": {"app": "db"}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": "pg"}]}],
            },
        },
        {
            "metadata": {"namespace": "apps"},
            "spec": {
                "podSelector": {"matchLabels": {"app": "web"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [{"podSelector": {}}]},
                    {
                        "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}],
                        "ports": [{"port": 443}],
                    },
                ],
            },
        },
    ]
    assert admitted(policies, web, db, 5432)
    assert not admitted(policies, web, db, 5433)  # not the named port
    assert not admitted(policies, stranger, db, 5432)  # same labels, another namespace
    assert not admitted(policies, db, web, 8080)  # db may send nothing
    assert admitted(policies, web, INTERNET, 443)
    assert not admitted(policies, web, METADATA_SERVICE, 443)  # the exception holds
    assert admitted(policies, stranger, INTERNET, 80)  # not isolated at all


# --- the instance metadata service, without z2jh's iptables init container ----------------------


@pytest.mark.parametrize("stack", STACKS)
def test_students_cannot_reach_the_metadata_service_and_need_no_privileged_init_container(
    stack: str,
    rendered_releases: Rendered,
    stack_runs: dict[str, ProgramRun],
    hub_configs: dict[str, Config],
    user_pods: dict[str, Manifest],
) -> None:
    """z2jh's `singleuser.cloudMetadata.blockWithIptables` adds a privileged, root, NET_ADMIN init
    container to every server (files/hub/jupyterhub_config.py appends it to
    `c.KubeSpawner.init_containers`). Off, two things keep the metadata service away instead:

    - z2jh's singleuser NetworkPolicy (templates/singleuser/netpol.yaml, the egress rules of
      templates/_helpers-netpol.tpl): with `cloudMetadataServer` false its rule to public
      addresses excepts 169.254.169.254/32 and no rule admits it, on any port;
    - on EKS, every node requires IMDSv2 with a hop limit of 1 (test_cluster.py checks the launch
      templates too): a pod's token request is one hop further and gets no answer.
    """
    values = revealed(hub_release(stack_runs[stack]).inputs["values"])
    assert values["singleuser"]["cloudMetadata"]["blockWithIptables"] is False
    for container in [
        *hub_configs[stack].KubeSpawner.init_containers,
        *user_pods[stack]["spec"].get("initContainers", []),
    ]:
        manifest = container if isinstance(container, dict) else container.to_dict()
        security = manifest.get("securityContext") or manifest.get("security_context") or {}
        assert not security.get("privileged"), manifest["name"]
        assert "NET_ADMIN" not in ((security.get("capabilities") or {}).get("add") or []), manifest["name"]

    release = hub_release(stack_runs[stack])
    [policy] = [
        o
        for o in rendered_releases[(stack, release.name)]
        if o["kind"] == "NetworkPolicy"
        and o["spec"]["podSelector"]["matchLabels"].get("component") == "singleuser-server"
    ]
    public = [b["ipBlock"] for rule in policy["spec"]["egress"] for b in rule.get("to", []) if "ipBlock" in b]
    assert {
        "cidr": "0.0.0.0/0",
        "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"],
    } in public
    policies = network_policies(stack, rendered_releases, stack_runs[stack])
    student = endpoint(
        Pod(
            stack,
            release.inputs["namespace"],
            STUDENT,
            user_pods[stack]["metadata"]["labels"],
            user_pods[stack]["spec"],
        )
    )
    for port, protocol in ((80, "TCP"), (443, "TCP"), (53, "UDP"), (53, "TCP")):
        assert not admitted(policies, student, METADATA_SERVICE, port, protocol), (port, protocol)

    for template in stack_runs[stack].by_type("aws:ec2/launchTemplate:LaunchTemplate"):
        metadata = template.inputs["metadataOptions"]
        assert metadata["httpTokens"] == "required" and metadata["httpPutResponseHopLimit"] == 1, template.name
