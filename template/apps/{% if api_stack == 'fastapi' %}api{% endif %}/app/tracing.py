"""Traces with OpenTelemetry, configured by the standard OTEL_* variables.

On only when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
OTEL_EXPORTER_OTLP_ENDPOINT): otherwise nothing is instrumented and a request pays for no
span at all. Then: a server span per request named by its route template (FastAPI's
instrumentation: `GET /api/v1/notes/{note_id}`), the SQL statements and Redis commands it
runs as child spans (asyncpg's queries, Redis commands), a `traceparent` header from the
caller (the web front end) continuing the caller's trace, and spans sent over OTLP/HTTP in
batches. The sampler, service name, headers and the rest come from the SDK's own variables
(OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS ...; .env.example sets
the first few). Attribute names are OpenTelemetry's stable ones, as the NestJS stack writes
them. Every log line of a traced request carries its trace_id and span_id (app/logs.py).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from app.paths import OPERATIONAL_PATHS

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span
    from structlog.typing import Processor

    from app.config import Settings
    from app.resources import Resources

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")

# The trace id of the request being served, set when its server span starts. Its span has
# ended by the time the outermost middleware reports an unhandled error, so the error report
# (app/error_tracking.py) reads the id here, not from the current span.
request_trace_id: ContextVar[str | None] = ContextVar("request_trace_id", default=None)


def _remember_trace_id(span: Span, _scope: dict[str, Any]) -> None:
    context = span.get_span_context()
    if context.is_valid:
        request_trace_id.set(format(context.trace_id, "032x"))


def tracing_enabled() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def log_trace_ids() -> Processor:
    """A structlog processor adding trace_id and span_id of the span the line is logged in,
    as W3C Trace Context writes them: the trace backend finds the request's lines by them.
    Nothing outside a request. Only in the log pipeline where tracing is on (app/logs.py)."""
    from opentelemetry import trace

    def add_trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            event["trace_id"] = format(context.trace_id, "032x")
            event["span_id"] = format(context.span_id, "016x")
        return event

    return add_trace_ids


def _resource(settings: Settings) -> Resource:
    """The SDK's resource: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES first, the app's
    name, version and environment for what they leave out."""
    from opentelemetry.sdk.resources import (
        SERVICE_NAME,
        SERVICE_VERSION,
        OTELResourceDetector,
        Resource,
    )

    from_environment = OTELResourceDetector().detect().attributes
    defaults = {
        SERVICE_NAME: settings.app_name,
        SERVICE_VERSION: settings.app_version,
        "deployment.environment.name": settings.app_env,
    }
    return Resource.create(
        {key: value for key, value in defaults.items() if key not in from_environment}
    )


def configure_tracing(
    app: FastAPI, settings: Settings, resources: Resources
) -> TracerProvider | None:
    """Instrument `app` and its connections when tracing is on; the provider to shut down
    (it sends what is left) when the app stops, or None."""
    if not tracing_enabled():
        return None
    # Imported here, not at the top: the SDK, the exporter and the instrumentations are a
    # third of the app's imports, and a process without an endpoint never needs them.
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OpenTelemetry's stable HTTP and database attribute names (http.request.method,
    # db.system.name ...), as the Node.js instrumentations write them, unless set otherwise.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database")
    provider = TracerProvider(resource=_resource(settings))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=",".join(OPERATIONAL_PATHS),
        # Not a span per ASGI message sent or received: the request's span says it all.
        exclude_spans=["receive", "send"],
        server_request_hook=_remember_trace_id,
    )
    # The driver's queries (SQLAlchemy's own instrumentation stops at SQLAlchemy 2.0). Its
    # constructor has no annotations, the one untyped call here.
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    RedisInstrumentor.instrument_client(resources.redis, tracer_provider=provider)
    return provider
