"""Traces with OpenTelemetry, configured by the standard OTEL_* variables.

On only when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
OTEL_EXPORTER_OTLP_ENDPOINT): otherwise nothing is instrumented and a request pays for no
span at all. Then: a server span per request named by its route template (FastAPI's
instrumentation: `GET /api/v1/notes/{note_id}`), the SQL statements and Redis commands it
runs as child spans (asyncpg's queries, Redis commands), a `traceparent` header from the caller (the web front end) continuing the
caller's trace, and spans sent over OTLP/HTTP in batches. The sampler, service name, headers
and the rest come from the SDK's own variables (OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME,
OTEL_EXPORTER_OTLP_HEADERS ...; .env.example sets the first few). Every log line of a traced
request carries its trace_id and span_id (app/logs.py).
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.resources import (
    SERVICE_NAME,
    SERVICE_VERSION,
    OTELResourceDetector,
    Resource,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from app.config import Settings
from app.paths import API_PREFIX
from app.resources import Resources

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes and scrapes, every few seconds: spans of them would drown the requests' own.
UNTRACED_PATHS = (f"{API_PREFIX}/health", f"{API_PREFIX}/metrics")


def tracing_enabled() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def _resource(settings: Settings) -> Resource:
    """The SDK's resource: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES first, the app's
    name, version and environment for what they leave out."""
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
    provider = TracerProvider(resource=_resource(settings))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=",".join(UNTRACED_PATHS),
        # Not a span per ASGI message sent or received: the request's span says it all.
        exclude_spans=["receive", "send"],
    )
    # The driver's queries (SQLAlchemy's own instrumentation stops at SQLAlchemy 2.0).
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    RedisInstrumentor.instrument_client(resources.redis, tracer_provider=provider)
    return provider
