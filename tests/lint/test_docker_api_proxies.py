"""Who can reach the Docker API, read from every distinct server stack as rendered.

Alloy and cAdvisor cannot run here (tests/docker/test_socket_proxies.py runs the proxies and
their mounts): these checks hold for every answer combination, on the files alone. Each
reader has its own proxy on an internal network only the two of them join, points at that
proxy, and only proxies mount the Docker socket; a service that mounts the host's / has
/run (where the socket is) hidden under a tmpfs; no service mounts Docker's state.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.report import record

READERS = ("traefik", "alloy", "cadvisor")
SOCKETS = {"/var/run/docker.sock", "/run/docker.sock"}
# Directories holding the socket: mounting one shares it (a read-only mount does not stop
# connect()).
SOCKET_DIRECTORIES = {"/run", "/var", "/var/run"}
DOCKER_STATE = "/var/lib/docker"
# cAdvisor's one path under Docker's state: image metadata, where each container's layer id is.
DOCKER_IMAGE_METADATA = "/var/lib/docker/image"
ALLOWLIST = "/usr/local/etc/haproxy/allowlist"


def proxy(reader: str) -> str:
    return f"{reader}-docker-api"


def server_compose(project: Path) -> dict[str, Any]:
    """compose.prod.yaml with compose.monitoring.yaml on top, merged as compose merges the
    keys these checks read (lists add up, the rest is replaced)."""
    merged: dict[str, Any] = {"services": {}, "networks": {}, "configs": {}}
    for name in ("compose.prod.yaml", "compose.monitoring.yaml"):
        if not (project / name).exists():
            continue
        data = yaml.safe_load((project / name).read_text())
        merged["networks"].update(data.get("networks") or {})
        merged["configs"].update(data.get("configs") or {})
        for service, spec in data["services"].items():
            current = merged["services"].setdefault(service, {})
            for key, value in spec.items():
                if isinstance(value, list) and isinstance(current.get(key), list):
                    current[key] = current[key] + value
                else:
                    current[key] = value
    return merged


def binds(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each host path a service mounts (short syntax)."""
    found = []
    for volume in spec.get("volumes", []):
        if isinstance(volume, dict):  # long syntax: the stack files' tmpfs mounts
            continue
        source, _, rest = str(volume).partition(":")
        if source.startswith("/"):
            found.append((source.rstrip("/") or "/", rest.split(":")[0]))
    return found


def hidden(spec: dict[str, Any], path: str) -> bool:
    """A tmpfs covers `path` (a volume of type tmpfs: Swarm ignores the `tmpfs:` key)."""
    return any(
        isinstance(volume, dict) and volume.get("type") == "tmpfs" and volume["target"] == path
        for volume in spec.get("volumes", [])
    )


def mount_problems(name: str, spec: dict[str, Any]) -> list[str]:
    problems = []
    for source, target in binds(spec):
        if source in SOCKETS and not name.endswith("-docker-api"):
            problems.append(f"{name} mounts the Docker socket")
        if source in SOCKET_DIRECTORIES:
            problems.append(f"{name} mounts {source}, where the Docker socket is")
        if source == "/" and not hidden(spec, f"{target}/run"):
            problems.append(f"{name} mounts / at {target} without a tmpfs on {target}/run")
        state = source == DOCKER_STATE or source.startswith(f"{DOCKER_STATE}/")
        if (state and source != DOCKER_IMAGE_METADATA) or source == "/var/lib":
            problems.append(f"{name} mounts {source}, Docker's state")
    return problems


def reader_problems(reader: str, compose: dict[str, Any]) -> list[str]:
    services, networks = compose["services"], compose["networks"]
    own = proxy(reader)
    if own not in services:
        return [f"{reader} has no proxy {own}"]
    problems = []
    if (networks.get(own) or {}).get("internal") is not True:
        problems.append(f"network {own} is not internal")
    members = sorted(name for name, spec in services.items() if own in spec.get("networks", []))
    if members != sorted([reader, own]):
        problems.append(f"network {own} joins {members}, not just {reader} and its proxy")
    if services[own].get("networks") != [own]:
        problems.append(f"{own} is on {services[own].get('networks')}, not just {own}")
    # A Swarm config (the proxy may run on a node without the checkout), from the reader's file.
    allowlists = [
        compose["configs"].get(config["source"], {}).get("file")
        for config in services[own].get("configs", [])
        if config.get("target") == ALLOWLIST
    ]
    if allowlists != [f"./infra/docker-api/{reader}.allow"]:
        problems.append(f"{own} mounts {allowlists} as its allowlist, not {reader}.allow")
    spec = services[own]
    hardening = [
        ("read_only", spec.get("read_only") is True),
        ("cap_drop ALL", spec.get("cap_drop") == ["ALL"]),
        ("a memory limit", bool(spec.get("deploy", {}).get("resources", {}).get("limits"))),
        ("a pinned image", re.search(r":-haproxy:\d+\.\d+\.\d+\}$", spec.get("image", ""))),
    ]
    problems += [f"{own} lacks {what}" for what, present in hardening if not present]
    return problems


