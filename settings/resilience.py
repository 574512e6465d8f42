"""What a failure costs: the figures the platform recovers by, and the table the README shows.

Invariant guarded here: every duration a student is told about (in the README's failure table,
in the plan's zone line) is worked out from the values the platform really configures, and those
values are set from here (charts/jupyterhub.py reads them), so the table cannot drift from them.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from settings.model import StackSettings

# kube-controller-manager's node-monitor-grace-period (50 s since Kubernetes 1.32; EKS keeps
# the default): a node is NotReady this long after its kubelet last reported.
NODE_MONITOR_GRACE_SECONDS = 50

# How long the hub and proxy stay bound to a node the control plane has lost (NotReady or
# unreachable, declared NODE_MONITOR_GRACE_SECONDS after its last status) before they are evicted
# and started on another core node; Kubernetes' default is 300 s, a class without its hub for
# six minutes. The proxy holds nothing (the hub re-adds its routes), and a second one beside a
# cut-off first does no harm: 30 s. The hub is different: a node that is only cut off from the
# control plane keeps its hub running beside the replacement, both on the same database, and
# JupyterHub is not built to run twice (each would cull, and sync the proxy's routes to what it
# knows). 60 s rides out what mostly heals by itself (a kubelet restart, the API server's
# endpoint changing during a control-plane upgrade) and still brings the hub back in about two
# minutes when a node is really gone.
HUB_NODE_LOSS_TOLERATION_SECONDS = 60
PROXY_NODE_LOSS_TOLERATION_SECONDS = 30
# The hub re-adds a restarted proxy's routes in `update_last_activity`, every
# last_activity_interval (jupyterhub/app.py; z2jh sets 60 s, JupyterHub's default is 300 s).
# Until then a student's requests reach the hub, which can only redirect them back: at most 25 s.
ROUTE_CHECK_INTERVAL_SECONDS = 25
# A running server asks the hub who a request's token belongs to and caches the answer
# (HubOAuth.cache_max_age, default 300 s). An entry expires this long after it was cached, used
# or not: while the hub restarts, a student whose entry is younger than this keeps working, one
# whose entry expires meanwhile gets an error until the hub is back. Longer covers more restarts
# and costs as much delay when a user is removed or a token revoked: 10 minutes.
HUB_AUTH_CACHE_SECONDS = 600

# Measured orders of magnitude, not settings: the time a core-node pod takes to start with its
# image cached, the time RDS takes to point its name at the standby ("typically 60-120 seconds",
# RDS user guide, Multi-AZ failover), and the spot interruption notice EC2 gives.
POD_RESTART_SECONDS = 20
RDS_FAILOVER_SECONDS = 120
SPOT_NOTICE_SECONDS = 120
# The attach-detach controller force-detaches a volume from a lost node after 6 minutes
# (maxWaitForUnmountDuration): a SQLite hub on a lost node waits that long for its volume.
FORCE_DETACH_SECONDS = 360


@dataclass(frozen=True)
class FailureCost:
    failure: str
    student_sees: str
    platform_does: str


def _minutes(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"


def pinned_state(settings: "StackSettings") -> list[str]:
    """The stack's state that lives in one zone: lost, or out of reach, with that zone."""
    pinned = []
    if settings.home_storage_kind == "ebs":
        pinned.append("home directories (an EBS volume per student, in the zone it was made in)")
    database = settings.hub_database_kind
    if database == "sqlite":
        pinned.append("the hub's database (SQLite on an EBS volume in one zone)")
    if database == "rds" and not settings.policy.database_standby_in_another_zone:
        pinned.append("the hub's database (RDS without a standby in another zone)")
    return pinned


def zone_line(settings: "StackSettings") -> str:
    """One line for the plan: what this stack keeps in a single zone."""
    pinned = pinned_state(settings)
    if not pinned:
        return "State pinned to one zone: none (homes and the hub's database are reachable from every zone)"
    return "State pinned to one zone: " + "; ".join(pinned)


