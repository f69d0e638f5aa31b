"""Each reader of the Docker API has its own proxy, and each proxy passes only its reader's calls.

The proxies run as the rendered compose files define them (HAProxy with the project's
infra/docker-api/haproxy.cfg and the reader's allowlist, read-only, as root without
capabilities) in front of this machine's real engine. The requests come from inside each
reader's own service, run with `docker compose run` and a plain bookworm image in place of
the reader's (Alloy and cAdvisor cannot run here; their calls are read from their source in
the allowlists' comments): same networks, same mounts. A real Traefik then discovers a
container through its proxy, and the proxy's log shows every call it made and passed.
No server stack is started: the proxies, a container to aim at, and the probes.
"""

from __future__ import annotations

import json
import secrets
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.docker.docker_api_calls import (
    Call,
    calls_in_log,
    parse,
    passed,
    probe_script,
    reader_calls,
    refused,
    refused_everywhere,
)
from tests.docker.engine import Compose, container_logs, docker, timed
from tests.docker.standins import base_image, build_standin
from tests.docker.swarm import ensure_swarm, placeholders_of_scripts_deploy
from tests.rendering import render
from tests.report import record

READERS = ("traefik", "alloy", "cadvisor")
IMAGE_VARIABLES = {"traefik": "TRAEFIK_IMAGE", "alloy": "ALLOY_IMAGE", "cadvisor": "CADVISOR_IMAGE"}


@dataclass(frozen=True)
class Proxies:
    project: Path
    name: str  # the compose project
    compose: Compose  # the readers' images replaced by the plain probe image
    target: str  # id of a running container the calls aim at
    images: dict[str, str]  # service -> image, as the rendered files name them


def attachable_networks(project: Path, files: list[str]) -> str:
    """An override letting plain containers join the stack's overlay networks: compose runs
    the proxies and the readers' probes here, as containers, not as Swarm tasks."""
    networks: set[str] = set()
    for file in files:
        networks |= set(yaml.safe_load((project / file).read_text()).get("networks") or {})
    override = {"networks": {name: {"attachable": True} for name in sorted(networks)}}
    (project / "compose.attachable.yaml").write_text(json.dumps(override, indent=2))
    return "compose.attachable.yaml"


def node_id() -> str:
    """This engine's node in its swarm (Traefik's Swarm provider inspects the tasks' nodes)."""
    ensure_swarm()
    return docker("info", "--format", "{{.Swarm.NodeID}}").strip()


def proxy(reader: str) -> str:
    return f"{reader}-docker-api"


@pytest.fixture(scope="module")
def proxies(
    docker_engine: None, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxies]:
    answers = {
        "project_name": "proxy-check",
        "environments": ["production"],
        "use_monitoring": True,
    }
    project = render(template_repo, tmp_path_factory.mktemp("proxies") / "project", answers)
    name = f"proxy-check-{secrets.token_hex(3)}"
    probe_image = base_image()
    env = {
        "COMPOSE_PROJECT_NAME": name,
        **{variable: probe_image for variable in IMAGE_VARIABLES.values()},
        # The stack files name the secret files' folder and their versions; the proxies
        # mount none of them.
        "SECRETS_DIR": str(project / ".deploy" / "secrets"),
    }
    files = ["compose.prod.yaml", "compose.monitoring.yaml"]
    env |= placeholders_of_scripts_deploy(project, files)
    files.append(attachable_networks(project, files))
    compose = Compose(project, "env/production.env", files, env)
    plain = Compose(
        project, "env/production.env", files, {**env, **dict.fromkeys(IMAGE_VARIABLES.values(), "")}
    )
    services = json.loads(plain("config", "--format", "json"))["services"]
    images = {service: str(spec["image"]) for service, spec in services.items()}
    victim = f"{name}-target"
    try:
        with timed("start of the three Docker API proxies"):
            for reader in READERS:
                build_standin(images[proxy(reader)])
            compose("up", "--detach", "--no-deps", *(proxy(reader) for reader in READERS))
            target = docker(
                "run", "--detach", "--name", victim, "--label", f"shipshape.check={name}",
                "--label", "traefik.enable=true",
                "--label", f"traefik.http.routers.{name}.rule=Host(`{name}.test`)",
                "--label", f"traefik.http.services.{name}.loadbalancer.server.port=80",
                probe_image, "sleep", "600",
            ).strip()  # fmt: skip
        yield Proxies(project, name, compose, target, images)
    finally:
        docker("rm", "--force", victim)
        compose("down", "--volumes", "--remove-orphans", "--timeout", "5")


