"""Hub and proxy come back fast: what the rendered pods and the hub's loaded config really say.

Sources:
- Kubernetes, "Taints and Tolerations: taint-based evictions": a pod is evicted from a NotReady or
  unreachable node after its toleration of `node.kubernetes.io/not-ready` / `unreachable`
  (NoExecute); the DefaultTolerationSeconds admission plugin adds 300 s only to pods that set none.
- Kubernetes, "Pod Topology Spread Constraints": a constraint counts the pods its labelSelector
  matches, in the incoming pod's namespace, per value of topologyKey.
- z2jh 4.4.0 templates/hub/deployment.yaml and templates/proxy/deployment.yaml: hub.tolerations and
  proxy.chp.tolerations are appended to the core tolerations; extraPodSpec is written into the pod
  spec as it is; the pods carry `app: jupyterhub` and `component: hub|proxy`.
- JupyterHub 5.5 jupyterhub/app.py: with an external proxy, routes are re-added only by
  `update_last_activity`, every `last_activity_interval`.
- JupyterHub 5.5 jupyterhub/singleuser/extension.py (HubOAuth(parent=the identity provider,
  itself a child of ServerApp)) and jupyter_core's config path: a server reads `HubOAuth` config from
  `jupyter_server_config.json` in a config directory such as /usr/local/etc/jupyter (files in
  `jupyter_server_config.d/` only enable extensions).
"""

import asyncio
import json
from pathlib import PurePosixPath
from typing import Any

import pytest
from jupyter_core.paths import SYSTEM_CONFIG_PATH
from jupyter_server.serverapp import ServerApp
from jupyterhub.services.auth import HubOAuth
from traitlets.config import Config

from contracts import ZONE_KEY
from tests.hub import pod_for
from tests.support import HubFor, selects
from tools.plan.program import ProgramRun

Objects = dict[tuple[str, str], list[dict[str, Any]]]
KUBERNETES_DEFAULT_TOLERATION_SECONDS = 300


def pod_template(objects: list[dict[str, Any]], component: str) -> dict[str, Any]:
    [deployment] = [
        o
        for o in objects
        if o["kind"] == "Deployment" and o["spec"]["template"]["metadata"]["labels"].get("component") == component
    ]
    return dict(deployment["spec"]["template"])


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
@pytest.mark.parametrize("component", ["hub", "proxy"])
def test_hub_and_proxy_leave_a_lost_node_well_before_kubernetes_default(
    stack: str, component: str, rendered_releases: Objects
) -> None:
    spec = pod_template(rendered_releases[(stack, f"{stack}-jupyterhub-release")], component)["spec"]
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        [toleration] = [t for t in spec["tolerations"] if t.get("key") == key]
        assert toleration["effect"] == "NoExecute", (component, toleration)
        assert toleration["tolerationSeconds"] <= KUBERNETES_DEFAULT_TOLERATION_SECONDS / 4, (component, toleration)


@pytest.mark.parametrize("stack", ["dev", "tst", "prod"])
def test_hub_and_proxy_spread_over_zones_as_one_pair(stack: str, rendered_releases: Objects) -> None:
    objects = rendered_releases[(stack, f"{stack}-jupyterhub-release")]
    hub, proxy = pod_template(objects, "hub"), pod_template(objects, "proxy")
    for pod in (hub, proxy):
        [constraint] = pod["spec"]["topologySpreadConstraints"]
        assert constraint["topologyKey"] == ZONE_KEY and constraint["maxSkew"] == 1
        # each counts the other: the second to schedule goes to another zone where it can
        assert selects(constraint["labelSelector"], hub["metadata"]["labels"])
        assert selects(constraint["labelSelector"], proxy["metadata"]["labels"])
        # and only them: user servers and the scheduler do not skew the pair
        others = [o for o in objects if o["kind"] == "Deployment" and o["spec"]["template"] not in (hub, proxy)]
        assert not any(
            selects(constraint["labelSelector"], o["spec"]["template"]["metadata"]["labels"]) for o in others
        )
        # a preference: core nodes in one zone must still run both
        assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert "affinity" in pod["spec"]  # the chart's own node affinity is still there, once


def test_a_restarted_proxy_gets_its_routes_back_within_30_seconds(
    stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    config = hub_for(stack_runs["prod"])
    assert config.ConfigurableHTTPProxy.should_start is False  # z2jh's external proxy
    assert 0 < config.JupyterHub.last_activity_interval <= 30


def test_running_servers_cache_logins_through_a_hub_restart(
    rendered_releases: Objects, stack_runs: dict[str, ProgramRun], hub_for: HubFor
) -> None:
    # the user's pod as KubeSpawner builds it from the chart's own hub config
    user_pod = asyncio.run(pod_for(hub_for(stack_runs["prod"]), "alice", []))
    [container] = user_pod["spec"]["containers"]
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"].endswith("/jupyter_server_config.json")]
    path = PurePosixPath(mount["mountPath"])
    assert str(path.parent) in SYSTEM_CONFIG_PATH, path  # a directory every server searches
    assert path.name == f"{ServerApp().config_file_name}.json"  # the file ServerApp loads its config from
    [volume] = [v for v in user_pod["spec"]["volumes"] if v["name"] == mount["name"]]
    objects = rendered_releases[("prod", "prod-jupyterhub-release")]
    [secret] = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == volume["secret"]["secretName"]]
    config = Config(json.loads(secret["stringData"][mount["subPath"]]))
    assert HubOAuth(config=config, api_token="unused").cache_max_age >= 600
