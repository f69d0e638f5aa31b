"""Prometheus configuration and alert rules of the generated project, checked by promtool,
and every alert with a runbook page and unit tests that see it fire and stay quiet."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.monitoring.projects import (
    alert_rules,
    load_yaml,
    prometheus_dir,
    rule_files,
    rule_test_files,
)
from tests.monitoring.tools import problem, run_tool
from tests.report import record


def test_promtool_checks_the_prometheus_config(monitored_project: Path) -> None:
    folder = prometheus_dir(monitored_project)
    assert not problem(run_tool("promtool", "check", "config", "prometheus.yml", cwd=folder))


def test_promtool_checks_every_rule_file(monitored_project: Path) -> None:
    files = [str(path) for path in rule_files(monitored_project)]
    assert files
    assert not problem(run_tool("promtool", "check", "rules", *files))


def test_promtool_runs_the_alert_rule_unit_tests(monitored_project: Path) -> None:
    files = rule_test_files(monitored_project)
    result = run_tool(
        "promtool", "test", "rules", *[path.name for path in files], cwd=files[0].parent
    )
    assert not problem(result)
    cases = sum(len(load_yaml(path)["tests"]) for path in files)
    record(
        f"monitoring: promtool ran {cases} rule test cases in {len(files)} files "
        f"for {len(alert_rules(monitored_project))} alert rules ({monitored_project.name})"
    )


def test_every_rule_file_has_a_test_file(monitored_project: Path) -> None:
    tested = {
        Path(rule_file).name
        for path in rule_test_files(monitored_project)
        for rule_file in load_yaml(path)["rule_files"]
    }
    assert tested == {path.name for path in rule_files(monitored_project)}


def _alert_checks(project: Path) -> list[dict[str, Any]]:
    return [
        check
        for path in rule_test_files(project)
        for case in load_yaml(path)["tests"]
        for check in case.get("alert_rule_test", [])
    ]


def test_every_alert_is_tested_firing_and_not_firing(monitored_project: Path) -> None:
    checks = _alert_checks(monitored_project)
    always_firing = {"Watchdog"}  # vector(1): there is no quiet case to test
    missing = []
    for rule in alert_rules(monitored_project):
        name = rule["alert"]
        mine = [check for check in checks if check["alertname"] == name]
        if not any(check.get("exp_alerts") for check in mine):
            missing.append(f"{name}: no test sees it fire")
        if name not in always_firing and not any(not check.get("exp_alerts") for check in mine):
            missing.append(f"{name}: no test sees it stay quiet")
    assert not missing, "\n".join(missing)


def test_every_alert_has_severity_summary_and_a_runbook_page(monitored_project: Path) -> None:
    answers = yaml.safe_load((monitored_project / ".copier-answers.yml").read_text())
    base = (
        f"https://github.com/{answers['github_owner']}/{answers['project_slug']}"
        "/blob/main/docs/runbooks/"
    )
    problems = []
    for rule in alert_rules(monitored_project):
        name, annotations = rule["alert"], rule.get("annotations", {})
        if rule.get("labels", {}).get("severity") not in {"critical", "warning", "none"}:
            problems.append(f"{name}: severity label missing or unknown")
        if not annotations.get("summary") or not annotations.get("description"):
            problems.append(f"{name}: summary and description annotations are required")
        url = annotations.get("runbook_url", "")
        if not url.startswith(base):
            problems.append(f"{name}: runbook_url {url!r} is not under {base}")
            continue
        page = monitored_project / "docs" / "runbooks" / url.removeprefix(base)
        if not page.is_file():
            problems.append(f"{name}: runbook page {page.relative_to(monitored_project)} missing")
        elif f"# {name}" not in page.read_text():
            problems.append(f"{name}: {page.name} does not start with its alert name")
    assert not problems, "\n".join(problems)


def test_alert_names_are_unique(monitored_project: Path) -> None:
    names = [rule["alert"] for rule in alert_rules(monitored_project)]
    assert len(names) == len(set(names))


def test_make_test_monitoring_runs_the_checks(monitored_project: Path) -> None:
    """The project's own target (run by its `make test`), with the promtool installed here."""
    result = subprocess.run(
        ["make", "--no-print-directory", "test-monitoring"],
        cwd=monitored_project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "promtool test rules" in result.stdout
