"""`python -m tools.loadtest.kubernetes`: the load test as Kubernetes Jobs on the stack's own user nodes.

For more students than one machine drives: a Locust master Job and a worker Job of `--workers`
pods, in the hub's namespace, on the user nodes (their label and taint), the students' code in a
ConfigMap (the locustfile and what it imports, byte for byte), the health-check service's token
from the Secret the chart keeps it in. Prints the manifests for `kubectl apply -f -`; the master's
log ends with the run's summary (`kubectl logs job/<prefix>-loadtest-master`), and every user of
the run is removed when it ends. Protocol students only: browsers stay on a machine of one's own.
"""

import argparse
import json
import shlex
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

from contracts import DEDICATED_TAINT, USER_NODE_LABELS, USER_NODE_TAINTS
from tools.loadtest.classroom import DEFAULT_CELLS, TOKEN_VARIABLE
from tools.loadtest.run import LoadTestError, refuse_production

# Locust's own image, at the version the suite runs; the students also need websocket-client.
LOCUST_IMAGE = "locustio/locust:2.47.0"
WEBSOCKET_CLIENT = "websocket-client==1.9.2"
MASTER_PORT = 5557
TOOLS = Path(__file__).resolve().parent.parent
# The locustfile and everything it imports of this repository, at their paths under /code.
CODE = ("tools/__init__.py", "tools/loadtest/__init__.py", "tools/loadtest/locustfile.py",
        "tools/loadtest/classroom.py", "tools/ops/__init__.py", "tools/ops/kernels.py")  # fmt: skip
# Where the chart keeps the health-check service's token (z2jh generates it into the hub's Secret).
TOKEN_KEY = "hub.services.health-check.apiToken"


def _key(path: str) -> str:
    return path.replace("/", "__")


def job_manifests(
    *, prefix: str, hub_url: str, students: int, workers: int, arrive_within: float, hold: float, think: float
) -> list[dict[str, Any]]:
    namespace, name = f"{prefix}-hub", f"{prefix}-loadtest"
    run_id = uuid.uuid4().hex[:6]
    value, effect = USER_NODE_TAINTS[DEDICATED_TAINT].split(":")
    placement = {
        "nodeSelector": dict(USER_NODE_LABELS),
        "tolerations": [{"key": DEDICATED_TAINT, "operator": "Equal", "value": value, "effect": effect}],
    }
    locust = shlex.join(
        [
            "locust", "-f", "/code/tools/loadtest/locustfile.py", "--host", hub_url, "--run-id", run_id,
            "--arrive-within", str(arrive_within), "--hold", str(hold), "--think", str(think),
            "--cells", json.dumps(DEFAULT_CELLS), "--loglevel", "WARNING", "ProtocolStudent",
        ]
    )  # fmt: skip
    install = shlex.join(["pip", "install", "--quiet", "--user", WEBSOCKET_CLIENT])
    # Every user of the run goes at the end, whatever became of the students that made them.
    sweep = shlex.join(
        [
            "python", "-c",
            "import os, sys, time; from tools.loadtest.classroom import Hub; "
            f"hub = Hub(sys.argv[1], os.environ['{TOKEN_VARIABLE}']); "
            "[hub.remove_user(u, time.sleep) for u in hub.users_of_run(sys.argv[2])]",
            hub_url, run_id,
        ]
    )  # fmt: skip
    master = (
        f"{install} && {locust} --master --headless --users {students} --expect-workers {workers} "
        f"--stop-timeout 60 --summary /tmp/summary.json; status=$?; {sweep}; cat /tmp/summary.json; exit $status"
    )
    worker = f"{install} && {locust} --worker --master-host {name}-master --master-port {MASTER_PORT}"

    def pod(role: str, command: str) -> dict[str, Any]:
        return {
            "metadata": {"labels": {"app": name, "role": role}},
            "spec": {
                **placement,
                "restartPolicy": "Never",
                "containers": [
                    {
                        "name": "locust",
                        "image": LOCUST_IMAGE,
                        "command": ["sh", "-c", command],
                        "env": [
                            {"name": "PYTHONPATH", "value": "/code"},
                            {
                                "name": TOKEN_VARIABLE,
                                "valueFrom": {"secretKeyRef": {"name": f"{prefix}-hub", "key": TOKEN_KEY}},
                            },
                        ],
                        "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}},
                        "volumeMounts": [{"name": "code", "mountPath": "/code"}],
                    }
                ],
                "volumes": [
                    {
                        "name": "code",
                        "configMap": {"name": f"{name}-code", "items": [{"key": _key(p), "path": p} for p in CODE]},
                    }
                ],
            },
        }

    def job(role: str, command: str, pods: int) -> dict[str, Any]:
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": f"{name}-{role}", "namespace": namespace},
            "spec": {
                "parallelism": pods,
                "completions": pods,
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 86400,
                "template": pod(role, command),
            },
        }

    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{name}-code", "namespace": namespace},
            "data": {_key(path): (TOOLS.parent / path).read_text() for path in CODE},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"{name}-master", "namespace": namespace},
            "spec": {
                "selector": {"app": name, "role": "master"},
                "ports": [{"name": "workers", "port": MASTER_PORT, "targetPort": MASTER_PORT}],
            },
        },
        job("master", master, 1),
        job("workers", worker, workers),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest.kubernetes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", required=True, help="the stack's prefix, like tst")
    parser.add_argument("--hub-url", required=True, help="the hub's URL, like https://tst.hub.example.edu")
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--arrive-within", type=float, default=60)
    parser.add_argument("--hold", type=float, default=600)
    parser.add_argument("--think", type=float, default=10)
    parser.add_argument("--force-production", action="store_true", help="load-test a hub without the banner")
    args = parser.parse_args(argv)
    try:
        refuse_production(args.hub_url.rstrip("/"), args.force_production)
    except LoadTestError as error:
        print(error, file=sys.stderr)
        return 2
    manifests = job_manifests(
        prefix=args.prefix, hub_url=args.hub_url.rstrip("/"), students=args.students, workers=args.workers,
        arrive_within=args.arrive_within, hold=args.hold, think=args.think,
    )  # fmt: skip
    print(yaml.safe_dump_all(manifests, sort_keys=False), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
