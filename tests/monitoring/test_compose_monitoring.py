"""compose.monitoring.yaml on top of compose.prod.yaml: every service the monitoring talks to
is on a network it shares, nothing is published beyond loopback except Grafana via Traefik,
images are pinned, memory is limited, every mounted file exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.lint.compose_stacks import ComposeStack, compose_env, compose_stacks, config_json
from tests.lint.tools import tool
from tests.monitoring.live_stack import configured_targets, service_and_port
from tests.monitoring.projects import load_yaml, prometheus_dir

# service -> port: where Grafana, Alloy and the exporters connect (their config files or env).
FIXED_CONNECTIONS = {
    "grafana": ["prometheus:9090", "loki:3100", "alertmanager:9093"],
    "alloy": ["loki:3100", "alloy-docker-api:2375"],
    "cadvisor": ["cadvisor-docker-api:2375"],
    "postgres-exporter": ["postgres:5432"],
    "redis-exporter": ["redis:6379"],
}


def server_stack(project: Path) -> ComposeStack:
    return next(
        stack for stack in compose_stacks(project) if "compose.monitoring.yaml" in stack.files
    )


def merged_config(project: Path, environment: dict[str, str] | None = None) -> dict[str, Any]:
    """`docker compose config` of the server stack; `environment` overrides the env file (as
    an operator's shell would)."""
    stack = server_stack(project)
    args = [tool("docker-compose"), "--env-file", stack.env_file]
    for file in stack.files:
        args += ["--file", file]
    return config_json(args, project, {**compose_env(project), **(environment or {})})


_MERGED: dict[Path, dict[str, Any]] = {}


@pytest.fixture
def merged(monitored_project: Path) -> dict[str, Any]:
    """The merged server stack of the project (`docker compose config` runs once each)."""
    if monitored_project not in _MERGED:
        _MERGED[monitored_project] = merged_config(monitored_project)
    return _MERGED[monitored_project]


def monitoring_services(project: Path) -> list[str]:
    """Services compose.monitoring.yaml adds (not those it only extends, like traefik)."""
    raw = load_yaml(project / "compose.monitoring.yaml")
    return [name for name, service in raw["services"].items() if "image" in service]


def networks_of(config: dict[str, Any], service: str) -> set[str]:
    return set(config["services"][service].get("networks") or {})


def scrape_targets(project: Path) -> list[tuple[str, str]]:
    """(who connects, host:port) for every static target: Prometheus scrapes plain targets
    itself; a probe job's targets are reached by the exporter relabelling sends it to."""
    prometheus = load_yaml(prometheus_dir(project) / "prometheus.yml")
    targets = []
    for job in prometheus["scrape_configs"]:
        prober = "prometheus"
        for rule in job.get("relabel_configs", []):
            if rule.get("target_label") == "__address__":
                targets.append(("prometheus", rule["replacement"]))
                prober = rule["replacement"].split(":")[0]
        for target in configured_targets(job):
            service, port = service_and_port(target)
            targets.append((prober, f"{service}:{port}"))
    for manager in prometheus["alerting"]["alertmanagers"]:
        targets += [("prometheus", target) for target in manager["static_configs"][0]["targets"]]
    return targets


def test_prometheus_and_probes_share_a_network_with_every_target(
    monitored_project: Path, merged: dict[str, Any]
) -> None:
    problems = []
    for client, target in scrape_targets(monitored_project):
        host = target.split(":")[0]
        if host == "localhost":
            continue
        if host not in merged["services"]:
            problems.append(f"{target}: no service {host}")
        elif not networks_of(merged, host) & networks_of(merged, client):
            problems.append(f"{target}: {host} shares no network with {client}")
    assert not problems, "\n".join(problems)


def test_readiness_probe_reaches_the_api(monitored_project: Path, merged: dict[str, Any]) -> None:
    assert networks_of(merged, "blackbox-exporter") & networks_of(merged, "api")


@pytest.mark.parametrize("client", sorted(FIXED_CONNECTIONS))
def test_clients_share_a_network_with_their_servers(merged: dict[str, Any], client: str) -> None:
    for address in FIXED_CONNECTIONS[client]:
        server = address.split(":")[0]
        assert networks_of(merged, client) & networks_of(merged, server), f"{client} -> {address}"


def test_only_grafana_is_routed_and_nothing_published(
    monitored_project: Path, merged: dict[str, Any]
) -> None:
    """Swarm publishes a port on every address of the node: no monitoring service publishes
    one (`scripts/stack ENV tunnel` reaches them from the server)."""
    for name in monitoring_services(monitored_project):
        service = merged["services"][name]
        assert not service.get("ports"), f"{name} publishes {service['ports']}"
        labels = service.get("deploy", {}).get("labels", {})
        routed = labels.get("traefik.enable") == "true"
        assert routed == (name == "grafana"), f"{name}: traefik.enable={routed}"


def test_grafana_router_serves_its_host_over_tls(
    monitored_project: Path, merged: dict[str, Any]
) -> None:
    env = dict(
        line.split("=", 1)
        for line in (monitored_project / server_stack(monitored_project).env_file)
        .read_text()
        .splitlines()
        if "=" in line and not line.startswith("#")
    )
    labels = merged["services"]["grafana"]["deploy"]["labels"]
    assert labels["traefik.http.routers.grafana.rule"] == f"Host(`{env['GRAFANA_HOST']}`)"
    assert labels["traefik.http.routers.grafana.entrypoints"] == "websecure"
    network = labels["traefik.swarm.network"].removeprefix(f"{env['COMPOSE_PROJECT_NAME']}_")
    assert network in networks_of(merged, "grafana") & networks_of(merged, "traefik")


def test_images_are_pinned_and_memory_is_limited(monitored_project: Path) -> None:
    raw = load_yaml(monitored_project / "compose.monitoring.yaml")
    problems = []
    for name in monitoring_services(monitored_project):
        service = raw["services"][name]
        default = re.fullmatch(r"\$\{[A-Z_]+:-(.+)\}", service["image"])
        image = default.group(1) if default else service["image"]
        if not re.search(r":v?\d+\.\d+\.\d+$", image):
            problems.append(f"{name}: image {image} is not pinned to a release")
        if not service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory"):
            problems.append(f"{name}: no memory limit")
    assert not problems, "\n".join(problems)


def test_every_mounted_file_exists(monitored_project: Path, merged: dict[str, Any]) -> None:
    missing = []
    for name, service in merged["services"].items():
        for volume in service.get("volumes", []):
            source = Path(volume.get("source", ""))
            ours = volume.get("type") == "bind" and monitored_project in source.parents
            if ours and not source.exists():
                missing.append(f"{name}: {source.relative_to(monitored_project)}")
    assert not missing, missing
