"""The WAL archive's retention on the s3 target, where the server may not delete: pgBackRest
archives with the server's credential (infra/backup/s3-server-policy.json, enforced by moto's
IAM behind a real Traefik terminating TLS) and expire-auto=n, as the rendered pgbackrest.conf
says; scripts/backup-prune, run with the prune credential and PGBACKREST_STANZA as the
scheduled workflow runs it, applies the policy (repo1-retention-full=2) with `pgbackrest
expire`. Three full base backups go to two, the oldest one gone, and a moment after the second
still restores; a dry run and the server's credential remove nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.backups.append_only_servers import s3_credentials
from tests.backups.archived_cluster import (
    ArchivedCluster,
    give_to_account,
    owned_folder,
    s3_repository,
)
from tests.backups.loopback_servers import LoopbackS3Server
from tests.backups.project_scripts import BackupSetup, failure_cause
from tests.backups.test_targets import env_value
from tests.report import record

DATABASE = "shop"
# repo1-retention-full of the rendered infra/postgres/pgbackrest.conf.
FULL_BACKUPS_KEPT = 2


@dataclass
class Archive:
    cluster: ArchivedCluster
    # The server's scripts (its credential: adds, never deletes).
    server: BackupSetup
    # What the prune workflow gives scripts/backup-prune: the prune credential, the checkout's
    # pgbackrest.conf by default (PGBACKREST_CONFIG empty), no cluster on that machine.
    prune: dict[str, str]


@pytest.fixture
def archive(
    backup_projects: dict[str, Path], empty_repository: Path, tmp_path: Path
) -> Iterator[Archive]:
    project = backup_projects["s3"]
    # The restic repository's bucket (the policy names it), pgBackRest under its own prefix.
    bucket = env_value(project, "RESTIC_REPOSITORY").rsplit("/", 1)[1]
    work = owned_folder(tmp_path / "work")
    with ExitStack() as cleanup:
        s3 = LoopbackS3Server(tmp_path / "s3", tls=True)
        s3.start()
        cleanup.callback(s3.stop)
        credentials = s3_credentials(s3, bucket, project / "infra/backup/s3-server-policy.json")
        cluster = ArchivedCluster(
            work / "cluster", project, "backup-s3", s3_repository(s3, bucket, credentials["server"])
        )
        cluster.start()
        cleanup.callback(cluster.stop)
        cluster.sql(f"CREATE DATABASE {DATABASE}")
        cluster.sql("CREATE TABLE marks (name text PRIMARY KEY)", DATABASE)
        restic = give_to_account(Path(shutil.copytree(empty_repository, work / "restic")))
        prune = {
            **credentials["prune"],
            "PGBACKREST_CONFIG": "",
            "PGBACKREST_PG1_PATH": "/nonexistent/no-cluster-on-the-runner",
        }
        yield Archive(cluster, cluster.backup_setup(DATABASE, restic, work), prune)


def backup_labels(archive: Archive) -> list[str]:
    return [backup["label"] for backup in repository_info(archive)["backup"]]


def repository_info(archive: Archive) -> dict[str, Any]:
    """`pgbackrest info` of the stanza, read with the server's credential."""
    result = archive.cluster.run("pgbackrest", f"--stanza={archive.cluster.stanza}", "info",
                                 "--output=json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    [stanza] = json.loads(result.stdout)
    assert stanza["status"]["code"] == 0, stanza["status"]
    return dict(stanza)


def three_full_backups(archive: Archive) -> str:
    """Three full base backups, a row marked between the second and the third; the moment
    right after that row (a restore to it needs the second backup and the WAL after it)."""
    archive.server.succeed("base-backup", "--full")
    archive.server.succeed("base-backup", "--full")
    # pgBackRest picks a backup whose stop time, in whole seconds, is before the moment's
    # whole second: a moment in the second the backup stopped would find none.
    time.sleep(1.5)
    archive.cluster.sql("INSERT INTO marks VALUES ('before the moment')", DATABASE)
    [(moment,)] = archive.cluster.sql("SELECT clock_timestamp()::text")
    archive.cluster.sql("INSERT INTO marks VALUES ('after the moment')", DATABASE)
    archive.server.succeed("base-backup", "--full")
    labels = backup_labels(archive)
    assert [label[-1] for label in labels] == ["F", "F", "F"], labels
    return str(moment)


def marks(archive: Archive) -> list[str]:
    rows = archive.cluster.sql("SELECT name FROM marks ORDER BY name", DATABASE)
    return [str(name) for (name,) in rows]


def test_backup_prune_expires_the_wal_archive_with_the_prune_credential(
    archive: Archive,
) -> None:
    moment = three_full_backups(archive)
    labels = backup_labels(archive)
    oldest_wal = repository_info(archive)["archive"][0]["min"]

    dry = archive.server.succeed("backup-prune", "--dry-run", **archive.prune)
    assert backup_labels(archive) == labels, "a dry run removed a base backup"
    assert f"1 would be expired ({labels[0]})" in dry.stderr, dry.stderr
    assert re.search(r"WAL up to [0-9A-F]{24} would be removed; nothing removed", dry.stderr)

    # The server's own credential (its pgbackrest.conf and keys): refused, nothing removed.
    refused = archive.server.run("backup-prune")
    assert refused.returncode == 1, refused.stderr
    assert failure_cause(refused) == "delete_refused", refused.stderr
    assert backup_labels(archive) == labels, "the server's credential removed a base backup"

    pruned = archive.server.succeed("backup-prune", **archive.prune)
    after = repository_info(archive)
    kept = [backup["label"] for backup in after["backup"]]
    assert kept == labels[-FULL_BACKUPS_KEPT:], (labels, kept, pruned.stderr)
    # The WAL only the expired backup needed is gone: the archive starts at the second's.
    assert after["archive"][0]["min"] == after["backup"][0]["archive"]["start"] > oldest_wal
    summary = next(line for line in pruned.stderr.splitlines() if "WAL archive:" in line)
    assert re.search(rf"3 base backups -> 2 base backups \(expired {labels[0]}\)", summary)

    # The kept backups and WAL still restore: to a moment after the second backup.
    archive.cluster.sql("DELETE FROM marks", DATABASE)
    archive.server.succeed("restore", "--to", moment, "--yes")
    assert marks(archive) == ["before the moment"]
    record(
        f"WAL archive retention (s3): {len(labels)} full base backups -> {len(kept)} by"
        f" backup-prune with the prune credential (dry run and the server's credential"
        f" removed none); restore --to a moment after the second still works"
    )


def test_the_wal_archive_is_expired_even_when_restic_retention_fails(archive: Archive) -> None:
    three_full_backups(archive)
    labels = backup_labels(archive)
    result = archive.server.run("backup-prune", RESTIC_PASSWORD="not the password", **archive.prune)
    assert result.returncode == 1, result.stderr
    assert failure_cause(result) == "wrong_password", result.stderr
    assert "the WAL archive's is applied all the same" in result.stderr
    assert backup_labels(archive) == labels[-FULL_BACKUPS_KEPT:], result.stderr