def failure_costs(settings: "StackSettings") -> list[FailureCost]:
    """What a student sees, and for how long, when each part of the platform fails."""
    hub_back = NODE_MONITOR_GRACE_SECONDS + HUB_NODE_LOSS_TOLERATION_SECONDS + POD_RESTART_SECONDS
    proxy_back = NODE_MONITOR_GRACE_SECONDS + PROXY_NODE_LOSS_TOLERATION_SECONDS + POD_RESTART_SECONDS
    routes_back = POD_RESTART_SECONDS + ROUTE_CHECK_INTERVAL_SECONDS
    database = settings.hub_database_kind
    homes = settings.home_storage_kind
    running = (
        f"Running notebooks keep working while their cached login lasts (up to {_minutes(HUB_AUTH_CACHE_SECONDS)})"
    )
    if database == "sqlite":
        hub_on_lost_node = (
            f"The hub is back in {_minutes(hub_back + FORCE_DETACH_SECONDS)} (its SQLite volume is "
            "force-detached after 6 min), and only on a core node in the volume's zone"
        )
    else:
        hub_on_lost_node = f"The hub is back in about {_minutes(hub_back)}, on a core node in any zone"
    if homes == "ebs":
        homes_in_zone = "students whose EBS home is in that zone cannot start until it returns"
    elif homes in ("efs", "nfs"):
        homes_in_zone = "homes stay reachable from the other zones"
    else:
        homes_in_zone = "homes are as reachable as the filesystem behind them"
    if database == "rds" and settings.policy.database_standby_in_another_zone:
        database_in_zone = f"the database fails over to its standby in about {_minutes(RDS_FAILOVER_SECONDS)}"
    elif database == "url":
        database_in_zone = "the hub's own database is as available as its operator made it"
    else:
        database_in_zone = "if the hub's database was in that zone, the hub stays down until the zone returns"
    rows = [
        FailureCost(
            "Hub pod lost",
            f"{running}; logging in and starting or stopping a server fail for about {_minutes(POD_RESTART_SECONDS)}",
            "The Deployment starts a new hub; it finds the running servers in its database",
        ),
        FailureCost(
            "Proxy pod lost",
            f"Every open connection drops; pages fail for up to {_minutes(routes_back)}, then work "
            "again (kernels keep running)",
            f"The Deployment starts a new proxy; the hub re-adds every route within {ROUTE_CHECK_INTERVAL_SECONDS} s",
        ),
        FailureCost(
            "Core node lost",
            f"If the proxy was on it: pages fail for about {_minutes(proxy_back + ROUTE_CHECK_INTERVAL_SECONDS)}. "
            f"If the hub was: {running.lower()}, no logins meanwhile",
            f"{hub_on_lost_node}; the proxy in about {_minutes(proxy_back)}; the node group replaces the node",
        ),
        FailureCost(
            "Spot user node reclaimed",
            f"The students on it lose their running kernels {_minutes(SPOT_NOTICE_SECONDS)} after EC2's notice "
            "(saved files stay) and start again on another node",
            "The termination handler drains the node; placeholders or the autoscaler make room",
        ),
        FailureCost(
            "A whole zone lost",
            f"Students on that zone's nodes as for a reclaimed node; {homes_in_zone}",
            f"User nodes start in the other zones; {database_in_zone}; hub and proxy as for a core node",
        ),
    ]
    if database == "rds":
        standby = settings.policy.database_standby_in_another_zone
        rows.append(
            FailureCost(
                "RDS failover" if standby else "RDS instance lost",
                f"{running}; logging in and starting servers fail for about "
                + (_minutes(RDS_FAILOVER_SECONDS) if standby else "the time RDS takes to recover or restore"),
                "RDS moves its name to the standby in another zone"
                if standby
                else "RDS restarts the instance, or an operator restores the latest backup",
            )
        )
    return rows


def failure_table(settings: "StackSettings") -> str:
    """The failure table, as Markdown."""
    lines = ["| What fails | What a student sees | What the platform does |", "| --- | --- | --- |"]
    lines += [f"| {row.failure} | {row.student_sees} | {row.platform_does} |" for row in failure_costs(settings)]
    return "\n".join(lines)
