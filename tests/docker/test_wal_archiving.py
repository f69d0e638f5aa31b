"""The WAL archive as the server runs it: compose.prod.yaml with compose.backup.yaml (local
target) on the real Docker engine, the project's PostgreSQL image (infra/postgres/Dockerfile)
archiving through pgBackRest, and the backup job's image taking base backups through the
shared socket and read-only data volume, then restoring the live database to a moment.

Stand-ins: the PostgreSQL base image is Debian's PostgreSQL 15 with the official image's
entrypoint contract and uid; pgBackRest is whatever the stand-in's apt sources give (bookworm:
2.45), as the official image's PGDG sources would give theirs.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.docker.edge_stack import (
    ENVIRONMENT,
    SECRETS_DIR,
    env_file_values,
    write_secret_files,
)
from tests.docker.engine import Compose, build, docker, timed
from tests.docker.standins import build_standin
from tests.rendering import render
from tests.report import record

ANSWERS: dict[str, Any] = {
    "project_name": "WAL Check",
    "api_stack": "fastapi",
    "web_frontend": "none",
    "environments": [ENVIRONMENT],
    "domain": "example.org",
    "use_backups": True,
    "backup_target": "local",
    "use_monitoring": False,
}
FILES = ["compose.prod.yaml", "compose.backup.yaml"]


@dataclass
class ArchivingStack:
    project: Path
    compose: Compose
    values: dict[str, str]

    def sql(self, statement: str, user: str | None = None) -> str:
        """One statement through psql in the postgres container, over its socket."""
        return self.compose(
            "exec", "-T", "postgres", "psql", "--no-psqlrc", "--tuples-only", "--no-align",
            "--set=ON_ERROR_STOP=1", f"--username={user or self.values['POSTGRES_USER']}",
            f"--dbname={self.values['POSTGRES_DB']}", f"--command={statement}",
        ).strip()  # fmt: skip

    def backup_log(self) -> str:
        return self.compose("logs", "--no-color", "backup")


def host_network_builds(project: Path) -> str:
    """An override that builds the PostgreSQL image on the host's network: its apt-get needs
    the Debian mirror, which the engine's default bridge does not reach here."""
    override = {"services": {"postgres": {"build": {"network": "host"}}}}
    (project / "compose.host-build.yaml").write_text(json.dumps(override, indent=2))
    return "compose.host-build.yaml"


def allowed_context(project: Path, dockerfile: str, destination: Path) -> Path:
    """The build context BuildKit sends for `dockerfile` (the repository root filtered by its
    `<Dockerfile>.dockerignore` allowlist: `*`, then `!PATTERN` lines), copied into
    `destination`. This engine has no buildx, and the classic builder reads only the root
    .dockerignore (the API image's allowlist), so compose cannot build this image here."""
    ignore_file = project / f"{dockerfile}.dockerignore"
    lines = [line.strip() for line in ignore_file.read_text().splitlines()]
    patterns = [line[1:] for line in lines if line.startswith("!")]
    assert "*" in lines, f"{ignore_file} is not an allowlist (no '*' line)"
    assert patterns, f"{ignore_file} allows nothing"
    for pattern in patterns:
        matches = sorted(project.glob(pattern))
        assert matches, f"{ignore_file}: {pattern} matches nothing"
        for source in matches:
            target = destination / source.relative_to(project)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def build_backup_image(project: Path, compose: Compose, scratch: Path) -> None:
    service = json.loads(compose("config", "--format", "json"))["services"]["backup"]
    dockerfile = service["build"]["dockerfile"]
    context = allowed_context(project, dockerfile, scratch)
    build(
        context,
        service["image"],
        dockerfile=project / dockerfile,
        build_args=service["build"]["args"],
        network_host=True,
    )


def base_images(compose: Compose) -> list[str]:
    """The third-party images the project's Dockerfiles start from, as compose passes them."""
    services = json.loads(compose("config", "--format", "json"))["services"]
    args = {**services["postgres"]["build"]["args"], **services["backup"]["build"]["args"]}
    return sorted({args["POSTGRES_IMAGE"], args["RESTIC_IMAGE"]})


def wait_for(what: str, check: Any, timeout: float, stack: ArchivingStack) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(1)
    raise AssertionError(
        f"{what}: not within {timeout:.0f} s\n{stack.compose('logs', '--no-color')}"
    )


@pytest.fixture(scope="module")
def archiving(
    docker_engine: None, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ArchivingStack]:
    project = render(template_repo, tmp_path_factory.mktemp("wal") / "project", ANSWERS)
    env_file = f"env/{ENVIRONMENT}.env"
    values = env_file_values(project / env_file)
    files = [*FILES, host_network_builds(project)]
    write_secret_files(project, files)
    compose = Compose(
        project,
        env_file,
        files,
        env={"SECRETS_DIR": SECRETS_DIR, "COMPOSE_PROJECT_NAME": "wal-check", "API_TAG": "unused"},
    )
    for image in base_images(compose):
        build_standin(image)
    stack = ArchivingStack(project, compose, values)
    with timed("build of the project's PostgreSQL and backup images"):
        compose("build", "postgres")
        build_backup_image(project, compose, tmp_path_factory.mktemp("backup-context"))
    compose("down", "--volumes", "--remove-orphans", "--timeout", "10")
    try:
        with timed("compose up of postgres, db-roles and the backup job"):
            compose("up", "--detach", "--no-build", "--wait", "postgres")
            compose("run", "--rm", "--no-deps", "db-roles")
            compose("up", "--detach", "--no-build", "backup")
        yield stack
    finally:
        compose("down", "--volumes", "--remove-orphans", "--timeout", "20")


