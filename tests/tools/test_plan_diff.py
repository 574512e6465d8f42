"""Plan diffs for pull requests: what a change adds, removes and changes in a stack."""

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

from tools.plan.diff import compare, main, summary
from tools.plan.program import ProgramRun, run_program
from tools.plan.render import resource_records
from tools.plan.stack_config import ROOT, read_stack_config


def records(run: ProgramRun) -> list[dict[str, Any]]:
    return resource_records(run)


def test_the_same_plan_is_no_change(stack_runs: dict[str, ProgramRun]) -> None:
    plan = records(stack_runs["dev"])
    change = compare(plan, copy.deepcopy(plan))
    assert change.empty
    assert summary("dev", change) == "### dev: no change\n"


def test_a_changed_setting_shows_as_the_inputs_it_changes(stack_runs: dict[str, ProgramRun]) -> None:
    base = records(stack_runs["dev"])
    config = read_stack_config("dev")
    values = dict(config.values)
    network = json.loads(values["jupyterhub-platform:cluster"])
    network["userNodes"]["maxPerZone"] = 3
    values["jupyterhub-platform:cluster"] = json.dumps(network)
    head = records(run_program(dataclasses.replace(config, values=values)))
    change = compare(base, head)
    assert not change.added and not change.removed
    groups = {urn: keys for urn, keys in change.changed.items() if "autoscaling/group:Group" in urn}
    assert len(groups) == 3 and all(keys == ["maxSize"] for keys in groups.values())


def test_removing_a_protected_resource_is_flagged(stack_runs: dict[str, ProgramRun]) -> None:
    base = records(stack_runs["prod"])
    head = [r for r in base if r["type"] != "aws:kms/key:Key"]
    text = summary("prod", compare(base, head))
    assert "to remove" in text and "protected: `pulumi up` will refuse" in text


def test_the_command_line_reads_two_plan_folders(
    tmp_path: Path, capsys: Any, stack_runs: dict[str, ProgramRun]
) -> None:
    plan = records(stack_runs["local"])
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    (tmp_path / "base" / "resources.json").write_text(json.dumps(plan[:-1]))
    (tmp_path / "head" / "resources.json").write_text(json.dumps(plan))
    assert main([str(tmp_path / "base"), str(tmp_path / "head"), "--stack", "local"]) == 0
    assert "### local: 1 to add" in capsys.readouterr().out


def hub_release(plan: list[dict[str, Any]]) -> dict[str, Any]:
    [release] = [r for r in plan if r["type"].endswith("helm.sh/v3:Release") and r["inputs"]["chart"] == "jupyterhub"]
    return release


def test_helm_values_show_as_key_paths_with_old_and_new(stack_runs: dict[str, ProgramRun]) -> None:
    base = records(stack_runs["prod"])
    head = copy.deepcopy(base)
    hub_config = hub_release(head)["inputs"]["values"]["hub"]["config"]
    hub_config["Authenticator"]["admin_users"] = ["alice"]
    hub_config["JupyterHub"]["last_activity_interval"] = 60
    text = summary("prod", compare(base, head))
    assert '`values.hub.config.Authenticator.admin_users`: `[]` → `["alice"]`' in text
    assert "`values.hub.config.JupyterHub.last_activity_interval`: `25.0` → `60`" in text
    assert "0 to replace" in text and "**replace**" not in text  # a Helm release takes new values in place


def resource(urn_name: str, type_: str, inputs: dict[str, Any], **dependencies: list[str]) -> dict[str, Any]:
    urn = f"urn:pulumi:t::p::{type_}::{urn_name}"
    return {
        "urn": urn,
        "type": type_,
        "name": urn_name,
        "parent": None,
        "provider": None,
        "dependsOn": sorted({d for urns in dependencies.values() for d in urns}),
        "protect": urn_name == "cluster",
        "inputs": inputs,
        "propertyDependencies": {key: sorted(urns) for key, urns in dependencies.items()},
    }


def network(vpc_cidr: str) -> list[dict[str, Any]]:
    vpc = resource("vpc", "aws:ec2/vpc:Vpc", {"cidrBlock": vpc_cidr})
    subnet = resource(
        "subnet", "aws:ec2/subnet:Subnet", {"cidrBlock": "10.0.0.0/19", "vpcId": "vpc-1"}, vpcId=[vpc["urn"]]
    )
    table = resource("routes", "aws:ec2/routeTable:RouteTable", {"vpcId": "vpc-1"}, vpcId=[vpc["urn"]])
    association = resource(
        "association",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        {"routeTableId": "rtb-1", "subnetId": "subnet-1"},
        routeTableId=[table["urn"]],
        subnetId=[subnet["urn"]],
    )
    cluster = resource(
        "cluster",
        "aws:eks/cluster:Cluster",
        {"name": "c", "vpcConfig": {"subnetIds": ["subnet-1"]}},
        vpcConfig=[subnet["urn"]],
    )
    nodes = resource(
        "nodes",
        "aws:eks/nodeGroup:NodeGroup",
        {"clusterName": "c", "subnetIds": ["subnet-1"]},
        subnetIds=[subnet["urn"]],
    )
    return [vpc, subnet, table, association, cluster, nodes]


