"""Failures exit non-zero naming their cause, write the failure metric, and never cost an
earlier snapshot."""

from __future__ import annotations

import re
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.backups import seed_data
from tests.backups.loopback_servers import LoopbackSftpServer
from tests.backups.project_scripts import BackupSetup, failure_cause
from tests.harness import postgres


def snapshot_ids(backups: BackupSetup) -> list[str]:
    return [snapshot["id"] for snapshot in backups.snapshots()]


def assert_reported_failure(backups: BackupSetup, cause: str, last_success: float) -> None:
    labels = {"database": backups.database_url.rsplit("/", 1)[1]}
    assert backups.metric("backup.prom", "backup_last_run_success", **labels) == 0
    assert backups.metric("backup.prom", "backup_last_run_cause_info", cause=cause) == 1
    # The last success is still the earlier run's: alerts count from it.
    assert (
        backups.metric("backup.prom", "backup_last_success_timestamp_seconds", **labels)
        == last_success
    )


def backed_up_once(backups: BackupSetup) -> tuple[list[str], float]:
    seed_data.seed(backups.database_url)
    backups.succeed("backup")
    last_success = backups.metric("backup.prom", "backup_last_success_timestamp_seconds")
    assert last_success > 0
    return snapshot_ids(backups), last_success


def test_wrong_password(local_backups: BackupSetup) -> None:
    before, last_success = backed_up_once(local_backups)

    result = local_backups.run("backup", RESTIC_PASSWORD="not the password")

    assert result.returncode == 1
    assert failure_cause(result) == "wrong_password"
    assert_reported_failure(local_backups, "wrong_password", last_success)
    assert snapshot_ids(local_backups) == before
    local_backups.succeed("restore-drill")


def test_repository_unreachable(
    backup_projects: dict[str, Path],
    database_url: str,
    tmp_path: Path,
    sftp_server: LoopbackSftpServer,
) -> None:
    backups = BackupSetup(
        project=backup_projects["sftp"],
        database_url=database_url,
        repository=sftp_server.repository(tmp_path / "remote-repository"),
        work=tmp_path,
        extra={"BACKUP_SSH_CONFIG": str(sftp_server.client_config)},
    )
    before, last_success = backed_up_once(backups)

    sftp_server.stop()
    result = backups.run("backup")
    sftp_server.start()

    assert result.returncode == 1
    assert failure_cause(result) == "repository_unreachable"
    # ssh's own words vary when another test's server takes the freed port in a parallel run
    # (refused, closed, reset); restic then says only that the repository cannot be reached.
    assert re.search(r"Connection (refused|closed|reset)|cannot be reached", result.stderr), (
        result.stderr
    )
    assert_reported_failure(backups, "repository_unreachable", last_success)
    assert snapshot_ids(backups) == before


def test_database_unreachable(local_backups: BackupSetup) -> None:
    before, last_success = backed_up_once(local_backups)
    # The same database URL on a port where no server listens.
    unreachable = local_backups.database_url.replace(f":{postgres.PORT}/", ":9/")

    result = local_backups.run("backup", DATABASE_URL=unreachable)

    assert result.returncode == 1
    assert failure_cause(result) == "database_unreachable"
    assert_reported_failure(local_backups, "database_unreachable", last_success)
    assert snapshot_ids(local_backups) == before


@contextmanager
def role_without_access_to_one_table(url: str) -> Iterator[str]:
    """A login role that can read every table but `events`: pg_dump fails part-way."""
    role = f"backup_limited_{secrets.token_hex(3)}"
    with psycopg.connect(postgres.ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'limited'")
    try:
        seed_data.execute(
            url,
            f"GRANT USAGE ON SCHEMA public, audit TO {role};"
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public, audit TO {role};"
            f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};"
            f"REVOKE SELECT ON events FROM {role};",
        )
        yield url.replace("postgres:postgres@", f"{role}:limited@")
    finally:
        seed_data.execute(url, f"DROP OWNED BY {role}")
        with psycopg.connect(postgres.ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP ROLE {role}")


def test_failed_dump_leaves_no_snapshot(local_backups: BackupSetup) -> None:
    before, last_success = backed_up_once(local_backups)

    with role_without_access_to_one_table(local_backups.database_url) as limited_url:
        result = local_backups.run("backup", DATABASE_URL=limited_url)

    assert result.returncode == 1
    assert failure_cause(result) == "database_error"
    assert "permission denied" in result.stderr
    assert_reported_failure(local_backups, "database_error", last_success)
    assert snapshot_ids(local_backups) == before, "an incomplete dump was kept as a snapshot"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system (tmpfs): room for a repository and a first small backup only."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def test_disk_full(
    backup_projects: dict[str, Path], database_url: str, tmp_path: Path, small_disk: Path
) -> None:
    backups = BackupSetup(
        project=backup_projects["local"],
        database_url=database_url,
        repository=str(small_disk / "repository"),
        work=tmp_path,
    )
    seed_data.execute(
        database_url, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('a')"
    )
    backups.succeed("backup")
    last_success = backups.metric("backup.prom", "backup_last_success_timestamp_seconds")
    before = snapshot_ids(backups)
    # 4 MiB of random bytes: no compression fits them into the 2 MiB disk.
    seed_data.execute(
        database_url,
        "CREATE TABLE blobs AS SELECT g, decode(string_agg(md5(random()::text || h), ''), 'hex')"
        " FROM generate_series(1, 16) AS g, generate_series(1, 16384) AS h GROUP BY g",
    )

    result = backups.run("backup")

    assert result.returncode == 1
    assert failure_cause(result) == "disk_full"
    assert_reported_failure(backups, "disk_full", last_success)
    assert snapshot_ids(backups) == before
