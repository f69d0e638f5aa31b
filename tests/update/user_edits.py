"""Edits a team makes to its generated project, and how to tell each one survived an update.

Each edit applies only where its file exists in the starting version (an old release may
not have the API yet), and says which files it touches: the update may leave conflict
markers in those, never in any other file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class UserEdit:
    name: str
    path: str
    apply: Callable[[Path], None]
    survived: Callable[[Path], bool]
    deletes: bool = False


def _append(path: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        with (project / path).open("a") as handle:
            handle.write(text)

    return apply


def _insert_after(path: str, anchor: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        target = project / path
        content = target.read_text()
        assert anchor in content, f"{path} has no {anchor!r} to edit after"
        target.write_text(content.replace(anchor, anchor + text, 1))

    return apply


def _prepend(path: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        target = project / path
        target.write_text(text + target.read_text())

    return apply


def _delete(path: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        (project / path).unlink()

    return apply


def _contains(path: str, text: str) -> Callable[[Path], bool]:
    return lambda project: (project / path).exists() and text in (project / path).read_text()


README_NOTE = "\nOur on-call rota lives in the team wiki; page the API owner first.\n"
MAKE_TARGET = "\nseed: ## Load demo data (team addition)\n\t@echo seeding\n"
ENV_VARIABLE = "FEATURE_WHALE_SONG=on\n"
API_COMMENT = "// Team note: notes are shown newest first on the dashboard.\n"

EDITS = [
    UserEdit(
        name="README paragraph",
        path="README.md",
        apply=_insert_after("README.md", "## Develop\n", README_NOTE),
        survived=_contains("README.md", README_NOTE.strip()),
    ),
    UserEdit(
        name="Makefile target",
        path="Makefile",
        apply=_append("Makefile", MAKE_TARGET),
        survived=_contains("Makefile", "seed: ## Load demo data (team addition)"),
    ),
    UserEdit(
        name="new environment variable",
        path=".env.example",
        apply=_append(".env.example", ENV_VARIABLE),
        survived=_contains(".env.example", ENV_VARIABLE.strip()),
    ),
    UserEdit(
        name="code in apps/api",
        path="apps/api/src/main.ts",
        apply=_prepend("apps/api/src/main.ts", API_COMMENT),
        survived=_contains("apps/api/src/main.ts", API_COMMENT.strip()),
    ),
    UserEdit(
        name="deleted optional file",
        path=".github/dependabot.yml",
        apply=_delete(".github/dependabot.yml"),
        survived=lambda project: not (project / ".github/dependabot.yml").exists(),
        deletes=True,
    ),
]


def applicable(project: Path) -> list[UserEdit]:
    return [edit for edit in EDITS if (project / edit.path).exists()]
