"""A PATH of this machine's programs with some of them missing, for scripts under test."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def path_without(bin_dir: Path, hidden: Iterable[str], folders: Iterable[str]) -> str:
    """Link every program of `folders` into `bin_dir` (the first of a name wins, as on PATH),
    except those named in `hidden`; return `bin_dir` as a one-folder PATH."""
    hidden = set(hidden)
    bin_dir.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            target = bin_dir / entry.name
            if entry.name in hidden or target.exists() or target.is_symlink():
                continue
            if entry.is_file() and os.access(entry.path, os.X_OK):
                target.symlink_to(entry.path)
    return str(bin_dir)