def archiver_counts(stack: ArchivingStack) -> tuple[int, int, str]:
    archived, failed, last = stack.sql(
        "SELECT archived_count, failed_count, coalesce(last_archived_wal, '') FROM pg_stat_archiver"
    ).split("|")
    return int(archived), int(failed), last


def test_the_backup_job_takes_the_first_base_backup_at_start(archiving: ArchivingStack) -> None:
    took = wait_for(
        "the backup job's first base backup",
        lambda: "done: /opt/backup/base-backup --if-none" in archiving.backup_log(),
        300,
        archiving,
    )
    info = json.loads(
        archiving.compose("exec", "-T", "backup", "pgbackrest", "info", "--output=json")
    )
    backups = info[0]["backup"]
    assert [backup["type"] for backup in backups] == ["full"], info
    record(f"docker WAL archive: first base backup by the backup job within {took:.0f} s of start")


def test_postgres_archives_each_finished_wal_segment(archiving: ArchivingStack) -> None:
    archived_before, _, _ = archiver_counts(archiving)
    # As the owner, as migrations create tables: a restore writes as the owner too.
    owner = archiving.values["DB_OWNER_USER"]
    archiving.sql("CREATE TABLE IF NOT EXISTS wal_probe (at timestamptz DEFAULT now())", owner)
    archiving.sql("INSERT INTO wal_probe DEFAULT VALUES", owner)
    segment = archiving.sql("SELECT pg_walfile_name(pg_switch_wal())")
    took = wait_for(
        f"archiving of WAL segment {segment}",
        lambda: archiver_counts(archiving)[2] >= segment,
        120,
        archiving,
    )
    archived, failed, _ = archiver_counts(archiving)
    assert archived > archived_before
    assert failed == 0, archiving.compose("logs", "--no-color", "postgres")
    record(f"docker WAL archive: segment {segment} in the repository {took:.1f} s after the switch")


def test_restore_to_a_moment_through_the_backup_job_brings_back_the_rows(
    archiving: ArchivingStack,
) -> None:
    # The nightly dump a server has had by then: the restore backs up the live state into
    # the same restic repository before it swaps.
    archiving.compose("exec", "-T", "backup", "backup", timeout=300)
    owner = archiving.values["DB_OWNER_USER"]
    archiving.sql("CREATE TABLE notes_probe (id serial PRIMARY KEY, body text)", user=owner)
    archiving.sql(
        "INSERT INTO notes_probe (body) SELECT 'kept' FROM generate_series(1, 25)", user=owner
    )
    time.sleep(1)
    moment = archiving.sql("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.USOF')")
    time.sleep(1)
    archiving.sql("DELETE FROM notes_probe", user=owner)
    started = time.monotonic()
    archiving.compose("exec", "-T", "backup", "restore", "--to", moment, "--yes", timeout=600)
    took = time.monotonic() - started
    assert archiving.sql("SELECT count(*) FROM notes_probe") == "25"
    record(
        f"docker WAL archive: restore --to {moment} in the backup job:"
        f" 25 of 25 rows back in {took:.0f} s"
    )


def test_the_restore_drill_proves_a_restore_to_a_moment_in_the_backup_job(
    archiving: ArchivingStack,
) -> None:
    # After the restore test, whose backup made the restic repository the dump drill reads.
    # Its steps go to stderr, which compose's output here leaves out: joined to stdout.
    drill = archiving.compose("exec", "-T", "backup", "sh", "-c", "restore-drill 2>&1", timeout=600)
    assert "PITR drill passed: marker found after" in drill, drill
    assert "drill passed:" in drill.rsplit("PITR drill passed", 1)[1], drill
    metrics = archiving.compose(
        "exec", "-T", "backup", "cat", "/var/lib/backup-metrics/backup_pitr_drill.prom"
    )
    assert 'backup_pitr_drill_last_run_success{stanza="wal-check"} 1' in metrics, metrics
    record("docker WAL archive: restore-drill in the backup job: the point-in-time part passed")


def test_no_service_shows_the_archive_passphrase(archiving: ArchivingStack) -> None:
    passphrase = archiving.values["PGBACKREST_REPO1_CIPHER_PASS"]
    assert passphrase
    for service in ("postgres", "backup"):
        config = docker("inspect", archiving.compose.container_id(service))
        assert passphrase not in config, f"{service}'s configuration holds the passphrase"
