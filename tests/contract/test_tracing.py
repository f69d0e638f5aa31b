"""Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, the API sends each request's spans over
OTLP/HTTP: a server span named by its route template, its database statements as child spans
in the same trace, the caller's trace continued from a `traceparent` header (as the web front
end's requests carry it), and the trace id in the request's log line. Without the endpoint
(every other test's instance) no span is made.

Against an API instance of its own whose endpoint is a receiver started by the test
(tests/harness/otlp_receiver.py), every trace sampled and sent within a fraction of a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.contract.test_logs import completion_line
from tests.harness.accounts import signed_up
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.http import assert_status, client
from tests.harness.otlp_receiver import SERVER, OtlpReceiver, Span, caller_context
from tests.monitoring.projects import load_yaml
from tests.paths import ROOT
from tests.report import record

NOTES_ROUTE = "GET /api/v1/notes"
# Grafana's Loki data source of a project with monitoring: its derived field links a log line
# to its trace.
DATASOURCES = (
    ROOT / "template/infra/{% if use_monitoring %}monitoring{% endif %}"
    "/grafana/provisioning/datasources/datasources.yml"
)


def linked_trace_id(line: str) -> str | None:
    """The trace id Grafana finds in a raw log line (the derived field's regex, RE2 syntax
    that Python's re reads alike)."""
    sources = load_yaml(DATASOURCES)["datasources"]
    (field,) = next(s for s in sources if s["uid"] == "loki")["jsonData"]["derivedFields"]
    match = re.search(field["matcherRegex"], line)
    return match.group(1) if match else None


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as started:
        yield started


@pytest.fixture(scope="module")
def traced_api(running_api: ApiProcess, receiver: OtlpReceiver) -> Iterator[ApiProcess]:
    instance = ApiProcess.for_project(
        running_api.project,
        name="traced",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_SERVICE_NAME="traced-api",
        OTEL_TRACES_SAMPLER="parentbased_always_on",
        OTEL_BSP_SCHEDULE_DELAY="100",  # ms between batches: the test waits less
    )
    instance.start()
    yield instance
    instance.stop()


def server_span(spans: list[Span]) -> Span | None:
    return next((span for span in spans if span.kind == SERVER), None)


def database_spans(spans: list[Span], system: str = "postgresql") -> list[Span]:
    return [span for span in spans if span.attributes.get("db.system.name") == system]


def test_a_request_is_one_trace_with_its_database_spans_and_its_log_line(
    runtime_case: RuntimeCase, traced_api: ApiProcess, receiver: OtlpReceiver
) -> None:
    trace_id, caller_span, traceparent = caller_context()
    with client(traced_api.base_url) as http:
        headers = signed_up(http, "traced").headers if runtime_case.use_auth else {}
        response = http.get("notes", headers={**headers, "traceparent": traceparent})
    assert_status(response, 200)

    spans = receiver.trace(trace_id, lambda found: server_span(found) and database_spans(found))
    server = server_span(spans)
    assert server is not None, f"no server span in trace {trace_id}: {spans}\n{receiver.spans}"
    assert server.name == NOTES_ROUTE
    assert server.parent_span_id == caller_span  # the caller's trace, continued
    assert server.service == "traced-api"  # OTEL_SERVICE_NAME
    # OpenTelemetry's stable attribute names, the same on both stacks (FastAPI opts in to them).
    assert server.attributes.get("http.request.method") == "GET", server
    assert server.attributes.get("http.route") == "/api/v1/notes", server
    assert server.attributes.get("http.response.status_code") == 200, server
    # Each statement's span descends from the request's server span.
    by_id = {span.span_id: span for span in spans}
    statements = database_spans(spans)
    assert statements, f"no database span in trace {trace_id}: {spans}"
    for statement in statements:
        ancestor = statement
        while ancestor.parent_span_id in by_id and ancestor.span_id != server.span_id:
            ancestor = by_id[ancestor.parent_span_id]
        assert ancestor.span_id == server.span_id, f"{statement} is not under {server}"

    cache = database_spans(spans, "redis")
    if runtime_case.answers["use_cache"]:
        assert cache, f"no Redis span in trace {trace_id}: {spans}"

    line = completion_line(traced_api, response.headers["x-request-id"])
    assert line.get("trace_id") == trace_id, line
    # In Grafana the raw line links to the trace (the API's own serialisation, as Loki has it).
    request_id = response.headers["x-request-id"]
    raw = next(
        row for row in traced_api.stdout_lines() if request_id in row and "statusCode" in row
    )
    assert linked_trace_id(raw) == trace_id, f"Grafana's log-to-trace link misses it in {raw}"
    record(
        f"trace {runtime_case.id}: {server.name} with {len(statements)} database and "
        f"{len(cache)} Redis spans of {len(spans)}; its log line carries trace_id, which "
        "Grafana's link from logs to traces finds"
    )


def test_probes_and_scrapes_make_no_span(traced_api: ApiProcess, receiver: OtlpReceiver) -> None:
    _, _, traceparent = caller_context()
    with client(traced_api.base_url) as http:
        for path in ("health", "health/ready", "metrics"):
            response = http.get(path, headers={"traceparent": traceparent})
            assert response.status_code == 200, path
    trace_id = traceparent.split("-")[1]
    assert not receiver.trace(trace_id, lambda found: False, timeout=2)


def test_without_an_endpoint_no_line_carries_a_trace_id(
    running_api: ApiProcess, receiver: OtlpReceiver
) -> None:
    _, _, traceparent = caller_context()
    with client(running_api.base_url) as http:
        response = http.get(
            "notes/00000000-0000-0000-0000-000000000000", headers={"traceparent": traceparent}
        )
    line = completion_line(running_api, response.headers["x-request-id"])
    assert "trace_id" not in line, line
