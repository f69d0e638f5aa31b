"""The deploy layer's fixtures: one generated project, its releases, and its server stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.server import DeployServer, prepare
from tests.docker.acme_ca import AcmeCa, running_acme_ca
from tests.docker.engine import start_engine, timed
from tests.docker.stacks import STACKS
from tests.docker.stacks import answers as answers_for
from tests.docker.swarm import ensure_swarm
from tests.harness.ports import free_ports
from tests.rendering import render

STACK_NAMES = [stack.name for stack in STACKS]


@pytest.fixture(scope="module")
def ports() -> tuple[int, int]:
    http_port, https_port = free_ports(2)
    return http_port, https_port


@pytest.fixture(scope="module")
def acme_ca(tmp_path_factory: pytest.TempPathFactory, ports: tuple[int, int]) -> Iterator[AcmeCa]:
    with running_acme_ca(tmp_path_factory.mktemp("pebble"), *ports) as ca:
        yield ca


# One server per stack; pytest runs every test of the module for one stack, then the other.
@pytest.fixture(scope="module", params=STACK_NAMES)
def server(
    request: pytest.FixtureRequest,
    template_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
    acme_ca: AcmeCa,
    ports: tuple[int, int],
) -> Iterator[DeployServer]:
    with timed("start of the Docker engine"):
        start_engine()
        ensure_swarm()
    answers = answers_for(f"Deploy Check {request.param}", request.param)
    project = render(template_repo, tmp_path_factory.mktemp("deploy") / "project", answers)
    prepared = prepare(request.param, project, acme_ca, *ports)
    try:
        yield prepared
    finally:
        prepared.down()
