"""Alloy and cAdvisor find a stack's containers by the labels a real Swarm puts on them.

Neither can run here, so their settings are evaluated against a task container of a one-node
Swarm: the container filter of Alloy's Docker discovery (as the Docker API applies it) and
its relabel rule that names each log stream's service, and the container labels cAdvisor
keeps for the ContainerRestarting rule. Since the move to Swarm the filter named a Compose
label that task containers do not carry, so Alloy collected no log at all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.docker.engine import docker
from tests.docker.standins import base_image
from tests.docker.swarm import Stack
from tests.monitoring.alloy_syntax import Block, parse, string_value
from tests.monitoring.projects import load_yaml, monitoring_dir
from tests.rendering import render

# Named as scripts/deploy names a stack: after COMPOSE_PROJECT_NAME.
STACK = Stack("labels-check")
SERVICE = "api"
# How Alloy and Prometheus turn a Docker label into a label name.
INVALID_IN_LABEL_NAMES = re.compile(r"[^a-zA-Z0-9_]")


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    answers = {"use_monitoring": True}
    return render(template_repo, tmp_path_factory.mktemp("labels") / "project", answers)


@pytest.fixture(scope="module")
def task_container(tmp_path_factory: pytest.TempPathFactory, docker_engine: None) -> Iterator[str]:
    """The container of a one-task service of the stack."""
    stack_file = tmp_path_factory.mktemp("labels-stack") / "stack.yaml"
    service = {"image": base_image(), "command": ["sleep", "600"]}
    stack_file.write_text(yaml.safe_dump({"version": "3.8", "services": {SERVICE: service}}))
    docker("stack", "deploy", "--compose-file", str(stack_file), STACK.name)
    try:
        deadline = time.monotonic() + 60
        while not STACK.containers(SERVICE):
            assert time.monotonic() < deadline, f"{STACK.service(SERVICE)} never started"
            time.sleep(1)
        yield STACK.container(SERVICE)
    finally:
        STACK.remove()


def container_labels(container: str) -> dict[str, str]:
    labels: dict[str, str] = json.loads(
        docker("inspect", "--format", "{{json .Config.Labels}}", container)
    )
    return labels


def alloy_component(project: Path, name: str) -> Block:
    config = parse((monitoring_dir(project) / "alloy" / "config.alloy").read_text())
    return next(block for block in config.components if block.name == name)


def test_alloy_collects_the_stacks_containers(project: Path, task_container: str) -> None:
    env = {"COMPOSE_PROJECT_NAME": STACK.name}
    filters = alloy_component(project, "discovery.docker").blocks
    assert filters, "Alloy's Docker discovery has no filter: it would read every container"
    for block in filters:
        assert block.name == "filter"
        name = string_value(block.attributes["name"], env)
        values = block.attributes["values"]
        assert isinstance(values, list)
        for value in values:
            matched = docker("ps", "--quiet", "--filter", f"{name}={string_value(value, env)}")
            assert task_container in matched.split(), (
                f"Alloy's filter {name}={string_value(value, env)} leaves out the stack's "
                f"containers (labels: {container_labels(task_container)})"
            )


def test_alloy_labels_each_stream_with_its_service(project: Path, task_container: str) -> None:
    env = {"COMPOSE_PROJECT_NAME": STACK.name}
    meta = {
        "__meta_docker_container_label_" + INVALID_IN_LABEL_NAMES.sub("_", key): value
        for key, value in container_labels(task_container).items()
    }
    (rule,) = [
        block
        for block in alloy_component(project, "discovery.relabel").blocks
        if string_value(block.attributes["target_label"], env) == "service"
    ]
    sources = rule.attributes["source_labels"]
    assert isinstance(sources, list)
    names = [string_value(source, env) for source in sources]
    missing = [name for name in names if name not in meta]
    assert not missing, f"task containers have no {missing}; they have {sorted(meta)}"
    joined = ";".join(meta[name] for name in names)
    regex = string_value(rule.attributes.get("regex", '"(.*)"'), env)
    match = re.fullmatch(regex, joined)
    assert match, f"{regex!r} does not match {joined!r}: the stream would get no service label"
    assert match.expand(r"\1") == SERVICE


def test_cadvisor_keeps_the_labels_the_restart_alert_counts_by(
    project: Path, task_container: str
) -> None:
    cadvisor = load_yaml(project / "compose.monitoring.yaml")["services"]["cadvisor"]
    (option,) = [
        arg for arg in cadvisor["command"] if arg.startswith("--whitelisted_container_labels=")
    ]
    kept = option.split("=", 1)[1].split(",")
    labels = container_labels(task_container)
    assert [key for key in kept if key not in labels] == [], (
        f"task containers carry {sorted(labels)}"
    )
    rules = (monitoring_dir(project) / "prometheus" / "rules" / "containers.yml").read_text()
    by = re.findall(r"count by \((\w+)\)", rules)
    assert by, rules
    exported = {"container_label_" + INVALID_IN_LABEL_NAMES.sub("_", key) for key in kept}
    assert set(by) <= exported, f"ContainerRestarting counts by {by}, cAdvisor exports {exported}"
