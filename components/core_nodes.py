"""The on-demand core node group: where the hub, the proxy, Traefik and the controllers run.

Invariant guarded here: core nodes are labelled `hub.jupyter.org/node-purpose=core`, spread over
every private subnet, never spot, and keep pods away from the node's credentials (IMDSv2 with a
hop limit of 1). CoreDNS is installed here because it needs nodes to become healthy.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.eks_cluster import EksCluster, eks_addon
from components.iam_roles import node_role
from contracts import CORE_NODE_LABELS
from settings.cluster import CoreNodesSettings

# IMDSv2 only, and one hop: a pod (one hop further, behind its own network namespace) cannot read
# the node role's credentials. Pods get AWS permissions through Pod Identity instead.
NODE_METADATA_OPTIONS: aws.ec2.LaunchTemplateMetadataOptionsArgsDict = {
    "http_endpoint": "enabled",
    "http_tokens": "required",
    "http_put_response_hop_limit": 1,
}


def root_volume(size_gib: int) -> aws.ec2.LaunchTemplateBlockDeviceMappingArgsDict:
    return {
        "device_name": "/dev/xvda",
        "ebs": {"volume_size": size_gib, "volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"},
    }


def instance_tag_specifications(
    name: str, tags: dict[str, str]
) -> list[aws.ec2.LaunchTemplateTagSpecificationArgsDict]:
    """Provider default tags do not reach instances and volumes a launch template starts."""
    return [{"resource_type": kind, "tags": {"Name": name, **tags}} for kind in ("instance", "volume")]


@dataclass(frozen=True)
class CoreNodesArgs:
    settings: CoreNodesSettings
    cluster: EksCluster
    """Nodes join it once its networking add-ons exist, in every private subnet of its network."""
    instance_tags: dict[str, str]
    node_name: str
    """Physical name of the node group, its role and launch template (the stack prefix is in it)."""


class CoreNodes(pulumi.ComponentResource):
    node_group_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CoreNodesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:CoreNodes", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster = args.cluster
        role, attachments = node_role(name, args.node_name, "Core nodes (hub, proxy, ingress, controllers)", child)
        launch_template = aws.ec2.LaunchTemplate(
            f"{name}-launch-template",
            name=args.node_name,
            description="Core nodes: IMDSv2 with one hop, encrypted gp3 root volume",
            metadata_options=NODE_METADATA_OPTIONS,
            block_device_mappings=[root_volume(args.settings.disk_size_gib)],
            tag_specifications=instance_tag_specifications(args.node_name, args.instance_tags),
            update_default_version=True,
            opts=child,
        )
        node_group = aws.eks.NodeGroup(
            f"{name}-group",
            cluster_name=cluster.name,
            # A prefix, not a name: changing instance types or subnets replaces the group, and the
            # new one must exist (under another name) before the old one goes.
            node_group_name_prefix=f"{args.node_name}-",
            node_role_arn=role.arn,
            subnet_ids=cluster.network.private_subnet_ids,
            capacity_type="ON_DEMAND",
            ami_type="AL2023_x86_64_STANDARD",
            version=cluster.kubernetes_version,
            instance_types=list(args.settings.instance_types),
            scaling_config={
                "min_size": args.settings.min_size,
                "desired_size": args.settings.desired_size,
                "max_size": args.settings.max_size,
            },
            update_config={"max_unavailable": 1},
            labels=CORE_NODE_LABELS,
            launch_template={"id": launch_template.id, "version": launch_template.latest_version.apply(str)},
            tags={"Name": args.node_name},
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*attachments, *cluster.addons],
                # Whoever scaled the group (a person, an autoscaler) knows better than the stack file.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
        eks_addon(
            f"{name}-coredns",
            "coredns",
            cluster.name,
            cluster.kubernetes_version,
            pulumi.ResourceOptions(parent=self, depends_on=[node_group]),
        )
        self.node_group_name = node_group.node_group_name
        self.role_arn = role.arn
        self.register_outputs({"node_group_name": self.node_group_name, "role_arn": self.role_arn})
