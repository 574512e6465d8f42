"""The cluster in each mode, as the offline plan shows it for every stack file and for variations."""

import base64
import json

import pytest

from contracts import SHARED_STACK_OUTPUTS, termination_handler_tag
from settings.cluster import DEFAULT_USER_INSTANCE_TYPES
from tests.support import RunConfig, node_config_of, tags_of
from tools.plan.mocks import Registration, SecretValue
from tools.plan.program import ProgramRun

GROUP = "aws:autoscaling/group:Group"
EKS_STACKS = ["dev", "tst", "prod"]


def only(run: ProgramRun, type_: str) -> Registration:
    [resource] = run.by_type(type_)
    return resource


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_each_environment_has_a_cluster_core_nodes_and_a_spot_group_per_zone(
    stack: str, stack_runs: dict[str, ProgramRun]
) -> None:
    run = stack_runs[stack]
    cluster = only(run, "aws:eks/cluster:Cluster")
    assert cluster.inputs["name"] == f"{stack}-cluster"
    assert cluster.inputs["accessConfig"]["authenticationMode"] == "API"
    assert cluster.inputs["encryptionConfig"]["resources"] == ["secrets"]
    assert {"api", "audit", "authenticator"} <= set(cluster.inputs["enabledClusterLogTypes"])
    core = only(run, "aws:eks/nodeGroup:NodeGroup")
    assert core.inputs["capacityType"] == "ON_DEMAND"
    assert core.inputs["labels"] == {"hub.jupyter.org/node-purpose": "core"}
    assert len(core.inputs["subnetIds"]) == len(run.outputs["availabilityZones"]) >= 3
    groups = run.by_type(GROUP)
    zones = sorted(g.inputs["name"].removeprefix(f"{stack}-user-nodes-") for g in groups)
    assert zones == run.outputs["availabilityZones"]
    assert all(len(g.inputs["vpcZoneIdentifiers"]) == 1 for g in groups)


def test_production_protects_its_cluster_and_secrets_key(stack_runs: dict[str, ProgramRun]) -> None:
    for stack in EKS_STACKS:
        run = stack_runs[stack]
        # a key's deletion loses what it encrypts: the cluster's Secrets, the students' homes
        for resource in [only(run, "aws:eks/cluster:Cluster"), *run.by_type("aws:kms/key:Key")]:
            assert resource.protect == (stack == "prod"), f"{stack} {resource.name}"
        assert only(run, "aws:eks/cluster:Cluster").inputs["deletionProtection"] == (stack == "prod"), stack


