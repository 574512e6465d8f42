"""Spot user nodes: one self-managed Auto Scaling group per availability zone.

Invariants guarded here:
- user nodes register with `hub.jupyter.org/node-purpose=user` and the taint
  `hub.jupyter.org/dedicated=user:NoSchedule`, so only user servers land on them;
- each group carries the tags cluster-autoscaler discovers it by, including the node-template
  label and taint tags that let it scale a group up from zero, and the tag the node termination
  handler checks before it drains;
- one group per zone, so the autoscaler can balance zones and a zonal volume's pod finds a node
  in its zone; each group is 100% spot over a diversified list of types;
- a new AMI or launch template rolls out through an instance refresh that starts new nodes
  before it stops old ones; every termination (refresh, scale-in, rebalance) waits at a
  lifecycle hook, where the node termination handler drains the node before it goes;
- with a class calendar, scheduled actions raise every group's minimum ahead of a class and
  lower it after, and `pulumi up` leaves the minimum they set alone.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core_nodes import NODE_METADATA_OPTIONS, root_volume
from components.eks_cluster import EksCluster
from components.iam_roles import node_role
from components.node_bootstrap import ClusterEndpoint, user_data
from contracts import USER_NODE_LABELS, USER_NODE_TAINTS, autoscaler_discovery_tags, termination_handler_tag
from settings.calendar import ScheduledMinimum
from settings.cluster import UserNodesSettings

_AUTOSCALER = "k8s.io/cluster-autoscaler"
# How long a terminating node waits for the termination handler to drain it and let it go; if
# nothing answers (no handler installed), the termination goes ahead when the time is up.
DRAIN_HEARTBEAT_SECONDS = 300


def ami_parameter(kubernetes_version: str) -> str:
    """The SSM parameter AWS publishes the recommended EKS AL2023 x86_64 AMI under."""
    return f"/aws/service/eks/optimized-ami/{kubernetes_version}/amazon-linux-2023/x86_64/standard/recommended/image_id"


def group_tags(
    cluster_name: str, group_name: str, platform_tags: Mapping[str, str]
) -> list[aws.autoscaling.GroupTagArgsDict]:
    """The tags of one spot group: what instances inherit, and what cluster-autoscaler reads.

    Provider default tags do not reach Auto Scaling groups' instances, so the platform's tags are
    repeated here with `propagate_at_launch`.
    """
    inherited = {
        **platform_tags,
        "Name": group_name,
        f"kubernetes.io/cluster/{cluster_name}": "owned",
        # aws-node-termination-handler drains only instances with this tag (checkTagBeforeDraining).
        termination_handler_tag(cluster_name): "true",
    }
    autoscaler = {
        **dict.fromkeys(autoscaler_discovery_tags(cluster_name), "true"),
        f"{_AUTOSCALER}/{cluster_name}": "owned",
        **{f"{_AUTOSCALER}/node-template/label/{k}": v for k, v in USER_NODE_LABELS.items()},
        **{f"{_AUTOSCALER}/node-template/taint/{k}": v for k, v in USER_NODE_TAINTS.items()},
    }
    tags: list[aws.autoscaling.GroupTagArgsDict] = []
    for entries, propagate in ((inherited, True), (autoscaler, False)):
        tags += [{"key": k, "value": v, "propagate_at_launch": propagate} for k, v in sorted(entries.items())]
    return tags


@dataclass(frozen=True)
class SpotCapacityArgs:
    settings: UserNodesSettings
    cluster: EksCluster
    """Nodes join it (endpoint, CA, security group) once its networking add-ons exist; one group
    per private subnet of its network."""
    platform_tags: dict[str, str]
    node_name: str
    """Physical name of the role, the launch template and (with the zone) each group."""
    class_holds: Sequence[ScheduledMinimum] = ()
    """When each group's minimum rises ahead of a class, and falls after (settings/calendar.py)."""
    time_zone: str = "UTC"
    """The class calendar's clock."""


