"""An update across the release that moved the retention policy into
infra/backup/retention.env keeps a team's own BACKUP_KEEP_* values (copier.yml's migration,
migrations/retention_policy.py): the largest of its environments per rule, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backups.conftest import backup_answers
from tests.update.project import commit_all, copy_at, update

# The newest release whose servers read the policy from env/<environment>.env.
BEFORE_THE_MOVE = "v0.3.0"


def set_values(env_file: Path, **settings: int) -> None:
    lines = [
        line for line in env_file.read_text().splitlines() if line.split("=", 1)[0] not in settings
    ]
    env_file.write_text("\n".join([*lines, *(f"{k}={v}" for k, v in settings.items())]) + "\n")


def test_team_retention_values_move_into_the_policy_file(
    template_with_history: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    project = copy_at(
        template_with_history, BEFORE_THE_MOVE, tmp_path / "project", backup_answers("s3")
    )
    assert not (project / "infra/backup/retention.env").exists()
    set_values(project / "env/production.env", BACKUP_KEEP_DAILY=14)
    set_values(project / "env/staging.env", BACKUP_KEEP_DAILY=10, BACKUP_KEEP_MONTHLY=12)
    commit_all(project, "the team's own settings")
    capfd.readouterr()

    update(project)

    policy = dict(
        line.split("=", 1)
        for line in (project / "infra/backup/retention.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert policy == {
        "BACKUP_KEEP_DAILY": "14",
        "BACKUP_KEEP_WEEKLY": "4",
        "BACKUP_KEEP_MONTHLY": "12",
    }
    said = capfd.readouterr().err
    assert "BACKUP_KEEP_DAILY=14 written to infra/backup/retention.env" in said, said
    assert "production.env=14" in said
    assert "staging.env=10" in said
    assert "not here (on a server)" in said
    assert "The server no longer removes old snapshots" in said
