"""Daily backups of the students' homes, in a vault of the stack's own.

Invariants guarded here: the backups are encrypted with the stack's own KMS key, in a vault whose
name carries the stack prefix (so a restore starts from the right place), kept for the tier's
retention; they select the home filesystem by its ARN, or with EBS homes every volume the EBS
CSI driver made for the hub's namespace (it tags each with the claim's namespace), so nothing
else in the account is backed up by mistake. AWS Backup's automatic backups of the EFS file
system are off (components/home_filesystem.py): this vault is the one to restore from.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam_documents import account_of, as_json, key_policy, key_use_through, service_trust
from components.iam_roles import attach_policies

# Every day at 03:00 UTC, between the evening's work and the morning's classes in most of Europe
# and the Americas' late evening; a backup of a busy filesystem only slows it down.
DAILY_AT_3 = "cron(0 3 * * ? *)"
BACKUP_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
RESTORE_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
# The tag the EBS CSI driver puts on each volume it creates: the namespace of the claim.
EBS_CSI_NAMESPACE_TAG = "kubernetes.io/created-for/pvc/namespace"


@dataclass(frozen=True)
class HomeBackupArgs:
    vault_name: str
    retention_days: int
    file_system_arn: pulumi.Input[str] | None
    """The EFS file system holding the homes; None: EBS homes, selected by the tag below."""
    hub_namespace: str
    protect: bool
    region: str
    key_administrators: pulumi.Input[Sequence[str]]
    """Who administers the vault's key by name, besides the deploying identity (cluster.admins)."""


class HomeBackup(pulumi.ComponentResource):
    vault_name: pulumi.Output[str]

    def __init__(self, name: str, args: HomeBackupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:HomeBackup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        protected = pulumi.ResourceOptions(parent=self, protect=args.protect)
        role = aws.iam.Role(
            f"{name}-role",
            name=f"{args.vault_name}-backup",
            assume_role_policy=as_json(service_trust("backup.amazonaws.com")),
            opts=child,
        )
        account_id = account_of(role.arn)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{args.vault_name}: backups of students' homes",
            enable_key_rotation=True,
            # Used only through AWS Backup, which encrypts the recovery points with it.
            policy=as_json(key_policy(args.key_administrators, [key_use_through("backup", account_id, args.region)])),
            opts=protected,
        )
        vault = aws.backup.Vault(f"{name}-vault", name=args.vault_name, kms_key_arn=key.arn, opts=protected)
        plan = aws.backup.Plan(
            f"{name}-plan",
            name=args.vault_name,
            rules=[
                {
                    "rule_name": "daily",
                    "target_vault_name": vault.name,
                    "schedule": DAILY_AT_3,
                    "lifecycle": {"delete_after": args.retention_days},
                }
            ],
            opts=child,
        )
        attachments = attach_policies(name, role, [BACKUP_ROLE_POLICY, RESTORE_ROLE_POLICY], child)
        if args.file_system_arn is not None:
            resources: list[pulumi.Input[str]] = [args.file_system_arn]
            conditions: list[aws.backup.SelectionConditionArgsDict] = []
        else:
            resources = ["arn:aws:ec2:*:*:volume/*"]
            conditions = [
                {"string_equals": [{"key": f"aws:ResourceTag/{EBS_CSI_NAMESPACE_TAG}", "value": args.hub_namespace}]}
            ]
        aws.backup.Selection(
            f"{name}-homes",
            name=f"{args.vault_name}-homes",
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=resources,
            conditions=conditions,
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )
        self.vault_name = vault.name
        self.register_outputs({"vault_name": self.vault_name})
