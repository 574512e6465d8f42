"""How many students fit on one user node: every bound, worked out from the stack's settings.

A node holds as many student servers as the tightest of these allows:
- memory: what the kubelet lets pods have, over each server's memory guarantee;
- CPU: likewise, over each server's CPU guarantee;
- pod addresses: what the VPC CNI can give pods, less the node's own DaemonSet pods;
- EBS volume attachments, when every student's home is a volume of its own.

Invariant guarded here: the figures are those of the software that enforces them (nodeadm's
kubelet reservations, the VPC CNI's addresses, the EBS CSI driver's attach limit), so the plan's
students-per-node line and the README say what a real node holds.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from settings.hub import quantity_bytes
from settings.instance_types import INSTANCE_TYPES, InstanceType

if TYPE_CHECKING:
    from settings.model import StackSettings

MIB = 2**20
# nodeadm's kubelet configuration (awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go):
# kube-reserved memory is 255 MiB plus 11 MiB per pod the node may run, the hard eviction
# threshold is 100 MiB, and nothing is set aside as system-reserved.
KUBE_RESERVED_MIB, KUBE_RESERVED_MIB_PER_POD, EVICTION_MIB = 255, 11, 100
# DaemonSets every EKS user node runs, whatever the stack: networking, kube-proxy, Pod Identity.
EKS_NODE_DAEMONS = ("aws-node", "kube-proxy", "eks-pod-identity-agent")


@dataclass(frozen=True)
class NodeCapacity:
    instance: InstanceType
    students: int
    bound: str
    """The bound that decides: memory, CPU, pod addresses or volume attachments."""
    bounds: dict[str, int]
    """Students each bound alone would allow."""
    memory_guarantee: int
    cpu_guarantee: float

    def line(self) -> str:
        """One line for the plan and the README."""
        every = ", ".join(f"{name} {count}" for name, count in self.bounds.items())
        node = self.instance
        return (
            f"Students per user node: {self.students} on {node.name} ({node.vcpus} vCPU, "
            f"{node.memory_mib // 1024} GiB), bound by {self.bound} ({every}) at "
            f"{self.memory_guarantee // MIB} MiB and {self.cpu_guarantee} CPU guaranteed"
        )


def allocatable_memory(instance: InstanceType) -> int:
    """Bytes of memory pods may have on the node (nodeadm's reservations taken off)."""
    reserved_mib = KUBE_RESERVED_MIB + KUBE_RESERVED_MIB_PER_POD * instance.max_pods + EVICTION_MIB
    return (instance.memory_mib - reserved_mib) * MIB


def allocatable_cpu(instance: InstanceType) -> float:
    """nodeadm reserves 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% beyond."""
    shares = [0.06, 0.01, 0.005, 0.005] + [0.0025] * max(instance.vcpus - 4, 0)
    return instance.vcpus - sum(shares[: instance.vcpus])


def ebs_volume_attach_limit(instance_types: Iterable[str]) -> int:
    """The EBS volumes a node of any of these types can attach with every network interface in use.

    The EBS CSI driver works its limit out from instance metadata, which pods cannot reach here
    (hop limit 1): it then assumes one network interface (27 - 1 = 26 on a 2xlarge), while a full
    node has four and room for 23. Set as the driver's `volumeAttachLimit`, the scheduler never
    sends a pod to a node where its volume cannot attach.
    """
    return min(INSTANCE_TYPES[name].ebs_volume_slots for name in instance_types)


def students_per_node(
    instance: InstanceType,
    *,
    memory_guarantee: int,
    cpu_guarantee: float,
    daemon_pods: int,
    volume_attach_limit: int | None = None,
) -> NodeCapacity:
    """`volume_attach_limit`: EBS volumes a node attaches, when every student brings one."""
    bounds = {
        "memory": allocatable_memory(instance) // memory_guarantee,
        "CPU": int(allocatable_cpu(instance) // cpu_guarantee),
        "pod addresses": instance.max_pods - daemon_pods,
    }
    if volume_attach_limit is not None:
        bounds["volume attachments"] = volume_attach_limit
    bound = min(bounds, key=lambda name: bounds[name])
    return NodeCapacity(instance, max(bounds[bound], 0), bound, bounds, memory_guarantee, cpu_guarantee)


def user_node_daemons(settings: "StackSettings") -> tuple[str, ...]:
    """The DaemonSet pods on every user node of an `eks` stack, each taking a pod address."""
    daemons = [*EKS_NODE_DAEMONS, "z2jh continuous image puller"]
    if settings.prerequisites.ebs_csi_driver.enabled:
        daemons.append("ebs-csi-node")
    if settings.monitoring_enabled:
        daemons.append("prometheus-node-exporter")
    return tuple(daemons)


def stack_capacity(
    settings: "StackSettings", memory_guarantee: str | None = None, cpu_guarantee: float | None = None
) -> NodeCapacity:
    """Students per user node of an `eks` stack, at its default resources (or at these guarantees,
    a group's) and with its storage."""
    resources = settings.hub.resources
    attach_limit = settings.ebs_volume_attach_limit if settings.home_storage_kind == "ebs" else None
    return students_per_node(
        INSTANCE_TYPES[settings.cluster.user_nodes.instance_types[0]],
        memory_guarantee=quantity_bytes(memory_guarantee or resources.memory_guarantee),
        cpu_guarantee=cpu_guarantee or resources.cpu_guarantee,
        daemon_pods=len(user_node_daemons(settings)),
        volume_attach_limit=attach_limit,
    )
