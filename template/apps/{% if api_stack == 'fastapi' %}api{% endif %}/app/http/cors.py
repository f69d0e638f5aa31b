"""CORS for the origins in ALLOWED_ORIGINS only; every other origin gets no CORS header at all.

Starlette's CORSMiddleware answers a foreign preflight with 400 and still lists the allowed
methods; the contract wants foreign origins to learn nothing, so they bypass it entirely.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_METHODS = ["GET", "POST", "PATCH", "DELETE", "OPTIONS"]
ALLOWED_HEADERS = ["authorization", "content-type", "x-request-id"]


class AllowedOriginsCors:
    def __init__(self, app: ASGIApp, origins: frozenset[str]) -> None:
        self.app = app
        self.origins = {origin.encode() for origin in origins}
        self.cors = CORSMiddleware(
            app,
            allow_origins=sorted(origins),
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=["x-request-id", "retry-after"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._header(scope, b"origin") not in self.origins:
            await self.app(scope, receive, send)
        elif scope["method"] == "OPTIONS" and self._header(scope, b"access-control-request-method"):
            await self.cors(scope, receive, self._no_content(send))
        else:
            await self.cors(scope, receive, send)

    @staticmethod
    def _no_content(send: Send) -> Send:
        """Starlette answers a preflight 200 "OK"; the contract (like most gateways) says 204."""

        async def send_204(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name not in (b"content-length", b"content-type")
                ]
                message = {**message, "status": 204, "headers": headers}
            elif message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        return send_204

    @staticmethod
    def _header(scope: Scope, wanted: bytes) -> bytes | None:
        return next((value for name, value in scope["headers"] if name == wanted), None)
