"""SIGTERM while the API's stdout is full: the shutdown still runs once the log reader
catches up, and no request is left hanging.

Docker reads a container's stdout through a pipe. Under load on a busy server the reader
falls behind, the pipe fills, and the API's log writes block; a deploy retiring the
container sends SIGTERM just then. The FastAPI stack once logged from its signal handler,
which interrupted a log write holding the writer's lock and waited for that lock forever:
the process answered nothing more and never exited, until `docker stop` killed it 30 s
later, and requests sent meanwhile hung (seen in the deploy layer's load test).

Here the API's stdout is a pipe this test reads in a thread; the test stops reading while
requests keep coming, checks the pipe is full, sends SIGTERM, reads again a second later.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import termios
import threading
import time
from array import array
from typing import IO

import httpx
import pytest

from tests.harness.answer_sets import RUNTIME_CASES
from tests.harness.api_process import START_TIMEOUT, ApiProcess
from tests.harness.ports import ADDRESSES
from tests.report import record

# fcntl's F_GETPIPE_SZ (Linux): a pipe's capacity in bytes.
F_GETPIPE_SZ = 1032
# Seconds the queued byte count must stay the same for the pipe to count as full.
STILL_FOR = 1.0
SHUTDOWN_DELAY_MS = 1000
SHUTDOWN_DRAIN_MS = 5000
LOAD_WORKERS = 6
# Long enough for a request queued behind the blocked log writes, short of hanging.
REQUEST_TIMEOUT = 8.0


class PausableReader:
    """Reads a pipe in a thread and keeps what it read; while paused it reads nothing."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self.pipe = pipe
        self.running = threading.Event()
        self.running.set()
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            self.running.wait()
            chunk = os.read(self.pipe.fileno(), 65536)
            if not chunk:
                return
            self.chunks.append(chunk)

    def queued_bytes(self) -> int:
        """Bytes written to the pipe and not read yet."""
        count = array("i", [0])
        fcntl.ioctl(self.pipe.fileno(), termios.FIONREAD, count)
        return count[0]

    def capacity(self) -> int:
        return fcntl.fcntl(self.pipe.fileno(), F_GETPIPE_SZ)

    def text(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")


class RequestLoad:
    """Threads sending GET requests in a loop, each from a loopback address of its own;
    counts answers, and requests that got no answer within REQUEST_TIMEOUT."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sending = threading.Event()
        self.answered = 0
        self.timed_out = 0
        self.refused = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._send) for _ in range(LOAD_WORKERS)]

    def _send(self) -> None:
        transport = httpx.HTTPTransport(local_address=ADDRESSES.next())
        with httpx.Client(transport=transport, timeout=REQUEST_TIMEOUT) as client:
            while self.sending.is_set():
                try:
                    client.get(self.url)
                    outcome = "answered"
                except httpx.TimeoutException:
                    outcome = "timed_out"
                except httpx.TransportError:
                    outcome = "refused"  # the listener closed after SHUTDOWN_DELAY_MS
                    time.sleep(0.05)
                with self.lock:
                    setattr(self, outcome, getattr(self, outcome) + 1)

    def start(self) -> None:
        self.sending.set()
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.sending.clear()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)


def wait_until_full(reader: PausableReader, timeout: float = 10) -> tuple[int, int]:
    """(queued, capacity) once nothing more fits: the count has not grown for a second while
    requests, each logging a line, kept coming. (Not simply queued == capacity: a write of up
    to a page is all or nothing, so a full pipe can have several hundred bytes free in each
    of its pages.)"""
    capacity = reader.capacity()
    deadline = time.monotonic() + timeout
    queued, since = reader.queued_bytes(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < STILL_FOR:
        time.sleep(0.1)
        now = reader.queued_bytes()
        if now != queued:
            queued, since = now, time.monotonic()
    return queued, capacity


# The shutdown code is the same for every answer set: once per stack, on the every-feature one.
@pytest.mark.parametrize(
    "runtime_case",
    [case for case in RUNTIME_CASES if case.answer_set == "all-features"],
    indirect=True,
    ids=lambda case: case.id,
)
def test_sigterm_while_stdout_is_full_drains_and_exits_0(running_api: ApiProcess) -> None:
    api = ApiProcess.for_project(
        running_api.project,
        name="stdout-full",
        SHUTDOWN_DELAY_MS=str(SHUTDOWN_DELAY_MS),
        SHUTDOWN_DRAIN_MS=str(SHUTDOWN_DRAIN_MS),
        RATE_LIMIT_MAX="1000000",
    )
    api.spawn(stdout=subprocess.PIPE)
    assert api.launcher is not None
    assert api.launcher.stdout is not None
    reader = PausableReader(api.launcher.stdout)
    load = RequestLoad(f"{api.origin}{api.live_path}")
    try:
        api.wait_ready(START_TIMEOUT)
        load.start()
        time.sleep(0.5)
        reader.running.clear()
        queued, capacity = wait_until_full(reader)
        assert queued > capacity // 2, (
            f"the pipe never filled ({queued} of {capacity} bytes): the test proves nothing"
        )
        api.send_sigterm()
        time.sleep(1)
        reader.running.set()
        time.sleep(0.5)
        load.stop()
        try:
            code = api.wait_exit(timeout=(SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_MS) / 1000 + 10)
        except subprocess.TimeoutExpired as hung:
            raise AssertionError(
                "the API never exited after SIGTERM arrived while its stdout was full"
                f"\n{reader.text()[-3000:]}"
            ) from hung
    finally:
        load.stop()
        reader.running.set()
        api.stop(timeout=5)
    record(
        f"shutdown with stdout full [{running_api.project.case.id}]: pipe {queued} of"
        f" {capacity} bytes at SIGTERM; {load.answered} requests answered,"
        f" {load.timed_out} hung, {load.refused} refused once the listener closed; exit {code}"
    )
    assert code == 0, reader.text()[-3000:]
    assert load.timed_out == 0, f"{load.timed_out} requests hung\n{reader.text()[-3000:]}"
