"""A generated project's server stack (compose.prod.yaml) on this machine's Docker engine.

Only what a test cannot have is changed, and only through the knobs the project offers:
images are the local stand-ins (tagged with the project's own default names), ports are
published on 127.0.0.1, and Traefik's static file points its resolver at a local Pebble.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from tests.docker.acme_ca import AcmeCa
from tests.docker.engine import Compose, build, docker, timed
from tests.docker.standins import build_standin

API_TAG = "docker-layer-test"
ENVIRONMENT = "production"


@dataclass(frozen=True)
class EdgeStack:
    project: Path
    compose: Compose
    api_host: str
    api_image: str
    http_port: int
    https_port: int


def env_file_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def api_base_image(dockerfile: Path) -> str:
    """The default of the Dockerfile's base image ARG (NODE_IMAGE, PYTHON_IMAGE, ...)."""
    match = re.search(r"^ARG \w+_IMAGE=(\S+)$", dockerfile.read_text(), re.MULTILINE)
    assert match, f"{dockerfile} has no `ARG <NAME>_IMAGE=` default"
    return match.group(1)


def build_api_image(project: Path, image: str, version: str = "1.2.3") -> None:
    """The project's API image as its CI builds it, labelled with `version`."""
    with timed(f"build of the API image {image}"):
        build(
            project,
            image,
            dockerfile=project / "apps" / "api" / "Dockerfile",
            build_args={"VERSION": version, "REVISION": "0123456789abcdef"},
            network_host=True,
        )


def build_standins(project: Path, compose: Compose, api_repository: str) -> None:
    """A stand-in for every image the stack runs but the API's, and for the API's base."""
    for image in compose("config", "--images").split():
        if image.rsplit(":", 1)[0] != api_repository:
            build_standin(image)
    build_standin(api_base_image(project / "apps" / "api" / "Dockerfile"))


def pebble_static_config(project: Path, acme_ca: AcmeCa) -> Path:
    """The project's traefik.yml with its resolver pointed at the local CA instead of LE."""
    original = (project / "infra" / "traefik" / "traefik.yml").read_text()
    changed, count = re.subn(
        r"caServer: \S+", f"caServer: {acme_ca.directory_url}", original, flags=re.MULTILINE
    )
    assert count == 1, "traefik.yml should name exactly one caServer"
    path = project / "infra" / "traefik" / "traefik.pebble.yml"
    path.write_text(changed)
    return path


def pebble_override(project: Path, acme_ca: AcmeCa) -> str:
    """Compose override: Traefik trusts Pebble's TLS and reaches Pebble on the host."""
    override = {
        "services": {
            "traefik": {
                "extra_hosts": ["pebble:host-gateway"],
                "environment": {"LEGO_CA_CERTIFICATES": "/etc/pebble/ca.pem"},
                "volumes": [f"{acme_ca.tls_ca_file}:/etc/pebble/ca.pem:ro"],
            }
        }
    }
    (project / "compose.pebble.yaml").write_text(json.dumps(override, indent=2))
    return "compose.pebble.yaml"


def prepare(
    project: Path,
    acme_ca: AcmeCa,
    http_port: int,
    https_port: int,
    compose_project: str | None = None,
) -> EdgeStack:
    """Stand-in images, the API image, and a compose command set up for this machine.

    The compose project (containers, networks, volumes) is the one the project names itself
    in its env file (`<slug>-<environment>`), unless `compose_project` says otherwise: Traefik
    only routes to containers of the project's own compose projects (traefik.yml), which also
    keeps stacks of differently named projects apart on this shared engine.
    """
    env_file = f"env/{ENVIRONMENT}.env"
    values = env_file_values(project / env_file)
    if compose_project is None:
        compose_project = values["COMPOSE_PROJECT_NAME"]
    api_image = f"{values['API_IMAGE']}:{API_TAG}"
    static_config = pebble_static_config(project, acme_ca)
    compose = Compose(
        project,
        env_file,
        ["compose.prod.yaml", pebble_override(project, acme_ca)],
        env={
            "COMPOSE_PROJECT_NAME": compose_project,
            "API_TAG": API_TAG,
            "TRAEFIK_HTTP_PUBLISH": f"127.0.0.1:{http_port}",
            "TRAEFIK_HTTPS_PUBLISH": f"127.0.0.1:{https_port}",
            "TRAEFIK_STATIC_CONFIG": f"./{static_config.relative_to(project)}",
        },
    )
    build_standins(project, compose, values["API_IMAGE"])
    build_api_image(project, api_image)
    return EdgeStack(project, compose, values["API_HOST"], api_image, http_port, https_port)


def health_of(container: str) -> str:
    state = json.loads(docker("inspect", "--format", "{{json .State}}", container))
    return str(state.get("Health", {}).get("Status", state["Status"]))


def wait_until_healthy(stack: EdgeStack, services: list[str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending and time.monotonic() < deadline:
        pending = [s for s in pending if health_of(stack.compose.container_id(s)) != "healthy"]
        time.sleep(1)
    assert not pending, f"not healthy after {timeout:.0f} s: {pending}\n{stack.compose('logs')}"


def start(stack: EdgeStack) -> None:
    with timed(f"compose up of the server stack with {stack.api_image}"):
        stack.compose("up", "--detach", "--no-build")
        wait_until_healthy(stack, ["traefik", "api", "postgres", "redis"])


def stop(stack: EdgeStack) -> None:
    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "20")
