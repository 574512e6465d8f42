# What a user's groups give them, through JupyterHub's group_overrides.
# Reads: custom.groups ({group: {memGuarantee, memLimit (bytes), cpuGuarantee, cpuLimit, image}}),
# custom.sharedFolders ([{name, subPath, readWrite: [groups], readOnly: [groups]}]) and
# custom.sharedMountPath. Does nothing for a user in none of those groups.
#
# A user in several groups gets the largest memory and CPU among them (an instructor who is also
# enrolled as a student keeps the instructor's resources) and the image of the group that sorts
# last; shared folders are added to the user's mounts, read-write if any of the user's groups may
# write. A callable, so the choice can look at all of a user's groups at once.

RESOURCE_TRAITS = {
    "memGuarantee": "mem_guarantee",
    "memLimit": "mem_limit",
    "cpuGuarantee": "cpu_guarantee",
    "cpuLimit": "cpu_limit",
}


def folder_mounts(user_groups, folders, mount_path):
    """The shared-folder mounts for a user in `user_groups`: read-write wins over read-only."""
    mounts = []
    for folder in folders:
        writes = bool(user_groups & set(folder["readWrite"]))
        if writes or user_groups & set(folder["readOnly"]):
            mounts.append(
                {
                    "name": "shared-filesystem",
                    "mountPath": f"{mount_path}/{folder['name']}",
                    "subPath": folder["subPath"],
                    "readOnly": not writes,
                }
            )
    return mounts


def overrides_for(user_groups, groups, folders, mount_path):
    """One spawner override for the user's groups, or None when they change nothing."""
    mine = [groups[name] for name in sorted(user_groups) if name in groups]
    override = {}
    for key, trait in RESOURCE_TRAITS.items():
        values = [group[key] for group in mine if key in group]
        if values:
            override[trait] = max(values)
    # A limit below the guarantee would make Kubernetes refuse the pod: raise the limit to it.
    for guarantee, limit in (("mem_guarantee", "mem_limit"), ("cpu_guarantee", "cpu_limit")):
        if guarantee in override and limit in override and override[limit] < override[guarantee]:
            override[limit] = override[guarantee]
    images = [group["image"] for group in mine if "image" in group]
    if images:
        override["image"] = images[-1]
    mounts = folder_mounts(user_groups, folders, mount_path)
    if mounts:
        override["volume_mounts"] = lambda spawner: with_mounts(spawner.volume_mounts, mounts)
    return override or None


def with_mounts(current, mounts):
    """The spawner's mounts plus `mounts`: z2jh keeps them in a dict by key, KubeSpawner allows a list."""
    if isinstance(current, dict):
        return {**current, **{f"shared-{m['mountPath']}": m for m in mounts}}
    return [*current, *mounts]


def group_overrides(spawner):
    user_groups = {group.name for group in spawner.user.groups}
    override = overrides_for(
        user_groups,
        get_config("custom.groups", {}),
        get_config("custom.sharedFolders", []),
        get_config("custom.sharedMountPath", "/home/jovyan/shared"),
    )
    if override is None:
        return {}
    return {"50-from-groups": {"groups": sorted(user_groups), "spawner_override": override}}


c.KubeSpawner.group_overrides = group_overrides
