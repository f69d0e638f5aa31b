"""The runtime layer: render each answer set, run the generated project's make targets."""

from __future__ import annotations

from tests.harness.fixtures import generated_project, runtime_case, sentry_web_project

__all__ = [
    "generated_project",
    "runtime_case",
    "sentry_web_project",
]  # fixtures used by this folder's tests
