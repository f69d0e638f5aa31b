"""Every long-running service of the production stack has a memory limit and a reservation
no larger: Swarm places a task only on a node with its reservation unreserved, so a node with
several services (or several nodes' tasks moved onto it by a drain) is never packed past
what they need, and the limit caps what one may take.

One-off services (replicas 0, run by scripts/deploy) reserve nothing while they do not run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import RenderedProject
from tests.render.problems import problems_by_answer_set, report
from tests.report import record

UNITS = {"K": 2**10, "M": 2**20, "G": 2**30}


def size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([KMG])", str(value))
    assert match, f"not a size: {value!r}"
    return int(match[1]) * UNITS[match[2]]


def resource_problems(stack: dict[str, Any]) -> list[str]:
    problems = []
    for name, service in stack["services"].items():
        deploy = service.get("deploy", {})
        if deploy.get("replicas") == 0:
            continue
        resources = deploy.get("resources", {})
        limit = resources.get("limits", {}).get("memory")
        reservation = resources.get("reservations", {}).get("memory")
        if not limit or not reservation:
            problems.append(f"{name}: memory limit {limit}, reservation {reservation}")
        elif size(reservation) > size(limit):
            problems.append(f"{name}: reserves {reservation}, more than its limit {limit}")
    return problems


def production_stack(project: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((project / "compose.prod.yaml").read_text()))


def test_the_check_names_a_service_without_a_reservation() -> None:
    stack = {
        "services": {
            "api": {"deploy": {"resources": {"limits": {"memory": "512M"}}}},
            "web": {"deploy": {"resources": {"limits": {"memory": "64M"},
                                             "reservations": {"memory": "1G"}}}},
            "migrate": {"deploy": {"replicas": 0}},
        }
    }  # fmt: skip
    assert resource_problems(stack) == [
        "api: memory limit 512M, reservation None",
        "web: reserves 1G, more than its limit 64M",
    ]


def test_every_long_running_service_reserves_memory(
    rendered_matrix: list[RenderedProject],
) -> None:
    problems = problems_by_answer_set(
        rendered_matrix, lambda path: resource_problems(production_stack(path))
    )
    services = {
        name
        for project in rendered_matrix
        for name, spec in production_stack(project.path)["services"].items()
        if spec["deploy"].get("replicas") != 0
    }
    record(
        f"render: memory limits and reservations of {len(services)} long-running services of "
        f"compose.prod.yaml in {len(rendered_matrix)} answer sets ({', '.join(sorted(services))})"
    )
    assert not problems, report(problems)
