"""WAL archiving into a repository that cannot be reached, as the real postgres-exporter
reports it: the failure counter the WalArchiveFailing and WalArchiveLagging alerts read
grows, and every PostgreSQL metric the archive alerts read is one the exporter exposes. The
promtool tests of those alerts (rules/tests/backups.test.yml) feed series by these names: a
misspelt name there would pass promtool and never fire on a server.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.backups.archived_cluster import ArchivedCluster, owned_folder
from tests.backups.conftest import backup_answers
from tests.harness import prometheus_text
from tests.harness.loopback_process import LoopbackProcess
from tests.monitoring.projects import alert_rules
from tests.monitoring.promql_names import metric_names
from tests.monitoring.tools import binary
from tests.rendering import render
from tests.report import record

ARCHIVE_ALERTS = ("WalArchiveFailing", "WalArchiveLagging", "BaseBackupTooOld")


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The S3 target with monitoring on: the rendered pgbackrest.conf and alert rules."""
    answers = {**backup_answers("s3"), "use_monitoring": True}
    return render(template_repo, tmp_path_factory.mktemp("archive-failures") / "s3", answers)


@contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port bound but never listened on: connections to it are refused, and while
    it is held no parallel test's server can take it (a freed port may be handed out again)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


def unreachable_s3(port: int) -> dict[str, str]:
    return {
        "PGBACKREST_REPO1_S3_ENDPOINT": "127.0.0.1",
        "PGBACKREST_REPO1_STORAGE_PORT": str(port),
        "PGBACKREST_REPO1_S3_BUCKET": "unreachable",
        "PGBACKREST_REPO1_S3_REGION": "us-east-1",
        "PGBACKREST_REPO1_S3_KEY": "key",
        "PGBACKREST_REPO1_S3_KEY_SECRET": "secret",
        # pgBackRest retries a refused connection until io-timeout (60 s per request: minutes
        # per archive attempt); a tenth of a second keeps each attempt, and this test, short.
        "PGBACKREST_IO_TIMEOUT": "100ms",
    }


def failed_count(cluster: ArchivedCluster) -> int:
    [(failed,)] = cluster.sql("SELECT failed_count FROM pg_stat_archiver")
    return int(str(failed))


def wait_for_failures(cluster: ArchivedCluster, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while (failed := failed_count(cluster)) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    return failed


@contextmanager
def postgres_exporter(cluster: ArchivedCluster, logs: Path) -> Iterator[str]:
    """Debian's prometheus-postgres-exporter on the cluster; its /metrics URL."""
    exporter = LoopbackProcess("postgres-exporter", logs)
    exporter.start(
        [binary("postgres-exporter"), f"--web.listen-address={exporter.address}"],
        env={
            **os.environ,
            "DATA_SOURCE_NAME": f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
            "?sslmode=disable",
        },
    )
    try:
        yield f"http://{exporter.address}/metrics"
    finally:
        exporter.stop()


def scrape(url: str) -> list[prometheus_text.Sample]:
    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    samples, _ = prometheus_text.parse(response.text)
    return samples


def only(samples: list[prometheus_text.Sample], name: str) -> float:
    found = prometheus_text.find(samples, name)
    assert len(found) == 1, (name, found)
    return found[0].value


def test_an_unreachable_repository_raises_the_failure_counter_the_alerts_read(
    project: Path, tmp_path: Path
) -> None:
    work = owned_folder(tmp_path / "work")
    with refusing_port() as port:
        cluster = ArchivedCluster(work / "cluster", project, "backup-s3", unreachable_s3(port))
        cluster.start()
        try:
            # A write, then its segment closed: PostgreSQL hands it to archive_command at once.
            cluster.sql("CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)")
            started = time.monotonic()
            cluster.sql("SELECT pg_switch_wal()")
            failed = wait_for_failures(cluster)
            seconds = time.monotonic() - started
            assert failed > 0, cluster.log()[-3000:]
            # Failed for the reason under test, not a setting of this test's own.
            assert "Connection refused" in cluster.log(), cluster.log()[-3000:]
            with postgres_exporter(cluster, tmp_path / "logs") as url:
                samples = scrape(url)
        finally:
            # Not a clean stop: at shutdown the archiver tries every pending segment again.
            cluster.crash()

    exposed = {sample.name for sample in samples}
    assert only(samples, "pg_stat_archiver_failed_count") >= failed
    assert only(samples, "pg_stat_archiver_archived_count") == 0
    # Never archived: no age (NaN), which no comparison in WalArchiveLagging matches.
    assert math.isnan(only(samples, "pg_stat_archiver_last_archive_age"))

    rules = {rule["alert"]: rule for rule in alert_rules(project)}
    read = {
        name
        for alert in ARCHIVE_ALERTS
        for name in metric_names(rules[alert]["expr"])
        if name.startswith("pg_")
    }
    assert "pg_stat_archiver_failed_count" in read, read
    assert read <= exposed, sorted(read - exposed)
    record(
        f"archive failures: S3 repository refused; archive attempts failed: {failed} in "
        f"{seconds:.1f} s; postgres-exporter reports pg_stat_archiver_failed_count "
        f"{only(samples, 'pg_stat_archiver_failed_count'):g}, and every one of the "
        f"{len(read)} PostgreSQL metrics the archive alerts read: {', '.join(sorted(read))}"
    )
