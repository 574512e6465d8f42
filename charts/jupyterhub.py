"""Values for the zero-to-jupyterhub chart, from the stack's settings.

Invariants guarded here: every name the chart builds starts with the stack prefix
(`fullnameOverride`, the pod and volume name templates); no secret is in the values (the hub
reads them from a Kubernetes Secret through its environment); what differs between stacks and
is not a chart value goes under `custom`, where the constant snippets in `hub_config/` read it.
"""

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charts.hardening import RESTRICTED_CONTAINER, resources
from charts.user_scheduler import scheduler_image_tag
from contracts import (
    BRANDING_DIR,
    HUB_CONFIG_DIR,
    PROMETHEUS_POD_LABELS,
    REPOSITORY,
    TRAEFIK_POD_LABELS,
    USER_PLACEHOLDER_PRIORITY,
    ZONE_KEY,
    environment_banner,
)
from settings.hub import OAUTH, SHARED_FILESYSTEMS, Authenticator, HubSettings, StorageKind, quantity_bytes
from settings.resilience import (
    HUB_AUTH_CACHE_SECONDS,
    HUB_NODE_LOSS_TOLERATION_SECONDS,
    PROXY_NODE_LOSS_TOLERATION_SECONDS,
    ROUTE_CHECK_INTERVAL_SECONDS,
)

TEMPLATES_PATH = "/usr/local/etc/jupyterhub/templates"
LOGO_DIR = "/usr/local/etc/jupyterhub/branding"

# The Kubernetes Secret the hub's environment reads, and its keys by environment variable.
SECRET_ENVIRONMENT = {
    "OAUTH_CLIENT_SECRET": "client-secret",  # OAuthenticator reads it from here by itself
    "SHARED_PASSWORD": "shared-password",
    "HUB_DB_URL": "database-url",
    "METRICS_TOKEN": "metrics-token",  # the `prometheus` service's (hub_config/10-secrets.py)
}
METRICS_SERVICE = "prometheus"

HEALTH_CHECK_SERVICE = "health-check"
# What the health check and the load test may do with the health-check service's token: make
# and remove users, start and stop their servers, and reach those servers (contents, kernels) with
# the service's own token. No `tokens`: they never mint a token for a user. The local test hub
# (tools/local_hub) loads this very role, so a scope the chart lacks fails the tests too.
HEALTH_CHECK_ROLE = {
    HEALTH_CHECK_SERVICE: {
        "services": [HEALTH_CHECK_SERVICE],
        "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"],
    }
}
# A new node, then a multi-GB image pull: more than KubeSpawner's default 300 s at the start of a class.
SERVER_START_TIMEOUT_SECONDS = 600
SECRET_VERSION_ANNOTATION = "jupyterhub-platform/secrets-version"

# A config file jupyter_server reads for HubOAuth (a jupyter_server_config.d/ file would not be:
# those only enable extensions); /usr/local/etc/jupyter is on the search path of every image and
# holds nothing of the docker-stacks images' own.
SERVER_CONFIG_PATH = "/usr/local/etc/jupyter/jupyter_server_config.json"
# Hub and proxy in different zones where the core nodes allow, so one zone's loss takes one. A
# spread constraint rather than anti-affinity: z2jh writes its own `affinity` into both pods, and
# a second from extraPodSpec would be a duplicate key. The pair counts as one group spread over
# the zones; ScheduleAnyway, so core nodes left in one zone still run both.
HUB_AND_PROXY_APART: dict[str, Any] = {
    "maxSkew": 1,
    "topologyKey": ZONE_KEY,
    "whenUnsatisfiable": "ScheduleAnyway",
    "labelSelector": {
        # Spread constraints count pods of the pod's own namespace only: this hub's pair.
        "matchLabels": {"app": "jupyterhub"},
        "matchExpressions": [{"key": "component", "operator": "In", "values": ["hub", "proxy"]}],
    },
}

# The instance metadata service, where a node's credentials are. Nothing of the hub calls it: pods
# get AWS permissions through Pod Identity. z2jh's network policies let traffic to it (and DNS to
# it, a GCP resolver) through unless told not to.
NO_METADATA_SERVICE = {"cloudMetadataServer": False, "dnsPortsCloudMetadataServer": False}

