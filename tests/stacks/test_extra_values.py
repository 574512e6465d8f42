"""`hub.extraValues`: what a team's hand-kept z2jh values file had that the settings do not wrap
reaches the hub as z2jh gives it to KubeSpawner, and the chart's own schema judges it.

Sources: z2jh 4.4.0 `files/hub/jupyterhub_config.py` (singleuser.profileList -> KubeSpawner.profile_list,
singleuser.extraEnv -> KubeSpawner.environment, singleuser.lifecycleHooks ->
KubeSpawner.lifecycle_hooks) and `values.schema.json` (profileList is an array; unknown keys
under singleuser are refused); Helm's merge of a values file over the chart's (maps merged key by
key, lists replaced).
"""

from typing import Any

import pytest
from helm_python import HelmError

from tests.support import BASE_CONFIG, HubFor, RunConfig

PROFILES = [
    {"display_name": "Python", "default": True},
    {"display_name": "R", "kubespawner_override": {"image": "quay.io/jupyter/r-notebook:2026-11-16"}},
]


def with_extra_values(extra: dict[str, Any]) -> dict[str, Any]:
    return {"hub": {**BASE_CONFIG["hub"], "extraValues": extra}}


def test_a_values_file_s_profiles_environment_and_hooks_reach_kubespawner(
    run_config: RunConfig, hub_for: HubFor
) -> None:
    extra = {
        "singleuser": {
            "profileList": PROFILES,
            "extraEnv": {"COURSE": "med101"},
            "lifecycleHooks": {"postStart": {"exec": {"command": ["sh", "-c", "echo hello"]}}},
        }
    }
    config = hub_for(run_config(with_extra_values(extra)))
    spawner = config.KubeSpawner
    assert [p["display_name"] for p in spawner.profile_list] == ["Python", "R"]
    assert spawner.environment["COURSE"] == "med101"
    assert spawner.lifecycle_hooks["postStart"]["exec"]["command"] == ["sh", "-c", "echo hello"]
    # merged, not replacing: the platform's own singleuser values are still there
    assert spawner.pod_name_template == "dev-jupyter-{user_server}"


def test_a_value_the_chart_s_schema_refuses_stops_the_render(run_config: RunConfig, hub_for: HubFor) -> None:
    run = run_config(with_extra_values({"singleuser": {"profileList": "python"}}))
    with pytest.raises(HelmError, match="profileList"):
        hub_for(run)
