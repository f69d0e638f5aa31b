"""The restore drill passes on a good snapshot, even one taken while the data changed, and
fails on a damaged one, leaving no scratch database behind either way."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg

from tests.backups import seed_data
from tests.backups.project_scripts import BackupSetup, failure_cause
from tests.backups.test_restore import scratch_databases


def drill_metric(backups: BackupSetup, name: str, **labels: str) -> float:
    return backups.metric("backup_restore_drill.prom", f"backup_restore_drill_{name}", **labels)


def test_drill_passes_on_a_snapshot_taken_while_rows_are_written(
    local_backups: BackupSetup,
) -> None:
    url = local_backups.database_url
    seed_data.seed(url)
    stop = threading.Event()
    written = 0

    def keep_writing() -> None:
        # Like the API under load: every insert commits at once, all through the backup.
        nonlocal written
        with psycopg.connect(url, autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("INSERT INTO orders (customer_id, total) VALUES (1, 1.00)")
                written += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        local_backups.succeed("backup")
    finally:
        stop.set()
        writer.join()
    assert written > 100, "the writer did not overlap the backup"

    result = local_backups.succeed("restore-drill")

    assert "5 tables match" in result.stderr
    assert drill_metric(local_backups, "last_run_success") == 1
    assert drill_metric(local_backups, "tables_compared") == 5
    assert drill_metric(local_backups, "tables_mismatched") == 0
    assert drill_metric(local_backups, "last_run_cause_info", cause="none") == 1
    assert scratch_databases(url) == []


def largest_pack(repository: Path) -> Path:
    packs = [path for path in (repository / "data").rglob("*") if path.is_file()]
    return max(packs, key=lambda path: path.stat().st_size)


def test_drill_and_check_fail_on_a_damaged_pack(local_backups: BackupSetup) -> None:
    url = local_backups.database_url
    seed_data.seed(url)
    local_backups.succeed("backup")
    # Flip bytes in the middle of the pack holding the dump's data, as a failing disk would.
    pack = largest_pack(Path(local_backups.repository))
    data = bytearray(pack.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(byte ^ 0xFF for byte in data[middle : middle + 64])
    pack.chmod(0o644)
    pack.write_bytes(bytes(data))

    drill = local_backups.run("restore-drill")

    assert drill.returncode == 1
    assert failure_cause(drill) == "repository_damaged"
    assert drill_metric(local_backups, "last_run_success") == 0
    assert drill_metric(local_backups, "last_run_cause_info", cause="repository_damaged") == 1
    assert scratch_databases(url) == []

    check = local_backups.run("backup", "--check", BACKUP_CHECK_READ_DATA="100%")
    assert check.returncode == 1
    assert failure_cause(check) == "repository_damaged"
    assert local_backups.metric("backup_check.prom", "backup_check_last_run_success") == 0


def test_drill_fails_when_the_data_differs_from_the_manifest(local_backups: BackupSetup) -> None:
    url = local_backups.database_url
    seed_data.seed(url)
    local_backups.succeed("backup")
    # Replace the run's manifest with one that disagrees about one table: the drill must
    # notice rows that differ from what the backup saw.
    [manifest] = local_backups.snapshots("kind:manifest")
    text = local_backups.restic("dump", manifest["id"], manifest["paths"][0])
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("public.orders\t"))
    table, rows, checksum = lines[index].split("\t")
    lines[index] = "\t".join([table, str(int(rows) + 1), checksum])
    local_backups.restic("forget", manifest["id"])
    local_backups.restic(
        "backup", "--stdin", "--stdin-filename", manifest["paths"][0].lstrip("/"),
        "--host", manifest["hostname"], "--tag", ",".join(manifest["tags"]),
        stdin="\n".join(lines) + "\n",
    )  # fmt: skip

    drill = local_backups.run("restore-drill")

    assert drill.returncode == 1
    assert failure_cause(drill) == "manifest_mismatch"
    assert "public.orders: expected" in drill.stderr
    assert drill_metric(local_backups, "tables_mismatched") == 1
    assert drill_metric(local_backups, "tables_compared") == 5
    assert scratch_databases(url) == []