# What a student's notebook container runs with, besides z2jh's own runAsUser 1000 and
# allowPrivilegeEscalation false: KubeSpawner merges it into the container's securityContext.
# runAsNonRoot on the container, not the pod: the home's init container runs as root by design.
NOTEBOOK_SECURITY_CONTEXT = {**RESTRICTED_CONTAINER, "runAsNonRoot": True}

_AUTHENTICATOR_CLASS = {
    Authenticator.GENERIC_OAUTH: "generic-oauth",
    Authenticator.GITHUB: "github",
    Authenticator.CILOGON: "cilogon",
    Authenticator.SHARED_PASSWORD: "shared-password",
}


@dataclass(frozen=True)
class JupyterHubOptions:
    """What the stack's settings say about the hub."""

    prefix: str
    tier: str
    production: bool
    hub: HubSettings
    secret_name: str
    on_eks: bool
    shares_user_nodes: bool
    """Whether another stack's hub owns the user nodes (a review stack on the test cluster)."""
    https: bool
    """Whether students reach the hub over HTTPS (TLS at the load balancer)."""
    home_storage: StorageKind
    """Where homes live (the storage kind, its default resolved)."""
    placeholders: int
    idle_timeout_minutes: int
    max_age_hours: int
    concurrent_spawn_limit: int


@dataclass(frozen=True)
class ClusterFacts:
    """What the hub's values need that is known only once the cluster and its prerequisites exist."""

    kubernetes_version: str
    """The cluster's minor version, like 1.35: the user scheduler runs the same."""
    hostname: str | None
    ingress_class: str | None
    storage_class: str | None
    """The EBS StorageClass, for the hub's database and EBS homes; None: the cluster's default."""
    home_claim: str | None
    """The claim on the NFS export homes live on (efs, nfs)."""
    secret_keys: tuple[str, ...]
    """The keys the hub's Secret holds (client-secret, shared-password, database-url)."""
    secrets_version: str
    """The Secret's resource version: the hub reads it only when it starts, so a new one restarts it."""
    monitoring_namespace: str | None
    """The namespace whose Prometheus scrapes the hub's metrics; None: no monitoring."""


def hub_service_name(prefix: str) -> str:
    """z2jh names the hub's Service after the fullname; its port `hub` serves /hub/metrics."""
    return f"{prefix}-hub"


def user_scheduler_name(prefix: str) -> str:
    """z2jh names the user scheduler's Deployment, ServiceAccount and ClusterRole after the fullname."""
    return f"{prefix}-user-scheduler"


def hub_snippets() -> dict[str, str]:
    """The constant hub-side Python, by file name: z2jh runs `hub.extraConfig` in key order."""
    return {path.stem: path.read_text() for path in sorted(HUB_CONFIG_DIR.glob("*.py"))}


def jupyterhub_values(options: JupyterHubOptions, facts: ClusterFacts) -> dict[str, Any]:
    hub = options.hub
    values: dict[str, Any] = {
        # The chart names everything after this: dev-hub, dev-proxy-public, priority class dev, ...
        "fullnameOverride": options.prefix,
        "hub": _hub(options, facts),
        "proxy": {
            "service": {"type": "ClusterIP"},
            "chp": {
                # configurable-http-proxy is one Node.js event loop: it never uses more than one core.
                # An OOM kill drops every student's connection, so the memory limit is four times the
                # request, far above what a few hundred open websockets take.
                "resources": resources("100m", "256Mi", cpu_limit="1", memory_limit="1Gi"),
                "networkPolicy": _proxy_network_policy(),
                "tolerations": node_loss_tolerations(PROXY_NODE_LOSS_TOLERATION_SECONDS),
                "extraPodSpec": {"topologySpreadConstraints": [HUB_AND_PROXY_APART]},
            },
        },
        "singleuser": _singleuser(options, facts),
        "prePuller": _pre_puller(options),
        "scheduling": _scheduling(options, facts),
        "cull": {
            "enabled": True,
            "timeout": options.idle_timeout_minutes * 60,
            "maxAge": options.max_age_hours * 3600,
            "every": 300,
        },
        "ingress": _ingress(facts),
        "custom": _custom(options),
    }
    if hub.hub_image is not None:
        values["hub"]["image"] = {"name": hub.hub_image.name, "tag": hub.hub_image.tag}
    # Last, the stack's own chart values for what the settings do not wrap (the settings refuse
    # the keys the platform guarantees).
    return merged_like_helm(values, hub.extra_values)


