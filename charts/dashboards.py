"""The JupyterHub Grafana dashboards the monitoring loads: built JSON files in one folder.

They come from github.com/jupyterhub/grafana-dashboards at a pinned commit, built with jsonnet
(`make dashboards`, tools/plan/dashboards.py); the program reads the folder named by
`DASHBOARDS` (CI points it at a folder that already holds them), `.dashboards/` by default.
"""

import os
from pathlib import Path

DASHBOARDS_VARIABLE = "DASHBOARDS"
DEFAULT_DASHBOARDS = Path(__file__).resolve().parent.parent / ".dashboards"
# The upstream repository and commit, and the dashboards it builds (dashboards/<name>.jsonnet).
REPOSITORY = "https://github.com/jupyterhub/grafana-dashboards"
COMMIT = "ef44b4ed0b439734f2acd5dbd81c4f7d3b513f76"
NAMES = ("activity", "cluster", "group", "homedirs", "jupyterhub", "support", "usage-report", "user")


class MissingDashboardsError(FileNotFoundError):
    pass


def dashboard_dir() -> Path:
    return Path(os.environ.get(DASHBOARDS_VARIABLE) or DEFAULT_DASHBOARDS)


def dashboard_files() -> list[Path]:
    """Every pinned dashboard's JSON file; a clear error naming the way to get any that is missing."""
    folder = dashboard_dir()
    files = [folder / f"{name}.json" for name in NAMES]
    missing = [path.name for path in files if not path.is_file()]
    if missing:
        raise MissingDashboardsError(
            f"{folder} lacks {', '.join(missing)}: run `make dashboards` to build the JupyterHub dashboards, or set "
            f"{DASHBOARDS_VARIABLE} to a folder that holds them"
        )
    return files
