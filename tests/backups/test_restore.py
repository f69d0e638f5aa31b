"""Back up, change the data, restore: every table is exactly as it was backed up."""

from __future__ import annotations

import psycopg

from tests.backups import seed_data
from tests.backups.project_scripts import BackupSetup, failure_cause
from tests.harness import postgres

# A database's contents as seed_data.contents pictures them.
Contents = dict[str, list[str]]


def scratch_databases(url: str) -> list[str]:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres.ADMIN_URL) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1", (f"{name}\\_%",)
        ).fetchall()
    return [row[0] for row in rows]


def backed_up_then_changed(setup: BackupSetup) -> tuple[str, Contents, Contents]:
    """Seed the database, back it up, change it: (its URL, the backed-up and the changed data)."""
    url = setup.database_url
    seed_data.seed(url)
    backed_up = seed_data.contents(url)
    setup.succeed("backup")
    seed_data.change(url)
    changed = seed_data.contents(url)
    assert changed != backed_up
    return url, backed_up, changed


def test_live_restore_brings_back_every_table_and_can_be_undone(local_backups: BackupSetup) -> None:
    url, backed_up, changed = backed_up_then_changed(local_backups)

    local_backups.succeed("restore", "--yes")

    assert seed_data.contents(url) == backed_up
    assert scratch_databases(url) == [], "the restore left scratch databases behind"
    # The state it replaced was backed up first; restoring that snapshot undoes the restore.
    [pre_restore] = local_backups.snapshots("kind:dump", "reason:pre-restore")
    local_backups.succeed("restore", pre_restore["short_id"], "--yes")
    assert seed_data.contents(url) == changed


def test_restore_of_an_older_snapshot_by_id(local_backups: BackupSetup) -> None:
    url = local_backups.database_url
    seed_data.seed(url)
    first = seed_data.contents(url)
    local_backups.succeed("backup")
    seed_data.change(url)
    local_backups.succeed("backup")
    oldest_dump, _ = local_backups.snapshots("kind:dump")

    local_backups.succeed("restore", oldest_dump["id"], "--yes")

    assert seed_data.contents(url) == first


def test_restore_into_a_new_database_leaves_the_live_one_alone(local_backups: BackupSetup) -> None:
    url, backed_up, changed = backed_up_then_changed(local_backups)
    copy = url.rsplit("/", 1)[1] + "_copy"

    local_backups.succeed("restore", "--into", copy)

    assert seed_data.contents(url.rsplit("/", 1)[0] + "/" + copy) == backed_up
    assert seed_data.contents(url) == changed
    refused = local_backups.run("restore", "--into", copy)
    assert refused.returncode == 1
    assert failure_cause(refused) == "target_exists"


def test_live_restore_without_a_terminal_needs_yes(local_backups: BackupSetup) -> None:
    url, _, changed = backed_up_then_changed(local_backups)

    result = local_backups.run("restore")

    assert result.returncode == 1
    assert failure_cause(result) == "not_confirmed"
    assert seed_data.contents(url) == changed
    assert local_backups.snapshots("reason:pre-restore") == []
