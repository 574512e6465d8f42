"""NetworkPolicies as data, and the one shape the platform creates them in.

Invariant guarded here: every policy names both directions (policyTypes Ingress and Egress), so a
pod it selects gets exactly what its rules, and those of any other policy selecting it, admit;
where DNS, the Kubernetes API server and the Pod Identity agent are is written once, below. The
VPC CNI enforces them (components/eks_cluster.py turns its network policy agent on), and it
always lets a pod's own node reach it, so the kubelet's probes need no rule.
"""

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

IngressRule = k8s.networking.v1.NetworkPolicyIngressRuleArgsDict
EgressRule = k8s.networking.v1.NetworkPolicyEgressRuleArgsDict
Peer = k8s.networking.v1.NetworkPolicyPeerArgsDict
Port = k8s.networking.v1.NetworkPolicyPortArgsDict
Selector = k8s.meta.v1.LabelSelectorArgsDict


def tcp(*ports: int | str) -> list[Port]:
    """TCP ports, by number or by the name the destination pod gives its port."""
    return [{"port": port, "protocol": "TCP"} for port in ports]


def labelled(labels: Mapping[str, str]) -> Selector:
    return {"match_labels": dict(labels)}


def namespace(name: str) -> Selector:
    # Kubernetes labels every namespace with its own name.
    return labelled({"kubernetes.io/metadata.name": name})


def pods(labels: Mapping[str, str], *, any_namespace: bool = False, in_namespace: str | None = None) -> Peer:
    """Pods with these labels, in the policy's namespace, in any, or in the one named."""
    peer: Peer = {"pod_selector": labelled(labels)}
    if any_namespace:
        peer["namespace_selector"] = {}
    elif in_namespace is not None:
        peer["namespace_selector"] = namespace(in_namespace)
    return peer


# CoreDNS: the kube-dns pods of kube-system, on UDP and TCP 53.
DNS: EgressRule = {
    "to": [{"namespace_selector": namespace("kube-system"), "pod_selector": labelled({"k8s-app": "kube-dns"})}],
    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
}

# HTTPS to any address. The Kubernetes API server of EKS answers on 443 from addresses of its
# own (network interfaces EKS places in the cluster's subnets, and replaces), which no selector
# names; the AWS APIs the controllers call (SQS, EC2, Auto Scaling, SNS) are public endpoints on
# 443 as well.
HTTPS: EgressRule = {"ports": tcp(443)}

# The EKS Pod Identity agent, on every node at this link-local address: it hands a pod the
# credentials of its service account's role.
POD_IDENTITY_AGENT: EgressRule = {"to": [{"ip_block": {"cidr": "169.254.170.23/32"}}], "ports": tcp(80)}


def network_policy(
    name: str,
    *,
    policy_name: str,
    namespace: pulumi.Input[str],
    selects: Selector,
    ingress: Sequence[IngressRule] = (),
    egress: Sequence[EgressRule] = (),
    parent: pulumi.Resource,
) -> k8s.networking.v1.NetworkPolicy:
    """A policy over both directions: what `ingress` and `egress` do not admit, the pods do not get."""
    return k8s.networking.v1.NetworkPolicy(
        name,
        metadata={"name": policy_name, "namespace": namespace},
        spec={
            "pod_selector": selects,
            "policy_types": ["Ingress", "Egress"],
            "ingress": list(ingress),
            "egress": list(egress),
        },
        opts=pulumi.ResourceOptions(parent=parent),
    )
