"""Render a project from the template snapshot with the real copier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from copier import run_copy

from tests.paths import VENV_BIN


def copier_copy_command(template: Path, destination: Path, *options: str) -> list[str]:
    """The copier CLI as a user runs it from defaults (extensions and tasks need --trust)."""
    return [
        str(VENV_BIN / "copier"),
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        "--vcs-ref",
        "HEAD",
        *options,
        str(template),
        str(destination),
    ]


def render(
    template: Path, destination: Path, answers: dict[str, Any], vcs_ref: str = "HEAD"
) -> Path:
    """`copier copy --trust --defaults` with `answers` as --data; returns the project path."""
    run_copy(
        str(template),
        str(destination),
        data=answers,
        defaults=True,
        unsafe=True,
        vcs_ref=vcs_ref,
        quiet=True,
    )
    return destination


def project_files(project: Path) -> list[Path]:
    """Every file in a rendered project, as paths relative to it (no .git)."""
    return sorted(
        path.relative_to(project)
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    )
