"""The hub's database: RDS PostgreSQL in the cluster's private subnets.

Invariants guarded here: the hub's state (users, their servers, tokens) is not pinned to a zone
(Multi-AZ in production: a standby in another zone takes over); only the cluster's nodes reach
it (5432 from the nodes' security group alone); it is encrypted, backed up every day for a week
at least, and production's is both deletion-protected and Pulumi-protected; the password is
generated here, kept as a Pulumi secret, and leaves only as the secret URL the hub's
Kubernetes Secret holds.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.eks_cluster import EksCluster
from components.node_only_access import node_only_security_group
from settings.hub import DatabaseSettings

POSTGRES_PORT = 5432
DATABASE_NAME = USERNAME = "jupyterhub"


@dataclass(frozen=True)
class HubDatabaseArgs:
    cluster: EksCluster
    """Its private subnets hold the database; its nodes' security group is admitted."""
    settings: DatabaseSettings
    identifier: str
    multi_az: bool
    protect: bool


class HubDatabase(pulumi.ComponentResource):
    url: pulumi.Output[str]
    """`postgresql+psycopg2://...`, a Pulumi secret: what the hub's `db_url` is set to."""
    endpoint: pulumi.Output[str]
    identifier: pulumi.Output[str]

    def __init__(self, name: str, args: HubDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:HubDatabase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings, network = args.settings, args.cluster.network
        # Generated here rather than managed by RDS in Secrets Manager: RDS rotates its own every
        # 7 days, and the hub, which reads the URL from its Kubernetes Secret at start, would be
        # left with a stale one. Letters and digits only, so the URL needs no escaping.
        password = random.RandomPassword(f"{name}-password", length=40, special=False, opts=child)
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=args.identifier,
            description="The hub's database: the cluster's private subnets, one per zone",
            subnet_ids=network.private_subnet_ids,
            opts=child,
        )
        security_group = node_only_security_group(
            f"{name}-postgres",
            group_name=f"{args.identifier}-postgres",
            service="PostgreSQL to the hub's database",
            port=POSTGRES_PORT,
            cluster=args.cluster,
            parent=self,
        )
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=args.identifier,
            engine="postgres",
            engine_version=settings.engine_version,
            auto_minor_version_upgrade=True,
            instance_class=settings.instance_class,
            allocated_storage=settings.allocated_storage_gib,
            storage_type="gp3",
            storage_encrypted=True,
            db_name=DATABASE_NAME,
            username=USERNAME,
            password=password.result,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            multi_az=args.multi_az,
            backup_retention_period=settings.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=args.protect,
            # Production keeps a last snapshot when the instance is deleted; elsewhere it goes.
            skip_final_snapshot=not args.protect,
            final_snapshot_identifier=f"{args.identifier}-final" if args.protect else None,
            # Changes wait for the maintenance window, not the middle of a class.
            apply_immediately=False,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.endpoint = instance.address
        self.identifier = instance.identifier
        # The driver named: SQLAlchemy 2.0 (the z2jh 4.4.0 hub image) reads a bare postgresql://
        # as psycopg2, 2.1 as psycopg 3, which that image lacks. RDS for PostgreSQL 15 and newer
        # refuses unencrypted connections (rds.force_ssl=1).
        self.url = pulumi.Output.secret(
            pulumi.Output.format(
                "postgresql+psycopg2://{0}:{1}@{2}:{3}/{4}?sslmode=require",
                USERNAME,
                password.result,
                instance.address,
                POSTGRES_PORT,
                DATABASE_NAME,
            )
        )
        self.register_outputs({"endpoint": self.endpoint, "identifier": self.identifier, "url": self.url})
