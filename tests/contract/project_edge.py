"""Traefik as a server runs it in front of the API, without an engine: the project's HTTPS
entry point middlewares (infra/traefik/traefik.yml), its dynamic files and the API's router
from its labels, on a loopback port (tests/harness/traefik_process.py). The tests of the
client's address behind a CDN and through the load balancer each add their own settings.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.harness.api_process import ApiProcess
from tests.harness.loopback_process import LoopbackProcess
from tests.harness.project import GeneratedProject
from tests.harness.traefik_process import get_until_routed, start_traefik
from tests.monitoring.traefik_labels import api_labels, http_configuration

API_HOST = "api.example.org"


def websecure_settings(project: Path) -> dict[str, Any]:
    """The project's own `websecure` entry point, as traefik.yml writes it."""
    static = yaml.safe_load((project / "infra" / "traefik" / "traefik.yml").read_text())
    settings: dict[str, Any] = static["entryPoints"]["websecure"]
    return settings


def start_project_edge(
    project: Path,
    api_url: str,
    workdir: Path,
    name: str,
    entry_point: dict[str, Any],
    rate_limit_ip_strategy: dict[str, Any] | None = None,
) -> LoopbackProcess:
    """Traefik with the project's entry point middlewares and `entry_point`'s settings, its
    dynamic files (the edge rate limit's ipStrategy updated with `rate_limit_ip_strategy`)
    and the API's router sending to `api_url`; returned once it routes the API."""
    dynamic = workdir / "dynamic"
    shutil.copytree(project / "infra" / "traefik" / "dynamic", dynamic)
    if rate_limit_ip_strategy:
        rate_limit_file = dynamic / "rate-limit.yml"
        rate_limit = yaml.safe_load(rate_limit_file.read_text())
        limit = rate_limit["http"]["middlewares"]["rate-limit"]["rateLimit"]
        limit["sourceCriterion"]["ipStrategy"].update(rate_limit_ip_strategy)
        rate_limit_file.write_text(yaml.safe_dump(rate_limit))
    (dynamic / "api.yml").write_text(
        yaml.safe_dump(http_configuration(api_labels(project, API_HOST), {"api": api_url}))
    )
    middlewares = websecure_settings(project)["http"]["middlewares"]
    traefik = start_traefik(
        workdir, {"directory": str(dynamic)}, {"http": {"middlewares": middlewares}, **entry_point},
        name=name,
    )  # fmt: skip
    routed = get_until_routed(f"http://{traefik.address}/api/v1/health", API_HOST)
    assert routed.status_code != 404, f"Traefik never routed the API:\n{traefik.log_tail()}"
    return traefik


@contextmanager
def api_behind_edge(
    api_project: GeneratedProject,
    edge_project: Path,
    workdir: Path,
    name: str,
    api_settings: dict[str, str],
    entry_point: dict[str, Any],
    rate_limit_ip_strategy: dict[str, Any] | None = None,
) -> Iterator[tuple[ApiProcess, LoopbackProcess]]:
    """An API instance of `api_project` with `api_settings`, behind Traefik with
    `edge_project`'s files and `entry_point`'s settings (`start_project_edge`); both
    stopped afterwards, whichever failed to start."""
    api = ApiProcess.for_project(api_project, name=f"behind-{name}", **api_settings)
    api.start()
    try:
        edge = start_project_edge(
            edge_project,
            api.origin,
            workdir,
            name=f"traefik-behind-{name}",
            entry_point=entry_point,
            rate_limit_ip_strategy=rate_limit_ip_strategy,
        )
        try:
            yield api, edge
        finally:
            edge.stop()
    finally:
        api.stop()
