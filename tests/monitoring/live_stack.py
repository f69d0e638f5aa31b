"""The monitoring stack of a generated project, run for real on loopback.

Prometheus (with the project's rules), Alertmanager (with its rendered config), and the
targets this machine can run: the generated API and, when the project has one, its web front
end (built and started by the runtime harness),
node-exporter with the backup scripts' textfile metrics, postgres-exporter against the
services' PostgreSQL, redis-exporter against a Redis of its own, blackbox-exporter probing the
API's readiness. Targets that cannot run here (cAdvisor, Traefik) are left out of the
Prometheus config and listed in NOT_RUNNING_HERE.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import yaml

from tests.harness import postgres
from tests.harness.api_process import ApiProcess
from tests.harness.loopback_process import LoopbackProcess
from tests.harness.redis_server import RedisServer
from tests.monitoring.alertmanager_config import render_alertmanager_config
from tests.monitoring.projects import (
    load_yaml,
    monitoring_dir,
    prometheus_api_switches,
    prometheus_dir,
)
from tests.monitoring.tools import binary

# Scrape jobs without a target here, and the metric name prefixes only they provide.
NOT_RUNNING_HERE = {
    "cadvisor": ("container_", "cAdvisor needs the Docker host's cgroups"),
    "traefik": ("traefik_", "Traefik runs in the docker layer, not in this one"),
    "loki": ("loki_", "Loki has no package here, only its image"),
    "tempo": ("tempo_", "Tempo has no package here, only its image"),
}


class LiveStack:
    def __init__(
        self, project: Path, api: ApiProcess, workdir: Path, web: ApiProcess | None = None
    ) -> None:
        self.project = project
        self.api = api
        self.web = web
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.textfile_dir = workdir / "textfile"
        self.redis = RedisServer(workdir / "redis")
        self.processes: dict[str, LoopbackProcess] = {}
        self.skipped_jobs: list[str] = []

    # ---------------------------------------------------------------- lifecycle
    def start(self, heartbeat_url: str) -> None:
        self.textfile_dir.mkdir(parents=True, exist_ok=True)
        self.write_backup_metrics()
        postgres.ensure_server()
        self.redis.start()
        self._run(
            "node-exporter",
            lambda p: [
                f"--web.listen-address={p.address}",
                f"--collector.textfile.directory={self.textfile_dir}",
                # Debian's build enables it; no systemd here, and the image has it off too.
                "--no-collector.systemd",
            ],
        )
        # As on the server: the exporter's own role (pg_monitor), on the API's database.
        roles = self.api.project.roles("api")
        monitor_url = roles.url(roles.monitor, roles.monitor_password)
        self._run(
            "postgres-exporter",
            lambda p: [f"--web.listen-address={p.address}"],
            env={
                "DATA_SOURCE_NAME": f"{monitor_url.replace('postgres://', 'postgresql://')}"
                "?sslmode=disable",
            },
        )
        self._run(
            "redis-exporter",
            lambda p: [
                "-redis.addr",
                f"redis://127.0.0.1:{self.redis.port}",
                "-web.listen-address",
                p.address,
            ],
        )
        self._run(
            "blackbox-exporter",
            lambda p: [
                f"--config.file={monitoring_dir(self.project) / 'blackbox' / 'blackbox.yml'}",
                f"--web.listen-address={p.address}",
            ],
        )
        alertmanager_config = render_alertmanager_config(
            self.project,
            self.workdir / "alertmanager.yml",
            {"ALERT_HEARTBEAT_URL": heartbeat_url, "ALERT_WEBHOOK_URL": heartbeat_url},
        )
        self._run(
            "alertmanager",
            lambda p: [
                f"--config.file={alertmanager_config}",
                f"--storage.path={self.workdir / 'alertmanager-data'}",
                f"--web.listen-address={p.address}",
                "--cluster.listen-address=",
            ],
        )
        prometheus = LoopbackProcess("prometheus", self.logs)
        config = self.workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(self.prometheus_config(prometheus.address)))
        prometheus.start(
            [
                binary("prometheus"),
                f"--config.file={config}",
                f"--storage.tsdb.path={self.workdir / 'prometheus-data'}",
                f"--web.listen-address={prometheus.address}",
                # Prometheus 3 (on the server) does this by default; 2.42 (here) needs the flag.
                "--enable-feature=expand-external-labels",
                # Alertmanager is discovered a few seconds after the first rule evaluation;
                # resend soon rather than after the default minute.
                "--rules.alert.resend-delay=2s",
                # The HTTP APIs the server's Prometheus has on, exactly.
                *prometheus_api_switches(self.project),
            ],
            env={**os.environ, "APP_ENV": "test"},
        )
        self.processes["prometheus"] = prometheus
        self._wait_until_ready(prometheus)

    @staticmethod
    def _wait_until_ready(prometheus: LoopbackProcess, timeout: float = 90) -> None:
        """Prometheus listens before its storage is open and answers 503 until then (longer
        on a busy machine): queries wait for /-/ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://{prometheus.address}/-/ready", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"prometheus not ready within {timeout:.0f} s:\n{prometheus.log_tail()}")

    def _run(self, name: str, args: Any, env: dict[str, str] | None = None) -> None:
        process = LoopbackProcess(name, self.logs)
        process.start([binary(name), *args(process)], env={**os.environ, **(env or {})})
        self.processes[name] = process

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        self.redis.stop()

    # ---------------------------------------------------------------- configuration
    @property
    def has_backups(self) -> bool:
        return any((self.project / "scripts").rglob("*backup-metrics.sh"))

    def write_backup_metrics(self) -> None:
        """A successful backup's, base backup's and restore drills' metrics (backup.prom,
        backup_base.prom, backup_restore_drill.prom, backup_pitr_drill.prom, as scripts/backup,
        base-backup and restore-drill write them), written by the project's own
        backup libraries (add_run_gauges and publish_metrics, wherever under scripts/ they
        live); nothing when the project has no backups."""
        if not self.has_backups:
            return
        common, metrics = (
            next((self.project / "scripts").rglob(f"*backup-{part}.sh"))
            for part in ("common", "metrics")
        )
        script = (
            f'source "{common}"; source "{metrics}"; finished=$(date +%s); '
            "add_run_gauges backup backup.prom 'database=\"app\"' "
            '$((finished - 60)) "$finished" backup; '
            "publish_metrics backup.prom; METRICS_TEXT=; "
            "add_run_gauges backup_base backup_base.prom 'stanza=\"app\"' "
            '$((finished - 60)) "$finished" "base backup"; '
            "publish_metrics backup_base.prom; METRICS_TEXT=; "
            "add_run_gauges backup_restore_drill backup_restore_drill.prom 'database=\"app\"' "
            '$((finished - 60)) "$finished" "restore drill"; '
            "publish_metrics backup_restore_drill.prom; METRICS_TEXT=; "
            "add_run_gauges backup_pitr_drill backup_pitr_drill.prom 'stanza=\"app\"' "
            '$((finished - 60)) "$finished" "point-in-time drill"; '
            "publish_metrics backup_pitr_drill.prom"
        )
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={**os.environ, "BACKUP_METRICS_DIR": str(self.textfile_dir)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, f"writing backup metrics failed:\n{result.stderr}"

    def addresses(self, own_address: str) -> dict[str, str]:
        """Service address in prometheus.yml -> where it listens here."""
        port = self.api.port
        found = {
            "localhost:9090": own_address,
            f"api:{_api_port(self.project)}": f"127.0.0.1:{port}",
        }
        if self.web is not None:
            found[f"web:{_web_port(self.project)}"] = f"127.0.0.1:{self.web.port}"
        service_ports = {
            "node-exporter": 9100,
            "postgres-exporter": 9187,
            "redis-exporter": 9121,
            "blackbox-exporter": 9115,
            "alertmanager": 9093,
        }
        for service, default_port in service_ports.items():
            found[f"{service}:{default_port}"] = self.processes[service].address
        return found

    def prometheus_config(self, own_address: str) -> dict[str, Any]:
        """The project's prometheus.yml pointed at loopback: faster scrapes, same jobs and rules."""
        config: dict[str, Any] = load_yaml(prometheus_dir(self.project) / "prometheus.yml")
        addresses = self.addresses(own_address)

        def here(text: str) -> str | None:
            for original, local in addresses.items():
                if original in text:
                    return text.replace(original, local)
            return None

        config["global"]["scrape_interval"] = "1s"
        config["global"]["evaluation_interval"] = "1s"
        config["rule_files"] = [str(prometheus_dir(self.project) / "rules" / "*.yml")]
        manager = config["alerting"]["alertmanagers"][0]["static_configs"][0]
        manager["targets"] = [here(target) for target in manager["targets"]]
        jobs = []
        for job in config["scrape_configs"]:
            # Tasks found through Swarm's DNS (`tasks.<service>`) are the one process here.
            targets = [here(t) for t in configured_targets(job)]
            job.pop("dns_sd_configs", None)
            if None in targets:
                self.skipped_jobs.append(job["job_name"])
                continue
            job["static_configs"] = [{"targets": targets}]
            for rule in job.get("relabel_configs", []):
                if "replacement" in rule and here(rule["replacement"]):
                    rule["replacement"] = here(rule["replacement"])
            jobs.append(job)
        config["scrape_configs"] = jobs
        return config

    # ---------------------------------------------------------------- queries
    @property
    def prometheus_url(self) -> str:
        return f"http://{self.processes['prometheus'].address}"

    @property
    def alertmanager_url(self) -> str:
        return f"http://{self.processes['alertmanager'].address}"

    def api_get(self, path: str, **params: str) -> Any:
        response = httpx.get(f"{self.prometheus_url}/api/v1/{path}", params=params, timeout=10)
        return response.json()

    def query(self, expr: str) -> dict[str, Any]:
        """The raw answer of an instant query: status, data or errorType/error."""
        response = httpx.get(
            f"{self.prometheus_url}/api/v1/query", params={"query": expr}, timeout=10
        )
        answer: dict[str, Any] = response.json()
        return answer

    def wait_for(self, expr: str, timeout: float = 30) -> list[Any]:
        """Poll until the query returns a non-empty result; the result."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr).get("data", {}).get("result", [])
            if result or time.monotonic() > deadline:
                return list(result)
            time.sleep(0.5)

    def metric_names(self) -> set[str]:
        return set(self.api_get("label/__name__/values")["data"])

    def logs_tail(self) -> str:
        return "\n\n".join(
            f"--- {name} ---\n{p.log_tail(10)}" for name, p in self.processes.items()
        )


def configured_targets(job: dict[str, Any]) -> list[str]:
    """A scrape job's targets as `service:port`: its static ones, and the services whose
    tasks it finds through Swarm's DNS (`tasks.<service>`, type A, one port)."""
    targets = [t for static in job.get("static_configs", []) for t in static["targets"]]
    for lookup in job.get("dns_sd_configs", []):
        assert lookup.get("type") == "A", lookup
        assert "port" in lookup, lookup
        targets += [f"{name.removeprefix('tasks.')}:{lookup['port']}" for name in lookup["names"]]
    return targets


def service_and_port(target: str) -> tuple[str, int]:
    """`api:3000`, or a probe's URL `http://api:3000/...`: ("api", 3000)."""
    url = urlparse(target if "://" in target else f"scrape://{target}")
    assert url.hostname, target
    assert url.port, target
    return url.hostname, url.port


def _job_port(project: Path, job_name: str) -> int:
    config = load_yaml(prometheus_dir(project) / "prometheus.yml")
    job = next(job for job in config["scrape_configs"] if job["job_name"] == job_name)
    return service_and_port(configured_targets(job)[0])[1]


def _api_port(project: Path) -> int:
    return _job_port(project, "api")


def _web_port(project: Path) -> int:
    """The web front end's port, from its health probe's targets."""
    return _job_port(project, "web-health")


def has_web_front_end(project: Path) -> bool:
    return (prometheus_dir(project) / "rules" / "web.yml").exists()
