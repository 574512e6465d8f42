"""How a self-managed node joins the cluster: a `nodeadm` NodeConfig in MIME user data.

Invariant guarded here: the labels and taints a node registers with are the ones z2jh and
cluster-autoscaler expect, so user servers land only on user nodes and a group can scale from
zero. Pure functions: no Pulumi, testable as text.
"""

import base64
import json
from dataclasses import dataclass

_BOUNDARY = "//nodeconfig"


@dataclass(frozen=True)
class ClusterEndpoint:
    name: str
    endpoint: str
    certificate_authority: str
    """Base64 CA bundle, as EKS reports it."""
    service_cidr: str


def node_config(cluster: ClusterEndpoint, labels: dict[str, str], taints: dict[str, str]) -> str:
    """The NodeConfig document (YAML is a superset of JSON, so JSON is written)."""
    flags = []
    if labels:
        flags.append("--node-labels=" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())))
    if taints:
        flags.append("--register-with-taints=" + ",".join(f"{k}={v}" for k, v in sorted(taints.items())))
    document = {
        "apiVersion": "node.eks.aws/v1alpha1",
        "kind": "NodeConfig",
        "spec": {
            "cluster": {
                "name": cluster.name,
                "apiServerEndpoint": cluster.endpoint,
                "certificateAuthority": cluster.certificate_authority,
                "cidr": cluster.service_cidr,
            },
            "kubelet": {"flags": flags},
        },
    }
    return json.dumps(document, indent=2)


def user_data(cluster: ClusterEndpoint, labels: dict[str, str], taints: dict[str, str]) -> str:
    """Base64 MIME multi-part user data with the NodeConfig, as a launch template takes it."""
    mime = "\n".join(
        [
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{_BOUNDARY}"',
            "",
            f"--{_BOUNDARY}",
            "Content-Type: application/node.eks.aws",
            "",
            node_config(cluster, labels, taints),
            f"--{_BOUNDARY}--",
            "",
        ]
    )
    return base64.b64encode(mime.encode()).decode()
