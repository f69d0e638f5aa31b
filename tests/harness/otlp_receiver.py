"""An OTLP/HTTP trace receiver on loopback: takes what an OpenTelemetry SDK exports to
`http://127.0.0.1:<port>` (POST /v1/traces, protobuf, plain or gzip, with a length or chunked
as Node.js's exporter sends it) and keeps every span, decoded with the protocol's own
definitions (opentelemetry-proto)."""

from __future__ import annotations

import gzip
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from tests.harness.loopback_http import LoopbackHttpServer


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


SERVER, CLIENT = 2, 3  # OTLP's SpanKind


def caller_context() -> tuple[str, str, str]:
    """A caller's new trace id, its span id and the sampled traceparent header naming both."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, span_id, f"00-{trace_id}-{span_id}-01"


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    trace_id: str  # hex, as W3C Trace Context and log lines write it
    span_id: str
    parent_span_id: str  # "" for a trace's root span
    kind: int  # SpanKind: 2 server, 3 client
    attributes: dict[str, Any]


class OtlpReceiver(LoopbackHttpServer):
    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.body()
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                receiver.take(ExportTraceServiceRequest.FromString(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                    return self.rfile.read(int(self.headers.get("Content-Length", "0")))
                chunks = []
                while size := int(self.rfile.readline().split(b";", 1)[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()  # the CRLF after each chunk
                self.rfile.readline()  # the CRLF after the last, empty chunk
                return b"".join(chunks)

            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

        super().__init__(Handler)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self, request: ExportTraceServiceRequest) -> None:
        spans = []
        for resource_spans in request.resource_spans:
            resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    spans.append(
                        Span(
                            service=str(resource.get("service.name", "")),
                            name=span.name,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            kind=span.kind,
                            attributes={a.key: _value(a.value) for a in span.attributes},
                        )
                    )
        with self.lock:
            self.spans.extend(spans)

    def trace(self, trace_id: str, until: Any, timeout: float = 15) -> list[Span]:
        """The spans of `trace_id` once until(spans) holds (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [span for span in self.spans if span.trace_id == trace_id]
            if until(found) or time.monotonic() > deadline:
                return found
            time.sleep(0.2)
