"""The metrics files parse as Prometheus text, pass promtool, and node-exporter's textfile
collector (the real one) reads them without an error."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.backups import seed_data
from tests.backups.project_scripts import BackupSetup
from tests.harness import prometheus_text
from tests.harness.ports import free_port

# backup_pitr_drill.prom: the drill's point-in-time part, skipped here (no WAL archive), says so.
FILES = (
    "backup.prom",
    "backup_check.prom",
    "backup_restore_drill.prom",
    "backup_pitr_drill.prom",
)


@contextmanager
def node_exporter(textfile_dir: Path, log: Path) -> Iterator[str]:
    port = free_port()
    args = [
        "prometheus-node-exporter",
        "--collector.disable-defaults",
        "--collector.textfile",
        f"--collector.textfile.directory={textfile_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(args, stdout=output, stderr=output)
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "node-exporter did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_metrics_files_are_prometheus_text(local_backups: BackupSetup, tmp_path: Path) -> None:
    seed_data.seed(local_backups.database_url)
    local_backups.succeed("backup")
    local_backups.succeed("backup", "--check")
    local_backups.succeed("restore-drill")
    # A failed run's file must be as valid as a good one's.
    assert local_backups.run("backup", RESTIC_PASSWORD="wrong").returncode == 1

    # Written atomically: nothing but the four files is left in the directory.
    assert sorted(path.name for path in local_backups.metrics_dir.iterdir()) == sorted(FILES)
    for name in FILES:
        text = (local_backups.metrics_dir / name).read_text()
        lint = subprocess.run(
            ["promtool", "check", "metrics"],
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, f"{name}: {lint.stdout}{lint.stderr}"
        samples, types = prometheus_text.parse(text)
        assert samples
        assert all(sample.name.startswith("backup_") for sample in samples)
        assert set(types.values()) == {"gauge"}

    with node_exporter(local_backups.metrics_dir, tmp_path / "node-exporter.log") as url:
        samples, _ = prometheus_text.parse(httpx.get(url, timeout=10).text)
    [scrape_error] = prometheus_text.find(samples, "node_textfile_scrape_error")
    assert scrape_error.value == 0
    database = local_backups.database_url.rsplit("/", 1)[1]
    [backup_ok] = prometheus_text.find(samples, "backup_last_run_success", database=database)
    assert backup_ok.value == 0
    [drill_ok] = prometheus_text.find(samples, "backup_restore_drill_last_run_success")
    assert drill_ok.value == 1
    [check_ok] = prometheus_text.find(samples, "backup_check_last_run_success")
    assert check_ok.value == 1
