"""The web front end stays a pnpm project of its own in a NestJS repository.

(That apps/web is the same for both stacks is checked with the other stack-independent
features in test_stack_independent_files.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.rendering import render

ANSWERS = {"project_name": "Web Render", "web_frontend": "nextjs"}


def test_the_api_workspace_leaves_the_web_front_end_out(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A member of the root workspace would be locked in the root pnpm-lock.yaml too, and the
    # web front end's own lockfile would no longer be the one pnpm reads.
    project = render(
        template_repo,
        tmp_path_factory.mktemp("workspace") / "project",
        {**ANSWERS, "api_stack": "nestjs"},
    )
    workspace = yaml.safe_load((project / "pnpm-workspace.yaml").read_text())
    assert "apps/web" not in workspace["packages"]
    assert not any(pattern in workspace["packages"] for pattern in ("apps/*", "apps/**"))
    assert (project / "apps" / "web" / "pnpm-workspace.yaml").is_file()
