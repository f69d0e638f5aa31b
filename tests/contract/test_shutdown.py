"""SIGTERM: readiness 503 at once, the in-flight request still completes, exit code 0.

The in-flight request is real and honestly slow: a PATCH whose headers and first half of
the body are on the wire before SIGTERM, and whose second half is sent only after the API
has stopped accepting new connections. The API must wait for it (drain), answer it, exit 0.

This test leaves the API stopped; the `api` fixture starts it again for the next test.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable

import httpx

from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_status, show
from tests.harness.ports import ADDRESSES
from tests.harness.prometheus_text import find, parse


def in_flight(client: httpx.Client, api: ApiProcess | None = None) -> float:
    url = f"{api.base_url}/metrics" if api else "metrics"
    samples, _ = parse(client.get(url).text)
    gauge = find(samples, "http_requests_in_flight")
    return sum(sample.value for sample in gauge)


def poll(check: Callable[[], bool], deadline: float, interval: float = 0.05) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(interval)
    return False


def readiness_after_sigterm(api: ApiProcess, deadline: float = 2) -> httpx.Response:
    """Poll readiness on new connections until it answers 503 or the deadline passes."""
    end = time.monotonic() + deadline
    with httpx.Client(base_url=api.base_url + "/", timeout=5) as watcher:
        while True:
            try:
                ready = watcher.get("health/ready", headers={"Connection": "close"})
            except httpx.TransportError as error:
                raise AssertionError(
                    f"the listener closed before readiness ever answered 503 ({error!r})"
                ) from error
            if ready.status_code == 503 or time.monotonic() > end:
                return ready
            time.sleep(0.02)


def refuses_connections(api: ApiProcess) -> bool:
    try:
        with socket.create_connection((api.host, api.port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def test_sigterm_drains_in_flight_requests_and_exits_0(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    note = assert_status(
        client.post("notes", json={"title": "before", "body": ""}, headers=auth_headers), 201
    )
    payload = json.dumps({"title": "after shutdown", "body": "z" * 8000}).encode()
    half = len(payload) // 2
    head = (
        f"PATCH /api/v1/notes/{note['id']} HTTP/1.1\r\n"
        f"Host: {api.host}:{api.port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "X-Request-Id: shutdown-in-flight\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in auth_headers.items())
        + "\r\n"
    ).encode()

    baseline = in_flight(client)
    slow = socket.create_connection(
        (api.host, api.port), timeout=15, source_address=(ADDRESSES.next(), 0)
    )
    try:
        slow.sendall(head + payload[:half])
        # Wait until the API counts the request as in flight (its headers were parsed); if a
        # stack only counts it later, fall through after the deadline: it is in flight anyway.
        counted = poll(lambda: in_flight(client) > baseline, deadline=3)
        print(f"in-flight gauge counted the half-sent request: {counted}")

        api.send_sigterm()
        ready = readiness_after_sigterm(api)
        assert ready.status_code == 503, f"readiness must go 503 at once on SIGTERM{show(ready)}"
        assert ready.json().get("status") == "shutting_down", show(ready)

        delay = int(api.settings["SHUTDOWN_DELAY_MS"]) / 1000
        assert poll(lambda: refuses_connections(api), deadline=delay + 5), (
            "the listener still accepts connections after SHUTDOWN_DELAY_MS"
        )

        # Only now the rest of the body: the request must still be served.
        slow.sendall(payload[half:])
        response = http.client.HTTPResponse(slow)
        try:
            response.begin()
            body = response.read()
        except (http.client.HTTPException, OSError) as error:
            raise AssertionError(
                f"the API dropped the in-flight request ({error!r})\n{api.output_tail()}"
            ) from error
        assert response.status == 200, f"in-flight request got {response.status}: {body[:500]!r}"
        assert json.loads(body)["title"] == "after shutdown", body[:500]
    finally:
        slow.close()

    drain = int(api.settings["SHUTDOWN_DRAIN_MS"]) / 1000
    code = api.wait_exit(timeout=drain + 10)
    assert code == 0, f"exit code {code} after a clean drain\n{api.output_tail()}"


def test_drain_timeout_exits_1(running_api: ApiProcess, auth_headers: dict[str, str]) -> None:
    """A request that never finishes must not hold the process forever: after
    SHUTDOWN_DRAIN_MS the API gives up and exits 1. A separate instance with short timings,
    so the shared API is not disturbed."""
    stuck_api = ApiProcess.for_project(
        running_api.project, name="drain-timeout", SHUTDOWN_DELAY_MS="0", SHUTDOWN_DRAIN_MS="1000"
    )
    stuck_api.start()
    probe = httpx.Client(timeout=5)
    try:
        baseline = in_flight(probe, stuck_api)
        with socket.create_connection(
            (stuck_api.host, stuck_api.port), timeout=15, source_address=(ADDRESSES.next(), 0)
        ) as stuck:
            # Headers promise a body that never comes.
            stuck.sendall(
                (
                    "POST /api/v1/notes HTTP/1.1\r\n"
                    f"Host: {stuck_api.host}:{stuck_api.port}\r\n"
                    "Content-Type: application/json\r\nContent-Length: 1000\r\n"
                    + "".join(f"{name}: {value}\r\n" for name, value in auth_headers.items())
                    + '\r\n{"title": '
                ).encode()
            )
            # As above: wait (bounded) until the API has parsed the headers.
            poll(lambda: in_flight(probe, stuck_api) > baseline, deadline=3)
            stuck_api.send_sigterm()
            code = stuck_api.wait_exit(timeout=20)
        assert code == 1, f"exit code {code} when the drain timed out\n{stuck_api.output_tail()}"
    finally:
        probe.close()
        stuck_api.stop()
