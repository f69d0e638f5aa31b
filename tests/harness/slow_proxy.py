"""A TCP proxy on 127.0.0.1 that holds back what the server sends: a deliberately slow API
for the load-test scenarios' thresholds, the API itself untouched. Served from a thread for
the block of a `with`."""

from __future__ import annotations

import asyncio
import threading
from typing import Self


class SlowProxy:
    def __init__(self, upstream_port: int, delay: float) -> None:
        """Every chunk the server at 127.0.0.1:`upstream_port` sends reaches the client
        `delay` seconds late; what the client sends goes through at once."""
        self.upstream_port = upstream_port
        self.delay = delay
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                if delay:
                    await asyncio.sleep(delay)
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.upstream_port
        )
        self.writers |= {client_writer, upstream_writer}
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, 0),
            self._pipe(upstream_reader, client_writer, self.delay),
        )

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])

    def __enter__(self) -> Self:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(timeout=10)
        return self

    async def _close(self) -> None:
        # In the loop's own thread: asyncio's server is not thread-safe (closed from another
        # thread, its last connection's wakeup raced the close's).
        if self.server is not None:
            self.server.close()
        for writer in self.writers:
            writer.close()

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
