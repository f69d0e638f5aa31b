"""The generated projects the monitoring layer checks: monitoring on, with and without backups.

Two answer sets cover every file the monitoring feature renders (backups add a rule file,
its tests, a dashboard and a runbook; the web front end a rule file, its tests and a
runbook); both stacks render the same monitoring files apart from the API port, so one of
each keeps the port honest (the live test scrapes each stack's API with the config rendered
for that stack).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

MONITORING_ANSWER_SETS: dict[str, dict[str, Any]] = {
    "with-backups": {
        "project_name": "Monitored Shop",
        "github_owner": "Acme-Labs",
        "domain": "shop.example.org",
        "api_stack": "nestjs",
        "environments": ["staging", "production"],
        "use_monitoring": True,
        "use_backups": True,
        "backup_target": "s3",
        # Adds the web front end's probe, alert rule, tests and runbook.
        "web_frontend": "nextjs",
    },
    "without-backups": {
        "project_name": "Monitored Api",
        "github_owner": "acme",
        "domain": "example.net",
        "api_stack": "fastapi",
        "environments": ["production"],
        "use_monitoring": True,
        "use_backups": False,
    },
}

MONITORING_DIR = Path("infra/monitoring")


def monitoring_dir(project: Path) -> Path:
    return project / MONITORING_DIR


def prometheus_dir(project: Path) -> Path:
    """Laid out as the container's /etc/prometheus: prometheus.yml and rules/."""
    return monitoring_dir(project) / "prometheus"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def rule_files(project: Path) -> list[Path]:
    return sorted((prometheus_dir(project) / "rules").glob("*.yml"))


def prometheus_api_switches(project: Path) -> list[str]:
    """The `--web.enable-*` flags compose.monitoring.yaml starts Prometheus with: which of its
    HTTP APIs (lifecycle, admin, remote write) anything on the monitoring network may call."""
    compose = load_yaml(project / "compose.monitoring.yaml")
    command: list[str] = compose["services"]["prometheus"]["command"]
    return [flag for flag in command if flag.startswith("--web.enable-")]


def rule_test_files(project: Path) -> list[Path]:
    return sorted((prometheus_dir(project) / "rules" / "tests").glob("*.test.yml"))


def alert_rules(project: Path) -> list[dict[str, Any]]:
    """Every alerting rule of the project, as written in its rule files."""
    return [
        rule
        for path in rule_files(project)
        for group in load_yaml(path)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def dashboards(project: Path) -> dict[str, dict[str, Any]]:
    folder = monitoring_dir(project) / "grafana" / "dashboards"
    return {path.name: _json(path) for path in sorted(folder.glob("*.json"))}


def _json(path: Path) -> dict[str, Any]:
    value = json.loads(path.read_text())
    assert isinstance(value, dict), f"{path}: a dashboard is a JSON object"
    return value


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel of a dashboard, including those nested in rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])
