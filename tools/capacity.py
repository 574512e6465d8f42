"""How many students fit on one user node: the arithmetic behind the defaults.

A node holds as many user servers as the tightest of three bounds allows: memory it can
allocate over each server's memory guarantee, CPUs it can allocate over each CPU guarantee,
and the pods the VPC CNI gives it an address for, less the per-node system pods.
"""

from dataclasses import dataclass

GIB, MIB = 2**30, 2**20
# DaemonSets on every user node: aws-node, kube-proxy, eks-pod-identity-agent, ebs-csi-node, and
# z2jh's continuous image puller.
SYSTEM_PODS_PER_NODE = 5


@dataclass(frozen=True)
class InstanceType:
    vcpus: int
    memory_gib: int
    max_pods: int
    """What the VPC CNI allows without prefix delegation: ENIs x (addresses per ENI - 1) + 2."""


INSTANCE_TYPES = {
    name: InstanceType(8, 32, 58)
    for name in ("t3.2xlarge", "t3a.2xlarge", "m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge", "m6a.2xlarge")
}


@dataclass(frozen=True)
class NodeCapacity:
    students: int
    bound: str
    by_memory: int
    by_cpu: int
    by_pods: int


def allocatable_memory(instance: InstanceType) -> int:
    """EKS AL2023's reservations: kube 255 MiB + 11 MiB a pod, system 100 MiB, eviction 100 MiB."""
    reserved = (255 + 11 * instance.max_pods + 100 + 100) * MIB
    return instance.memory_gib * GIB - reserved


def allocatable_cpu(instance: InstanceType) -> float:
    """EKS reserves 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% beyond."""
    shares = [0.06, 0.01, 0.005, 0.005] + [0.0025] * max(instance.vcpus - 4, 0)
    return instance.vcpus - sum(shares[: instance.vcpus])


def students_per_node(instance: InstanceType, memory_guarantee: int, cpu_guarantee: float) -> NodeCapacity:
    by_memory = allocatable_memory(instance) // memory_guarantee
    by_cpu = int(allocatable_cpu(instance) // cpu_guarantee)
    by_pods = instance.max_pods - SYSTEM_PODS_PER_NODE
    bounds = {"memory": by_memory, "CPU": by_cpu, "pods the VPC CNI allows": by_pods}
    bound = min(bounds, key=lambda name: bounds[name])
    return NodeCapacity(bounds[bound], bound, by_memory, by_cpu, by_pods)
