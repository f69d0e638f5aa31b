"""Headless Chromium (Debian's chromium-headless-shell, installed by scripts/bootstrap) driven
over the DevTools protocol: a real browser for what only a browser does (run a page's
scripts under its Content-Security-Policy, send from the page to another origin).

One browser per `with`, on a profile of its own; `page()` is its first tab. The protocol is
JSON over a websocket (the `websockets` library): a command is answered by the message with
its id, everything else is an event, kept in order for the test to look through.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Self

import httpx
from websockets.sync.client import ClientConnection, connect

PROGRAM = "chromium-headless-shell"
# A cold start of the browser on a busy 2-core machine.
START_TIMEOUT = 30.0
COMMAND_TIMEOUT = 30.0

Event = dict[str, Any]


class DevToolsError(AssertionError):
    pass


class Page:
    """One tab's DevTools session."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.events: list[Event] = []
        self._next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Run a command; its result (events arriving meanwhile are kept)."""
        self._next_id += 1
        command_id = self._next_id
        self.connection.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while True:
            message = self._receive(deadline, f"{method}'s answer")
            if message.get("id") == command_id:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def wait_for(
        self,
        what: str,
        matches: Callable[[Event], bool],
        since: int = 0,
        timeout: float = COMMAND_TIMEOUT,
    ) -> Event:
        """The first event from the `since`th on (kept or still to come) that `matches`."""
        deadline = time.monotonic() + timeout
        seen = since
        while True:
            for event in self.events[seen:]:
                if matches(event):
                    return event
            seen = len(self.events)
            self._receive(deadline, what)

    def evaluate(self, expression: str) -> Any:
        """`expression`'s value in the page (a promise awaited), or the page's exception."""
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        """Open `url` and wait for its load event (the page's scripts have run)."""
        loaded = len(self.events)
        answer = self.send("Page.navigate", url=url)
        if "errorText" in answer:
            raise DevToolsError(f"{url}: {answer['errorText']}")
        self.wait_for(
            f"the load event of {url}",
            lambda event: event["method"] == "Page.loadEventFired",
            since=loaded,
        )

    def scripts(self) -> dict[str, str]:
        """Every script the page has loaded so far, by URL: its text as the browser got it."""
        finished = {
            event["params"]["requestId"]
            for event in self.events
            if event["method"] == "Network.loadingFinished"
        }
        scripts = {}
        for event in list(self.events):
            params = event.get("params", {})
            if (
                event["method"] == "Network.responseReceived"
                and params["type"] == "Script"
                and params["requestId"] in finished
            ):
                body = self.send("Network.getResponseBody", requestId=params["requestId"])
                assert not body["base64Encoded"], params["response"]["url"]
                scripts[params["response"]["url"]] = str(body["body"])
        return scripts

    def requested(self) -> list[str]:
        """The URL of every request the page has made so far."""
        return [
            str(event["params"]["request"]["url"])
            for event in self.events
            if event["method"] == "Network.requestWillBeSent"
        ]

    def console(self) -> list[str]:
        """What the page logged (console calls, and the browser's own entries such as a
        Content-Security-Policy refusal), for failure messages."""
        lines = []
        for event in self.events:
            params = event.get("params", {})
            if event.get("method") == "Log.entryAdded":
                entry = params["entry"]
                lines.append(f"{entry.get('level')}: {entry.get('text')} {entry.get('url', '')}")
            elif event.get("method") == "Runtime.consoleAPICalled":
                texts = [str(arg.get("value", arg.get("description"))) for arg in params["args"]]
                lines.append(f"console.{params.get('type')}: {' '.join(texts)}")
            elif event.get("method") == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                lines.append(f"uncaught: {details.get('exception', {}).get('description')}")
        return lines

    def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        late = f"no {what} in time; the page logged:\n"
        left = deadline - time.monotonic()
        if left <= 0:
            raise DevToolsError(late + "\n".join(self.console()))
        try:
            message = json.loads(self.connection.recv(timeout=left))
        except TimeoutError:
            raise DevToolsError(late + "\n".join(self.console())) from None
        if "method" in message:
            self.events.append(message)
        return dict(message)


class Chromium:
    def __init__(self) -> None:
        program = shutil.which(PROGRAM)
        assert program, f"{PROGRAM} is not installed: run scripts/bootstrap"
        self.program = program
        self.home = Path(tempfile.mkdtemp(prefix="chromium-"))
        self.profile = self.home / "profile"
        self.log = self.home / "stderr.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.connections = ExitStack()

    def __enter__(self) -> Self:
        self._log_file = self.log.open("wb")
        # --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
        # Port 0: the browser picks a free one and writes it to DevToolsActivePort.
        self.process = subprocess.Popen(
            [
                self.program,
                "--no-sandbox",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "--no-first-run",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log_file,
        )
        return self

    def page(self) -> Page:
        """The browser's first tab, its network, page, runtime and log events on."""
        port = self._devtools_port()
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        tab = next(target for target in targets if target["type"] == "page")
        page = Page(
            self.connections.enter_context(connect(tab["webSocketDebuggerUrl"], max_size=None))
        )
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        return page

    def _devtools_port(self) -> int:
        active_port = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT
        while not active_port.exists() or not active_port.read_text().strip():
            assert self.process is not None
            if self.process.poll() is not None:
                raise DevToolsError(f"{PROGRAM} exited: {self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise DevToolsError(f"{PROGRAM} did not open its DevTools port")
            time.sleep(0.1)
        return int(active_port.read_text().splitlines()[0])

    def __exit__(self, *exc: object) -> None:
        self.connections.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        shutil.rmtree(self.home, ignore_errors=True)
