"""The sftp target's postgres entrypoint, scripts/with-wal-archive-settings: the database
starts even when the WAL archive's SSH settings cannot be read (archiving then fails, and its
alert fires), and the error names the problem. Its derivation from a working ssh_config is
what the sftp PITR test's archiver runs on (archived_cluster.project_sftp_settings)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def run_wrapper(project: Path, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(project / "scripts" / "with-wal-archive-settings"), *command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_an_unreadable_ssh_config_is_named_and_the_command_still_runs(
    backup_projects: dict[str, Path], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-config"
    result = run_wrapper(
        backup_projects["sftp"], "echo", "database started", BACKUP_SSH_CONFIG=str(missing)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "database started\n"
    assert f"error [configuration]: ssh cannot read {missing}" in result.stderr
    assert "without the WAL archive's SFTP settings" in result.stderr


def test_a_config_without_the_wal_archive_host_is_named(
    backup_projects: dict[str, Path], tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("Host backup-host\n  HostName 192.0.2.1\n")
    result = run_wrapper(backup_projects["sftp"], "env", BACKUP_SSH_CONFIG=str(config))
    assert result.returncode == 0, result.stderr
    assert "PGBACKREST_REPO1_SFTP_HOST" not in result.stdout
    assert "has no Host wal-archive" in result.stderr


def test_the_command_is_required(backup_projects: dict[str, Path]) -> None:
    result = run_wrapper(backup_projects["sftp"])
    assert result.returncode == 2
    assert "give the COMMAND to run" in result.stderr
