"""A service's Traefik labels as the same dynamic configuration in a file.

Traefik's Docker provider and its file provider build one configuration model; the docker
layer runs the Docker provider for the API, and the monitoring layer, which has no Docker
stack of its own, hands a service's labels to a real Traefik through the file provider to see
what its routers and middlewares do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

# Label values Traefik reads as comma-separated lists.
LIST_KEYS = {"entrypoints", "middlewares", "sourcerange"}


def http_configuration(labels: dict[str, str], service_urls: dict[str, str]) -> dict[str, Any]:
    """The `http` section the labels describe; each service is sent to service_urls[name]
    instead of a container port, so a local process can stand in for it."""
    http: dict[str, Any] = {}
    for key, value in labels.items():
        if not key.startswith("traefik.http."):
            continue
        *path, leaf = key.removeprefix("traefik.http.").split(".")
        node = http
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = value.split(",") if leaf in LIST_KEYS else value
    for name, service in http.get("services", {}).items():
        service["loadbalancer"] = {"servers": [{"url": service_urls[name]}]}
    for name, router in http.get("routers", {}).items():
        router.setdefault("service", name)
    return {"http": http}


def api_labels(project: Path, api_host: str) -> dict[str, str]:
    """The API service's labels in the project's compose.prod.yaml, its host set."""
    compose = yaml.safe_load((project / "compose.prod.yaml").read_text())
    labels: dict[str, str] = compose["services"]["api"]["deploy"]["labels"]
    return {key: re.sub(r"\$\{API_HOST[^}]*\}", api_host, value) for key, value in labels.items()}
