"""A swarm of several nodes on this machine: Docker engines in containers of the test's
engine (the docker:dind stand-in), for what one node cannot show: tasks spread across nodes,
a node drained.

Two things this machine cannot do, and what the nodes do instead:
- `--privileged`: this machine's root lacks CAP_SYS_RESOURCE in its capability bounding set,
  so runc refuses a privileged container ("unable to apply caps: operation not permitted").
  A node gets every other capability, no seccomp or AppArmor profile, unmasked /proc and /sys
  paths and the host's cgroup tree: what a nested dockerd needs.
- Encrypted overlay networks between nodes: the kernel has no rfc4106(gcm(aes)), so dockerd
  cannot add the IPsec states ("Failed Adding ... function not implemented") and traffic
  between nodes on such a network is dropped. `unencrypted_stack_file` writes the project's
  stack file without the `encrypted` option for these nodes; the deploy layer's one-node
  swarm runs the networks encrypted as servers do.

The nodes' bridge network has the MTU of Hetzner's private network (1450 bytes), which
carries a server environment's overlays between its nodes: a node drops an overlay packet too
big for it and tells the task with ICMP "fragmentation needed", as a server's kernel does
(what a path that loses that ICMP then does, it cannot show). Each node's engine listens on
TCP 2375 without TLS, reachable only on the test's bridge network; the CLI reaches a node
with `--host`. Images come from the test's engine by `docker save | docker load` (no
registry here), only onto the nodes whose tasks need them.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.docker.engine import DOCKER, docker, run, timed
from tests.docker.standins import build_standin

NODE_IMAGE = "docker:20.10-dind"
NODE_PORT = 2375
PRIVATE_NETWORK_MTU = 1450
# The two one-off services of send_between_nodes.
SENDER = "shipshape-mtu-sender"
RECEIVER = "shipshape-mtu-receiver"
# A server's overlay address pool (provision-server's init_swarm): the nodes' own bridge
# network comes from the test engine's local pools (172.17.0.0/16 and up), never this one.
ADDRESS_POOL = "172.16.0.0/16"
NODE_SECURITY = (
    "--cap-add", "ALL",
    "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined",
    "--security-opt", "apparmor=unconfined",
    "--security-opt", "systempaths=unconfined",
    # The test engine sets no-new-privileges for every container (scripts/services); the
    # nested engine's own runc needs to gain the capabilities its containers are given.
    "--security-opt", "no-new-privileges=false",
    "--volume", "/sys/fs/cgroup:/sys/fs/cgroup",
)  # fmt: skip


@dataclass(frozen=True)
class Node:
    name: str  # the container's name and the node's hostname
    address: str  # on the nodes' bridge network

    @property
    def docker_host(self) -> str:
        return f"tcp://{self.address}:{NODE_PORT}"

    def docker(self, *args: str, timeout: float = 300) -> str:
        return run([DOCKER, "--host", self.docker_host, *args], timeout=timeout)

    def load(self, images: list[str]) -> None:
        """The test engine's `images`, copied onto this node."""
        save = subprocess.Popen([DOCKER, "save", *images], stdout=subprocess.PIPE)
        load = subprocess.run(
            [DOCKER, "--host", self.docker_host, "load", "--quiet"],
            stdin=save.stdout,
            capture_output=True,
            check=False,
            timeout=600,
        )
        assert save.wait(timeout=60) == 0, f"docker save {images} failed"
        assert load.returncode == 0, f"{self.name}: docker load: {load.stderr.decode()}"


@dataclass(frozen=True)
class PathCounters:
    """A container's network counters (/proc/net/snmp) that tell a path too narrow for its
    packets: the ICMP "fragmentation needed" that came back for a dropped one, and the TCP
    segments sent again."""

    unreachable: int
    retransmitted: int

    @classmethod
    def of(cls, node: Node, container: str) -> PathCounters:
        rows = [
            line.split()
            for line in node.docker("exec", container, "cat", "/proc/net/snmp").splitlines()
        ]
        table = {
            (names[0], name): int(value)
            for names, values in zip(rows[::2], rows[1::2], strict=True)
            for name, value in zip(names[1:], values[1:], strict=True)
        }
        return cls(table[("Icmp:", "InDestUnreachs")], table[("Tcp:", "RetransSegs")])


