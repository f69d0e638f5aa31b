"""A check run over every rendered answer set, its problems gathered once each with the
answer sets that show it (one line per problem, not one per project)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from tests.conftest import RenderedProject


def where(ids: list[str]) -> str:
    more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
    return ", ".join(ids[:3]) + more


def problems_by_answer_set(
    projects: Iterable[RenderedProject], check: Callable[[Path], list[str]]
) -> dict[str, list[str]]:
    """{problem: ids of the answer sets where `check` of the project found it}."""
    found: dict[str, list[str]] = {}
    for project in projects:
        for problem in check(project.path):
            found.setdefault(problem, []).append(project.id)
    return found


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{problem}\n    in {where(ids)}" for problem, ids in sorted(problems.items()))
