"""The contract layer's results by answer set, printed at the end of the run.

A plugin of the root conftest, not of this folder's: under xdist only the controller prints the
summary, and it loads no conftest below tests/. It counts from the reports it receives.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from tests.harness.answer_sets import RUNTIME_CASES

_outcomes: dict[str, Counter[str]] = defaultdict(Counter)


def _case_of(nodeid: str) -> str:
    return next(
        (case.id for case in RUNTIME_CASES if f"[{case.id}" in nodeid or f"-{case.id}" in nodeid),
        "?",
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/contract/" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = "error" if report.when == "setup" and report.failed else report.outcome
        _outcomes[_case_of(report.nodeid)][outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _outcomes:
        return
    terminalreporter.section("contract results by answer set")
    for case_id, counts in sorted(_outcomes.items()):
        parts = ", ".join(
            f"{counts[kind]} {kind}"
            for kind in ("passed", "failed", "skipped", "error")
            if counts[kind]
        )
        terminalreporter.write_line(f"{case_id}: {parts}")
