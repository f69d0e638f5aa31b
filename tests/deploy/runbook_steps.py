"""The commands of a numbered runbook section of a generated project, as a reader copies them.

A test that follows a runbook runs these exact strings (with the reader's placeholders filled
in), so a runbook whose commands are wrong fails the test instead of the server.
"""

from __future__ import annotations

import re
from pathlib import Path

CODE_SPAN = re.compile(r"`([^`]+)`")
STEP_START = re.compile(r"^(\d+)\. ", re.MULTILINE)


def section(markdown: str, heading: str) -> str:
    """The text under `## heading`, up to the next heading of that level."""
    start = markdown.index(f"## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else len(markdown)]


def step_commands(runbook: Path, heading: str) -> dict[int, list[str]]:
    """Each numbered step of the section: its inline code spans, in order."""
    text = section(runbook.read_text(), heading)
    starts = list(STEP_START.finditer(text))
    steps = {}
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        steps[int(start.group(1))] = CODE_SPAN.findall(text[start.start() : end])
    return steps
