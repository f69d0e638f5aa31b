"""Grafana: provisioned data sources and dashboards fit together (Grafana cannot run here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.monitoring.projects import dashboards, load_yaml, monitoring_dir, panels
from tests.report import record

# What the dashboards show, one file each; backups only where the project has them.
EXPECTED = {
    "api.json",
    "host.json",
    "containers.json",
    "postgres.json",
    "redis.json",
    "traefik.json",
}


def provisioned_datasources(project: Path) -> dict[str, str]:
    """uid -> type of every provisioned data source."""
    path = monitoring_dir(project) / "grafana/provisioning/datasources/datasources.yml"
    return {source["uid"]: source["type"] for source in load_yaml(path)["datasources"]}


def datasource_refs(panel: dict[str, Any]) -> Iterator[Any]:
    yield panel.get("datasource")
    for target in panel.get("targets", []):
        yield target.get("datasource")


def test_each_topic_has_its_dashboard(monitored_project: Path) -> None:
    answers = load_yaml(monitored_project / ".copier-answers.yml")
    expected = EXPECTED | ({"backups.json"} if answers["use_backups"] else set())
    expected |= {"web.json"} if answers["web_frontend"] == "nextjs" else set()
    assert set(dashboards(monitored_project)) == expected


def test_dashboards_have_unique_ids_and_uids(monitored_project: Path) -> None:
    boards = dashboards(monitored_project)
    uids = [board["uid"] for board in boards.values()]
    assert len(uids) == len(set(uids)), uids
    for name, board in boards.items():
        ids = [panel["id"] for panel in panels(board)]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids {sorted(ids)}"
        assert all(panel.get("title") for panel in panels(board)), f"{name}: untitled panel"


def test_every_datasource_reference_is_provisioned(monitored_project: Path) -> None:
    sources = provisioned_datasources(monitored_project)
    problems = []
    references = 0
    for name, board in dashboards(monitored_project).items():
        for panel in panels(board):
            for ref in datasource_refs(panel):
                if ref is None:
                    continue
                references += 1
                if not isinstance(ref, dict) or sources.get(str(ref.get("uid"))) != ref.get("type"):
                    problems.append(f"{name} panel {panel['title']!r}: unknown data source {ref}")
    record(f"monitoring: {references} data source references checked ({monitored_project.name})")
    assert not problems, "\n".join(problems)


def test_dashboard_provider_reads_the_folder_compose_mounts(monitored_project: Path) -> None:
    path = monitoring_dir(monitored_project) / "grafana/provisioning/dashboards/dashboards.yml"
    provider_path = load_yaml(path)["providers"][0]["options"]["path"]
    compose = load_yaml(monitored_project / "compose.monitoring.yaml")
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./infra/monitoring/grafana/dashboards:{provider_path}:ro" in mounts
