"""`make dashboards`: build the JupyterHub Grafana dashboards at their pinned commit.

Clones github.com/jupyterhub/grafana-dashboards at `charts.dashboards.COMMIT` and evaluates each
`dashboards/<name>.jsonnet` with the repository's vendored libraries (`-J vendor`), as its own
build does, with the `gojsonnet` wheel; writes `<name>.json` into the dashboards folder
(`DASHBOARDS`, default `.dashboards/`), unless all are there already. Needs git and network; CI
points DASHBOARDS at a folder of dashboards built this way.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import _gojsonnet  # the gojsonnet wheel's module

from charts.dashboards import COMMIT, NAMES, REPOSITORY, dashboard_dir


def build(destination: Path) -> list[Path]:
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        checkout = Path(folder) / "grafana-dashboards"
        subprocess.run(["git", "init", "--quiet", str(checkout)], check=True)
        subprocess.run(["git", "-C", str(checkout), "fetch", "--quiet", "--depth", "1", REPOSITORY, COMMIT], check=True)
        subprocess.run(["git", "-C", str(checkout), "checkout", "--quiet", "FETCH_HEAD"], check=True)
        written = []
        for name in NAMES:
            source = checkout / "dashboards" / f"{name}.jsonnet"
            output = _gojsonnet.evaluate_file(str(source), jpathdir=[str(checkout / "vendor")])
            target = destination / f"{name}.json"
            target.write_text(output)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan.dashboards", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build"])
    parser.parse_args(argv)
    destination = dashboard_dir()
    if all((destination / f"{name}.json").is_file() for name in NAMES):
        print(f"all {len(NAMES)} dashboards are in {destination}")
        return 0
    written = build(destination)
    print(f"built {len(written)} dashboards into {destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
