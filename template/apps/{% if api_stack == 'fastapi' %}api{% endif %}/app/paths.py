"""Where the API lives: every route is under this prefix (Traefik routes it, docs name it)."""

API_PREFIX = "/api/v1"
# Probes and scrapes: Traefik and Prometheus poll them every few seconds, so they stay out of
# the request histogram (app/http/request_context.py) and make no trace (app/tracing.py).
OPERATIONAL_PATHS = (f"{API_PREFIX}/health", f"{API_PREFIX}/metrics")
