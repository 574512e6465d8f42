"""A battery of the mistakes operators make in their first weeks, each refused with one line that
names the stack and the key, in words that say what is allowed; none ends in a traceback.

Sources for what AWS and the other systems accept:
- regions: the AWS provider's own list (`pulumi_aws.Region`), of the `aws` partition the
  program writes its ARNs for;
- the Kubernetes Service range: the EKS API reference, KubernetesNetworkConfigRequest
  (`serviceIpv4Cidr`: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, /12 to /24, apart from
  the VPC);
- ACM certificate ARNs: `arn:aws:acm:<region>:<account>:certificate/<id>` (ACM API reference);
- image references: the OCI distribution spec's name and tag grammar (a tag after the last `/`);
- a node's room for pods: nodeadm's kubelet reservations (settings/capacity.py);
- OAuthenticator 17: with no allow list and `allow_all`, GitHub's login admits any GitHub account;
  its callback handler is `/hub/oauth_callback` on the hub's own URL;
- EKS user guide, cluster endpoint access: public access CIDR blocks cannot include reserved
  (private) addresses;
- z2jh 4.4.0 values and jupyterhub_config.py: `singleuser.cloudMetadata.blockWithIptables` adds a
  privileged init container, `*.networkPolicy.enabled` switches a policy off, and a profile's
  `kubespawner_override` sets KubeSpawner traits (`node_selector`, `tolerations`, `uid`, ...) as is;
- kube-prometheus-stack keeps Prometheus' data on a PersistentVolumeClaim (here an EBS gp3 volume);
- YAML 1.1/1.2: an unquoted `#` starts a comment, `1.30` is the number 1.3.

Each case is a base stack file with one edit merged into it, objects key by key, as Helm merges
values (`merged_like_helm`).
"""

import re
from typing import Any

import pytest

from charts.jupyterhub import merged_like_helm
from settings.loader import settings_from_config
from tests.support import CERTIFICATE, PROJECT, load_config_as_pulumi_passes_it, problems_of

ACCOUNT = "123456789012"
SHARED_PASSWORD = {"authenticator": "shared-password", "sharedPassword": "a-password-for-tests"}
DEVELOPMENT: dict[str, Any] = {"tier": "development", "aws:region": "eu-west-1", "hub": {"auth": SHARED_PASSWORD}}
KEYCLOAK = {
    "authenticator": "generic-oauth",
    "clientId": "jupyterhub",
    "clientSecret": "a-client-secret",
    "authorizeUrl": "https://login.example.edu/auth",
    "tokenUrl": "https://login.example.edu/token",
    "userdataUrl": "https://login.example.edu/userinfo",
    "allowedGroups": ["students"],
}
PRODUCTION: dict[str, Any] = {
    "tier": "production",
    "aws:region": "eu-west-1",
    "awsAccountId": ACCOUNT,
    "ingress": {"hostname": "hub.example.edu", "certificateArn": CERTIFICATE},
    "hub": {"auth": KEYCLOAK},
}
GITHUB = {"authenticator": "github", "clientId": "id", "clientSecret": "a-client-secret", "allowedGroups": ["uni"]}
# A base whose login is GitHub's (the edits merge into its auth, so a login of another kind is a base).
ON_GITHUB: dict[str, Any] = {**DEVELOPMENT, "hub": {"auth": GITHUB}}
REVIEW: dict[str, Any] = {
    "tier": "review",
    "cluster": {"mode": "stack", "stack": "organization/jupyterhub-platform/test-cluster"},
    "aws:region": "eu-west-1",
    "hub": {"auth": SHARED_PASSWORD},
}
EXISTING = {
    "vpcId": "vpc-0123456789abcdef0",
    "privateSubnetIds": {"eu-west-1a": "subnet-0000000000000000a", "eu-west-1b": "subnet-0000000000000000b"},
    "publicSubnetIds": {"eu-west-1a": "subnet-0000000000000001a", "eu-west-1b": "subnet-0000000000000001b"},
}
NFS = {"kind": "nfs", "nfsServer": "fs.example.edu", "nfsPath": "/export"}