@pytest.mark.parametrize("reader", READERS)
def test_each_reader_reaches_its_own_proxy_and_only_its_allowed_calls(
    proxies: Proxies, reader: str
) -> None:
    target = proxies.target
    calls = [
        (proxy(reader), call)
        for call in [
            *reader_calls(reader, target, int(time.time()), node_id()),
            *refused_everywhere(target, target),
        ]
    ]
    # The other readers' proxies: not even a connection.
    calls += [
        (proxy(other), Call(f"{proxy(other)} from {reader}", "GET /_ping", False))
        for other in READERS
        if other != reader
    ]
    script = probe_script(calls)
    output = proxies.compose(
        "run", "--rm", "--no-deps", "--entrypoint", "bash", reader, "-c", script
    )
    wrong = []
    for (host, call), outcome in zip(calls, parse(output, len(calls)), strict=True):
        if host != proxy(reader):
            expected, ok = "unreachable", outcome == "unreachable"
        elif call.allowed:
            expected, ok = "passed", passed(outcome)
        else:
            expected, ok = "refused", refused(outcome)
        request = call.request.replace(target, "{id}")
        line = f"{reader:8} {call.what:40} {request:70} {outcome:12} {expected}"
        record(f"docker api: {line}")
        if not ok:
            wrong.append(line)
    assert not wrong, "\n".join(wrong)
    # Refused changes changed nothing: the container aimed at still runs.
    state = docker("inspect", "--format", "{{.State.Running}}", target).strip()
    assert state == "true", "a refused call stopped or removed the target container"


def test_traefik_discovers_services_through_its_proxy_and_needs_nothing_refused(
    proxies: Proxies,
) -> None:
    """A real Traefik, given only its proxy, routes a labelled Swarm service; the proxy's log
    lists each call it made, every one passed."""
    ensure_swarm()
    since = docker("run", "--rm", base_image(), "date", "+%s").strip()
    image = proxies.images["traefik"]
    build_standin(image)
    network = f"{proxies.name}_{proxy('traefik')}"
    routed = f"{proxies.name}-routed"
    docker("network", "create", "--driver", "overlay", routed)
    docker(
        "service", "create", "--quiet", "--detach", "--name", routed, "--network", routed,
        "--label", f"shipshape.check={proxies.name}", "--label", "traefik.enable=true",
        "--label", f"traefik.http.routers.{proxies.name}.rule=Host(`{proxies.name}.test`)",
        "--label", f"traefik.http.services.{proxies.name}.loadbalancer.server.port=80",
        "--label", f"traefik.swarm.network={routed}",
        base_image(), "sleep", "600",
    )  # fmt: skip
    traefik = docker(
        "run", "--detach", "--name", f"{proxies.name}-traefik", "--network", network,
        "--entrypoint", "traefik", image,
        f"--providers.swarm.endpoint=tcp://{proxy('traefik')}:2375",
        "--providers.swarm.exposedByDefault=false",
        "--providers.swarm.refreshSeconds=2",
        f"--providers.swarm.constraints=Label(`shipshape.check`,`{proxies.name}`)",
        "--log.level=DEBUG",
    ).strip()  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while f'"{proxies.name}":' not in container_logs(traefik) and time.monotonic() < deadline:
            time.sleep(0.5)
        logs = container_logs(traefik)
        assert f'"{proxies.name}":' in logs, f"Traefik did not route the service:\n{logs[-3000:]}"
    finally:
        docker("rm", "--force", traefik)
        docker("service", "rm", routed)
        docker("network", "rm", routed)
    proxy_id = proxies.compose.container_id(proxy("traefik"))
    calls = calls_in_log(docker("logs", "--since", since, proxy_id))
    for call, statuses in sorted(calls.items()):
        record(f"docker api: Traefik called {call}: {', '.join(sorted(statuses))}")
    assert {"GET /v1.41/services", "GET /v1.41/tasks", "GET /v1.41/nodes/{id}"} <= calls.keys()
    refused_calls = {call for call, statuses in calls.items() if statuses != {"200"}}
    assert not refused_calls, f"Traefik needed calls its proxy refused: {refused_calls}"


def run_checks(
    proxies: Proxies, service: str, checks: dict[str, str], override: str | None = None
) -> None:
    """Each shell test, run in the service's container as compose gives it (a plain image in
    place of the service's, and what `override`, a compose file, changes), must succeed."""
    script = "\n".join(
        f"if {test}; then echo {shlex.quote(f'ok {what}')};"
        f" else echo {shlex.quote(f'FAILED {what}')}; fi"
        for what, test in checks.items()
    )
    image = {"cadvisor": "CADVISOR_IMAGE", "node-exporter": "NODE_EXPORTER_IMAGE"}[service]
    compose = Compose(
        proxies.project,
        "env/production.env",
        [*proxies.compose.files, *([override] if override else [])],
        {**proxies.compose.env, image: base_image()},
    )
    output = compose("run", "--rm", "--no-deps", "--entrypoint", "bash", service, "-c", script)
    for line in output.splitlines():
        record(f"docker api: {service}'s mounts: {line}")
    assert "FAILED" not in output, output
    assert output.count("ok ") == len(checks), output


