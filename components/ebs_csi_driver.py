"""EBS volumes for the cluster: the EBS CSI driver add-on and the default StorageClass.

Invariant guarded here: only the driver's controller service account holds the driver's AWS
permissions (AWS's managed policy, through Pod Identity), and volumes are gp3, encrypted, created
in the zone of the pod that first uses them, and can grow.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.eks_cluster import EksCluster, eks_addon
from components.iam_documents import EBS_CSI_DRIVER_POLICY
from components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs

CONTROLLER_SERVICE_ACCOUNT = "ebs-csi-controller-sa"


@dataclass(frozen=True)
class EbsCsiDriverArgs:
    cluster: EksCluster
    role_name: str
    storage_class_name: str
    reclaim_policy: str
    volume_attach_limit: int
    """EBS volumes a node really has room for (settings/capacity.py `ebs_volume_attach_limit`)."""
    depends_on: Sequence[pulumi.Resource]
    """What it waits for: the nodes its controller runs on (the add-on is healthy only once scheduled)."""


class EbsCsiDriver(pulumi.ComponentResource):
    storage_class_name: pulumi.Output[str]

    def __init__(self, name: str, args: EbsCsiDriverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:EbsCsiDriver", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = WorkloadIdentity(
            f"{name}-identity",
            WorkloadIdentityArgs(
                role_name=args.role_name,
                cluster_name=args.cluster.name,
                cluster_arn=args.cluster.arn,
                namespace="kube-system",
                service_account=CONTROLLER_SERVICE_ACCOUNT,
                managed_policy_arns=[EBS_CSI_DRIVER_POLICY],
                associate=False,
            ),
            opts=child,
        )
        addon = eks_addon(
            f"{name}-addon",
            "aws-ebs-csi-driver",
            args.cluster.name,
            args.cluster.kubernetes_version,
            pulumi.ResourceOptions(parent=self, depends_on=[identity, *args.depends_on]),
            pod_identity_associations=[{"role_arn": identity.role_arn, "service_account": CONTROLLER_SERVICE_ACCOUNT}],
            # The node plugin cannot read instance metadata (hop limit 1), so it would assume one
            # network interface and offer more attachments than a full node has.
            configuration_values=json.dumps({"node": {"volumeAttachLimit": args.volume_attach_limit}}),
        )
        storage_class = k8s.storage.v1.StorageClass(
            f"{name}-storage-class",
            metadata={
                "name": args.storage_class_name,
                # The class claims without a class name get (the hub's database, users' volumes).
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"},
            # Created where the pod is scheduled, so a spot node in any zone can host it.
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            reclaim_policy=args.reclaim_policy,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[addon]),
        )
        self.storage_class_name = storage_class.metadata.apply(lambda m: m.name or "")
        self.register_outputs({"storage_class_name": self.storage_class_name})
