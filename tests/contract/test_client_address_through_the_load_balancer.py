"""Through the load balancer, the server still knows each client's own address, IPv6 too.

With more than one node, Hetzner's load balancer forwards :80 and :443 to Traefik and names
each client with the PROXY protocol, which Traefik accepts from the balancer's private
address alone (`proxyProtocol.trustedIPs` in infra/traefik/traefik.yml, rendered with
use_iac). A real Traefik runs the project's HTTPS entry point with that setting (the balancer
is one loopback address here) in front of an API instance with production's TRUST_PROXY. A
client is its address for the API's per-client limit and for the edge's flood limit, an IPv6
client its /64 (one subscriber may pick any address in it), and no other sender may name a
client. Not run here: Hetzner's balancer itself, TLS (the docker layer checks Traefik's), and
an engine between them (on the servers, host-mode ports hand Traefik the balancer's address).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.contract.project_edge import API_HOST, api_behind_edge, websecure_settings
from tests.docker.edge_stack import env_file_values
from tests.harness import proxy_protocol
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.ports import ADDRESSES
from tests.rendering import render

LIMIT = 6
# Requests one /64 sends back to back, each from another of its addresses: more than the
# edge limit's burst (100) plus what refills (50/s) meanwhile; then what another client sends.
FLOOD = 300
OTHER_CLIENT = 50
NOTES = "/api/v1/notes?pageSize=1"


@dataclass
class ThroughBalancer:
    edge: str  # Traefik's host:port
    balancer: str  # the one address Traefik accepts PROXY lines from

    def get(
        self, path: str, client: str, source: str | None = None, **headers: str
    ) -> tuple[int, str]:
        """`path` for `client`, forwarded by the balancer (or by `source`)."""
        return proxy_protocol.get(
            self.edge, path, source or self.balancer, client, {"Host": API_HOST, **headers}
        )


@pytest.fixture(scope="module")
def through_balancer(
    runtime_case: RuntimeCase,
    running_api: ApiProcess,
    template_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ThroughBalancer]:
    workdir = tmp_path_factory.mktemp("balancer")
    # The API is the runtime project's; the edge's files are those of the same answers with
    # Terraform, where traefik.yml trusts the balancer.
    edge_project = render(
        template_repo, workdir / "project", {**runtime_case.answers, "use_iac": True}
    )
    proxy = websecure_settings(edge_project).get("proxyProtocol") or {}
    assert proxy.get("trustedIPs"), "traefik.yml's websecure trusts no load balancer"
    balancer = ADDRESSES.next()
    with api_behind_edge(
        running_api.project,
        edge_project,
        workdir,
        "balancer",
        {
            # As production's env file sets it.
            "TRUST_PROXY": env_file_values(edge_project / "env" / "production.env")["TRUST_PROXY"],
            "RATE_LIMIT_MAX": str(LIMIT),
        },
        entry_point={"proxyProtocol": {**proxy, "trustedIPs": [f"{balancer}/32"]}},
    ) as (_, edge):
        yield ThroughBalancer(edge.address, balancer)


def test_each_client_through_the_balancer_has_a_bucket_of_its_own(
    through_balancer: ThroughBalancer, auth_headers: dict[str, str]
) -> None:
    """The API's per-client limit: an IPv6 client's /64 is one bucket, another /64 and an
    IPv4 client through the same balancer are not in it."""

    def statuses(client: str, count: int) -> list[int]:
        return [through_balancer.get(NOTES, client, **auth_headers)[0] for _ in range(count)]

    first = statuses("2001:db8:1:2::5", LIMIT + 1)
    assert first == [200] * LIMIT + [429], f"one IPv6 client, {LIMIT} allowed: {first}"
    neighbour = statuses("2001:db8:1:2::beef", 1)
    assert neighbour == [429], f"another address of the same /64 got {neighbour}, not 429"
    others = statuses("2001:db8:1:3::5", 1) + statuses("203.0.113.7", 1)
    assert others == [200, 200], (
        f"another /64 and an IPv4 client through the same balancer got {others}: the API "
        "counted the balancer's address, not the clients'"
    )


def test_a_sender_other_than_the_balancer_cannot_name_a_client(
    through_balancer: ThroughBalancer, auth_headers: dict[str, str]
) -> None:
    direct = ADDRESSES.next()
    answered = [
        through_balancer.get(NOTES, f"2001:db8:9:{attempt}::1", source=direct, **auth_headers)[0]
        for attempt in range(LIMIT + 3)
    ]
    assert answered.count(200) <= LIMIT, (
        f"a sender that is not the balancer got {answered.count(200)} answers past the limit "
        f"of {LIMIT} by naming other clients: {answered}"
    )


def test_the_edge_flood_limit_counts_an_ipv6_client_as_its_64(
    through_balancer: ThroughBalancer,
) -> None:
    """Traefik's own limit (dynamic/rate-limit.yml: 50/s, bursts of 100, ipv6Subnet 64), on
    a route the API never limits: a flood from one /64, each request from another of its
    addresses, is cut off at the edge; a client of another /64 at once is not."""
    flood = [
        through_balancer.get("/api/v1/health", f"2001:db8:2:1::{index:x}")[0]
        for index in range(1, FLOOD + 1)
    ]
    assert 429 in flood, f"{FLOOD} requests from one /64 never met the edge limit: {set(flood)}"
    other = [
        through_balancer.get("/api/v1/health", "2001:db8:2:2::1")[0] for _ in range(OTHER_CLIENT)
    ]
    assert other == [200] * OTHER_CLIENT, (
        f"a client of another /64 was limited with the flooding one: {other.count(429)} of "
        f"{OTHER_CLIENT} refused"
    )
