"""A project generated at v0.3.0 (daily dumps only) moves to the WAL archive through
`copier update`: its dumps stay restorable with the updated scripts, `make env`'s
scripts/init-env (copier's task) adds the archive's passphrase and changes no existing value,
and the archive starts with the first base backup the updated scripts take (the backup job
takes it when it starts: infra/backup/run-schedule, `base-backup --if-none`).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.backups import seed_data
from tests.backups.archived_cluster import ArchivedCluster, owned_folder
from tests.backups.project_scripts import BackupSetup, init_repository
from tests.harness import postgres
from tests.report import record
from tests.update.project import copy_at, update

FROM_RELEASE = "v0.3.0"
ANSWERS = {
    "project_name": "Archive Update",
    "api_stack": "fastapi",
    "use_auth": False,
    "use_cache": False,
    "use_monitoring": False,
    "use_sentry": False,
    "use_iac": False,
    "environments": ["production"],
    "use_backups": True,
    "backup_target": "local",
}


def env_values(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", path.read_text(), re.MULTILINE))


def test_update_keeps_dumps_restorable_and_starts_the_archive_at_the_first_base_backup(
    template_with_history: Path, tmp_path: Path
) -> None:
    project = copy_at(template_with_history, FROM_RELEASE, tmp_path / "project", ANSWERS)
    assert not (project / "infra/postgres/pgbackrest.conf").exists()
    postgres.ensure_server()
    database = postgres.create_database("upd_wal")
    try:
        seed_data.seed(database)
        dumped = seed_data.contents(database)
        dumps = BackupSetup(project, database, str(init_repository(tmp_path / "restic")), tmp_path)
        dumps.succeed("backup")
        before = env_values(project / "env" / "production.env")

        update(project)

        after = env_values(project / "env" / "production.env")
        assert {name: after[name] for name in before} == before
        assert re.fullmatch(r"[0-9a-f]{64}", after.get("PGBACKREST_REPO1_CIPHER_PASS", "")), after
        # The v0.3.0 dump, restored by the updated scripts beside the live database (changed
        # since), holds exactly what was dumped.
        seed_data.change(database)
        copy = f"{database.rsplit('/', 1)[1]}_from_dump"
        dumps.succeed("restore", "latest", "--into", copy)
        restored = database.rsplit("/", 1)[0] + "/" + copy
        try:
            assert seed_data.contents(restored) == dumped
        finally:
            postgres.drop_database(restored)
    finally:
        postgres.drop_database(database)

    # The server's PostgreSQL restarted with archiving on (the next deploy), then the backup
    # job's first run: the archive starts with a full base backup, and only once.
    work = owned_folder(tmp_path / "work")
    repository = {"PGBACKREST_REPO1_PATH": str(owned_folder(work / "pgbackrest"))}
    cluster = ArchivedCluster(work / "cluster", project, "archive-update", repository)
    cluster.start()
    try:
        setup = cluster.backup_setup("postgres", tmp_path / "restic", work)
        first = setup.succeed("base-backup", "--if-none")
        assert "no full backup in the repository yet: taking a full one" in first.stderr
        second = setup.succeed("base-backup", "--if-none")
        assert "already holds a base backup: nothing to do" in second.stderr
    finally:
        cluster.stop()
    record(
        f"update {FROM_RELEASE} -> WAL archive: dump restorable by the updated scripts,"
        " passphrase added by make env, first base backup taken once"
    )
