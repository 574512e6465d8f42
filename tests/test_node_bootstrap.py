"""How nodes join: the NodeConfig user data and the kubeconfig, as text a node or kubectl reads."""

import base64
import email
import json

from components.eks_cluster import eks_kubeconfig
from components.node_bootstrap import ClusterEndpoint, user_data
from components.spot_capacity import USER_LABELS, USER_TAINTS, ami_parameter

CLUSTER = ClusterEndpoint("dev-cluster", "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "Q0EK", "172.20.0.0/16")


def node_config_of(encoded: str) -> dict[str, object]:
    message = email.message_from_bytes(base64.b64decode(encoded))
    assert message.is_multipart()
    [part] = [p for p in message.walk() if p.get_content_type() == "application/node.eks.aws"]
    document = json.loads(part.get_payload())
    assert isinstance(document, dict)
    return document


def test_user_data_is_a_nodeadm_node_config_for_the_cluster() -> None:
    config = node_config_of(user_data(CLUSTER, USER_LABELS, USER_TAINTS))
    assert config["apiVersion"] == "node.eks.aws/v1alpha1" and config["kind"] == "NodeConfig"
    assert config["spec"]["cluster"] == {  # type: ignore[index]
        "name": "dev-cluster",
        "apiServerEndpoint": CLUSTER.endpoint,
        "certificateAuthority": "Q0EK",
        "cidr": "172.20.0.0/16",
    }


def test_user_nodes_register_with_the_label_and_taint_z2jh_expects() -> None:
    flags = node_config_of(user_data(CLUSTER, USER_LABELS, USER_TAINTS))["spec"]["kubelet"]["flags"]  # type: ignore[index]
    assert "--node-labels=hub.jupyter.org/node-purpose=user" in flags
    assert "--register-with-taints=hub.jupyter.org/dedicated=user:NoSchedule" in flags


def test_no_labels_or_taints_means_no_flags() -> None:
    assert node_config_of(user_data(CLUSTER, {}, {}))["spec"]["kubelet"]["flags"] == []  # type: ignore[index]


def test_the_ami_comes_from_the_parameter_of_the_cluster_version() -> None:
    assert (
        ami_parameter("1.35")
        == "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id"
    )


def test_the_kubeconfig_gets_short_lived_tokens_from_aws_eks_get_token() -> None:
    config = eks_kubeconfig("dev-cluster", "https://x", "Q0EK", "eu-west-1")
    user = config["users"][0]["user"]["exec"]
    assert user["command"] == "aws"
    assert user["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        "dev-cluster",
        "--region",
        "eu-west-1",
        "--output",
        "json",
    ]
    assert config["clusters"][0]["cluster"] == {"server": "https://x", "certificate-authority-data": "Q0EK"}
    assert config["current-context"] == "dev-cluster"
