"""How nodes join: the NodeConfig user data and the kubeconfig, as text a node or kubectl reads."""

from components.eks_cluster import eks_kubeconfig
from components.node_bootstrap import ClusterEndpoint, user_data
from components.spot_capacity import ami_parameter
from contracts import USER_NODE_LABELS, USER_NODE_TAINTS
from tests.support import node_config_of

CLUSTER = ClusterEndpoint("dev-cluster", "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "Q0EK", "172.20.0.0/16")


def test_user_data_is_a_nodeadm_node_config_for_the_cluster() -> None:
    config = node_config_of(user_data(CLUSTER, USER_NODE_LABELS, USER_NODE_TAINTS))
    assert config["apiVersion"] == "node.eks.aws/v1alpha1" and config["kind"] == "NodeConfig"
    assert config["spec"]["cluster"] == {
        "name": "dev-cluster",
        "apiServerEndpoint": CLUSTER.endpoint,
        "certificateAuthority": "Q0EK",
        "cidr": "172.20.0.0/16",
    }


def test_user_nodes_register_with_the_label_and_taint_z2jh_expects() -> None:
    flags = node_config_of(user_data(CLUSTER, USER_NODE_LABELS, USER_NODE_TAINTS))["spec"]["kubelet"]["flags"]
    assert "--node-labels=hub.jupyter.org/node-purpose=user" in flags
    assert "--register-with-taints=hub.jupyter.org/dedicated=user:NoSchedule" in flags


def test_no_labels_or_taints_means_no_flags() -> None:
    assert node_config_of(user_data(CLUSTER, {}, {}))["spec"]["kubelet"]["flags"] == []


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
