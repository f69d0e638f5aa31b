"""The docker layer's fixtures: one server stack per API stack, each torn down before the next.

`api_stack` is a session-scoped parametrized fixture, so pytest runs every test of the layer
for one stack, tears that stack's fixtures down, then runs them all for the next: only one
server stack runs on the shared engine at a time. The engine, the ports and the ACME CA are
shared by both.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docker import edge_stack
from tests.docker.acme_ca import AcmeCa, running_acme_ca
from tests.docker.edge_stack import EdgeStack
from tests.docker.engine import start_engine, timed
from tests.docker.stacks import STACKS, ApiStack
from tests.docker.swarm import ensure_swarm
from tests.harness.ports import free_ports
from tests.rendering import render
from tests.report import record


@pytest.fixture(scope="session")
def docker_engine() -> None:
    with timed("start of the Docker engine"):
        start_engine()
        ensure_swarm()


@pytest.fixture(scope="session")
def docker_layer_started() -> Iterator[float]:
    started = time.monotonic()
    yield started
    record(f"docker: whole layer took {time.monotonic() - started:.1f} s")


@pytest.fixture(scope="session", params=STACKS, ids=[stack.name for stack in STACKS])
def api_stack(request: pytest.FixtureRequest) -> ApiStack:
    stack: ApiStack = request.param
    return stack


@pytest.fixture(scope="session")
def edge_project(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory, api_stack: ApiStack
) -> Path:
    directory = tmp_path_factory.mktemp(f"edge-{api_stack.name}")
    return render(template_repo, directory / "project", api_stack.answers)


@pytest.fixture(scope="session")
def ports() -> tuple[int, int]:
    http_port, https_port = free_ports(2)
    return http_port, https_port


@pytest.fixture(scope="session")
def acme_ca(tmp_path_factory: pytest.TempPathFactory, ports: tuple[int, int]) -> Iterator[AcmeCa]:
    with running_acme_ca(tmp_path_factory.mktemp("pebble"), *ports) as ca:
        yield ca


@pytest.fixture(scope="session")
def stack(
    docker_layer_started: float,
    docker_engine: None,
    api_stack: ApiStack,
    edge_project: Path,
    acme_ca: AcmeCa,
    ports: tuple[int, int],
) -> Iterator[EdgeStack]:
    started = time.monotonic()
    # Under the project's own compose project name (edge-check-production, ...).
    prepared = edge_stack.prepare(edge_project, acme_ca, *ports)
    # Whatever an interrupted earlier run left under this name (acme.json from another CA).
    edge_stack.stop(prepared)
    try:
        edge_stack.start(prepared)
        yield prepared
    finally:
        edge_stack.stop(prepared)
        took = time.monotonic() - started
        record(f"docker: the {api_stack.name} stack, from builds to teardown, took {took:.1f} s")


@pytest.fixture(scope="session")
def issued_certificate(stack: EdgeStack, acme_ca: AcmeCa) -> dict[str, object]:
    """The API host's certificate once Traefik has it from the CA, verified against its roots."""
    return issued_certificate_for(stack, acme_ca, stack.api_host)


@pytest.fixture(scope="session")
def web_host(stack: EdgeStack) -> str:
    assert stack.web_host, "the docker layer's projects have a web front end (stacks.py)"
    return stack.web_host


@pytest.fixture(scope="session")
def web_certificate(stack: EdgeStack, acme_ca: AcmeCa, web_host: str) -> dict[str, object]:
    """The web front end's certificate, issued for its own host."""
    return issued_certificate_for(stack, acme_ca, web_host)


def issued_certificate_for(stack: EdgeStack, acme_ca: AcmeCa, host: str) -> dict[str, object]:
    context = ssl.create_default_context(cadata=acme_ca.issuing_roots_pem())
    deadline = time.monotonic() + 120
    last_error: Exception | None = None
    with timed(f"certificate issuance for {host} by the local ACME CA"):
        while time.monotonic() < deadline:
            try:
                return peer_certificate(context, stack, host)
            except (ssl.SSLError, OSError) as error:
                last_error = error
                time.sleep(1)
    raise AssertionError(f"no valid certificate for {host}: {last_error}")


def peer_certificate(context: ssl.SSLContext, stack: EdgeStack, host: str) -> dict[str, object]:
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        certificate = tls.getpeercert()
        assert certificate is not None
        return dict(certificate)
