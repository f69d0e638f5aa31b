"""A small HTTP server on 127.0.0.1, served from a thread for the block of a `with`: for
the stand-ins a test puts where a generated project expects a peer (a webhook receiver, an
API that answers with a chosen status)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackHttpServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        """Bound at once (port 0: a free one, see `port`); serving from `with` on."""
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class FixedAnswer(LoopbackHttpServer):
    """Answers every GET with 200 and `body`: a stand-in for a service behind a proxy."""

    def __init__(self, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}"