def users(*types: str) -> dict[str, Any]:
    return {"cluster": {"userNodes": {"instanceTypes": list(types)}}}


# (base, change, key the one line must name, words it must contain)
MISTAKES: list[tuple[dict[str, Any], dict[str, Any], str, str]] = [
    # AWS facts
    (DEVELOPMENT, {"aws:region": "eu-west-9"}, "aws:region", "is not an AWS region"),
    (DEVELOPMENT, {"aws:region": "eu-wset-1"}, "aws:region", "did you mean eu-west-1?"),
    (DEVELOPMENT, {"aws:region": "EU-WEST-1"}, "aws:region", "is not an AWS region"),
    (DEVELOPMENT, {"aws:region": "cn-north-1"}, "aws:region", "aws partition"),
    (DEVELOPMENT, {"aws:region": "us-gov-west-1"}, "aws:region", "aws partition"),
    (DEVELOPMENT, users("m5.2xlarg", "m5a.2xlarge"), "cluster.userNodes.instanceTypes[0]", "did you mean m5.2xlarge?"),
    (DEVELOPMENT, users("t3.2xlarge", "x9.2xlarge"), "cluster.userNodes.instanceTypes[1]", "not an instance type"),
    (DEVELOPMENT, users("m7g.2xlarge", "m6i.2xlarge"), "cluster.userNodes.instanceTypes[0]", "Graviton"),
    (DEVELOPMENT, users("m6i.2xlarge", "m8g.2xlarge"), "cluster.userNodes.instanceTypes[1]", "Graviton"),
    (DEVELOPMENT, users("m6i.2xlarge", "c7gn.2xlarge"), "cluster.userNodes.instanceTypes[1]", "Graviton"),
    (DEVELOPMENT, users("r8gd.2xlarge", "m6i.2xlarge"), "cluster.userNodes.instanceTypes[0]", "Graviton"),
    (DEVELOPMENT, users("m5.2xlarge", "m5.xlarge"), "cluster.userNodes.instanceTypes", "mixes sizes"),
    (DEVELOPMENT, users("m5.2xlarge", "c5.2xlarge"), "cluster.userNodes.instanceTypes", "mixes sizes"),
    (DEVELOPMENT, users("m5.2xlarge", "m5.2xlarge"), "cluster.userNodes.instanceTypes", "more than once"),
    (
        DEVELOPMENT,
        {"cluster": {"coreNodes": {"instanceTypes": ["m6i.large", "m6i.large"]}}},
        "cluster.coreNodes.instanceTypes",
        "more than once",
    ),
    (
        DEVELOPMENT,
        {"cluster": {"coreNodes": {"instanceTypes": ["m6i.large", "m6i.xlarge"]}}},
        "cluster.coreNodes.instanceTypes",
        "mixes sizes",
    ),
    (
        DEVELOPMENT,
        {"cluster": {"coreNodes": {"instanceTypes": ["t4g.large"]}}},
        "cluster.coreNodes.instanceTypes[0]",
        "Graviton",
    ),
    (
        PRODUCTION,
        {"ingress": {"certificateArn": CERTIFICATE.replace(ACCOUNT, "210987654321")}},
        "ingress.certificateArn",
        f"awsAccountId {ACCOUNT}",
    ),
    (
        PRODUCTION,
        {"ingress": {"certificateArn": f"arn:aws:iam::{ACCOUNT}:server-certificate/hub"}},
        "ingress.certificateArn",
        "ACM certificate ARN",
    ),
    (
        PRODUCTION,
        {"ingress": {"certificateArn": CERTIFICATE.replace(":acm:", ":acm-pca:")}},
        "ingress.certificateArn",
        "ACM certificate ARN",
    ),
    (PRODUCTION, {"awsAccountId": "1234567890123"}, "awsAccountId", "12-digit"),
    # Networks
    (DEVELOPMENT, {"network": {"vpcCidr": "169.254.0.0/16"}}, "network.vpcCidr", "private range"),
    (DEVELOPMENT, {"network": {"vpcCidr": "100.64.0.0/16"}}, "network.vpcCidr", "private range"),
    (DEVELOPMENT, {"network": {"vpcCidr": "198.18.0.0/16"}}, "network.vpcCidr", "private range"),
    (DEVELOPMENT, {"network": {"vpcCidr": "127.0.0.0/16"}}, "network.vpcCidr", "private range"),
    (DEVELOPMENT, {"cluster": {"serviceCidr": "100.64.0.0/16"}}, "cluster.serviceCidr", "as EKS requires"),
    (DEVELOPMENT, {"cluster": {"serviceCidr": "10.100.0.0/25"}}, "cluster.serviceCidr", "/12 to /24"),
    (DEVELOPMENT, {"cluster": {"serviceCidr": "10.0.0.0/8"}}, "cluster.serviceCidr", "/12 to /24"),
    (DEVELOPMENT, {"cluster": {"serviceCidr": "172.20.0.1"}}, "cluster.serviceCidr", "/12 to /24"),
    (DEVELOPMENT, {"cluster": {"serviceCidr": "10.0.128.0/24"}}, "cluster.serviceCidr", "overlaps network.vpcCidr"),
    (
        DEVELOPMENT,
        {"network": {"existing": {**EXISTING, "publicSubnetIds": EXISTING["privateSubnetIds"]}}},
        "network.existing.publicSubnetIds",
        "must differ from privateSubnetIds",
    ),
    (
        DEVELOPMENT,
        {
            "network": {
                "existing": {
                    **EXISTING,
                    "privateSubnetIds": dict.fromkeys(EXISTING["privateSubnetIds"], "subnet-0000000000000000a"),
                }
            }
        },
        "network.existing.privateSubnetIds",
        "more than one zone",
    ),
    # Capacity that cannot work
    (
        DEVELOPMENT,
        {"hub": {"resources": {"memoryGuarantee": "40G", "memoryLimit": "40G"}}},
        "hub.resources.memoryGuarantee",
        "more than a user node can give",
    ),
    (
        DEVELOPMENT,
        {"hub": {"resources": {"cpuGuarantee": 9, "cpuLimit": 9}}},
        "hub.resources.cpuGuarantee",
        "more than a user node can give",
    ),
    (
        DEVELOPMENT,
        {"hub": {"groups": {"bigdata": {"memoryGuarantee": "32G", "memoryLimit": "32G"}}}},
        "hub.groups.bigdata.memoryGuarantee",
        "more than a user node can give",
    ),
    (
        DEVELOPMENT,
        {"hub": {"groups": {"hpc": {"cpuGuarantee": 8, "cpuLimit": 8}}}},
        "hub.groups.hpc.cpuGuarantee",
        "more than a user node can give",
    ),
    (
        DEVELOPMENT,
        {"hub": {"resources": {"memoryGuarantee": "2 GB"}}},
        "hub.resources.memoryGuarantee",
        "memory size",
    ),
    (DEVELOPMENT, {"hub": {"resources": {"memoryGuarantee": None}}}, "hub.resources.memoryGuarantee", "quote"),
    # Storage and images
    (
        DEVELOPMENT,
        {"hub": {"storage": {**NFS, "nfsServer": "nfs://fs.example.edu"}}},
        "hub.storage.nfsServer",
        "no URL",
    ),
    (
        DEVELOPMENT,
        {"hub": {"storage": {**NFS, "nfsServer": "https://fs.example.edu/export"}}},
        "hub.storage.nfsServer",
        "no URL",
    ),
    (DEVELOPMENT, {"hub": {"storage": {**NFS, "nfsPath": "export/home"}}}, "hub.storage.nfsPath", "absolute"),
    (DEVELOPMENT, {"hub": {"storage": {**NFS, "nfsPath": "/export/../etc"}}}, "hub.storage.nfsPath", "absolute"),
    (
        DEVELOPMENT,
        {
            "hub": {
                "storage": {
                    "sharedFolders": [
                        {"name": "data", "subPath": "a", "readOnlyGroups": ["s"]},
                        {"name": "data", "subPath": "b", "readOnlyGroups": ["s"]},
                    ]
                }
            }
        },
        "hub.storage.sharedFolders",
        "more than once",
    ),
    (
        DEVELOPMENT,
        {"hub": {"storage": {"sharedFolders": [{"name": "Course Data", "subPath": "a"}]}}},
        "hub.storage.sharedFolders[0].name",
        "lowercase",
    ),
    (
        DEVELOPMENT,
        {"hub": {"storage": {"sharedFolders": [{"name": "data", "subPath": "../other-course"}]}}},
        "hub.storage.sharedFolders[0].subPath",
        "relative path",
    ),
    (
        DEVELOPMENT,
        {"hub": {"groups": {"ds": {"image": "datascience notebook"}}}},
        "hub.groups.ds.image",
        "image reference",
    ),
    (
        DEVELOPMENT,
        {"hub": {"groups": {"ds": {"image": "quay.io/jupyter/datascience-notebook"}}}},
        "hub.groups.ds.image",
        "with its tag",
    ),
    (
        DEVELOPMENT,
        {"hub": {"singleuserImage": {"name": "quay.io/jupyter/scipy-notebook:2026-11-16", "tag": "2026-11-16"}}},
        "hub.singleuserImage.name",
        "carries a tag",
    ),
    (
        DEVELOPMENT,
        {"hub": {"hubImage": {"name": "quay.io/jupyterhub/k8s-hub:4.4.0", "tag": "4.4.0"}}},
        "hub.hubImage.name",
        "carries a tag",
    ),
    (
        DEVELOPMENT,
        {"hub": {"singleuserImage": {"name": "Quay.io/Jupyter/Scipy", "tag": "x"}}},
        "hub.singleuserImage.name",
        "lowercase",
    ),
    (
        DEVELOPMENT,
        {"hub": {"singleuserImage": {"name": "quay.io/jupyter/scipy-notebook", "tag": "-rc1"}}},
        "hub.singleuserImage.tag",
        "image tag",
    ),
    (DEVELOPMENT, {"hub": {"branding": {"logo": "branding/missing.svg"}}}, "hub.branding.logo", "does not exist"),
    (DEVELOPMENT, {"hub": {"branding": {"logo": "../secrets/logo.png"}}}, "hub.branding.logo", "branding/ folder"),
    (DEVELOPMENT, {"hub": {"branding": {"logo": "/etc/logo.png"}}}, "hub.branding.logo", "branding/ folder"),
    (DEVELOPMENT, {"hub": {"branding": {"logo": "branding/logo.gif"}}}, "hub.branding.logo", ".png or .svg"),
    (DEVELOPMENT, {"hub": {"branding": {"accentColor": None}}}, "hub.branding.accentColor", "# starts a comment"),
    (DEVELOPMENT, {"hub": {"branding": {"accentColor": "blue"}}}, "hub.branding.accentColor", "#rrggbb"),
    (DEVELOPMENT, {"hub": {"branding": {"accentColor": "#12345"}}}, "hub.branding.accentColor", "#rrggbb"),
    # Login
    (
        ON_GITHUB,
        {"hub": {"groups": {"instructors": {"memoryLimit": "4G"}}}},
        "hub.groups",
        "brings none",
    ),
    (
        ON_GITHUB,
        {"hub": {"storage": {"sharedFolders": [{"name": "d", "subPath": "d", "readOnlyGroups": ["s"]}]}}},
        "hub.storage.sharedFolders[0]",
        "brings no groups",
    ),
    (
        {**PRODUCTION, "hub": {"auth": GITHUB}},
        {"hub": {"auth": {"allowedGroups": []}}},
        "hub.auth.allowedGroups",
        "every",
    ),
    (PRODUCTION, {"hub": {"auth": {**KEYCLOAK, "allowedGroups": []}}}, "hub.auth.allowedGroups", "allowAll"),
    (
        {**PRODUCTION, "tier": "staging"},
        {"hub": {"auth": {**KEYCLOAK, "allowedGroups": []}}},
        "hub.auth.allowedGroups",
        "staging",
    ),
    (PRODUCTION, {"hub": {"auth": {**KEYCLOAK, "allowAll": True}}}, "hub.auth.allowAll", "would do nothing"),
    (PRODUCTION, {"hub": {"auth": {**KEYCLOAK, "clientId": None}}}, "hub.auth.clientId", "required"),
    (
        PRODUCTION,
        {"hub": {"auth": {**KEYCLOAK, "tokenUrl": "http://login.example.edu/token"}}},
        "hub.auth.tokenUrl",
        "https:// URL",
    ),
    ({**PRODUCTION, "hub": {"auth": SHARED_PASSWORD}}, {}, "hub.auth.authenticator", "not production"),
    # Stack mode
    (REVIEW, {"cluster": {"stack": f"organization/{PROJECT}/tst"}}, "cluster.stack", "this stack itself"),
    (REVIEW, {"ingress": {"hostname": "pr-7.review.example.edu"}}, "ingress.hostname", "does not apply"),
    (REVIEW, {"cluster": {"stack": "tst"}}, "cluster.stack", "organization/project/stack"),
    (REVIEW, {"calendar": {"sessions": []}}, "calendar", "does not apply"),
    # The escape hatch cannot take what the platform guarantees
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"fullnameOverride": "hub"}}},
        "hub.extraValues.fullnameOverride",
        "names every object",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"proxy": {"secretToken": "abc"}}}},
        "hub.extraValues.proxy.secretToken",
        "secret",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"hub": {"config": {"GitHubOAuthenticator": {"allowed_users": ["x"]}}}}}},
        "hub.extraValues.hub.config.GitHubOAuthenticator",
        "set hub.auth",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"singleuser": {"nodeSelector": {"disk": "ssd"}}}}},
        "hub.extraValues.singleuser.nodeSelector",
        "nodes",
    ),
    (DEVELOPMENT, {"hub": {"extraValues": {"hub": {"tolerations": []}}}}, "hub.extraValues.hub.tolerations", "nodes"),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"scheduling": {"userPlaceholder": {"replicas": 0}}}}},
        "hub.extraValues.scheduling",
        "nodes",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"singleuser": {"storage": {"type": "none"}}}}},
        "hub.extraValues.singleuser.storage",
        "set hub.storage",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"hub": {"db": {"type": "sqlite-memory"}}}}},
        "hub.extraValues.hub.db",
        "set hub.database",
    ),
    (DEVELOPMENT, {"hub": {"extraValues": ["singleuser.profileList"]}}, "hub.extraValues", "map of keys"),
    # What pydantic would have said in its own words
    (DEVELOPMENT, {"network": {"vpcCidr": "10.0.0.1/16"}}, "network.vpcCidr", "CIDR form"),
    (DEVELOPMENT, users("t3.2xlarge"), "cluster.userNodes.instanceTypes", "needs at least 2 entries"),
    (
        DEVELOPMENT,
        {"cluster": {"coreNodes": {"instanceTypes": []}}},
        "cluster.coreNodes.instanceTypes",
        "needs at least 1 entry",
    ),
    (
        DEVELOPMENT,
        {"network": {"existing": {**EXISTING, "publicSubnetIds": {}}}},
        "network.existing.publicSubnetIds",
        "needs at least 2 entries",
    ),
    (DEVELOPMENT, {"hub": {"branding": {"title": "x" * 81}}}, "hub.branding.title", "at most 80 characters"),
    # What an independent battery of stack files found planning without a word
    (
        DEVELOPMENT,
        {"hub": {"storage": {"sharedFolders": [{"name": "all", "subPath": "home", "readOnlyGroups": ["s"]}]}}},
        "hub.storage.sharedFolders[0].subPath",
        "every student's home",
    ),
    (
        DEVELOPMENT,
        {"hub": {"storage": {"sharedFolders": [{"name": "all", "subPath": "home/alice", "readOnlyGroups": ["s"]}]}}},
        "hub.storage.sharedFolders[0].subPath",
        "overlaps homesSubPath",
    ),
    (
        DEVELOPMENT,
        {"hub": {"storage": {"sharedFolders": [{"name": "data", "subPath": "data"}]}}},
        "hub.storage.sharedFolders[0]",
        "mounted for nobody",
    ),
    (
        DEVELOPMENT,
        {"hub": {"storage": {"nfsServer": "fs.example.edu", "nfsPath": "/export"}}},
        "hub.storage.nfsServer",
        "applies to kind nfs",
    ),
    (
        DEVELOPMENT,
        {"hub": {"storage": {"kind": "efs", "capacity": "20Gi"}}},
        "hub.storage.capacity",
        "applies to kind ebs",
    ),
    (
        DEVELOPMENT,
        {
            "calendar": {
                "sessions": [
                    {"name": "a", "days": ["mon"], "start": "09:00", "end": "11:00", "students": 700},
                    {"name": "b", "days": ["mon"], "start": "10:00", "end": "12:00", "students": 700},
                ]
            }
        },
        "calendar.sessions",
        "1400 students online together",
    ),
    (
        DEVELOPMENT,
        {
            "calendar": {
                "sessions": [{"name": "a", "days": ["mon"], "start": "09:00", "end": "11:00", "students": 200}]
            },
            "hub": {"concurrentSpawnLimit": 50},
        },
        "hub.concurrentSpawnLimit",
        "HTTP 429",
    ),
    (
        DEVELOPMENT,
        {
            "calendar": {
                "sessions": [{"name": "a", "days": ["mon"], "start": "09:00", "end": "12:00", "students": 20}]
            },
            "hub": {"maxAgeHours": 2},
        },
        "hub.maxAgeHours",
        "mid-class",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"singleuser": {"cloudMetadata": {"blockWithIptables": True}}}}},
        "hub.extraValues.singleuser.cloudMetadata",
        "metadata service",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"singleuser": {"networkPolicy": {"enabled": False}}}}},
        "hub.extraValues.singleuser.networkPolicy",
        "network policy",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"singleuser": {"uid": 0}}}},
        "hub.extraValues.singleuser.uid",
        "notebook user",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"hub": {"containerSecurityContext": {"runAsUser": 0}}}}},
        "hub.extraValues.hub.containerSecurityContext",
        "security context",
    ),
    (
        DEVELOPMENT,
        {"hub": {"extraValues": {"hub": {"extraConfig": {"20-group-overrides": "pass"}}}}},
        "hub.extraValues.hub.extraConfig.20-group-overrides",
        "another name",
    ),
    (
        DEVELOPMENT,
        {
            "hub": {
                "extraValues": {
                    "singleuser": {
                        "profileList": [{"display_name": "GPU", "kubespawner_override": {"tolerations": []}}]
                    }
                }
            }
        },
        "hub.extraValues.singleuser.profileList[0].kubespawner_override.tolerations",
        "the platform decides",
    ),
    (
        PRODUCTION,
        {"hub": {"auth": {"callbackUrl": "https://tst.hub.example.edu/hub/oauth_callback"}}},
        "hub.auth.callbackUrl",
        "own hostname hub.example.edu",
    ),
    (
        PRODUCTION,
        {"hub": {"auth": {"callbackUrl": "https://hub.example.edu/oauth/callback"}}},
        "hub.auth.callbackUrl",
        "/hub/oauth_callback",
    ),
    (
        DEVELOPMENT,
        {"hub": {"auth": {"clientId": "jupyterhub"}}},
        "hub.auth.clientId",
        "does not apply to the shared-password",
    ),
    (ON_GITHUB, {"hub": {"auth": {"groupsClaim": "groups"}}}, "hub.auth.groupsClaim", "does not apply to the github"),
    (
        DEVELOPMENT,
        {
            "monitoring": {"enabled": True},
            "prerequisites": {"ebsCsiDriver": {"enabled": False}},
            "hub": {"database": {"kind": "rds"}},
        },
        "prerequisites.ebsCsiDriver.enabled",
        "Prometheus",
    ),
    (
        DEVELOPMENT,
        {"monitoring": {"enabled": False, "alertEmails": ["ops@example.edu"]}},
        "monitoring.alertEmails",
        "monitoring off",
    ),
    (DEVELOPMENT, {"hub": {"storage": NFS}, "backup": {"retentionDays": 30}}, "backup", "not nfs"),
    (DEVELOPMENT, {"prerequisites": {"traefik": {"enabled": False}}}, "prerequisites.traefik.enabled", "only way in"),
    (DEVELOPMENT, {"cluster": {"publicAccessCidrs": ["10.0.0.0/8"]}}, "cluster.publicAccessCidrs[0]", "public range"),
    (REVIEW, {"ingress": {"reviewDomain": "review.example.edu"}}, "ingress.reviewDomain", "cluster mode stack"),
    (DEVELOPMENT, {"awsAccountId": "12345678901"}, "awsAccountId", "leading zeros"),
    (DEVELOPMENT, {"monitoring": {"storageGib": "50GiB"}}, "monitoring.storageGib", "whole number"),
    (
        DEVELOPMENT,
        {"hub": {"groups": {"staff": {"cpuGuarantee": 4, "cpuLimit": 2}}}},
        "hub.groups.staff.cpuLimit",
        "Got 2.0",
    ),
    (DEVELOPMENT, {"budget": {"monthlyUsd": 500}}, "budget.monthlyUsd", "tells nobody"),
    (
        DEVELOPMENT,
        {"hub": {"resources": {"image": "quay.io/jupyter/r-notebook:2026-11-16"}}},
        "hub.resources.image",
        "groups only",
    ),
    # What YAML does to what was written, and near misses
    (DEVELOPMENT, {"cluster": {"kubernetesVersion": 1.3}}, "cluster.kubernetesVersion", "1.30 as 1.3"),
    (DEVELOPMENT, {"cluster": {"kubernetesVersion": "1.3"}}, "cluster.kubernetesVersion", "like 1.35"),
    (DEVELOPMENT, {"tags": {"Backup": True}}, "tags.Backup", "as a boolean"),
    (DEVELOPMENT, {"hub": {"storage": {**NFS, "nfsPath": None}}}, "hub.storage.nfsPath", "is required"),
    (DEVELOPMENT, {"hub": {"resources": {"memLimit": "2G"}}}, "hub.resources.memLimit", "did you mean memoryLimit?"),
    (
        DEVELOPMENT,
        {"cluster": {"userNodes": {"instanceType": ["m5.2xlarge"]}}},
        "cluster.userNodes.instanceType",
        "did you mean instanceTypes?",
    ),
    (DEVELOPMENT, {"ingress": {"hostName": "hub.example.edu"}}, "ingress.hostName", "did you mean hostname?"),
    (
        DEVELOPMENT,
        {"hub": {"branding": {"accentColour": "#123456"}}},
        "hub.branding.accentColour",
        "did you mean accentColor?",
    ),
]


