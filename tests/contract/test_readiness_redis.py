"""Readiness follows Redis: down while it is stopped, up again once it is back, with the
same API process (no restart), so Traefik routes traffic back by itself."""

from __future__ import annotations

import time

import httpx

from tests.harness.api_process import ApiProcess
from tests.harness.http import show

# "Within a few seconds": the check must not hang on a dead connection.
NOTICE_DEADLINE = 5.0
# ioredis and redis-py reconnect with a back-off capped at a few seconds.
RECOVERY_DEADLINE = 20.0


def poll_ready(client: httpx.Client, status: int, deadline: float) -> httpx.Response:
    end = time.monotonic() + deadline
    while True:
        try:
            response = client.get("health/ready", timeout=NOTICE_DEADLINE)
        except httpx.TimeoutException as error:
            raise AssertionError(f"/health/ready hung for {NOTICE_DEADLINE}s") from error
        if response.status_code == status or time.monotonic() > end:
            return response
        time.sleep(0.1)


def test_readiness_fails_while_redis_is_down_and_recovers(
    api: ApiProcess, client: httpx.Client
) -> None:
    server_pid = api.server_pid()
    api.project.redis.stop()
    try:
        started = time.monotonic()
        response = poll_ready(client, 503, NOTICE_DEADLINE)
        assert response.status_code == 503, (
            f"readiness still {response.status_code} {NOTICE_DEADLINE}s after Redis stopped"
            f"{show(response)}"
        )
        body = response.json()
        assert body["status"] == "error", show(response)
        assert body["details"]["redis"]["status"] == "down", show(response)
        assert isinstance(body["details"]["redis"].get("message"), str), (
            f"a failed check says why{show(response)}"
        )
        assert body["details"]["postgres"]["status"] == "up", show(response)
        # Liveness never touches a dependency: a Redis outage must not get the API restarted.
        live = client.get("health")
        assert live.status_code == 200, f"liveness failed with Redis down{show(live)}"
        print(f"readiness went 503 {time.monotonic() - started:.2f}s after Redis stopped")
    finally:
        api.project.redis.start()

    response = poll_ready(client, 200, RECOVERY_DEADLINE)
    assert response.status_code == 200, (
        f"not ready {RECOVERY_DEADLINE}s after Redis came back{show(response)}"
    )
    assert api.server_pid() == server_pid, "the API process was replaced; it must recover by itself"