def endpoint_problems(project: Path) -> list[str]:
    """Each reader's own configuration names its own proxy, and no other."""
    endpoints = {
        "traefik": (project / "infra/traefik/traefik.yml", r"endpoint: (\S+)"),
        "alloy": (project / "infra/monitoring/alloy/config.alloy", r'host\s*=\s*"([^"]+)"'),
        "cadvisor": (project / "compose.monitoring.yaml", r"--docker=(\S+)"),
    }
    problems = []
    for reader, (path, pattern) in endpoints.items():
        if not path.exists():
            continue
        found = set(re.findall(pattern, path.read_text()))
        if found != {f"tcp://{proxy(reader)}:2375"}:
            problems.append(f"{reader} talks to {sorted(found)} ({path.name})")
    return problems


def problems_of(project: Path) -> list[str]:
    compose = server_compose(project)
    found = [p for name, spec in compose["services"].items() for p in mount_problems(name, spec)]
    for reader in READERS:
        if reader in compose["services"]:
            found += reader_problems(reader, compose)
    strays = {name for name in compose["services"] if name.endswith("-docker-api")} - {
        proxy(reader) for reader in READERS if reader in compose["services"]
    }
    found += [f"{name} serves no reader" for name in sorted(strays)]
    return found + endpoint_problems(project)


def test_each_reader_has_its_own_proxy_and_only_proxies_reach_the_socket(
    rendered_matrix: list[RenderedProject],
) -> None:
    distinct: dict[tuple[str, ...], RenderedProject] = {}
    for project in rendered_matrix:
        if not (project.path / "compose.prod.yaml").exists():
            continue
        files = ("compose.prod.yaml", "compose.monitoring.yaml", "infra/traefik/traefik.yml")
        key = tuple(
            (project.path / f).read_text() if (project.path / f).exists() else "" for f in files
        )
        distinct.setdefault(key, project)
    assert distinct, "no combination has a server stack"
    failures = [
        f"{project.id}: {problem}"
        for project in distinct.values()
        for problem in problems_of(project.path)
    ]
    record(f"lint: Docker API readers and mounts of {len(distinct)} distinct server stacks")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("service", "change", "named"),
    [
        ("traefik", {"volumes": ["/var/run/docker.sock:/var/run/docker.sock:ro"]}, "socket"),
        ("cadvisor", {"volumes": ["/var/run:/var/run:ro"]}, "mounts /var/run"),
        ("cadvisor", {"volumes": ["/:/rootfs:ro", "/sys:/sys:ro"]}, "/rootfs/run"),
        ("cadvisor", {"volumes": ["/var/lib/docker:/var/lib/docker:ro"]}, "Docker's state"),
        ("alloy", {"networks": ["traefik-docker-api"]}, "not just alloy"),
        ("alloy-docker-api", {"networks": ["alloy-docker-api", "monitoring"]}, "not just"),
        ("alloy-docker-api", {"read_only": False}, "read_only"),
        (
            "alloy-docker-api",
            {"configs": [{"source": "traefik_allowlist", "target": ALLOWLIST}]},
            "not alloy.allow",
        ),
    ],
    ids=[
        "socket-on-traefik",
        "var-run",
        "root-without-tmpfs",
        "docker-state",
        "shared-network",
        "proxy-on-two-networks",
        "writable-proxy",
        "another-readers-allowlist",
    ],
)
def test_the_check_refuses_a_reader_that_reaches_too_far(
    rendered_matrix: list[RenderedProject],
    tmp_path: Path,
    service: str,
    change: dict[str, Any],
    named: str,
) -> None:
    """A copy of a monitored project, with one service changed, is refused naming why."""
    project = next(p for p in rendered_matrix if (p.path / "compose.monitoring.yaml").exists()).path
    copy = tmp_path / "project"
    for relative in ("compose.prod.yaml", "compose.monitoring.yaml", "infra/traefik/traefik.yml",
                     "infra/monitoring/alloy/config.alloy"):  # fmt: skip
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).write_text((project / relative).read_text())
    assert problems_of(copy) == []
    file = "compose.prod.yaml" if service.startswith("traefik") else "compose.monitoring.yaml"
    data = yaml.safe_load((copy / file).read_text())
    data["services"][service].update(change)
    (copy / file).write_text(yaml.safe_dump(data))
    problems = problems_of(copy)
    assert any(named in problem for problem in problems), problems
