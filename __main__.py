"""JupyterHub for teaching on AWS: one program, one stack per environment.

    Pulumi.<stack>.yaml ─► settings ─► cluster ─► prerequisites ─► hub ─► outputs
                                       (eks: network, control plane, core and spot nodes;
                                        kubeconfig: an existing cluster; stack: another's)

Each layer takes the handles of the layers below it (layers/), so every dependency is an edge
Pulumi sees. Every name starts with the stack name; every AWS resource carries the stack's tags.
"""

from layers.cluster import build_cluster
from layers.hub import build_hub
from layers.outputs import export_outputs
from layers.prerequisites import build_prerequisites
from settings import load_settings

settings = load_settings()
cluster = build_cluster(settings)
prerequisites = build_prerequisites(settings, cluster)
hub = build_hub(settings, cluster, prerequisites)
export_outputs(settings, cluster, prerequisites, hub)
