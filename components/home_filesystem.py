"""The students' home filesystem: EFS, reachable from a mount target in every zone of the cluster.

Invariants guarded here: no state of a student's is pinned to one zone (a mount target per
private subnet, so a spot node in any zone mounts it); only the cluster's nodes reach it (NFS
from the nodes' security group alone); the data is encrypted with the stack's own KMS key;
production's file system
is Pulumi-protected, since EFS itself has no deletion protection. Its backups are the stack's
own plan's (components/home_backup.py), not AWS Backup's automatic ones.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.eks_cluster import EksCluster
from components.iam_documents import account_of, as_json, key_policy, key_use_through
from components.node_only_access import node_only_security_group
from contracts import NfsExport
from settings.hub import EfsSettings

NFS_PORT = 2049
# The NFS client options AWS recommends for EFS ("Mounting EFS file systems", Amazon EFS user
# guide): NFS 4.1; 1 MiB reads and writes (the most EFS takes in one call); `hard` with a 60 s
# timeout (timeo is in tenths of a second) and 2 retries, so a notebook blocks through a mount
# target's failover instead of getting I/O errors that corrupt files; `noresvport`, so that a
# reconnection takes a new source port and is not refused after a network interruption.
EFS_MOUNT_OPTIONS = ("nfsvers=4.1", "rsize=1048576", "wsize=1048576", "hard", "timeo=600", "retrans=2", "noresvport")


def transition_to_ia(days: int) -> str:
    """The EFS API's lifecycle value: AFTER_1_DAY, AFTER_7_DAYS, ..."""
    return "AFTER_1_DAY" if days == 1 else f"AFTER_{days}_DAYS"


def efs_dns_name(file_system_id: str, region: str) -> str:
    """The name every mount target answers to, from inside the VPC, in the client's own zone."""
    return f"{file_system_id}.efs.{region}.amazonaws.com"


@dataclass(frozen=True)
class HomeFilesystemArgs:
    cluster: EksCluster
    """Its private subnets get the mount targets; its nodes' security group is admitted."""
    settings: EfsSettings
    file_system_name: str
    region: str
    protect: bool


class HomeFilesystem(pulumi.ComponentResource):
    file_system_id: pulumi.Output[str]
    file_system_arn: pulumi.Output[str]
    export: NfsExport

    def __init__(self, name: str, args: HomeFilesystemArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:HomeFilesystem", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        network = args.cluster.network
        account_id = account_of(args.cluster.arn)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{args.file_system_name}: students' home directories",
            enable_key_rotation=True,
            # Used only through EFS (which mounts, backs up and restores with its own grants).
            policy=as_json(
                key_policy(
                    args.cluster.key_administrators,
                    [key_use_through("elasticfilesystem", account_id, args.region)],
                )
            ),
            # Without its key the file system cannot be read: production keeps both.
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        file_system = aws.efs.FileSystem(
            f"{name}-efs",
            encrypted=True,
            kms_key_id=key.arn,
            # Elastic: throughput follows the class (a whole class opening notebooks at 9:00) with no
            # burst credits to run out of and nothing provisioned to pay for between classes.
            throughput_mode="elastic",
            lifecycle_policies=[
                {"transition_to_ia": transition_to_ia(args.settings.transition_to_ia_days)},
                {"transition_to_primary_storage_class": "AFTER_1_ACCESS"},
            ],
            tags={"Name": args.file_system_name},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        # AWS Backup's automatic backups, off: the stack's own plan (HomeBackup) backs the file
        # system up into the stack's own vault, so a restore has one place to start from.
        aws.efs.BackupPolicy(
            f"{name}-backup",
            file_system_id=file_system.id,
            backup_policy={"status": "DISABLED"},
            opts=child,
        )
        security_group = node_only_security_group(
            f"{name}-nfs",
            group_name=f"{args.file_system_name}-nfs",
            service="NFS to the home filesystem",
            port=NFS_PORT,
            cluster=args.cluster,
            parent=self,
        )
        mount_targets = [
            aws.efs.MountTarget(
                f"{name}-{zone}",
                file_system_id=file_system.id,
                subnet_id=subnet_id,
                security_groups=[security_group.id],
                opts=child,
            )
            for zone, subnet_id in sorted(network.private_subnet_ids_by_zone.items())
        ]
        self.file_system_id = file_system.id
        self.file_system_arn = file_system.arn
        self.export = NfsExport(
            server=file_system.id.apply(lambda fs: efs_dns_name(fs, args.region)),
            path="/",
            mount_options=EFS_MOUNT_OPTIONS,
            ready=tuple(mount_targets),
        )
        self.register_outputs({"file_system_id": self.file_system_id, "server": self.export.server})
