"""Prometheus scrapes every task of a service that runs many, through a real Swarm's DNS.

The API and web front end run replicas and the host exporters run on every node; under Swarm
with `endpoint_mode: dnsrr` a service's name resolves to one of its tasks per lookup, so a
static target (`api:3000`) reaches a different task per scrape and mixes their counters.
prometheus.yml finds them through `tasks.<service>` instead (dns_sd_configs).

Here a one-node Swarm runs a small stack, each service on the networks the stack files give it
(Swarm's DNS answers `tasks.<service>` only on a network shared with the service): two tasks
of every service the stack files may run many of (global, or a replica count), each serving
metrics on its job's port and path (Debian's node-exporter, the host's binary in the
stand-ins' base image), the blackbox exporter with the project's modules for the probe jobs,
and Prometheus with those jobs of the project's prometheus.yml that scrape those services,
unchanged but for their intervals. Every such job must have one target per task, each
answering (with static targets it had one; on the networks before the fix, none for the web).
Not run here: the project's own stack file (the deploy layer runs it, without monitoring).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.docker.engine import docker
from tests.docker.standins import base_image
from tests.docker.swarm import Stack
from tests.harness.ports import free_port
from tests.monitoring.live_stack import configured_targets, service_and_port
from tests.monitoring.projects import load_yaml, monitoring_dir, prometheus_dir
from tests.rendering import render
from tests.report import record

STACK = Stack("discovery-check")
TASKS_PER_SERVICE = 2
# Host binaries: Debian's builds link only libc, which the bookworm base image has.
PROMETHEUS = "/usr/bin/prometheus"
EXPORTER = "/usr/bin/prometheus-node-exporter"
BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
BLACKBOX_ADDRESS = "blackbox-exporter:9115"


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Monitoring with the web front end: every job that finds tasks through Swarm's DNS."""
    answers = {"use_monitoring": True, "web_frontend": "nextjs"}
    return render(template_repo, tmp_path_factory.mktemp("discovery") / "project", answers)


def many_task_services(project: Path) -> set[str]:
    """Services of the stack files that may run more than one task: global ones (one per
    node) and those whose replicas are a setting (API_REPLICAS...) or more than one."""
    found = set()
    for file in ("compose.prod.yaml", "compose.monitoring.yaml"):
        for name, service in load_yaml(project / file)["services"].items():
            deploy = service.get("deploy", {})
            replicas = deploy.get("replicas", 1)
            if deploy.get("mode") == "global" or isinstance(replicas, str) or replicas > 1:
                found.add(name)
    return found


def project_networks(project: Path) -> tuple[dict[str, set[str]], dict[str, bool]]:
    """Each service's networks in the stack files (compose.monitoring.yaml adds to
    compose.prod.yaml's, as `docker stack deploy` merges them), and whether each network is
    internal."""
    joined: dict[str, set[str]] = {}
    internal: dict[str, bool] = {}
    for file in ("compose.prod.yaml", "compose.monitoring.yaml"):
        stack = load_yaml(project / file)
        for name, service in stack["services"].items():
            joined.setdefault(name, set()).update(service.get("networks") or [])
        for name, network in (stack.get("networks") or {}).items():
            internal[name] = bool((network or {}).get("internal"))
    return joined, internal


def many_task_jobs(project: Path) -> list[dict[str, Any]]:
    """The scrape jobs of prometheus.yml whose targets are services with many tasks."""
    services = many_task_services(project)
    config = load_yaml(prometheus_dir(project) / "prometheus.yml")
    return [
        job
        for job in config["scrape_configs"]
        if {service_and_port(target)[0] for target in configured_targets(job)} & services
    ]


def is_probe(job: dict[str, Any]) -> bool:
    """A job whose targets the blackbox exporter probes (relabelled to its address)."""
    return any(
        rule.get("target_label") == "__address__" and rule.get("replacement") == BLACKBOX_ADDRESS
        for rule in job.get("relabel_configs", [])
    )


def bind(source: str | Path, target: str) -> dict[str, Any]:
    return {"type": "bind", "source": str(source), "target": target, "read_only": True}


def exporter_service(image: str, port: int, metrics_path: str) -> dict[str, Any]:
    return {
        "image": image,
        "command": [
            "/bin/exporter",
            f"--web.listen-address=:{port}",
            f"--web.telemetry-path={metrics_path}",
        ],
        "volumes": [bind(EXPORTER, "/bin/exporter")],
        "deploy": {"replicas": TASKS_PER_SERVICE, "endpoint_mode": "dnsrr"},
    }


