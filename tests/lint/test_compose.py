"""Every compose file combination is valid: the local one for Compose v2, each server stack
for `docker stack deploy` (the schema is a file linter)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.lint.compose_stacks import compose_stacks
from tests.lint.linters import stack_files_problem
from tests.report import record


def test_docker_compose_config_accepts_every_combination(
    rendered_matrix: list[RenderedProject],
) -> None:
    checked = 0
    failures = []
    for project in rendered_matrix:
        for stack in compose_stacks(project.path):
            checked += 1
            if output := stack_files_problem(project.path, stack):
                failures.append(f"{project.id} [{stack.name}]\n{output}")
    record(
        f"lint: docker compose config (local) and docker stack deploy's loader (servers) on "
        f"{checked} compose file combinations"
    )
    assert not failures, "\n\n".join(failures)


def published_ports_problem(compose: dict[str, Any]) -> str:
    """Why a client would not reach Traefik as itself (empty when it would): only Traefik
    publishes ports, each on the node itself (mode: host); the routing mesh (mode: ingress,
    the default) hands Traefik every client as an address of the mesh. IPv6 clients reach a
    host-mode port through docker_gwbridge, which the server's provisioning makes with IPv6
    (tests/lint/test_cloud_init.py)."""
    problems = []
    for name, service in compose["services"].items():
        for port in service.get("ports") or []:
            if name != "traefik":
                problems.append(f"{name} publishes {port}")
            elif not isinstance(port, dict) or port.get("mode") != "host":
                problems.append(f"traefik publishes {port} through the routing mesh")
    return "; ".join(problems)


def test_clients_reach_traefik_as_themselves(rendered_matrix: list[RenderedProject]) -> None:
    distinct = {
        (project.path / "compose.prod.yaml").read_text(): project.id
        for project in rendered_matrix
        if (project.path / "compose.prod.yaml").exists()
    }
    assert distinct, "no combination has a server stack"
    failures = [
        f"{project_id}: {problem}"
        for text, project_id in distinct.items()
        if (problem := published_ports_problem(yaml.safe_load(text)))
    ]
    record(f"lint: published ports of {len(distinct)} distinct compose.prod.yaml")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("ports", "named"),
    [
        ({"traefik": [{"target": 443, "published": 443}]}, "routing mesh"),
        ({"traefik": ["443:443"]}, "routing mesh"),
        ({"api": [{"target": 3000, "published": 3000, "mode": "host"}]}, "api publishes"),
    ],
    ids=["ingress", "short-syntax", "not-traefik"],
)
def test_the_published_ports_check_refuses_the_mesh(ports: dict[str, Any], named: str) -> None:
    good = {"traefik": {"ports": [{"target": 443, "published": 443, "mode": "host"}]}}
    assert published_ports_problem({"services": good}) == ""
    broken = {name: {"ports": value} for name, value in ports.items()}
    assert named in published_ports_problem({"services": {**good, **broken}})