@dataclass(frozen=True)
class NodeSwarm:
    network: str
    nodes: list[Node]

    @property
    def first(self) -> Node:
        """The node that made the swarm and holds the checkout: where scripts/deploy runs."""
        return self.nodes[0]

    @property
    def others(self) -> list[Node]:
        return self.nodes[1:]

    def load(self, images: list[str], nodes: list[Node]) -> None:
        with ThreadPoolExecutor(len(nodes)) as pool:
            list(pool.map(lambda node: node.load(images), nodes))

    def placement(self, stack: str) -> dict[str, list[str]]:
        """Each running task's service (without the stack's prefix) and node."""
        listing = self.first.docker(
            "stack", "ps", stack, "--filter", "desired-state=running",
            "--format", "{{.Name}} {{.Node}} {{.CurrentState}}",
        )  # fmt: skip
        placed: dict[str, list[str]] = {}
        for line in listing.splitlines():
            name, node, state = line.split()[:3]
            if state == "Running":
                service = name.removeprefix(f"{stack}_").split(".")[0]
                placed.setdefault(service, []).append(node)
        return placed

    def send_between_nodes(
        self, network: str, sender: Node, receiver: Node, image: str, size: int
    ) -> tuple[int, PathCounters]:
        """`size` bytes sent over the overlay `network` from a task on `sender` to one on
        `receiver` (one TCP connection): the bytes received, and the sender's counters."""
        # perl-base is in every Debian image; the sender stays up for its counters to be read.
        serve = (
            "my $s = IO::Socket::INET->new(LocalPort => 9000, Listen => 1, ReuseAddr => 1)"
            f' or die; my $c = $s->accept; print $c "x" x {size}; close $c; sleep 600'
        )
        receive = f"exec 3<>/dev/tcp/{SENDER}/9000 && wc -c <&3"
        common = (
            "--detach", "--network", network, "--endpoint-mode", "dnsrr",
            "--restart-condition", "none",
        )  # fmt: skip
        try:
            self.first.docker(
                "service", "create", "--name", SENDER, *common,
                "--constraint", f"node.hostname=={sender.name}", image,
                "perl", "-MIO::Socket::INET", "-e", serve,
            )  # fmt: skip
            container = wait_for_container(sender, SENDER)
            self.first.docker(
                "service", "create", "--name", RECEIVER, *common,
                "--constraint", f"node.hostname=={receiver.name}", image, "bash", "-c", receive,
            )  # fmt: skip
            received = wait_for_output(self.first, RECEIVER)
            return int(received), PathCounters.of(sender, container)
        finally:
            subprocess.run(
                [DOCKER, "--host", self.first.docker_host, "service", "rm", SENDER, RECEIVER],
                capture_output=True, check=False,
            )  # fmt: skip

    def running_tasks(self, service: str) -> list[str]:
        """The node (hostname) of each running task of `service`."""
        listing = self.first.docker(
            "service", "ps", service,
            "--filter", "desired-state=running",
            "--format", "{{.Node}} {{.CurrentState}}",
        )  # fmt: skip
        return sorted(
            line.split()[0] for line in listing.splitlines() if line.split()[1:2] == ["Running"]
        )


def wait_for_container(node: Node, service: str, timeout: float = 60) -> str:
    """The id of `service`'s running container on `node`."""
    deadline = time.monotonic() + timeout
    while not (container := node.docker("ps", "--quiet", "--filter", f"name={service}.").strip()):
        assert time.monotonic() < deadline, (
            f"{service}: no container on {node.name} after {timeout} s"
        )
        time.sleep(0.5)
    return container


