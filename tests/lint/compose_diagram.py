"""Hold the container diagrams of docs/containers-and-edge.md to the compose files.

The pictures follow a few rules (written beside them in the template) that make them
checkable: every compose service is a node whose id is its name with `_` for `-`; every other
node is in the class `outside`; an arrow between two services is labelled with a network both
are on (`backend: pg_dump`) or a named volume both mount (`volume backup-metrics: ...`).
So a service added to a compose file, or moved to another network, without the picture
following, fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

COMPOSE_FILES = ("compose.prod.yaml", "compose.monitoring.yaml", "compose.backup.yaml")

NODE = re.compile(r"^(\w+)\s*[\[({]")
EDGE = re.compile(r'^(\w+)\s*(?:-->|-\.->|==>|---)\s*(?:\|"?([^|"]*)"?\|)?\s*(\w+)$')
CLASS = re.compile(r"^class\s+([\w,]+)\s+(\w+)$")
IGNORED = re.compile(r"^(flowchart|graph)\s|^subgraph\s|^end$|^classDef\s|^%%|^direction\s")


@dataclass
class Service:
    networks: set[str] = field(default_factory=set)
    volumes: set[str] = field(default_factory=set)


@dataclass
class Flowchart:
    nodes: set[str] = field(default_factory=set)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    classes: dict[str, set[str]] = field(default_factory=dict)
    not_understood: list[str] = field(default_factory=list)


def compose_services(project: Path) -> dict[str, Service]:
    """Every service of the project's server compose files, with the networks it joins and
    the named volumes it mounts, merged over the files as `docker compose -f ... -f` does."""
    services: dict[str, Service] = {}
    for name in COMPOSE_FILES:
        path = project / name
        if not path.is_file():
            continue
        document: dict[str, Any] = yaml.safe_load(path.read_text())
        for service_name, spec in (document.get("services") or {}).items():
            service = services.setdefault(service_name, Service())
            networks = spec.get("networks") or []
            service.networks.update(networks if isinstance(networks, list) else networks.keys())
            for volume in spec.get("volumes") or []:
                source = (
                    volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
                )
                if not source.startswith(("/", ".", "$")):
                    service.volumes.add(source)
    return services


def parse_flowchart(text: str) -> Flowchart:
    chart = Flowchart()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or IGNORED.match(line):
            continue
        if edge := EDGE.match(line):
            source, label, target = edge.group(1), edge.group(2) or "", edge.group(3)
            chart.nodes.update({source, target})
            chart.edges.append((source, label, target))
        elif node := NODE.match(line):
            chart.nodes.add(node.group(1))
        elif klass := CLASS.match(line):
            chart.classes.setdefault(klass.group(2), set()).update(klass.group(1).split(","))
        else:
            chart.not_understood.append(line)
    return chart


def diagram_problems(charts: list[Flowchart], services: dict[str, Service]) -> list[str]:
    """What the flowcharts of one document get wrong about the compose services."""
    problems = []
    drawn: set[str] = set()
    for chart in charts:
        problems += [f"line not understood: {line}" for line in chart.not_understood]
        outside = chart.classes.get("outside", set())
        for node in sorted(chart.nodes):
            name = node.replace("_", "-")
            if name in services:
                drawn.add(name)
            elif node not in outside:
                problems.append(f"node {node} is no compose service and not in class outside")
        for source, label, target in chart.edges:
            ends = [source.replace("_", "-"), target.replace("_", "-")]
            if not all(end in services for end in ends):
                continue
            word = label.split(":", 1)[0].strip()
            first, second = services[ends[0]], services[ends[1]]
            if word.startswith("volume "):
                volume = word.removeprefix("volume ")
                if volume not in first.volumes & second.volumes:
                    problems.append(f"{source} -> {target}: both do not mount volume {volume}")
            elif word not in first.networks & second.networks:
                shared = sorted(first.networks & second.networks) or "none"
                problems.append(
                    f"{source} -> {target}: labelled {word!r}, but the networks they share "
                    f"are {shared}"
                )
    if missing := sorted(set(services) - drawn):
        problems.append(f"compose services missing from the pictures: {missing}")
    return problems
