"""The stack on a swarm of three nodes: the API's tasks spread over them, a node drained
while traffic flows through Traefik, with every request answered, and the overlays' packets
sized for the private network between the nodes.

Three managers (the runbook's smallest swarm that survives losing one); the first made the
swarm and alone holds the project's checkout, as on a server environment. The project's own
scripts/deploy deploys it there (DOCKER_HOST at that node's engine). The nodes are Docker
engines in containers (tests/deploy/nodes.py says what they cannot do here and what they do
instead). What is shown does not depend on the API stack (Swarm moves tasks, Traefik follows
them), so it runs for one stack, without a web front end; the deploy layer's one-node tests
run both stacks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.load import constant_load
from tests.deploy.nodes import (
    PRIVATE_NETWORK_MTU,
    NodeSwarm,
    running_node_swarm,
    unencrypted_stack_file,
)
from tests.deploy.server import troubled_lines
from tests.docker.edge_stack import build_release, build_standins, env_file_values
from tests.docker.engine import start_engine
from tests.docker.self_signed import serve_self_signed_certificate
from tests.docker.stacks import answers
from tests.docker.standins import base_image
from tests.docker.swarm import images_of_stack_file, project_script
from tests.paths import VENV_BIN
from tests.rendering import render
from tests.report import record

STACK = "fastapi"
ENVIRONMENT = "production"
NODES = 3
MANAGERS = 3
# What must run on the node holding the checkout and the database's volume: services that
# mount files of the checkout (Traefik, its Docker API proxy) and the stateful ones.
ON_THE_FIRST_NODE = ("traefik", "traefik-docker-api", "postgres", "redis")
API_REPLICAS = 3
LOAD_PATH = "/api/v1/health"
# Enough full-sized segments for the first too-big one to show (a query result, a page).
TRANSFER_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class NodesServer:
    project: Path
    swarm: NodeSwarm
    env: dict[str, str]
    stack: str
    api_host: str

    def traefik_log(self) -> str:
        """Traefik's output (its access log and its own lines), from the first node."""
        return self.swarm.first.docker("service", "logs", "--raw", f"{self.stack}_traefik")


def api_nodes(server: NodesServer) -> list[str]:
    return server.swarm.running_tasks(f"{server.stack}_api")


def short(nodes: list[str]) -> str:
    """node1, node2, ...: the names without the test's prefix."""
    return ", ".join(node.rsplit("-", 1)[-1] for node in nodes)


def wait_for_api_tasks(server: NodesServer, away_from: str = "", timeout: float = 180) -> list[str]:
    """The nodes of the API's running tasks, once all of them run and none on `away_from`."""
    deadline = time.monotonic() + timeout
    while True:
        nodes = api_nodes(server)
        if len(nodes) == API_REPLICAS and away_from not in nodes:
            return nodes
        assert time.monotonic() < deadline, f"API tasks after {timeout} s: {nodes}"
        time.sleep(1)


@pytest.fixture(scope="module")
def server(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodesServer]:
    start_engine()
    project = render(
        template_repo,
        tmp_path_factory.mktemp("nodes") / "project",
        {**answers("Nodes Check", STACK), "web_frontend": "none"},
    )
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    serve_self_signed_certificate(project, values["API_HOST"])
    stack_file = unencrypted_stack_file(project, "compose.prod.yaml", "compose.nodes.yaml")
    third_party = images_of_stack_file(project / "compose.prod.yaml")
    build_standins(project, third_party)
    build_release(project, "v1", "1.0.0")
    api_image = f"{values['API_IMAGE']}:v1"
    with running_node_swarm("shipshape-nodes-test", NODES, MANAGERS, [project]) as swarm:
        # Traefik, its proxy, PostgreSQL and Redis run on the first node (the checkout and
        # database node scripts/deploy labels); the API's tasks anywhere.
        swarm.load([api_image, base_image(), *third_party], [swarm.first])
        swarm.load([api_image, base_image()], swarm.others)
        env = {
            "ENVIRONMENT": ENVIRONMENT,
            "DOCKER_HOST": swarm.first.docker_host,
            "STACK_FILES": stack_file,
            "API_REPLICAS": str(API_REPLICAS),
            "DEPLOY_TIMEOUT": "180",
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        }
        yield NodesServer(project, swarm, env, values["COMPOSE_PROJECT_NAME"], values["API_HOST"])


def test_the_api_spreads_over_the_nodes_and_a_drained_node_loses_no_request(
    server: NodesServer,
) -> None:
    deployed = project_script(server.project, server.env, "deploy", "v1")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    # Its TLS check went to the manager's published port (DOCKER_HOST's node), not here.
    assert f"https://{server.api_host}: certificate served" in deployed.stdout, deployed.stdout
    spread = wait_for_api_tasks(server)
    names = sorted(node.name for node in server.swarm.nodes)
    assert spread == names, f"{API_REPLICAS} API tasks on {spread}, not one per node"
    placed = server.swarm.placement(server.stack)
    for service in ON_THE_FIRST_NODE:
        assert placed.get(service) == [server.swarm.first.name], f"{service}: {placed}"

    drained = server.swarm.others[0].name
    with constant_load(443, server.api_host, LOAD_PATH, server.swarm.first.address) as load:
        server.swarm.first.docker("node", "update", "--availability", "drain", drained)
        after = wait_for_api_tasks(server, away_from=drained)
        time.sleep(3)  # traffic keeps flowing once the moved task runs
    assert load.failed == 0, (
        f"{load.summary()} while {drained} drained:\n{load.output}\n"
        + "\n".join(troubled_lines(server.traefik_log()))
    )
    record(
        f"deploy nodes [{STACK}]: {NODES}-node swarm ({MANAGERS} managers), {API_REPLICAS} API "
        f"tasks on {short(spread)}, {', '.join(ON_THE_FIRST_NODE)} on the checkout's node1; "
        f"{short([drained])} drained under load, tasks now on {short(after)}: api {load.summary()}"
    )


def test_no_packet_between_nodes_is_too_big_for_the_private_network(server: NodesServer) -> None:
    """Tasks on two nodes talking over the stack's backend network (as the API and PostgreSQL
    do): with the overlay's MTU option at the private network's, no packet is dropped for its
    size. Left at Docker's default (1450 bytes inside the overlay, 1500 with its headers), the
    first full-sized segment is dropped at the node, and the sender gets the ICMP
    "fragmentation needed" and sends again: the connection stalls wherever that ICMP is lost."""
    network = f"{server.stack}_backend"
    if not server.swarm.first.docker("network", "ls", "--quiet", "--filter", f"name={network}"):
        deployed = project_script(server.project, server.env, "deploy", "v1")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    sender = server.swarm.nodes[-1]  # active: the drain above takes the second
    received, counters = server.swarm.send_between_nodes(
        network, sender, server.swarm.first, base_image(), TRANSFER_BYTES
    )
    assert received == TRANSFER_BYTES, f"{received} of {TRANSFER_BYTES} bytes crossed {network}"
    assert counters.unreachable == 0, (
        f"{network}: a packet from {sender.name} was too big for the private network "
        f"(MTU {PRIVATE_NETWORK_MTU}): {counters.unreachable} ICMP destination unreachable, "
        f"{counters.retransmitted} TCP segments sent again"
    )
    record(
        f"deploy nodes [{STACK}]: {TRANSFER_BYTES // 1024 // 1024} MiB over {network} from "
        f"{short([sender.name])} to node1 on a private network of MTU {PRIVATE_NETWORK_MTU}: "
        f"no packet too big ({counters.retransmitted} segments retransmitted)"
    )
