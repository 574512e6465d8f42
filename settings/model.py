"""The typed settings of one stack: every value the program reads from its config.

Invariant guarded here: a stack whose config validates against `StackConfig` can be deployed;
everything a user can get wrong is caught by a field type, a field validator or a
`model_validator`, with no network call. The README's configuration reference is generated from
these fields, so every field has a description saying what it is, its unit and why its default.
"""

import math
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator
from pydantic.alias_generators import to_camel

from settings.calendar import (
    CalendarSettings,
    ScheduledMinimum,
    longest_session_minutes,
    most_at_once,
    nodes_per_zone,
    scheduled_minimums,
    weekly_holds,
)
from settings.capacity import (
    allocatable_cpu,
    allocatable_memory,
    ebs_volume_attach_limit,
    stack_capacity,
)
from settings.cluster import ClusterMode, ClusterSettings
from settings.hub import OAUTH, SHARED_FILESYSTEMS, Authenticator, HubSettings, StorageKind
from settings.naming import prefix_problems, prefixed
from settings.network import NetworkSettings
from settings.operations import BackupSettings, BudgetSettings, MonitoringSettings
from settings.platform import IngressSettings, PrerequisitesSettings
from settings.tiers import Tier, TierPolicy, policy_for
from settings.types import PLATFORM_TAG_KEYS, AwsAccountId, AwsRegion, KeyedError, SettingsModel, TagKey, TagValue


def _check_stack_name(stack: str) -> str:
    problems = prefix_problems(stack)
    if problems:
        raise ValueError("; ".join(problems))
    return stack


