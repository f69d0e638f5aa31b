"""The Prometheus tools from Debian (scripts/bootstrap installs them), run with a timeout."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# Debian names two of them differently from upstream.
BINARIES = {
    "promtool": "promtool",
    "prometheus": "prometheus",
    "amtool": "amtool",
    "alertmanager": "prometheus-alertmanager",
    "node-exporter": "prometheus-node-exporter",
    "postgres-exporter": "prometheus-postgres-exporter",
    "redis-exporter": "prometheus-redis-exporter",
    "blackbox-exporter": "prometheus-blackbox-exporter",
}


def binary(name: str) -> str:
    found = shutil.which(BINARIES[name])
    if not found:
        pytest.fail(f"{BINARIES[name]} is not installed: run scripts/bootstrap")
    return found


def run_tool(name: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary(name), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def problem(result: subprocess.CompletedProcess[str]) -> str:
    """ "" when the tool succeeded, else what it printed."""
    if result.returncode == 0:
        return ""
    return f"$ {' '.join(map(str, result.args))}\n{result.stdout}{result.stderr}"
