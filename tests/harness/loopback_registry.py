"""A container registry on 127.0.0.1 (Debian's docker-registry, the CNCF distribution server
registries run), for pushing and pulling images by digest as a server does from GHCR.

Docker treats registries on 127.0.0.0/8 as insecure by default, so plain HTTP works without
changing the engine's configuration.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Self

import yaml

from tests.harness.loopback_process import LoopbackProcess

REGISTRY = "docker-registry"


class LoopbackRegistry:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which(REGISTRY)
        if binary is None:
            raise RuntimeError(f"{REGISTRY} is not installed: run scripts/bootstrap")
        self.binary = binary
        self.folder = folder
        self.process = LoopbackProcess("registry", folder / "logs")
        self.host = self.process.address

    def __enter__(self) -> Self:
        config = self.folder / "config.yml"
        config.write_text(
            yaml.safe_dump(
                {
                    "version": 0.1,
                    "log": {"level": "warn"},
                    "storage": {"filesystem": {"rootdirectory": str(self.folder / "data")}},
                    "http": {"addr": self.host},
                }
            )
        )
        self.process.start([self.binary, "serve", str(config)])
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stop()

    def log_tail(self) -> str:
        return self.process.log_tail()


def push(tag: str) -> str:
    """Push a local image to its registry; the manifest digest (sha256:...) it got there."""
    subprocess.run(["docker", "push", "--quiet", tag], check=True, capture_output=True, timeout=300)
    output = subprocess.run(
        [
            "docker",
            "image",
            "inspect",
            "--format",
            "{{range .RepoDigests}}{{println .}}{{end}}",
            tag,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    repository = tag.rsplit(":", 1)[0]
    return next(
        line.split("@", 1)[1] for line in output.splitlines() if line.startswith(f"{repository}@")
    )
