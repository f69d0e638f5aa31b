"""What copier prints after a copy: the steps from a fresh project to passing tests.

The copy runs through copier's own CLI, as a user runs it, so the message is rendered by
copier's Jinja environment with the real destination. Its commands are then run as written:
the `cd` line (a destination with a space in its name), the first commit (after which the
project is clean, as `copier update` requires), and every make target it names must exist.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.paths import VENV_BIN
from tests.template_repo import GIT_IDENTITY, git


def copy_with_cli(template: Path, destination: Path, cwd: Path) -> str:
    result = subprocess.run(
        [
            str(VENV_BIN / "copier"),
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            str(template),
            str(destination),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stderr


def next_steps(message: str) -> list[str]:
    """The commands under "Next:", without their comments."""
    block = message.split("Next:\n", 1)[1]
    commands = []
    for line in block.splitlines():
        if not line.startswith("  "):
            break
        commands.append(line.split("  #", 1)[0].strip())
    return commands


def test_after_copy_message_takes_a_new_project_to_its_tests(
    template_repo: Path, tmp_path: Path
) -> None:
    destination = tmp_path / "my service"
    message = copy_with_cli(template_repo, destination, tmp_path)

    assert f"ready in {destination}" in message
    assert "Secrets were generated into the git-ignored files .env and env/*.env." in message
    steps = next_steps(message)
    assert steps == [
        f"cd '{destination}'",
        'git init && git add -A && git commit -m "Generated from shipshape"',
        "make doctor",
        "make install",
        "make up test",
    ], message

    # The first two steps, run as written from where copier was run.
    env = {**os.environ, **GIT_IDENTITY}
    subprocess.run(
        ["bash", "-c", f"{steps[0]} && {steps[1]}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=True,
    )
    assert git(destination, "status", "--porcelain").strip() == "", "not all committed"
    assert git(destination, "log", "--format=%s").strip() == "Generated from shipshape"

    listing = subprocess.check_output(["make", "help"], cwd=destination, text=True)
    targets = set(re.findall(r"^  ([a-z-]+) ", listing, re.MULTILINE))
    named = {word for step in steps[2:] for word in step.split()[1:]}
    assert named <= targets, f"targets the message names but make help lacks: {named - targets}"