class StackConfig(SettingsModel):
    """Everything a stack file says. Keys without a namespace live in this project's namespace."""

    tier: Tier = Field(
        description=(
            "What this stack is: `production`, `staging`, `development` or `review`. Rules that differ "
            "between environments (protection of stateful resources, NAT gateways, replica counts, "
            "allowed authenticators) follow the tier, never the stack name."
        ),
    )
    aws_region: AwsRegion = Field(
        alias="aws:region",
        description=(
            "AWS region of every resource (the AWS provider's own key). Pick one close to the students "
            "with at least 3 availability zones."
        ),
    )
    aws_account_id: AwsAccountId | None = Field(
        default=None,
        description=(
            "The AWS account this stack belongs to. When set, the AWS provider refuses to touch any other "
            "account, so production config cannot land in a development account by a wrong profile."
        ),
    )
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        description=(
            "Extra tags on every AWS resource, for example a cost centre or an owner's e-mail. The program "
            f"always sets {', '.join(PLATFORM_TAG_KEYS)} itself."
        ),
    )
    network: NetworkSettings = Field(
        default_factory=NetworkSettings,
        description="`eks` mode: the VPC, created by the program or an existing one.",
    )
    cluster: ClusterSettings = Field(
        default_factory=ClusterSettings,
        description="The Kubernetes cluster: created by the program (`eks`), or an existing one.",
    )
    prerequisites: PrerequisitesSettings = Field(
        default_factory=PrerequisitesSettings,
        description="What the cluster needs before the hub; each can be switched off. None in `stack` mode.",
    )
    ingress: IngressSettings = Field(
        default_factory=IngressSettings,
        description="How students reach the hub: hostname, TLS certificate, DNS.",
    )
    hub: HubSettings = Field(
        description="The JupyterHub release: login, resources per group, storage, images, branding.",
    )
    monitoring: MonitoringSettings = Field(
        default_factory=MonitoringSettings, description="Metrics, dashboards and alerts, and who is told."
    )
    backup: BackupSettings = Field(default_factory=BackupSettings, description="`eks`: backups of students' homes.")
    budget: BudgetSettings = Field(default_factory=BudgetSettings, description="`eks`: what the stack may cost.")
    calendar: CalendarSettings = Field(
        default_factory=CalendarSettings,
        description="`eks`: the week's classes; user nodes are held for each ahead of its start.",
    )

    @model_validator(mode="after")
    def _login_fits_the_tier(self) -> Self:
        auth = self.hub.auth
        if (
            auth.authenticator is Authenticator.SHARED_PASSWORD
            and not policy_for(self.tier).allow_shared_password_login
        ):
            raise KeyedError(
                "hub.auth.authenticator",
                f"shared-password is for development and review stacks, not {self.tier.value}: use an OAuth login",
                auth.authenticator.value,
            )
        lets_anyone_in = not (auth.allowed_users or auth.allowed_groups or auth.allow_all)
        if auth.authenticator in OAUTH and self.tier in (Tier.PRODUCTION, Tier.STAGING) and lets_anyone_in:
            raise KeyedError(
                "hub.auth.allowedGroups",
                f"or allowedUsers is required for a {self.tier.value} stack: without one the "
                f"{auth.authenticator.value} login lets in everyone the provider accepts (set allowAll: true if meant)",
            )
        hostname, callback = self.ingress.hostname, auth.callback_url
        if callback is not None and hostname is not None and urlsplit(callback).hostname != hostname:
            raise KeyedError(
                "hub.auth.callbackUrl", f"must be on the hub's own hostname {hostname} (ingress.hostname)", callback
            )
        needs_hostname = auth.authenticator in OAUTH and auth.callback_url is None
        # (a review stack's hostname comes from the test stack's review domain)
        if needs_hostname and self.ingress.hostname is None and self.cluster.mode is not ClusterMode.STACK:
            raise KeyedError("ingress.hostname", "is required for an OAuth login: the callback URL is built from it")
        return self

    @property
    def home_storage_kind(self) -> StorageKind:
        """Where homes live: as configured, else EFS on a cluster of the stack's own, else the cluster's volumes."""
        return self.hub.storage.kind or ("efs" if self.cluster.mode is ClusterMode.EKS else "ebs")

    @property
    def hub_database_kind(self) -> Literal["sqlite", "rds", "url"]:
        """Where the hub's state lives: RDS, a database of the operator's own (`url`), or SQLite on a volume."""
        if self.hub.database_url is not None:
            return "url"
        rds_by_default = self.cluster.mode is ClusterMode.EKS and policy_for(self.tier).hub_database_on_rds
        return self.hub.database.kind or ("rds" if rds_by_default else "sqlite")

    @model_validator(mode="after")
    def _state_has_a_home(self) -> Self:
        mode = self.cluster.mode
        if mode is not ClusterMode.EKS:
            # RDS and EFS live in the stack's own VPC, which only mode eks builds.
            if self.hub.database.kind == "rds":
                raise KeyedError(
                    "hub.database.kind", f"rds needs a VPC of the stack's own: not in cluster mode {mode.value}", "rds"
                )
            if self.hub.storage.kind == "efs":
                raise KeyedError(
                    "hub.storage.kind", f"efs needs a VPC of the stack's own: not in cluster mode {mode.value}", "efs"
                )
        storage = self.home_storage_kind
        if self.hub.storage.shared_folders and storage not in SHARED_FILESYSTEMS:
            raise KeyedError(
                "hub.storage.sharedFolders", f"needs a shared filesystem: kind efs, nfs or host-path, not {storage}"
            )
        no_volumes = mode is ClusterMode.EKS and not self.prerequisites.ebs_csi_driver.enabled
        if no_volumes and self.hub_database_kind == "sqlite":
            raise KeyedError(
                "hub.database.kind",
                "is sqlite, but prerequisites.ebsCsiDriver is off: without volumes SQLite has no home (use rds)",
                "sqlite",
            )
        if no_volumes and storage == "ebs":
            raise KeyedError("hub.storage.kind", "is ebs, but prerequisites.ebsCsiDriver is off", "ebs")
        return self

    @model_validator(mode="after")
    def _prerequisites_fit_the_mode(self) -> Self:
        mode = self.cluster.mode
        given = self.prerequisites.model_fields_set
        if mode is ClusterMode.STACK and given:
            raise KeyedError("prerequisites", "does not apply in cluster mode stack: the referenced stack runs them")
        eks_only = sorted(given & {"ebs_csi_driver", "node_termination_handler", "cluster_autoscaler"})
        if mode is not ClusterMode.EKS and eks_only:
            raise KeyedError(f"prerequisites.{to_camel(eks_only[0])}", f"does not apply in cluster mode {mode.value}")
        traefik = self.prerequisites.traefik
        if mode is ClusterMode.EKS and traefik.service_type != "LoadBalancer":
            raise KeyedError(
                "prerequisites.traefik.serviceType", "must be LoadBalancer in mode eks", traefik.service_type
            )
        return self

    @model_validator(mode="after")
    def _ingress_fits_the_mode(self) -> Self:
        ingress, mode = self.ingress, self.cluster.mode
        aws_only = sorted(
            k for k in ("certificate_arn", "hosted_zone_id", "review_domain") if getattr(ingress, k) is not None
        )
        if mode is not ClusterMode.EKS and aws_only:
            raise KeyedError(f"ingress.{to_camel(aws_only[0])}", f"does not apply in cluster mode {mode.value}")
        if ingress.hosted_zone_id is not None and ingress.hostname is None:
            raise KeyedError("ingress.hostedZoneId", "needs hostname: the record to create is the hub's hostname")
        if ingress.review_domain is not None and ingress.hosted_zone_id is None:
            raise KeyedError("ingress.reviewDomain", "needs hostedZoneId: the wildcard record goes in that zone")
        arn = ingress.certificate_arn
        if arn is not None and arn.split(":")[3] != self.aws_region:
            raise KeyedError("ingress.certificateArn", f"must be in the stack's region {self.aws_region}", arn)
        if arn is not None and self.aws_account_id is not None and arn.split(":")[4] != self.aws_account_id:
            raise KeyedError(
                "ingress.certificateArn", f"must belong to the stack's account awsAccountId {self.aws_account_id}", arn
            )
        if mode is ClusterMode.STACK and ingress.hostname is not None:
            raise KeyedError(
                "ingress.hostname",
                "does not apply in cluster mode stack: the hub is <stack>.<reviewDomain> of the referenced stack",
                ingress.hostname,
            )
        needs_tls = self.tier in (Tier.PRODUCTION, Tier.STAGING) and mode is ClusterMode.EKS
        if needs_tls and arn is None:
            raise KeyedError("ingress.certificateArn", f"is required for a {self.tier.value} stack: students log in")
        return self

    @model_validator(mode="after")
    def _monitoring_where_the_cluster_is_the_stack_s(self) -> Self:
        if self.monitoring.enabled and self.cluster.mode is ClusterMode.STACK:
            raise KeyedError(
                "monitoring.enabled", "does not apply in cluster mode stack: the referenced stack monitors the cluster"
            )
        return self

    @model_validator(mode="after")
    def _aws_operations_only_for_eks(self) -> Self:
        for key in ("backup", "budget", "calendar"):
            if key in self.model_fields_set and self.cluster.mode is not ClusterMode.EKS:
                raise KeyedError(
                    key, f"does not apply in cluster mode {self.cluster.mode.value}: no AWS account is used"
                )
        return self

    @model_validator(mode="after")
    def _network_only_for_eks(self) -> Self:
        if "network" in self.model_fields_set and self.cluster.mode is not ClusterMode.EKS:
            raise KeyedError("network", f"does not apply in cluster mode {self.cluster.mode.value}: no VPC is made")
        return self

    @model_validator(mode="after")
    def _review_stacks_share_a_cluster(self) -> Self:
        # A cluster of its own per pull request would cost a control plane, NAT gateways and Elastic
        # IPs (5 per region by default) each; review stacks deploy onto the test cluster instead.
        if self.tier is Tier.REVIEW and self.cluster.mode is ClusterMode.EKS:
            raise KeyedError("cluster.mode", "must be stack or kubeconfig for a review stack", "eks")
        return self

    @model_validator(mode="after")
    def _production_core_survives_a_node(self) -> Self:
        core = self.cluster.core_nodes
        if self.tier is Tier.PRODUCTION and self.cluster.mode is ClusterMode.EKS and core.min_size < 2:
            raise KeyedError(
                "cluster.coreNodes.minSize", "must be at least 2 in production, in at least 2 zones", core.min_size
            )
        return self

    @model_validator(mode="after")
    def _production_ingress_survives_a_node(self) -> Self:
        replicas = self.prerequisites.traefik.replicas
        if self.tier is Tier.PRODUCTION and replicas is not None and replicas < 2:
            raise KeyedError("prerequisites.traefik.replicas", "must be at least 2 in production", replicas)
        return self

    @model_validator(mode="after")
    def _service_range_apart_from_the_vpc(self) -> Self:
        vpc, services = self.network.vpc_cidr, self.cluster.service_cidr
        if self.cluster.mode is ClusterMode.EKS and self.network.existing is None and vpc.overlaps(services):
            raise KeyedError("cluster.serviceCidr", f"overlaps network.vpcCidr {vpc}", str(services))
        return self

    @model_validator(mode="after")
    def _zones_in_region(self) -> Self:
        existing = self.network.existing
        if existing is None:
            return self
        zones = set(existing.private_subnet_ids) | set(existing.public_subnet_ids)
        foreign = sorted(z for z in zones if not z.startswith(self.aws_region))
        if foreign:
            raise KeyedError("network.existing", f"names zones outside the region {self.aws_region}", foreign)
        return self

    @model_validator(mode="after")
    def _production_names_its_account(self) -> Self:
        if self.tier is Tier.PRODUCTION and self.aws_account_id is None:
            raise KeyedError(
                "awsAccountId",
                "is required for a production stack, so that it can never be deployed into another account",
            )
        return self


