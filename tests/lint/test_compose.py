"""Every compose file combination is valid: the local one for Compose v2, each server stack
for `docker stack deploy` (the schema is a file linter)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.lint.compose_stacks import compose_stacks
from tests.lint.linters import compose_config_problem, stack_deploy_problem
from tests.report import record


def test_docker_compose_config_accepts_every_combination(
    rendered_matrix: list[RenderedProject],
) -> None:
    checked = 0
    failures = []
    for project in rendered_matrix:
        for stack in compose_stacks(project.path):
            checked += 1
            check = compose_config_problem if stack.name == "local" else stack_deploy_problem
            if output := check(project.path, stack):
                failures.append(f"{project.id} [{stack.name}]\n{output}")
    record(
        f"lint: docker compose config (local) and docker stack deploy's loader (servers) on "
        f"{checked} compose file combinations"
    )
    assert not failures, "\n\n".join(failures)


# `${EDGE_IPV6_SUBNET:-fd..::/64}`: the subnet the server stack gets unless overridden.
SUBNET_DEFAULT = re.compile(r"^\$\{EDGE_IPV6_SUBNET:-(?P<subnet>[^}]+)\}$")
UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")


def edge_ipv6_problem(compose: dict[str, Any]) -> str:
    """Why Docker would not hand IPv6 clients to the publishing services as themselves
    (empty when it would): the edge network needs IPv6, with a /64 of Unique Local Addresses
    (the same subnet on every server is then harmless), and every service publishing a port
    must be on it."""
    edge = compose["networks"].get("edge") or {}
    if edge.get("enable_ipv6") is not True:
        return "the edge network lacks enable_ipv6: true"
    subnets = [entry.get("subnet", "") for entry in edge.get("ipam", {}).get("config", [])]
    defaults = [found["subnet"] for s in subnets if (found := SUBNET_DEFAULT.match(s))]
    if len(defaults) != 1:
        return f"the edge network's subnets {subnets} hold no one ${{EDGE_IPV6_SUBNET:-...}}"
    subnet = ipaddress.ip_network(defaults[0])
    if not (subnet.version == 6 and subnet.prefixlen == 64 and subnet.subnet_of(UNIQUE_LOCAL)):
        return f"the edge network's IPv6 subnet {subnet} is not a Unique Local /64"
    off_edge = [
        name
        for name, service in compose["services"].items()
        if service.get("ports") and "edge" not in service.get("networks", [])
    ]
    return f"services publishing ports off the edge network: {off_edge}" if off_edge else ""


def test_the_edge_network_hands_ipv6_clients_to_traefik_as_themselves(
    rendered_matrix: list[RenderedProject],
) -> None:
    distinct = {
        (project.path / "compose.prod.yaml").read_text(): project.id
        for project in rendered_matrix
        if (project.path / "compose.prod.yaml").exists()
    }
    assert distinct, "no combination has a server stack"
    failures = [
        f"{project_id}: {problem}"
        for text, project_id in distinct.items()
        if (problem := edge_ipv6_problem(yaml.safe_load(text)))
    ]
    record(f"lint: IPv6 on the edge network of {len(distinct)} distinct compose.prod.yaml")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ({"enable_ipv6": False}, "enable_ipv6"),
        ({"ipam": {"config": [{"subnet": "${EDGE_IPV6_SUBNET:-2001:db8::/64}"}]}}, "Unique Local"),
        ({"ipam": {"config": [{"subnet": "${EDGE_IPV6_SUBNET:-fd00::/48}"}]}}, "Unique Local"),
        ({"ipam": {"config": []}}, "EDGE_IPV6_SUBNET"),
    ],
    ids=["ipv6-off", "global-subnet", "not-a-64", "no-subnet"],
)
def test_the_edge_check_refuses_a_broken_network(broken: dict[str, Any], named: str) -> None:
    edge = {
        "enable_ipv6": True,
        "ipam": {"config": [{"subnet": "${EDGE_IPV6_SUBNET:-fd12:3456:789a:1::/64}"}]},
    }
    compose = {"networks": {"edge": edge}, "services": {"traefik": {"networks": ["edge"]}}}
    assert edge_ipv6_problem(compose) == ""
    assert named in edge_ipv6_problem({**compose, "networks": {"edge": {**edge, **broken}}})
    published_off_edge = {"proxy": {"ports": ["80:80"], "networks": ["backend"]}}
    assert "proxy" in edge_ipv6_problem({**compose, "services": published_off_edge})
