"""Every compose file combination is valid: the local one for Compose v2, each server stack
for `docker stack deploy` (the schema is a file linter)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.deploy.nodes import PRIVATE_NETWORK_MTU
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


# Hetzner's private network, which carries the overlays between nodes (the nodes' test runs
# on a network of that MTU), as compose writes the option.
OVERLAY_MTU_OPTION = str(PRIVATE_NETWORK_MTU)


def overlay_networks(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The stack file's overlay networks, by name."""
    return {
        name: network or {}
        for name, network in (compose.get("networks") or {}).items()
        if (network or {}).get("driver") == "overlay"
    }


def overlay_mtu_problem(compose: dict[str, Any]) -> str:
    """Which overlay networks would let a task send packets too big for the path between
    nodes (empty when none): each must give Docker the private network's MTU, from which it
    takes VXLAN's and IPsec's headers for the tasks' interfaces (tests/deploy/test_nodes.py
    shows what happens without it)."""
    problems = []
    for name, network in overlay_networks(compose).items():
        mtu = (network.get("driver_opts") or {}).get("com.docker.network.driver.mtu")
        if mtu != OVERLAY_MTU_OPTION:
            problems.append(f"network {name}: MTU option {mtu!r}, not {OVERLAY_MTU_OPTION!r}")
    return "; ".join(problems)


def test_every_overlay_fits_the_private_network(rendered_matrix: list[RenderedProject]) -> None:
    distinct = {
        (project.path / name).read_text(): f"{project.id} {name}"
        for project in rendered_matrix
        for stack in compose_stacks(project.path)
        if stack.name != "local"
        for name in stack.files
    }
    stacks = {where: yaml.safe_load(text) for text, where in distinct.items()}
    failures = [
        f"{where}: {problem}"
        for where, compose in stacks.items()
        if (problem := overlay_mtu_problem(compose))
    ]
    overlays = sum(len(overlay_networks(compose)) for compose in stacks.values())
    record(
        f"lint: MTU {OVERLAY_MTU_OPTION} on {overlays} overlay networks of "
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
    good = {
        "driver": "overlay",
        "driver_opts": {"com.docker.network.driver.mtu": OVERLAY_MTU_OPTION},
    }
    assert overlay_mtu_problem({"networks": {"edge": good, "local": {"driver": "bridge"}}}) == ""
    assert named in overlay_mtu_problem({"networks": {"edge": good, "backend": network}})