class SpotCapacity(pulumi.ComponentResource):
    group_names: pulumi.Output[list[str]]
    group_arns: pulumi.Output[list[str]]
    role_arn: pulumi.Output[str]
    lifecycle_hook_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: SpotCapacityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:SpotCapacity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings, cluster = args.settings, args.cluster

        role, _ = node_role(name, args.node_name, "Spot user nodes (student servers)", child)
        profile = aws.iam.InstanceProfile(f"{name}-profile", name=args.node_name, role=role.name, opts=child)
        # Self-managed nodes join through an access entry of their own; managed node groups get theirs from EKS.
        access = aws.eks.AccessEntry(
            f"{name}-access", cluster_name=cluster.name, principal_arn=role.arn, type="EC2_LINUX", opts=child
        )
        bootstrap = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority).apply(
            lambda parts: user_data(
                ClusterEndpoint(parts[0], parts[1], parts[2], cluster.service_cidr), USER_NODE_LABELS, USER_NODE_TAINTS
            )
        )

        image_id: pulumi.Input[str] = (
            settings.ami_id
            or aws.ssm.get_parameter_output(
                name=ami_parameter(cluster.kubernetes_version), opts=pulumi.InvokeOptions(parent=self)
            ).insecure_value
        )
        launch_template = aws.ec2.LaunchTemplate(
            f"{name}-launch-template",
            name=args.node_name,
            description="Spot user nodes: EKS AL2023 via nodeadm, IMDSv2 with one hop, encrypted gp3 root volume",
            image_id=image_id,
            user_data=bootstrap,
            iam_instance_profile={"arn": profile.arn},
            vpc_security_group_ids=[cluster.security_group_id],
            metadata_options=NODE_METADATA_OPTIONS,
            block_device_mappings=[root_volume(settings.root_volume_gib)],
            tag_specifications=[{"resource_type": "volume", "tags": {"Name": args.node_name, **args.platform_tags}}],
            update_default_version=True,
            opts=child,
        )

        groups: list[aws.autoscaling.Group] = []
        hooks: list[aws.autoscaling.LifecycleHook] = []
        for zone, subnet_id in sorted(cluster.network.private_subnet_ids_by_zone.items()):
            group_name = f"{args.node_name}-{zone}"
            group = self._group(
                f"{name}-{zone}", group_name, args=args, subnet_id=subnet_id, template=launch_template, access=access
            )
            hook = aws.autoscaling.LifecycleHook(
                f"{name}-{zone}-terminate",
                name=f"{group_name}-terminate",
                autoscaling_group_name=group.name,
                lifecycle_transition="autoscaling:EC2_INSTANCE_TERMINATING",
                heartbeat_timeout=DRAIN_HEARTBEAT_SECONDS,
                default_result="CONTINUE",
                opts=child,
            )
            for hold in args.class_holds:
                # A size left unset would be set to 0: -1 leaves the maximum and desired alone
                # (Auto Scaling raises desired to a new minimum by itself).
                aws.autoscaling.Schedule(
                    f"{name}-{zone}-{hold.name}",
                    scheduled_action_name=f"{group_name}-{hold.name}",
                    autoscaling_group_name=group.name,
                    recurrence=hold.recurrence,
                    time_zone=args.time_zone,
                    min_size=hold.per_zone,
                    max_size=-1,
                    desired_capacity=-1,
                    opts=child,
                )
            groups.append(group)
            hooks.append(hook)
        self.group_names = pulumi.Output.all(*(g.name for g in groups))
        self.lifecycle_hook_names = pulumi.Output.all(*(h.name for h in hooks))
        self.group_arns = pulumi.Output.all(*(g.arn for g in groups))
        self.role_arn = role.arn
        self.register_outputs(
            {
                "group_names": self.group_names,
                "group_arns": self.group_arns,
                "role_arn": self.role_arn,
                "lifecycle_hook_names": self.lifecycle_hook_names,
            }
        )

    def _group(
        self,
        name: str,
        group_name: str,
        *,
        args: SpotCapacityArgs,
        subnet_id: pulumi.Input[str],
        template: aws.ec2.LaunchTemplate,
        access: aws.eks.AccessEntry,
    ) -> aws.autoscaling.Group:
        settings = args.settings
        mixed_instances: aws.autoscaling.GroupMixedInstancesPolicyArgsDict = {
            "instances_distribution": {
                "on_demand_base_capacity": 0,
                "on_demand_percentage_above_base_capacity": 0,
                "spot_allocation_strategy": "price-capacity-optimized",
            },
            "launch_template": {
                "launch_template_specification": {
                    "launch_template_id": template.id,
                    "version": template.latest_version.apply(str),
                },
                "overrides": [{"instance_type": t} for t in settings.instance_types],
            },
        }
        # A new launch template version (a new AMI, say) replaces nodes by launching first and
        # stopping after; every stop goes through the termination handler's drain.
        refresh: aws.autoscaling.GroupInstanceRefreshArgsDict = {
            "strategy": "Rolling",
            "preferences": {
                "min_healthy_percentage": 100,
                "max_healthy_percentage": 200,
                "instance_warmup": "300",
                "skip_matching": True,
            },
        }
        return aws.autoscaling.Group(
            name,
            name=group_name,
            vpc_zone_identifiers=[subnet_id],
            min_size=settings.min_per_zone,
            max_size=settings.max_per_zone,
            desired_capacity=settings.desired_per_zone,
            # Rebalance recommendations start a replacement before AWS reclaims a spot node.
            capacity_rebalance=True,
            mixed_instances_policy=mixed_instances,
            instance_refresh=refresh,
            tags=args.cluster.name.apply(lambda cluster: group_tags(cluster, group_name, args.platform_tags)),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[access, *args.cluster.addons],
                # cluster-autoscaler owns the size once the group exists; with a class calendar the
                # scheduled actions own the minimum, which `pulumi up` must not set back.
                ignore_changes=["desiredCapacity", *(["minSize"] if args.class_holds else [])],
            ),
        )
