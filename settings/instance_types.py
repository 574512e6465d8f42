"""What the platform knows of the EC2 instance types its nodes may use: the facts that decide how
many students a node holds.

Invariant guarded here: every figure is AWS's, from machine-generated upstream tables, so the
capacity arithmetic (settings/capacity.py) and the EBS driver's attach limit follow the real
instances. A type missing here is refused by the settings with a pointer to this table; add it
with its facts from the same sources:
- network interfaces and IPv4 addresses per interface: aws/amazon-vpc-cni-k8s
  pkg/vpc/vpc_ip_resource_limit.go (v1.23.1; awslabs/amazon-eks-ami nodeadm's
  instance-info.jsonl agrees);
- vCPUs, memory and architecture: EC2 DescribeInstanceTypes, as karpenter-provider-aws
  publishes it (website/content/en/preview/reference/instance-types.md);
- EBS attachments: kubernetes-sigs/aws-ebs-csi-driver pkg/cloud/limits/volume_limits_table.go
  (v1.64.0): types absent from it share 28 slots between network interfaces, the root volume
  and EBS volumes; the 7th generation has dedicated slots.
"""

from dataclasses import dataclass
from typing import Literal

Architecture = Literal["x86_64", "arm64"]
SHARED = 0
"""EBS volumes share the instance's 28 attachment slots with its network interfaces (Nitro)."""
_SHARED_SLOTS = 28


