"""Retention (scripts/backup-prune, with the policy of infra/backup/retention.env) across
simulated days keeps exactly what the policy says, dumps and manifests alike, each database's
snapshots in their own groups."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.backups import retention_policy
from tests.backups.project_scripts import BackupSetup


def history(now: datetime) -> list[datetime]:
    """Backup times of a server's past: daily for eight days (two on one day), then weekly,
    then monthly: each rule gets more periods than it keeps, with as few snapshots as that
    takes (each costs a restic run)."""
    day = now.replace(hour=3, minute=15, second=0, microsecond=0)
    times = [day - timedelta(days=n) for n in range(1, 9)]
    times.append(day - timedelta(days=3) + timedelta(hours=12))
    times += [day - timedelta(weeks=n, days=1) for n in range(2, 6)]
    times += [day - timedelta(days=31 * n + 2) for n in range(2, 8)]
    return sorted(set(times))


def run_tag(snapshot: dict[str, Any]) -> str:
    return next(str(tag) for tag in snapshot["tags"] if str(tag).startswith("run:"))


def restic_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def fake_past_run(backups: BackupSetup, template: dict[str, list[str]], moment: datetime) -> None:
    """One earlier run: a dump and a manifest snapshot like the script's, at `moment`."""
    run_tag = f"run:{moment:%Y%m%dT%H%M%SZ}-past"
    for kind, path in template.items():
        tags = [tag for tag in path[1:] if not tag.startswith("run:")] + [run_tag]
        backups.restic(
            "backup", "--stdin", "--stdin-filename", path[0].lstrip("/"),
            "--host", "backup-tests-production", "--time", restic_time(moment),
            "--tag", ",".join(tags), "--quiet",
            stdin=f"{kind} of {moment}\n",
        )  # fmt: skip


def test_retention_keeps_exactly_the_policy(local_backups: BackupSetup) -> None:
    # A first real run: its snapshots show the host, paths and tags the script uses.
    local_backups.succeed("backup")
    template = {
        kind: [snapshot["paths"][0], *snapshot["tags"]]
        for kind in ("dump", "manifest")
        for snapshot in local_backups.snapshots(f"kind:{kind}")
    }
    past = history(datetime.now(UTC))
    # restic allows concurrent backups into one repository (they take shared locks).
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda moment: fake_past_run(local_backups, template, moment), past))
    # Another database's snapshot in the same repository: a group of its own, kept.
    local_backups.restic(
        "backup", "--stdin", "--stdin-filename", "other.dump", "--host", "backup-tests-production",
        "--time", restic_time(past[0]), "--tag", "db:other,kind:dump", stdin="other\n",
    )  # fmt: skip

    local_backups.succeed("backup")
    # The server's backup removes nothing; the policy is backup-prune's.
    assert len(local_backups.snapshots("kind:dump")) == len(past) + 3
    local_backups.succeed("backup-prune")

    now_runs = [
        datetime.fromisoformat(snapshot["time"][:19]).replace(tzinfo=UTC)
        for snapshot in local_backups.snapshots("kind:dump", "reason:manual")
        if not any(tag.endswith("-past") for tag in snapshot["tags"])
    ]
    assert len(now_runs) == 1, "two runs today: only the newest is the day's snapshot"
    expected = retention_policy.kept([*past, *now_runs], daily=7, weekly=4, monthly=6)
    assert 7 < len(expected) <= 17
    database_tag = f"db:{local_backups.database_url.rsplit('/', 1)[1]}"
    dumps = local_backups.snapshots("kind:dump", database_tag)
    remaining = {datetime.fromisoformat(dump["time"][:19]).replace(tzinfo=UTC) for dump in dumps}
    assert remaining == {moment.replace(microsecond=0) for moment in expected}
    # Each kept dump keeps its manifest, and no other manifest is left.
    manifests = local_backups.snapshots("kind:manifest", database_tag)
    assert sorted(map(run_tag, manifests)) == sorted(map(run_tag, dumps))
    assert len(local_backups.snapshots("db:other")) == 1
