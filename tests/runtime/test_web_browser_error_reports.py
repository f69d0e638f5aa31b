"""The web front end's error reports from a real browser: headless Chromium
(tests/harness/chromium.py) opens a page of the built server (`make web-start`), an error
goes uncaught in the page, and the local Sentry stand-in (tests/harness/sentry_receiver.py)
is where the page's DSN points.

What only a browser shows: the settings the page carries (a meta tag) start the browser SDK,
which loads as a chunk of its own; the page's Content-Security-Policy lets the report
through to the DSN's origin; the browser's beforeSend (lib/scrub-secrets.ts) scrubs it.
Without a DSN the page loads nothing of Sentry and sends nothing. One stack's project:
apps/web is the same files for both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.harness.chromium import Chromium, Page
from tests.harness.ports import free_ports
from tests.harness.project import GeneratedProject
from tests.harness.sentry_receiver import DELIVERY_DEADLINE, SentryReceiver
from tests.harness.web_process import WebProcess
from tests.report import record

ENVIRONMENT = "staging"
RELEASE = "8.8.8-browser"
# The SDK's global state in a page (`globalThis.__SENTRY__`): only the SDK's code names it,
# so a script that does is the SDK's chunk.
SDK_GLOBAL = "__SENTRY__"
# Resolves once Sentry.init has run in the page: the SDK's current scope has a client.
# (Waits as long as the DevTools command may: the SDK loads after the page's load event.)
SDK_STARTED = """new Promise((resolve) => {
  const started = () => {
    const carrier = globalThis.__SENTRY__;
    const sdk = carrier && carrier[carrier.version];
    if (sdk && sdk.defaultCurrentScope && sdk.defaultCurrentScope.getClient()) resolve(true);
    else setTimeout(started, 50);
  };
  started();
})"""


@contextmanager
def web_server(project: GeneratedProject, name: str, dsn: str) -> Iterator[WebProcess]:
    """The built web server with `dsn` (the API it calls is down: the page says so)."""
    (api_port,) = free_ports(1)
    server = WebProcess.for_web_project(
        project,
        f"http://127.0.0.1:{api_port}",
        name=name,
        SENTRY_DSN=dsn,
        APP_ENV=ENVIRONMENT,
        APP_VERSION=RELEASE,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def throw_uncaught(page: Page, message: str) -> None:
    """An error no code of the page catches, thrown from a timer as a bug would be."""
    page.evaluate(f"setTimeout(() => {{ throw new Error({message!r}); }}); true")


def page_request_id(page: Page) -> str:
    """The X-Request-Id the server answered the page with."""
    documents = [
        event["params"]["response"]
        for event in page.events
        if event["method"] == "Network.responseReceived" and event["params"]["type"] == "Document"
    ]
    headers = {name.lower(): value for name, value in documents[-1]["headers"].items()}
    return str(headers["x-request-id"])


def test_an_uncaught_error_in_the_browser_is_reported_without_secrets(
    sentry_web_project: GeneratedProject,
) -> None:
    """A secret in the page's query, a cookie the page's scripts can read, a token in the
    error's own message (a URL's query, as a failed request's error would name it): the
    report arrives, from the browser's SDK, with the environment and release the server was
    given and the page view's request id, and none of the secrets is anywhere in what the
    browser sent (the query and the cookie the SDK leaves out; the message's token only
    beforeSend removes)."""
    query_token = f"query-{uuid.uuid4().hex}"
    cookie = f"cookie-{uuid.uuid4().hex}"
    message_token = f"message-{uuid.uuid4().hex}"
    secrets = {
        "the page's query token": query_token,
        "the cookie's value": cookie,
        "the token in the error's message": message_token,
    }
    message = f"browser test {uuid.uuid4().hex[:8]}: GET /api/v1/notes?token={message_token}"
    with (
        SentryReceiver() as sentry,
        web_server(sentry_web_project, "web-browser", sentry.dsn) as server,
        Chromium() as browser,
    ):
        page = browser.page()
        version = page.send("Browser.getVersion")["product"]
        page.send("Network.setCookie", name="session", value=cookie, url=f"{server.origin}/")
        page.navigate(f"{server.origin}/?token={query_token}")
        assert page.evaluate(SDK_STARTED) is True
        throw_uncaught(page, message)
        events = sentry.wait_for_events()
        scripts = page.scripts()
        console = page.console()
        request_id = page_request_id(page)

    assert not sentry.errors, f"the receiver could not read what was sent: {sentry.errors}"
    assert len(events) == 1, (
        f"expected the browser's report within {DELIVERY_DEADLINE}s, got {len(events)} "
        f"({[item.type for item in sentry.items]}); the page logged:\n" + "\n".join(console)
    )
    event = events[0]
    assert (event["sdk"]["name"], event["platform"]) == ("sentry.javascript.nextjs", "javascript")
    assert (event["environment"], event["release"]) == (ENVIRONMENT, RELEASE), event
    exceptions = event["exception"]["values"]
    assert [(e["type"], e["mechanism"]["handled"]) for e in exceptions] == [("Error", False)]
    assert exceptions[0]["value"] == message.replace(message_token, "[Filtered]"), exceptions
    assert event["tags"].get("request_id") == request_id, event["tags"]
    leaks = sentry.leaks(secrets)
    assert not leaks, "secrets reached the error reports:\n" + "\n\n".join(leaks)
    # The SDK came as a chunk of its own, after the page's own scripts.
    sdk_chunks = [url for url, text in scripts.items() if SDK_GLOBAL in text]
    assert sdk_chunks, f"no script the page loaded is the SDK's: {list(scripts)}"
    record(
        f"web browser error report {sentry_web_project.case.id}: {version}, "
        f"{event['sdk']['name']} {event['sdk']['version']} loaded as "
        f"{len(sdk_chunks)} of {len(scripts)} scripts; Error reported through the page's "
        f"CSP, {len(sentry.bodies)} requests, {len(secrets)} secrets looked for, none found"
    )


def test_without_a_dsn_the_browser_loads_and_sends_nothing_of_sentry(
    sentry_web_project: GeneratedProject,
) -> None:
    """SENTRY_DSN empty on the server (a receiver listening all the while): the page's own
    scripts run, an uncaught error happens in it, and no script of the SDK is loaded, no
    request leaves for the receiver, nothing arrives there."""
    message = f"browser test {uuid.uuid4().hex[:8]}: no reports"
    with (
        SentryReceiver() as sentry,
        web_server(sentry_web_project, "web-browser-no-dsn", "") as server,
        Chromium() as browser,
    ):
        page = browser.page()
        page.navigate(f"{server.origin}/")
        before = len(page.events)
        throw_uncaught(page, message)
        page.wait_for(
            "the uncaught error",
            lambda event: (
                event["method"] == "Runtime.exceptionThrown"
                and message in str(event["params"]["exceptionDetails"])
            ),
            since=before,
        )
        sdk_global = page.evaluate(f"typeof globalThis.{SDK_GLOBAL}")
        scripts = page.scripts()
        requested = page.requested()

    assert scripts, "the page loaded no script at all"
    assert sdk_global == "undefined"
    assert [url for url, text in scripts.items() if SDK_GLOBAL in text] == []
    receiver = f"http://127.0.0.1:{sentry.port}"
    assert [url for url in requested if url.startswith(receiver)] == []
    assert sentry.bodies == []
    record(
        f"web browser without DSN {sentry_web_project.case.id}: uncaught error, "
        f"{len(scripts)} scripts loaded, none of the SDK; nothing sent"
    )
