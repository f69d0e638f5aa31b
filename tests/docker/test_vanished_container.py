"""A container that vanished before Traefik noticed costs no request.

Traefik marks every server "up" again whenever its configuration reloads and checks it one
health-check interval later; during a deploy a reload can come just as an old container goes.
A connection to the address of a container that is gone never opens: no answer, no refusal,
and Go's default dial timeout is 30 s, longer than the deploy layer's load test waits.

Here a real Traefik runs with the project's `serversTransport` (infra/traefik/traefik.yml) and
the API router's labels and middlewares (compose.prod.yaml, dynamic/retry.yml) in front of two
servers: a live stand-in, and a "vanished" one, a socket whose accept queue is full, so the
kernel drops every connection attempt unanswered, as for an address nobody holds. Each request
must reach the live one well within the load test's 10 s. Not run here: the Docker provider
(the deploy layer's load tests run it).
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.harness.loopback_http import FixedAnswer
from tests.harness.loopback_process import LoopbackProcess
from tests.harness.traefik_process import start_traefik
from tests.monitoring.traefik_labels import api_labels, http_configuration
from tests.rendering import render
from tests.report import record

API_HOST = "api.example.org"
# hey's timeout in the deploy layer's load tests (tests/deploy/load.py).
CLIENT_TIMEOUT = 10.0
REQUESTS = 6
LIVE_BODY = b'{"status":"ok"}'


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Traefik's configuration is the same for both stacks: the defaults."""
    return render(template_repo, tmp_path_factory.mktemp("vanished") / "project", {})


@pytest.fixture
def vanished_address() -> Iterator[str]:
    """host:port where connection attempts go unanswered: a listening socket that never
    accepts, its queue filled by connections of its own."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    host, port = listener.getsockname()
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex((host, port))
        fillers.append(filler)
    time.sleep(0.2)
    try:
        probe = socket.create_connection((host, port), timeout=1)
    except TimeoutError:
        pass  # as wanted: nothing answers
    else:
        probe.close()
        pytest.fail("the vanished stand-in answered a connection: the test would prove nothing")
    try:
        yield f"{host}:{port}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def start_api_edge(project: Path, servers: list[str], workdir: Path) -> LoopbackProcess:
    """Traefik with the project's own serversTransport and middlewares, balancing the API
    router over `servers`."""
    dynamic = workdir / "dynamic"
    dynamic.mkdir()
    shutil.copy(project / "infra" / "traefik" / "dynamic" / "retry.yml", dynamic)
    http = http_configuration(api_labels(project, API_HOST), {"api": servers[0]})
    http["http"]["services"]["api"]["loadbalancer"]["servers"] = [{"url": url} for url in servers]
    (dynamic / "api.yml").write_text(yaml.safe_dump(http))
    static = yaml.safe_load((project / "infra" / "traefik" / "traefik.yml").read_text())
    transport = (
        {"serversTransport": static["serversTransport"]} if "serversTransport" in static else {}
    )
    return start_traefik(workdir, {"directory": str(dynamic)}, **transport)


def wait_until_routed(url: str) -> None:
    """Traefik answers 404 until the file provider's routers are loaded."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers={"Host": API_HOST}, timeout=1).status_code != 404:
                return
        except httpx.TimeoutException:
            return  # routed, to the vanished server
        time.sleep(0.2)
    raise AssertionError("Traefik never loaded the API's router")


def test_a_request_to_a_vanished_container_is_answered_by_another(
    project: Path, vanished_address: str, tmp_path: Path
) -> None:
    with FixedAnswer(LIVE_BODY) as live:
        servers = [f"http://{vanished_address}", live.url]
        traefik = start_api_edge(project, servers, tmp_path)
        try:
            url = f"http://{traefik.address}/api/v1/health"
            wait_until_routed(url)
            outcomes = []
            for _ in range(REQUESTS):
                started = time.monotonic()
                try:
                    response = httpx.get(url, headers={"Host": API_HOST}, timeout=CLIENT_TIMEOUT)
                    outcome = f"{response.status_code}"
                    answered = response.status_code == 200 and response.content == LIVE_BODY
                except httpx.TimeoutException:
                    outcome, answered = "timeout", False
                outcomes.append((outcome, answered, time.monotonic() - started))
        finally:
            traefik.stop()
    slowest = max(seconds for _, _, seconds in outcomes)
    by_live_one = sum(1 for _, ok, _ in outcomes if ok)
    record(
        f"edge: requests with a vanished container in the pool: {by_live_one} of {REQUESTS}"
        f" answered by the live one, slowest {slowest:.1f} s"
        f" (client timeout {CLIENT_TIMEOUT:.0f} s)"
    )
    assert by_live_one == REQUESTS, (outcomes, traefik.log_tail())
    assert slowest < CLIENT_TIMEOUT / 2, outcomes
