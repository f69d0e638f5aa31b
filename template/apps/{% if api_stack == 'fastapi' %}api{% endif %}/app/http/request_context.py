"""The outermost middleware: everything that must hold for every response, errors included.

Per request it picks the request id, adds it and the security headers to the response, keeps
the in-flight gauge, records the duration histogram by route template, writes the one
completion log line, and turns an unhandled exception into a 500 problem (no stack trace).
Written as plain ASGI rather than BaseHTTPMiddleware: no extra task or body copy per request.
"""

from __future__ import annotations

import time

import structlog
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.problems import problem_body
from app.http.request_id import choose_request_id, current_request_id
from app.http.security_headers import security_headers
from app.metrics.registry import IN_FLIGHT, REQUEST_DURATION
from app.paths import OPERATIONAL_PATHS

logger = structlog.get_logger("http")

UNMATCHED = "unmatched"


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        prefix: str,
        routes: list[BaseRoute],
    ) -> None:
        self.app = app
        self.docs_path = f"{prefix}/docs"
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = choose_request_id(scope["headers"])
        id_token = current_request_id.set(request_id)
        structlog.contextvars.bind_contextvars(requestId=request_id)
        path: str = scope["path"]
        extra_headers = [
            (b"x-request-id", request_id.encode()),
            *security_headers(path, self.docs_path),
        ]
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                message["headers"] = headers + extra_headers
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error", method=scope["method"], path=path)
            if not response_started:
                await self._internal_error(path, send_with_headers)
            # Re-raised so the server and error tracking see it; the client already has a 500.
            raise
        finally:
            IN_FLIGHT.dec()
            duration = time.perf_counter() - started
            if not path.startswith(OPERATIONAL_PATHS):
                REQUEST_DURATION.labels(
                    method=scope["method"],
                    route=self._route_template(scope),
                    status_code=str(status),
                ).observe(duration)
            logger.info(
                "request completed",
                method=scope["method"],
                path=path,
                statusCode=status,
                durationMs=round(duration * 1000, 3),
            )
            structlog.contextvars.unbind_contextvars("requestId")
            current_request_id.reset(id_token)

    def _route_template(self, scope: Scope) -> str:
        """The matched route's path template (`/api/v1/notes/{id}`), bounded cardinality.

        Routing stores the matched route in the scope. Responses made before routing (429,
        413) have none; match them here so they are labelled by route as well.
        """
        route = scope.get("route")
        if route is None:
            route = next((r for r in self.routes if r.matches(scope)[0] == Match.FULL), None)
        template = getattr(route, "path_format", None)
        return template if isinstance(template, str) else UNMATCHED

    @staticmethod
    async def _internal_error(path: str, send: Send) -> None:
        body = problem_body(500, path)
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
