"""The WAL archive as the server runs it: compose.prod.yaml with compose.backup.yaml (local
target) deployed by the project's scripts/deploy on the real Docker engine (a one-node
swarm), the project's PostgreSQL image (infra/postgres/Dockerfile) archiving through
pgBackRest, and the backup job's image taking base backups through the shared socket and
read-only data volume, then restoring the live database to a moment.

Stand-ins: the PostgreSQL base image is Debian's PostgreSQL 15 with the official image's
entrypoint contract and uid; pgBackRest is whatever the stand-in's apt sources give (bookworm:
2.45), as the official image's PGDG sources would give theirs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.docker.edge_stack import ENVIRONMENT, build_release, env_file_values
from tests.docker.engine import build, docker, timed
from tests.docker.standins import build_standin
from tests.docker.swarm import Stack, ensure_swarm, project_script
from tests.harness.ports import free_ports
from tests.paths import VENV_BIN
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
# The release scripts/deploy runs migrations of; no API task is started (API_REPLICAS=0).
RELEASE = "wal-check"
# The images the server would build (scripts/lib/swarm.sh), built here by the test.
LOCAL_TAG = "wal-check"


@dataclass
class ArchivingStack:
    project: Path
    swarm: Stack
    values: dict[str, str]

    def exec(self, service: str, *command: str, timeout: float = 600) -> str:
        """`command` in the service's running task, as `scripts/stack ENV exec` runs it."""
        return docker("exec", self.swarm.container(service), *command, timeout=timeout)

    def logs(self, service: str | None = None) -> str:
        services = [service] if service else ["postgres", "backup"]
        return "\n".join(self.swarm.logs(name) for name in services)

    def sql(self, statement: str, user: str | None = None) -> str:
        """One statement through psql in the postgres container, over its socket."""
        return self.exec(
            "postgres", "psql", "--no-psqlrc", "--tuples-only", "--no-align",
            "--set=ON_ERROR_STOP=1", f"--username={user or self.values['POSTGRES_USER']}",
            f"--dbname={self.values['POSTGRES_DB']}", f"--command={statement}",
        ).strip()  # fmt: skip


def allowed_context(project: Path, dockerfile: str, destination: Path) -> Path:
    """The build context BuildKit sends for `dockerfile` (the repository root filtered by its
    `<Dockerfile>.dockerignore` allowlist: `*`, then `!PATTERN` lines), copied into
    `destination`. This engine has no buildx, and the classic builder reads only the root
    .dockerignore (the API image's allowlist), so this engine cannot build it from the
    repository root as a server does."""
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


def dockerfile_defaults(dockerfile: Path) -> dict[str, str]:
    """The `ARG NAME=default` lines of a Dockerfile: the images it builds from."""
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", dockerfile.read_text(), re.MULTILINE))


def build_local_images(project: Path, prefix: str, scratch: Path) -> None:
    """The two images the server builds for its stack (scripts/lib/swarm.sh), built as it
    would: on the host's network (apt-get needs the Debian mirror, which the engine's default
    bridge does not reach here), the backup image from its allowlisted context."""
    backup_dockerfile = project / "infra/backup/Dockerfile"
    for image in sorted(set(dockerfile_defaults(backup_dockerfile).values())):
        build_standin(image)
    build(project / "infra/postgres", f"{prefix}-postgres:{LOCAL_TAG}", network_host=True)
    context = allowed_context(project, "infra/backup/Dockerfile", scratch)
    build(context, f"{prefix}-backup:{LOCAL_TAG}", dockerfile=backup_dockerfile, network_host=True)


def wait_for(what: str, check: Any, timeout: float, stack: ArchivingStack) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(1)
    raise AssertionError(f"{what}: not within {timeout:.0f} s\n{stack.logs()}")


@pytest.fixture(scope="module")
def archiving(
    docker_engine: None, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ArchivingStack]:
    project = render(template_repo, tmp_path_factory.mktemp("wal") / "project", ANSWERS)
    values = env_file_values(project / f"env/{ENVIRONMENT}.env")
    prefix = values["APP_NAME"]
    stack = ArchivingStack(project, Stack(values["COMPOSE_PROJECT_NAME"]), values)
    with timed("build of the project's API, PostgreSQL and backup images"):
        build_release(project, RELEASE)
        build_local_images(project, prefix, tmp_path_factory.mktemp("backup-context"))
    http_port, https_port = free_ports(2)
    env = {
        "ENVIRONMENT": ENVIRONMENT,
        "STACK_FILES": ":".join(FILES),
        # Migrations run; the database is what this test is about, not the API.
        "API_REPLICAS": "0",
        "POSTGRES_LOCAL_TAG": LOCAL_TAG,
        "BACKUP_LOCAL_TAG": LOCAL_TAG,
        "TRAEFIK_HTTP_PORT": str(http_port),
        "TRAEFIK_HTTPS_PORT": str(https_port),
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }
    ensure_swarm()
    stack.swarm.remove()
    try:
        with timed("scripts/deploy of postgres, the role setup, migrations and the backup job"):
            result = project_script(project, env, "deploy", RELEASE)
            assert result.returncode == 0, result.stdout + result.stderr
        yield stack
    finally:
        stack.swarm.remove()


def archiver_counts(stack: ArchivingStack) -> tuple[int, int, str]:
    archived, failed, last = stack.sql(
        "SELECT archived_count, failed_count, coalesce(last_archived_wal, '') FROM pg_stat_archiver"
    ).split("|")
    return int(archived), int(failed), last


def test_the_backup_job_takes_the_first_base_backup_at_start(archiving: ArchivingStack) -> None:
    took = wait_for(
        "the backup job's first base backup",
        lambda: "done: /opt/backup/base-backup --if-none" in archiving.logs("backup"),
        300,
        archiving,
    )
    info = json.loads(archiving.exec("backup", "pgbackrest", "info", "--output=json"))
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
    assert failed == 0, archiving.logs("postgres")
    record(f"docker WAL archive: segment {segment} in the repository {took:.1f} s after the switch")


def test_restore_to_a_moment_through_the_backup_job_brings_back_the_rows(
    archiving: ArchivingStack,
) -> None:
    # The nightly dump a server has had by then: the restore backs up the live state into
    # the same restic repository before it swaps.
    archiving.exec("backup", "backup", timeout=300)
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
    archiving.exec("backup", "restore", "--to", moment, "--yes")
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
    # Its steps go to stderr, which docker's output here leaves out: joined to stdout.
    drill = archiving.exec("backup", "sh", "-c", "restore-drill 2>&1")
    assert "PITR drill passed: marker found after" in drill, drill
    assert "drill passed:" in drill.rsplit("PITR drill passed", 1)[1], drill
    metrics = archiving.exec("backup", "cat", "/var/lib/backup-metrics/backup_pitr_drill.prom")
    assert 'backup_pitr_drill_last_run_success{stanza="wal-check"} 1' in metrics, metrics
    record("docker WAL archive: restore-drill in the backup job: the point-in-time part passed")


def test_no_service_shows_the_archive_passphrase(archiving: ArchivingStack) -> None:
    passphrase = archiving.values["PGBACKREST_REPO1_CIPHER_PASS"]
    assert passphrase
    for service in ("postgres", "backup"):
        config = docker("inspect", archiving.swarm.container(service))
        assert passphrase not in config, f"{service}'s configuration holds the passphrase"
