"""Error reports carry no secrets: with Sentry on, a server error during login and during
refresh is reported, and nothing the client or the configuration holds in secret is in it.

Sentry is a local stand-in (tests/harness/sentry_receiver.py) the API's DSN points at; every
item it receives is read, whatever its type, so the test needs no knowledge of the event
format. The error is a real one, with no hook in the API: PostgreSQL stops accepting
connections to the API's database (`ALLOW_CONNECTIONS false`, its sessions terminated, as in
a failover or a maintenance window). Login and refresh have then parsed their bodies (the
password, the refresh token) and fail on their first query, where an SDK capturing the
handler's local variables or the request body would send the secrets along.

The API gets a database role of its own with a random password, and a random JWT secret, so
their values are distinctive enough to look for (the shared server's superuser password is
"postgres", a word every event contains).

Tracing is on too, its spans sent to a local OTLP receiver: each report is tagged with the
failed request's trace id (the trace, the report and the log lines find each other by it),
and the spans carry no secret either.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.harness import http, postgres
from tests.harness.accounts import login, register
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.http import show
from tests.harness.otlp_receiver import OtlpReceiver, caller_context
from tests.harness.project import GeneratedProject
from tests.harness.sentry_receiver import SentryReceiver

pytestmark = pytest.mark.usefixtures("uses_auth")

# The SDKs send from a background worker; on a busy 2-core machine that can take a while.
DELIVERY_DEADLINE = 20.0


@pytest.fixture
def sentry_project(
    runtime_case: RuntimeCase, generated_project: GeneratedProject
) -> GeneratedProject:
    if not runtime_case.answers["use_sentry"]:
        pytest.skip(f"{runtime_case.id}: use_sentry=false, no error reports")
    generated_project.require("install")
    generated_project.require("build")
    generated_project.require("migrate", database="sentry")
    return generated_project


def _name(database_url: str) -> str:
    return database_url.rsplit("/", 1)[1]


@contextmanager
def database_refuses_connections(database_url: str) -> Iterator[None]:
    """No session of `database_url` survives and no new one is accepted, until the block ends."""
    database = _name(database_url)
    with psycopg.connect(postgres.ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(
                sql.Identifier(database)
            )
        )
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
    try:
        yield
    finally:
        with psycopg.connect(postgres.ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(
                    sql.Identifier(database)
                )
            )


def reported(sentry: SentryReceiver, route: str) -> list[dict[str, Any]]:
    """Error events (with an exception) of requests to `route`."""
    return [
        event
        for event in sentry.events()
        if "exception" in event and f"/api/v1/{route}" in json.dumps(event)
    ]


def wait_for_reports(sentry: SentryReceiver, routes: list[str]) -> dict[str, int]:
    deadline = time.monotonic() + DELIVERY_DEADLINE
    while True:
        counts = {route: len(reported(sentry, route)) for route in routes}
        if all(counts.values()) or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


def tagged_trace_ids(events: list[dict[str, Any]]) -> set[str]:
    """The trace_id tags of `events` (the SDKs send tags as an object or as pairs)."""
    found = set()
    for event in events:
        tags = event.get("tags") or {}
        pairs = tags.items() if isinstance(tags, dict) else tags
        found |= {str(value) for key, value in pairs if key == "trace_id"}
    return found


def assert_server_error(response: httpx.Response) -> None:
    assert 500 <= response.status_code < 600, (
        f"expected a server error with the database refusing connections{show(response)}"
    )


def test_error_reports_carry_no_secrets(sentry_project: GeneratedProject) -> None:
    project = sentry_project
    database_url = project.database("sentry")
    jwt_secret = f"error-report-jwt-{secrets.token_hex(24)}"
    cookie = f"session-{secrets.token_hex(16)}"
    password = f"error-report-password-{secrets.token_hex(8)}"

    # The API's own role, with a password nothing else uses (the harness made it).
    roles = project.roles("sentry")
    login_trace, _, login_parent = caller_context()
    refresh_trace, _, refresh_parent = caller_context()
    with SentryReceiver() as sentry, OtlpReceiver() as tracing:
        api = ApiProcess.for_project(
            project,
            name="error-reports",
            DATABASE_URL=roles.api_url,
            JWT_ACCESS_SECRET=jwt_secret,
            SENTRY_DSN=sentry.dsn,
            OTEL_EXPORTER_OTLP_ENDPOINT=tracing.endpoint,
            OTEL_TRACES_SAMPLER="parentbased_always_on",
            OTEL_BSP_SCHEDULE_DELAY="100",
        )
        api.start()
        try:
            with http.client(api.base_url) as client:
                account = register(client, "reported", password=password)
                tokens = login(client, account)
            access, refresh = str(tokens["accessToken"]), str(tokens["refreshToken"])
            # What a browser or a careless client sends along: both must stay out too.
            headers = {"Authorization": f"Bearer {access}", "Cookie": f"session={cookie}"}
            with database_refuses_connections(database_url):
                # A client per request: uvicorn closes a connection whose request ended in
                # an exception, so a second request on it would fail before reaching the API.
                with http.client(api.base_url) as client:
                    assert_server_error(
                        client.post(
                            "auth/login",
                            json={"email": account.email, "password": password},
                            headers={**headers, "traceparent": login_parent},
                        )
                    )
                with http.client(api.base_url) as client:
                    assert_server_error(
                        client.post(
                            "auth/refresh",
                            json={"refreshToken": refresh},
                            headers={**headers, "traceparent": refresh_parent},
                        )
                    )
                counts = wait_for_reports(sentry, ["auth/login", "auth/refresh"])
            spans = tracing.trace(login_trace, bool) + tracing.trace(refresh_trace, bool)
        finally:
            api.stop()

    assert not sentry.errors, f"the receiver could not read what was sent: {sentry.errors}"
    # Without reports the secrets' absence would prove nothing.
    assert all(counts.values()), (
        f"no error report of each failed request within {DELIVERY_DEADLINE}s: {counts}; "
        f"received {[item.type for item in sentry.items]}\n{api.output_tail()}"
    )
    for route, trace_id in (("auth/login", login_trace), ("auth/refresh", refresh_trace)):
        tags = tagged_trace_ids(reported(sentry, route))
        assert tags == {trace_id}, f"{route}'s reports are tagged {tags}, not its trace {trace_id}"
    assert spans, "no span of the failed requests reached the trace receiver"
    forbidden = {
        "the password sent to /auth/login": password,
        "the refresh token": refresh,
        "the access token": access,
        "the Authorization header": headers["Authorization"],
        "the cookie's value": cookie,
        "JWT_ACCESS_SECRET": jwt_secret,
        "the database password (DATABASE_URL)": roles.api_password,
    }
    leaks = [
        f"{what} in a {item.type} item: ...{item.text[max(at - 300, 0) : at + 300]}..."
        for item in sentry.items
        for what, value in forbidden.items()
        if (at := item.text.find(value)) >= 0
    ] + [
        f"{what} in the span {span.name}: {span.attributes}"
        for span in spans
        for what, value in forbidden.items()
        if value in repr(span)
    ]
    print(
        f"{len(sentry.items)} items received ({', '.join(sorted({i.type for i in sentry.items}))}),"
        f" error reports per route: {counts}, each tagged with its trace; {len(spans)} spans;"
        f" {len(forbidden)} secrets looked for"
    )
    assert not leaks, "secrets reached the error reports:\n" + "\n\n".join(leaks)
