"""Loki and Alloy configuration (neither can run here: checked as far as a parser allows)."""

from __future__ import annotations

from pathlib import Path

from tests.monitoring.alloy_components import component_problems
from tests.monitoring.alloy_syntax import Config, parse
from tests.monitoring.projects import load_yaml, monitoring_dir

LOKI_SECTIONS = {
    "auth_enabled",
    "server",
    "common",
    "schema_config",
    "limits_config",
    "compactor",
    "query_range",
    "analytics",
    "ingester",
    "querier",
    "ruler",
    "storage_config",
}


def alloy_config(project: Path) -> Config:
    return parse((monitoring_dir(project) / "alloy" / "config.alloy").read_text())


def test_alloy_config_parses_and_uses_known_arguments(monitored_project: Path) -> None:
    config = alloy_config(monitored_project)
    problems = [problem for block in config.components for problem in component_problems(block)]
    assert not problems, "\n".join(problems)


def test_alloy_references_name_defined_components(monitored_project: Path) -> None:
    config = alloy_config(monitored_project)
    defined = {f"{block.name}.{block.label}" for block in config.components}
    dangling = [
        reference
        for reference in config.references
        if not any(reference.startswith(f"{name}.") for name in defined)
    ]
    assert not dangling, f"references to components not defined: {dangling}"


def test_request_id_is_structured_metadata_not_a_label(monitored_project: Path) -> None:
    process = next(
        b for b in alloy_config(monitored_project).components if b.name == "loki.process"
    )
    stages = {stage.name: stage.attributes for stage in process.blocks}
    assert '"requestId"' in str(stages["stage.json"]["expressions"])
    assert "requestId" in str(stages["stage.structured_metadata"]["values"])
    assert "requestId" not in str(stages.get("stage.labels", {}).get("values", {}))


def test_logs_carry_service_and_environment_labels(monitored_project: Path) -> None:
    config = alloy_config(monitored_project)
    source = next(b for b in config.components if b.name == "loki.source.docker")
    relabel = next(b for b in config.components if b.name == "discovery.relabel")
    assert "environment" in str(source.attributes["labels"])
    targets = [str(rule.attributes.get("target_label")) for rule in relabel.blocks]
    assert '"service"' in targets


def test_loki_config_keeps_logs_for_a_bounded_time(monitored_project: Path) -> None:
    loki = load_yaml(monitoring_dir(monitored_project) / "loki" / "loki.yml")
    assert set(loki) <= LOKI_SECTIONS, f"unknown sections: {set(loki) - LOKI_SECTIONS}"
    assert loki["limits_config"]["retention_period"].endswith("h")
    # Retention only deletes when the compactor is told to, with a store for delete requests.
    assert loki["compactor"]["retention_enabled"] is True
    assert loki["compactor"]["delete_request_store"] == "filesystem"
    # Structured metadata (requestId) needs the v13 schema on TSDB.
    schema = loki["schema_config"]["configs"][-1]
    assert (schema["schema"], schema["store"]) == ("v13", "tsdb")
    assert loki["limits_config"]["allow_structured_metadata"] is True
