"""What each Alloy component used by the project accepts, from the Alloy v1 reference
(grafana.com/docs/alloy/latest/reference/components/): argument names, required ones, blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.monitoring.alloy_syntax import Block


@dataclass(frozen=True)
class Component:
    arguments: frozenset[str]
    required: frozenset[str] = frozenset()
    # block name -> its argument names
    blocks: dict[str, frozenset[str]] = field(default_factory=dict)
    required_blocks: frozenset[str] = frozenset()


RELABEL_RULE = frozenset(
    {"source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"}
)

COMPONENTS = {
    "discovery.docker": Component(
        frozenset({"host", "port", "host_networking_host", "refresh_interval"}),
        frozenset({"host"}),
        {"filter": frozenset({"name", "values"})},
    ),
    "discovery.relabel": Component(
        frozenset({"targets"}), frozenset({"targets"}), {"rule": RELABEL_RULE}
    ),
    "loki.source.docker": Component(
        frozenset({"host", "targets", "forward_to", "labels", "relabel_rules", "refresh_interval"}),
        frozenset({"host", "targets", "forward_to"}),
    ),
    "loki.process": Component(
        frozenset({"forward_to"}),
        frozenset({"forward_to"}),
        {
            "stage.json": frozenset({"expressions", "source", "drop_malformed"}),
            "stage.labels": frozenset({"values"}),
            "stage.structured_metadata": frozenset({"values", "regex"}),
            "stage.drop": frozenset(
                {
                    "source",
                    "separator",
                    "expression",
                    "value",
                    "older_than",
                    "longer_than",
                    "drop_counter_reason",
                }
            ),
        },
    ),
    "loki.write": Component(
        frozenset({"external_labels", "max_streams"}),
        blocks={
            "endpoint": frozenset(
                {
                    "url",
                    "name",
                    "headers",
                    "batch_size",
                    "batch_wait",
                    "tenant_id",
                    "bearer_token",
                    "remote_timeout",
                    "min_backoff_period",
                    "max_backoff_period",
                    "max_backoff_retries",
                }
            )
        },
        required_blocks=frozenset({"endpoint"}),
    ),
}


def component_problems(block: Block) -> list[str]:
    """What is wrong with one top-level component block ([] when nothing)."""
    where = f'{block.name} "{block.label}"'
    spec = COMPONENTS.get(block.name)
    if spec is None:
        return [f"{where}: not a component this check knows (add it to COMPONENTS)"]
    if block.label is None:
        return [f"{block.name}: a component needs a label"]
    problems = [
        f"{where}: unknown argument {name}" for name in block.attributes.keys() - spec.arguments
    ]
    problems += [
        f"{where}: missing argument {name}" for name in spec.required - block.attributes.keys()
    ]
    for inner in block.blocks:
        allowed = spec.blocks.get(inner.name)
        if allowed is None:
            problems.append(f"{where}: unknown block {inner.name}")
            continue
        problems += [
            f"{where}: {inner.name}: unknown argument {name}"
            for name in inner.attributes.keys() - allowed
        ]
    present = {inner.name for inner in block.blocks}
    problems += [f"{where}: missing block {name}" for name in spec.required_blocks - present]
    return problems
