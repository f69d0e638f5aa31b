"""The backup scripts read their secrets from files, as in the backup container, where compose
mounts each at /run/secrets/... and passes NAME_FILE (scripts/lib/backup-common.sh): a backup
with only the files given succeeds; NAME and NAME_FILE both set is refused, naming them."""

from __future__ import annotations

from pathlib import Path

from tests.backups.project_scripts import BackupSetup


def as_files(backups: BackupSetup, folder: Path) -> dict[str, str]:
    """Overrides giving DATABASE_URL and RESTIC_PASSWORD as files only (empty counts as unset,
    as in an env file)."""
    folder.mkdir()
    overrides: dict[str, str] = {}
    for name, value in (
        ("DATABASE_URL", backups.database_url),
        ("RESTIC_PASSWORD", backups.password),
    ):
        path = folder / name.lower()
        path.write_text(value)
        overrides |= {name: "", f"{name}_FILE": str(path)}
    return overrides


def test_backup_reads_its_secrets_from_files(local_backups: BackupSetup, tmp_path: Path) -> None:
    local_backups.succeed("backup", **as_files(local_backups, tmp_path / "secrets"))
    assert len(local_backups.snapshots()) == 2  # the dump and its manifest


def test_a_secret_set_twice_is_refused(local_backups: BackupSetup, tmp_path: Path) -> None:
    overrides = as_files(local_backups, tmp_path / "secrets")
    overrides["RESTIC_PASSWORD"] = local_backups.password
    result = local_backups.run("backup", **overrides)
    assert result.returncode == 1
    assert (
        "error [configuration]: RESTIC_PASSWORD and RESTIC_PASSWORD_FILE are both set"
        in result.stderr
    ), result.stderr