@pytest.mark.parametrize(
    ("base", "change", "key", "words"), MISTAKES, ids=[f"{i}-{case[2]}" for i, case in enumerate(MISTAKES)]
)
def test_a_mistake_is_one_line_naming_the_stack_and_the_key(
    base: dict[str, Any], change: dict[str, Any], key: str, words: str
) -> None:
    config = {k: v for k, v in merged_like_helm(base, change).items() if v is not None}
    problems = problems_of(config)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"tst: {key}: "), problems[0]
    assert words in problems[0], problems[0]
    assert_in_the_settings_words(problems[0])


def assert_in_the_settings_words(problem: str) -> None:
    """What pydantic says in its own words ("String should match pattern '^...$'", "List should
    have at least 2 items after validation") is no help to an operator."""
    assert not re.search(r"\b(should|Input|String|List|Dictionary)\b|\^|\$'", problem), problem


def test_the_bases_of_the_battery_are_valid() -> None:
    """So that each case fails for its own change alone."""
    for base in (DEVELOPMENT, PRODUCTION, REVIEW, merged_like_helm(DEVELOPMENT, {"hub": {"storage": NFS}})):
        load_config_as_pulumi_passes_it(base)


def test_a_setting_is_shown_as_secret_only_when_it_is_one() -> None:
    """A mistake under `hub`, which holds the login's secret, still shows the value at fault."""
    problems = problems_of(merged_like_helm(DEVELOPMENT, {"hub": {"resources": {"memoryLimit": "lots"}}}))
    assert problems == [
        "tst: hub.resources.memoryLimit: is not a memory size like 512M or 2G (K, M, G, T count in powers of 1024). "
        'Got "lots".'
    ]
    problems = problems_of(merged_like_helm(PRODUCTION, {"hub": {"auth": {**KEYCLOAK, "clientSecret": ["s3cr3t"]}}}))
    assert problems == ['tst: hub.auth.clientSecret: must be a valid string. Got "[secret]".']
    problems = problems_of(
        merged_like_helm(DEVELOPMENT, {"hub": {"auth": {**SHARED_PASSWORD, "sharedPassword": "short"}}})
    )
    assert problems[0].startswith("tst: hub.auth.sharedPassword: ") and "short" not in problems[0], problems


