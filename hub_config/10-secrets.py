# Secrets the stack keeps out of the chart's values: the hub's environment gets them from the
# stack's Kubernetes Secret (hub.extraEnv). Reads: SHARED_PASSWORD, HUB_DB_URL, METRICS_TOKEN. Does nothing
# when they are not set (OAuthenticator reads OAUTH_CLIENT_SECRET by itself).
import os

if os.environ.get("SHARED_PASSWORD"):
    c.SharedPasswordAuthenticator.user_password = os.environ["SHARED_PASSWORD"]
if os.environ.get("HUB_DB_URL"):
    c.JupyterHub.db_url = os.environ["HUB_DB_URL"]
# Prometheus reads /hub/metrics with this service's token; the chart's loadRoles give the
# service read:metrics and nothing else.
if os.environ.get("METRICS_TOKEN"):
    c.JupyterHub.services.append({"name": "prometheus", "api_token": os.environ["METRICS_TOKEN"]})
