"""What point-in-time recovery costs, against plain pg_basebackup and today's pg_dump path.

A pgbench database of about 1 GB (scale 70) in a PostgreSQL cluster of its own that archives
its WAL with pgBackRest into a local repository (tests/backups/archived_cluster.py, the
rendered infra/postgres/pgbackrest.conf); measured side by side in one run:
- base backup: `pg_basebackup` (tar, no compression)  vs  `scripts/base-backup --full`
  (pgBackRest: zstd, encrypted, two processes)  vs  `pg_dump -Fc` (the nightly dump);
- restore:     `tar -x` of that base backup  vs  `scripts/restore --to T --into DB` (the
  cluster restored to T in a scratch instance, WAL replayed, the database copied over)
  vs  `pg_restore` of the dump;
- sizes: the base backup, the pgBackRest repository, the dump.

Run from the repository root as root (the cluster runs as the postgres account, which
`bash scripts/services start postgres` creates):
  .venv/bin/python -m benchmarks.pitr [--scale 70]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.backup_restore import folder_size, mib, run, timed
from tests.backups.archived_cluster import (
    ACCOUNT,
    PG_BIN,
    ArchivedCluster,
    give_to_account,
    owned_folder,
)
from tests.rendering import render
from tests.template_repo import snapshot_working_tree

DATABASE = "bench"
ANSWERS = {
    "project_name": "Pitr Benchmark",
    "api_stack": "fastapi",
    "environments": ["production"],
    "use_backups": True,
    "backup_target": "local",
    "use_monitoring": False,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 is ~1 GB)")
    options = parser.parse_args()
    work = owned_folder(Path(tempfile.mkdtemp(prefix="pitr-benchmark-")))
    project = render(snapshot_working_tree(work / "template"), work / "project", ANSWERS)
    repository = owned_folder(work / "pgbackrest")
    cluster = ArchivedCluster(
        work / "cluster", project, "pitr-benchmark", {"PGBACKREST_REPO1_PATH": str(repository)}
    )
    restic = owned_folder(work / "restic")
    setup = cluster.backup_setup(DATABASE, restic, work)
    try:
        cluster.start()
        cluster.sql(f"CREATE DATABASE {DATABASE}")
        print(f"pgbench -i -s {options.scale} ...", flush=True)
        run("pgbench", "-i", "-q", "-s", str(options.scale), cluster.url(DATABASE))
        # restic keeps the repository private to its creator: the scripts run as the account.
        setup.restic("init", "--repository-version", "2")
        give_to_account(restic)
        [(size,)] = cluster.sql("SELECT pg_database_size(current_database())", DATABASE)

        base = work / "basebackup"
        plain_base = timed(
            lambda: run(
                str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(cluster.port),
                "-U", ACCOUNT, "-D", str(base), "-Ft", "-X", "fetch", "--checkpoint=fast",
            )
        )  # fmt: skip
        dump = work / "plain.dump"
        plain_dump = timed(lambda: run("pg_dump", "-Fc", "-f", str(dump), cluster.url(DATABASE)))
        pgbackrest_backup = timed(lambda: setup.succeed("base-backup", "--full"))

        # The moment to restore to: after a few more transactions, which the WAL holds, and
        # clear of the backup's stop time (pgBackRest keeps it in whole seconds).
        time.sleep(2)
        run("pgbench", "-n", "-c", "2", "-t", "50", cluster.url(DATABASE))
        [(moment,)] = cluster.sql("SELECT clock_timestamp()::text")

        extracted = work / "extracted"
        extracted.mkdir()
        plain_extract = timed(
            lambda: run("tar", "-xf", str(base / "base.tar"), "-C", str(extracted))
        )
        cluster.sql(f"CREATE DATABASE {DATABASE}_dump_copy")
        plain_restore = timed(
            lambda: run(
                "pg_restore", "--exit-on-error", "--single-transaction",
                "--dbname", cluster.url(f"{DATABASE}_dump_copy"), str(dump),
            )
        )  # fmt: skip
        pitr_restore = timed(
            lambda: setup.succeed("restore", "--to", str(moment), "--into", f"{DATABASE}_at_t")
        )
        base_size = folder_size(base)
        repository_size = folder_size(repository)
        dump_size = dump.stat().st_size
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\npoint-in-time recovery benchmark: pgbench scale {options.scale},"
        f" database {mib(float(str(size)))}, {os.cpu_count()} cores, local repository"
    )
    print(f"  base backup  pg_basebackup -Ft {plain_base:6.1f} s | scripts/base-backup --full"
          f" {pgbackrest_backup:6.1f} s  ratio {pgbackrest_backup / plain_base:.2f}"
          f" | pg_dump -Fc {plain_dump:6.1f} s")  # fmt: skip
    print(f"  restore      tar -x            {plain_extract:6.1f} s | scripts/restore --to"
          f"       {pitr_restore:6.1f} s  ratio {pitr_restore / plain_extract:.2f}"
          f" | pg_restore  {plain_restore:6.1f} s")  # fmt: skip
    print(f"  sizes        base backup {mib(base_size)} | pgBackRest repository"
          f" {mib(repository_size)} (with the WAL) | dump {mib(dump_size)}")  # fmt: skip


if __name__ == "__main__":
    main()
