"""Who reaches Grafana through Traefik: a real Traefik serves the grafana service's labels, as
`docker compose config` resolves them for a value of GRAFANA_ALLOWED_CIDRS, in front of a
local stand-in for Grafana; the requests come from 127.0.0.1.

The default lets only private networks and Tailscale in, so a client on any other address
(127.0.0.1 here, a public address on the server) gets Traefik's 403 and never Grafana's login
page. What is not run here: Traefik's Swarm provider reading these labels (the docker layer
runs it for the API's) and Grafana itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.harness.loopback_http import FixedAnswer
from tests.harness.loopback_process import LoopbackProcess
from tests.harness.traefik_process import get_until_routed, start_traefik
from tests.monitoring.test_compose_monitoring import merged_config
from tests.monitoring.traefik_labels import http_configuration
from tests.report import record

STAND_IN_BODY = b"grafana stand-in"
# GRAFANA_ALLOWED_CIDRS -> what a client on 127.0.0.1 gets. Empty is the default.
CASES = {
    "": 403,
    "203.0.113.0/24,2001:db8::/32": 403,
    "203.0.113.0/24,127.0.0.1/32": 200,
}


@pytest.fixture(scope="module")
def project(monitored_projects: dict[str, Path]) -> Path:
    """Grafana's labels are the same for every monitoring answer set."""
    return monitored_projects["without-backups"]


@pytest.fixture(scope="module")
def grafana() -> Iterator[FixedAnswer]:
    with FixedAnswer(STAND_IN_BODY) as stand_in:
        yield stand_in


def serve_labels(labels: dict[str, str], grafana: FixedAnswer, workdir: Path) -> LoopbackProcess:
    """A real Traefik with the labels' routers and middlewares."""
    dynamic = workdir / "dynamic.yml"
    dynamic.write_text(yaml.safe_dump(http_configuration(labels, {"grafana": grafana.url})))
    return start_traefik(workdir, {"filename": str(dynamic)})


@pytest.mark.parametrize(("allowed", "expected"), CASES.items(), ids=lambda v: str(v) or "default")
def test_grafana_is_routed_only_to_allowed_client_networks(
    project: Path,
    grafana: FixedAnswer,
    tmp_path: Path,
    allowed: str,
    expected: int,
) -> None:
    grafana_service = merged_config(project, {"GRAFANA_ALLOWED_CIDRS": allowed})["services"][
        "grafana"
    ]
    labels = grafana_service["deploy"]["labels"]
    host = re.fullmatch(r"Host\(`([^`]+)`\)", labels["traefik.http.routers.grafana.rule"])
    assert host, labels
    traefik = serve_labels(labels, grafana, tmp_path)
    try:
        response = get_until_routed(f"http://{traefik.address}/login", host.group(1))
    finally:
        traefik.stop()
    record(
        f"GRAFANA_ALLOWED_CIDRS={allowed!r}: client 127.0.0.1 -> {response.status_code}"
        f" ({'Grafana' if response.content == STAND_IN_BODY else 'Traefik'})"
    )
    assert response.status_code == expected, (response.status_code, traefik.log_tail())
    assert (response.content == STAND_IN_BODY) == (expected == 200)
