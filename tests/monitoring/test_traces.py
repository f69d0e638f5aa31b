"""Tempo and Grafana's links between traces and logs (neither Tempo nor Grafana can run here:
checked as configuration). The API's own traces are tested for real in the contract layer
(tests/contract/test_tracing.py), which also runs the link from a log line to its trace on
real log lines of both stacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.monitoring.projects import load_yaml, monitoring_dir

TEMPO_SECTIONS = {
    "stream_over_http_enabled",
    "server",
    "distributor",
    "ingester",
    "compactor",
    "storage",
    "usage_report",
    "querier",
    "query_frontend",
    "metrics_generator",
    "overrides",
}


def datasources(project: Path) -> dict[str, dict[str, Any]]:
    path = monitoring_dir(project) / "grafana/provisioning/datasources/datasources.yml"
    return {source["uid"]: source for source in load_yaml(path)["datasources"]}


def tempo_config(project: Path) -> dict[str, Any]:
    config: dict[str, Any] = load_yaml(monitoring_dir(project) / "tempo" / "tempo.yml")
    return config


def env_value(project: Path, environment: str, name: str) -> str:
    """NAME's value in an environment's env example (local: the repository's .env.example)."""
    path = project / (
        ".env.example" if environment == "local" else f"env/{environment}.env.example"
    )
    for line in path.read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} missing from {path}")


def test_tempo_config_uses_known_sections_and_bounds_its_data(monitored_project: Path) -> None:
    tempo = tempo_config(monitored_project)
    assert set(tempo) <= TEMPO_SECTIONS, f"unknown sections: {set(tempo) - TEMPO_SECTIONS}"
    assert tempo["compactor"]["compaction"]["block_retention"].endswith("h")
    # Blocks and the write-ahead log on the volume compose mounts, not in the container.
    tempo_service = load_yaml(monitored_project / "compose.monitoring.yaml")["services"]["tempo"]
    volume = next(v for v in tempo_service["volumes"] if str(v).startswith("tempo-data:"))
    mount = str(volume).split(":")[1]
    trace = tempo["storage"]["trace"]
    for path in (trace["wal"]["path"], trace["local"]["path"]):
        assert path.startswith(f"{mount}/"), f"{path} is not on the tempo-data volume ({mount})"


def test_the_servers_send_spans_where_tempo_listens(monitored_project: Path) -> None:
    """Each server environment's OTLP endpoint is Tempo's OTLP/HTTP receiver, on a network
    the API (and the web front end) share with Tempo and with their scraper and prober only."""
    receiver = tempo_config(monitored_project)["distributor"]["receivers"]["otlp"]["protocols"]
    listen = urlsplit(f"//{receiver['http']['endpoint']}")
    assert listen.hostname == "0.0.0.0", "Tempo would listen on its own loopback only"
    answers = load_yaml(monitored_project / ".copier-answers.yml")
    for environment in answers["environments"]:
        endpoint = urlsplit(
            env_value(monitored_project, environment, "OTEL_EXPORTER_OTLP_ENDPOINT")
        )
        assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", "tempo", listen.port)
    services = load_yaml(monitored_project / "compose.monitoring.yaml")["services"]
    senders = {"api", "web"} if answers["web_frontend"] == "nextjs" else {"api"}
    on_telemetry = {name for name, s in services.items() if "telemetry" in s.get("networks", [])}
    # Prometheus and the blackbox exporter reach the senders' tasks there (Swarm's DNS names
    # a service's tasks only on a network shared with it).
    assert on_telemetry == senders | {"tempo", "prometheus", "blackbox-exporter"}
    local = env_value(monitored_project, "local", "OTEL_EXPORTER_OTLP_ENDPOINT")
    assert local == "", "no Tempo runs locally: tracing stays off there"


def test_grafana_links_traces_and_logs_both_ways(monitored_project: Path) -> None:
    sources = datasources(monitored_project)
    tempo, loki = sources["tempo"], sources["loki"]
    port = tempo_config(monitored_project)["server"]["http_listen_port"]
    assert urlsplit(tempo["url"]).port == port
    # Trace -> logs: Loki's lines holding the span's trace id, by the label Alloy sets.
    to_logs = tempo["jsonData"]["tracesToLogsV2"]
    assert sources[to_logs["datasourceUid"]]["type"] == "loki"
    assert "${__span.traceId}" in to_logs["query"].replace("$$", "$")
    assert "{service=" in to_logs["query"]
    assert sources[tempo["jsonData"]["lokiSearch"]["datasourceUid"]]["type"] == "loki"
    # Log -> trace: a derived field on Loki's lines, opening the trace in Tempo.
    (field,) = loki["jsonData"]["derivedFields"]
    assert sources[field["datasourceUid"]]["type"] == "tempo"
    assert field["url"].replace("$$", "$") == "${__value.raw}"
