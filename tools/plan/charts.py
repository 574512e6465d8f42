"""The pinned chart archives, offline: where they are, how to get them, how to render them.

`python -m tools.plan.charts pull` (or `make charts`) downloads every pinned chart into the archive
folder, for people with network access. Tests read the folder named by `CHART_ARCHIVES` (CI
points it at a folder that already holds them), defaulting to `.charts/` here. Rendering uses
Helm's own Go code through helm-python-sdk, with the Kubernetes version and the API versions
the cluster serves, as `helm template --kube-version --api-versions` would.
"""

import argparse
import json
import os
import re
import sys
import tarfile
from functools import cache
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml
from helm_python import _native

from charts import ALL_CHARTS, Chart
from tools.plan.mocks import Registration, SecretValue
from tools.plan.program import ProgramRun
from tools.plan.stack_config import ROOT

ARCHIVES_VARIABLE = "CHART_ARCHIVES"
DEFAULT_ARCHIVES = ROOT / ".charts"

# Resource-level API versions an EKS (or kind) cluster serves that chart templates test for with
# `.Capabilities.APIVersions.Has` (Traefik guards its PodDisruptionBudget on it).
CLUSTER_API_VERSIONS = (
    "policy/v1/PodDisruptionBudget",
    "networking.k8s.io/v1/IngressClass",
    "networking.k8s.io/v1/Ingress",
    "scheduling.k8s.io/v1/PriorityClass",
    "autoscaling/v2/HorizontalPodAutoscaler",
    "storage.k8s.io/v1/CSIDriver",
)


class MissingChartArchiveError(FileNotFoundError):
    pass


def archive_dir() -> Path:
    return Path(os.environ.get(ARCHIVES_VARIABLE) or DEFAULT_ARCHIVES)


def archive_path(chart: Chart) -> Path:
    path = archive_dir() / chart.archive
    if not path.is_file():
        raise MissingChartArchiveError(
            f"{path} is missing: run `make charts` to download the pinned charts, or set "
            f"{ARCHIVES_VARIABLE} to a folder that holds {chart.archive}"
        )
    return path


RELEASE = "kubernetes:helm.sh/v3:Release"


def chart_of(release: Registration) -> Chart:
    """The pinned chart a planned Helm release installs."""
    reference, version = release.inputs["chart"], release.inputs["version"]
    matches = [c for c in ALL_CHARTS if reference in (c.name, c.repository) and c.version == version]
    if not matches:
        raise ValueError(f"{release.name}: {reference} {version} is not a pinned chart (charts/__init__.py)")
    return matches[0]


def revealed(value: Any) -> Any:
    """A planned input with its secrets' placeholders in place (for Helm, never for a file)."""
    if isinstance(value, SecretValue):
        return revealed(value.value)
    if isinstance(value, dict):
        return {k: revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revealed(v) for v in value]
    return value


def schema_problems(run: ProgramRun) -> list[str]:
    """Each planned release's values against its pinned chart's values.schema.json, as Helm checks
    them at `pulumi up` (z2jh's refuses unknown keys, such as a misspelt one in hub.extraValues)."""
    problems = []
    for release in run.by_type(RELEASE):
        with helm.Chart.load(archive_path(chart_of(release))) as loaded:
            try:
                loaded.validate_schema(revealed(release.inputs["values"]))
            except helm.HelmError as error:
                # Helm's text: the chart's name, then one `- at '<path>': <what>` line a problem
                why = "; ".join(line.strip(" -") for line in str(error).splitlines()[1:] if line.strip())
                name = release.inputs["name"]
                problems.append(f"{run.stack}: {name}: the chart's schema refuses its values: {why or error}")
    return problems


def render(
    chart: Chart, *, release: str, namespace: str, values: dict[str, Any], kube_version: str
) -> list[dict[str, Any]]:
    """The chart's objects as `helm template` renders them; values are checked against its schema."""
    with helm.Chart.load(archive_path(chart)) as loaded:
        loaded.validate_schema(values)
        # Chart.render of helm-python-sdk 0.2.2 takes no capabilities; its native call does.
        options = {
            "name": release,
            "namespace": namespace,
            "kube_version": kube_version,
            # Helm installs a chart's own CRDs (crds/ folders) before it renders the templates, so
            # those APIs are served by then (kube-prometheus-stack's Prometheus, rules, monitors).
            "api_versions": [*CLUSTER_API_VERSIONS, *_own_api_versions(chart)],
        }
        rendered = json.loads(
            _native.call_string("helm_render", loaded._raw(), json.dumps(values), json.dumps(options))
        )
    objects = []
    for path in sorted(rendered):
        if path.endswith("NOTES.txt"):
            continue
        for document in re.split(r"(?m)^---[ \t]*$", rendered[path]):
            loaded_document = yaml.safe_load(document)
            if loaded_document:
                objects.append(loaded_document)
    return objects


def _own_api_versions(chart: Chart) -> list[str]:
    kinds = custom_kinds(chart)
    return sorted({api for api, _ in kinds} | {f"{api}/{kind}" for api, kind in kinds})


class _CrdLoader(yaml.SafeLoader):
    """PyYAML's safe loader, reading a plain `=` as the string it is: the Prometheus operator's
    AlertmanagerConfig CRD lists `=` among a matcher's operators, which YAML 1.1 tags as a value."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_scalar)  # type: ignore[type-var]


@cache  # the CRDs of kube-prometheus-stack are megabytes of YAML; every render needs them
def custom_kinds(chart: Chart) -> frozenset[tuple[str, str]]:
    """(apiVersion, kind) of every custom resource the chart (or a subchart) defines in a crds/ folder."""
    kinds = set()
    with tarfile.open(archive_path(chart)) as archive:
        for member in archive.getmembers():
            folder = member.name.split("/")[-2:-1]
            if folder != ["crds"] or not member.name.endswith((".yaml", ".yml")):
                continue
            extracted = archive.extractfile(member)
            for document in yaml.load_all(extracted.read() if extracted else b"", Loader=_CrdLoader):
                if document and document.get("kind") == "CustomResourceDefinition":
                    spec = document["spec"]
                    kinds |= {(f"{spec['group']}/{v['name']}", spec["names"]["kind"]) for v in spec["versions"]}
    return frozenset(kinds)


def pull(destination: Path) -> list[Path]:
    destination.mkdir(parents=True, exist_ok=True)
    fetched = []
    for chart in ALL_CHARTS:
        target = destination / chart.archive
        if target.exists():
            continue
        if chart.is_oci:
            helm.pull(chart.repository, destination=destination, version=chart.version)
        else:
            helm.pull(chart.name, repo_url=chart.repository, destination=destination, version=chart.version)
        fetched.append(target)
    return fetched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan.charts", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pull_command = commands.add_parser("pull", help="download the pinned chart archives")
    pull_command.add_argument(
        "--dest", type=Path, default=None, help=f"folder (default: ${ARCHIVES_VARIABLE} or .charts)"
    )
    args = parser.parse_args(argv)
    destination = args.dest or archive_dir()
    missing = [c for c in ALL_CHARTS if not (destination / c.archive).exists()]
    if not missing:
        print(f"all {len(ALL_CHARTS)} pinned charts are in {destination}")
        return 0
    try:
        for path in pull(destination):
            print(f"downloaded {path}")
    except helm.HelmError as error:
        print(
            f"cannot download the charts into {destination}: {error}\n"
            f"Without network access, set {ARCHIVES_VARIABLE} to a folder that already holds "
            + ", ".join(c.archive for c in missing),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
