"""The built web front end, run as its image runs it (the standalone server.js, started by
`make web-start`), for each answer set with `web_frontend: nextjs`: its health endpoint, the
home page rendered on the server with the API's status, a graceful SIGTERM, its traces
joined to the API's, and its error reports to Sentry."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from tests.harness.answer_sets import RUNTIME_CASES, RuntimeCase
from tests.harness.loopback_http import LoopbackHttpServer
from tests.harness.otlp_receiver import CLIENT, SERVER, OtlpReceiver, Span
from tests.harness.ports import free_ports
from tests.harness.project import GeneratedProject
from tests.harness.sentry_receiver import DELIVERY_DEADLINE, SentryReceiver
from tests.harness.session import runtime_session
from tests.harness.web_process import WebProcess
from tests.report import record

WEB_CASES = [case for case in RUNTIME_CASES if case.has_web]
SHUTDOWN_DELAY_MS = 1500


@pytest.fixture(scope="module", params=WEB_CASES, ids=lambda case: case.id)
def web_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedProject:
    case: RuntimeCase = request.param
    project = runtime_session(request.config, tmp_path_factory).project(case)
    project.require("build")
    return project


@pytest.fixture(scope="module")
def api_port() -> int:
    """A port the web front end's API_URL names; nothing listens there unless a test starts
    a stand-in API on it."""
    (port,) = free_ports(1)
    return port


@pytest.fixture(scope="module")
def web(web_project: GeneratedProject, api_port: int) -> Iterator[WebProcess]:
    server = WebProcess.for_web_project(web_project, f"http://127.0.0.1:{api_port}")
    server.start()
    yield server
    server.stop()


def app_name(project: GeneratedProject) -> str:
    """APP_NAME from the project's .env, which `make web-start` passes to the server."""
    match = re.search(r"^APP_NAME=(.+)$", (project.path / ".env").read_text(), re.MULTILINE)
    assert match, "APP_NAME missing from .env"
    return match.group(1)


class StandInApi(LoopbackHttpServer):
    """Answers GET /api/v1/health with a chosen status (and, given one, a body that is not
    the API's health answer), on the port API_URL names; keeps the headers of each request."""

    def __init__(self, port: int, status: int, body: bytes | None = None) -> None:
        answer = status
        self.requests: list[dict[str, str]] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append({name.lower(): value for name, value in self.headers.items()})
                code = answer if self.path == "/api/v1/health" else 404
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.end_headers()
                if body is not None:
                    self.wfile.write(body)
                else:
                    self.wfile.write(b'{"status":"ok"}' if code == 200 else b"{}")

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test's output stays readable

        super().__init__(Handler, port)

    def header_values(self, name: str) -> list[str | None]:
        """`name`'s value in each request received, None where it was missing."""
        return [request.get(name) for request in self.requests]


def api_state(page: str) -> str:
    match = re.search(r'data-state="([^"]+)"', page)
    assert match, f"no API status on the page:\n{page[-2000:]}"
    return match.group(1)


def log_lines(server: WebProcess) -> list[dict[str, object]]:
    """The server's JSON log lines (Next.js prints a few plain lines of its own at start)."""
    return [json.loads(line) for line in server.stdout_lines() if line.startswith("{")]


def test_runs_the_standalone_server_as_the_image_does(web: WebProcess) -> None:
    # `node server.js` in the standalone folder (Next.js retitles the process, so its
    # command line no longer says so: its executable and folder do).
    process = Path(f"/proc/{web.server_pid()}")
    assert (process / "exe").resolve().name == "node"
    standalone = web.project.path / "apps/web/.next/standalone"
    assert (process / "cwd").resolve() == standalone.resolve()
    assert (standalone / "server.js").is_file()


