"""Point-in-time recovery: a real PostgreSQL archiving its WAL with the real pgBackRest into each
target, and the project's scripts/base-backup and scripts/restore --to.

Rows are written continuously; at T the writer is held for a moment while the test notes how
many rows are committed (and the newest id), then goes on; later every row is deleted, the
mistake a restore to T undoes. Exactly the rows committed before T must come back, none after.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Self

import psycopg
import pytest

from tests.backups.archived_cluster import (
    ACCOUNT,
    ArchivedCluster,
    give_to_account,
    let_through,
    owned_folder,
)
from tests.backups.loopback_servers import LoopbackS3Server, LoopbackSftpServer
from tests.backups.pinned_pgbackrest import path_with_pgbackrest
from tests.backups.project_scripts import BackupSetup, failure_cause
from tests.harness.loopback_sshd import keygen
from tests.report import record

TARGETS = ("local", "s3", "sftp")
DATABASE = "shop"
BUCKET = "pitr-tests"
# The ssh_config host pgBackRest's SFTP settings come from (WAL_ARCHIVE_SSH_HOST of
# scripts/lib/backup-wal.sh).
WAL_ARCHIVE_HOST = "wal-archive"


class Writer:
    """Inserts rows one transaction at a time until stopped; `hold()` pauses it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.gate = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)

    def _write(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.is_set():
                with self.gate:
                    conn.execute("INSERT INTO orders DEFAULT VALUES")
                time.sleep(0.005)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        self.thread.join(timeout=10)


def counts(cluster: ArchivedCluster) -> tuple[int, int]:
    [(rows, newest)] = cluster.sql("SELECT count(*), coalesce(max(id), 0) FROM orders", DATABASE)
    return int(str(rows)), int(str(newest))


def sftp_host(folder: Path) -> LoopbackSftpServer:
    """The loopback sshd as the WAL archive's SFTP host, `wal-archive` in its client's
    ssh_config; the client's files given to the account the scripts and the archiver run as
    (ssh and pgBackRest read the key as that account)."""
    server = LoopbackSftpServer(folder, alias=WAL_ARCHIVE_HOST)
    for path in (server.client_config, server.client_key, server.known_hosts):
        shutil.chown(path, ACCOUNT, ACCOUNT)
    let_through(server.client_config)
    return server


@pytest.fixture(params=TARGETS)
def pitr(
    request: pytest.FixtureRequest,
    backup_projects: dict[str, Path],
    empty_repository: Path,
    tmp_path: Path,
) -> Iterator[tuple[str, ArchivedCluster, BackupSetup]]:
    """A cluster archiving into the target, with a shop database and a full base backup."""
    target: str = request.param
    work = owned_folder(tmp_path / "work")
    ssh_config = None
    # Servers and the cluster stop however the set-up ends: a failed base backup must not
    # leave an sshd, moto or Traefik running after the test.
    with ExitStack() as cleanup:
        if target == "local":
            repository = {"PGBACKREST_REPO1_PATH": str(owned_folder(work / "pgbackrest"))}
        elif target == "sftp":
            sftp = sftp_host(tmp_path / "sshd")
            sftp.start()
            cleanup.callback(sftp.stop)
            ssh_config = sftp.client_config
            # No chroot on the loopback server (its folder is under the world-writable /tmp,
            # which sshd refuses for one): the repository's absolute path on it instead of the
            # generated /pgbackrest, which a Storage Box sub-account's chroot puts in its folder.
            remote = tmp_path / "sftp-repository"
            remote.mkdir()
            repository = {"PGBACKREST_REPO1_PATH": str(remote)}
        else:
            s3 = LoopbackS3Server(tmp_path / "s3", tls=True)
            s3.start()
            cleanup.callback(s3.stop)
            s3.create_bucket(BUCKET)
            assert s3.certificate
            repository = {
                "PGBACKREST_REPO1_S3_ENDPOINT": "localhost",
                "PGBACKREST_REPO1_STORAGE_PORT": str(s3.port),
                "PGBACKREST_REPO1_S3_BUCKET": BUCKET,
                "PGBACKREST_REPO1_S3_REGION": "us-east-1",
                "PGBACKREST_REPO1_STORAGE_CA_FILE": str(s3.certificate),
                # The archiver in the cluster reads them as the container's wrapper gives them.
                "PGBACKREST_REPO1_S3_KEY": LoopbackS3Server.ACCESS["AWS_ACCESS_KEY_ID"],
                "PGBACKREST_REPO1_S3_KEY_SECRET": LoopbackS3Server.ACCESS["AWS_SECRET_ACCESS_KEY"],
            }
        project = backup_projects[target]
        cluster = ArchivedCluster(
            work / "cluster", project, f"backup-{target}", repository, ssh_config=ssh_config
        )
        cluster.start()
        cleanup.callback(cluster.stop)
        cluster.sql(f"CREATE DATABASE {DATABASE}")
        cluster.sql(
            "CREATE TABLE orders (id bigserial PRIMARY KEY,"
            " placed_at timestamptz NOT NULL DEFAULT clock_timestamp())",
            DATABASE,
        )
        # The pre-restore dump goes to a restic repository in the test's folder, whatever the
        # target: the dumps' targets have tests of their own.
        restic = give_to_account(Path(shutil.copytree(empty_repository, work / "restic")))
        setup = cluster.backup_setup(DATABASE, restic, work)
        base = setup.succeed("base-backup")
        assert "no full backup in the repository yet: taking a full one" in base.stderr, base.stderr
        if target == "sftp":
            # Written through the SFTP login: the account could not write this root-owned folder.
            assert (remote / "backup" / cluster.stanza / "backup.info").exists(), "no SFTP archive"
        yield target, cluster, setup


def test_restore_to_a_moment_brings_back_exactly_the_rows_committed_before_it(
    pitr: tuple[str, ArchivedCluster, BackupSetup],
) -> None:
    target, cluster, setup = pitr
    with Writer(cluster.url(DATABASE)) as writer:
        time.sleep(2)
        with writer.gate:
            before, newest = counts(cluster)
            [(moment,)] = cluster.sql("SELECT clock_timestamp()::text")
            time.sleep(0.05)
        time.sleep(2)
    total, _ = counts(cluster)
    assert before > 50, before
    assert total - before > 50, (before, total)
    cluster.sql("DELETE FROM orders", DATABASE)

    started = time.monotonic()
    restored = setup.succeed("restore", "--to", str(moment), "--yes")
    seconds = time.monotonic() - started

    back, back_newest = counts(cluster)
    [(after,)] = cluster.sql(f"SELECT count(*) FROM orders WHERE id > {newest}", DATABASE)
    record(
        f"PITR {target}: restored to T: {back} of {before} rows before T, {after} after"
        f" ({total - before} written after T, then every row deleted; restore {seconds:.1f} s)"
    )
    assert (back, back_newest, after) == (before, newest, 0), restored.stderr
    assert f"restored {moment} into {DATABASE}" in restored.stderr, restored.stderr


def test_a_wrong_passphrase_is_refused_and_nothing_is_touched(
    pitr: tuple[str, ArchivedCluster, BackupSetup],
) -> None:
    _, cluster, setup = pitr
    cluster.sql("INSERT INTO orders DEFAULT VALUES", DATABASE)
    [(moment,)] = cluster.sql("SELECT clock_timestamp()::text")
    result = setup.run(
        "restore", "--to", str(moment), "--yes", PGBACKREST_REPO1_CIPHER_PASS="not the passphrase"
    )
    assert result.returncode == 1, result.stderr
    assert "error [wrong_password]" in result.stderr, result.stderr
    assert "PGBACKREST_REPO1_CIPHER_PASS does not open the repository" in result.stderr
    assert counts(cluster) == (1, 1), "the live database was touched"
    [(scratch,)] = cluster.sql(
        f"SELECT count(*) FROM pg_database WHERE datname LIKE '{DATABASE}_%'"
    )
    assert scratch == 0, "a scratch database was left behind"


@pytest.mark.parametrize("pitr", ["sftp"], indirect=True)
def test_an_sftp_host_with_another_host_key_is_refused(
    pitr: tuple[str, ArchivedCluster, BackupSetup], tmp_path: Path
) -> None:
    _, cluster, setup = pitr
    assert cluster.ssh_config
    # The same host and port, pinned to a key the server does not have (a host in between).
    other = keygen(tmp_path / "other_host_key").with_suffix(".pub").read_text().split()
    known_hosts = owned_file(tmp_path / "other_known_hosts")
    host_entry = cluster.ssh_config.with_name("known_hosts").read_text().split()[0]
    known_hosts.write_text(f"{host_entry} {other[0]} {other[1]}\n")
    config = owned_file(tmp_path / "other_ssh_config")
    config.write_text(
        cluster.ssh_config.read_text().replace(
            str(cluster.ssh_config.with_name("known_hosts")), str(known_hosts)
        )
    )
    result = setup.run("base-backup", BACKUP_SSH_CONFIG=str(config))
    assert result.returncode == 1, result.stderr
    assert failure_cause(result) == "repository_unreachable", result.stderr
    assert "known hosts failure" in result.stderr, result.stderr


def owned_file(path: Path) -> Path:
    """An empty file of the account's (ssh reads its config as the account)."""
    path.write_text("")
    shutil.chown(path, ACCOUNT, ACCOUNT)
    return let_through(path)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "Host backup-host\n  HostName 127.0.0.1\n",
            "has no Host wal-archive with a HostName (the WAL archive's SFTP host)",
        ),
        (
            "Host wal-archive\n  HostName 127.0.0.1\n  IdentityFile /nonexistent/key\n",
            "cannot read its IdentityFile /nonexistent/key",
        ),
    ],
)
def test_an_ssh_config_without_a_usable_wal_archive_host_is_a_configuration_error(
    backup_projects: dict[str, Path], tmp_path: Path, config: str, message: str
) -> None:
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(config)
    setup = BackupSetup(
        project=backup_projects["sftp"],
        database_url="",
        repository="",
        work=tmp_path,
        extra={
            "PGBACKREST_STANZA": "backup-sftp",
            "PGBACKREST_REPO1_CIPHER_PASS": "unused",
            "BACKUP_SSH_CONFIG": str(ssh_config),
            "PATH": path_with_pgbackrest(os.environ["PATH"]),
        },
    )
    result = setup.run("base-backup")
    assert result.returncode == 1, result.stderr
    assert failure_cause(result) == "configuration", result.stderr
    assert message in result.stderr, result.stderr


