"""Gather the files of every rendered project that one linter checks.

Most files come out identical in many combinations; each distinct content is linted once
and a failure names every combination that carries it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import RenderedProject
from tests.rendering import project_files


@dataclass
class DistinctFile:
    path: Path
    labels: list[str] = field(default_factory=list)


def distinct_files(
    projects: list[RenderedProject], wanted: Callable[[Path, Path], bool]
) -> list[DistinctFile]:
    """Files for which wanted(relative path, absolute path) holds, one per distinct content."""
    by_content: dict[bytes, DistinctFile] = {}
    for project in projects:
        for relative in project_files(project.path):
            path = project.path / relative
            if not wanted(relative, path):
                continue
            digest = hashlib.sha256(relative.name.encode() + path.read_bytes()).digest()
            entry = by_content.setdefault(digest, DistinctFile(path))
            entry.labels.append(f"{project.id}/{relative}")
    return list(by_content.values())


def is_shell_script(relative: Path, path: Path) -> bool:
    if relative.suffix in {".sh", ".bash"}:
        return True
    if relative.parts[0] != "scripts" and relative.suffix:
        return False
    with path.open("rb") as handle:
        first_line = handle.readline()
    return first_line.startswith(b"#!") and (b"bash" in first_line or b"/sh" in first_line)


def is_yaml(relative: Path, _: Path) -> bool:
    return relative.suffix in {".yml", ".yaml"}


def is_workflow(relative: Path, _: Path) -> bool:
    return relative.parts[:2] == (".github", "workflows") and is_yaml(relative, _)


def is_compose_file(relative: Path, _: Path) -> bool:
    return len(relative.parts) == 1 and relative.name.startswith("compose") and is_yaml(relative, _)


def is_dockerfile(relative: Path, _: Path) -> bool:
    return relative.name == "Dockerfile" or relative.name.endswith(".Dockerfile")


def is_dependabot_config(relative: Path, _: Path) -> bool:
    return str(relative) in {".github/dependabot.yml", ".github/dependabot.yaml"}
