"""Values for the Traefik chart: the default IngressClass, reached through a Network Load Balancer
that terminates TLS (eks), or through a plain Service (kubeconfig)."""

from dataclasses import dataclass
from typing import Any

from charts.hardening import resources
from contracts import CORE_NODE_LABELS, ZONE_KEY

# The AWS cloud provider built into EKS reads these to build a Network Load Balancer.
_NLB = "service.beta.kubernetes.io/aws-load-balancer"
# TLS 1.2 and 1.3 only; the API's default policy still allows TLS 1.0.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HSTS_SECONDS = 15_552_000  # 180 days


@dataclass(frozen=True)
class TraefikOptions:
    fullname: str
    """The chart's objects and the IngressClass are named after it (the stack prefix is in it)."""
    namespace: str
    replicas: int
    on_aws: bool
    service_type: str
    certificate_arn: str | None


def https_middleware_name(fullname: str) -> str:
    return f"{fullname}-https"


def traefik_values(options: TraefikOptions) -> dict[str, Any]:
    certificate = options.certificate_arn if options.on_aws else None
    values: dict[str, Any] = {
        "fullnameOverride": options.fullname,
        # The pods' instance label is otherwise "<release>-<namespace>"; the spread below selects on it.
        "instanceLabelOverride": options.fullname,
        "ingressClass": {"enabled": True, "isDefaultClass": True, "name": options.fullname},
        "deployment": {"replicas": options.replicas},
        # Every student's page and websocket passes through it, but a proxy's work per connection
        # is small: a few hundred connections take tens of MiB and a fraction of a core. The
        # limits leave room for a whole class connecting at once. The chart's own securityContext
        # and podSecurityContext already run it non-root, without capabilities, under RuntimeDefault.
        "resources": resources("100m", "128Mi", cpu_limit="1", memory_limit="512Mi"),
        "service": {"spec": {"type": "LoadBalancer" if options.on_aws else options.service_type}},
        # Without TLS at the load balancer there is no HTTPS port to offer.
        "ports": {"websecure": {"expose": {"default": certificate is not None}}},
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
        values["nodeSelector"] = dict(CORE_NODE_LABELS)
        values["service"]["annotations"] = _load_balancer_annotations(certificate)
    if certificate is not None:
        values["ports"]["web"] = {
            "http": {"redirections": {"entryPoint": {"to": "websecure", "scheme": "https", "permanent": True}}}
        }
        middleware = https_middleware_name(options.fullname)
        values["ports"]["websecure"]["http"] = {
            # TLS already ended at the load balancer: Traefik's websecure port serves plain HTTP...
            "tls": {"enabled": False},
            # ...so it tells the hub the request was HTTPS (secure cookies, https:// redirects).
            "middlewares": [f"{options.namespace}-{middleware}@kubernetescrd"],
        }
        values["extraObjects"] = [_https_headers(middleware, options.namespace)]
    return values


def _load_balancer_annotations(certificate: str | None) -> dict[str, str]:
    annotations = {
        f"{_NLB}-type": "nlb",
        f"{_NLB}-cross-zone-load-balancing-enabled": "true",
        # Only core nodes take traffic: spot user nodes come and go, and a node being drained
        # would still receive new connections until its health check failed.
        f"{_NLB}-target-node-labels": ",".join(f"{k}={v}" for k, v in CORE_NODE_LABELS.items()),
    }
    if certificate is not None:
        annotations |= {
            f"{_NLB}-ssl-cert": certificate,
            f"{_NLB}-ssl-ports": "443",
            f"{_NLB}-ssl-negotiation-policy": TLS_POLICY,
            f"{_NLB}-backend-protocol": "tcp",
        }
    return annotations


def _https_headers(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "Middleware",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "headers": {
                "customRequestHeaders": {"X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"},
                "stsSeconds": HSTS_SECONDS,
                # Traefik adds the header only to requests it sees as TLS, and behind the load
                # balancer none is; this middleware runs only on the entry point the TLS listener
                # feeds, so every request it sees did arrive over HTTPS.
                "forceSTSHeader": True,
            }
        },
    }
