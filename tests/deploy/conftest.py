"""The deploy layer's fixtures: one generated project, its releases, and its server stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.server import DeployServer, prepare
from tests.docker.acme_ca import AcmeCa, running_acme_ca
from tests.docker.engine import start_engine, timed
from tests.docker.ports import free_port
from tests.rendering import render

ANSWERS = {
    "project_name": "Deploy Check",
    "api_stack": "nestjs",
    "environments": ["production"],
    "domain": "example.org",
}


@pytest.fixture(scope="module")
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture(scope="module")
def acme_ca(tmp_path_factory: pytest.TempPathFactory, ports: tuple[int, int]) -> Iterator[AcmeCa]:
    with running_acme_ca(tmp_path_factory.mktemp("pebble"), *ports) as ca:
        yield ca


@pytest.fixture(scope="module")
def server(
    template_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
    acme_ca: AcmeCa,
    ports: tuple[int, int],
) -> Iterator[DeployServer]:
    with timed("start of the Docker engine"):
        start_engine()
    project = render(template_repo, tmp_path_factory.mktemp("deploy") / "project", ANSWERS)
    prepared = prepare(project, acme_ca, *ports)
    try:
        yield prepared
    finally:
        prepared.down()
