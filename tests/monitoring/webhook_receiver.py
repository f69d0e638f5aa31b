"""An HTTP endpoint on loopback that records what Alertmanager posts to it."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.harness.loopback_http import LoopbackHttpServer


class WebhookReceiver(LoopbackHttpServer):
    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        received = self.payloads

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def alert_names(self) -> set[str]:
        return {
            alert["labels"]["alertname"] for payload in self.payloads for alert in payload["alerts"]
        }