def test_production_core_nodes_survive_losing_one(stack_runs: dict[str, ProgramRun]) -> None:
    scaling = only(stack_runs["prod"], "aws:eks/nodeGroup:NodeGroup").inputs["scalingConfig"]
    assert scaling["minSize"] >= 2


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_spot_groups_are_all_spot_diversified_and_rebalanced(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    for group in stack_runs[stack].by_type(GROUP):
        policy = group.inputs["mixedInstancesPolicy"]
        distribution = policy["instancesDistribution"]
        assert distribution["onDemandBaseCapacity"] == 0, group.name
        assert distribution["onDemandPercentageAboveBaseCapacity"] == 0, group.name
        assert distribution["spotAllocationStrategy"] == "price-capacity-optimized", group.name
        types = [o["instanceType"] for o in policy["launchTemplate"]["overrides"]]
        assert types == list(DEFAULT_USER_INSTANCE_TYPES), group.name
        assert group.inputs["capacityRebalance"] is True, group.name
        refresh = group.inputs["instanceRefresh"]
        assert refresh["strategy"] == "Rolling", group.name
        # launch the replacement first: never fewer nodes than students were using
        assert refresh["preferences"]["minHealthyPercentage"] == 100, group.name
        assert refresh["preferences"]["maxHealthyPercentage"] > 100, group.name


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_every_spot_termination_waits_at_a_lifecycle_hook(stack: str, stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs[stack]
    groups = {g.urn: g.inputs["name"] for g in run.by_type(GROUP)}
    hooks = run.by_type("aws:autoscaling/lifecycleHook:LifecycleHook")
    hooked = []
    for hook in hooks:
        assert hook.inputs["lifecycleTransition"] == "autoscaling:EC2_INSTANCE_TERMINATING", hook.name
        assert hook.inputs["defaultResult"] == "CONTINUE", hook.name
        assert hook.inputs["heartbeatTimeout"] >= 60, hook.name
        hooked += [groups[d] for d in hook.depends_on if d in groups]
    assert sorted(hooked) == sorted(groups.values())


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_spot_groups_carry_the_autoscaler_and_termination_handler_tags(
    stack: str, stack_runs: dict[str, ProgramRun]
) -> None:
    cluster = f"{stack}-cluster"
    for group in stack_runs[stack].by_type(GROUP):
        tags = tags_of(group)
        assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
        assert tags[f"k8s.io/cluster-autoscaler/{cluster}"] == "owned"
        assert tags["k8s.io/cluster-autoscaler/node-template/label/hub.jupyter.org/node-purpose"] == "user"
        assert tags["k8s.io/cluster-autoscaler/node-template/taint/hub.jupyter.org/dedicated"] == "user:NoSchedule"
        assert termination_handler_tag(cluster) in tags
        propagated = {t["key"] for t in group.inputs["tags"] if t["propagateAtLaunch"]}
        assert {"Project", "Stack", "Tier", "ManagedBy", termination_handler_tag(cluster)} <= propagated
        assert f"kubernetes.io/cluster/{cluster}" in propagated


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_nodes_keep_pods_away_from_their_credentials_and_encrypt_their_disks(
    stack: str, stack_runs: dict[str, ProgramRun]
) -> None:
    templates = stack_runs[stack].by_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert len(templates) == 2  # core and user nodes
    for template in templates:
        metadata = template.inputs["metadataOptions"]
        assert metadata["httpTokens"] == "required", template.name
        assert metadata["httpPutResponseHopLimit"] == 1, template.name
        [root] = template.inputs["blockDeviceMappings"]
        assert root["ebs"]["volumeType"] == "gp3" and root["ebs"]["encrypted"] == "true", template.name


def test_user_nodes_join_the_cluster_labelled_and_tainted(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["tst"]
    template = run.named("tst-user-nodes-launch-template")
    config = node_config_of(template.inputs["userData"])
    cluster = only(run, "aws:eks/cluster:Cluster")
    assert config["spec"]["cluster"]["name"] == "tst-cluster"
    assert config["spec"]["cluster"]["cidr"] == cluster.inputs["kubernetesNetworkConfig"]["serviceIpv4Cidr"]
    flags = config["spec"]["kubelet"]["flags"]
    assert "--register-with-taints=hub.jupyter.org/dedicated=user:NoSchedule" in flags
    assert template.inputs["imageId"].startswith("ami-")
    assert base64.b64decode(template.inputs["userData"])  # it is base64, as launch templates want


def test_user_nodes_join_through_an_ec2_linux_access_entry(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    [entry] = [e for e in run.by_type("aws:eks/accessEntry:AccessEntry") if e.inputs["type"] == "EC2_LINUX"]
    assert entry.inputs["principalArn"].endswith(":role/dev-user-nodes")
    profile = only(run, "aws:iam/instanceProfile:InstanceProfile")
    assert profile.inputs["role"] == "dev-user-nodes"


def test_admins_get_cluster_admin_through_access_entries(run_config: RunConfig) -> None:
    admins = ["arn:aws:iam::123456789012:role/TeachingAdmins", "arn:aws:iam::123456789012:user/alice"]
    run = run_config({"cluster": {"admins": admins}})
    entries = [e for e in run.by_type("aws:eks/accessEntry:AccessEntry") if e.inputs["type"] == "STANDARD"]
    assert sorted(e.inputs["principalArn"] for e in entries) == admins
    associations = run.by_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert sorted(a.inputs["principalArn"] for a in associations) == admins
    assert {a.inputs["policyArn"].rsplit("/", 1)[-1] for a in associations} == {"AmazonEKSClusterAdminPolicy"}


def test_removing_an_admin_leaves_the_others_alone(run_config: RunConfig) -> None:
    alice, bob = "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/teaching/Bob"

    def entries(admins: list[str]) -> dict[str, str]:
        run = run_config({"cluster": {"admins": admins}})
        return {e.urn: e.inputs["principalArn"] for e in run.by_type("aws:eks/accessEntry:AccessEntry")}

    before, after = entries([alice, bob]), entries([bob])
    assert {urn: arn for urn, arn in before.items() if arn == bob}.items() <= after.items()


def test_add_ons_follow_the_cluster_version(run_config: RunConfig) -> None:
    def versions(kubernetes: str) -> dict[str, str]:
        run = run_config({"cluster": {"kubernetesVersion": kubernetes}})
        return {a.inputs["addonName"]: a.inputs["addonVersion"] for a in run.by_type("aws:eks/addon:Addon")}

    older, newer = versions("1.34"), versions("1.35")
    assert (
        older.keys()
        == newer.keys()
        == {"vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"}
    )
    assert all(older[name] != newer[name] for name in older)


def test_nodes_wait_for_the_add_ons_that_make_them_ready(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    before_nodes = {run.named(f"dev-cluster-{a}").urn for a in ("vpc-cni", "kube-proxy", "pod-identity-agent")}
    for node_group in run.by_type("aws:eks/nodeGroup:NodeGroup") + run.by_type(GROUP):
        assert before_nodes <= set(node_group.depends_on), node_group.name


def test_the_core_node_group_can_be_replaced_without_a_name_clash(stack_runs: dict[str, ProgramRun]) -> None:
    core = only(stack_runs["dev"], "aws:eks/nodeGroup:NodeGroup")
    assert "nodeGroupName" not in core.inputs
    assert core.inputs["nodeGroupNamePrefix"] == "dev-core-nodes-"


def test_nodes_only_join_the_security_group_eks_made(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["prod"]
    user_template = run.named("prod-user-nodes-launch-template")
    [nodes_group] = user_template.inputs["vpcSecurityGroupIds"]
    assert nodes_group.startswith("sg-")
    # the managed node group adds the cluster security group itself when its template names none
    assert "vpcSecurityGroupIds" not in run.named("prod-core-nodes-launch-template").inputs
    # the program's own security groups guard services (homes, the hub's database): only the
    # nodes get in, on one port each, and nothing is opened to an address range
    groups = run.by_type("aws:ec2/securityGroup:SecurityGroup")
    rules = run.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert groups and len(rules) == len(groups)
    for rule in rules:
        assert rule.inputs["referencedSecurityGroupId"] == nodes_group, rule.name
        assert rule.inputs["fromPort"] == rule.inputs["toPort"] and "cidrIpv4" not in rule.inputs, rule.name
    assert not run.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")


def test_a_pinned_ami_is_used_as_given(run_config: RunConfig) -> None:
    run = run_config({"cluster": {"userNodes": {"amiId": "ami-0123456789abcdef0"}}})
    assert run.named("dev-user-nodes-launch-template").inputs["imageId"] == "ami-0123456789abcdef0"


def test_the_vpc_cni_gets_aws_permissions_through_pod_identity(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    cni = run.named("dev-cluster-vpc-cni")
    assert cni.type == "aws:eks/addon:Addon"
    [association] = cni.inputs["podIdentityAssociations"]
    assert association["serviceAccount"] == "aws-node"
    assert association["roleArn"].endswith(":role/dev-cluster-vpc-cni")
    addons = {a.inputs["addonName"] for a in run.by_type("aws:eks/addon:Addon")}
    assert {"vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent"} <= addons
    assert not run.by_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")


def test_coredns_waits_for_the_nodes_it_runs_on(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    assert only(run, "aws:eks/nodeGroup:NodeGroup").urn in run.named("dev-core-nodes-coredns").depends_on


def test_the_kubernetes_provider_and_kubeconfig_stay_secret(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    provider = only(run, "pulumi:providers:kubernetes")
    assert isinstance(provider.inputs["kubeconfig"], SecretValue)
    assert isinstance(run.outputs["kubeconfig"], SecretValue)
    kubeconfig = json.loads(run.outputs["kubeconfig"].value)
    assert kubeconfig["users"][0]["user"]["exec"]["command"] == "aws"


def test_kubeconfig_mode_creates_no_aws_resource(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["local"]
    assert not [r for r in run.resources if r.type.startswith(("aws:", "pulumi:providers:aws"))]
    provider = only(run, "pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "kind-jupyterhub"
    assert run.outputs["clusterMode"] == "kubeconfig"


def test_a_kubeconfig_given_as_a_secret_reaches_the_provider_as_one(run_config: RunConfig) -> None:
    run = run_config({"cluster": {"mode": "kubeconfig", "kubeconfig": {"secure": "v1:abc"}}}, stack="lab")
    provider = only(run, "pulumi:providers:kubernetes")
    assert isinstance(provider.inputs["kubeconfig"], SecretValue)


def test_stack_mode_reads_the_test_cluster_through_a_stack_reference(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["review"]
    reference = only(run, "pulumi:pulumi:StackReference")
    assert reference.read and reference.inputs["name"] == "organization/jupyterhub-platform/tst"
    assert not [r for r in run.resources if r.type.startswith("aws:")]
    provider = only(run, "pulumi:providers:kubernetes")
    assert isinstance(provider.inputs["kubeconfig"], SecretValue)
    assert run.outputs["clusterName"] == "tst-cluster"
    # what an eks-mode stack exports is what a stack-mode stack reads
    exported = set(stack_runs["tst"].outputs)
    assert set(SHARED_STACK_OUTPUTS) <= exported, set(SHARED_STACK_OUTPUTS) - exported
