"""Graceful shutdown as the contract describes it, on top of uvicorn's own.

SIGTERM: readiness answers 503 at once; the server keeps serving for SHUTDOWN_DELAY_MS (so
Traefik notices and stops routing here); then it stops accepting connections and waits up to
SHUTDOWN_DRAIN_MS for requests in flight; the lifespan closes the pool and Redis; exit 0, or
1 if the drain ran out. uvicorn alone would close the listener at once and re-raise SIGTERM
after a clean shutdown (exit status 143), hence this subclass.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from types import FrameType

import structlog
import uvicorn

logger = structlog.get_logger("shutdown")


class ShutdownState:
    """Read by the readiness check; set once, by the first SIGTERM."""

    def __init__(self) -> None:
        self.requested_at: float | None = None

    @property
    def shutting_down(self) -> bool:
        return self.requested_at is not None


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, state: ShutdownState, delay_ms: int, drain_ms: int):
        super().__init__(config)
        self.state = state
        self.delay = delay_ms / 1000
        self.drain = drain_ms / 1000
        self.drain_timed_out = False
        self.sigterm_logged = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A signal handler interrupts whatever the main thread was doing, a log line half
        # written included: it only notes the time, and on_tick, in the event loop, logs it.
        # (Logging here deadlocks on the log writer's lock whenever SIGTERM arrives while
        # stdout is full, as under load behind a slow log reader: the process then never
        # answers or exits.)
        if sig == signal.SIGTERM and not self.state.shutting_down:
            # Not uvicorn's handler: it would stop listening now and re-raise SIGTERM at exit.
            self.state.requested_at = time.monotonic()
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        should_exit = await super().on_tick(counter)
        started = self.state.requested_at
        if started is not None and not self.sigterm_logged:
            self.sigterm_logged = True
            logger.info(
                "SIGTERM received: readiness is down, serving on", delayMs=self.delay * 1000
            )
        return should_exit or (started is not None and time.monotonic() - started >= self.delay)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        logger.info("closing the listener, draining requests in flight", drainMs=self.drain * 1000)
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close, busy ones finish first
        try:
            await asyncio.wait_for(self._drained(), timeout=self.drain)
        except TimeoutError:
            self.drain_timed_out = True
            logger.error(
                "drain time ran out, cancelling requests", requests=len(self.server_state.tasks)
            )
            for task in self.server_state.tasks:
                task.cancel()
        # What is left for uvicorn's own shutdown: closing what the drain already emptied.
        self.config.timeout_graceful_shutdown = 1
        await super().shutdown(sockets)

    async def _drained(self) -> None:
        # uvicorn offers no event for "all connections closed": poll its state.
        while self.server_state.tasks or self.server_state.connections:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
