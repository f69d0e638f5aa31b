"""A generated project's stack on this machine's one-node Docker Swarm, as tests look at it.

The engine joins a swarm of its own (scripts/services starts dockerd; `ensure_swarm` makes
it a manager once); what a stack runs is read through the Docker CLI as an operator would.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.docker.engine import DOCKER, docker

# `image: ${NAME_IMAGE:-default}` in a stack file: the default is what a server runs. The
# project's own images end in the release tag's variable instead (`:${API_TAG:-latest}`).
THIRD_PARTY_IMAGE = re.compile(r"^\s+image: \$\{\w+:-([^}]+)\}$", re.MULTILINE)


# `${NAME:?set_by_scripts_deploy}`: a value scripts/deploy gives the stack files (secret
# versions, the tags of images built on the node).
SET_BY_SCRIPTS_DEPLOY = re.compile(r"\$\{(\w+):\?set_by_scripts_deploy\}")


def placeholders_of_scripts_deploy(project: Path, files: list[str]) -> dict[str, str]:
    """A value for every variable the stack files expect from scripts/deploy, for commands
    that read the files without deploying (compose config, a loader check)."""
    return {
        name: "placeholder"
        for file in files
        for name in SET_BY_SCRIPTS_DEPLOY.findall((project / file).read_text())
    }


def project_script(
    project: Path, env: Mapping[str, str], name: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """scripts/<name> of the project as an operator runs it on the server, in `env` (the
    knobs a test sets); the result, whatever its exit status."""
    return subprocess.run(
        ["bash", f"scripts/{name}", *args],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def ensure_swarm() -> None:
    """This engine is a swarm manager (a swarm of one node, on the loopback address), with
    the overlay address pool a server's swarm has (provision-server's init_swarm)."""
    if docker("info", "--format", "{{.Swarm.LocalNodeState}}").strip() != "active":
        docker(
            "swarm", "init", "--advertise-addr", "127.0.0.1",
            "--default-addr-pool", "172.16.0.0/16", "--default-addr-pool-mask-length", "24",
        )  # fmt: skip


def images_of_stack_file(path: Path) -> list[str]:
    """The default image of every service of a stack file but the project's own."""
    return sorted(set(THIRD_PARTY_IMAGE.findall(path.read_text())))


@dataclass(frozen=True)
class Stack:
    name: str

    def service(self, name: str) -> str:
        return f"{self.name}_{name}"

    def services(self) -> list[str]:
        listed = docker("stack", "services", "--format", "{{.Name}}", self.name).split()
        return sorted(service.removeprefix(f"{self.name}_") for service in listed)

    def running_images(self, service: str) -> list[str]:
        """The image of each task of `service` that runs now."""
        lines = docker(
            "service",
            "ps",
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Image}}\t{{.CurrentState}}",
            self.service(service),
        ).splitlines()
        return [line.split("\t")[0] for line in lines if line.split("\t")[1].startswith("Running")]

    def containers(self, service: str, *, all_states: bool = False) -> list[str]:
        """Containers of `service`'s tasks on this node: running ones, or every one kept."""
        label = f"label=com.docker.swarm.service.name={self.service(service)}"
        return docker(
            "ps", *(["--all"] if all_states else []), "--quiet", "--filter", label
        ).split()

    def container(self, service: str) -> str:
        running = self.containers(service)
        assert running, f"no running container of {self.service(service)}"
        return running[0]

    def desired_replicas(self, service: str) -> int:
        return int(
            docker(
                "service", "inspect", "--format", "{{.Spec.Mode.Replicated.Replicas}}",
                self.service(service),
            )
        )  # fmt: skip

    def logs(self, service: str) -> str:
        """The service's output, its tasks' stdout and stderr together (`docker service
        logs` writes each to its own stream: PostgreSQL and the backup job log to stderr)."""
        result = subprocess.run(
            [DOCKER, "service", "logs", "--raw", self.service(service)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def remove(self, timeout: float = 120) -> None:
        """The stack, its containers, volumes and secrets gone from the engine."""
        docker("stack", "rm", self.name)
        label = f"label=com.docker.stack.namespace={self.name}"
        deadline = time.monotonic() + timeout
        while docker("ps", "--all", "--quiet", "--filter", label).split():
            assert time.monotonic() < deadline, f"containers of {self.name} outlived stack rm"
            time.sleep(1)
        while docker("network", "ls", "--quiet", "--filter", label).split():
            assert time.monotonic() < deadline, f"networks of {self.name} outlived stack rm"
            time.sleep(1)
        for volume in docker("volume", "ls", "--quiet", "--filter", label).split():
            docker("volume", "rm", volume)
        for secret in docker("secret", "ls", "--quiet", "--filter", label).split():
            docker("secret", "rm", secret)
