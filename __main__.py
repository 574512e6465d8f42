"""JupyterHub for teaching on AWS: one program, one stack per environment.

Reads like the architecture: settings, then each layer on the one below, then the outputs.
Every name starts with the stack name; every AWS resource carries the stack's tags.
"""

import pulumi
import pulumi_aws as aws

from components.network import Network, NetworkArgs
from settings import load_settings

settings = load_settings()

# One explicit AWS provider: its default tags reach every resource that takes tags, and with
# default providers disabled (Pulumi.yaml) nothing can slip past it.
aws_provider = aws.Provider(
    settings.name("aws"),
    region=settings.aws_region,
    allowed_account_ids=[settings.aws_account_id] if settings.aws_account_id else None,
    default_tags=aws.ProviderDefaultTagsArgs(tags=settings.aws_tags),
)
on_aws = pulumi.ResourceOptions(providers=[aws_provider])

network = Network(
    settings.name("network"),
    NetworkArgs(
        settings=settings.network,
        cluster_name=settings.name("cluster"),
        nat_gateway_per_zone=settings.policy.nat_gateway_per_zone,
        protect_addresses=settings.policy.protect_stateful_resources,
        region=settings.aws_region,
        stack=settings.stack,
    ),
    opts=on_aws,
)

pulumi.export("prefix", settings.prefix)
pulumi.export("tier", settings.tier.value)
pulumi.export("region", settings.aws_region)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
