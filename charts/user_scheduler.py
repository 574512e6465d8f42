"""z2jh's user scheduler at the cluster's Kubernetes version, and the permissions that version needs.

Invariant guarded here: the user scheduler runs the kube-scheduler of the cluster's own minor
version (the version skew policy allows no newer one and at most one minor older), and may do
everything that version does. z2jh 4.4.0's ClusterRole for it is kube-scheduler 1.30's; newer
schedulers start informers on more APIs, and kube-scheduler schedules nothing until every
informer has synced, so a forbidden list leaves every student's server Pending.
"""

from dataclasses import dataclass

# The newest patch release of each minor version (kubernetes/kube-scheduler release tags,
# registry.k8s.io/kube-scheduler), one per minor the settings accept. Move a tag only to a
# release of the same minor.
SCHEDULER_TAGS = {
    "1.30": "v1.30.14",
    "1.31": "v1.31.14",
    "1.32": "v1.32.13",
    "1.33": "v1.33.13",
    "1.34": "v1.34.10",
    "1.35": "v1.35.7",
    "1.36": "v1.36.3",
}

_READ = ("get", "list", "watch")
_READ_UPDATE = (*_READ, "patch", "update")


@dataclass(frozen=True)
class Rule:
    """One rule of a ClusterRole: verbs on resources of an API group (on named objects only, if given)."""

    api_group: str
    resources: tuple[str, ...]
    verbs: tuple[str, ...]
    resource_names: tuple[str, ...] = ()


def _added_rules(lock_lease: str) -> list[tuple[int, Rule]]:
    """What the system:kube-scheduler ClusterRole gained after 1.30, by the minor that added it
    (kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go; z2jh's main branch
    carries the same rules in templates/scheduling/user-scheduler/rbac.yaml)."""
    coordination, resource = "coordination.k8s.io", "resource.k8s.io"
    write_all = (*_READ_UPDATE, "create", "delete", "deletecollection")
    return [
        # Coordinated leader election (off by default, but in the role since 1.31).
        (31, Rule(coordination, ("leasecandidates",), write_all)),
        (31, Rule(coordination, ("leases",), ("list", "watch"), (lock_lease,))),
        # NodeVolumeLimits counts volume attachments (kubernetes PR #127757).
        (32, Rule("storage.k8s.io", ("volumeattachments",), _READ)),
        # Dynamic resource allocation is on by default from 1.34 (GA).
        (34, Rule(resource, ("deviceclasses", "resourceslices"), _READ)),
        (34, Rule(resource, ("resourceclaims", "resourceclaims/status"), _READ_UPDATE)),
        (34, Rule("", ("pods/finalizers",), ("update",))),
        # DRAExtendedResource and granular claim status authorization, beta and on in 1.36.
        (36, Rule(resource, ("resourceclaims",), ("create", "delete"))),
        (36, Rule(resource, ("resourceclaims/binding",), ("patch", "update"))),
    ]


def _minor(kubernetes_version: str) -> int:
    return int(kubernetes_version.split(".")[1])


def scheduler_image_tag(kubernetes_version: str) -> str:
    """The kube-scheduler release for a cluster of this minor version, like `v1.35.7` for 1.35."""
    return SCHEDULER_TAGS[kubernetes_version]


def newer_scheduler_rules(kubernetes_version: str, lock_lease: str) -> list[Rule]:
    """The rules kube-scheduler of this minor version needs beyond z2jh 4.4.0's ClusterRole."""
    minor = _minor(kubernetes_version)
    return [rule for since, rule in _added_rules(lock_lease) if since <= minor]
