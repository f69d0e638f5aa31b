"""A run that failed half-way leaves a dump without a manifest wherever the server's
credential may not delete it (scripts/backup): restores and drills of "latest" pass it by,
and scripts/backup-prune forgets it once it is 6 hours old, never a run still in progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.backups import seed_data
from tests.backups.project_scripts import BackupSetup
from tests.backups.test_retention import restic_time


def dump_without_manifest(backups: BackupSetup, started: datetime) -> str:
    """What a failed run leaves behind: a dump snapshot of its run, and no manifest."""
    database_tag = f"db:{backups.database_url.rsplit('/', 1)[1]}"
    tags = f"{database_tag},run:{started:%Y%m%dT%H%M%SZ}-1,reason:scheduled,kind:dump"
    backups.restic(
        "backup", "--stdin", "--stdin-filename", f"{database_tag[3:]}.dump",
        "--host", "backup-tests-production", "--time", restic_time(started),
        "--tag", tags, "--quiet", stdin="half a dump\n",
    )  # fmt: skip
    [snapshot] = backups.snapshots("kind:dump", tags.split(",")[1])
    return str(snapshot["id"])


def test_dumps_without_a_manifest_are_passed_by_then_forgotten(
    local_backups: BackupSetup,
) -> None:
    seed_data.seed(local_backups.database_url)
    local_backups.succeed("backup")
    [complete] = local_backups.snapshots("kind:dump")
    now = datetime.now(UTC).replace(microsecond=0)
    failed_long_ago = dump_without_manifest(local_backups, now - timedelta(hours=7))
    # Newer than the complete run: a "latest" that took it would restore half a dump.
    in_progress = dump_without_manifest(local_backups, now + timedelta(minutes=1))

    drill = local_backups.succeed("restore-drill")
    assert f"restoring snapshot {complete['short_id']}" in drill.stderr

    result = local_backups.succeed("backup-prune")

    assert "forgot 1 dump(s) of runs that failed half-way" in result.stderr
    remaining = {snapshot["id"] for snapshot in local_backups.snapshots("kind:dump")}
    assert failed_long_ago not in remaining
    assert {complete["id"], in_progress} <= remaining
