"""Run commands of a generated project with the toolchain it expects, always with a timeout."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.paths import ROOT, VENV_BIN

# scripts/bootstrap installs the Node.js major generated projects target here.
NODE_BIN = ROOT / ".cache" / "node24" / "node_modules" / ".bin"


def toolchain_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every generated-project command runs in.

    Node from bootstrap first (the machine's own is older), then the template's venv (the
    project's `make lint` calls shellcheck and yamllint from it).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        # A variable the API reads must never leak in from the developer's shell.
        if not key.startswith(("PYTEST_", "DATABASE_", "REDIS_", "JWT_", "APP_"))
    }
    env["PATH"] = os.pathsep.join([str(NODE_BIN), str(VENV_BIN), env.get("PATH", "/usr/bin:/bin")])
    env["CI"] = "true"  # pnpm: no prompts, frozen lockfile
    env["COREPACK_INTEGRITY_KEYS"] = "0"
    env["NO_COLOR"] = "1"
    env["FORCE_COLOR"] = "0"
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class CommandResult:
    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 60) -> str:
        text = "\n".join(self.output.splitlines()[-lines:])
        return f"$ {' '.join(self.args)}  (exit {self.returncode}, {self.seconds:.0f}s)\n{text}"


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> CommandResult:
    """Run to completion, stdout and stderr interleaved; a timeout is a failed result."""
    started = time.monotonic()
    try:
        completed = subprocess.run(
            args,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        code, output = completed.returncode, completed.stdout
    except subprocess.TimeoutExpired as expired:
        partial = expired.stdout or b""
        text = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
        code, output = -1, f"{text}\n*** timed out after {timeout:.0f}s"
    return CommandResult(tuple(args), code, output, time.monotonic() - started)
