"""The state layer: where students' homes and the hub's database live, off the nodes and their zones.

Invariant guarded here: the hub gets its homes as one NFS export and its database as one secret
URL, whichever made them (EFS and RDS in the stack's own VPC, or a server and database the stack
names), so the hub layer has one way to mount and one way to connect, and waits for what made them.
"""

from dataclasses import dataclass
from typing import assert_never

import pulumi

from components.home_filesystem import EFS_MOUNT_OPTIONS, HomeFilesystem, HomeFilesystemArgs, efs_dns_name
from components.hub_database import HubDatabase, HubDatabaseArgs
from contracts import NfsExport
from layers.cluster import Cluster, EksHandle, KubeconfigHandle, ReferencedHandle
from settings import StackSettings


@dataclass(frozen=True)
class State:
    homes: NfsExport | None
    """The export homes and shared folders live on; None: EBS volumes, a host path, or nothing."""
    database_url: pulumi.Output[str] | None
    """The hub's database URL, a Pulumi secret; None: SQLite on a volume beside the hub."""
    file_system: HomeFilesystem | None = None
    """The EFS file system this stack made for the homes (backed up, watched)."""
    database: HubDatabase | None = None
    """The RDS instance this stack made for the hub (watched)."""


def build_state(settings: StackSettings, cluster: Cluster) -> State:
    match cluster:
        case EksHandle():
            file_system = _file_system(settings, cluster)
            database = _database(settings, cluster)
            return State(
                homes=file_system.export if file_system else _existing_homes(settings),
                database_url=database.url if database else _database_url(settings),
                file_system=file_system,
                database=database,
            )
        case KubeconfigHandle() | ReferencedHandle():
            return State(homes=_nfs_server(settings), database_url=_database_url(settings))
        case _:
            assert_never(cluster)


def _existing_homes(settings: StackSettings) -> NfsExport | None:
    efs = settings.hub.storage.efs
    if settings.home_storage_kind == "efs" and efs.file_system_id is not None:
        # The operator's own file system: its mount targets are theirs to keep in every zone.
        server = efs_dns_name(efs.file_system_id, settings.aws_region)
        return NfsExport(server=server, path="/", mount_options=EFS_MOUNT_OPTIONS)
    return _nfs_server(settings)


def _file_system(settings: StackSettings, cluster: EksHandle) -> HomeFilesystem | None:
    efs = settings.hub.storage.efs
    if settings.home_storage_kind != "efs" or efs.file_system_id is not None:
        return None
    return HomeFilesystem(
        settings.name("homes"),
        HomeFilesystemArgs(
            cluster=cluster.eks,
            settings=efs,
            file_system_name=settings.name("homes"),
            region=settings.aws_region,
            protect=settings.policy.protect_stateful_resources,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.aws]),
    )


def _nfs_server(settings: StackSettings) -> NfsExport | None:
    storage = settings.hub.storage
    if settings.home_storage_kind != "nfs":
        return None
    assert storage.nfs_server is not None and storage.nfs_path is not None  # the settings require both for nfs
    return NfsExport(server=storage.nfs_server, path=storage.nfs_path, mount_options=())


def _database(settings: StackSettings, cluster: EksHandle) -> HubDatabase | None:
    if settings.hub_database_kind != "rds":
        return None
    return HubDatabase(
        settings.name("hub-db"),
        HubDatabaseArgs(
            cluster=cluster.eks,
            settings=settings.hub.database,
            identifier=settings.name("hub-db"),
            multi_az=settings.policy.database_standby_in_another_zone,
            protect=settings.policy.protect_stateful_resources,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.aws]),
    )


def _database_url(settings: StackSettings) -> pulumi.Output[str] | None:
    url = settings.hub.database_url
    return pulumi.Output.secret(url.get_secret_value()) if url is not None else None
