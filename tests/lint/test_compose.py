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


# Hetzner's private network, which carries the overlays between nodes (its docs: 1450 bytes).
PRIVATE_NETWORK_MTU = "1450"
STACK_FILES = ("compose.prod.yaml", "compose.backup.yaml", "compose.monitoring.yaml")


def overlay_mtu_problem(compose: dict[str, Any]) -> str:
    """Which overlay networks would let a task send packets too big for the path between
    nodes (empty when none): each must give Docker the private network's MTU, from which it
    takes VXLAN's and IPsec's headers for the tasks' interfaces (tests/deploy/test_nodes.py
    shows what happens without it)."""
    problems = []
    for name, network in (compose.get("networks") or {}).items():
        network = network or {}
        if network.get("driver") != "overlay":
            continue
        mtu = (network.get("driver_opts") or {}).get("com.docker.network.driver.mtu")
        if mtu != PRIVATE_NETWORK_MTU:
            problems.append(f"network {name}: MTU option {mtu!r}, not {PRIVATE_NETWORK_MTU!r}")
    return "; ".join(problems)


def test_every_overlay_fits_the_private_network(rendered_matrix: list[RenderedProject]) -> None:
    distinct = {
        (project.path / name).read_text(): f"{project.id} {name}"
        for project in rendered_matrix
        for name in STACK_FILES
        if (project.path / name).exists()
    }
    failures = [
        f"{where}: {problem}"
        for text, where in distinct.items()
        if (problem := overlay_mtu_problem(yaml.safe_load(text)))
    ]
    overlays = sum(
        1
        for text in distinct
        for network in (yaml.safe_load(text).get("networks") or {}).values()
        if (network or {}).get("driver") == "overlay"
    )
    record(
        f"lint: MTU {PRIVATE_NETWORK_MTU} on {overlays} overlay networks of "
        f"{len(distinct)} distinct stack files"
    )
    assert overlays, "no stack file has an overlay network"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("network", "named"),
    [
        ({"driver": "overlay"}, "None"),
        ({"driver": "overlay", "driver_opts": {"encrypted": "true"}}, "None"),
        ({"driver": "overlay", "driver_opts": {"com.docker.network.driver.mtu": "1500"}}, "1500"),
    ],
    ids=["no-options", "encrypted-only", "ethernet"],
)
def test_the_mtu_check_refuses_docker_defaults(network: dict[str, Any], named: str) -> None:
    good = {"driver": "overlay", "driver_opts": {"com.docker.network.driver.mtu": "1450"}}
    assert overlay_mtu_problem({"networks": {"edge": good, "local": {"driver": "bridge"}}}) == ""
    assert named in overlay_mtu_problem({"networks": {"edge": good, "backend": network}})
