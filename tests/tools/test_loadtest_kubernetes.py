"""The load test as Kubernetes Jobs: valid objects for the cluster's version, on the user nodes,
the students' code exactly this repository's, and a shell that hands Locust what it is given.

Sources: the Kubernetes API (batch/v1 Job: parallelism/completions; a Pod's nodeSelector and
tolerations; a ConfigMap volume's `items` put keys at paths), checked with the schemas of
kubernetes-validate; Locust's `--master`/`--worker` over port 5557; the chart keeps the
health-check service's token in the hub's Secret under `hub.services.health-check.apiToken`.
"""

import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from contracts import DEDICATED_TAINT, USER_NODE_LABELS
from tools.loadtest.kubernetes import CODE, MASTER_PORT, TOKEN_KEY, job_manifests
from tools.plan.stack_config import ROOT

MANIFESTS = job_manifests(prefix="tst", hub_url="https://tst.hub.example.edu", students=300, workers=4,
                          arrive_within=60, hold=600, think=10)  # fmt: skip


def find(kind: str, name: str) -> dict[str, Any]:
    [found] = [m for m in MANIFESTS if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


@pytest.mark.parametrize("manifest", MANIFESTS, ids=[m["metadata"]["name"] for m in MANIFESTS])
def test_every_object_is_valid_for_the_cluster(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, "1.35.0", strict=True)


def test_the_jobs_run_on_user_nodes_with_the_chart_s_token() -> None:
    for role, pods in (("master", 1), ("workers", 4)):
        job = find("Job", f"tst-loadtest-{role}")
        assert (job["spec"]["parallelism"], job["spec"]["completions"]) == (pods, pods)
        spec = job["spec"]["template"]["spec"]
        assert spec["nodeSelector"] == USER_NODE_LABELS
        assert [t["key"] for t in spec["tolerations"]] == [DEDICATED_TAINT]
        [container] = spec["containers"]
        [token] = [e for e in container["env"] if "valueFrom" in e]
        assert token["valueFrom"]["secretKeyRef"] == {"name": "tst-hub", "key": TOKEN_KEY}
    # the workers find the master through its Service
    service = find("Service", "tst-loadtest-master")
    assert service["spec"]["ports"][0]["port"] == MASTER_PORT
    master_pod = find("Job", "tst-loadtest-master")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= master_pod.items()


def test_the_students_code_is_this_repository_s_at_its_paths() -> None:
    config_map = find("ConfigMap", "tst-loadtest-code")
    [volume] = find("Job", "tst-loadtest-workers")["spec"]["template"]["spec"]["volumes"]
    mounted = {item["path"]: config_map["data"][item["key"]] for item in volume["configMap"]["items"]}
    assert set(mounted) == set(CODE)
    for path, text in mounted.items():
        assert text == (ROOT / path).read_text(), path
    # ... and it is everything the locustfile imports from the repository
    imported = {line.split()[1] for line in (ROOT / "tools/loadtest/locustfile.py").read_text().splitlines()
                if line.startswith("from tools.")}  # fmt: skip
    imported |= {line.split()[1] for line in (ROOT / "tools/loadtest/classroom.py").read_text().splitlines()
                 if line.startswith("from tools.")}  # fmt: skip
    assert {f"{module.replace('.', '/')}.py" for module in imported} <= set(CODE)


def test_the_master_s_shell_hands_locust_its_arguments_intact() -> None:
    """The cells hold quotes of their own; shlex must give Locust back exactly what was meant."""
    job = find("Job", "tst-loadtest-master")
    [container] = job["spec"]["template"]["spec"]["containers"]
    script = container["command"][2]
    locust = next(part for part in script.split(" && ") if part.startswith("locust "))
    words = shlex.split(locust.split(";")[0])
    assert words[words.index("--host") + 1] == "https://tst.hub.example.edu"
    assert "print('loadtest-done', round(total))" in words[words.index("--cells") + 1]
    assert words[words.index("--expect-workers") + 1] == "4" and "ProtocolStudent" in words
    assert Path(words[words.index("-f") + 1]).parts[-3:] == ("tools", "loadtest", "locustfile.py")
