"""The built API of a generated project, started as `make start` would, on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from tests.harness.commands import toolchain_env
from tests.harness.ports import free_port
from tests.harness.processes import listening_pid
from tests.harness.project import GeneratedProject

# Long enough for a cold Node.js start on a busy 2-core machine.
START_TIMEOUT = 90.0


def api_settings(project: GeneratedProject, port: int, database_url: str) -> dict[str, str]:
    """The environment the API under test gets: production-like limits on loopback.

    SHUTDOWN_DELAY_MS is not 0 so the shutdown test can watch readiness turn 503 before the
    listener closes, as Traefik would.
    """
    case = project.case
    settings = {
        "APP_ENV": "test",
        "APP_NAME": f"contract-{case.answer_set}",
        "APP_VERSION": "contract-1.2.3",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "info",
        "DATABASE_URL": database_url,
        "REDIS_URL": project.redis.url,
        "ALLOWED_ORIGINS": "https://app.example.test,http://localhost:3001",
        "RATE_LIMIT_TTL_SECONDS": "60",
        "RATE_LIMIT_MAX": "100",
        "AUTH_RATE_LIMIT_MAX": "10",
        "AUTH_REFRESH_RATE_LIMIT_MAX": "60",
        "BODY_LIMIT_BYTES": "1048576",
        "SHUTDOWN_DELAY_MS": "1500",
        "SHUTDOWN_DRAIN_MS": "10000",
        "TRUST_PROXY": "0",
    }
    if case.use_auth:
        settings |= {
            "JWT_ACCESS_SECRET": "contract-suite-access-secret-0123456789abcdef",
            "JWT_ACCESS_TTL_SECONDS": "900",
            "REFRESH_TOKEN_TTL_SECONDS": "1209600",
            # No grace window: the reuse tests present a spent token right after a refresh.
            # test_refresh_parallel.py starts an instance of its own with a short window.
            "REFRESH_TOKEN_REUSE_GRACE_SECONDS": "0",
            "LOGIN_BACKOFF_AFTER_FAILURES": "5",
            "LOGIN_BACKOFF_SECONDS": "30",
            "LOGIN_BACKOFF_MAX_SECONDS": "900",
        }
    if case.answers["use_sentry"]:
        settings["SENTRY_DSN"] = ""
    return settings


class ApiProcess:
    """A server of the generated project, launched with `make TARGET` in its root.

    The class attributes say which server: a subclass runs another one (the web front end)
    with the same lifecycle, logs and signals.
    """

    what = "the API"
    make_target = "start"
    # The settings naming the address it listens on.
    host_setting = "HOST"
    port_setting = "PORT"
    base_path = "/api/v1"
    # Answers 200 once the server serves, and while it is alive.
    ready_path = "/api/v1/health/ready"
    live_path = "/api/v1/health"

    def __init__(
        self,
        project: GeneratedProject,
        settings: dict[str, str],
        logdir: Path,
    ) -> None:
        self.project = project
        self.settings = settings
        # A configuration test may pass a deliberately broken PORT.
        port = settings[self.port_setting]
        self.port = int(port) if port.isdigit() else 0
        host = settings[self.host_setting]
        self.host = host if host != "0.0.0.0" else "127.0.0.1"
        self.origin = f"http://{self.host}:{self.port}"
        self.base_url = f"{self.origin}{self.base_path}"
        logdir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = logdir / "stdout.log"
        self.stderr_path = logdir / "stderr.log"
        self.launcher: subprocess.Popen[bytes] | None = None
        self.seconds_to_ready: float | None = None
        self.starts = 0

    @classmethod
    def for_project(
        cls,
        project: GeneratedProject,
        name: str = "api",
        database: str = "api",
        **overrides: str,
    ) -> ApiProcess:
        """An API process of `project`; `name` keeps its logs apart from other instances,
        `database` names the project's database it uses (see GeneratedProject.database)."""
        # As the API's role: it reads and writes rows, and can create nothing.
        settings = api_settings(project, free_port(), project.roles(database).api_url)
        settings.update(overrides)
        return cls(project, settings, project.workdir / name)

    @classmethod
    def built_and_migrated(
        cls,
        project: GeneratedProject,
        database: str,
        name: str | None = None,
        **overrides: str,
    ) -> ApiProcess:
        """An API process of `project` once it is installed and built, on the database for
        `database` with the migrations applied (as the owner); named after it by default."""
        project.require("install")
        project.require("build")
        project.require("migrate", database=database)
        return cls.for_project(project, name or database, database, **overrides)

    # ----------------------------------------------------------------------- lifecycle

    def prepare(self) -> None:
        """What the server needs running before it starts (the API: Redis)."""
        self.project.redis.start()

    def spawn(self, stdout: int | None = None) -> None:
        """Launch `make TARGET` without waiting; its own session, so cleanup reaches all.
        stdout=subprocess.PIPE: the caller reads the server's stdout (launcher.stdout)
        instead of the log file."""
        self.prepare()
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self.launcher = subprocess.Popen(
                ["make", "--no-print-directory", "--silent", self.make_target],
                cwd=self.project.path,
                env=toolchain_env(self.settings),
                stdout=out if stdout is None else stdout,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.starts += 1

    def start(self, timeout: float = START_TIMEOUT) -> None:
        started = time.monotonic()
        self.spawn()
        self.wait_ready(timeout)
        self.seconds_to_ready = time.monotonic() - started

    @property
    def alive(self) -> bool:
        return self.launcher is not None and self.launcher.poll() is None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"{self.what} exited before it was ready\n{self.output_tail()}")
            try:
                response = httpx.get(f"{self.origin}{self.ready_path}", timeout=2)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:300]}"
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.02)  # fine-grained: the benchmark reports time to ready
        raise RuntimeError(
            f"{self.what} was not ready after {timeout}s (last: {last})\n{self.output_tail()}"
        )

    def server_pid(self, timeout: float = 10) -> int:
        """The process that listens on the port (node or uvicorn), not make or pnpm."""
        assert self.launcher is not None, f"{self.what} was never started"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = listening_pid(self.launcher.pid, self.port)
            if pid is not None:
                return pid
            time.sleep(0.05)
        raise RuntimeError(f"no process under pid {self.launcher.pid} listens on {self.port}")

    def send_sigterm(self) -> None:
        """SIGTERM to the server process only, as `docker stop` does to a container's PID 1."""
        os.kill(self.server_pid(), signal.SIGTERM)

    def wait_exit(self, timeout: float) -> int:
        """The server's exit code. make passes 0 through and reports others as `Error N`;
        the innermost make (the one that ran the server) reports first."""
        assert self.launcher is not None
        code = self.launcher.wait(timeout=timeout)
        if code == 0:
            return 0
        reported = re.findall(r"Error (\d+)", self.stderr_path.read_text(errors="replace"))
        return int(reported[0]) if reported else code

    def refused_to_start(self, what: str, timeout: float) -> str:
        """Start a server whose configuration is broken (`what` says how); it must exit 1 by
        itself within `timeout`. Its stderr, for the test to check the message."""
        self.spawn()
        try:
            code = self.wait_exit(timeout=timeout)
        except subprocess.TimeoutExpired as still_running:
            self.stop()
            raise AssertionError(
                f"still running {timeout}s with {what}\n{self.output_tail()}"
            ) from still_running
        assert code == 1, f"exit code {code} (expected 1)\n{self.output_tail()}"
        return self.stderr_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> None:
        if not self.alive:
            self.launcher = None
            return
        assert self.launcher is not None
        try:
            self.send_sigterm()
            self.launcher.wait(timeout=timeout)
        except (RuntimeError, subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(self.launcher.pid, signal.SIGKILL)
            self.launcher.wait(timeout=10)
        self.launcher = None

    def ensure_running(self) -> None:
        """Tests may leave the API or its Redis stopped; the next test gets both back.

        A process that is alive but no longer answers (a shutdown test that failed half-way)
        is replaced too, so one failure does not cascade into every later test.
        """
        self.project.redis.start()
        if self.alive and not self.answers():
            self.stop(timeout=5)
        if not self.alive:
            self.start()

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.origin}{self.live_path}", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    # ---------------------------------------------------------------------------- output

    def stdout_lines(self) -> list[str]:
        return self.stdout_path.read_text(errors="replace").splitlines()

    def log_records(self) -> list[dict[str, Any]]:
        """Every stdout line that is a JSON object (make or pnpm may print a banner first)."""
        records = []
        for line in self.stdout_lines():
            if line.startswith("{"):
                try:
                    value = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(value, dict):
                    records.append(value)
        return records

    def wait_for_log(self, predicate: Any, timeout: float = 5) -> list[dict[str, Any]]:
        """Log records matching `predicate`, polling until one shows up (logs may be async)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [record for record in self.log_records() if predicate(record)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def output_tail(self, lines: int = 40) -> str:
        out = "\n".join(self.stdout_lines()[-lines:])
        err = "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-lines:])
        return f"--- {self.what}: stdout (tail) ---\n{out}\n--- stderr (tail) ---\n{err}"
