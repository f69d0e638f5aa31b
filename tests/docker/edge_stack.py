"""A generated project's server stack (compose.prod.yaml) on this machine's Docker engine.

Only what a test cannot have is changed, and only through the knobs the project offers:
images are the local stand-ins (tagged with the project's own default names), ports are
published on 127.0.0.1, and Traefik's static file points its resolver at a local Pebble.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.docker.acme_ca import AcmeCa
from tests.docker.engine import Compose, build, docker, timed
from tests.docker.standins import build_standin

API_TAG = "docker-layer-test"
ENVIRONMENT = "production"


@dataclass(frozen=True)
class ProjectImage:
    """An image the project builds from its own Dockerfile, for one compose service."""

    service: str
    dockerfile: str  # relative to the project
    context: str  # the build context, relative to the project

    def base_image(self, project: Path) -> str:
        """The default of the Dockerfile's base image ARG (NODE_IMAGE, PYTHON_IMAGE, ...)."""
        dockerfile = project / self.dockerfile
        match = re.search(r"^ARG \w+_IMAGE=(\S+)$", dockerfile.read_text(), re.MULTILINE)
        assert match, f"{dockerfile} has no `ARG <NAME>_IMAGE=` default"
        return match.group(1)

    def repository(self, values: dict[str, str]) -> str:
        """The image name without tag, from the env file (API_IMAGE, WEB_IMAGE)."""
        return values[f"{self.service.upper()}_IMAGE"]

    def build(self, project: Path, image: str, version: str) -> None:
        """The image as the project's CI builds it, labelled with `version`."""
        with timed(f"build of the {self.service} image {image}"):
            build(
                project / self.context,
                image,
                dockerfile=project / self.dockerfile,
                build_args={"VERSION": version, "REVISION": "0123456789abcdef"},
                network_host=True,
            )


API_IMAGE = ProjectImage("api", "apps/api/Dockerfile", ".")
# A self-contained pnpm project: its folder is the build context.
WEB_IMAGE = ProjectImage("web", "apps/web/Dockerfile", "apps/web")


def project_images(project: Path) -> list[ProjectImage]:
    """The images a release of this project consists of: the API's, and the web front end's
    when the project has one."""
    return [image for image in (API_IMAGE, WEB_IMAGE) if (project / image.dockerfile).exists()]


@dataclass(frozen=True)
class EdgeStack:
    project: Path
    compose: Compose
    api_host: str
    api_image: str
    http_port: int
    https_port: int
    # The web front end's public host and image, when the project has one.
    web_host: str | None = None
    web_image: str | None = None


def env_file_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def build_release(project: Path, tag: str, version: str = "1.2.3") -> None:
    """Every image of the project (API, web front end) with `tag`, as a release has them."""
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    for image in project_images(project):
        image.build(project, f"{image.repository(values)}:{tag}", version)


def build_standins(project: Path, images: list[str]) -> None:
    """A stand-in for each of `images` but the project's own, and for their bases."""
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    own = {image.repository(values) for image in project_images(project)}
    bases = {image.base_image(project) for image in project_images(project)}
    for image in images:
        if image.rsplit(":", 1)[0] not in own:
            build_standin(image)
    for base in sorted(bases):
        build_standin(base)


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


# Where the project's scripts/server-compose writes the secret files compose mounts.
SECRETS_DIR = f".deploy/{ENVIRONMENT}/secrets"


def write_secret_files(project: Path, compose_files: list[str]) -> None:
    """The secret files of the server stack, written as on a server: by the project's own
    scripts/server-compose from env/ENVIRONMENT.env (here before a command that starts
    nothing), so this test's compose commands find them in SECRETS_DIR."""
    env = {**os.environ, "ENVIRONMENT": ENVIRONMENT, "COMPOSE_FILE": ":".join(compose_files)}
    script = ["bash", "scripts/server-compose", ENVIRONMENT, "config", "--quiet"]
    result = subprocess.run(script, cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(script)}\n{result.stdout}{result.stderr}"


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
    files = ["compose.prod.yaml", pebble_override(project, acme_ca)]
    write_secret_files(project, files)
    compose = Compose(
        project,
        env_file,
        files,
        env={
            "SECRETS_DIR": SECRETS_DIR,
            "COMPOSE_PROJECT_NAME": compose_project,
            "API_TAG": API_TAG,
            "TRAEFIK_HTTP_PUBLISH": f"127.0.0.1:{http_port}",
            "TRAEFIK_HTTPS_PUBLISH": f"127.0.0.1:{https_port}",
            "TRAEFIK_STATIC_CONFIG": f"./{static_config.relative_to(project)}",
        },
    )
    build_standins(project, compose("config", "--images").split())
    build_release(project, API_TAG)
    web_image = values.get("WEB_IMAGE")
    return EdgeStack(
        project,
        compose,
        values["API_HOST"],
        api_image,
        http_port,
        https_port,
        web_host=values.get("WEB_HOST"),
        web_image=f"{web_image}:{API_TAG}" if web_image else None,
    )


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
        services = ["traefik", "api", "postgres", "redis"]
        wait_until_healthy(stack, [*services, "web"] if stack.web_image else services)


def stop(stack: EdgeStack) -> None:
    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "20")
