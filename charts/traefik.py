"""Values for the Traefik chart: the default IngressClass, reached through a Network Load Balancer
that terminates TLS (eks), or through a plain Service (kubeconfig)."""

from dataclasses import dataclass
from typing import Any

from charts import CORE_NODE_SELECTOR, ZONE_KEY

# The legacy AWS cloud provider in EKS reads these to build a Network Load Balancer; TLS ends at
# the load balancer with the ACM certificate, and Traefik gets plain HTTP on its websecure port.
_NLB = "service.beta.kubernetes.io/aws-load-balancer"


@dataclass(frozen=True)
class TraefikOptions:
    fullname: str
    """The chart's objects and the IngressClass are named after it (the stack prefix is in it)."""
    replicas: int
    on_aws: bool
    service_type: str
    certificate_arn: str | None


def traefik_values(options: TraefikOptions) -> dict[str, Any]:
    certificate = options.certificate_arn if options.on_aws else None
    tls = certificate is not None
    values: dict[str, Any] = {
        "fullnameOverride": options.fullname,
        # The pods' instance label is otherwise "<release>-<namespace>"; the spread below selects on it.
        "instanceLabelOverride": options.fullname,
        "ingressClass": {"enabled": True, "isDefaultClass": True, "name": options.fullname},
        "deployment": {"replicas": options.replicas},
        "service": {"spec": {"type": "LoadBalancer" if options.on_aws else options.service_type}},
        # Without TLS at the load balancer there is no HTTPS port to offer.
        "ports": {"websecure": {"expose": {"default": tls}}},
    }
    if options.replicas >= 2:
        # One pod may go (a node drain, an upgrade) but never both; and never both in one zone.
        values["podDisruptionBudget"] = {"enabled": True, "maxUnavailable": 1}
        values["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": ZONE_KEY,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/instance": options.fullname}},
            }
        ]
    if options.on_aws:
        # EKS has core nodes; a cluster from a kubeconfig (kind, say) may label nothing.
        values["nodeSelector"] = dict(CORE_NODE_SELECTOR)
        annotations = {
            f"{_NLB}-type": "nlb",
            f"{_NLB}-cross-zone-load-balancing-enabled": "true",
            f"{_NLB}-name": options.fullname,
        }
        if certificate is not None:
            annotations |= {
                f"{_NLB}-ssl-cert": certificate,
                f"{_NLB}-ssl-ports": "443",
                f"{_NLB}-backend-protocol": "tcp",
            }
        values["service"]["annotations"] = annotations
    if tls:
        values["ports"]["web"] = {
            "http": {"redirections": {"entryPoint": {"to": "websecure", "scheme": "https", "permanent": True}}}
        }
        # TLS is already off at the load balancer: Traefik's websecure port serves plain HTTP.
        values["ports"]["websecure"]["http"] = {"tls": {"enabled": False}}
    return values
