"""Database migrations the template adds reach a project updated from the latest release.

FastAPI: a new Alembic revision is a new file, chained to the one before it. NestJS: drizzle
applies only what packages/database/migrations/meta/_journal.json lists, and that journal is
the team's (`_skip_if_exists`), so copier.yml's migration (migrations/drizzle_journal.py)
appends the template's entries, dated after every entry already there: drizzle skips an
entry older than the last migration a database applied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.template_repo import releases
from tests.update.project import commit_all, conflicted_files, copy_at, update

JOURNAL = "packages/database/migrations/meta/_journal.json"
TEMPLATE_MIGRATION = "0001_refresh_tokens_expires_at_idx"
SNAPSHOT = "packages/database/migrations/meta/0001_snapshot.json"
ALEMBIC_REVISION = "apps/api/migrations/versions/0002_refresh_tokens_expires_at_index.py"


def journal(project: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((project / JOURNAL).read_text())["entries"]
    return entries


def assert_drizzle_applies_in_order(entries: list[dict[str, Any]]) -> None:
    assert [entry["idx"] for entry in entries] == list(range(len(entries))), entries
    whens = [entry["when"] for entry in entries]
    assert whens == sorted(set(whens)), f"each entry must be newer than the one before: {whens}"


def test_nestjs_journal_lists_the_new_migration(
    template_with_history: Path, tmp_path: Path
) -> None:
    latest = releases()[-1][0]
    project = copy_at(template_with_history, latest, tmp_path / "project", {"api_stack": "nestjs"})
    before = [entry["tag"] for entry in journal(project)]

    update(project)

    entries = journal(project)
    print(f"journal after updating from {latest}: {before} -> {[e['tag'] for e in entries]}")
    assert [entry["tag"] for entry in entries] == [*before, TEMPLATE_MIGRATION]
    assert (project / f"packages/database/migrations/{TEMPLATE_MIGRATION}.sql").exists()
    assert_drizzle_applies_in_order(entries)
    assert not conflicted_files(project)

    commit_all(project, "updated")
    update(project)
    assert journal(project) == entries, "a second update must leave the journal alone"


def test_nestjs_journal_keeps_the_teams_newer_migration_first(
    template_with_history: Path, tmp_path: Path
) -> None:
    latest = releases()[-1][0]
    project = copy_at(template_with_history, latest, tmp_path / "project", {"api_stack": "nestjs"})
    # What `drizzle-kit generate --name team_orders` writes, dated after the template's.
    text = (project / JOURNAL).read_text()
    data = json.loads(text)
    team_when = 10 * data["entries"][-1]["when"]
    data["entries"].append(
        {**data["entries"][-1], "idx": 1, "when": team_when, "tag": "0001_team_orders"}
    )
    (project / JOURNAL).write_text(json.dumps(data, indent=2))
    (project / "packages/database/migrations/0001_team_orders.sql").write_text(
        'CREATE TABLE "orders" ("id" uuid PRIMARY KEY);'
    )
    (project / SNAPSHOT).write_text('{"id": "team-orders"}\n')
    commit_all(project, "team migration")

    update(project)

    entries = journal(project)
    print(f"journal with the team's migration: {[(e['tag'], e['when']) for e in entries]}")
    assert [entry["tag"] for entry in entries] == [
        "0000_init",
        "0001_team_orders",
        TEMPLATE_MIGRATION,
    ]
    assert entries[-1]["when"] > team_when
    assert_drizzle_applies_in_order(entries)
    # The template's snapshot of the same number meets the team's: shown, not overwritten.
    conflicts = conflicted_files(project)
    print(f"conflicts: {conflicts}")
    assert conflicts == [SNAPSHOT]
    assert "team-orders" in (project / SNAPSHOT).read_text()


def test_fastapi_gets_the_new_revision(template_with_history: Path, tmp_path: Path) -> None:
    latest = releases()[-1][0]
    project = copy_at(template_with_history, latest, tmp_path / "project", {"api_stack": "fastapi"})

    update(project)

    revision = (project / ALEMBIC_REVISION).read_text()
    assert re.search(r'^revision: str = "0002"$', revision, re.MULTILINE), revision
    assert re.search(r'^down_revision: str \| None = "0001"$', revision, re.MULTILINE), revision
    assert "ix_refresh_tokens_expires_at" in revision
    assert not conflicted_files(project)
