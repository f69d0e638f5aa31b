"""The generated project's k6 scenarios (loadtest/, run by its scripts/loadtest) against its
API on loopback: the smoke scenario and a short load run pass their thresholds; the same runs
through a proxy that holds every answer back 600 ms, past the 500 ms p95 threshold, fail them
(k6 exits 99).

Once per stack, on the every-feature answer set (accounts, notes), against an instance of its
own, whose per-client rate limits are raised as the runbook says to before a load run. Runs
are short (the scenarios' DURATION, RATE and RAMP settings): the thresholds are under test
here, not the API's capacity (benchmarks/ measures that).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.project import GeneratedProject
from tests.harness.slow_proxy import SlowProxy
from tests.paths import VENV_BIN
from tests.report import record

LOADED_SET = "all-features"
# Past the scenarios' p95 threshold (500 ms), well under k6's request timeout.
SLOW_ANSWER_SECONDS = 0.6
THRESHOLD_CROSSED = 99  # k6's exit code when a threshold fails
RUNS = {
    "smoke": {"DURATION": "10s"},
    "load": {"RATE": "5", "DURATION": "10s", "RAMP": "2s"},
}
ROUTES = "{traffic:routes}"
# loadtest/main.js's checks, one per route.
CHECKS = ("health answers 200", "notes list answers 200", "note created 201")


@pytest.fixture(scope="module")
def loaded_api(
    runtime_case: RuntimeCase, generated_project: GeneratedProject
) -> Iterator[ApiProcess]:
    if runtime_case.answer_set != LOADED_SET:
        pytest.skip(f"{runtime_case.id}: load-tested once per stack, on the {LOADED_SET} set")
    # Every request comes from 127.0.0.1: the per-client limits raised for the run, as the
    # runbook (docs/runbooks/load-testing.md) says to before a load run.
    api = ApiProcess.built_and_migrated(
        generated_project, database="loadtest", RATE_LIMIT_MAX="100000", AUTH_RATE_LIMIT_MAX="1000"
    )
    api.start()
    yield api
    api.stop()


def run_scenario(project: Path, scenario: str, origin: str) -> tuple[int, dict[str, Any], str]:
    """scripts/loadtest local SCENARIO with BASE_URL at `origin`: k6's exit code, its summary
    (.loadtest/local-SCENARIO.json) and its output."""
    summary = project / ".loadtest" / f"local-{scenario}.json"
    summary.unlink(missing_ok=True)
    result = subprocess.run(
        ["bash", "scripts/loadtest", "local", scenario],
        cwd=project,
        env={
            **os.environ,
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
            "BASE_URL": origin,
            **RUNS[scenario],
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert summary.exists(), f"k6 wrote no summary (exit {result.returncode}):\n{output}"
    return result.returncode, json.loads(summary.read_text()), output


def figures(summary: dict[str, Any]) -> str:
    metrics = summary["metrics"]
    duration = metrics[f"http_req_duration{ROUTES}"]
    failed = metrics[f"http_req_failed{ROUTES}"]
    requests = metrics["http_reqs"]["count"]
    return (
        f"{requests} requests, {failed['value']:.1%} failed, "
        f"p95 {duration['p(95)']:.0f} ms, p99 {duration['p(99)']:.0f} ms"
    )


def crossed(summary: dict[str, Any]) -> list[str]:
    """The thresholds the run crossed ("metric: expression"); k6's summary marks each
    threshold true when it failed."""
    return [
        f"{name}: {expression}"
        for name, metric in summary["metrics"].items()
        for expression, failed in metric.get("thresholds", {}).items()
        if failed
    ]


@pytest.mark.parametrize("scenario", sorted(RUNS))
def test_scenario_passes_its_thresholds_against_the_api(
    runtime_case: RuntimeCase, generated_project: GeneratedProject, loaded_api: ApiProcess,
    scenario: str,
) -> None:  # fmt: skip
    code, summary, output = run_scenario(generated_project.path, scenario, loaded_api.origin)
    record(f"k6 {scenario} {runtime_case.id}: exit {code}; {figures(summary)}")
    assert code == 0, output
    assert not crossed(summary), output
    # Every route's check ran and passed: the reads, and the writes of every fifth iteration.
    checks = summary["root_group"]["checks"]
    assert set(checks) == set(CHECKS), checks
    assert all(check["passes"] > 0 and check["fails"] == 0 for check in checks.values()), checks


@pytest.mark.parametrize("scenario", sorted(RUNS))
def test_scenario_fails_against_a_slowed_api(
    runtime_case: RuntimeCase, generated_project: GeneratedProject, loaded_api: ApiProcess,
    scenario: str,
) -> None:  # fmt: skip
    with SlowProxy(loaded_api.port, SLOW_ANSWER_SECONDS) as proxy:
        code, summary, output = run_scenario(generated_project.path, scenario, proxy.origin)
    record(
        f"k6 {scenario} {runtime_case.id} through a proxy adding "
        f"{SLOW_ANSWER_SECONDS * 1000:.0f} ms: exit {code}; {figures(summary)}; "
        f"crossed: {', '.join(crossed(summary))}"
    )
    assert code == THRESHOLD_CROSSED, output
    assert f"http_req_duration{ROUTES}: p(95)<500" in crossed(summary)
