#!/usr/bin/env bash
# Run tools.ops.healthcheck against a stack's hub: STACK CLUSTER_STACK URL.
# The token of the hub's health-check service is read from the hub's Secret in the cluster of
# CLUSTER_STACK (a review stack's hub runs on tst's cluster) and masked in the log.
set -euo pipefail
stack="$1" cluster_stack="$2" url="$3"
cluster=$(pulumi stack output clusterName --stack "$cluster_stack")
aws eks update-kubeconfig --name "$cluster" --alias "$cluster" >/dev/null
token=$(kubectl get secret "$stack-hub" --namespace "$stack-hub" \
  -o jsonpath='{.data.hub\.services\.health-check\.apiToken}' | base64 --decode)
echo "::add-mask::$token"
JUPYTERHUB_API_TOKEN="$token" .venv/bin/python -m tools.ops.healthcheck "$url"
