"""scripts/lib/swarm.sh's edge_address: where scripts/deploy reaches Traefik's published
ports to see each host's certificate served. On the server itself, this machine; with
DOCKER_HOST naming a remote engine, that engine's node (Swarm publishes on every node)."""

from __future__ import annotations

import subprocess

import pytest

from tests.paths import TEMPLATE_DIR

SWARM_LIB = TEMPLATE_DIR / "scripts" / "lib" / "swarm.sh"


def edge_address(docker_host: str | None) -> str:
    env = {"PATH": "/usr/bin:/bin", **({"DOCKER_HOST": docker_host} if docker_host else {})}
    command = f"set -euo pipefail; source {SWARM_LIB}; edge_address"
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("docker_host", "address"),
    [
        (None, "127.0.0.1"),
        ("unix:///var/run/docker.sock", "127.0.0.1"),
        ("tcp://10.0.1.3:2376", "10.0.1.3"),
        ("ssh://deploy@node2.example.org", "node2.example.org"),
        ("ssh://node3:2222", "node3"),
        # curl's --resolve takes an IPv6 address in brackets.
        ("tcp://[fd00::3]:2375", "[fd00::3]"),
    ],
)
def test_the_edge_is_the_node_docker_talks_to(docker_host: str | None, address: str) -> None:
    assert edge_address(docker_host) == address