def test_a_force_new_input_replaces_the_resource_and_whatever_takes_its_id_where_that_forces_new_too() -> None:
    """Force-new inputs are the arguments the Terraform AWS provider marks `ForceNew` (hashicorp/
    terraform-provider-aws internal/service/ec2/vpc_.go `cidr_block`, vpc_subnet.go `vpc_id`, vpc_route_table.go
    `vpc_id`, vpc_route_table_association.go `subnet_id` but not `route_table_id`, eks/node_group.go `subnet_ids`,
    eks/cluster.go: `vpc_config.subnet_ids` is updated in place), which pulumi-aws is built from; but
    EKS takes new subnets only in the cluster's own VPC ("You can't change the VPC of a cluster", EKS
    user guide), so subnets of a new VPC replace the cluster too."""
    base, head = network("10.0.0.0/16"), network("10.1.0.0/16")
    change = compare(base, head)
    replaced = {urn.rsplit("::", 1)[1]: reasons for urn, reasons in change.replaced.items()}
    assert sorted(replaced) == ["association", "cluster", "nodes", "routes", "subnet", "vpc"]
    assert replaced["vpc"] == ["cidrBlock"]
    assert replaced["subnet"] == ["vpcId ← vpc"]
    assert replaced["association"] == ["subnetId ← subnet"]
    assert replaced["cluster"] == ["vpcConfig ← subnet (into a new VPC)"]
    text = summary("t", change)
    assert text.startswith("### t: 0 to add, 0 to change, 6 to replace, 0 to remove")
    assert "- **replace** `vpc` (Vpc): `cidrBlock`: `10.0.0.0/16` → `10.1.0.0/16` (forces replacement)" in text
    assert "- **replace** `subnet` (Subnet): `vpcId`: known after `vpc` is replaced (forces replacement)" in text
    assert "**protected: `pulumi up` will refuse**" in text  # the cluster is protected


def test_new_subnets_in_the_same_vpc_change_the_cluster_in_place() -> None:
    """EKS UpdateClusterConfig: subnets of the cluster's own VPC are an update, not a new cluster."""
    base, head = network("10.0.0.0/16"), network("10.0.0.0/16")
    head[1]["inputs"]["cidrBlock"] = "10.0.32.0/19"  # a new subnet, the VPC kept
    change = compare(base, head)
    replaced = {urn.rsplit("::", 1)[1] for urn in change.replaced}
    assert "cluster" not in replaced and "subnet" in replaced
    assert any(urn.endswith("::cluster") for urn in change.changed)


def test_replacing_a_protected_resource_is_flagged() -> None:
    base, head = network("10.0.0.0/16"), network("10.0.0.0/16")
    head[4]["inputs"]["name"] = "d"  # the cluster's name forces a new cluster
    text = summary("t", compare(base, head))
    refused = "**protected: `pulumi up` will refuse**"
    assert f"- **replace** `cluster` (Cluster): `name`: `c` → `d` (forces replacement) {refused}" in text


def test_a_changed_vpc_range_in_prod_replaces_the_network_under_the_cluster(
    tmp_path: Path, stack_runs: dict[str, ProgramRun]
) -> None:
    stack_file = (ROOT / "Pulumi.prod.yaml").read_text()
    assert "vpcCidr: 10.30.0.0/16" in stack_file
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.prod.yaml").write_text(stack_file.replace("vpcCidr: 10.30.0.0/16", "vpcCidr: 10.40.0.0/16"))
    head = records(run_program(read_stack_config("prod", root=tmp_path)))
    change = compare(records(stack_runs["prod"]), head)
    replaced_types = {urn.split("::")[2].rsplit("$", 1)[-1] for urn in change.replaced}
    assert {
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:eks/cluster:Cluster",
    } <= replaced_types
    text = summary("prod", change)
    assert "`cidrBlock`: `10.30.0.0/16` → `10.40.0.0/16` (forces replacement)" in text
    assert not change.added and not change.removed
