"""The hub as its pod would run it: the chart's own jupyterhub_config.py, fed the values this
program renders, and a real KubeSpawner building the pods of sample users."""

import asyncio
import re
from importlib.metadata import entry_points
from typing import Any

import pytest
from traitlets.config import Config

from tests.hub import pod_for
from tests.support import BASE_CONFIG, HubFor, RunConfig, kubernetes_version
from tools.plan.program import ProgramRun

Pod = dict[str, Any]
MIB, GIB = 2**20, 2**30  # JupyterHub reads "M" and "G" as powers of 1024


def pod(config: Config, user: str, groups: list[str] | None = None) -> Pod:
    return asyncio.run(pod_for(config, user, groups or []))


def resources(spec: Pod) -> dict[str, Any]:
    found: dict[str, Any] = spec["spec"]["containers"][0]["resources"]
    return found


def mounts(spec: Pod) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in spec["spec"]["containers"][0].get("volumeMounts", [])}


@pytest.mark.parametrize("stack", ["dev", "tst", "prod", "local"])
def test_user_pods_carry_the_prefix(stack: str, stack_runs: dict[str, ProgramRun], hub_for: HubFor) -> None:
    config = hub_for(stack_runs[stack], kubernetes_version(stack))
    assert pod(config, "alice")["metadata"]["name"] == f"{stack}-jupyter-alice"
    # KubeSpawner escapes names that are not DNS labels, and keeps them apart with a hash
    escaped = pod(config, "Alice.Smith@x.org")["metadata"]["name"]
    assert escaped.startswith(f"{stack}-jupyter-alice-smith-x-org-") and len(escaped) <= 63


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_on_eks_user_pods_require_user_nodes_and_tolerate_their_taint(
    stack: str, stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    spec = pod(hub_for(stack_runs[stack]), "alice")["spec"]
    [term] = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert {"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]} in term["matchExpressions"]
    taint = {"key": "hub.jupyter.org/dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"}
    assert taint in spec["tolerations"]
    assert spec["schedulerName"] == f"{stack}-user-scheduler"
    assert spec["priorityClassName"] == stack  # z2jh's default priority class, named after the fullname


def test_on_a_local_cluster_user_nodes_are_only_preferred(stack_runs: dict[str, ProgramRun], hub_for: HubFor) -> None:
    affinity = pod(hub_for(stack_runs["local"]), "alice")["spec"]["affinity"]["nodeAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in affinity


def test_groups_get_their_resources_and_everyone_else_the_defaults(
    stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    config = hub_for(stack_runs["tst"])
    student, instructor = pod(config, "sam", ["med101-students"]), pod(config, "ines", ["instructors"])
    assert resources(student) == {
        "requests": {"cpu": 0.1, "memory": 550 * MIB},
        "limits": {"cpu": 2.0, "memory": 2 * GIB},
    }
    assert resources(instructor) == {
        "requests": {"cpu": 0.5, "memory": 2 * GIB},
        "limits": {"cpu": 4.0, "memory": 8 * GIB},
    }


def test_a_user_in_two_groups_gets_the_larger_of_each(run_config: RunConfig, hub_for: HubFor) -> None:
    groups = {
        "data-science": {"memoryGuarantee": "4G", "memoryLimit": "8G", "cpuLimit": 1, "image": "example/ds:1"},
        "gpu-course": {"memoryGuarantee": "1G", "memoryLimit": "2G", "cpuGuarantee": 2, "cpuLimit": 4},
    }
    run = run_config({"hub": {**BASE_CONFIG["hub"], "groups": groups}})
    both = pod(hub_for(run), "kim", ["gpu-course", "data-science"])
    assert resources(both) == {
        "requests": {"cpu": 2.0, "memory": 4 * GIB},
        "limits": {"cpu": 4.0, "memory": 8 * GIB},
    }
    assert both["spec"]["containers"][0]["image"] == "example/ds:1"


def test_each_user_mounts_their_own_home_and_their_groups_folders(run_config: RunConfig, hub_for: HubFor) -> None:
    storage = {
        "kind": "nfs",
        "nfsServer": "files.example.edu",
        "nfsPath": "/export/jupyter",
        "sharedFolders": [
            {
                "name": "med101",
                "subPath": "courses/med101",
                "readWriteGroups": ["instructors"],
                "readOnlyGroups": ["med101-students"],
            }
        ],
    }
    run = run_config({"hub": {**BASE_CONFIG["hub"], "storage": storage}})
    config = hub_for(run)
    student, instructor, other = (
        pod(config, "sam", ["med101-students"]),
        pod(config, "ines", ["instructors", "med101-students"]),
        pod(config, "olga", ["physics"]),
    )
    assert mounts(student)["/home/jovyan"]["subPath"] == "home/sam"
    assert mounts(instructor)["/home/jovyan"]["subPath"] == "home/ines"
    assert mounts(student)["/home/jovyan/shared/med101"] == {
        "mountPath": "/home/jovyan/shared/med101",
        "name": "shared-filesystem",
        "readOnly": True,
        "subPath": "courses/med101",
    }
    assert mounts(instructor)["/home/jovyan/shared/med101"]["readOnly"] is False
    assert "/home/jovyan/shared/med101" not in mounts(other)
    [volume] = [v for v in student["spec"]["volumes"] if v["name"] == "shared-filesystem"]
    claim = run.named("dev-jupyterhub-homes-claim")
    assert volume["persistentVolumeClaim"] == {"claimName": claim.inputs["metadata"]["name"]}
    persistent_volume = run.named("dev-jupyterhub-homes-volume")
    assert persistent_volume.inputs["spec"]["nfs"] == {"server": "files.example.edu", "path": "/export/jupyter"}


def test_efs_homes_mount_each_user_s_own_directory_with_the_options_aws_recommends(
    stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    """Source: Amazon EFS user guide, "Mounting EFS file systems using the NFS client" (recommended
    options nfsvers=4.1, rsize=1048576, wsize=1048576, hard, timeo=600, retrans=2, noresvport) and
    "Creating mount targets" (a client mounts the file system's DNS name, which resolves to the
    mount target in its own zone: one per zone the nodes run in)."""
    run = stack_runs["dev"]
    spec = pod(hub_for(run), "alice")["spec"]
    [volume] = [v for v in spec["volumes"] if v["name"] == "shared-filesystem"]
    claim = run.named("dev-jupyterhub-homes-claim")
    assert volume["persistentVolumeClaim"]["claimName"] == claim.inputs["metadata"]["name"]
    [container] = spec["containers"]
    [home] = [m for m in container["volumeMounts"] if m["name"] == "shared-filesystem"]
    assert (home["mountPath"], home["subPath"]) == ("/home/jovyan", "home/alice")  # hers, and only hers
    persistent_volume = run.named("dev-jupyterhub-homes-volume")
    spec_pv = persistent_volume.inputs["spec"]
    assert claim.inputs["spec"]["volumeName"] == persistent_volume.inputs["metadata"]["name"]
    assert spec_pv["claimRef"] == {"namespace": "dev-hub", "name": claim.inputs["metadata"]["name"]}
    assert spec_pv["persistentVolumeReclaimPolicy"] == "Retain"
    options = dict(o.partition("=")[::2] for o in spec_pv["mountOptions"])
    assert options == {
        "nfsvers": "4.1",
        "rsize": "1048576",
        "wsize": "1048576",
        "hard": "",
        "timeo": "600",
        "retrans": "2",
        "noresvport": "",
    }
    assert re.fullmatch(r"fs-[0-9a-f]{17}\.efs\.eu-west-1\.amazonaws\.com", spec_pv["nfs"]["server"])
    # a mount target in every subnet a user node can start in
    user_subnets = {z for g in run.by_type("aws:autoscaling/group:Group") for z in g.inputs["vpcZoneIdentifiers"]}
    targets = {t.inputs["subnetId"] for t in run.by_type("aws:efs/mountTarget:MountTarget")}
    assert targets == user_subnets and len(targets) >= 3


def test_usernames_are_escaped_into_paths_by_kubespawner(run_config: RunConfig, hub_for: HubFor) -> None:
    storage = {"kind": "host-path", "hostPath": "/mnt/shared"}
    run = run_config({"hub": {**BASE_CONFIG["hub"], "storage": storage}})
    home = mounts(pod(hub_for(run), "Alice.Smith@x.org"))["/home/jovyan"]["subPath"]
    assert home.startswith("home/alice") and "@" not in home and "/" not in home.removeprefix("home/")


def test_ebs_homes_are_per_user_volumes_with_prefixed_claims(run_config: RunConfig, hub_for: HubFor) -> None:
    run = run_config({"hub": {**BASE_CONFIG["hub"], "storage": {"kind": "ebs"}}})
    spec = pod(hub_for(run), "alice")["spec"]
    [home] = [v for v in spec["volumes"] if v["name"] == "home"]
    assert home["persistentVolumeClaim"]["claimName"] == "dev-claim-alice"


def test_the_shared_password_comes_from_the_secret(stack_runs: dict[str, ProgramRun], hub_for: HubFor) -> None:
    config = hub_for(stack_runs["dev"])
    assert config.SharedPasswordAuthenticator.user_password == "from-the-secret"
    assert config.JupyterHub.authenticator_class == "shared-password"


def test_an_oauth_hub_follows_the_identity_provider_s_groups(
    stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    config = hub_for(stack_runs["prod"])
    oauth = config.GenericOAuthenticator
    assert oauth.manage_groups is True and oauth.auth_state_groups_key == "oauth_user.groups"
    assert oauth.oauth_callback_url == "https://hub.example.edu/hub/oauth_callback"
    assert oauth.admin_groups == ["jupyterhub-admins"]
    assert "client_secret" not in oauth  # OAuthenticator reads it from the hub's environment
    assert "announcement" not in config.JupyterHub.template_vars  # production shows no environment banner


def test_other_tiers_say_so_on_every_page(stack_runs: dict[str, ProgramRun], hub_for: HubFor) -> None:
    template_vars = hub_for(stack_runs["dev"]).JupyterHub.template_vars
    assert template_vars["announcement"] == "Development environment: dev"
    assert template_vars["platform_title"] and template_vars["accent_color"].startswith("#")


@pytest.mark.parametrize(
    ("stack", "authenticator"), [("prod", "GenericOAuthenticator"), ("dev", "SharedPasswordAuthenticator")]
)
def test_the_configured_authenticator_loads_with_this_configuration(
    stack: str, authenticator: str, stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    config = hub_for(stack_runs[stack])
    [entry_point] = entry_points(group="jupyterhub.authenticators", name=config.JupyterHub.authenticator_class)
    loaded = entry_point.load()(config=config)
    assert type(loaded).__name__ == authenticator
    if authenticator == "GenericOAuthenticator":
        assert loaded.manage_groups is True and loaded.allowed_groups == {
            "dent101-students",
            "instructors",
            "med101-students",
        }
        assert loaded.admin_groups == {"jupyterhub-admins"} and loaded.allow_all is False
        assert loaded.username_claim == "preferred_username" and loaded.allow_existing_users is False


def test_a_github_login_can_read_private_organization_membership(run_config: RunConfig, hub_for: HubFor) -> None:
    auth = {"authenticator": "github", "clientId": "id", "clientSecret": {"secure": "v1:x"}, "allowedGroups": ["uni"]}
    run = run_config({"hub": {"auth": auth}, "ingress": {"hostname": "dev.hub.example.edu"}})
    config = hub_for(run)
    [entry_point] = entry_points(group="jupyterhub.authenticators", name="github")
    loaded = entry_point.load()(config=config)
    assert loaded.allowed_organizations == {"uni"} and "read:org" in loaded.scope


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
def test_no_pod_asks_for_more_than_its_limit(stack: str, stack_runs: dict[str, ProgramRun], hub_for: HubFor) -> None:
    config = hub_for(stack_runs[stack])
    for groups in ([], ["instructors"], ["instructors", "med101-students"]):
        limits_and_requests = resources(pod(config, "alice", groups))
        for kind in ("cpu", "memory"):
            assert limits_and_requests["requests"][kind] <= limits_and_requests["limits"][kind], (stack, groups)


def test_a_new_home_on_a_shared_filesystem_is_made_for_its_user(run_config: RunConfig, hub_for: HubFor) -> None:
    storage = {
        "kind": "nfs",
        "nfsServer": "files.example.edu",
        "nfsPath": "/export",
        "sharedFolders": [{"name": "med101", "subPath": "courses/med101", "readOnlyGroups": ["students"]}],
    }
    run = run_config({"hub": {**BASE_CONFIG["hub"], "storage": storage}})
    spec = pod(hub_for(run), "Alice.Smith@x.org")["spec"]
    [make_home] = [c for c in spec["initContainers"] if c["name"] == "make-home"]
    script = make_home["command"][-1]
    assert "/filesystem/home/alice-smith-x-org---017c5358 " in script + " "
    assert "/filesystem/home/alice-smith-x-org---017c5358/shared/med101" in script
    assert "chown 1000:100" in script and make_home["securityContext"]["runAsUser"] == 0


def test_the_health_check_service_can_manage_its_check_user(stack_runs: dict[str, ProgramRun], hub_for: HubFor) -> None:
    config = hub_for(stack_runs["prod"])
    [service] = [s for s in config.JupyterHub.services if s["name"] == "health-check"]
    assert service["api_token"]  # generated by the chart, kept in the hub's Secret
    [role] = [r for r in config.JupyterHub.load_roles if r["name"] == "health-check"]
    assert role["services"] == ["health-check"]
    assert {"admin:users", "admin:servers", "access:servers"} <= set(role["scopes"])


def test_a_class_of_two_hundred_starting_together_is_admitted(
    stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    """Over `concurrent_spawn_limit` pending spawns JupyterHub answers 429 with a 30-60 s retry hint
    (jupyterhub/handlers/base.py `spawn_single_user`): those students are refused, not queued."""
    assert hub_for(stack_runs["prod"]).JupyterHub.concurrent_spawn_limit >= 200


def test_the_spawn_limit_is_the_stack_s_to_set(run_config: RunConfig, hub_for: HubFor) -> None:
    run = run_config({"hub": {**BASE_CONFIG["hub"], "concurrentSpawnLimit": 400}})
    assert hub_for(run).JupyterHub.concurrent_spawn_limit == 400