def test_health_answers_ok(web: WebProcess) -> None:
    response = httpx.get(f"{web.origin}/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"
    assert "x-powered-by" not in response.headers


def test_home_page_names_the_project_and_the_unreachable_api(web: WebProcess) -> None:
    started = time.monotonic()
    response = httpx.get(f"{web.origin}/", timeout=10)
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["content-type"].startswith("text/html")
    name = app_name(web.project)
    assert f"<h1>{name}</h1>" in response.text
    assert f"<title>{name}</title>" in response.text
    assert api_state(response.text) == "unreachable"
    # Refused at once: the page does not wait for the fetch timeout.
    assert time.monotonic() - started < 2


def script_nonce(response: httpx.Response) -> str:
    """The nonce the page's Content-Security-Policy allows scripts with."""
    policy = response.headers["content-security-policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    assert "'unsafe-inline'" not in script_src
    match = re.search(r"'nonce-([A-Za-z0-9+/=]+)'", script_src)
    assert match, policy
    return match.group(1)


def test_home_page_lets_only_its_own_scripts_run(web: WebProcess) -> None:
    """A per-request nonce in the policy, on every script Next.js renders: an injected
    `<script>` without it would not run."""
    first = httpx.get(f"{web.origin}/", timeout=10)
    nonce = script_nonce(first)
    scripts = re.findall(r"<script\b[^>]*>", first.text)
    assert scripts, first.text[-2000:]
    assert [tag for tag in scripts if f'nonce="{nonce}"' not in tag] == []
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]
    assert script_nonce(httpx.get(f"{web.origin}/", timeout=10)) != nonce


@pytest.mark.parametrize(
    ("status", "state", "label"), [(200, "up", "up"), (503, "down", "down (HTTP 503)")]
)
def test_home_page_asks_the_api_on_every_request(
    web: WebProcess, api_port: int, status: int, state: str, label: str
) -> None:
    with StandInApi(api_port, status):
        page = httpx.get(f"{web.origin}/", timeout=10).text
    assert api_state(page) == state
    assert f">{label}</strong>" in page
    # Nothing cached: with the stand-in gone, the API is unreachable again.
    assert api_state(httpx.get(f"{web.origin}/", timeout=10).text) == "unreachable"


def test_sigterm_turns_health_503_keeps_serving_then_exits_0(
    web_project: GeneratedProject, api_port: int
) -> None:
    server = WebProcess.for_web_project(
        web_project,
        f"http://127.0.0.1:{api_port}",
        name="web-shutdown",
        SHUTDOWN_DELAY_MS=str(SHUTDOWN_DELAY_MS),
    )
    server.start()
    try:
        server.send_sigterm()
        signalled = time.monotonic()
        health = httpx.get(f"{server.origin}/health", timeout=2)
        assert health.status_code == 503
        assert health.json() == {"status": "shutting down"}
        # Still serving during the delay, so requests Traefik routes meanwhile succeed.
        assert httpx.get(f"{server.origin}/", timeout=5).status_code == 200
        code = server.wait_exit(timeout=30)
        waited = time.monotonic() - signalled
    finally:
        server.stop(timeout=5)
    assert code == 0, server.output_tail()
    assert waited >= SHUTDOWN_DELAY_MS / 1000 - 0.3, f"exited after {waited:.2f}s"
    assert "SIGTERM received" in server.stdout_path.read_text()


def test_a_page_view_has_one_request_id_from_the_web_to_the_api(
    web: WebProcess, api_port: int
) -> None:
    """The client's X-Request-Id when the API would take it, else a new one: answered, logged
    with the request, and sent on to the API, whose log line of the call then carries it."""
    with StandInApi(api_port, 200) as api:
        kept = httpx.get(f"{web.origin}/", headers={"x-request-id": "page-view.1"}, timeout=10)
        fresh = httpx.get(f"{web.origin}/", headers={"x-request-id": "not valid!"}, timeout=10)
    assert kept.headers["x-request-id"] == "page-view.1"
    new_id = fresh.headers["x-request-id"]
    assert uuid.UUID(new_id).version == 4
    assert api.header_values("x-request-id") == ["page-view.1", new_id]
    logged = {
        str(line["requestId"]): line
        for line in log_lines(web)
        if line.get("msg") == "request" and "requestId" in line
    }
    for request_id in ("page-view.1", new_id):
        line = logged.get(request_id)
        assert line is not None, f"no log line of {request_id}: {list(logged)}"
        assert (line["level"], line["method"], line["path"]) == ("info", "GET", "/"), line
        assert str(line["app"]).endswith("-web"), line


HASHED_ASSET = re.compile(r'/_next/static/[^"]+\.(?:js|css)')
YEAR = 31_536_000  # seconds


def test_hashed_assets_are_cached_for_a_year_and_compressed(web: WebProcess) -> None:
    """What a browser or a CDN may keep: build-hashed files (a new build has new names)
    forever, compressed when worth it (over 1 KiB, Node's compression threshold); the
    server-rendered page never, since it says how the API is now."""
    page = httpx.get(f"{web.origin}/", timeout=10)
    assert page.headers["cache-control"].startswith("private, no-cache, no-store"), page.headers
    assets = sorted(set(HASHED_ASSET.findall(page.text)))
    assert assets, f"no hashed asset on the page:\n{page.text[-2000:]}"
    compressed = []
    for asset in assets:
        plain = httpx.get(
            f"{web.origin}{asset}", headers={"accept-encoding": "identity"}, timeout=10
        )
        response = httpx.get(
            f"{web.origin}{asset}", headers={"accept-encoding": "gzip"}, timeout=10
        )
        assert response.status_code == 200, asset
        directives = {d.strip() for d in response.headers["cache-control"].split(",")}
        assert {"public", f"max-age={YEAR}", "immutable"} <= directives, (asset, response.headers)
        if len(plain.content) > 1024:
            assert response.headers.get("content-encoding") == "gzip", (asset, response.headers)
            compressed.append(asset)
    assert compressed, f"no hashed asset over 1 KiB to see compressed: {assets}"
    record(
        f"web cache headers {web.project.case.id}: {len(assets)} hashed assets "
        f"public, max-age={YEAR}, immutable, {len(compressed)} over 1 KiB gzip; "
        f"page: {page.headers['cache-control']}"
    )


def test_a_page_and_its_api_call_are_one_trace(
    web_project: GeneratedProject, api_port: int
) -> None:
    """With an OTLP endpoint set, the server's call to the API carries a `traceparent` of the
    page's own trace, its parent the call's client span; the API continues it
    (tests/contract/test_tracing.py), so a page and its API calls are one trace. Spans are
    batched for a minute here: they reach the receiver only because a stopping server sends
    what it still holds. Health checks make no trace."""
    with OtlpReceiver() as receiver, StandInApi(api_port, 200) as api:
        server = WebProcess.for_web_project(
            web_project,
            f"http://127.0.0.1:{api_port}",
            name="web-traced",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
            OTEL_TRACES_SAMPLER="always_on",
            OTEL_BSP_SCHEDULE_DELAY="60000",
        )
        server.start()
        try:
            assert httpx.get(f"{server.origin}/health", timeout=5).status_code == 200
            page = httpx.get(f"{server.origin}/", timeout=10)
            assert api_state(page.text) == "up"
            server.send_sigterm()
            code = server.wait_exit(timeout=30)
        finally:
            server.stop(timeout=5)
        assert code == 0, server.output_tail()
        traceparents = api.header_values("traceparent")
        assert traceparents, "the page never called the API"
        assert all(traceparents), f"a call to the API without traceparent: {traceparents}"
        _, trace_id, parent_id, _ = str(traceparents[-1]).split("-")
        spans = receiver.trace(trace_id, lambda found: len(found) > 1, timeout=5)
        health = [
            span for span in receiver.spans if span.attributes.get("http.target") == "/health"
        ]

    # Traefik's health checks, every 2 s, make no trace.
    assert not health, f"health checks were traced: {health}"
    by_id = {span.span_id: span for span in spans}
    call: Span | None = by_id.get(parent_id)
    assert call is not None, f"the API call's parent {parent_id} is not a span of {spans}"
    assert call.kind == CLIENT, call
    assert call.service == f"{app_name(web_project)}-web", call
    # The call descends from the page's server span, in the same trace.
    ancestor = call
    while ancestor.parent_span_id in by_id:
        ancestor = by_id[ancestor.parent_span_id]
    assert ancestor.kind == SERVER, f"{call} is not under a server span: {spans}"
    # The web server's log line of the request names the trace too.
    logged = [line for line in log_lines(server) if line.get("msg") == "request"]
    assert [line.get("trace_id") for line in logged] == [trace_id], logged
    record(
        f"web trace {web_project.case.id}: {ancestor.name} -> {call.name}, whose traceparent "
        f"the API got; {len(spans)} spans of the page, sent at shutdown"
    )


# Not the API's health answer: API_URL naming another service, which fails the page.
NOT_THE_API = b"<html><body>a proxy's page</body></html>"


def error_reports_meta(page: str) -> dict[str, object] | None:
    """The browser's error report settings the page carries, if any."""
    match = re.search(r'<meta name="error-reports" content="([^"]*)"', page)
    return json.loads(html.unescape(match.group(1))) if match else None


def connect_src(response: httpx.Response) -> list[str]:
    policy = response.headers["content-security-policy"]
    directive = next(d for d in policy.split("; ") if d.startswith("connect-src "))
    return directive.split()[1:]


def test_a_failing_page_is_reported_to_sentry_without_secrets(
    web_project: GeneratedProject, api_port: int
) -> None:
    """A real error of a page: the API_URL answers 200 with something that is not the API's
    health document, so the page fails (500). With SENTRY_DSN at a local Sentry stand-in
    (tests/harness/sentry_receiver.py) and tracing on, the server reports it once: the
    exception, APP_ENV, APP_VERSION as the release, the request id and the trace id as tags;
    and nothing the client sent in secret (cookie, Authorization, a token in the query) is
    anywhere in what reached the receiver. A page that renders hands the browser its settings
    (the DSN, environment, release, page view) and lets it connect to the DSN's origin."""
    if not web_project.case.answers["use_sentry"]:
        pytest.skip(f"{web_project.case.id}: use_sentry=false, no error reports")
    cookie = f"cookie-{uuid.uuid4().hex}"
    bearer = f"bearer-{uuid.uuid4().hex}"
    query_token = f"query-{uuid.uuid4().hex}"
    secrets_sent = {
        "the cookie's value": cookie,
        "the Authorization header's token": bearer,
        "the query's token": query_token,
    }
    request_id = f"sentry-web.{uuid.uuid4().hex[:12]}"
    release = "7.7.7-test"
    with SentryReceiver() as sentry, OtlpReceiver() as tracing:
        server = WebProcess.for_web_project(
            web_project,
            f"http://127.0.0.1:{api_port}",
            name="web-sentry",
            SENTRY_DSN=sentry.dsn,
            APP_ENV="staging",
            APP_VERSION=release,
            OTEL_EXPORTER_OTLP_ENDPOINT=tracing.endpoint,
            OTEL_TRACES_SAMPLER="always_on",
        )
        server.start()
        try:
            with StandInApi(api_port, 200, body=NOT_THE_API):
                failed = httpx.get(
                    f"{server.origin}/?token={query_token}",
                    headers={
                        "x-request-id": request_id,
                        "cookie": f"session={cookie}",
                        "authorization": f"Bearer {bearer}",
                    },
                    timeout=10,
                )
            with StandInApi(api_port, 200):
                page = httpx.get(f"{server.origin}/", timeout=10)
            events = sentry.wait_for_events()
        finally:
            server.stop()

    assert failed.status_code == 500, failed.text[-2000:]
    assert not sentry.errors, f"the receiver could not read what was sent: {sentry.errors}"
    assert len(events) == 1, (
        f"expected one error report within {DELIVERY_DEADLINE}s, got {len(events)}: "
        f"{[item.type for item in sentry.items]}\n{server.output_tail()}"
    )
    event = events[0]
    exceptions = event["exception"]["values"]
    assert [e["type"] for e in exceptions] == ["UnexpectedApiAnswer"], exceptions
    assert (event["environment"], event["release"]) == ("staging", release), event
    tags = event.get("tags") or {}
    assert tags.get("request_id") == request_id, tags
    # The trace the web's own log line of the failure names.
    failure_lines = [line for line in log_lines(server) if line.get("msg") == "request failed"]
    assert [line.get("requestId") for line in failure_lines] == [request_id], failure_lines
    assert tags.get("trace_id") == failure_lines[0].get("trace_id"), (tags, failure_lines)
    assert re.fullmatch(r"[0-9a-f]{32}", str(tags.get("trace_id"))), tags
    leaks = sentry.leaks(secrets_sent)
    assert not leaks, "secrets reached the error reports:\n" + "\n\n".join(leaks)
    # Nor the web's own log: its failure line names the path, not the query.
    logged = [what for what, value in secrets_sent.items() if value in str(failure_lines)]
    assert not logged, f"{logged} in the web's log: {failure_lines}"

    # The browser's side of it: settings read at run time, the DSN's origin allowed.
    assert page.status_code == 200, page.text[-2000:]
    settings = error_reports_meta(page.text)
    assert settings is not None, page.text[-2000:]
    assert {k: settings.get(k) for k in ("dsn", "environment", "release")} == {
        "dsn": sentry.dsn,
        "environment": "staging",
        "release": release,
    }, settings
    assert connect_src(page) == ["'self'", f"http://127.0.0.1:{sentry.port}"], page.headers
    record(
        f"web error report {web_project.case.id}: {exceptions[0]['type']} tagged "
        f"request_id and trace_id, {len(sentry.items)} items, "
        f"{len(secrets_sent)} secrets looked for, none found"
    )


def test_nothing_is_reported_without_a_dsn(web_project: GeneratedProject, api_port: int) -> None:
    """SENTRY_DSN empty: a failing page is logged, nothing is sent (a receiver listens all the
    while), and the page gives the browser no settings and no other origin to connect to."""
    with SentryReceiver() as sentry:
        server = WebProcess.for_web_project(
            web_project, f"http://127.0.0.1:{api_port}", name="web-no-sentry", SENTRY_DSN=""
        )
        server.start()
        try:
            with StandInApi(api_port, 200, body=NOT_THE_API):
                failed = httpx.get(f"{server.origin}/", timeout=10)
            with StandInApi(api_port, 200):
                page = httpx.get(f"{server.origin}/", timeout=10)
            time.sleep(3)  # what a background worker would have sent by now
        finally:
            server.stop()
    assert failed.status_code == 500, failed.text[-2000:]
    assert [line for line in log_lines(server) if line.get("msg") == "request failed"]
    assert sentry.items == [], [item.type for item in sentry.items]
    assert error_reports_meta(page.text) is None
    assert connect_src(page) == ["'self'"]


def test_source_maps_are_built_but_not_served(web: WebProcess) -> None:
    """The build makes the browser's source maps (for error reports); the server serves none
    (`make web-start`, as the image, leaves them out)."""
    static = web.project.path / "apps/web/.next/static"
    maps = sorted(static.rglob("*.js.map"))
    assert maps, f"next build made no browser source map under {static}"
    page = httpx.get(f"{web.origin}/", timeout=10)
    scripts = sorted(set(re.findall(r'/_next/static/[^"]+\.js', page.text)))
    assert scripts, page.text[-2000:]
    for script in scripts:
        assert httpx.get(f"{web.origin}{script}", timeout=10).status_code == 200, script
        assert httpx.get(f"{web.origin}{script}.map", timeout=10).status_code == 404, script
    url = "/_next/static/" + str(maps[0].relative_to(static))
    assert httpx.get(f"{web.origin}{url}", timeout=10).status_code == 404, url