# Which backup a moment needs is pgBackRest's answer, the same for every target: once.
@pytest.mark.parametrize("pitr", ["local"], indirect=True)
def test_a_moment_before_the_first_base_backup_is_refused(
    pitr: tuple[str, ArchivedCluster, BackupSetup],
) -> None:
    _, cluster, setup = pitr
    result = setup.run("restore", "--to", "2001-01-01 00:00:00+00", "--yes")
    assert result.returncode == 1, result.stderr
    assert "error [no_base_backup]" in result.stderr, result.stderr
    assert counts(cluster) == (0, 0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "2026-12-05 10:31:00"], "--to needs a MOMENT with its zone"),
        (["--to", "yesterday"], "--to needs a MOMENT with its zone"),
        (["--to-point", "a b"], "--to-point needs a restore point NAME"),
        (["latest", "--to", "2026-12-05 10:31:00+00"], "give a SNAPSHOT or a moment, not both"),
    ],
)
def test_a_moment_without_a_zone_or_beside_a_snapshot_is_a_usage_error(
    backup_projects: dict[str, Path], tmp_path: Path, arguments: list[str], message: str
) -> None:
    setup = BackupSetup(
        project=backup_projects["local"], database_url="", repository="", work=tmp_path
    )
    result = setup.run("restore", *arguments)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr, result.stderr


