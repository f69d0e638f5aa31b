"""Figures a test run prints at the end (how many combinations, files, edits were checked).

Tests call `record("...")`; the terminal summary prints every line, so the figures show in CI
logs even though pytest captures test output. Under xdist a test records in a worker process
while the controller prints the summary: each report carries the lines recorded since the last
one (fixtures' lines travel with the setup or teardown report that ran them), and the
controller gathers them as it receives the reports.

PYTEST_DONT_REWRITE: it holds no assert, and the root conftest imports it before it loads it
as a plugin (pytest would warn that it came too late to rewrite it).
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

LINES: list[str] = []
PROPERTY = "shipshape figure"
_shipped = 0
_in_worker = False


def record(line: str) -> None:
    LINES.append(line)


def pytest_configure(config: pytest.Config) -> None:
    global _in_worker
    _in_worker = hasattr(config, "workerinput")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport() -> Generator[None, pytest.TestReport, pytest.TestReport]:
    global _shipped
    report = yield
    if _in_worker:
        report.user_properties.extend((PROPERTY, line) for line in LINES[_shipped:])
        _shipped = len(LINES)
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # A worker's lines are in its LINES already; the controller gathers them from the reports.
    if not _in_worker:
        LINES.extend(str(value) for name, value in report.user_properties if name == PROPERTY)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LINES:
        terminalreporter.section("shipshape figures")
        for line in LINES:
            terminalreporter.write_line(line)
