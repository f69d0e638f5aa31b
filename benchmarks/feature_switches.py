"""What each feature of the generated API costs per request: the API again with one feature
switched by a setting it already has, measured in the same rounds as the API with its
defaults (benchmarks/api_load.py), so "with against without" is a ratio of one run.

Only settings an operator has anyway, nothing added to the product for the benchmark.
Features without such a setting are always on (rate limiting, the security headers, the
metrics) or come with an answer of the template (the cache); docs/benchmarks.md gives their
share of the profile instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from tests.harness.otlp_receiver import OtlpReceiver
from tests.harness.sentry_receiver import SentryReceiver


@dataclass(frozen=True)
class FeatureSwitch:
    """One instance of the generated API with `settings` over the benchmark's defaults."""

    name: str  # the instance's name (its log directory)
    label: str  # how the report names it
    settings: dict[str, str]
    # Whether the instance runs the feature the defaults leave off (tracing, Sentry), so the
    # report divides it by the defaults; else it runs without one they have, and the report
    # divides the defaults by it: either way, the feature's cost as "with / without".
    switches_on: bool
    # The routes to measure it on ("health", "notes").
    routes: tuple[str, ...] = ("health", "notes")


@contextmanager
def feature_switches(use_sentry: bool) -> Iterator[list[FeatureSwitch]]:
    """The switches of a project, with the receivers that those sending data need."""
    with ExitStack() as stack:
        otlp = stack.enter_context(OtlpReceiver())
        switches = [
            FeatureSwitch(
                "quiet",
                "without the completion log line (LOG_LEVEL=warn)",
                {"LOG_LEVEL": "warn"},
                switches_on=False,
            ),
            # The benchmark's traced instance: every request sampled, spans sent over OTLP.
            # /health is never traced (an operational path), so only the notes list.
            FeatureSwitch(
                "traced",
                "with tracing (every request sampled, OTLP)",
                {
                    "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
                    "OTEL_TRACES_SAMPLER": "always_on",
                },
                switches_on=True,
                routes=("notes",),
            ),
        ]
        if use_sentry:
            sentry = stack.enter_context(SentryReceiver())
            switches.append(
                FeatureSwitch(
                    "sentry",
                    "with Sentry (SENTRY_DSN set, a local receiver)",
                    {"SENTRY_DSN": sentry.dsn},
                    switches_on=True,
                )
            )
        yield switches
