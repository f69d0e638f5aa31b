"""A PostgreSQL cluster of its own whose write-ahead log pgBackRest archives, as the project's
postgres service does: the rendered infra/postgres/pgbackrest.conf, with the paths, port and
repository of this test given as pgBackRest's own PGBACKREST_* variables.

PostgreSQL refuses to run as root, so the cluster, and the project's scripts that start a
scratch instance (scripts/restore --to), run as the postgres account of scripts/services,
in a folder that account owns. pgBackRest is the one scripts/bootstrap pins, first on PATH
(tests/backups/pinned_pgbackrest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cached_property
from pathlib import Path

import psycopg

from tests.backups.loopback_servers import LoopbackS3Server
from tests.backups.pinned_pgbackrest import path_with_pgbackrest
from tests.backups.project_scripts import BackupSetup
from tests.harness.ports import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ACCOUNT = "postgres"
PASSPHRASE = "pitr-tests-passphrase"


def as_account(command: list[str]) -> list[str]:
    return ["setpriv", f"--reuid={ACCOUNT}", f"--regid={ACCOUNT}", "--init-groups", *command]


def let_through(path: Path) -> Path:
    """Let the account pass through every parent of `path` (pytest makes them private)."""
    for parent in path.parents:
        if parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o011)  # others may pass, not list
    return path


def owned_folder(path: Path) -> Path:
    """`path`, made and given to the account, with every parent it must pass through."""
    path.mkdir(parents=True, exist_ok=True)
    shutil.chown(path, ACCOUNT, ACCOUNT)
    return let_through(path)


def give_to_account(path: Path) -> Path:
    """`path` and all in it, owned by the account (restic keeps a repository private to the
    account that made it, and the scripts run as this one)."""
    for item in [path, *path.rglob("*")]:
        shutil.chown(item, ACCOUNT, ACCOUNT)
    return path


def project_sftp_settings(project: Path, ssh_config: Path) -> dict[str, str]:
    """pgBackRest's PGBACKREST_REPO1_SFTP_* settings as the project's postgres service gets them
    on the sftp target: from its entrypoint, scripts/with-wal-archive-settings, which derives
    them from the ssh_config as the backup scripts do (scripts/lib/backup-wal.sh), run as the
    account."""
    wrapper = project / "scripts" / "with-wal-archive-settings"
    result = subprocess.run(
        as_account(["bash", str(wrapper), "env"]),
        env={**os.environ, "BACKUP_SSH_CONFIG": str(ssh_config)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr, result.stderr
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name: value for name, value in pairs if name.startswith("PGBACKREST_REPO1_SFTP_")}


def s3_repository(
    server: LoopbackS3Server, bucket: str, credential: dict[str, str]
) -> dict[str, str]:
    """pgBackRest's settings for `bucket` of a LoopbackS3Server with TLS, as `credential`
    (its AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) given as pgBackRest's own S3 key, the
    way the postgres service's archiver gets it."""
    assert server.certificate, "pgBackRest speaks only HTTPS to S3: start the server with tls"
    return {
        "PGBACKREST_REPO1_S3_ENDPOINT": "localhost",
        "PGBACKREST_REPO1_STORAGE_PORT": str(server.port),
        "PGBACKREST_REPO1_S3_BUCKET": bucket,
        "PGBACKREST_REPO1_S3_REGION": "us-east-1",
        "PGBACKREST_REPO1_STORAGE_CA_FILE": str(server.certificate),
        "PGBACKREST_REPO1_S3_KEY": credential["AWS_ACCESS_KEY_ID"],
        "PGBACKREST_REPO1_S3_KEY_SECRET": credential["AWS_SECRET_ACCESS_KEY"],
    }


class ArchivedCluster:
    def __init__(
        self,
        folder: Path,
        project: Path,
        stanza: str,
        repository: dict[str, str],
        ssh_config: Path | None = None,
    ):
        self.folder = owned_folder(folder)
        self.data = folder / "data"
        self.socket = owned_folder(folder / "socket")
        self.port = free_port()
        self.project = project
        let_through(project / "scripts")  # the account reads the project's scripts and config
        self.stanza = stanza
        # Where the archive goes: PGBACKREST_REPO1_* settings of the target.
        self.repository = repository
        # The sftp target's ssh_config (BACKUP_SSH_CONFIG): the scripts derive pgBackRest's
        # SFTP settings from it; the archiver is given them derived the same way.
        self.ssh_config = ssh_config
        self.path = path_with_pgbackrest(os.environ["PATH"])

    @property
    def pgbackrest_env(self) -> dict[str, str]:
        """What the project's postgres service and backup job give pgBackRest."""
        return {
            "PGBACKREST_CONFIG": str(self.project / "infra" / "postgres" / "pgbackrest.conf"),
            "PGBACKREST_STANZA": self.stanza,
            "PGBACKREST_REPO1_CIPHER_PASS": PASSPHRASE,
            "PGBACKREST_PG1_PATH": str(self.data),
            "PGBACKREST_PG1_PORT": str(self.port),
            "PGBACKREST_PG1_SOCKET_PATH": str(self.socket),
            "PGBACKREST_SPOOL_PATH": str(owned_folder(self.folder / "spool")),
            "PGBACKREST_LOCK_PATH": str(owned_folder(self.folder / "lock")),
            **self.repository,
            **({"BACKUP_SSH_CONFIG": str(self.ssh_config)} if self.ssh_config else {}),
        }

    @cached_property
    def archiver_env(self) -> dict[str, str]:
        """What the postgres service gives pgBackRest: its archive_command runs pgbackrest
        itself, not the scripts, so it gets the SFTP settings ready-made (from the project's
        own derivation, as the service's wrapper will give them)."""
        if not self.ssh_config:
            return self.pgbackrest_env
        return {**self.pgbackrest_env, **project_sftp_settings(self.project, self.ssh_config)}

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{ACCOUNT}:unused@127.0.0.1:{self.port}/{database}"

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            as_account(list(command)),
            env={**os.environ, "PATH": self.path, **self.archiver_env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def start(self) -> None:
        if not self.data.exists():
            init = self.run(
                str(PG_BIN / "initdb"), "-D", str(self.data), "-U", ACCOUNT, "-A", "trust"
            )
            assert init.returncode == 0, init.stderr
            # What compose.prod.yaml gives the postgres service, with this test's addresses.
            settings = {
                "port": str(self.port),
                "listen_addresses": "'127.0.0.1'",
                "unix_socket_directories": f"'{self.socket}'",
                "wal_level": "replica",
                "archive_mode": "on",
                "archive_command": f"'pgbackrest --stanza={self.stanza} archive-push %p'",
                "archive_timeout": "60",
            }
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        started = self.run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
            "-w", "start",
        )  # fmt: skip
        assert started.returncode == 0, started.stderr + self.log()

    def crash(self) -> None:
        """The server killed without a shutdown, as a lost machine leaves it."""
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def stop(self) -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")

    def log(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def backup_setup(self, database: str, restic: Path, work: Path) -> BackupSetup:
        """The project's backup scripts on `database` of this cluster, run as the account (as
        the backup container runs them), with `restic` for the dumps."""
        return BackupSetup(
            project=self.project,
            database_url=self.url(database),
            repository=str(restic),
            work=work,
            # pg_ctl for the scratch instance: on PATH in the backup image, not here.
            extra={
                **self.pgbackrest_env,
                "HOME": str(work),
                "PATH": f"{PG_BIN}:{self.path}",
            },
            account=ACCOUNT,
        )
