"""Each backup target renders its own configuration, and the scripts run against it for
real: a local folder, SFTP to a loopback sshd, S3 to a loopback S3-compatible server."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.backups import seed_data
from tests.backups.conftest import TARGETS, backup_answers
from tests.backups.loopback_servers import SSH_HOST_ALIAS, LoopbackS3Server, LoopbackSftpServer
from tests.backups.project_scripts import BackupSetup
from tests.rendering import render

BACKUP_FILES = (
    "scripts/backup",
    "scripts/restore",
    "scripts/restore-drill",
    "infra/backup/Dockerfile",
    "infra/backup/run-schedule",
    "compose.backup.yaml",
    "docs/runbooks/backup-and-restore.md",
)


def env_value(project: Path, name: str) -> str:
    for line in (project / "env" / "production.env.example").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} is not in env/production.env.example")


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_renders_its_configuration(
    backup_projects: dict[str, Path], target: str
) -> None:
    project = backup_projects[target]
    for name in BACKUP_FILES:
        assert (project / name).is_file(), name
    repository = env_value(project, "RESTIC_REPOSITORY")
    service = yaml.safe_load((project / "compose.backup.yaml").read_text())["services"]["backup"]
    volumes = service["volumes"]
    environment = service["environment"]
    if target == "local":
        assert repository.startswith("/srv/backups/")
        assert "backup-repository:/srv/backups" in volumes
    elif target == "s3":
        assert repository.startswith("s3:https://")
        assert ".your-objectstorage.com/" in repository
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= environment.keys()
    else:
        assert repository.startswith(f"sftp:{SSH_HOST_ALIAS}:/")
        config_dir = str(Path(environment["BACKUP_SSH_CONFIG"]).parent)
        assert any(volume.endswith(f":{config_dir}:ro") for volume in volumes)
    assert "backup-metrics:/var/lib/backup-metrics" in volumes
    assert set(service["networks"]) == {"backend", "backup-egress"}


def test_projects_without_backups_have_no_backup_files(template_repo: Path, tmp_path: Path) -> None:
    project = render(
        template_repo, tmp_path / "off", {**backup_answers("s3"), "use_backups": False}
    )
    assert [name for name in BACKUP_FILES if (project / name).exists()] == []
    assert "RESTIC" not in (project / "env" / "production.env.example").read_text()


def round_trip(backups: BackupSetup) -> None:
    """Back up, list, drill, back up again (retention on a remote repository)."""
    seed_data.seed(backups.database_url)
    backups.succeed("backup")
    backups.succeed("restore-drill")
    backups.succeed("backup")
    assert len(backups.snapshots("kind:dump")) == 1, "same day: retention keeps the newest"
    assert backups.metric("backup.prom", "backup_last_run_success") == 1


def test_sftp_target_over_a_loopback_sshd(
    backup_projects: dict[str, Path],
    database_url: str,
    tmp_path: Path,
    sftp_server: LoopbackSftpServer,
) -> None:
    project = backup_projects["sftp"]
    # The rendered repository (sftp:storagebox:/backups/...), under a folder of this test.
    _, alias, path = env_value(project, "RESTIC_REPOSITORY").split(":", 2)
    remote_root = tmp_path / "storage-box"
    round_trip(
        BackupSetup(
            project=project,
            database_url=database_url,
            repository=f"sftp:{alias}:{remote_root}{path}",
            work=tmp_path,
            extra={"BACKUP_SSH_CONFIG": str(sftp_server.client_config)},
        )
    )
    assert (remote_root / path.lstrip("/") / "config").is_file()


def test_s3_target_against_a_loopback_s3_server(
    backup_projects: dict[str, Path],
    database_url: str,
    tmp_path: Path,
    s3_server: LoopbackS3Server,
) -> None:
    project = backup_projects["s3"]
    bucket = env_value(project, "RESTIC_REPOSITORY").rsplit("/", 1)[1]
    round_trip(
        BackupSetup(
            project=project,
            database_url=database_url,
            repository=s3_server.repository(bucket),
            work=tmp_path,
            extra=dict(LoopbackS3Server.ACCESS),
        )
    )
