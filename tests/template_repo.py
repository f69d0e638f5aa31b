"""A snapshot of the working tree as a git repository, so tests render uncommitted work too.

Copier renders from git: the snapshot gets one commit and a tag (the version in
pyproject.toml), like a release of the template would.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.paths import ROOT

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "shipshape tests",
    "GIT_AUTHOR_EMAIL": "tests@shipshape.invalid",
    "GIT_COMMITTER_NAME": "shipshape tests",
    "GIT_COMMITTER_EMAIL": "tests@shipshape.invalid",
}


def git(cwd: Path, *args: str) -> str:
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(cwd), **GIT_IDENTITY}
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def tracked_and_new_files(source: Path) -> list[str]:
    """Every file git would commit: tracked ones plus new ones not ignored."""
    listing = git(source, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return [name for name in listing.split("\0") if name and (source / name).is_file()]


def snapshot_working_tree(destination: Path, tag: str = "v0.0.0-dev") -> Path:
    """Copy the template's files into `destination`, commit them and tag the commit."""
    for name in tracked_and_new_files(ROOT):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(destination, "init", "--quiet", "--initial-branch=main")
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", "--message", "snapshot of the working tree")
    git(destination, "tag", tag)
    return destination
