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
