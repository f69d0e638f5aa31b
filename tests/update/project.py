"""A generated project under git, as a team keeps it, and `copier update` run on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from copier import run_update

from tests.rendering import project_files, render
from tests.template_repo import git

CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")


def copy_at(template: Path, tag: str, destination: Path, answers: dict[str, Any]) -> Path:
    render(template, destination, answers, vcs_ref=tag)
    git(destination, "init", "--quiet", "--initial-branch=main")
    commit_all(destination, f"generated from {tag}")
    return destination


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--allow-empty", "--message", message)


def update(project: Path, vcs_ref: str = "HEAD", **data: Any) -> None:
    run_update(
        str(project),
        data=data,
        defaults=True,
        overwrite=True,
        unsafe=True,
        vcs_ref=vcs_ref,
        quiet=True,
        conflict="inline",
    )


def conflicted_files(project: Path) -> list[str]:
    found = []
    for relative in project_files(project):
        if relative.suffix == ".rej":
            found.append(str(relative))
            continue
        text = (project / relative).read_text(errors="replace")
        if any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines()):
            found.append(str(relative))
    return found


def git_status(project: Path) -> str:
    return git(project, "status", "--porcelain").strip()


def tracked_files(project: Path) -> set[str]:
    """What the team would commit: every file git does not ignore."""
    listing = git(project, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return {name for name in listing.split("\0") if name and (project / name).is_file()}
