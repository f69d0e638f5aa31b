"""The backup feature renders the same files whatever the API stack.

The backups layer (tests/backups/) runs against one stack's render; this is what makes that
cover both: a stack-specific line added to a backup file fails here, and then the backups
layer must run per stack too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rendering import render

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


def test_backup_files_are_the_same_for_every_stack(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    renders = {
        stack: backup_files(
            render(
                template_repo,
                tmp_path_factory.mktemp(stack) / "project",
                {"api_stack": stack, "use_backups": True, "backup_target": "s3"},
            )
        )
        for stack in ("nestjs", "fastapi")
    }
    assert renders["nestjs"].keys() == renders["fastapi"].keys()
    different = [
        name for name in renders["nestjs"] if renders["nestjs"][name] != renders["fastapi"][name]
    ]
    assert not different, f"backup files that differ between stacks: {different}"