def wait_for_output(manager: Node, service: str, timeout: float = 60) -> str:
    """What `service`'s one task printed, once it completed."""
    deadline = time.monotonic() + timeout
    while True:
        state = manager.docker("service", "ps", service, "--format", "{{.CurrentState}} {{.Error}}")
        if state.startswith("Complete"):
            return manager.docker("service", "logs", "--raw", service).strip()
        assert not state.startswith(("Failed", "Rejected")), f"{service}: {state}"
        assert time.monotonic() < deadline, f"{service} after {timeout} s: {state}"
        time.sleep(0.5)


def wait_for_engine(node: Node, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        probe = subprocess.run(
            [DOCKER, "--host", node.docker_host, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return
        if time.monotonic() > deadline:
            logs = subprocess.run([DOCKER, "logs", node.name], capture_output=True, text=True)
            raise AssertionError(f"{node.name}: no engine after {timeout} s:\n{logs.stderr}")
        time.sleep(1)


def start_node(name: str, network: str, shared: list[Path]) -> Node:
    mounts = [argument for path in shared for argument in ("--volume", f"{path}:{path}:ro")]
    docker(
        "run", "--detach", "--name", name, "--hostname", name, "--network", network,
        *NODE_SECURITY, *mounts, NODE_IMAGE,
    )  # fmt: skip
    address = docker(
        "inspect", name, "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    ).strip()
    node = Node(name, address)
    wait_for_engine(node)
    return node


@contextmanager
def running_node_swarm(
    prefix: str, count: int, managers: int, checkout: list[Path]
) -> Iterator[NodeSwarm]:
    """`count` engines joined in one swarm, the first `managers` of them managers: the first
    initialises the swarm, as provision-server's init_swarm does on a server, and is the one
    holding the project's checkout (`checkout` paths, mounted read-only at the same place),
    as the first manager of a server environment does; the others have none."""
    build_standin(NODE_IMAGE)
    network = f"{prefix}-nodes"
    names = [f"{prefix}-node{number}" for number in range(1, count + 1)]
    docker(
        "network",
        "create",
        "--opt",
        f"com.docker.network.driver.mtu={PRIVATE_NETWORK_MTU}",
        network,
    )
    try:
        with timed(f"{count} swarm nodes"):
            nodes = [
                start_node(name, network, checkout if number == 0 else [])
                for number, name in enumerate(names)
            ]
            first = nodes[0]
            first.docker(
                "swarm", "init", "--advertise-addr", first.address,
                "--default-addr-pool", ADDRESS_POOL, "--default-addr-pool-mask-length", "24",
            )  # fmt: skip
            for number, node in enumerate(nodes[1:], start=1):
                role = "manager" if number < managers else "worker"
                token = first.docker("swarm", "join-token", "--quiet", role).strip()
                node.docker(
                    "swarm", "join", "--advertise-addr", node.address,
                    "--token", token, f"{first.address}:2377",
                )  # fmt: skip
        yield NodeSwarm(network, nodes)
    finally:
        # A node's images and containers are in its anonymous /var/lib/docker volume.
        subprocess.run([DOCKER, "rm", "--force", "--volumes", *names], capture_output=True)
        subprocess.run([DOCKER, "network", "rm", network], capture_output=True)


def unencrypted_stack_file(project: Path, stack_file: str, copy: str) -> str:
    """`copy`: the project's `stack_file` with no network's `encrypted` option (see above)."""
    stack = yaml.safe_load((project / stack_file).read_text())
    encrypted = [
        name
        for name, network in stack["networks"].items()
        if (network or {}).get("driver_opts", {}).pop("encrypted", None) is not None
    ]
    assert encrypted, f"{stack_file}: no encrypted network to take the option from"
    (project / copy).write_text(yaml.safe_dump(stack, sort_keys=False))
    return copy
