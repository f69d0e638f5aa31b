"""Files in copier.yml's `_skip_if_exists` belong to the team once they exist.

A template version that changes such a file and, in the same commit, a file the update does
merge: the team's edit to the skipped file stays exactly as written, with no conflict and
none of the template's change, while the merged file proves the update did arrive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.version import Version

from tests.paths import ROOT
from tests.template_repo import development_tag, git
from tests.update.project import commit_all, conflicted_files, copy_at, update

SKIPPED: list[str] = yaml.safe_load((ROOT / "copier.yml").read_text())["_skip_if_exists"]
TEMPLATE_FIX = "Template fix: a line the next template version adds."


def _add_journal_entry(tag: str) -> Callable[[str], str]:
    """drizzle-kit's edit to the journal when a migration is generated."""

    def edit(text: str) -> str:
        journal = json.loads(text)
        journal["entries"].append({**journal["entries"][-1], "idx": 1, "tag": tag})
        return json.dumps(journal, indent=2) + "\n"

    return edit


def _append_line(line: str) -> Callable[[str], str]:
    return lambda text: text + line + "\n"


# Per stack: a skipped file, how the team edits it, how the next template version does.
CASES: dict[str, tuple[str, Callable[[str], str], Callable[[str], str]]] = {
    "nestjs": (
        "packages/database/migrations/meta/_journal.json",
        _add_journal_entry("0001_team_orders"),
        _add_journal_entry("0001_template_fix"),
    ),
    "fastapi": (
        "apps/api/migrations/versions/0001_initial.py",
        _append_line("# Team note: applied to production on the first deploy."),
        _append_line(f"# {TEMPLATE_FIX}"),
    ),
}


def next_template_version(template: Path, destination: Path, skipped: str, change: Any) -> str:
    """A clone of the template with one more version that changes `skipped` and the README."""
    git(destination.parent, "clone", "--quiet", str(template), destination.name)
    name = Path(skipped).name
    source = next(
        path
        for path in (destination / "template").rglob("*")
        if path.name in (name, f"{name}.jinja")
    )
    source.write_text(change(source.read_text()))
    readme = destination / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + f"\n{TEMPLATE_FIX}\n")
    current = Version(development_tag().removeprefix("v"))
    tag = f"v{current.major}.{current.minor}.{current.micro + 1}"
    git(destination, "commit", "--quiet", "--all", "--message", "template fix")
    git(destination, "tag", tag)
    return tag


@pytest.mark.parametrize("stack", sorted(CASES))
def test_an_edit_to_a_skipped_file_survives_a_template_change(
    template_with_history: Path, tmp_path: Path, stack: str
) -> None:
    skipped, team_edit, template_change = CASES[stack]
    assert skipped in SKIPPED, f"{skipped} is no longer in _skip_if_exists"
    template = tmp_path / "template"
    tag = next_template_version(template_with_history, template, skipped, template_change)
    project = copy_at(template, development_tag(), tmp_path / "project", {"api_stack": stack})
    edited = team_edit((project / skipped).read_text())
    (project / skipped).write_text(edited)
    commit_all(project, "team edit")

    update(project, vcs_ref=tag)

    assert TEMPLATE_FIX in (project / "README.md").read_text(), "the update did not arrive"
    assert (project / skipped).read_text() == edited
    assert not conflicted_files(project)
