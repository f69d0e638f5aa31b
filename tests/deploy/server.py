"""A generated project's server, on this machine's Docker engine (a one-node swarm), driven
by its own scripts.

The project's scripts/deploy and scripts/rollback run exactly as an operator runs them;
only what a test cannot have is set through the knobs the project offers: stand-in images,
ports of this machine's choosing, Traefik's resolver pointed at a local Pebble (STACK_FILES
adds the override). The stack is the one the project names itself.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.docker.acme_ca import AcmeCa
from tests.docker.edge_stack import (
    build_release,
    build_standins,
    env_file_values,
    pebble_override,
    pebble_static_config,
)
from tests.docker.engine import build, docker
from tests.docker.swarm import Stack, images_of_stack_file, project_script
from tests.paths import VENV_BIN

ENVIRONMENT = "production"
# Releases whose images stay on the server: small, so the test sees old ones pruned.
KEEP_RELEASES = 2
# Tasks of the API and of the web front end: more than one, as a node with several cores runs.
REPLICAS = 3
# v3's health check fails fast (the image's own would take a minute to call it unhealthy).
FAILING_HEALTHCHECK = 'HEALTHCHECK --interval=2s --timeout=2s --retries=2 CMD ["false"]'


@dataclass(frozen=True)
class DeployServer:
    stack: str
    project: Path
    api_image: str  # without tag
    api_host: str
    http_port: int
    https_port: int
    env: dict[str, str]
    # The web front end's image (without tag) and host, when the project has one.
    web_image: str | None = None
    web_host: str | None = None

    @property
    def hosts(self) -> list[str]:
        """The public hosts Traefik serves: the API's, and the web front end's."""
        return [self.api_host, *filter(None, [self.web_host])]

    def handshake_refusal(self, host: str) -> str | None:
        """Why a new TLS connection to `host` through Traefik fails, or None when Traefik
        completes the handshake (it holds a certificate for the name; not verified here)."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            with (
                socket.create_connection(("127.0.0.1", self.https_port), timeout=10) as raw,
                context.wrap_socket(raw, server_hostname=host),
            ):
                return None
        except (OSError, ssl.SSLError) as error:
            return f"{host}: {error}"

    def script(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run scripts/<name> in the project; the result, whatever its exit status."""
        return project_script(self.project, self.env, name, *args)

    @property
    def swarm_stack(self) -> Stack:
        values = env_file_values(self.project / "env" / f"{ENVIRONMENT}.env")
        return Stack(values["COMPOSE_PROJECT_NAME"])

    def running_images(self, service: str) -> list[str]:
        """The image of each running task of `service`, sorted."""
        return sorted(self.swarm_stack.running_images(service))

    def running_api_images(self) -> list[str]:
        return self.running_images("api")

    def release_log(self) -> list[list[str]]:
        """Lines of .deploy/ENV/releases.log without their time stamps."""
        log = self.project / ".deploy" / ENVIRONMENT / "releases.log"
        return [line.split("\t")[1:4] for line in log.read_text().splitlines()]

    def troubled_requests(self) -> str:
        """Traefik's troubled requests and own complaints (`troubled_lines`) and its tasks,
        for a failure's message."""
        tasks = docker(
            "service", "ps", "--no-trunc", "--format",
            "{{.Name}} {{.CurrentState}} {{.Error}}", self.swarm_stack.service("traefik"),
        )  # fmt: skip
        return "\n".join(
            [*troubled_lines(self.swarm_stack.logs("traefik")), "traefik tasks:", tasks]
        )

    def down(self) -> None:
        self.swarm_stack.remove()


def build_unhealthy_release(project: Path, healthy_image: str, image: str) -> None:
    """A release that starts but never passes its health check."""
    context = project / ".cache-unhealthy-release"
    context.mkdir(exist_ok=True)
    (context / "Dockerfile").write_text(f"FROM {healthy_image}\n{FAILING_HEALTHCHECK}\n")
    build(context, image)


def prepare(
    stack: str, project: Path, acme_ca: AcmeCa, http_port: int, https_port: int
) -> DeployServer:
    """Stand-ins, releases v1, v2 and a failing v3, and the environment the scripts run in."""
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    static_config = pebble_static_config(project, acme_ca)
    env = {
        "ENVIRONMENT": ENVIRONMENT,
        "STACK_FILES": f"compose.prod.yaml:{pebble_override(project, acme_ca)}",
        "API_REPLICAS": str(REPLICAS),
        "WEB_REPLICAS": str(REPLICAS),
        "TRAEFIK_HTTP_PORT": str(http_port),
        "TRAEFIK_HTTPS_PORT": str(https_port),
        "TRAEFIK_STATIC_CONFIG": f"./{static_config.relative_to(project)}",
        "KEEP_RELEASES": str(KEEP_RELEASES),
        "DEPLOY_TIMEOUT": "180",
        # sops and age-keygen for scripts/secrets, as bootstrap installed them.
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }
    server = DeployServer(
        stack,
        project,
        values["API_IMAGE"],
        values["API_HOST"],
        http_port,
        https_port,
        env,
        web_image=values.get("WEB_IMAGE"),
        web_host=values.get("WEB_HOST"),
    )
    build_standins(project, images_of_stack_file(project / "compose.prod.yaml"))
    build_release(project, "v1", "1.0.0")
    build_release(project, "v2", "2.0.0")
    # v3: the API's health check fails; its web front end is v2's, which would be healthy.
    build_unhealthy_release(project, f"{server.api_image}:v2", f"{server.api_image}:v3")
    if server.web_image:
        docker("tag", f"{server.web_image}:v2", f"{server.web_image}:v3")
    return server


def serving_version(server: DeployServer, wait: float = 120) -> str:
    """The version the API behind Traefik reports (its OpenAPI document's info.version).

    Traefik refuses TLS for the host until the ACME CA has issued its certificate, so the
    first call may wait for that. The certificate itself is not verified here (the docker
    layer checks it): this asks which release answers.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            with httpx.Client(verify=False, timeout=10) as client:
                response = client.get(
                    f"https://127.0.0.1:{server.https_port}/api/v1/openapi.json",
                    headers={"Host": server.api_host},
                    extensions={"sni_hostname": server.api_host},
                )
            break
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert response.status_code == 200, response.text
    return str(response.json()["info"]["version"])


def troubled_lines(traefik_log: str) -> list[str]:
    """Traefik's access log lines of requests that failed (first) or took over a second:
    which task each went to, with what status and after how long; then Traefik's own
    warnings and errors (a handshake refused never reaches the access log)."""
    failed, slow, own = [], [], []
    for line in traefik_log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if "level" in entry and entry["level"] not in ("info", "debug"):
            said = f"{entry.get('message')} {entry.get('error', '')}"
            own.append(f"{entry.get('time')} {entry['level']} {said}")
        status = entry.get("DownstreamStatus")
        duration = entry.get("Duration", 0) / 1e9
        described = (
            f"{entry.get('StartUTC')} {status} {duration:.1f}s "
            f"{entry.get('ServiceURL')} {entry.get('RequestHost')}{entry.get('RequestPath')}"
        )
        if status is not None and status >= 300:
            failed.append(described)
        elif duration > 1:
            slow.append(described)
    return [*failed[-30:], *slow[-10:], *own[-20:]]
