"""The restore drill's point-in-time part: on a real PostgreSQL archiving its WAL with the real
pgBackRest (local target), scripts/restore-drill writes a marker, waits for its WAL to be
archived, restores the cluster to just after it and to just before it into a scratch instance,
and finds it in the first and not in the second. It fails with its cause when there is no base
backup, and when a restore does not stop at the moment asked for; without PGBACKREST_STANZA it
is skipped. The dump part runs either way and keeps its own metrics.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.backups.archived_cluster import (
    ArchivedCluster,
    as_account,
    give_to_account,
    owned_folder,
)
from tests.backups.pinned_pgbackrest import pgbackrest_folder
from tests.backups.project_scripts import BackupSetup, failure_cause
from tests.harness import prometheus_text
from tests.report import record

DATABASE = "shop"
PASSED = re.compile(
    r"PITR drill passed: marker found after (?P<after>[^,]+), absent before (?P<before>.+)"
    r" \((?P<seconds>\d+)s\)"
)


@pytest.fixture(scope="module")
def archived(
    backup_projects: dict[str, Path],
    empty_repository: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ArchivedCluster, BackupSetup]]:
    """One cluster for the module (its base backup and first archive cost the most): a shop
    database with a dump in restic, so the drill's dump part passes, and a full base backup."""
    work = owned_folder(tmp_path_factory.mktemp("pitr-drill") / "work")
    repository = {"PGBACKREST_REPO1_PATH": str(owned_folder(work / "pgbackrest"))}
    cluster = ArchivedCluster(work / "cluster", backup_projects["local"], "drill", repository)
    cluster.start()
    try:
        cluster.sql(f"CREATE DATABASE {DATABASE}")
        cluster.sql("CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric)", DATABASE)
        cluster.sql("INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g", DATABASE)
        restic = give_to_account(Path(shutil.copytree(empty_repository, work / "restic")))
        setup = cluster.backup_setup(DATABASE, restic, work)
        setup.succeed("backup")
        setup.succeed("base-backup")
        yield cluster, setup
    finally:
        cluster.stop()


def fresh(setup: BackupSetup, name: str) -> BackupSetup:
    """The same settings with a metrics directory and TMPDIR of the test's own."""
    return dataclasses.replace(setup, work=owned_folder(setup.work.parent / name))


def pitr_metric(setup: BackupSetup, name: str, **labels: str) -> float:
    return setup.metric("backup_pitr_drill.prom", f"backup_pitr_drill_{name}", **labels)


def leftovers(setup: BackupSetup) -> list[str]:
    """What a drill could leave behind: its work directory (the restored cluster is in it),
    and a scratch instance still running from it."""
    left = [path.name for path in setup.work.glob("backup.*")]
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    left += [line for line in processes.stdout.splitlines() if f"{setup.work}/backup." in line]
    return left


