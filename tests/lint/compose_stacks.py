"""The compose file combinations a project is run with, as `docker compose -f ...` would."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.docker.swarm import placeholders_of_scripts_deploy


def compose_env(project: Path | None = None) -> dict[str, str]:
    """The environment `docker compose config` (and `docker stack deploy`'s loader) reads a
    rendered project's server stack files in: SECRETS_DIR and, given the project, a
    placeholder for each other value scripts/deploy sets (secret versions, local image tags);
    the files refuse to interpolate without them, and `config` reads none of the files."""
    placeholders = (
        placeholders_of_scripts_deploy(project, [f.name for f in project.glob("compose*.yaml")])
        if project
        else {}
    )
    return {**os.environ, "SECRETS_DIR": ".deploy/secrets", **placeholders}


def config_json(command: list[str], project: Path, env: dict[str, str]) -> dict[str, Any]:
    """The merged configuration `command` (a `docker compose ... config` invocation, direct or
    through the project's scripts/server-compose) prints as JSON in `project`."""
    result = subprocess.run(
        [*command, "config", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


@dataclass(frozen=True)
class ComposeStack:
    name: str
    files: tuple[str, ...]
    env_file: str


def compose_stacks(project: Path) -> list[ComposeStack]:
    """Local development, and per server environment the production stack with its extras."""
    stacks = [ComposeStack("local", ("compose.yaml",), ".env")]
    if not (project / "compose.prod.yaml").exists():
        return stacks
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    for environment in answers["environments"]:
        files = ["compose.prod.yaml"]
        for extra in (
            f"compose.{environment}.yaml",
            "compose.backup.yaml",
            "compose.monitoring.yaml",
        ):
            if (project / extra).exists():
                files.append(extra)
        stacks.append(ComposeStack(environment, tuple(files), f"env/{environment}.env"))
    return stacks
