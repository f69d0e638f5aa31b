"""A server of a release that ran its stack with Docker Compose (v0.3.0 and before), on this
machine's engine: its stand-in images and the environment its own scripts/deploy ran in.

What a test cannot have is set through the knobs that release offered (COMPOSE_FILE for the
Pebble override, TRAEFIK_*_PUBLISH, TRAEFIK_STATIC_CONFIG), as that release's tests set them.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import tarfile
from pathlib import Path

from tests.docker.edge_stack import API_IMAGE
from tests.docker.engine import build, docker, timed
from tests.docker.standins import base_image, build_standin
from tests.docker.swarm import images_of_stack_file
from tests.paths import VENV_BIN

COMPOSE_PROJECT_LABEL = "com.docker.compose.project"
# The compose-era Docker API proxy: its stand-in left this repository with the release that
# replaced the proxy, so it is built from the old release's own tests folder.
SOCKET_PROXY = "docker-socket-proxy"
SOCKET_PROXY_STANDIN = "tests/docker/standins/socket-proxy"


def build_socket_proxy_standin(template: Path, tag: str, image: str, scratch: Path) -> None:
    """The socket-proxy stand-in exactly as release `tag` of the template built it."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", tag, SOCKET_PROXY_STANDIN],
        cwd=template,
        capture_output=True,
        check=True,
    ).stdout
    context = scratch / "socket-proxy-standin"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(context, filter="tar")
    with timed(f"stand-in {image} of {tag}"):
        build(
            context / SOCKET_PROXY_STANDIN,
            image,
            build_args={"BASE": base_image()},
            network_host=True,
        )


def build_release_standins(template: Path, tag: str, project: Path, scratch: Path) -> None:
    """A stand-in for each third-party image of the project's compose.prod.yaml, and for
    the API image's base."""
    for image in images_of_stack_file(project / "compose.prod.yaml"):
        if SOCKET_PROXY in image:
            build_socket_proxy_standin(template, tag, image, scratch)
        else:
            build_standin(image)
    build_standin(API_IMAGE.base_image(project))


# The FastAPI Dockerfile's second `uv sync`, which installs the app itself from the source.
APP_INSTALL = re.compile(r"^(\s+uv sync --locked --no-dev --no-editable)$", re.MULTILINE)


def build_fastapi_release(project: Path, image: str, version: str, scratch: Path) -> None:
    """The FastAPI image of an old release as CI built it, on a runner with an empty cache.

    v0.3.0's Dockerfile installs the app through uv's cache mount, which BuildKit shares
    between builds: on this engine, where other projects' APIs are built, uv would install
    the app some earlier build left there (with auth, say, where this project has none).
    A copy of the Dockerfile refreshes the app's distribution (pyproject.toml's `name`), as
    later releases' Dockerfile does.
    """
    dockerfile, count = APP_INSTALL.subn(
        r"\1 --refresh-package api", (project / API_IMAGE.dockerfile).read_text()
    )
    assert count == 1, "the FastAPI Dockerfile's app install is not where it was"
    fresh = scratch / "Dockerfile.fresh-cache"
    fresh.write_text(dockerfile)
    with timed(f"build of the api image {image} (its own code, as on CI)"):
        build(
            project,
            image,
            dockerfile=fresh,
            build_args={"VERSION": version, "REVISION": "0123456789abcdef"},
            network_host=True,
        )


# Run in the image: the SHA-256 of the installed app package's Python files, by path.
APP_DIGEST = (
    "import hashlib, pathlib, app\n"
    "root = pathlib.Path(app.__file__).parent\n"
    "digest = hashlib.sha256()\n"
    "for path in sorted(root.rglob('*.py')):\n"
    "    digest.update(str(path.relative_to(root)).encode() + path.read_bytes())\n"
    "print(digest.hexdigest())\n"
)


def source_digest(project: Path) -> str:
    """What APP_DIGEST prints for an image holding exactly the project's apps/api/app."""
    root = project / "apps" / "api" / "app"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def image_app_digest(image: str) -> str:
    return docker("run", "--rm", "--entrypoint", "python", image, "-c", APP_DIGEST).strip()


def release_socket_proxies(project: Path) -> list[str]:
    """The compose-era proxy images the project's compose.prod.yaml runs (none after the
    update): stand-ins no other test uses, removed with the test's images."""
    return [i for i in images_of_stack_file(project / "compose.prod.yaml") if SOCKET_PROXY in i]


def compose_env(
    project: Path, override: str, static_config: Path, http_port: int, https_port: int
) -> dict[str, str]:
    """The environment the release's scripts/deploy ran in on a test's server."""
    return {
        "ENVIRONMENT": "production",
        "COMPOSE_FILE": f"compose.prod.yaml:{override}",
        "TRAEFIK_HTTP_PUBLISH": f"127.0.0.1:{http_port}",
        "TRAEFIK_HTTPS_PUBLISH": f"127.0.0.1:{https_port}",
        "TRAEFIK_STATIC_CONFIG": f"./{static_config.relative_to(project)}",
        "DEPLOY_TIMEOUT": "180",
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }


def labelled(kind: str, project_name: str, service: str | None = None) -> list[str]:
    """Ids (names, for volumes) of the compose project's containers, networks or volumes
    (of one service's, for containers)."""
    listing = ["ps", "--all"] if kind == "container" else [kind, "ls"]
    filters = ["--filter", f"label={COMPOSE_PROJECT_LABEL}={project_name}"]
    if service:
        filters += ["--filter", f"label=com.docker.compose.service={service}"]
    return docker(*listing, "--quiet", *filters).split()


def remove_compose_project(project_name: str) -> None:
    """Whatever the compose project left on the engine: containers, networks, volumes."""
    for container in labelled("container", project_name):
        docker("rm", "--force", "--volumes", container)
    for network in labelled("network", project_name):
        docker("network", "rm", network)
    for volume in labelled("volume", project_name):
        docker("volume", "rm", volume)
