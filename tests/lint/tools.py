"""Run a real linter from the template's virtual environment and keep its output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.paths import VENV_BIN


def tool(name: str) -> str:
    """Absolute path of a linter: the pinned one in .venv first, then PATH."""
    candidate = VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make bootstrap`"
    return found


def run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a linter; return "" when it passes, else its output (and the command)."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode == 0:
        return ""
    return f"$ {' '.join(args)}\n{result.stdout}{result.stderr}".strip()
