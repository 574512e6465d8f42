"""Homes and the hub's database, as each stack file plans them: reachable from every zone, kept safe.

Sources: the Amazon EFS API reference (LifecyclePolicy: TransitionToIA is one of AFTER_1_DAY,
AFTER_7_DAYS, ..., AFTER_365_DAYS; TransitionToPrimaryStorageClass is AFTER_1_ACCESS; PutBackupPolicy
status ENABLED turns on AWS Backup's automatic daily backups, off by default for a file system created
through the API; the stack's own backup plan replaces them) and the Amazon RDS user guide (Multi-AZ
DB instance deployments: a standby in another zone; deletion protection; automated backups
retained 0 to 35 days, 0 turning them off).
"""

import json
from typing import Any

import pytest

from components.home_filesystem import transition_to_ia
from settings.hub import EfsSettings
from tests.support import BASE_CONFIG, RunConfig
from tools.plan.charts import revealed
from tools.plan.mocks import SecretValue
from tools.plan.program import ProgramRun
from tools.plan.render import render_summary, resource_records

EFS_TRANSITIONS_TO_IA = {
    "AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS",
    "AFTER_90_DAYS", "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS",
}  # fmt: skip


def hub_values(run: ProgramRun) -> dict[str, Any]:
    [release] = [r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "jupyterhub"]
    values: dict[str, Any] = revealed(release.inputs["values"])
    return values


def test_every_lifecycle_the_settings_allow_is_one_the_efs_api_takes() -> None:
    allowed = EfsSettings.model_fields["transition_to_ia_days"].annotation.__args__  # type: ignore[union-attr]
    assert {transition_to_ia(days) for days in allowed} == EFS_TRANSITIONS_TO_IA


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
def test_homes_are_an_encrypted_backed_up_efs_file_system(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    [file_system] = run.by_type("aws:efs/fileSystem:FileSystem")
    inputs = file_system.inputs
    [key] = [k for k in run.by_type("aws:kms/key:Key") if k.parent == file_system.parent]
    assert inputs["encrypted"] is True and inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert key.inputs["enableKeyRotation"] is True
    assert inputs["throughputMode"] == "elastic"
    transitions = {next(iter(p.items())) for p in inputs["lifecyclePolicies"]}
    assert transitions == {("transitionToIa", "AFTER_30_DAYS"), ("transitionToPrimaryStorageClass", "AFTER_1_ACCESS")}
    # backed up by the stack's own plan (tests/stacks/test_operations.py), not AWS's automatic one
    [backup] = run.by_type("aws:efs/backupPolicy:BackupPolicy")
    assert backup.inputs["backupPolicy"] == {"status": "DISABLED"}
    [selection] = run.by_type("aws:backup/selection:Selection")
    assert selection.inputs["resources"][0].startswith("arn:aws:elasticfilesystem:")
    assert file_system.protect == (stack == "prod") and key.protect == (stack == "prod")


def test_an_existing_file_system_is_mounted_and_nothing_is_made(run_config: RunConfig) -> None:
    hub = {**BASE_CONFIG["hub"], "storage": {"efs": {"fileSystemId": "fs-0123456789abcdef0"}}}
    run = run_config({"hub": hub})
    assert not [r for r in run.resources if r.type.startswith("aws:efs/")]
    volume = run.named("dev-jupyterhub-homes-volume")
    assert volume.inputs["spec"]["nfs"]["server"] == "fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com"


def test_production_s_database_has_a_standby_in_another_zone_and_cannot_be_deleted(
    stack_runs: dict[str, ProgramRun],
) -> None:
    [instance] = stack_runs["prod"].by_type("aws:rds/instance:Instance")
    inputs = instance.inputs
    assert inputs["multiAz"] is True and inputs["deletionProtection"] is True and instance.protect
    assert inputs["storageEncrypted"] is True and inputs["publiclyAccessible"] is False
    assert inputs["backupRetentionPeriod"] >= 7
    assert inputs["skipFinalSnapshot"] is False and inputs["finalSnapshotIdentifier"]
    assert inputs["engine"] == "postgres"


def test_staging_rehearses_rds_without_the_standby_and_development_keeps_sqlite(
    stack_runs: dict[str, ProgramRun],
) -> None:
    [instance] = stack_runs["tst"].by_type("aws:rds/instance:Instance")
    assert instance.inputs["multiAz"] is False and instance.inputs["deletionProtection"] is False
    assert instance.inputs["skipFinalSnapshot"] is True and not instance.protect
    assert not stack_runs["dev"].by_type("aws:rds/instance:Instance")
    assert hub_values(stack_runs["dev"])["hub"]["db"]["type"] == "sqlite-pvc"


@pytest.mark.parametrize("stack", ["tst", "prod"])
def test_the_hub_reaches_its_database_only_through_its_secret(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    values = hub_values(run)
    assert values["hub"]["db"] == {"type": "postgres"}  # no URL in the chart's values
    assert values["hub"]["extraEnv"]["HUB_DB_URL"]["valueFrom"]["secretKeyRef"]["key"] == "database-url"
    secret = run.named(f"{stack}-jupyterhub-secrets")
    string_data = secret.inputs["stringData"]
    assert isinstance(string_data, SecretValue)  # the whole Secret's data is a Pulumi secret
    url = revealed(string_data)["database-url"]
    [instance] = run.by_type("aws:rds/instance:Instance")
    assert url.startswith("postgresql+psycopg2://jupyterhub:") and url.endswith("?sslmode=require")
    # the password is generated, and never written in the plan
    password = run.named(f"{stack}-hub-db-password")
    assert isinstance(instance.inputs["password"], SecretValue)
    plan = json.dumps(resource_records(run))
    assert revealed(instance.inputs["password"]) not in plan and password.inputs["length"] >= 32


@pytest.mark.parametrize("stack", ["tst", "prod"])
def test_only_the_nodes_reach_the_database_and_the_homes(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    [nodes_group] = run.named(f"{stack}-user-nodes-launch-template").inputs["vpcSecurityGroupIds"]
    ports = {}
    for rule in run.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        assert rule.inputs["referencedSecurityGroupId"] == nodes_group
        ports[str(rule.parent).rsplit("::", 1)[-1]] = rule.inputs["fromPort"]
    assert ports == {f"{stack}-homes": 2049, f"{stack}-hub-db": 5432}


@pytest.mark.parametrize(
    ("stack", "pinned"),
    [
        ("prod", "none"),
        ("tst", "the hub's database (RDS without a standby in another zone)"),
        ("dev", "the hub's database (SQLite on an EBS volume in one zone)"),
    ],
)
def test_the_plan_says_what_each_stack_keeps_in_one_zone(
    stack: str, pinned: str, stack_runs: dict[str, ProgramRun]
) -> None:
    assert f"State pinned to one zone: {pinned}" in render_summary(stack_runs[stack])


def test_ebs_homes_are_said_to_be_pinned(run_config: RunConfig) -> None:
    run = run_config({"hub": {**BASE_CONFIG["hub"], "storage": {"kind": "ebs"}}})
    assert "home directories (an EBS volume per student" in render_summary(run)
