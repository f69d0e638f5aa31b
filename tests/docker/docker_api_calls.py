"""Raw Docker API requests sent from inside a container, and what each reader's proxy must do.

The requests are written byte for byte (bash's /dev/tcp, HTTP/1.0): no client library
normalises `..`, `//` or `%2F` away before the proxy sees them. An answer counts as the
engine's when it carries Docker's `Api-Version` header; a refusal is the proxy's 403, which
has none.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

API = "/v1.41"  # the engine here speaks 1.41; clients negotiate it (HEAD /_ping)


@dataclass(frozen=True)
class Call:
    what: str  # the matrix' row label
    request: str  # "METHOD TARGET", sent as is
    allowed: bool


def probe_script(calls: list[tuple[str, Call]]) -> str:
    """Bash that sends each call to its host's port 2375 and prints `<index> <status>
    <engine|proxy>`, or `<index> unreachable` when no connection can be made."""
    lines = [
        "send() {",
        '  exec 3<>"/dev/tcp/$2/2375" 2>/dev/null || { echo "$1 unreachable"; return; }',
        "  printf '%s HTTP/1.0\\r\\nHost: docker\\r\\n\\r\\n' \"$3\" >&3",
        "  read -r -t 10 _ status _ <&3",
        "  origin=proxy",
        "  while IFS= read -r -t 10 header <&3; do",
        "    header=${header%$'\\r'}",
        '    [ -z "$header" ] && break',
        '    case "${header,,}" in api-version:*) origin=engine ;; esac',
        "  done",
        "  exec 3<&-",
        '  echo "$1 ${status:-none} $origin"',
        "}",
    ]
    lines += [
        f"send {index} {host} {shlex.quote(call.request)}"
        for index, (host, call) in enumerate(calls)
    ]
    return "\n".join(lines)


def parse(output: str, count: int) -> list[str]:
    """Each call's outcome, in order: `200 engine`, `403 proxy`, `unreachable`, ..."""
    outcomes: dict[int, str] = {}
    for line in output.splitlines():
        index, _, outcome = line.partition(" ")
        if index.isdigit():
            outcomes[int(index)] = outcome
    assert len(outcomes) == count, f"expected {count} answers:\n{output}"
    return [outcomes[index] for index in range(count)]


def passed(outcome: str) -> bool:
    """The engine answered with success: the proxy let the call through."""
    status, _, origin = outcome.partition(" ")
    return origin == "engine" and status.startswith("2")


def refused(outcome: str) -> bool:
    """The proxy answered 403 itself: the engine never saw the call."""
    return outcome == "403 proxy"


def refused_everywhere(target: str, victim: str) -> list[Call]:
    """What no reader may do: read files, export, exec, attach, change anything, or reach an
    allowed path's neighbour through encodings, dot segments, double slashes or the query."""
    file = "archive?path=/etc/hostname"
    return [
        Call("archive (copy files out)", f"GET {API}/containers/{target}/{file}", False),
        Call("archive, HEAD (file metadata)", f"HEAD {API}/containers/{target}/{file}", False),
        Call("export (whole file system)", f"GET {API}/containers/{target}/export", False),
        Call("exec create", f"POST {API}/containers/{victim}/exec", False),
        Call("attach", f"POST {API}/containers/{victim}/attach?stream=1&stdout=1", False),
        Call("attach, websocket (GET)", f"GET {API}/containers/{victim}/attach/ws?stream=1", False),
        Call("stop", f"POST {API}/containers/{victim}/stop", False),
        Call("delete", f"DELETE {API}/containers/{victim}?force=1", False),
        Call("create", f"POST {API}/containers/create", False),
        Call("image list", f"GET {API}/images/json", False),
        Call("encoded slash %2F", f"GET {API}/containers/{target}%2F{file}", False),
        Call("encoded slash %2f, lower case", f"GET {API}/containers/{target}%2fexport", False),
        Call("dot segment after the version", f"GET {API}/../containers/{target}/{file}", False),
        Call("dot segment after json", f"GET {API}/containers/{target}/json/../{file}", False),
        Call(
            "encoded dots %2e%2e", f"GET {API}/containers/%2e%2e/containers/{target}/export", False
        ),
        Call("double slash in front", f"GET /{API}/containers/{target}/{file}", False),
        Call("double slash inside", f"GET {API}//containers/{target}/export", False),
        Call("absolute URI", f"GET http://docker{API}/containers/{target}/{file}", False),
        Call("allowed-looking query", f"GET {API}/containers/{target}/archive?x=/json", False),
        Call("unversioned path", f"GET /containers/{target}/export", False),
        Call("other API version", f"GET /v1.99/containers/{target}/export", False),
    ]


def reader_calls(reader: str, target: str, now: int, node: str) -> list[Call]:
    """Each reader's allowlist, call by call, and its neighbours that stay refused; `node` is
    this engine's swarm node id."""
    ping = [Call("ping, HEAD", "HEAD /_ping", True), Call("ping, GET", "GET /_ping", True)]
    inspect = Call("container inspect", f"GET {API}/containers/{target}/json", True)
    query = f"all=1&x=/../{target}/archive"
    listing = Call(
        "container list (query cannot redirect)", f"GET {API}/containers/json?{query}", True
    )
    events = f"GET {API}/events?since={now - 60}&until={now}"
    logs = f"GET {API}/containers/{target}/logs?stdout=1&stderr=1&timestamps=1&since=0"
    running = '{"desired-state":{"running":true}}'
    if reader == "traefik":
        return [
            *ping,
            Call("version", f"GET {API}/version", True),
            Call("services", f"GET {API}/services?status=true", True),
            Call("tasks (query cannot redirect)", f"GET {API}/tasks?filters={running}", True),
            Call("networks", f"GET {API}/networks", True),
            Call("node inspect", f"GET {API}/nodes/{node}", True),
            Call("node list", f"GET {API}/nodes", False),
            Call("swarm (its join tokens)", f"GET {API}/swarm", False),
            Call("secrets", f"GET {API}/secrets", False),
            Call("service logs", f"GET {API}/services/{target}/logs?stdout=1", False),
            Call("container list", f"GET {API}/containers/json", False),
            Call("container inspect", f"GET {API}/containers/{target}/json", False),
            Call("events", events, False),
            Call("logs", logs, False),
            Call("info", f"GET {API}/info", False),
        ]
    if reader == "alloy":
        return [
            *ping,
            listing,
            Call("networks", f"GET {API}/networks", True),
            inspect,
            Call("logs", logs, True),
            Call("version", f"GET {API}/version", False),
            Call("info", f"GET {API}/info", False),
            Call("events", events, False),
        ]
    assert reader == "cadvisor", reader
    return [
        *ping,
        Call("info", f"GET {API}/info", True),
        Call("version", f"GET {API}/version", True),
        inspect,
        Call("container list", f"GET {API}/containers/json", False),
        Call("logs", logs, False),
        Call("events", events, False),
        Call("networks", f"GET {API}/networks", False),
    ]


# An HAProxy httplog line (haproxy.cfg): ... <status> <bytes> ... "<METHOD> <target> HTTP/1.x"
LOG_LINE = re.compile(r' (\d{3}) \+?\d+ .*"(\w+) (\S+) HTTP/1\.[01]"$')
# A container's id (64 hex digits) or a swarm object's (25 base-36 characters), in a path.
HEX_ID = re.compile(r"(?<=/)(?:[0-9a-f]{64}|[0-9a-z]{25})(?=/|$)")


def calls_in_log(log: str) -> dict[str, set[str]]:
    """`METHOD /path` (container ids as {id}, no query) -> the statuses a proxy's log shows."""
    calls: dict[str, set[str]] = {}
    for line in log.splitlines():
        match = LOG_LINE.search(line)
        if match:
            status, method, target = match.groups()
            shape = HEX_ID.sub("{id}", target.partition("?")[0])
            calls.setdefault(f"{method} {shape}", set()).add(status)
    return calls
