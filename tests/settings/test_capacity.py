"""Students per node: every bound a real node enforces, and the EBS driver's attach limit."""

import json

import pytest

from settings.capacity import allocatable_memory, students_per_node
from settings.instance_types import INSTANCE_TYPES
from tests.support import BASE_CONFIG, RunConfig
from tools.plan.program import ProgramRun
from tools.plan.render import render_summary

MIB, GIB = 2**20, 2**30
NODE = INSTANCE_TYPES["t3.2xlarge"]


def ebs_driver_limit(instance: str, attached_enis: int, extra_block_devices: int = 0) -> int:
    """The EBS CSI node plugin's own attach limit (kubernetes-sigs/aws-ebs-csi-driver v1.64.0,
    pkg/driver/node.go `getVolumesLimit`, pkg/cloud/limits/volume_limits.go): 27 for Nitro types
    without dedicated EBS slots, less the block devices it saw at boot plus the root volume,
    less every network interface beyond the first. Without instance metadata (a hop limit of 1,
    not host-network) it falls back to Kubernetes metadata and assumes one interface."""
    facts = INSTANCE_TYPES[instance]
    if facts.dedicated_ebs_slots:
        return max(facts.dedicated_ebs_slots - (extra_block_devices + 1), 1)
    return max(27 - (extra_block_devices + 1) - (attached_enis - 1), 1)


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
def test_the_ebs_driver_never_promises_an_attachment_a_full_node_lacks(
    stack: str, stack_runs: dict[str, ProgramRun]
) -> None:
    run = stack_runs[stack]
    [addon] = [a for a in run.by_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "aws-ebs-csi-driver"]
    configured = json.loads(addon.inputs.get("configurationValues") or "{}").get("node", {}).get("volumeAttachLimit")
    types = {o["instanceType"] for g in run.by_type("aws:autoscaling/group:Group")
             for o in g.inputs["mixedInstancesPolicy"]["launchTemplate"]["overrides"]}  # fmt: skip
    for node_group in run.by_type("aws:eks/nodeGroup:NodeGroup"):
        types |= set(node_group.inputs["instanceTypes"])
    for instance in sorted(types):
        full = ebs_driver_limit(instance, attached_enis=INSTANCE_TYPES[instance].enis)
        guessed = ebs_driver_limit(instance, attached_enis=1)  # what the driver works out here by itself
        limit = guessed if configured is None else configured
        assert limit <= full, f"{stack}: {instance} is offered {limit} volumes, a full node attaches {full}"


def test_a_node_of_ebs_homes_holds_what_it_can_attach(run_config: RunConfig) -> None:
    run = run_config({"hub": {**BASE_CONFIG["hub"], "storage": {"kind": "ebs"}}})
    summary = render_summary(run)
    assert "Students per user node: 23 on t3.2xlarge" in summary, summary
    assert "bound by volume attachments" in summary


def test_efs_homes_take_no_attachment(stack_runs: dict[str, ProgramRun]) -> None:
    """With homes on EFS (the default in mode eks) a node is bound by what it runs, not what it attaches."""
    summary = render_summary(stack_runs["dev"])
    assert "Students per user node: 53 on t3.2xlarge" in summary, summary
    assert "volume attachments" not in summary


def test_the_defaults_fit_about_fifty_students_on_a_node_without_volumes() -> None:
    capacity = students_per_node(NODE, memory_guarantee=550 * MIB, cpu_guarantee=0.1, daemon_pods=5)
    assert capacity.students == 53 and capacity.bound == "pod addresses", capacity
    # memory is over-subscribed: the 2 GiB limits add up to more than the node has
    assert capacity.students * 2 * GIB > allocatable_memory(NODE)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((256, 0.05, 5, None), ("pod addresses", 53)),  # 58 addresses less 5 DaemonSet pods
        ((256, 0.05, 6, None), ("pod addresses", 52)),  # one more DaemonSet (a monitoring agent)
        ((2048, 0.05, 5, None), ("memory", 15)),  # (32768 - 893 - 100) MiB / 2048 MiB
        ((256, 1.0, 5, None), ("CPU", 7)),  # 7.91 allocatable CPUs
        ((256, 0.05, 5, 23), ("volume attachments", 23)),
    ],
)
def test_the_tightest_bound_wins(given: tuple[int, float, int, int | None], expected: tuple[str, int]) -> None:
    memory_mib, cpu, daemons, volumes = given
    capacity = students_per_node(
        NODE, memory_guarantee=memory_mib * MIB, cpu_guarantee=cpu, daemon_pods=daemons, volume_attach_limit=volumes
    )
    assert (capacity.bound, capacity.students) == expected, capacity.bounds


def test_nodeadm_reserves_for_kubernetes_and_eviction_only() -> None:
    """nodeadm: kube-reserved 255 MiB + 11 MiB per pod (58 on a 2xlarge), eviction 100 MiB."""
    assert allocatable_memory(NODE) == (32768 - 255 - 11 * 58 - 100) * MIB
