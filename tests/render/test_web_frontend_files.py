"""The web front end renders the same files whatever the API stack.

apps/web is a pnpm project of its own with one committed lockfile, and the runtime layer
builds and starts it under one stack's render at a time: this is what makes one lockfile and
one set of runtime checks cover both. A stack-specific line in apps/web fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.rendering import project_files, render

# Everything but the project's identity is shared; give both renders the same one.
ANSWERS = {"project_name": "Web Render", "web_frontend": "nextjs"}


def web_files(project: Path) -> dict[str, bytes]:
    web = project / "apps" / "web"
    return {str(relative): (web / relative).read_bytes() for relative in project_files(web)}


def test_web_frontend_is_the_same_for_every_stack(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    renders = {
        stack: web_files(
            render(
                template_repo,
                tmp_path_factory.mktemp(stack) / "project",
                {**ANSWERS, "api_stack": stack},
            )
        )
        for stack in ("nestjs", "fastapi")
    }
    assert "pnpm-lock.yaml" in renders["nestjs"]
    assert renders["nestjs"].keys() == renders["fastapi"].keys()
    different = [
        name for name in renders["nestjs"] if renders["nestjs"][name] != renders["fastapi"][name]
    ]
    assert not different, f"apps/web files that differ between stacks: {different}"


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
