"""Order as Pulumi sees it: what the hub uses exists before it, and goes after it.

Pulumi creates a resource after everything in its `dependsOn` and, on `pulumi destroy`, deletes
it before them (Pulumi docs, "Resource options: dependsOn"; resources with no path between them
go in parallel). A dependency Pulumi cannot see is a race: a user's volume claim made before its
StorageClass, or the EBS CSI driver removed while the hub's volumes still wait to be unmounted
(the hub's namespace then hangs in Terminating and its volumes leak).
"""

import pytest

from tools.plan.mocks import Registration
from tools.plan.program import ProgramRun


def dependencies(run: ProgramRun, resource: Registration) -> set[str]:
    """Every URN `resource` depends on, directly or through others."""
    by_urn = {r.urn: r for r in run.resources}
    seen: set[str] = set()
    todo = list(resource.depends_on)
    while todo:
        urn = todo.pop()
        if urn not in seen and urn in by_urn:
            seen.add(urn)
            todo += by_urn[urn].depends_on
    return seen


def destroy_order(run: ProgramRun) -> list[str]:
    """URNs in an order `pulumi destroy` may delete them: nothing before what depends on it."""
    remaining = {r.urn: set(r.depends_on) for r in run.resources}
    order: list[str] = []
    while remaining:
        needed = set().union(*remaining.values())
        free = sorted(urn for urn in remaining if urn not in needed)
        assert free, "a dependency cycle"
        order += free
        for urn in free:
            del remaining[urn]
    return order


def one(run: ProgramRun, type_: str, predicate: object = None) -> Registration:
    found = [r for r in run.by_type(type_) if predicate is None or predicate(r)]  # type: ignore[operator]
    assert len(found) == 1, f"{run.stack}: {len(found)} of {type_}"
    return found[0]


def hub_release(run: ProgramRun) -> Registration:
    return one(run, "kubernetes:helm.sh/v3:Release", lambda r: r.inputs["chart"] == "jupyterhub")


def hub_namespace(run: ProgramRun) -> Registration:
    return one(run, "kubernetes:core/v1:Namespace", lambda r: r.inputs["metadata"]["name"] == f"{run.stack}-hub")


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
def test_the_hub_waits_for_the_storage_class_its_volumes_use(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    storage_class = one(run, "kubernetes:storage.k8s.io/v1:StorageClass")
    for resource in (hub_release(run), hub_namespace(run)):
        waits = storage_class.urn in dependencies(run, resource)
        assert waits, f"{stack}: {resource.name} does not wait for {storage_class.name}"


@pytest.mark.parametrize("stack", ["dev", "tst", "prod", "local"])
def test_the_hub_waits_for_the_ingress_controller(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    traefik = one(run, "kubernetes:helm.sh/v3:Release", lambda r: r.inputs["chart"] == "traefik")
    waits = traefik.urn in dependencies(run, hub_release(run))
    assert waits, f"{stack}: the hub's Ingress may come before {traefik.name}"


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
def test_a_destroy_removes_the_hub_before_the_volume_driver(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    order = destroy_order(run)
    driver = one(run, "aws:eks/addon:Addon", lambda r: r.inputs["addonName"] == "aws-ebs-csi-driver")
    for resource in (hub_release(run), hub_namespace(run)):
        before = order.index(resource.urn) < order.index(driver.urn)
        assert before, f"{stack}: {resource.name} may go after {driver.name}"


@pytest.mark.parametrize("stack", ["tst", "prod"])
def test_the_autoscaler_waits_for_the_monitoring_that_defines_its_service_monitor(
    stack: str, stack_runs: dict[str, ProgramRun]
) -> None:
    """Helm refuses a release whose manifest has a kind the cluster does not serve ("ensure CRDs are
    installed first"): the autoscaler's ServiceMonitor needs kube-prometheus-stack's CRDs."""
    run = stack_runs[stack]
    release = "kubernetes:helm.sh/v3:Release"
    autoscaler = one(run, release, lambda r: r.inputs["chart"] == "cluster-autoscaler")
    monitoring = one(run, release, lambda r: r.inputs["chart"] == "kube-prometheus-stack")
    waits = monitoring.urn in dependencies(run, autoscaler)
    print(f"{stack}: {autoscaler.name} waits for {monitoring.name}: {waits}")
    assert waits