@dataclass(frozen=True)
class InstanceType:
    name: str
    architecture: Architecture
    vcpus: int
    memory_mib: int
    enis: int
    """Network interfaces it can attach; the VPC CNI attaches them as pods need addresses."""
    ipv4_per_eni: int
    dedicated_ebs_slots: int
    """EBS attachment slots of its own; SHARED (0): the 28 shared with network interfaces."""

    @property
    def size(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def max_pods(self) -> int:
        """Pods the VPC CNI gives an address (without prefix delegation), as nodeadm sets it:
        every interface's addresses but its own primary one, plus 2 for host-network pods."""
        return self.enis * (self.ipv4_per_eni - 1) + 2

    @property
    def ebs_volume_slots(self) -> int:
        """EBS volumes it can attach beyond its root volume, with every network interface attached
        (what the EBS CSI driver computes with full instance metadata)."""
        if self.dedicated_ebs_slots:
            return self.dedicated_ebs_slots - 1
        return _SHARED_SLOTS - self.enis - 1


# name: architecture, vCPUs, memory (MiB), network interfaces, IPv4 per interface, EBS slots
_FACTS: dict[str, tuple[Architecture, int, int, int, int, int]] = {
    "t3.medium": ("x86_64", 2, 4096, 3, 6, SHARED),
    "t3.large": ("x86_64", 2, 8192, 3, 12, SHARED),
    "t3.xlarge": ("x86_64", 4, 16384, 4, 15, SHARED),
    "t3.2xlarge": ("x86_64", 8, 32768, 4, 15, SHARED),
    "t3a.medium": ("x86_64", 2, 4096, 3, 6, SHARED),
    "t3a.large": ("x86_64", 2, 8192, 3, 12, SHARED),
    "t3a.xlarge": ("x86_64", 4, 16384, 4, 15, SHARED),
    "t3a.2xlarge": ("x86_64", 8, 32768, 4, 15, SHARED),
    "m5.large": ("x86_64", 2, 8192, 3, 10, SHARED),
    "m5.xlarge": ("x86_64", 4, 16384, 4, 15, SHARED),
    "m5.2xlarge": ("x86_64", 8, 32768, 4, 15, SHARED),
    "m5.4xlarge": ("x86_64", 16, 65536, 8, 30, SHARED),
    "m5.8xlarge": ("x86_64", 32, 131072, 8, 30, SHARED),
    "m5.12xlarge": ("x86_64", 48, 196608, 8, 30, SHARED),
    "m5.16xlarge": ("x86_64", 64, 262144, 15, 50, SHARED),
    "m5a.large": ("x86_64", 2, 8192, 3, 10, SHARED),
    "m5a.xlarge": ("x86_64", 4, 16384, 4, 15, SHARED),
    "m5a.2xlarge": ("x86_64", 8, 32768, 4, 15, SHARED),
    "m5a.4xlarge": ("x86_64", 16, 65536, 8, 30, SHARED),
    "m5a.8xlarge": ("x86_64", 32, 131072, 8, 30, SHARED),
    "m5a.12xlarge": ("x86_64", 48, 196608, 8, 30, SHARED),
    "m5a.16xlarge": ("x86_64", 64, 262144, 15, 50, SHARED),
    "m5n.large": ("x86_64", 2, 8192, 3, 10, SHARED),
    "m5n.xlarge": ("x86_64", 4, 16384, 4, 15, SHARED),
    "m5n.2xlarge": ("x86_64", 8, 32768, 4, 15, SHARED),
    "m5n.4xlarge": ("x86_64", 16, 65536, 8, 30, SHARED),
    "m5n.8xlarge": ("x86_64", 32, 131072, 8, 30, SHARED),
    "m5n.12xlarge": ("x86_64", 48, 196608, 8, 30, SHARED),
    "m5n.16xlarge": ("x86_64", 64, 262144, 15, 50, SHARED),
    "m6i.large": ("x86_64", 2, 8192, 3, 10, SHARED),
    "m6i.xlarge": ("x86_64", 4, 16384, 4, 15, SHARED),
    "m6i.2xlarge": ("x86_64", 8, 32768, 4, 15, SHARED),
    "m6i.4xlarge": ("x86_64", 16, 65536, 8, 30, SHARED),
    "m6i.8xlarge": ("x86_64", 32, 131072, 8, 30, SHARED),
    "m6i.12xlarge": ("x86_64", 48, 196608, 8, 30, SHARED),
    "m6i.16xlarge": ("x86_64", 64, 262144, 15, 50, SHARED),
    "m6a.large": ("x86_64", 2, 8192, 3, 10, SHARED),
    "m6a.xlarge": ("x86_64", 4, 16384, 4, 15, SHARED),
    "m6a.2xlarge": ("x86_64", 8, 32768, 4, 15, SHARED),
    "m6a.4xlarge": ("x86_64", 16, 65536, 8, 30, SHARED),
    "m6a.8xlarge": ("x86_64", 32, 131072, 8, 30, SHARED),
    "m6a.12xlarge": ("x86_64", 48, 196608, 8, 30, SHARED),
    "m6a.16xlarge": ("x86_64", 64, 262144, 15, 50, SHARED),
    "m7i.large": ("x86_64", 2, 8192, 3, 10, 32),
    "m7i.xlarge": ("x86_64", 4, 16384, 4, 15, 32),
    "m7i.2xlarge": ("x86_64", 8, 32768, 4, 15, 32),
    "m7i.4xlarge": ("x86_64", 16, 65536, 8, 30, 32),
    "m7i.8xlarge": ("x86_64", 32, 131072, 8, 30, 32),
    "m7i.12xlarge": ("x86_64", 48, 196608, 8, 30, 32),
    "m7i.16xlarge": ("x86_64", 64, 262144, 15, 50, 48),
    "m7a.large": ("x86_64", 2, 8192, 3, 10, 32),
    "m7a.xlarge": ("x86_64", 4, 16384, 4, 15, 32),
    "m7a.2xlarge": ("x86_64", 8, 32768, 4, 15, 32),
    "m7a.4xlarge": ("x86_64", 16, 65536, 8, 30, 32),
    "m7a.8xlarge": ("x86_64", 32, 131072, 8, 30, 32),
    "m7a.12xlarge": ("x86_64", 48, 196608, 8, 30, 32),
    "m7a.16xlarge": ("x86_64", 64, 262144, 15, 50, 48),
    "c5.large": ("x86_64", 2, 4096, 3, 10, SHARED),
    "c5.xlarge": ("x86_64", 4, 8192, 4, 15, SHARED),
    "c5.2xlarge": ("x86_64", 8, 16384, 4, 15, SHARED),
    "c5.4xlarge": ("x86_64", 16, 32768, 8, 30, SHARED),
    "c5.12xlarge": ("x86_64", 48, 98304, 8, 30, SHARED),
    "c5a.large": ("x86_64", 2, 4096, 3, 10, SHARED),
    "c5a.xlarge": ("x86_64", 4, 8192, 4, 15, SHARED),
    "c5a.2xlarge": ("x86_64", 8, 16384, 4, 15, SHARED),
    "c5a.4xlarge": ("x86_64", 16, 32768, 8, 30, SHARED),
    "c5a.8xlarge": ("x86_64", 32, 65536, 8, 30, SHARED),
    "c5a.12xlarge": ("x86_64", 48, 98304, 8, 30, SHARED),
    "c5a.16xlarge": ("x86_64", 64, 131072, 15, 50, SHARED),
    "c6i.large": ("x86_64", 2, 4096, 3, 10, SHARED),
    "c6i.xlarge": ("x86_64", 4, 8192, 4, 15, SHARED),
    "c6i.2xlarge": ("x86_64", 8, 16384, 4, 15, SHARED),
    "c6i.4xlarge": ("x86_64", 16, 32768, 8, 30, SHARED),
    "c6i.8xlarge": ("x86_64", 32, 65536, 8, 30, SHARED),
    "c6i.12xlarge": ("x86_64", 48, 98304, 8, 30, SHARED),
    "c6i.16xlarge": ("x86_64", 64, 131072, 15, 50, SHARED),
    "c6a.large": ("x86_64", 2, 4096, 3, 10, SHARED),
    "c6a.xlarge": ("x86_64", 4, 8192, 4, 15, SHARED),
    "c6a.2xlarge": ("x86_64", 8, 16384, 4, 15, SHARED),
    "c6a.4xlarge": ("x86_64", 16, 32768, 8, 30, SHARED),
    "c6a.8xlarge": ("x86_64", 32, 65536, 8, 30, SHARED),
    "c6a.12xlarge": ("x86_64", 48, 98304, 8, 30, SHARED),
    "c6a.16xlarge": ("x86_64", 64, 131072, 15, 50, SHARED),
    "c7i.large": ("x86_64", 2, 4096, 3, 10, 32),
    "c7i.xlarge": ("x86_64", 4, 8192, 4, 15, 32),
    "c7i.2xlarge": ("x86_64", 8, 16384, 4, 15, 32),
    "c7i.4xlarge": ("x86_64", 16, 32768, 8, 30, 32),
    "c7i.8xlarge": ("x86_64", 32, 65536, 8, 30, 32),
    "c7i.12xlarge": ("x86_64", 48, 98304, 8, 30, 32),
    "c7i.16xlarge": ("x86_64", 64, 131072, 15, 50, 48),
    "c7a.large": ("x86_64", 2, 4096, 3, 10, 32),
    "c7a.xlarge": ("x86_64", 4, 8192, 4, 15, 32),
    "c7a.2xlarge": ("x86_64", 8, 16384, 4, 15, 32),
    "c7a.4xlarge": ("x86_64", 16, 32768, 8, 30, 32),
    "c7a.8xlarge": ("x86_64", 32, 65536, 8, 30, 32),
    "c7a.12xlarge": ("x86_64", 48, 98304, 8, 30, 32),
    "c7a.16xlarge": ("x86_64", 64, 131072, 15, 50, 48),
    "r5.large": ("x86_64", 2, 16384, 3, 10, SHARED),
    "r5.xlarge": ("x86_64", 4, 32768, 4, 15, SHARED),
    "r5.2xlarge": ("x86_64", 8, 65536, 4, 15, SHARED),
    "r5.4xlarge": ("x86_64", 16, 131072, 8, 30, SHARED),
    "r5.8xlarge": ("x86_64", 32, 262144, 8, 30, SHARED),
    "r5.12xlarge": ("x86_64", 48, 393216, 8, 30, SHARED),
    "r5.16xlarge": ("x86_64", 64, 524288, 15, 50, SHARED),
    "r5a.large": ("x86_64", 2, 16384, 3, 10, SHARED),
    "r5a.xlarge": ("x86_64", 4, 32768, 4, 15, SHARED),
    "r5a.2xlarge": ("x86_64", 8, 65536, 4, 15, SHARED),
    "r5a.4xlarge": ("x86_64", 16, 131072, 8, 30, SHARED),
    "r5a.8xlarge": ("x86_64", 32, 262144, 8, 30, SHARED),
    "r5a.12xlarge": ("x86_64", 48, 393216, 8, 30, SHARED),
    "r5a.16xlarge": ("x86_64", 64, 524288, 15, 50, SHARED),
    "r6i.large": ("x86_64", 2, 16384, 3, 10, SHARED),
    "r6i.xlarge": ("x86_64", 4, 32768, 4, 15, SHARED),
    "r6i.2xlarge": ("x86_64", 8, 65536, 4, 15, SHARED),
    "r6i.4xlarge": ("x86_64", 16, 131072, 8, 30, SHARED),
    "r6i.8xlarge": ("x86_64", 32, 262144, 8, 30, SHARED),
    "r6i.12xlarge": ("x86_64", 48, 393216, 8, 30, SHARED),
    "r6i.16xlarge": ("x86_64", 64, 524288, 15, 50, SHARED),
    "r6a.large": ("x86_64", 2, 16384, 3, 10, SHARED),
    "r6a.xlarge": ("x86_64", 4, 32768, 4, 15, SHARED),
    "r6a.2xlarge": ("x86_64", 8, 65536, 4, 15, SHARED),
    "r6a.4xlarge": ("x86_64", 16, 131072, 8, 30, SHARED),
    "r6a.8xlarge": ("x86_64", 32, 262144, 8, 30, SHARED),
    "r6a.12xlarge": ("x86_64", 48, 393216, 8, 30, SHARED),
    "r6a.16xlarge": ("x86_64", 64, 524288, 15, 50, SHARED),
    "r7i.large": ("x86_64", 2, 16384, 3, 10, 32),
    "r7i.xlarge": ("x86_64", 4, 32768, 4, 15, 32),
    "r7i.2xlarge": ("x86_64", 8, 65536, 4, 15, 32),
    "r7i.4xlarge": ("x86_64", 16, 131072, 8, 30, 32),
    "r7i.8xlarge": ("x86_64", 32, 262144, 8, 30, 32),
    "r7i.12xlarge": ("x86_64", 48, 393216, 8, 30, 32),
    "r7i.16xlarge": ("x86_64", 64, 524288, 15, 50, 48),
    "r7a.large": ("x86_64", 2, 16384, 3, 10, 32),
    "r7a.xlarge": ("x86_64", 4, 32768, 4, 15, 32),
    "r7a.2xlarge": ("x86_64", 8, 65536, 4, 15, 32),
    "r7a.4xlarge": ("x86_64", 16, 131072, 8, 30, 32),
    "r7a.8xlarge": ("x86_64", 32, 262144, 8, 30, 32),
    "r7a.12xlarge": ("x86_64", 48, 393216, 8, 30, 32),
    "r7a.16xlarge": ("x86_64", 64, 524288, 15, 50, 48),
    "t4g.medium": ("arm64", 2, 4096, 3, 6, SHARED),
    "t4g.large": ("arm64", 2, 8192, 3, 12, SHARED),
    "t4g.xlarge": ("arm64", 4, 16384, 4, 15, SHARED),
    "t4g.2xlarge": ("arm64", 8, 32768, 4, 15, SHARED),
    "m6g.large": ("arm64", 2, 8192, 3, 10, SHARED),
    "m6g.xlarge": ("arm64", 4, 16384, 4, 15, SHARED),
    "m6g.2xlarge": ("arm64", 8, 32768, 4, 15, SHARED),
    "m6g.4xlarge": ("arm64", 16, 65536, 8, 30, SHARED),
    "m6g.8xlarge": ("arm64", 32, 131072, 8, 30, SHARED),
    "m6g.12xlarge": ("arm64", 48, 196608, 8, 30, SHARED),
    "m6g.16xlarge": ("arm64", 64, 262144, 15, 50, SHARED),
    "m7g.large": ("arm64", 2, 8192, 3, 10, SHARED),
    "m7g.xlarge": ("arm64", 4, 16384, 4, 15, SHARED),
    "m7g.2xlarge": ("arm64", 8, 32768, 4, 15, SHARED),
    "m7g.4xlarge": ("arm64", 16, 65536, 8, 30, SHARED),
    "m7g.8xlarge": ("arm64", 32, 131072, 8, 30, SHARED),
    "m7g.12xlarge": ("arm64", 48, 196608, 8, 30, SHARED),
    "m7g.16xlarge": ("arm64", 64, 262144, 15, 50, SHARED),
    "c6g.large": ("arm64", 2, 4096, 3, 10, SHARED),
    "c6g.xlarge": ("arm64", 4, 8192, 4, 15, SHARED),
    "c6g.2xlarge": ("arm64", 8, 16384, 4, 15, SHARED),
    "c6g.4xlarge": ("arm64", 16, 32768, 8, 30, SHARED),
    "c6g.8xlarge": ("arm64", 32, 65536, 8, 30, SHARED),
    "c6g.12xlarge": ("arm64", 48, 98304, 8, 30, SHARED),
    "c6g.16xlarge": ("arm64", 64, 131072, 15, 50, SHARED),
    "c7g.large": ("arm64", 2, 4096, 3, 10, SHARED),
    "c7g.xlarge": ("arm64", 4, 8192, 4, 15, SHARED),
    "c7g.2xlarge": ("arm64", 8, 16384, 4, 15, SHARED),
    "c7g.4xlarge": ("arm64", 16, 32768, 8, 30, SHARED),
    "c7g.8xlarge": ("arm64", 32, 65536, 8, 30, SHARED),
    "c7g.12xlarge": ("arm64", 48, 98304, 8, 30, SHARED),
    "c7g.16xlarge": ("arm64", 64, 131072, 15, 50, SHARED),
    "r6g.large": ("arm64", 2, 16384, 3, 10, SHARED),
    "r6g.xlarge": ("arm64", 4, 32768, 4, 15, SHARED),
    "r6g.2xlarge": ("arm64", 8, 65536, 4, 15, SHARED),
    "r6g.4xlarge": ("arm64", 16, 131072, 8, 30, SHARED),
    "r6g.8xlarge": ("arm64", 32, 262144, 8, 30, SHARED),
    "r6g.12xlarge": ("arm64", 48, 393216, 8, 30, SHARED),
    "r6g.16xlarge": ("arm64", 64, 524288, 15, 50, SHARED),
    "r7g.large": ("arm64", 2, 16384, 3, 10, SHARED),
    "r7g.xlarge": ("arm64", 4, 32768, 4, 15, SHARED),
    "r7g.2xlarge": ("arm64", 8, 65536, 4, 15, SHARED),
    "r7g.4xlarge": ("arm64", 16, 131072, 8, 30, SHARED),
    "r7g.8xlarge": ("arm64", 32, 262144, 8, 30, SHARED),
    "r7g.12xlarge": ("arm64", 48, 393216, 8, 30, SHARED),
    "r7g.16xlarge": ("arm64", 64, 524288, 15, 50, SHARED),
}

INSTANCE_TYPES: dict[str, InstanceType] = {name: InstanceType(name, *facts) for name, facts in _FACTS.items()}
