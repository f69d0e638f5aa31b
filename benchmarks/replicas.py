"""API throughput through Traefik with N tasks of the API against 1, on this machine's
one-node swarm, in the same run.

The project (the deploy layer's answers for the stack, without the web front end) is deployed
by its own scripts/deploy as the deploy layer does it: stand-in images, a release built here, a
self-signed certificate for the API host (tests/docker/self_signed.py), and Traefik's
per-client rate limit raised, since one client sends everything here (a server keeps the
project's limit). Then, in interleaved rounds, the API service is scaled to 1 task and to N
(`docker service scale`, as the runbook scales it) and hey sends `GET /api/v1/health` through
Traefik over HTTPS with keep-alive connections; medians of the rounds are printed, then N
against 1. Traefik and hey run on the same cores as the API, as Traefik does on a server.

    python -m benchmarks.replicas [--stack nestjs|fastapi] [--replicas N]

Needs the Docker engine (scripts/services start dockerd) and hey (Debian).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.load import parse_report
from tests.docker.edge_stack import build_release, build_standins, env_file_values
from tests.docker.engine import docker, start_engine
from tests.docker.self_signed import DYNAMIC, serve_self_signed_certificate
from tests.docker.stacks import answers
from tests.docker.swarm import Stack, ensure_swarm, images_of_stack_file, project_script
from tests.harness.ports import free_ports
from tests.paths import VENV_BIN
from tests.rendering import render
from tests.template_repo import snapshot_working_tree

ENVIRONMENT = "production"
PATH = "/api/v1/health"
CPUACCT = Path("/sys/fs/cgroup/cpuacct/docker")
# Far above what one client sends here: the limit is for floods of real clients.
RAISED_RATE_LIMIT = 1_000_000


@dataclass(frozen=True)
class Round:
    tasks: int
    requests_per_second: float
    p99_ms: float
    failed: int
    # CPU time per request of all the API's tasks together, and of Traefik.
    api_cpu_us: float
    traefik_cpu_us: float


@dataclass(frozen=True)
class Deployment:
    project: Path
    stack: Stack
    api_host: str
    https_port: int


def raise_rate_limit(project: Path) -> None:
    path = project / DYNAMIC / "rate-limit.yml"
    text, count = re.subn(
        r"^(\s+)(average|burst): \d+$",
        lambda match: f"{match[1]}{match[2]}: {RAISED_RATE_LIMIT}",
        path.read_text(),
        flags=re.MULTILINE,
    )
    assert count == 2, f"{path}: expected one average and one burst, changed {count}"
    path.write_text(text)


@contextmanager
def deployed(stack_name: str, work: Path) -> Iterator[Deployment]:
    start_engine()
    ensure_swarm()
    project = render(
        snapshot_working_tree(work / "template"),
        work / "project",
        {**answers("Replicas Bench", stack_name), "web_frontend": "none"},
    )
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    serve_self_signed_certificate(project, values["API_HOST"])
    raise_rate_limit(project)
    build_standins(project, images_of_stack_file(project / "compose.prod.yaml"))
    build_release(project, "v1", "1.0.0")
    http_port, https_port = free_ports(2)
    env = {
        "ENVIRONMENT": ENVIRONMENT,
        # The API's stack alone: backups and monitoring would share the cores being measured.
        "STACK_FILES": "compose.prod.yaml",
        "API_REPLICAS": "1",
        "TRAEFIK_HTTP_PORT": str(http_port),
        "TRAEFIK_HTTPS_PORT": str(https_port),
        "DEPLOY_TIMEOUT": "180",
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }
    stack = Stack(values["COMPOSE_PROJECT_NAME"])
    try:
        result = project_script(project, env, "deploy", "v1")
        assert result.returncode == 0, result.stdout + result.stderr
        yield Deployment(project, stack, values["API_HOST"], https_port)
    finally:
        stack.remove()


def scale(deployment: Deployment, tasks: int) -> None:
    """`tasks` tasks of the API running, and Traefik routing to them (it reads the swarm
    every 2 s)."""
    service = deployment.stack.service("api")
    docker("service", "scale", "--detach=false", f"{service}={tasks}", timeout=300)
    running = deployment.stack.running_images("api")
    assert len(running) == tasks, f"{service}: {len(running)} tasks run, not {tasks}"
    time.sleep(5)


def cpu_seconds(deployment: Deployment, service: str) -> float:
    """CPU time the running containers of `service` used so far (cgroup v1's cpuacct, as
    this engine runs it)."""
    total = 0
    for container in deployment.stack.containers(service):
        full_id = docker("inspect", "--format", "{{.Id}}", container).strip()
        total += int((CPUACCT / full_id / "cpuacct.usage").read_text())
    return total / 1e9


def measure(deployment: Deployment, tasks: int, seconds: int, connections: int) -> Round:
    api_before = cpu_seconds(deployment, "api")
    traefik_before = cpu_seconds(deployment, "traefik")
    output = subprocess.run(
        ["hey", "-z", f"{seconds}s", "-c", str(connections), "-host", deployment.api_host,
         f"https://127.0.0.1:{deployment.https_port}{PATH}"],
        capture_output=True, text=True, check=True, timeout=seconds + 120,
    ).stdout  # fmt: skip
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99% in ([\d.]+) secs", output)
    assert rate, f"hey printed no rate:\n{output}"
    assert p99, f"hey printed no p99:\n{output}"
    requests = parse_report(output).total
    api_us = (cpu_seconds(deployment, "api") - api_before) / requests * 1e6
    traefik_us = (cpu_seconds(deployment, "traefik") - traefik_before) / requests * 1e6
    return Round(
        tasks,
        float(rate[1]),
        float(p99[1]) * 1000,
        parse_report(output).failed,
        api_us,
        traefik_us,
    )


def report(label: str, rounds: list[Round]) -> tuple[float, float]:
    rate = statistics.median(r.requests_per_second for r in rounds)
    p99 = statistics.median(r.p99_ms for r in rounds)
    api = statistics.median(r.api_cpu_us for r in rounds)
    traefik = statistics.median(r.traefik_cpu_us for r in rounds)
    failed = sum(r.failed for r in rounds)
    print(
        f"  {label}: {rate:,.0f} requests/s, p99 {p99:.1f} ms, CPU per request: API {api:.0f} us,"
        f" Traefik {traefik:.0f} us; {failed} failed",
        flush=True,
    )
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", choices=["nestjs", "fastapi"], default="nestjs")
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    rounds: dict[int, list[Round]] = {1: [], options.replicas: []}
    with (
        tempfile.TemporaryDirectory(prefix="replicas-bench-") as work,
        deployed(options.stack, Path(work)) as deployment,
    ):
        for number in range(options.rounds):
            for tasks in rounds:
                scale(deployment, tasks)
                measure(deployment, tasks, 3, options.connections)  # warm-up
                result = measure(deployment, tasks, options.seconds, options.connections)
                rounds[tasks].append(result)
                print(
                    f"round {number + 1}, {tasks} task(s): {result.requests_per_second:,.0f} "
                    f"requests/s, p99 {result.p99_ms:.1f} ms, CPU per request: API "
                    f"{result.api_cpu_us:.0f} us, Traefik {result.traefik_cpu_us:.0f} us",
                    flush=True,
                )
    load = os.getloadavg()[0]
    print(
        f"\n{options.stack}: GET {PATH} through Traefik (HTTPS, {options.connections} "
        f"connections, {options.seconds} s x {options.rounds} rounds, medians; "
        f"{os.cpu_count()} cores, load {load:.1f})"
    )
    one_rate, one_p99 = report("1 task", rounds[1])
    many_rate, many_p99 = report(f"{options.replicas} tasks", rounds[options.replicas])
    print(
        f"  {options.replicas} tasks against 1: x{many_rate / one_rate:.2f} requests/s, "
        f"p99 x{many_p99 / one_p99:.2f}"
    )


if __name__ == "__main__":
    main()
