"""What a change does to a stack's plan: `python -m tools.plan.diff BASE_DIR HEAD_DIR`.

Compares two offline plans (their resources.json) and prints a Markdown summary for a pull
request's job summary: resources added, removed, replaced and changed. A changed input shows as its
key path with the old and the new value (Helm values key by key, JSON documents such as IAM
policies too, text line by line). A resource is replaced when an input the provider cannot change
in place changes (FORCE_NEW), or when such an input takes a value from a resource that is replaced
(its ID changes): the plan's `propertyDependencies` say which input comes from which resource.
Removing or replacing a protected resource is flagged: `pulumi up` refuses both. Secrets are
already masked in the plans it reads.
"""

import argparse
import difflib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Inputs whose change makes the provider delete the resource and create a new one, by resource type
# (key paths in the plan's camelCase; a path covers what is below it). These are the arguments the
# Terraform AWS provider, which pulumi-aws is built from, declares `ForceNew` or `RequiresReplace`
# (hashicorp/terraform-provider-aws, internal/service/ec2/vpc_*.go, efs/mount_target.go,
# eks/cluster.go, eks/node_group.go). Only the types of this program's network and cluster, where a
# replacement spreads; a change to any other input shows as a change in place.
FORCE_NEW: dict[str, tuple[str, ...]] = {
    "aws:ec2/vpc:Vpc": ("cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"),
    "aws:ec2/subnet:Subnet": (
        "vpcId",
        "cidrBlock",
        "availabilityZone",
        "availabilityZoneId",
        "ipv6Native",
        "outpostArn",
    ),
    "aws:ec2/routeTable:RouteTable": ("vpcId",),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("subnetId", "gatewayId"),  # not routeTableId
    "aws:ec2/route:Route": (
        "routeTableId",
        "destinationCidrBlock",
        "destinationIpv6CidrBlock",
        "destinationPrefixListId",
    ),
    "aws:ec2/natGateway:NatGateway": ("subnetId", "allocationId", "connectivityType", "privateIp"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpcId", "serviceName", "vpcEndpointType"),
    "aws:ec2/securityGroup:SecurityGroup": ("vpcId", "name", "namePrefix", "description"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("vpcId",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("securityGroupId",),
    "aws:efs/mountTarget:MountTarget": ("fileSystemId", "subnetId", "ipAddress"),
    # vpcConfig.subnetIds and securityGroupIds are updated in place (EKS UpdateClusterConfig).
    "aws:eks/cluster:Cluster": (
        "name",
        "roleArn",
        "bootstrapSelfManagedAddons",
        "accessConfig.bootstrapClusterCreatorAdminPermissions",
        "kubernetesNetworkConfig.ipFamily",
        "kubernetesNetworkConfig.serviceIpv4Cidr",
    ),
    "aws:eks/nodeGroup:NodeGroup": (
        "clusterName",
        "nodeGroupName",
        "nodeGroupNamePrefix",
        "nodeRoleArn",
        "subnetIds",
        "amiType",
        "capacityType",
        "diskSize",
        "instanceTypes",
        "launchTemplate.id",
        "launchTemplate.name",
        "remoteAccess",
    ),
}
# Inputs the provider updates in place within one VPC, but that cannot follow a resource into another:
# EKS's UpdateClusterConfig takes new subnets only in the cluster's own VPC ("You can't change the
# VPC of a cluster", EKS user guide, network requirements), so the update the provider would try
# fails, and the cluster must be replaced.
VPC_BOUND: dict[str, tuple[str, ...]] = {"aws:eks/cluster:Cluster": ("vpcConfig",)}
VPC = "aws:ec2/vpc:Vpc"
OPTIONS = ("protect", "provider", "parent")
"""Resource options the plan records beside the inputs."""
SHOWN_VALUE_LENGTH = 100
SHOWN_CHANGES_PER_RESOURCE = 25
SHOWN_TEXT_LINES = 12


class _Absent:
    def __repr__(self) -> str:
        return "(none)"


ABSENT: Any = _Absent()
"""An input that is not there on one side of the change."""


@dataclass(frozen=True)
class InputChange:
    path: str
    """Key path into the inputs, like `values.hub.config.JupyterHub.admin_users` or `subnetIds[0]`."""
    old: Any = ABSENT
    new: Any = ABSENT
    replaced_sources: tuple[str, ...] = ()
    """The logical names of the replaced resources this input's new value comes from (known after apply)."""
    forces_replacement: bool = False
    option: bool = False
    """A resource option (`protect`, `provider`, `parent`), not an input."""

    def top_level_key(self) -> str:
        return re.split(r"[.\[]", self.path, maxsplit=1)[0]


@dataclass(frozen=True)
class PlanChange:
    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]
    """URN to the top-level input keys (and options) that differ or will, replaced resources included."""
    protected: set[str]
    details: dict[str, list[InputChange]] = field(default_factory=dict)
    """URN to each changed value, by key path."""
    replaced: dict[str, list[str]] = field(default_factory=dict)
    """URN of each replaced resource to why: a force-new input, or `input ← replaced resource`."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def compare(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> PlanChange:
    before, after = {r["urn"]: r for r in base}, {r["urn"]: r for r in head}
    kept = sorted(before.keys() & after.keys())
    details: dict[str, list[InputChange]] = {}
    for urn in kept:
        old, new = before[urn], after[urn]
        found = [
            InputChange(path, old_value, new_value, forces_replacement=forces_new(new["type"], path))
            for path, old_value, new_value in value_changes(old["inputs"], new["inputs"])
        ]
        found += [InputChange(o, old[o], new[o], option=True) for o in OPTIONS if old.get(o) != new.get(o)]
        if found:
            details[urn] = found
    replaced = {urn: [c.path for c in changes if c.forces_replacement] for urn, changes in details.items()}
    replaced = {urn: reasons for urn, reasons in replaced.items() if reasons}
    _propagate_replacements(kept, after, details, replaced)
    changed = {urn: sorted({c.top_level_key() for c in changes}) for urn, changes in details.items()}
    protected = {r["urn"] for r in [*base, *head] if r["protect"]}
    return PlanChange(
        sorted(after.keys() - before.keys()),
        sorted(before.keys() - after.keys()),
        changed,
        protected,
        details,
        replaced,
    )


def _propagate_replacements(
    kept: list[str],
    after: dict[str, dict[str, Any]],
    details: dict[str, list[InputChange]],
    replaced: dict[str, list[str]],
) -> None:
    """A replaced resource gets a new ID (and ARN): every input that takes a value from it changes, and
    where that input forces a new resource, its resource is replaced in turn, to a fixed point."""
    grew = True
    while grew:
        grew = False
        new_vpc = any(after[urn]["type"] == VPC for urn in replaced if urn in after)
        for urn in kept:
            resource = after[urn]
            noted = {c.path for c in details.get(urn, []) if c.replaced_sources}
            for key, sources in sorted(resource.get("propertyDependencies", {}).items()):
                hit = tuple(_name(source) for source in sorted(set(sources) & replaced.keys()))
                if not hit or key in noted:
                    continue
                moves_vpc = new_vpc and key in VPC_BOUND.get(resource["type"], ())
                forces = forces_new(resource["type"], key) or moves_vpc
                value = resource["inputs"].get(key, ABSENT)
                details.setdefault(urn, []).append(InputChange(key, value, value, hit, forces))
                if forces:
                    why = " (into a new VPC)" if moves_vpc else ""
                    replaced.setdefault(urn, []).append(f"{key} ← {hit[0]}{why}")
                    grew = True


def forces_new(type_: str, path: str) -> bool:
    """Whether a change at `path` (or below it, or to what holds it) makes the provider replace a `type_`."""
    plain = re.sub(r"\[[^\]]*\]", "", path)  # list positions do not matter, and quoted keys are not in FORCE_NEW
    return any(
        plain == fixed or plain.startswith(fixed + ".") or fixed.startswith(plain + ".")
        for fixed in FORCE_NEW.get(type_, ())
    )


def value_changes(old: Any, new: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Each differing value as (key path, old, new), descending into objects, into lists that keep their
    length, and into strings that hold JSON (policies) on both sides."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from value_changes(old.get(key, ABSENT), new.get(key, ABSENT), _child(path, key))
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (old_item, new_item) in enumerate(zip(old, new, strict=True)):
            yield from value_changes(old_item, new_item, f"{path}[{i}]")
        return
    old_document, new_document = _json_document(old), _json_document(new)
    if old_document is not None and new_document is not None:
        yield from value_changes(old_document, new_document, path)
        return
    yield path, old, new


def _child(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"  # keys like `hub.jupyter.org/node-purpose` or `10-custom.py`


def _json_document(value: Any) -> Any:
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _label(urn: str) -> str:
    type_ = urn.split("::")[2].rsplit("$", maxsplit=1)[-1]
    return f"{_code(_name(urn))} ({type_.rsplit(':', 1)[-1]})"


def _code(text: str) -> str:
    """Inline Markdown code that survives backticks in the text."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _shown(value: Any) -> str:
    if value is ABSENT:
        return "(none)"
    # A string as it is, quoted only where it would read as another JSON value (`"60"` beside `60`).
    if isinstance(value, str) and not _reads_as_other_json(value):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > SHOWN_VALUE_LENGTH:
        text = f"{text[:SHOWN_VALUE_LENGTH]}… ({len(text):,} characters)"
    return _code(text)


def _reads_as_other_json(text: str) -> bool:
    try:
        return not isinstance(json.loads(text), str)
    except ValueError:
        return False


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value


def _change_lines(change: InputChange) -> list[str]:
    """One change: its key path, old → new; text that spans lines as the lines that differ."""
    label = f"option {_code(change.path)}" if change.option else _code(change.path)
    forcing = " (forces replacement)" if change.forces_replacement else ""
    if change.replaced_sources:
        first, *others = change.replaced_sources
        sources = f"{_code(first)} and {len(others)} more are" if others else f"{_code(first)} is"
        return [f"{label}: known after {sources} replaced{forcing}"]
    if _is_text(change.old) or _is_text(change.new):
        old_lines = change.old.splitlines() if isinstance(change.old, str) else []
        new_lines = change.new.splitlines() if isinstance(change.new, str) else []
        unified = list(difflib.unified_diff(old_lines, new_lines, lineterm="", n=0))[2:]  # past the file names
        differing = [line for line in unified if line[:1] in "+-"]
        shown = differing[:SHOWN_TEXT_LINES]
        if len(differing) > len(shown):
            shown.append(f"… {len(differing) - len(shown)} more lines")
        return [f"{label}: text, lines changed{forcing}:", "```diff", *shown, "```"]
    return [f"{label}: {_shown(change.old)} → {_shown(change.new)}{forcing}"]


def _resource_lines(verb: str, urn: str, changes: list[InputChange], warning: str) -> list[str]:
    rendered = [_change_lines(c) for c in changes[:SHOWN_CHANGES_PER_RESOURCE]]
    if len(rendered) == 1 and len(rendered[0]) == 1:
        return [f"- {verb} {_label(urn)}: {rendered[0][0]}{warning}"]
    lines = [f"- {verb} {_label(urn)}:{warning}"]
    for change in rendered:
        lines.append(f"  - {change[0]}")
        lines += [f"    {line}" for line in change[1:]]
    if len(changes) > len(rendered):
        lines.append(f"  - … and {len(changes) - len(rendered)} more")
    return lines


def summary(stack: str, change: PlanChange) -> str:
    if change.empty:
        return f"### {stack}: no change\n"
    refusal = " **protected: `pulumi up` will refuse**"
    updated = [urn for urn in change.changed if urn not in change.replaced]
    lines = [
        f"### {stack}: {len(change.added)} to add, {len(updated)} to change, {len(change.replaced)} to replace, "
        f"{len(change.removed)} to remove",
        "",
    ]
    for urn in change.removed:
        lines.append(f"- remove {_label(urn)}{refusal if urn in change.protected else ''}")
    lines += [f"- add {_label(urn)}" for urn in change.added]
    for urn in sorted(change.replaced):
        warning = refusal if urn in change.protected else ""
        lines += _resource_lines("**replace**", urn, change.details[urn], warning)
    for urn in sorted(updated):
        lines += _resource_lines("change", urn, change.details[urn], "")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan.diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="plan folder of the base branch (holds resources.json)")
    parser.add_argument("head", type=Path, help="plan folder of the change")
    parser.add_argument("--stack", default=None, help="stack name for the heading (default: the head folder's name)")
    args = parser.parse_args(argv)
    base_file = args.base / "resources.json"
    base = json.loads(base_file.read_text()) if base_file.exists() else []  # a new stack
    head = json.loads((args.head / "resources.json").read_text())
    print(summary(args.stack or args.head.name, compare(base, head)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
