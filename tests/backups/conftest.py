"""Fixtures of the backup layer: projects rendered per backup target, a fresh database per
test on the services' PostgreSQL, and a restic repository in the test's folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.backups.loopback_servers import LoopbackS3Server, LoopbackSftpServer
from tests.backups.project_scripts import BackupSetup, init_repository
from tests.harness import postgres
from tests.rendering import render

TARGETS = ("local", "s3", "sftp")


def backup_answers(target: str) -> dict[str, object]:
    return {
        "project_name": f"Backup {target}",
        # Backups do not depend on the API stack; the smaller project renders faster.
        "api_stack": "fastapi",
        # Features the backups do not touch stay off, so their templates are not rendered.
        "use_auth": False,
        "use_cache": False,
        "use_monitoring": False,
        "use_sentry": False,
        "use_iac": False,
        "environments": ["staging", "production"],
        "use_backups": True,
        "backup_target": target,
    }


@pytest.fixture(scope="session")
def backup_projects(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """One rendered project per backup target."""
    for program in ("restic", "pg_dump", "pg_restore", "psql", "jq"):
        assert shutil.which(program), f"{program} is missing: run `make bootstrap`"
    root = tmp_path_factory.mktemp("backup-projects")
    return {
        target: render(template_repo, root / target, backup_answers(target)) for target in TARGETS
    }


@pytest.fixture(scope="session")
def postgres_server() -> None:
    postgres.ensure_server()


@pytest.fixture
def database_url(postgres_server: None) -> Iterator[str]:
    """A new, empty database; dropped afterwards with any scratch databases named after it."""
    url = postgres.create_database("backup")
    yield url
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(postgres.ADMIN_URL, autocommit=True) as conn:
        leftovers = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}%",)
            )
        ]
    for leftover in leftovers:
        postgres.drop_database(url.rsplit("/", 1)[0] + "/" + leftover)


@pytest.fixture(scope="session")
def empty_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised, empty restic repository to copy: `restic init` spends seconds on
    calibrating its key derivation, once here instead of in every test. (The first-use path,
    where scripts/backup creates the repository, runs in the target and disk-full tests.)"""
    return init_repository(tmp_path_factory.mktemp("empty-repository") / "repository")


@pytest.fixture
def local_backups(
    backup_projects: dict[str, Path], database_url: str, tmp_path: Path, empty_repository: Path
) -> BackupSetup:
    """The local target: a restic repository in the test's folder."""
    shutil.copytree(empty_repository, tmp_path / "repository")
    return BackupSetup(
        project=backup_projects["local"],
        database_url=database_url,
        repository=str(tmp_path / "repository"),
        work=tmp_path,
    )


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[LoopbackSftpServer]:
    server = LoopbackSftpServer(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_server(tmp_path: Path) -> Iterator[LoopbackS3Server]:
    server = LoopbackS3Server(tmp_path / "s3")
    server.start()
    yield server
    server.stop()
