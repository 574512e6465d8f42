"""What kind of environment a stack is, and the rules that follow from it.

Invariant guarded here: every rule that differs between production and the other environments
reads the tier through `policy_for`, never the stack name, so a stack called `prod2` or
`pr-123` behaves as its declared tier says.
"""

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"
    REVIEW = "review"


@dataclass(frozen=True)
class TierPolicy:
    """The tier-dependent rules, in one place."""

    protect_stateful_resources: bool
    """`protect` on resources whose loss cannot be undone by another `pulumi up` (addresses that
    other systems allow-list, storage)."""

    nat_gateway_per_zone: bool
    """One NAT gateway per zone, so a zone outage does not cut every user off the internet; a
    single one elsewhere saves roughly 30 USD a month per zone."""

    min_replicas: int
    """Replicas of the shared, stateless services (ingress, controllers)."""

    allow_shared_password_login: bool
    """Whether a dummy/shared-password authenticator may be configured."""

    user_placeholders: int
    """Empty pods holding room for that many students, so a class does not wait for new nodes."""

    idle_timeout_minutes: int
    """Servers idle this long are stopped (their files stay)."""

    max_age_hours: int
    """Servers running this long are stopped, idle or not."""

    concurrent_spawn_limit: int
    """Servers that may be starting at once; JupyterHub refuses more (HTTP 429), it does not queue them."""

    hub_database_on_rds: bool
    """The hub's database on RDS (any zone) rather than SQLite on a volume (one zone), by default."""

    database_standby_in_another_zone: bool
    """RDS Multi-AZ: a standby that takes over in a minute or two when the database's zone fails."""

    monitoring_by_default: bool
    """Prometheus, Grafana, alerts and AWS alarms, unless the stack says otherwise."""

    backup_retention_days: int
    """Days a daily backup of the students' homes is kept."""


_DISPOSABLE = TierPolicy(
    protect_stateful_resources=False,
    nat_gateway_per_zone=False,
    min_replicas=1,
    allow_shared_password_login=True,
    user_placeholders=0,
    idle_timeout_minutes=30,
    max_age_hours=4,
    concurrent_spawn_limit=50,
    hub_database_on_rds=False,
    database_standby_in_another_zone=False,
    monitoring_by_default=False,
    backup_retention_days=7,
)

_POLICIES: dict[Tier, TierPolicy] = {
    Tier.PRODUCTION: TierPolicy(
        protect_stateful_resources=True,
        nat_gateway_per_zone=True,
        min_replicas=2,
        allow_shared_password_login=False,
        user_placeholders=20,
        idle_timeout_minutes=60,
        max_age_hours=12,
        # A class of a few hundred clicking "start" in the same minute.
        concurrent_spawn_limit=300,
        hub_database_on_rds=True,
        database_standby_in_another_zone=True,
        monitoring_by_default=True,
        # A term's coursework: a student who notices a lost notebook weeks later still gets it back.
        backup_retention_days=35,
    ),
    # Staging runs the production replica counts so that it rehearses what production runs,
    # but it may be torn down and rebuilt, and it shares one NAT gateway.
    Tier.STAGING: TierPolicy(
        protect_stateful_resources=False,
        nat_gateway_per_zone=False,
        min_replicas=2,
        allow_shared_password_login=False,
        user_placeholders=5,
        idle_timeout_minutes=30,
        max_age_hours=4,
        concurrent_spawn_limit=300,
        hub_database_on_rds=True,
        # Staging rehearses the database, not the standby's price (twice the instance).
        database_standby_in_another_zone=False,
        monitoring_by_default=True,
        backup_retention_days=7,
    ),
    Tier.DEVELOPMENT: _DISPOSABLE,
    # Review stacks are as disposable as development ones (and run on the test stack's cluster).
    Tier.REVIEW: _DISPOSABLE,
}


def policy_for(tier: Tier) -> TierPolicy:
    return _POLICIES[tier]
