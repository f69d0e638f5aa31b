"""The load test's k6 scripts (loadtest/) of every distinct rendering load in k6 itself
(`k6 inspect`: the modules parse and link, the options are valid) with each scenario; bad
settings stop it with a message naming the setting. The deploy workflow installs the k6 the
template's tests run (tests/runtime/test_load_scenarios.py runs the scenarios)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RenderedProject
from tests.paths import ROOT, VENV_BIN
from tests.report import record

SCENARIOS = ("smoke", "load", "stress", "soak")
BASE_URL = "https://api.staging.example.com"
# A setting and a wrong value of it: k6 must stop, naming the setting.
BAD_SETTINGS = {
    "SCENARIO": "spike",
    "BASE_URL": "api.staging.example.com/api/v1",
    "RATE": "-1",
    "DURATION": "five minutes",
    "RAMP": "10",
}


def inspect(project: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    options = [arg for name, value in settings.items() for arg in ("--env", f"{name}={value}")]
    return subprocess.run(
        [str(VENV_BIN / "k6"), "inspect", *options, "loadtest/main.js"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def distinct_loadtests(projects: list[RenderedProject]) -> list[RenderedProject]:
    """One project per distinct content of loadtest/ (the session differs with use_auth)."""
    found: dict[str, RenderedProject] = {}
    for project in projects:
        folder = project.path / "loadtest"
        digest = hashlib.sha256(
            b"".join(path.read_bytes() for path in sorted(folder.iterdir()))
        ).hexdigest()
        found.setdefault(digest, project)
    return list(found.values())


def test_every_scenario_loads_in_k6(rendered_matrix: list[RenderedProject]) -> None:
    projects = distinct_loadtests(rendered_matrix)
    assert len(projects) == 2  # with accounts, and without
    problems = []
    for project in projects:
        for scenario in SCENARIOS:
            result = inspect(project.path, SCENARIO=scenario, BASE_URL=BASE_URL)
            if result.returncode != 0:
                problems.append(f"{project.id} {scenario}: {result.stderr}")
                continue
            options = json.loads(result.stdout)
            if list(options["scenarios"]) != [scenario]:
                problems.append(f"{project.id} {scenario}: scenarios {list(options['scenarios'])}")
            if not any("http_req_duration" in name for name in options["thresholds"]):
                problems.append(f"{project.id} {scenario}: no latency threshold")
    record(
        f"lint: k6 inspect of loadtest/ in {len(projects)} distinct renderings x "
        f"{len(SCENARIOS)} scenarios"
    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("setting", sorted(BAD_SETTINGS))
def test_a_bad_setting_stops_k6_naming_it(
    rendered_matrix: list[RenderedProject], setting: str
) -> None:
    settings = {"SCENARIO": "load", "BASE_URL": BASE_URL, setting: BAD_SETTINGS[setting]}
    result = inspect(rendered_matrix[0].path, **settings)
    assert result.returncode != 0, result.stdout
    assert f"{setting} must be" in result.stderr, result.stderr


def test_the_deploy_workflow_installs_the_k6_the_tests_run(
    rendered_matrix: list[RenderedProject],
) -> None:
    tested = re.search(r'"k6==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert tested, "pyproject.toml pins no k6"
    installed = set()
    for project in rendered_matrix:
        workflow = project.path / ".github" / "workflows" / "deploy.yml"
        installed |= set(re.findall(r"\bk6==(\S+)", workflow.read_text()))
    assert installed == {tested.group(1)}
