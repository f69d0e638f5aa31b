"""What the generated project's backups cost, against plain pg_dump/pg_restore of the same data.

A pgbench database of about 1 GB (scale 70) on the services' PostgreSQL; measured side by
side in one run:
- backup:  `pg_dump -Fc` to a file  vs  `scripts/backup` (pg_dump streamed into restic,
           encrypted and compressed, plus the manifest read from the same snapshot);
- restore: `pg_restore` of that file  vs  `scripts/restore --into` (restic dump | pg_restore);
- drill:   `scripts/restore-drill` (restore plus a checksum of every row), for scale;
- deduplication: repository size after a second backup, 100 pgbench transactions later
  (retention off for it, so pruning does not hide the growth), against a second plain dump.

Run from the repository root (PostgreSQL must run: `bash scripts/services start postgres`):
  .venv/bin/python -m benchmarks.backup_restore [--scale 70]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.backups.project_scripts import BackupSetup
from tests.harness import postgres
from tests.rendering import render
from tests.template_repo import snapshot_working_tree

# pgbench transactions between the two backups: each updates one random account row.
CHANGES = 100
ANSWERS = {
    "project_name": "Backup Benchmark",
    "api_stack": "fastapi",
    "environments": ["production"],
    "use_backups": True,
    "backup_target": "local",
    "use_monitoring": False,
}


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, check=True, capture_output=True, env=env)


def folder_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def database_url(name: str) -> str:
    return postgres.ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def mib(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 is ~1 GB)")
    options = parser.parse_args()
    postgres.ensure_server()
    work = Path(tempfile.mkdtemp(prefix="backup-benchmark-"))
    source = postgres.create_database("bench_backup")
    baseline_copy = postgres.create_database("bench_baseline")
    restored = source.rsplit("/", 1)[1] + "_restored"
    try:
        print(f"pgbench -i -s {options.scale} ...", flush=True)
        run("pgbench", "-i", "-q", "-s", str(options.scale), source)
        project = render(snapshot_working_tree(work / "template"), work / "project", ANSWERS)
        backups = BackupSetup(project, source, str(work / "repository"), work)
        # The repository exists already on a server after its first run: init is not timed.
        backups.restic("init", "--repository-version", "2")

        dump_file = work / "plain.dump"
        plain_dump = timed(lambda: run("pg_dump", "-Fc", "-f", str(dump_file), source))
        plain_restore = timed(
            lambda: run(
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                baseline_copy,
                str(dump_file),
            )
        )
        backup = timed(lambda: backups.succeed("backup"))
        dump_bytes = backups.metric("backup.prom", "backup_last_size_bytes")
        repository_after_first = folder_size(work / "repository")
        restore = timed(lambda: backups.succeed("restore", "--into", restored))
        drill = timed(lambda: backups.succeed("restore-drill"))

        print(f"pgbench: {CHANGES} transactions between the two backups ...", flush=True)
        run("pgbench", "-n", "-c", "2", "-t", str(CHANGES // 2), source)
        second_backup = timed(lambda: backups.succeed("backup", "--no-retention"))
        added = backups.metric("backup.prom", "backup_last_added_bytes")
        repository_after_second = folder_size(work / "repository")
        growth = repository_after_second - repository_after_first
        plain_size = dump_file.stat().st_size
    finally:
        for name in (source, baseline_copy, database_url(restored)):
            postgres.drop_database(name)
        subprocess.run(["rm", "-rf", str(work)], check=False)

    cores = os.cpu_count()
    print(f"\nbackup benchmark: pgbench scale {options.scale}, {cores} cores, restic local repo")
    print(f"  database dump (uncompressed custom format) {mib(dump_bytes)}")
    print(f"  plain pg_dump -Fc file                     {mib(plain_size)}")
    print(f"  backup   pg_dump -Fc {plain_dump:7.1f} s | scripts/backup       {backup:7.1f} s"
          f"  ratio {backup / plain_dump:.2f}")  # fmt: skip
    print(f"  restore  pg_restore  {plain_restore:7.1f} s | scripts/restore      {restore:7.1f} s"
          f"  ratio {restore / plain_restore:.2f}")  # fmt: skip
    print(f"  drill    scripts/restore-drill {drill:.1f} s (restore + row checksums)"
          f"  ratio to pg_restore {drill / plain_restore:.2f}")  # fmt: skip
    print(f"  repository after the first backup          {mib(repository_after_first)}")
    print(f"  second backup, {CHANGES} transactions later: {second_backup:.1f} s;"
          f" new data {mib(added)} of {mib(dump_bytes)} before compression"
          f" ({added / dump_bytes:.0%}: the rest deduplicated)")  # fmt: skip
    print(f"  repository after the second backup         {mib(repository_after_second)}"
          f" (+{mib(growth)}; a second plain dump file adds {mib(plain_size)})")  # fmt: skip


if __name__ == "__main__":
    main()