def test_a_bad_region_stops_before_anything_else_is_asked() -> None:
    """No traceback and no AWS call: the settings error is all a bad region gets."""
    raw = {f"{PROJECT}:tier": "development", "aws:region": "mars-north-1", f"{PROJECT}:hub": "{}"}
    with pytest.raises(Exception) as caught:
        settings_from_config(PROJECT, "tst", raw)
    assert type(caught.value).__name__ == "SettingsError"
    assert "tst: aws:region: is not an AWS region" in str(caught.value)


def test_a_key_in_a_misspelt_namespace_is_named() -> None:
    """`jupyterhub-platfrom:hub` is read by nothing: the key itself is named, not only what is missing."""
    problems = problems_of({**DEVELOPMENT, f"{PROJECT[:-2]}mr:tier": "development"})
    assert problems == [
        f"tst: {PROJECT[:-2]}mr:tier: is in namespace {PROJECT[:-2]}mr:, which nothing reads (did you mean "
        f"{PROJECT}:? this project's keys are {PROJECT}:<key>)."
    ]


def test_a_kubernetes_provider_key_points_at_the_settings_that_do_it() -> None:
    [problem] = problems_of({**DEVELOPMENT, "kubernetes:context": "kind-jupyterhub"})
    assert problem.startswith("tst: kubernetes:context: is not read") and "cluster.context" in problem, problem
    assert "AWS" not in problem


def test_a_near_miss_instance_type_is_never_pointed_at_a_graviton_one() -> None:
    """g4dn.2xlarge is closest, by spelling, to t4g.2xlarge, which the next run would refuse."""
    [problem] = problems_of(merged_like_helm(DEVELOPMENT, users("g4dn.2xlarge", "m5.2xlarge")))
    assert "not an instance type the platform knows" in problem and "t4g" not in problem, problem
