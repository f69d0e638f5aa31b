"""The Docker engine as the tests drive it: Debian's docker client, BuildKit builds, compose.

Debian's /usr/bin/docker builds with DOCKER_BUILDKIT=1 by itself; the newer client on PATH
would insist on buildx, which this machine does not have. Nothing is ever pulled.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.lint.tools import tool
from tests.paths import ROOT
from tests.report import record

DOCKER = "/usr/bin/docker"


class CommandError(AssertionError):
    pass


def run(
    args: list[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float = 900,
) -> str:
    """Run a command; return its stdout, or fail the test with its output."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).decode(errors="replace")
        raise CommandError(f"$ {' '.join(args)}\n{output[-6000:]}")
    return result.stdout.decode(errors="replace")


def docker(*args: str, timeout: float = 900, stdin: bytes | None = None) -> str:
    return run([DOCKER, *args], env={"DOCKER_BUILDKIT": "1"}, timeout=timeout, stdin=stdin)


def start_engine() -> None:
    """dockerd as a background process (a no-op when an engine already answers)."""
    run(["bash", str(ROOT / "scripts" / "services"), "start", "dockerd"], timeout=120)


def image_exists(tag: str) -> bool:
    result = subprocess.run([DOCKER, "image", "inspect", tag], capture_output=True, check=False)
    return result.returncode == 0


def build(
    context: Path,
    tag: str,
    *,
    dockerfile: Path | None = None,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    network_host: bool = False,
) -> None:
    """One BuildKit build; `network_host` for builds that install packages from registries."""
    args = ["build", "--quiet", "--tag", tag]
    if dockerfile is not None:
        args += ["--file", str(dockerfile)]
    for name, value in (build_args or {}).items():
        args += ["--build-arg", f"{name}={value}"]
    if target:
        args += ["--target", target]
    if network_host:
        args += ["--network", "host"]
    docker(*args, str(context))


def image_size(tag: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", tag).strip())


def image_config(tag: str) -> dict[str, object]:
    config: dict[str, object] = json.loads(docker("image", "inspect", tag))[0]["Config"]
    return config


def record_image_size(tag: str, base: str | None = None) -> None:
    """Print an image's size and, with a base, the size of its own layers above it."""
    size = image_size(tag)
    line = f"image {tag}: {size / 1e6:.1f} MB"
    if base is not None:
        line += f", {(size - image_size(base)) / 1e6:.1f} MB in layers above {base}"
    record(line)


@contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    record(f"docker: {what} took {time.monotonic() - started:.1f} s")


class Compose:
    """`docker compose` for one project directory, one env file and a list of compose files."""

    def __init__(
        self, project: Path, env_file: str, files: list[str], env: Mapping[str, str]
    ) -> None:
        self.project = project
        self.env = dict(env)
        self.files = list(files)
        self.prefix = [tool("docker-compose"), "--env-file", env_file]
        for file in files:
            self.prefix += ["--file", file]

    def __call__(self, *args: str, timeout: float = 600) -> str:
        return run([*self.prefix, *args], cwd=self.project, env=self.env, timeout=timeout)

    def container_id(self, service: str) -> str:
        return self("ps", "--all", "--quiet", service).strip()


def container_logs(container: str) -> str:
    """A container's stdout and stderr, interleaved."""
    result = subprocess.run(
        [DOCKER, "logs", container], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True
    )
    return result.stdout.decode(errors="replace")