def merged_like_helm(values: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` over `values` as Helm merges a values file over the chart's: maps key by key, any
    other value (a list included) replacing what was there."""
    result = dict(values)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged_like_helm(result[key], value)
        else:
            result[key] = value
    return result


def _hub(options: JupyterHubOptions, facts: ClusterFacts) -> dict[str, Any]:
    hub, auth, hostname = options.hub, options.hub.auth, facts.hostname
    config: dict[str, Any] = {
        "JupyterHub": {"authenticator_class": _AUTHENTICATOR_CLASS[auth.authenticator]},
        "KubeSpawner": {"container_security_context": NOTEBOOK_SECURITY_CONTEXT},
        "Authenticator": {
            "allowed_users": sorted(auth.allowed_users),
            "admin_users": sorted(auth.admin_users),
            # No allow list at all means: anyone the identity provider lets through (which
            # production and staging stacks must ask for with allowAll).
            "allow_all": auth.allow_all or not (auth.allowed_users or auth.allowed_groups),
            # Someone taken off allowedUsers loses access, even though the hub has met them before.
            "allow_existing_users": False,
        },
    }
    # See ROUTE_CHECK_INTERVAL_SECONDS.
    config["JupyterHub"]["last_activity_interval"] = ROUTE_CHECK_INTERVAL_SECONDS
    if options.https and hostname:
        # TLS ends at the load balancer: the hub must still build https:// URLs and Secure cookies.
        config["JupyterHub"]["public_url"] = f"https://{hostname}/"
    if auth.authenticator in OAUTH:
        callback = auth.callback_url or (f"https://{hostname}/hub/oauth_callback" if hostname else None)
        oauth: dict[str, Any] = {"client_id": auth.client_id, "oauth_callback_url": callback}
        username_claim, groups_claim = auth.claims
        if auth.authenticator is Authenticator.GITHUB:
            # Organization membership is private by default: reading it needs read:org.
            oauth |= {"allowed_organizations": sorted(auth.allowed_groups), "scope": ["read:org"]}
        else:
            # Group membership follows the identity provider's claim at every login.
            oauth |= {
                "manage_groups": True,
                "auth_state_groups_key": f"oauth_user.{groups_claim}",
                "allowed_groups": sorted(auth.allowed_groups),
                "admin_groups": sorted(auth.admin_groups),
            }
        if auth.authenticator is Authenticator.CILOGON:
            claim = {"username_derivation": {"username_claim": username_claim}}
            oauth["allowed_idps"] = {auth.cilogon_idp: claim}
        if auth.authenticator is Authenticator.GENERIC_OAUTH:
            oauth |= {
                "authorize_url": auth.authorize_url,
                "token_url": auth.token_url,
                "userdata_url": auth.userdata_url,
                "username_claim": username_claim,
                "scope": list(auth.scope),
                "userdata_from_id_token": auth.userdata_from_id_token,
            }
        class_name = {
            Authenticator.GENERIC_OAUTH: "GenericOAuthenticator",
            Authenticator.GITHUB: "GitHubOAuthenticator",
            Authenticator.CILOGON: "CILogonOAuthenticator",
        }[auth.authenticator]
        config[class_name] = {k: v for k, v in oauth.items() if v is not None}

    if hub.branding.logo is not None:
        config["JupyterHub"]["logo_file"] = f"{LOGO_DIR}/{Path(hub.branding.logo).name}"
    values: dict[str, Any] = {
        "config": config,
        "extraConfig": hub_snippets(),
        "extraEnv": {
            variable: {"valueFrom": {"secretKeyRef": {"name": options.secret_name, "key": key}}}
            for variable, key in SECRET_ENVIRONMENT.items()
            if key in facts.secret_keys
        },
        # The hub reads the Secret only when it starts: a new version of it restarts the hub.
        "annotations": {SECRET_VERSION_ANNOTATION: facts.secrets_version},
        "templatePaths": [TEMPLATES_PATH],
        "templateVars": {
            "platform_title": hub.branding.title,
            "accent_color": hub.branding.accent_color,
            # Every page of a non-production hub says so, in the accent colour.
            "announcement": None if options.production else environment_banner(options.tier, options.prefix),
        },
        "extraFiles": _branding_files(options),
        # The hub is one Python event loop: a class starting together keeps one core busy, and a
        # limit of two never throttles it. Memory grows with users and open spawns; 2 GiB is four
        # times what a hub of a few hundred students holds.
        "resources": resources("200m", "512Mi", cpu_limit="2", memory_limit="2Gi"),
        "tolerations": node_loss_tolerations(HUB_NODE_LOSS_TOLERATION_SECONDS),
        "extraPodSpec": {"topologySpreadConstraints": [HUB_AND_PROXY_APART]},
        "networkPolicy": {
            "enabled": True,
            "ingress": _metrics_ingress(facts),
            "egressAllowRules": NO_METADATA_SERVICE,
        },
        # The health check's service: z2jh generates its token into the hub's Secret, where the
        # delivery workflow reads it (`hub.services.health-check.apiToken`).
        "services": {HEALTH_CHECK_SERVICE: {}},
        "loadRoles": {**HEALTH_CHECK_ROLE, **_metrics_role(facts)},
        # Beyond this many starting at once the hub refuses a start (429, retry in 30-60 s); sized
        # for the largest class that starts together.
        "concurrentSpawnLimit": options.concurrent_spawn_limit,
        # Never restart the hub over failed spawns: a spot shortage must not stop a running class.
        "consecutiveFailureLimit": 0,
    }
    if "database-url" in facts.secret_keys:
        values["db"] = {"type": "postgres"}  # the URL comes from the Secret (HUB_DB_URL)
    elif facts.storage_class is not None:
        values["db"] = {"type": "sqlite-pvc", "pvc": {"storageClassName": facts.storage_class}}
    return values


def _singleuser(options: JupyterHubOptions, facts: ClusterFacts) -> dict[str, Any]:
    hub, resources = options.hub, options.hub.resources
    values: dict[str, Any] = {
        # KubeSpawner expands these per user; {user_server} is the escaped user (and server) name.
        "podNameTemplate": f"{options.prefix}-jupyter-{{user_server}}",
        "image": {"name": hub.singleuser_image.name, "tag": hub.singleuser_image.tag},
        # In bytes: JupyterHub reads "2G" as 2 GiB, Kubernetes (the placeholders' pods) as 2e9.
        "memory": {"guarantee": _bytes(resources.memory_guarantee), "limit": _bytes(resources.memory_limit)},
        "startTimeout": SERVER_START_TIMEOUT_SECONDS,
        "cpu": {"guarantee": resources.cpu_guarantee, "limit": resources.cpu_limit},
        # The instance metadata service holds the node's credentials: never reachable from a server.
        # Two things keep it away, so z2jh's privileged, root, NET_ADMIN init container that adds an
        # iptables rule to every server is not needed: the server's network policy admits no
        # traffic to it, and the nodes answer a token request only within one hop (a pod is two).
        "cloudMetadata": {"blockWithIptables": False},
        "networkPolicy": {"enabled": True, "egressAllowRules": NO_METADATA_SERVICE},
        "storage": _storage(options, facts),
        "extraFiles": {
            "hub-auth-cache": {
                "mountPath": SERVER_CONFIG_PATH,
                "data": {"HubOAuth": {"cache_max_age": HUB_AUTH_CACHE_SECONDS}},
            }
        },
    }
    if options.home_storage in SHARED_FILESYSTEMS:
        values["initContainers"] = [home_init_container(options)]
    return values


def _metrics_role(facts: ClusterFacts) -> dict[str, Any]:
    """The `prometheus` service may read the hub's metrics, and nothing else. Chosen over
    `authenticate_prometheus = False`: /hub/metrics is also reachable through the proxy, from the
    internet, and would tell anyone how many students are online and who starts servers."""
    if "metrics-token" not in facts.secret_keys:
        return {}
    return {METRICS_SERVICE: {"services": [METRICS_SERVICE], "scopes": ["read:metrics"]}}


def _metrics_ingress(facts: ClusterFacts) -> list[dict[str, Any]]:
    """The hub's network policy admits the Prometheus pods of the stack's monitoring namespace."""
    if facts.monitoring_namespace is None:
        return []
    return [
        {
            "ports": [{"port": "http"}],
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": facts.monitoring_namespace}},
                    "podSelector": {"matchLabels": dict(PROMETHEUS_POD_LABELS)},
                }
            ],
        }
    ]


def _proxy_network_policy() -> dict[str, Any]:
    """Students reach the proxy only through Traefik; z2jh's default admits its port from anywhere.

    Traefik's pods in whatever namespace: a review stack's hub is behind the test stack's Traefik.
    """
    return {
        "allowedIngressPorts": [],
        "ingress": [
            {
                "ports": [{"port": "http"}],
                "from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": dict(TRAEFIK_POD_LABELS)}}],
            }
        ],
        "egressAllowRules": NO_METADATA_SERVICE,
    }


def _pre_puller(options: JupyterHubOptions) -> dict[str, Any]:
    # Every container of the pullers only echoes or sleeps once its image is on the node (the
    # kubelet does the pulling); each runs on every user node, so they ask for next to nothing.
    tiny = resources("10m", "16Mi", cpu_limit="100m", memory_limit="64Mi")
    return {
        "resources": tiny,
        # The awaiter Job polls the API server until the pullers are done: one small Go process.
        "hook": {"resources": resources("10m", "32Mi", cpu_limit="100m", memory_limit="128Mi")},
        # The image puller is a DaemonSet: on nodes another stack owns, each review stack's would
        # take one more pod address on every node from that stack's students.
        "continuous": {"enabled": not options.shares_user_nodes},
    }


def node_loss_tolerations(seconds: int) -> list[dict[str, Any]]:
    """Evicted this long after the node is lost, instead of Kubernetes' default 300 s."""
    return [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds}
        for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
    ]


def _bytes(quantity: str | None) -> int | None:
    return quantity_bytes(quantity) if quantity else None


def _storage(options: JupyterHubOptions, facts: ClusterFacts) -> dict[str, Any]:
    storage, kind = options.hub.storage, options.home_storage
    if kind == "ebs":
        return {
            "type": "dynamic",
            "capacity": storage.capacity,
            "dynamic": {
                "storageClass": facts.storage_class,
                "pvcNameTemplate": f"{options.prefix}-claim-{{user_server}}",
                "volumeNameTemplate": "home",
            },
        }
    if kind == "none":
        return {"type": "none"}
    # A shared filesystem: each user sees only their own sub-directory, {username} expanded and
    # escaped by KubeSpawner (see the README).
    source: dict[str, Any] = (
        {"hostPath": {"path": storage.host_path, "type": "Directory"}}
        if kind == "host-path"
        else {"persistentVolumeClaim": {"claimName": facts.home_claim}}
    )
    return {
        "type": "none",
        "extraVolumes": [{"name": "shared-filesystem", **source}],
        "extraVolumeMounts": [
            {
                "name": "shared-filesystem",
                "mountPath": "/home/jovyan",
                "subPath": f"{storage.homes_sub_path}/{{username}}",
            }
        ],
    }


def home_init_container(options: JupyterHubOptions) -> dict[str, Any]:
    """Creates a new user's home on the shared filesystem, owned by the notebook user (1000:100).

    Left to the kubelet, a missing sub-directory is created by root and the server cannot write
    to it. The mount points of shared folders inside the home are made here too, for the same
    reason. The export must let root create directories (no root squashing), or homes must exist.
    """
    storage = options.hub.storage
    home = f"/filesystem/{storage.homes_sub_path}/{{username}}"
    inside = [
        f"{home}/{storage.shared_mount_path.removeprefix('/home/jovyan/')}/{f.name}" for f in storage.shared_folders
    ]
    shared_inside = storage.shared_mount_path.startswith("/home/jovyan/")
    directories = " ".join([home, *(inside if shared_inside else [])])
    return {
        "name": "make-home",
        "image": f"{options.hub.singleuser_image.name}:{options.hub.singleuser_image.tag}",
        "command": ["sh", "-c", f"mkdir -p {directories} && chown 1000:100 {directories}"],
        # Root with two capabilities: CHOWN to hand the directories to the notebook user, and
        # DAC_OVERRIDE to make the shared folders' mount points inside a home that is already the
        # notebook user's. Nothing else, and no way to gain more.
        "securityContext": {
            **RESTRICTED_CONTAINER,
            "runAsUser": 0,
            "runAsNonRoot": False,
            "capabilities": {"drop": ["ALL"], "add": ["CHOWN", "DAC_OVERRIDE"]},
        },
        # A shell, mkdir and chown, once per server start.
        "resources": resources("10m", "16Mi", cpu_limit="100m", memory_limit="64Mi"),
        "volumeMounts": [{"name": "shared-filesystem", "mountPath": "/filesystem"}],
    }


def _scheduling(options: JupyterHubOptions, facts: ClusterFacts) -> dict[str, Any]:
    # On EKS, user servers must land on the spot user nodes and the hub on core nodes; a cluster
    # from a kubeconfig (kind) labels nothing, so there it is only a preference.
    match = "require" if options.on_eks else "prefer"
    return {
        # The cluster's own kube-scheduler version; the hub component grants what it needs.
        "userScheduler": {
            "enabled": True,
            "image": {"tag": scheduler_image_tag(facts.kubernetes_version)},
            # kube-scheduler keeps every node and pod of the cluster in memory: a few hundred
            # student pods take tens of MiB; it works in bursts when a class starts.
            "resources": resources("50m", "128Mi", cpu_limit="500m", memory_limit="512Mi"),
        },
        "podPriority": {"enabled": True, "userPlaceholderPriority": USER_PLACEHOLDER_PRIORITY},
        "userPlaceholder": {"enabled": options.placeholders > 0, "replicas": options.placeholders},
        "corePods": {"nodeAffinity": {"matchNodePurpose": match}},
        "userPods": {"nodeAffinity": {"matchNodePurpose": match}},
    }


def _ingress(facts: ClusterFacts) -> dict[str, Any]:
    if facts.hostname is None:
        return {"enabled": False}
    values: dict[str, Any] = {"enabled": True, "hosts": [facts.hostname], "pathType": "Prefix"}
    if facts.ingress_class is not None:
        values["ingressClassName"] = facts.ingress_class
    return values


def _custom(options: JupyterHubOptions) -> dict[str, Any]:
    """What the snippets in hub_config/ read with z2jh's get_config("custom.<key>")."""
    hub = options.hub
    return {
        # Bytes and CPUs as numbers, so the hub compares groups without parsing quantities.
        "groups": {
            name: {
                key: value
                for key, value in {
                    "memGuarantee": quantity_bytes(group.memory_guarantee) if group.memory_guarantee else None,
                    "memLimit": quantity_bytes(group.memory_limit) if group.memory_limit else None,
                    "cpuGuarantee": group.cpu_guarantee,
                    "cpuLimit": group.cpu_limit,
                    "image": group.image,
                }.items()
                if value is not None
            }
            for name, group in sorted(hub.groups.items())
        },
        "sharedFolders": [
            {
                "name": folder.name,
                "subPath": folder.sub_path,
                "readWrite": sorted(folder.read_write_groups),
                "readOnly": sorted(folder.read_only_groups),
            }
            for folder in hub.storage.shared_folders
        ],
        "sharedMountPath": hub.storage.shared_mount_path,
    }


def _branding_files(options: JupyterHubOptions) -> dict[str, Any]:
    files: dict[str, Any] = {
        "page-template": {
            "mountPath": f"{TEMPLATES_PATH}/page.html",
            "stringData": (BRANDING_DIR / "page.html").read_text(),
        }
    }
    logo = options.hub.branding.logo
    if logo is not None:
        files["logo"] = {
            "mountPath": f"{LOGO_DIR}/{Path(logo).name}",
            "binaryData": _base64(REPOSITORY / logo),
        }
    return files


def _base64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()
