"""The user scheduler schedules: the kube-scheduler each stack runs may list and watch every API
it starts an informer for, and it is a version the cluster supports.

kube-scheduler waits for all its informers to sync before it schedules anything, and an informer
whose list is forbidden never syncs: the user placeholders and every student's server would stay
Pending.
"""

from typing import Any

import pytest

from charts.user_scheduler import SCHEDULER_TAGS
from settings.cluster import ClusterSettings
from tests.support import STACKS, kubernetes_version
from tools.plan.program import ProgramRun

# The informers kube-scheduler starts with its default feature gates, by the minor version that
# added them. Sources: kubernetes pkg/scheduler/eventhandlers.go, scheduler.go and the plugins'
# listers; plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (system:kube-scheduler and
# system:volume-scheduler) at v1.30.0 to v1.36.0:
# - 1.30: the default profile's plugins (VolumeBinding, NodeVolumeLimits, PodTopologySpread,
#   InterPodAffinity, DefaultPreemption) and the scheduling queue;
# - 1.32: NodeVolumeLimits counts VolumeAttachments (kubernetes PR #127757);
# - 1.34: DynamicResourceAllocation is GA and on by default (resource.k8s.io/v1).
INFORMERS_SINCE: dict[int, set[tuple[str, str]]] = {
    30: {
        ("", "pods"),
        ("", "nodes"),
        ("", "namespaces"),
        ("", "persistentvolumes"),
        ("", "persistentvolumeclaims"),
        ("", "services"),
        ("", "replicationcontrollers"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("policy", "poddisruptionbudgets"),
        ("storage.k8s.io", "storageclasses"),
        ("storage.k8s.io", "csinodes"),
        ("storage.k8s.io", "csidrivers"),
        ("storage.k8s.io", "csistoragecapacities"),
    },
    32: {("storage.k8s.io", "volumeattachments")},
    34: {
        ("resource.k8s.io", "deviceclasses"),
        ("resource.k8s.io", "resourceclaims"),
        ("resource.k8s.io", "resourceslices"),
    },
}
READ = {"get", "list", "watch"}


def informers(minor: int) -> set[tuple[str, str]]:
    return set().union(*(apis for since, apis in INFORMERS_SINCE.items() if since <= minor))


def granted(rules: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """Verbs on every (group, resource) the rules allow without a resourceNames restriction."""
    verbs: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        if rule.get("resourceNames"):
            continue  # a list or watch needs the whole collection
        for group in rule.get("apiGroups", []):
            for resource in rule.get("resources", []):
                verbs.setdefault((group, resource), set()).update(rule["verbs"])
    return verbs


def rbac_objects(run: ProgramRun, rendered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart's own RBAC objects and the ones the program creates beside it."""
    kinds = {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
    own = [
        {"kind": r.type.rsplit(":", 1)[-1], **r.inputs}
        for r in run.resources
        if r.type.startswith("kubernetes:rbac.authorization.k8s.io/v1:") and r.type.rsplit(":", 1)[-1] in kinds
    ]
    return [o for o in rendered if o["kind"] in kinds] + own


def rules_bound_to(objects: list[dict[str, Any]], namespace: str, account: str) -> list[dict[str, Any]]:
    roles = {o["metadata"]["name"]: o.get("rules", []) for o in objects if o["kind"] == "ClusterRole"}
    subject = {"kind": "ServiceAccount", "name": account, "namespace": namespace}
    rules: list[dict[str, Any]] = []
    for binding in (o for o in objects if o["kind"] == "ClusterRoleBinding"):
        if any({k: s.get(k) for k in subject} == subject for s in binding.get("subjects", [])):
            rules += roles.get(binding["roleRef"]["name"], [])
    return rules


@pytest.fixture(scope="module")
def schedulers(
    stack_runs: dict[str, ProgramRun], rendered_releases: dict[tuple[str, str], list[dict[str, Any]]]
) -> dict[str, tuple[int, list[dict[str, Any]]]]:
    """Per stack: the user scheduler's kube-scheduler minor version and the rules bound to it."""
    found = {}
    for stack in STACKS:
        run = stack_runs[stack]
        [release] = [r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "jupyterhub"]
        rendered = rendered_releases[(stack, release.name)]
        [deployment] = [
            o for o in rendered if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-user-scheduler")
        ]
        pod = deployment["spec"]["template"]["spec"]
        [container] = [c for c in pod["containers"] if c["name"] == "kube-scheduler"]
        image, tag = container["image"].rsplit(":", 1)
        assert image == "registry.k8s.io/kube-scheduler", container["image"]
        minor = int(tag.removeprefix("v").split(".")[1])
        namespace = release.inputs["namespace"]
        rules = rules_bound_to(rbac_objects(run, rendered), namespace, pod["serviceAccountName"])
        found[stack] = (minor, rules)
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_the_user_scheduler_may_list_and_watch_what_its_version_watches(
    stack: str, schedulers: dict[str, tuple[int, list[dict[str, Any]]]]
) -> None:
    minor, rules = schedulers[stack]
    verbs = granted(rules)
    missing = sorted(api for api in informers(minor) if not verbs.get(api, set()) >= READ)
    assert not missing, f"{stack}: kube-scheduler 1.{minor} cannot list and watch {missing}; it would never schedule"


@pytest.mark.parametrize("stack", STACKS)
def test_the_user_scheduler_runs_a_version_the_cluster_supports(
    stack: str, schedulers: dict[str, tuple[int, list[dict[str, Any]]]]
) -> None:
    """Kubernetes version skew policy: kube-scheduler must not be newer than the API server, and
    may be at most one minor version older (kubernetes.io, "Version Skew Policy")."""
    minor, _ = schedulers[stack]
    cluster = int(kubernetes_version(stack).split(".")[1])
    assert cluster - 1 <= minor <= cluster, f"{stack}: kube-scheduler 1.{minor} on a 1.{cluster} cluster"


@pytest.mark.parametrize("minor", range(25, 40))
def test_every_version_the_settings_accept_has_a_scheduler_release_of_its_own(minor: int) -> None:
    version = f"1.{minor}"
    try:
        ClusterSettings.model_validate({"kubernetesVersion": version})
    except ValueError:
        assert version not in SCHEDULER_TAGS
        return
    assert SCHEDULER_TAGS[version].startswith(f"v{version}."), SCHEDULER_TAGS.get(version)
