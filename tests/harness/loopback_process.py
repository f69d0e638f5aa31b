"""A program run as a plain process on a loopback port (monitoring services, a registry, Traefik).

Each process is started and stopped by its own handle: nothing here looks processes up by
name, so a developer's own Prometheus, exporters or registry are never touched.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from tests.harness.ports import free_port


class LoopbackProcess:
    def __init__(self, name: str, logdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = logdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(
        self, args: list[str], env: dict[str, str] | None = None, timeout: float = 30
    ) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on {self.address}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
