"""Constant traffic to the API through Traefik while a deploy runs: hey, counted afterwards.

hey runs until interrupted and then prints its report: the status code distribution and,
for requests that got no HTTP answer at all (refused, reset, timed out), the error
distribution. A request fails when it got no answer or an answer other than 2xx.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# 4 workers x 5 requests/s: steady traffic, well under the edge rate limit (50/s per client).
WORKERS = 4
RATE_PER_WORKER = 5
# A new connection per request costs a TLS handshake each: one worker is enough to see a
# moment the edge refuses them (5 requests/s), and leaves the processor to the deploy.
NEW_CONNECTION_WORKERS = 1


@dataclass
class LoadReport:
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    output: str = ""

    @property
    def total(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def failed(self) -> int:
        bad_statuses = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return bad_statuses + sum(self.errors.values())

    def summary(self) -> str:
        return f"{self.total} requests, {self.failed} failed"

    def failures(self) -> str:
        """What the failed requests got: each non-2xx status and each error, with counts."""
        bad = {f"HTTP {s}": n for s, n in self.statuses.items() if not 200 <= s < 300}
        return "; ".join(f"{n} x {what}" for what, n in {**bad, **self.errors}.items())


def parse_report(output: str) -> LoadReport:
    report = LoadReport(output=output)
    for status, count in re.findall(r"^\s+\[(\d{3})\]\s+(\d+) responses$", output, re.MULTILINE):
        report.statuses[int(status)] = int(count)
    if "Error distribution:" in output:
        errors = output.split("Error distribution:", 1)[1]
        for count, message in re.findall(r"^\s+\[(\d+)\]\s+(.+)$", errors, re.MULTILINE):
            report.errors[message] = int(count)
    return report


@contextmanager
def constant_load(
    https_port: int,
    host: str,
    path: str,
    address: str = "127.0.0.1",
    new_connections: bool = False,
) -> Iterator[LoadReport]:
    """Traffic to https://host/path (connected to address:https_port) for the block's length.

    With new_connections, every request opens its own connection and TLS handshake, as a
    browser arriving mid-deploy does; otherwise connections are kept alive, as a busy
    client's are.
    The report is filled in when the block ends; traffic runs a further second after it, so
    requests just after a deploy returns count too.
    """
    command = [
        "hey",
        *(["-disable-keepalive"] if new_connections else []),
        "-z",
        "3600s",
        "-c",
        str(NEW_CONNECTION_WORKERS if new_connections else WORKERS),
        "-q",
        str(RATE_PER_WORKER),
        "-t",
        "10",
        "-host",
        host,
        f"https://{address}:{https_port}{path}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    report = LoadReport()
    try:
        time.sleep(1)  # traffic is flowing before the deploy starts
        yield report
        time.sleep(1)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
        parsed = parse_report(output.decode(errors="replace"))
        report.statuses, report.errors, report.output = (
            parsed.statuses,
            parsed.errors,
            parsed.output,
        )
    assert report.total > 0, f"hey sent no request:\n{report.output}"
