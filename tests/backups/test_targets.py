"""Each backup target renders its own configuration, and the scripts run against it for
real: a local folder, the sftp target's backup host (a loopback sshd forcing rclone serve
restic), S3 to a loopback S3-compatible server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.backups import seed_data
from tests.backups.append_only_servers import BACKUP_HOST_ALIAS, LoopbackResticHost
from tests.backups.conftest import TARGETS, backup_answers
from tests.backups.loopback_servers import LoopbackS3Server
from tests.backups.project_scripts import BackupSetup
from tests.rendering import render

BACKUP_FILES = (
    "scripts/backup",
    "scripts/restore",
    "scripts/restore-drill",
    "infra/backup/Dockerfile",
    "infra/backup/run-schedule",
    "infra/backup/retention.env",
    "scripts/backup-prune",
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
    prune_workflow = project / ".github/workflows/backup-prune.yml"
    if target == "local":
        assert repository.startswith("/srv/backups/")
        assert "backup-repository:/srv/backups" in volumes
        # The repository is on the server: only the server can apply retention.
        assert environment["BACKUP_PRUNE_ON_SERVER"] == "1"
        assert not prune_workflow.exists()
    else:
        assert "BACKUP_PRUNE_ON_SERVER" not in environment
        assert prune_workflow.is_file()
    if target == "s3":
        assert repository.startswith("s3:https://")
        assert ".your-objectstorage.com/" in repository
        # The server's bucket keys, as files (scripts/lib/backup-common.sh reads NAME_FILE).
        keys = {"AWS_ACCESS_KEY_ID_FILE", "AWS_SECRET_ACCESS_KEY_FILE"}
        assert keys <= environment.keys()
        assert {"aws_access_key_id", "aws_secret_access_key"} <= secret_names(service)
    elif target == "sftp":
        assert repository.startswith(f"rclone:{BACKUP_HOST_ALIAS}:")
        config_dir = str(Path(environment["BACKUP_SSH_CONFIG"]).parent)
        assert any(volume.endswith(f":{config_dir}:ro") for volume in volumes)
    assert "backup-metrics:/var/lib/backup-metrics" in volumes
    # pgBackRest's passphrase as a settings file of its conf.d (long syntax: a target path).
    assert "pgbackrest_secrets" in secret_names(service)
    assert set(service["networks"]) == {"backend", "backup-egress"}


def secret_names(service: dict[str, Any]) -> set[str]:
    """The secrets a compose service mounts, short (NAME) or long ({source: NAME, ...}) syntax."""
    return {entry if isinstance(entry, str) else entry["source"] for entry in service["secrets"]}


def test_projects_without_backups_have_no_backup_files(template_repo: Path, tmp_path: Path) -> None:
    project = render(
        template_repo, tmp_path / "off", {**backup_answers("s3"), "use_backups": False}
    )
    assert [name for name in BACKUP_FILES if (project / name).exists()] == []
    assert "RESTIC" not in (project / "env" / "production.env.example").read_text()


def round_trip(backups: BackupSetup, prune: BackupSetup | None = None) -> None:
    """Back up, list, drill, back up again, then retention (with the prune credential)."""
    seed_data.seed(backups.database_url)
    backups.succeed("backup")
    backups.succeed("restore-drill")
    backups.succeed("backup")
    assert len(backups.snapshots("kind:dump")) == 2, "the server's backup removes nothing"
    (prune or backups).succeed("backup-prune")
    assert len(backups.snapshots("kind:dump")) == 1, "same day: retention keeps the newest"
    assert backups.metric("backup.prom", "backup_last_run_success") == 1


def test_sftp_target_through_an_append_only_backup_host(
    backup_projects: dict[str, Path], database_url: str, tmp_path: Path
) -> None:
    project = backup_projects["sftp"]
    served = tmp_path / "backup-host-repository"
    host = LoopbackResticHost(tmp_path / "backup-host", served)
    host.start()
    try:
        # The rendered repository (rclone:backup-host:...): the host's forced command decides
        # the folder, whatever the path says.
        repository = env_value(project, "RESTIC_REPOSITORY")

        def with_key(config: Path) -> BackupSetup:
            extra = {"BACKUP_SSH_CONFIG": str(config)}
            return BackupSetup(project, database_url, repository, tmp_path, extra=extra)

        round_trip(with_key(host.client_config), prune=with_key(host.prune_config))
    finally:
        host.stop()
    assert (served / "config").is_file()


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