class StackSettings(StackConfig):
    """A stack's config plus what Pulumi says about the stack itself."""

    project: str = Field(description="The Pulumi project name.")
    stack: Annotated[str, AfterValidator(_check_stack_name)] = Field(
        description="The Pulumi stack name; it is the prefix of every name the program builds.",
    )

    @property
    def prefix(self) -> str:
        return self.stack

    @property
    def policy(self) -> TierPolicy:
        return policy_for(self.tier)

    def name(self, *parts: str) -> str:
        """The stack-prefixed name of a thing: `settings.name("network")` is `dev-network`."""
        return prefixed(self.prefix, *parts)

    @property
    def volume_reclaim_policy(self) -> str:
        """The EBS StorageClass's reclaim policy: as configured, else kept in production."""
        configured = self.prerequisites.ebs_csi_driver.reclaim_policy
        return configured or ("Retain" if self.policy.protect_stateful_resources else "Delete")

    @property
    def ebs_volume_attach_limit(self) -> int:
        """The EBS CSI driver's attach limit: what the stack's smallest node really has room for."""
        cluster = self.cluster
        return ebs_volume_attach_limit([*cluster.user_nodes.instance_types, *cluster.core_nodes.instance_types])

    @property
    def traefik_replicas(self) -> int:
        return self.prerequisites.traefik.replicas or self.policy.min_replicas

    @property
    def user_placeholders(self) -> int:
        """As configured; else the tier's, or a tenth of the largest class (the held nodes take the
        class itself; placeholders keep room for the late and for the next class's early students)."""
        configured = self.hub.placeholders
        if configured is not None:
            return configured
        return max(self.policy.user_placeholders, math.ceil(self.largest_class / 10))

    @property
    def concurrent_spawn_limit(self) -> int:
        """As configured; else the tier's, or the largest class, which starts together."""
        return self.hub.concurrent_spawn_limit or max(self.policy.concurrent_spawn_limit, self.largest_class)

    @property
    def idle_timeout_minutes(self) -> int:
        return self.hub.idle_timeout_minutes or self.policy.idle_timeout_minutes

    @property
    def max_age_hours(self) -> int:
        return self.hub.max_age_hours or self.policy.max_age_hours

    @model_validator(mode="after")
    def _refers_to_another_stack(self) -> Self:
        referenced = self.cluster.stack
        if referenced is not None and referenced.split("/")[1:] == [self.project, self.stack]:
            raise KeyedError(
                "cluster.stack", "names this stack itself: name the stack whose cluster to use", referenced
            )
        return self

    @model_validator(mode="after")
    def _operations_have_what_they_watch(self) -> Self:
        monitoring, mode = self.monitoring, self.cluster.mode
        monitored = self.monitoring_enabled
        told = sorted({"alert_emails", "chat_webhook_url", "homes_alarm_gib"} & monitoring.model_fields_set)
        if told and not monitored and mode is ClusterMode.EKS:
            raise KeyedError(f"monitoring.{to_camel(told[0])}", "does nothing with monitoring off (monitoring.enabled)")
        if monitored and mode is ClusterMode.EKS and not self.prerequisites.ebs_csi_driver.enabled:
            raise KeyedError(
                "prerequisites.ebsCsiDriver.enabled",
                "is off, but monitoring keeps Prometheus' data on an EBS volume: switch monitoring off or keep it",
                False,
            )
        if self.budget.monthly_usd is not None and not monitoring.alert_emails:
            raise KeyedError(
                "budget.monthlyUsd", "tells nobody: its notices go to monitoring.alertEmails, which names no one"
            )
        if "backup" in self.model_fields_set and self.home_storage_kind not in ("efs", "ebs"):
            raise KeyedError(
                "backup", f"backs up homes on efs or ebs, not {self.home_storage_kind}: back that storage up yourself"
            )
        if mode is ClusterMode.EKS and not self.prerequisites.traefik.enabled:
            raise KeyedError(
                "prerequisites.traefik.enabled",
                "is off, but in mode eks Traefik is the hub's only way in (its IngressClass and load balancer)",
                False,
            )
        return self

    @model_validator(mode="after")
    def _a_user_node_holds_a_student(self) -> Self:
        if self.cluster.mode is not ClusterMode.EKS:
            return self
        everyone = [("resources", self.hub.resources)]
        for key, wanted in everyone + [(f"groups.{name}", group) for name, group in sorted(self.hub.groups.items())]:
            memory = wanted.memory_guarantee or self.hub.resources.memory_guarantee
            cpu = wanted.cpu_guarantee or self.hub.resources.cpu_guarantee
            fits = stack_capacity(self, memory, cpu)
            if fits.students < 1:
                bound = "memoryGuarantee" if fits.bounds["memory"] < 1 else "cpuGuarantee"
                node = fits.instance
                raise KeyedError(
                    f"hub.{key}.{bound}",
                    f"is more than a user node can give one server ({node.name}: "
                    f"{allocatable_memory(node) // 2**20} MiB and {allocatable_cpu(node):.2f} CPU for pods)",
                    memory if bound == "memoryGuarantee" else cpu,
                )
        return self

    @model_validator(mode="after")
    def _the_hub_lets_the_largest_class_in(self) -> Self:
        configured, largest = self.hub.concurrent_spawn_limit, self.largest_class
        if configured is not None and configured < largest:
            raise KeyedError(
                "hub.concurrentSpawnLimit",
                f"is below the calendar's largest class of {largest}, which starts together: the rest would get "
                "HTTP 429",
                configured,
            )
        longest, max_age = longest_session_minutes(self.calendar), self.hub.max_age_hours
        if max_age is not None and max_age * 60 < longest:
            raise KeyedError(
                "hub.maxAgeHours",
                f"is shorter than the calendar's longest session ({longest} minutes): servers would stop mid-class",
                max_age,
            )
        return self

    @model_validator(mode="after")
    def _calendar_fits_the_groups(self) -> Self:
        if not self.calendar.sessions or self.cluster.mode is not ClusterMode.EKS:
            return self
        per_node, zones = stack_capacity(self).students, self.zone_count
        most = self.cluster.user_nodes.max_per_zone
        for index, session in enumerate(self.calendar.sessions):
            needed = nodes_per_zone(session.students, per_node, zones)
            if needed > most:
                raise KeyedError(
                    f"calendar.sessions[{index}].students",
                    f"needs {needed} user nodes per zone ({per_node} students a node, {zones} zones), "
                    f"more than cluster.userNodes.maxPerZone {most}",
                    session.students,
                )
        together, when = most_at_once(self.calendar)
        if nodes_per_zone(together, per_node, zones) > most:
            raise KeyedError(
                "calendar.sessions",
                f"put {together} students online together ({when}, sessions overlapping), more than "
                f"cluster.userNodes.maxPerZone {most} nodes in each of {zones} zones hold ({per_node} a node)",
            )
        return self

    @property
    def hub_namespace(self) -> str:
        """The hub's namespace: the hub layer makes it; monitoring and backups find the hub there."""
        return self.name("hub")

    @property
    def zone_count(self) -> int:
        """The zones the user nodes run in: one spot group each."""
        existing = self.network.existing
        return len(existing.private_subnet_ids) if existing else self.network.availability_zone_count

    @property
    def class_holds(self) -> list[ScheduledMinimum]:
        """The scheduled minimums of every spot group, from the class calendar (none without one)."""
        holds = weekly_holds(
            self.calendar, stack_capacity(self).students, self.zone_count, self.cluster.user_nodes.min_per_zone
        )
        return scheduled_minimums(holds)

    @property
    def largest_class(self) -> int:
        """Students of the calendar's largest session; 0 without a calendar."""
        return max((s.students for s in self.calendar.sessions), default=0)

    @property
    def monitoring_enabled(self) -> bool:
        configured = self.monitoring.enabled
        return self.policy.monitoring_by_default if configured is None else configured

    @property
    def backup_retention_days(self) -> int:
        return self.backup.retention_days or self.policy.backup_retention_days

    @property
    def aws_tags(self) -> dict[str, str]:
        """Default tags of the AWS provider: on every resource that takes tags, usable for cost allocation."""
        return {
            **self.tags,
            "Project": self.project,
            "Stack": self.stack,
            "Tier": self.tier.value,
            "ManagedBy": "pulumi",
        }