def test_drill_finds_the_marker_after_its_moment_and_not_before(
    archived: tuple[ArchivedCluster, BackupSetup],
) -> None:
    cluster, shared = archived
    setup = fresh(shared, "passes")

    result = setup.succeed("restore-drill")

    passed = PASSED.search(result.stderr)
    assert passed, result.stderr
    record(
        f"PITR drill: marker found after {passed['after']}, absent before {passed['before']}"
        f" ({passed['seconds']} s: two restores into a scratch instance)"
    )
    # The marker is on the live server, in the drill's own database, between the two moments.
    [(written_at,)] = cluster.sql(
        "SELECT written_at FROM pitr_markers WHERE step = 'marker'"
        " ORDER BY written_at DESC LIMIT 1",
        "backup_drill",
    )
    before, after = (datetime.fromisoformat(passed[name]) for name in ("before", "after"))
    assert isinstance(written_at, datetime)
    assert before < written_at < after, (before, written_at, after)
    assert cluster.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'pitr_markers'",
        DATABASE,
    ) == [(0,)], "the marker table is in the app's database"
    assert pitr_metric(setup, "configured", stanza="drill") == 1
    assert pitr_metric(setup, "last_run_success", stanza="drill") == 1
    assert pitr_metric(setup, "last_run_cause_info", stanza="drill", cause="none") == 1
    assert pitr_metric(setup, "last_success_timestamp_seconds", stanza="drill") > 0
    assert pitr_metric(setup, "last_run_duration_seconds", stanza="drill") >= 0
    # A configured run's file passes promtool too (test_metrics_files sees a skipped one).
    lint = subprocess.run(
        ["promtool", "check", "metrics"],
        input=(setup.metrics_dir / "backup_pitr_drill.prom").read_text(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert setup.metric("backup_restore_drill.prom", "backup_restore_drill_last_run_success") == 1
    assert leftovers(setup) == []


def test_drill_fails_naming_the_cause_without_a_base_backup(
    archived: tuple[ArchivedCluster, BackupSetup],
) -> None:
    cluster, shared = archived
    setup = fresh(shared, "no-base-backup")
    # A repository of its own for the same stanza, made but never backed up into: the archive
    # is set up, no base backup is in it (the cluster goes on archiving into the first one).
    empty = str(owned_folder(setup.work / "empty-pgbackrest"))
    made = subprocess.run(
        as_account(["pgbackrest", "stanza-create"]),
        env={
            **os.environ,
            **cluster.pgbackrest_env,
            "PATH": cluster.path,
            "PGBACKREST_REPO1_PATH": empty,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr

    result = setup.run("restore-drill", PGBACKREST_REPO1_PATH=empty)

    assert result.returncode == 1, result.stderr
    assert failure_cause(result) == "no_base_backup"
    assert "the WAL archive holds no base backup yet" in result.stderr
    assert pitr_metric(setup, "last_run_success", stanza="drill") == 0
    assert pitr_metric(setup, "last_run_cause_info", stanza="drill", cause="no_base_backup") == 1
    assert pitr_metric(setup, "last_success_timestamp_seconds", stanza="drill") == 0
    # The dump part still ran, and its metrics tell its own result.
    assert "drill passed: 1 tables match the manifest" in result.stderr, result.stderr
    assert setup.metric("backup_restore_drill.prom", "backup_restore_drill_last_run_success") == 1
    assert leftovers(setup) == []


IGNORES_THE_MOMENT = """#!/bin/bash
# pgBackRest whose restores ignore the moment asked for: they replay the whole archive.
args=()
for arg in "$@"; do
  case "$arg" in
    --type=time | --target=* | --target-action=*) ;;
    *) args+=("$arg") ;;
  esac
done
exec {pinned} "${{args[@]}}"
"""


def test_drill_fails_when_a_restore_goes_past_the_moment(
    archived: tuple[ArchivedCluster, BackupSetup],
) -> None:
    _, shared = archived
    setup = fresh(shared, "overshoot")
    wrapper = owned_folder(setup.work / "bin")
    pinned = pgbackrest_folder() / "pgbackrest"
    (wrapper / "pgbackrest").write_text(IGNORES_THE_MOMENT.format(pinned=pinned))
    (wrapper / "pgbackrest").chmod(0o755)

    result = setup.run("restore-drill", PATH=f"{wrapper}:{shared.extra['PATH']}")

    assert result.returncode == 1, result.stderr
    assert failure_cause(result) == "pitr_overshot", result.stderr
    assert "holds the row committed after that moment" in result.stderr
    assert pitr_metric(setup, "last_run_success", stanza="drill") == 0
    assert pitr_metric(setup, "last_run_cause_info", stanza="drill", cause="pitr_overshot") == 1
    assert leftovers(setup) == []


def test_drill_skips_its_point_in_time_part_without_a_stanza(
    archived: tuple[ArchivedCluster, BackupSetup],
) -> None:
    _, shared = archived
    setup = fresh(shared, "skipped")

    result = setup.succeed("restore-drill", PGBACKREST_STANZA="")

    assert "PITR drill skipped: PGBACKREST_STANZA is not set" in result.stderr
    samples, _ = prometheus_text.parse((setup.metrics_dir / "backup_pitr_drill.prom").read_text())
    assert [(sample.name, sample.value) for sample in samples] == [
        ("backup_pitr_drill_configured", 0)
    ]