def stack_file(project: Path, folder: Path, prometheus_port: int) -> dict[str, Any]:
    """Two metric-serving tasks per service with many tasks, the blackbox exporter, Prometheus."""
    image = base_image()
    jobs = many_task_jobs(project)
    services: dict[str, Any] = {}
    for job in jobs:
        for target in configured_targets(job):
            name, port = service_and_port(target)
            # A probe job looks up the same tasks as its scrape job (api-readiness, api): the
            # scrape job's path, where there is one, is the one the tasks serve.
            if name not in services or not is_probe(job):
                path = "/health" if is_probe(job) else job.get("metrics_path", "/metrics")
                services[name] = exporter_service(image, port, path)
    for job in jobs:
        for lookup in job.get("dns_sd_configs", []):
            lookup["refresh_interval"] = "1s"
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": jobs,
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    services["blackbox-exporter"] = {
        "image": image,
        "command": ["/bin/blackbox", "--config.file=/etc/blackbox.yml"],
        "volumes": [
            bind(BLACKBOX, "/bin/blackbox"),
            bind(monitoring_dir(project) / "blackbox" / "blackbox.yml", "/etc/blackbox.yml"),
        ],
        "deploy": {"endpoint_mode": "dnsrr"},
    }
    services["prometheus"] = {
        "image": image,
        "command": [
            "/bin/prometheus",
            "--config.file=/etc/prometheus.yml",
            "--storage.tsdb.path=/tmp/prometheus",
        ],
        "volumes": [
            bind(PROMETHEUS, "/bin/prometheus"),
            bind(folder / "prometheus.yml", "/etc/prometheus.yml"),
        ],
        "ports": [{"target": 9090, "published": prometheus_port, "mode": "host"}],
        "deploy": {"endpoint_mode": "dnsrr"},
    }
    # Each on the project's networks: Swarm's DNS answers `tasks.<service>` only on a network
    # the asking container shares with the service, and the prober reaches only those.
    joined, internal = project_networks(project)
    used: set[str] = set()
    for name, service in services.items():
        service["networks"] = sorted(joined[name])
        used.update(joined[name])
    # Not encrypted, unlike the project's: IPsec changes nothing about names and routes.
    networks = {name: {"driver": "overlay", "internal": internal[name]} for name in used}
    return {"version": "3.8", "services": services, "networks": networks}


@pytest.fixture(scope="module")
def prometheus_url(
    project: Path, tmp_path_factory: pytest.TempPathFactory, docker_engine: None
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("discovery-stack")
    port = free_port()
    (folder / "stack.yaml").write_text(yaml.safe_dump(stack_file(project, folder, port)))
    docker("stack", "deploy", "--compose-file", str(folder / "stack.yaml"), STACK.name)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        STACK.remove()


# Targets that answered: scraped (up), and for a probe job, the probe reached its task too
# (the prober must share a network with the task Prometheus found).
ANSWERED = "count by (job) ((up == 1) unless on (job, instance) (probe_success == 0))"


def per_job(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """Prometheus's active targets per job, and per job the targets that answered:
    ({}, {}) while it starts."""
    try:
        targets = httpx.get(f"{url}/api/v1/targets", params={"state": "active"}, timeout=5)
        up = httpx.get(f"{url}/api/v1/query", params={"query": ANSWERED}, timeout=5)
    except httpx.TransportError:
        return {}, {}
    listed: dict[str, int] = {}
    for target in targets.json()["data"]["activeTargets"]:
        listed[target["labels"]["job"]] = listed.get(target["labels"]["job"], 0) + 1
    answered = {
        item["metric"]["job"]: int(item["value"][1]) for item in up.json()["data"]["result"]
    }
    return listed, answered


def test_prometheus_scrapes_every_task_of_a_replicated_service(
    project: Path, prometheus_url: str
) -> None:
    expected = {job["job_name"]: TASKS_PER_SERVICE for job in many_task_jobs(project)}
    # The jobs of the API's and web's replicas and of the exporters on every node.
    assert {"api", "api-readiness", "web", "web-health", "node", "cadvisor"} <= set(expected)
    deadline = time.monotonic() + 120
    listed, scraped = per_job(prometheus_url)
    while (listed, scraped) != (expected, expected) and time.monotonic() < deadline:
        time.sleep(1)
        listed, scraped = per_job(prometheus_url)
    record(
        f"monitoring on swarm: Prometheus scraped {TASKS_PER_SERVICE} tasks each of "
        f"{len(expected)} jobs of services with many tasks: "
        + ", ".join(f"{job} {count}" for job, count in sorted(scraped.items()))
    )
    assert listed == expected
    assert scraped == expected
