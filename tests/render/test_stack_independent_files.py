"""Features that render the same files whatever the API stack.

Some layers run against one stack's render only: the backups layer (tests/backups/), and the
runtime checks and single committed lockfile of the web front end (apps/web). This is what
makes them cover both: a stack-specific line added to one of these files fails here, and then
that layer must run per stack too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.rendering import project_files, render

BACKUP_FILES = ["scripts/backup", "scripts/restore", "scripts/restore-drill", "compose.backup.yaml"]
# scripts/lib: the backup libraries, beside the deploy and secrets ones (stack-independent too).
BACKUP_FOLDERS = ["infra/backup", "scripts/lib"]


def backup_files(project: Path) -> dict[str, bytes]:
    paths = [project / name for name in BACKUP_FILES]
    for folder in BACKUP_FOLDERS:
        paths += [p for p in (project / folder).rglob("*") if p.is_file()]
    files = {str(p.relative_to(project)): p.read_bytes() for p in paths}
    assert any("backup" in name for name in files if name.startswith("scripts/lib/"))
    return files


def web_files(project: Path) -> dict[str, bytes]:
    web = project / "apps" / "web"
    files = {str(relative): (web / relative).read_bytes() for relative in project_files(web)}
    assert "pnpm-lock.yaml" in files
    return files


# Feature: (answers turning it on, the files it renders). Everything but the API stack is
# the same in both renders, the project's identity included.
FEATURES: dict[str, tuple[dict[str, Any], Callable[[Path], dict[str, bytes]]]] = {
    "backups": ({"use_backups": True, "backup_target": "s3"}, backup_files),
    "web front end": ({"project_name": "Web Render", "web_frontend": "nextjs"}, web_files),
}


@pytest.mark.parametrize("feature", FEATURES)
def test_feature_files_are_the_same_for_every_stack(
    feature: str, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    answers, files_of = FEATURES[feature]
    renders = {
        stack: files_of(
            render(
                template_repo,
                tmp_path_factory.mktemp(stack) / "project",
                {**answers, "api_stack": stack},
            )
        )
        for stack in ("nestjs", "fastapi")
    }
    assert renders["nestjs"].keys() == renders["fastapi"].keys()
    different = [
        name for name in renders["nestjs"] if renders["nestjs"][name] != renders["fastapi"][name]
    ]
    assert not different, f"{feature} files that differ between stacks: {different}"
