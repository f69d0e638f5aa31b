"""Copier migration: carry the team's copy of moved files to their new place.

    move_paths.py TEMPLATE VERSION_FROM OLD NEW [OLD NEW ...]

copier.yml runs it in the project after every update; it acts when the update crosses the
release moving OLD to NEW (a file or a folder): when the version the project came from
(rendered again here from TEMPLATE at VERSION_FROM with the committed answers) still has OLD.
It decides so itself, not through copier's `version:`, which a template cloned without tags
cannot give (copier.yml says why). By then copier has rendered NEW from the new version and
deleted the template's files at OLD, edits and all: it removes every path the new version no
longer has. The project's last commit still holds the team's copy, so for each file it had
under OLD:
- a template file (copier deleted it) is merged three-way into NEW, as copier merges any
  other file: the version the project was generated from is the base, the team's copy and
  the new version are the two sides. Edits stay; a line both changed gets conflict markers;
- a file the team added under a moved folder (copier never deletes those) moves to NEW.
Nothing happens where the update rendered no NEW (e.g. the answer that produced it was
turned off in the same update), nor once the project came from a version that has no OLD:
a file the team puts at OLD after the move stays there through later updates.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from copier import run_copy

ANSWERS_FILE = ".copier-answers.yml"
# The labels copier itself writes, so a conflict looks the same wherever it came from.
CONFLICT_LABELS = ["-L", "before updating", "-L", "last update", "-L", "after updating"]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def committed_files(old: str) -> list[str]:
    """Files the last commit had at OLD (OLD itself, or everything under it)."""
    listing = git("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", old)
    return [name for name in listing.split("\0") if name]


def committed_bytes(path: str) -> bytes:
    # ./ keeps the path relative to the project, which may be a folder of a larger repository.
    return subprocess.run(
        ["git", "cat-file", "blob", f"HEAD:./{path}"], check=True, capture_output=True
    ).stdout


def render_previous_version(template: str, version: str, destination: Path) -> None:
    """The project as the version it was generated from rendered it, with its answers then."""
    answers = yaml.safe_load(committed_bytes(ANSWERS_FILE))
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    run_copy(
        template,
        str(destination),
        data=data,
        vcs_ref=version,
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )


def merge_into(target: Path, ours: bytes, base: Path) -> bool:
    """Three-way merge of the team's copy into the new version at target; True if clean."""
    with tempfile.NamedTemporaryFile() as theirs:
        theirs.write(target.read_bytes())
        theirs.flush()
        target.write_bytes(ours)
        merge = ["git", "merge-file", *CONFLICT_LABELS, "--", str(target), str(base), theirs.name]
        return subprocess.run(merge, check=False).returncode == 0


def move(old: str, new: str, files: list[str], previous: Path) -> None:
    if not Path(new).exists():
        return
    for name in files:
        source = Path(name)
        target = Path(new) / source.relative_to(old)
        if source.exists():
            if target.exists():
                print(f"migration: {source} stays where it is: {target} exists already")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source.rename(target)
            print(f"migration: moved your {source} to {target}")
        elif target.exists() and (previous / name).exists():
            ours = committed_bytes(name)
            if ours == (previous / name).read_bytes():
                continue  # not edited: the new version stands
            clean = merge_into(target, ours, previous / name)
            outcome = "merged" if clean else "merged with conflicts (search for <<<<<<<)"
            print(f"migration: your edits to {source} {outcome} into {target}")
    for folder in sorted({Path(name).parent for name in files}, key=lambda p: -len(p.parts)):
        while folder != Path(".") and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def main(template: str, version_from: str, *pairs: str) -> None:
    moves = list(zip(pairs[::2], pairs[1::2], strict=True))
    found = {old: committed_files(old) for old, _ in moves}
    if not any(found.values()):
        return
    with tempfile.TemporaryDirectory() as scratch:
        previous = Path(scratch) / "previous"
        render_previous_version(template, version_from, previous)
        for old, new in moves:
            # The version the project came from already had the new layout (or rendered
            # nothing there, the feature being off then): this update crosses no move.
            if (previous / old).exists():
                move(old, new, found[old], previous)


if __name__ == "__main__":
    main(*sys.argv[1:])