class AckedWriter(Writer):
    """A Writer that notes when each row's commit was acknowledged, by id."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.acknowledged: dict[int, float] = {}

    def _write(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.is_set():
                try:
                    row = conn.execute("INSERT INTO orders DEFAULT VALUES RETURNING id").fetchone()
                except psycopg.OperationalError:
                    return  # the server is gone: what was acknowledged is the record
                assert row
                self.acknowledged[int(row[0])] = time.monotonic()
                time.sleep(0.005)


# What a crash loses is what was not archived yet: at most archive_timeout (60 s, as on the
# server) of writes. The writes run past one timeout so that the loss is the timeout's doing,
# not everything since the base backup.
WRITE_SECONDS = 70


@pytest.mark.parametrize("pitr", ["local"], indirect=True)
def test_a_lost_server_is_rebuilt_from_the_archive_losing_under_a_minute_of_writes(
    pitr: tuple[str, ArchivedCluster, BackupSetup],
) -> None:
    _, cluster, _ = pitr
    with AckedWriter(cluster.url(DATABASE)) as writer:
        time.sleep(WRITE_SECONDS)
        cluster.crash()  # mid-write: the server is gone, its disk with it
    shutil.rmtree(cluster.data)

    # The runbook's rebuild: pgBackRest restores the newest base backup into the new, empty
    # data directory and PostgreSQL replays the archived WAL to its end.
    started = time.monotonic()
    restored = cluster.run("pgbackrest", "restore")
    assert restored.returncode == 0, restored.stderr
    cluster.start()
    deadline = time.monotonic() + 120
    while cluster.sql("SELECT pg_is_in_recovery()") != [(False,)]:
        assert time.monotonic() < deadline, cluster.log()[-3000:]
        time.sleep(0.5)
    rebuilt = time.monotonic() - started

    rows, newest = counts(cluster)
    acknowledged = max(writer.acknowledged)
    assert rows == newest, "rows missing in the middle of what was restored"
    assert newest <= acknowledged
    lost = acknowledged - newest
    lost_seconds = writer.acknowledged[acknowledged] - writer.acknowledged.get(newest, 0.0)
    record(
        f"PITR crash: server lost after {WRITE_SECONDS} s of writes; {lost} of {acknowledged}"
        f" acknowledged rows lost, the last {lost_seconds:.1f} s of writes (RPO goal 60 s,"
        f" archive_timeout); rebuilt from the archive in {rebuilt:.1f} s"
    )
    assert newest in writer.acknowledged, "not even the first minute was archived"
    assert lost_seconds <= 65, f"lost {lost_seconds:.1f} s of writes"
