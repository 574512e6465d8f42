"""A security group for a service in the cluster's VPC that only the cluster's nodes may reach.

Invariant guarded here: such a group admits one TCP port, from the nodes' security group alone
(the EKS cluster security group every node carries: pods reach the service from their node's
interfaces), and nothing from an address range; with no egress rule, it answers only what came in.
"""

import pulumi
import pulumi_aws as aws

from components.eks_cluster import EksCluster


def node_only_security_group(
    name: str, *, group_name: str, service: str, port: int, cluster: EksCluster, parent: pulumi.Resource
) -> aws.ec2.SecurityGroup:
    """`service` names what the group guards, as its description says: "NFS to the home filesystem"."""
    child = pulumi.ResourceOptions(parent=parent)
    security_group = aws.ec2.SecurityGroup(
        name,
        name=group_name,
        description=f"{service}, from the cluster's nodes only",
        vpc_id=cluster.network.vpc_id,
        tags={"Name": group_name},
        opts=child,
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-nodes",
        security_group_id=security_group.id,
        referenced_security_group_id=cluster.security_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=f"port {port} from the cluster's nodes",
        opts=child,
    )
    return security_group
