"""Figures a test run prints at the end (how many combinations, files, edits were checked).

Tests call `record("...")`; the terminal summary in conftest.py prints every line, so the
figures show in CI logs even though pytest captures test output.
"""

from __future__ import annotations

LINES: list[str] = []


def record(line: str) -> None:
    LINES.append(line)
