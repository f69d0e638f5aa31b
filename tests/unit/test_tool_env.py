"""scripts/tool-env: its pinned requirements match uv.lock, and bad input is named."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.paths import ROOT, VENV_BIN

REQUIREMENTS = ROOT / "requirements"
TOOL_ENV = ROOT / "scripts" / "tool-env"


def exported(group: str) -> list[str]:
    """What uv exports for a dependency group now, without its comment lines."""
    command = [
        str(VENV_BIN / "uv"), "export", "--frozen", "--only-group", group,
        "--format", "requirements-txt", "--no-emit-project", "--quiet",
    ]  # fmt: skip
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in output.splitlines() if not line.lstrip().startswith("#")]


@pytest.mark.parametrize("group", ["demo", "bootstrap"])
def test_requirements_file_is_what_uv_lock_pins(group: str) -> None:
    committed = (REQUIREMENTS / f"{group}.txt").read_text().splitlines()
    committed = [line for line in committed if not line.lstrip().startswith("#")]
    assert committed == exported(group), (
        f"requirements/{group}.txt differs from uv.lock: run `uv export --only-group {group} "
        f"--format requirements-txt --no-emit-project -o requirements/{group}.txt`"
    )


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (["no-such-group"], 2, "unknown group 'no-such-group' (groups: bootstrap, demo)"),
        ([], 2, "no group given"),
        (["--help"], 0, "Usage: scripts/tool-env GROUP"),
    ],
)
def test_tool_env_arguments(arguments: list[str], status: int, message: str) -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL_ENV), *arguments], capture_output=True, text=True, check=False
    )
    assert result.returncode == status
    assert message in result.stdout + result.stderr
