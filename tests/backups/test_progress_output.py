"""Backup, restore and the restore drill say what they do and how much: each step on one
`==> ` line with its sizes and counts, which must agree with the database and with restic."""

from __future__ import annotations

import re

from tests.backups import seed_data
from tests.backups.project_scripts import BackupSetup

UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}
SIZE = r"(\d+(?:\.\d)?) (B|KiB|MiB|GiB)"


def steps(stderr: str) -> list[str]:
    """The script's step lines; anything else on stderr (a flood of tool output) fails."""
    lines = stderr.splitlines()
    assert all(line.startswith("==> ") for line in lines), stderr
    return [line.removeprefix("==> ") for line in lines]


def line_matching(lines: list[str], pattern: str) -> re.Match[str]:
    found = [match for line in lines if (match := re.fullmatch(pattern, line))]
    assert len(found) == 1, f"want one line matching {pattern!r} in:\n" + "\n".join(lines)
    return found[0]


def size_bytes(number: str, unit: str) -> float:
    return float(number) * UNITS[unit]


def tables_and_rows(url: str) -> tuple[int, int]:
    tables = {
        name: rows
        for name, rows in seed_data.contents(url).items()
        if not name.startswith("sequence ")
    }
    return len(tables), sum(len(rows) for rows in tables.values())


def test_backup_drill_and_restore_print_their_steps_and_sizes(local_backups: BackupSetup) -> None:
    url = local_backups.database_url
    db = url.rsplit("/", 1)[1]
    seed_data.seed(url)
    tables, rows = tables_and_rows(url)
    assert tables > 1
    assert rows > 1

    backup = steps(local_backups.succeed("backup").stderr)
    assert len(backup) <= 6, backup
    [dump] = local_backups.snapshots("kind:dump")
    line_matching(backup, rf"dumping {db} \({tables} tables, {SIZE} on disk\) into \S+")
    stored = line_matching(
        backup,
        rf"dump stored: snapshot {dump['short_id']}, {SIZE} dumped, {SIZE} new in the"
        r" repository after deduplication",
    )
    dumped = local_backups.metric("backup.prom", "backup_last_size_bytes", database=db)
    # One decimal of the unit shown: within 0.05 of it, and never off by a unit.
    assert abs(size_bytes(stored[1], stored[2]) - dumped) <= 0.05 * UNITS[stored[2]], stored[0]
    line_matching(backup, rf"manifest stored: {tables} tables, {rows} rows")

    # The same day again, then the retention policy: it keeps the newest dump and manifest.
    local_backups.succeed("backup")
    prune = steps(local_backups.succeed("backup-prune").stderr)
    assert len(local_backups.snapshots()) == 2
    line_matching(
        prune, r"retention \(keep 7 daily, 4 weekly, 6 monthly\): 2 snapshot\(s\) removed"
    )

    [latest] = local_backups.snapshots("kind:dump")
    drill = steps(local_backups.succeed("restore-drill").stderr)
    line_matching(
        drill,
        rf"restoring snapshot {latest['short_id']} \(/{db}\.dump, taken [0-9-]+ [0-9:]+ UTC\)"
        rf" into database {db}_drill_\d+",
    )
    line_matching(drill, rf"restored into {db}_drill_\d+ in \d+s: {tables} tables, {SIZE} on disk")
    line_matching(drill, rf"drill passed: {tables} tables match the manifest \({rows} rows\)")

    copy = f"{db}_copy"
    restore = steps(local_backups.succeed("restore", "--into", copy).stderr)
    line_matching(restore, rf"restored into {copy} in \d+s: {tables} tables, {SIZE} on disk")
