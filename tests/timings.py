"""Where a run's time went: seconds of tests (set-up, call and tear-down) per schedule group
(tests/layers.py) and per worker, printed at the end, so a CI log shows which group bounds
the run and how evenly the workers were loaded (docs/testing.md keeps the figures).

PYTEST_DONT_REWRITE: a plugin of the root conftest, with no assert.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.schedule import scope_of

_GROUP_SECONDS: defaultdict[str, float] = defaultdict(float)
_GROUP_WORKERS: defaultdict[str, set[str]] = defaultdict(set)
_WORKER_SECONDS: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    scope = scope_of(report.nodeid)
    group = scope.removeprefix("group:") if scope.startswith("group:") else "(ungrouped)"
    node = getattr(report, "node", None)  # set by xdist on a worker's reports
    worker = str(node.gateway.id) if node is not None else "main"
    _GROUP_SECONDS[group] += report.duration
    _GROUP_WORKERS[group].add(worker)
    _WORKER_SECONDS[worker] += report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _GROUP_SECONDS:
        return
    terminalreporter.section("seconds by schedule group")
    for group, seconds in sorted(_GROUP_SECONDS.items(), key=lambda item: -item[1]):
        workers = ", ".join(sorted(_GROUP_WORKERS[group]))
        terminalreporter.write_line(f"{seconds:8.1f} s  {group} ({workers})")
    busy = ", ".join(
        f"{worker} {seconds:.0f} s" for worker, seconds in sorted(_WORKER_SECONDS.items())
    )
    terminalreporter.write_line(f"busy per worker: {busy}")
