"""Load the hub's configuration the way the chart's hub pod does, and build user pods from it.

The release is rendered with the pinned chart; its hub ConfigMap (name templates and the chart's
own `jupyterhub_config.py` and `z2jh.py`) and hub Secret (the merged values, generated secrets)
are written where the hub would mount them, with the mount path rewritten to a temporary folder.
A real KubeSpawner, the version the chart's hub image ships, then builds a user's pod the way
`User.spawn` does: group overrides, then the pod manifest.
"""

import base64
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

MOUNT = "/usr/local/etc/jupyterhub/"


def write_hub_files(objects: list[dict[str, Any]], prefix: str, folder: Path) -> Path:
    """Write the hub's ConfigMap and Secret under `folder`; return the config file's path."""
    [config_map] = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == f"{prefix}-hub"]
    [secret] = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == f"{prefix}-hub"]
    for name, text in config_map["data"].items():
        (folder / "config").mkdir(parents=True, exist_ok=True)
        (folder / "config" / name).write_text(text.replace(MOUNT, f"{folder}/"))
    for name, encoded in secret["data"].items():
        (folder / "secret").mkdir(parents=True, exist_ok=True)
        (folder / "secret" / name).write_bytes(base64.b64decode(encoded))
    for module in ("jupyterhub_config.py", "z2jh.py"):
        (folder / module).write_text((folder / "config" / module).read_text())
    return folder / "jupyterhub_config.py"


def load_hub_config(config_file: Path, prefix: str, namespace: str, secrets: dict[str, str] | None = None) -> Config:
    """The traitlets config the hub would run with; `secrets` is the environment its Secret gives."""
    environment = {
        **(secrets or {}),
        "POD_NAMESPACE": namespace,
        f"{prefix.upper().replace('-', '_')}_HUB_SERVICE_HOST": "10.0.0.1",
        f"{prefix.upper().replace('-', '_')}_HUB_SERVICE_PORT": "8081",
        f"{prefix.upper().replace('-', '_')}_PROXY_API_SERVICE_HOST": "10.0.0.2",
        f"{prefix.upper().replace('-', '_')}_PROXY_API_SERVICE_PORT": "8001",
    }
    sys.modules.pop("z2jh", None)  # it caches the values it loaded
    with mock.patch.dict("os.environ", environment):
        loader = PyFileConfigLoader(config_file.name, path=str(config_file.parent))
        config: Config = loader.load_config()
        return config


@dataclass
class Group:
    name: str


@dataclass
class User:
    name: str
    groups: list[Group] = field(default_factory=list)
    id: int = 1
    url: str = ""

    def __post_init__(self) -> None:
        self.url = f"/user/{self.name}/"


async def pod_for(config: Config, username: str, groups: list[str]) -> dict[str, Any]:
    """The pod KubeSpawner builds for this user, as the dict Kubernetes would receive."""
    user = User(username, [Group(g) for g in groups])
    orm_spawner = mock.Mock(server=None)
    orm_spawner.name = ""  # the default server
    with mock.patch("kubespawner.spawner.load_config"), mock.patch("kubespawner.spawner.shared_client"):
        spawner = KubeSpawner(config=config, user=user, orm_spawner=orm_spawner, _mock=True)
        await spawner.apply_group_overrides()
        pod = await spawner.get_pod_manifest()
    async with ApiClient() as api:
        result: dict[str, Any] = api.sanitize_for_serialization(pod)
    return result
