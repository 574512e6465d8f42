"""JupyterHub for teaching on AWS: one program, one stack per environment.

    Pulumi.<stack>.yaml ─► settings ─► cluster ─► prerequisites ─► state ─► operations ─► hub ─► outputs

    cluster        eks: network, control plane, core and spot nodes; kubeconfig: an existing
                   cluster; stack: another stack's
    prerequisites  the EBS CSI driver, the termination handler, Traefik; cluster-autoscaler
                   after operations, whose Prometheus scrapes it
    state          homes on EFS and the hub's database on RDS, reachable from every zone
    operations     metrics, dashboards and alerts; outside checks, backups and the budget

Each layer takes the handles of the layers below it (layers/), so every dependency is an edge
Pulumi sees. Every name starts with the stack name; every AWS resource carries the stack's tags.
"""

from layers.cluster import build_cluster
from layers.hub import build_hub
from layers.operations import build_operations
from layers.outputs import export_outputs
from layers.prerequisites import build_autoscaler, build_prerequisites
from layers.state import build_state
from settings import load_settings

settings = load_settings()
cluster = build_cluster(settings)
prerequisites = build_prerequisites(settings, cluster)
state = build_state(settings, cluster)
operations = build_operations(settings, cluster, prerequisites, state)
build_autoscaler(settings, cluster, prerequisites, operations.monitoring)  # scraped by it: after it
hub = build_hub(settings, cluster, prerequisites, state, operations)
export_outputs(settings, cluster, prerequisites, operations, hub)
