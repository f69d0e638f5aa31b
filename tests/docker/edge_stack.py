"""A generated project's server stack (compose.prod.yaml) on this machine's Docker engine, a
one-node swarm, deployed by the project's own scripts/deploy.

Only what a test cannot have is changed, and only through the knobs the project offers:
images are the local stand-ins (tagged with the project's own default names), ports are
this machine's choice, and Traefik's static file points its resolver at a local Pebble.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tests.docker.acme_ca import AcmeCa
from tests.docker.engine import build, timed
from tests.docker.standins import build_standin
from tests.docker.swarm import Stack, ensure_swarm, images_of_stack_file, project_script
from tests.paths import VENV_BIN

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
    swarm: Stack
    # The environment the project's scripts run in (STACK_FILES, ports, Traefik's file).
    env: dict[str, str]
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


def prepare(
    project: Path,
    acme_ca: AcmeCa,
    http_port: int,
    https_port: int,
    stack_name: str | None = None,
) -> EdgeStack:
    """Stand-in images, the API image, and the environment scripts/deploy runs in here.

    The stack is the one the project names itself in its env file (`<slug>-<environment>`),
    unless `stack_name` says otherwise: Traefik only routes to services of the project's own
    stacks (traefik.yml), which also keeps stacks of differently named projects apart on this
    shared engine.
    """
    values = env_file_values(project / f"env/{ENVIRONMENT}.env")
    name = stack_name or values["COMPOSE_PROJECT_NAME"]
    static_config = pebble_static_config(project, acme_ca)
    env = {
        "ENVIRONMENT": ENVIRONMENT,
        "COMPOSE_PROJECT_NAME": name,
        "STACK_FILES": f"compose.prod.yaml:{pebble_override(project, acme_ca)}",
        "API_REPLICAS": "1",
        "WEB_REPLICAS": "1",
        "TRAEFIK_HTTP_PORT": str(http_port),
        "TRAEFIK_HTTPS_PORT": str(https_port),
        "TRAEFIK_STATIC_CONFIG": f"./{static_config.relative_to(project)}",
        "DEPLOY_TIMEOUT": "180",
        # sops and age-keygen for scripts/secrets, as bootstrap installed them.
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }
    build_standins(project, images_of_stack_file(project / "compose.prod.yaml"))
    build_release(project, API_TAG)
    web_image = values.get("WEB_IMAGE")
    return EdgeStack(
        project,
        Stack(name),
        env,
        values["API_HOST"],
        f"{values['API_IMAGE']}:{API_TAG}",
        http_port,
        https_port,
        web_host=values.get("WEB_HOST"),
        web_image=f"{web_image}:{API_TAG}" if web_image else None,
    )


def start(stack: EdgeStack) -> None:
    """The project's first deploy of API_TAG: the role setup, migrations, every service
    running and healthy (scripts/deploy waits for that)."""
    ensure_swarm()
    with timed(f"scripts/deploy of the server stack with {stack.api_image}"):
        result = project_script(stack.project, stack.env, "deploy", API_TAG)
    assert result.returncode == 0, f"scripts/deploy {API_TAG}\n{result.stdout}{result.stderr}"


def stop(stack: EdgeStack) -> None:
    stack.swarm.remove()