def test_cadvisor_sees_what_it_reads_and_not_the_socket_or_dockers_state(
    proxies: Proxies,
) -> None:
    """cAdvisor's mounts: the files its source reads under /rootfs are there (cAdvisor cannot
    run here), the sockets under /run and Docker's state are not."""
    pid = docker("inspect", "--format", "{{.State.Pid}}", proxies.target).strip()
    driver = docker("info", "--format", "{{.Driver}}").strip()
    layers = f"/rootfs/var/lib/docker/image/{driver}/layerdb/mounts"
    run_checks(
        proxies,
        "cadvisor",
        {
            "layer id (mount-id)": f"test -s {layers}/{proxies.target}/mount-id",
            "network counters": f"test -r /rootfs/proc/{pid}/net/dev",
            "cgroups": "test -d /sys/fs/cgroup",
            "no Docker socket": "! test -e /rootfs/run/docker.sock",
            "no socket at all under /run": 'test -z "$(find /rootfs/run -type s)"',
            "no volumes": "! test -e /rootfs/var/lib/docker/volumes",
            "no container configurations": "! test -e /rootfs/var/lib/docker/containers",
        },
    )


def test_node_exporter_sees_the_host_but_not_the_socket(proxies: Proxies) -> None:
    """node-exporter reads the host's file systems under /host; the socket is hidden there.

    Its `rslave` propagation (mounts made later on the host appear under /host) needs a host
    whose / is a shared mount; this machine's is not, so the test mounts / without it: what
    is visible at start, which is what the test checks, is the same."""
    override = proxies.project / "compose.no-propagation.yaml"
    override.write_text(
        json.dumps({"services": {"node-exporter": {"volumes": ["/:/host:ro"]}}}, indent=2)
    )
    run_checks(
        proxies,
        "node-exporter",
        {
            "the host's root": "test -r /host/etc/os-release",
            "no Docker socket": "! test -e /host/run/docker.sock",
            "no socket at all under /run": 'test -z "$(find /host/run -type s)"',
        },
        override.name,
    )


def silent_stream_seconds(proxies: Proxies, config: str, wait: int) -> int:
    """How long a follow of the target's (silent) logs stays open, up to `wait` seconds,
    through Alloy's proxy started with `config` in place of the project's haproxy.cfg."""
    path = proxies.project / "infra" / "docker-api" / f"haproxy.check-{secrets.token_hex(3)}.cfg"
    path.write_text(config)
    name = f"{proxies.name}-stream-{secrets.token_hex(3)}"
    network = f"{proxies.name}_{proxy('alloy')}"
    allowlist = proxies.project / "infra" / "docker-api" / "alloy.allow"
    docker(
        "run", "--detach", "--name", name, "--network", network, "--user", "root",
        "--read-only", "--cap-drop", "ALL",
        "--volume", f"{path}:/usr/local/etc/haproxy/haproxy.cfg:ro",
        "--volume", f"{allowlist}:/usr/local/etc/haproxy/allowlist:ro",
        "--volume", "/var/run/docker.sock:/var/run/docker.sock:ro",
        proxies.images[proxy("alloy")],
    )  # fmt: skip
    try:
        request = f"GET /v1.41/containers/{proxies.target}/logs?follow=1&stdout=1 HTTP/1.0"
        script = (
            f"exec 3<>/dev/tcp/{name}/2375; printf '%s\\r\\n\\r\\n' {shlex.quote(request)} >&3;"
            f" start=$SECONDS; timeout {wait} cat <&3 >/dev/null; echo $((SECONDS - start))"
        )
        return int(docker("run", "--rm", "--network", network, base_image(), "bash", "-c", script))
    finally:
        docker("rm", "--force", name)


def test_a_silent_log_stream_outlives_the_proxys_timeouts(proxies: Proxies) -> None:
    """Alloy follows the logs of quiet containers for hours, Traefik the event stream: the
    proxy's stream backend has no server timeout. The project's haproxy.cfg with its
    10-minute timeouts cut to 2 s shows it in seconds; without the stream backend's
    `timeout server 24d` the same stream is cut."""
    config = (proxies.project / "infra" / "docker-api" / "haproxy.cfg").read_text()
    short = config.replace("timeout client 10m", "timeout client 2s")
    short = short.replace("timeout server 10m", "timeout server 2s")
    assert short.count(" 2s") == 2, "haproxy.cfg's client and server timeouts moved"
    kept = silent_stream_seconds(proxies, short, wait=6)
    cut = silent_stream_seconds(proxies, short.replace("    timeout server 24d\n", ""), wait=6)
    record(f"docker api: a silent log stream, timeouts cut to 2 s: open {kept} s of 6")
    record(f"docker api: the same without the streams' timeout server 24d: cut after {cut} s")
    assert kept >= 6
    assert cut < 6
