"""The template as copier sees it: a git repository with a tag per release.

Tests render from a snapshot, not from this checkout: the working tree (tracked and new
files, so uncommitted work is tested too) becomes the newest commit, tagged as the next
development version. The update layer first replays each earlier release from git history,
so `copier update` can go from any of them to the working tree.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from packaging.version import Version

from tests.paths import ROOT

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "shipshape tests",
    "GIT_AUTHOR_EMAIL": "tests@shipshape.invalid",
    "GIT_COMMITTER_NAME": "shipshape tests",
    "GIT_COMMITTER_EMAIL": "tests@shipshape.invalid",
}
# Release commits, for clones that did not fetch tags: one "vX.Y.Z <commit>" per line.
RELEASES_FILE = ROOT / "RELEASES"


def git(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(cwd), **GIT_IDENTITY}
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, input=stdin, check=True, capture_output=True
    )
    return result.stdout.decode()


def releases() -> list[tuple[str, str]]:
    """(tag, commit) of every release, oldest first."""
    found = {}
    for line in RELEASES_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            tag, commit = line.split()
            found[tag] = commit
    return sorted(found.items(), key=lambda item: Version(item[0]))


def development_tag() -> str:
    """A version above every release, as copier refuses to update to an older one.

    Migrations do not depend on it: they decide from the template itself whether an update
    crosses them (copier.yml), so the working tree needs no release's version.
    """
    latest = Version(releases()[-1][0]) if releases() else Version("0.0.0")
    return f"v{latest.major}.{latest.minor}.{latest.micro + 1}.dev0"


def tracked_and_new_files(source: Path) -> list[str]:
    """Every file git would commit: tracked ones plus new ones not ignored."""
    listing = git(source, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return [name for name in listing.split("\0") if name and (source / name).is_file()]


def _clear_work_tree(repo: Path) -> None:
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()


def _commit_and_tag(repo: Path, tag: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "--message", f"template {tag}")
    git(repo, "tag", tag)


def _extract_release(repo: Path, commit: str) -> None:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(repo, filter="tar")


def _copy_working_tree(repo: Path) -> None:
    for name in tracked_and_new_files(ROOT):
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def snapshot_working_tree(destination: Path, with_releases: bool = False) -> Path:
    """A template repository at `destination`: [each release, tagged,] then the work tree."""
    destination.mkdir(parents=True, exist_ok=True)
    git(destination, "init", "--quiet", "--initial-branch=main")
    if with_releases:
        for tag, commit in releases():
            _clear_work_tree(destination)
            _extract_release(destination, commit)
            _commit_and_tag(destination, tag)
        _clear_work_tree(destination)
    _copy_working_tree(destination)
    _commit_and_tag(destination, development_tag())
    return destination


def snapshot_commit(destination: Path, commit: str) -> Path:
    """A template repository at `destination` holding one commit of this repository's history
    (e.g. to measure an earlier version beside the working tree)."""
    destination.mkdir(parents=True, exist_ok=True)
    git(destination, "init", "--quiet", "--initial-branch=main")
    _extract_release(destination, commit)
    _commit_and_tag(destination, development_tag())
    return destination
