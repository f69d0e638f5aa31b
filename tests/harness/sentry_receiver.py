"""A Sentry-compatible endpoint on loopback: takes what an SDK sends to a DSN
`http://public@127.0.0.1:<port>/<project>` and keeps every envelope item, decoded.

SDKs POST envelopes to /api/<project>/envelope/ (older ones events to /api/<project>/store/),
gzip- or deflate-compressed or plain, with a length or chunked (the Node SDK streams). An
envelope is a JSON header line, then items: a JSON item header, whose `length` (when given)
counts the payload's bytes, and the payload up to that length or the next newline.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.harness.loopback_http import LoopbackHttpServer

PATHS = re.compile(r"^/api/\d+/(envelope|store)/(\?.*)?$")


@dataclass(frozen=True)
class Item:
    """One envelope item (or a /store/ event): its type and its payload as sent."""

    type: str
    payload: bytes

    @property
    def text(self) -> str:
        return self.payload.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.payload)


def decompress(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    # Anything else (br: sentry-python uses it when brotli is installed) must fail loudly,
    # never pass as "no secret found" because the bytes could not be read.
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


def envelope_items(envelope: bytes) -> list[Item]:
    _header, _, rest = envelope.partition(b"\n")
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        if not line.strip():
            continue
        header = json.loads(line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append(Item(str(header.get("type", "")), payload))
    return items


# The SDKs send from a background worker (the browser's when the page is idle); on a busy
# 2-core machine that can take a while.
DELIVERY_DEADLINE = 20.0


class SentryReceiver(LoopbackHttpServer):
    def __init__(self) -> None:
        self.items: list[Item] = []
        # Each request's whole body, decompressed: what a leak check must search, envelope
        # headers included.
        self.bodies: list[bytes] = []
        self.errors: list[str] = []
        lock = threading.Lock()
        items, bodies, errors = self.items, self.bodies, self.errors

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                match = PATHS.match(self.path)
                body = self.read_body()
                if not match:
                    with lock:
                        errors.append(f"POST {self.path}: not a Sentry endpoint")
                    self.send_response(404)
                    self.end_headers()
                    return
                try:
                    data = decompress(body, self.headers.get("Content-Encoding", ""))
                    received = (
                        envelope_items(data)
                        if match.group(1) == "envelope"
                        else [Item("event", data)]
                    )
                except (ValueError, OSError, zlib.error) as error:  # bad JSON, bad gzip
                    with lock:
                        errors.append(f"{self.path}: {error!r}")
                    self.send_response(400)
                    self.end_headers()
                    return
                with lock:
                    items.extend(received)
                    bodies.append(data)
                self.send_response(200)
                self.send_header("content-type", "application/json")
                # As Sentry answers a browser's report from another origin: the SDK may read
                # the answer (the report is sent either way).
                self.send_header("access-control-allow-origin", "*")
                self.end_headers()
                self.wfile.write(b"{}")

            def read_body(self) -> bytes:
                # The Node SDK streams its envelopes: chunked, with no Content-Length.
                if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
                    return self.rfile.read(int(self.headers.get("Content-Length", 0)))
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()  # the CRLF after each chunk
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields, up to the blank line
                return b"".join(chunks)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test's output stays readable

        super().__init__(Handler)
        self.dsn = f"http://public@127.0.0.1:{self.port}/1"

    def events(self) -> list[dict[str, Any]]:
        """Every error event received so far (transactions and sessions left out)."""
        return [item.json() for item in list(self.items) if item.type == "event"]

    def wait_for_events(self, deadline: float = DELIVERY_DEADLINE) -> list[dict[str, Any]]:
        """The error events once at least one has arrived, or none after `deadline` s."""
        until = time.monotonic() + deadline
        while not self.events() and time.monotonic() < until:
            time.sleep(0.2)
        return self.events()

    def leaks(self, secrets: dict[str, str]) -> list[str]:
        """Where each of `secrets` (what: value) appears in anything received, with what is
        around it; empty when none does."""
        return [
            f"{what} in a request's body: ...{text[max(at - 300, 0) : at + 300]}..."
            for text in (body.decode(errors="replace") for body in list(self.bodies))
            for what, value in secrets.items()
            if (at := text.find(value)) >= 0
        ]
