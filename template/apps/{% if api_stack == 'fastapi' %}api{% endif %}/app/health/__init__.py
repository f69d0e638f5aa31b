"""Liveness and readiness for Traefik, Docker and the deploy scripts."""
