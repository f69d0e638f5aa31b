"""The linters a generated project must pass, in one table for every layer that lints.

The lint layer runs them over each distinct file of the whole matrix; the update layer runs
them over each distinct updated project (tests/update/lint_once.py). Project-wide checks
(yamllint with the project's own config, `docker compose config` on each compose file
combination, `terraform fmt` over infra/terraform/) are functions of a project.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.lint.collect import (
    is_compose_file,
    is_dependabot_config,
    is_dockerfile,
    is_shell_script,
    is_workflow,
)
from tests.lint.compose_stacks import ComposeStack, compose_env, compose_stacks
from tests.lint.terraform import problem, terraform
from tests.lint.tools import run, tool
from tests.rendering import project_files


@dataclass(frozen=True)
class FileLinter:
    name: str
    kind: str
    wanted: Callable[[Path, Path], bool]
    arguments: tuple[str, ...]

    def command(self, *paths: Path) -> list[str]:
        # Tools resolve lazily: a missing one fails the test that needs it, not the import.
        executable, *options = self.arguments
        resolved = [tool("shellcheck") if option == "@shellcheck" else option for option in options]
        return [tool(executable), *resolved, *map(str, paths)]


FILE_LINTERS = [
    FileLinter(
        "shellcheck",
        "shell script",
        is_shell_script,
        ("shellcheck", "--severity=style", "--external-sources"),
    ),
    # shellcheck also runs inside actionlint, on every `run:` script.
    FileLinter(
        "actionlint",
        "workflow",
        is_workflow,
        ("actionlint", "-shellcheck", "@shellcheck", "-no-color"),
    ),
    FileLinter(
        "workflow schema",
        "workflow",
        is_workflow,
        ("check-jsonschema", "--builtin-schema", "vendor.github-workflows"),
    ),
    FileLinter(
        "dependabot schema",
        "dependabot config",
        is_dependabot_config,
        ("check-jsonschema", "--builtin-schema", "vendor.dependabot"),
    ),
    FileLinter(
        "compose schema",
        "compose file",
        is_compose_file,
        ("check-jsonschema", "--builtin-schema", "vendor.compose-spec"),
    ),
    FileLinter("hadolint", "Dockerfile", is_dockerfile, ("hadolint",)),
]


def yamllint_problem(project: Path) -> str:
    """The project's `make lint` runs yamllint with its own .yamllint.yaml: so do we."""
    return run([tool("yamllint"), "--strict", "."], cwd=project)


def terraform_fmt_problem(project: Path) -> str:
    """`terraform fmt -check` over infra/terraform/, where the project has one."""
    module = project / "infra" / "terraform"
    if not module.is_dir():
        return ""
    return problem(terraform(module, "fmt", "-check", "-recursive", "-diff"))


def compose_config_problem(project: Path, stack: ComposeStack) -> str:
    args = [tool("docker-compose"), "--env-file", stack.env_file]
    for file in stack.files:
        args += ["--file", file]
    return run([*args, "config", "--quiet"], cwd=project, env=compose_env())


# Nothing listens here: `docker stack deploy` reads and checks the stack files first, with the
# loader of the Docker CLI that servers run, and fails only when it calls the engine.
UNREACHABLE_ENGINE = "tcp://127.0.0.1:1"
ENGINE_CALLED = "Cannot connect to the Docker daemon"


def stack_deploy_problem(project: Path, stack: ComposeStack) -> str:
    """What `docker stack deploy` finds wrong with a server stack's files, empty when they
    load: an error, or an option it would ignore (listed as "Ignoring unsupported options").
    With the environment scripts/deploy gives it: the env file's values, and a value for each
    variable the files expect from scripts/deploy (secret versions, local image tags)."""
    values = dict(
        line.split("=", 1)
        for line in (project / stack.env_file).read_text().splitlines()
        if re.match(r"^[A-Za-z_]\w*=", line)
    )
    env = {**compose_env(project), **values, "DOCKER_HOST": UNREACHABLE_ENGINE}
    args = ["docker", "stack", "deploy", "--resolve-image", "never"]
    for file in stack.files:
        args += ["--compose-file", file]
    result = subprocess.run(
        [*args, "lint-check"], cwd=project, env=env, capture_output=True, text=True, timeout=60
    )
    output = result.stdout + result.stderr
    if ENGINE_CALLED not in output or "Ignoring unsupported options" in output:
        return output.strip()
    return ""


def file_linter_problems(project: Path, files: list[Path], linter: FileLinter) -> list[str]:
    """One linter over each of `files` (relative to `project`) it wants, in one run as the
    lint layer does (one start-up instead of one per file; check-jsonschema alone spends
    about a second loading its schema); only when that run fails is each file run alone,
    to name the failing ones."""
    wanted = [relative for relative in files if linter.wanted(relative, project / relative)]
    if not wanted or not (together := run(linter.command(*(project / r for r in wanted)))):
        return []
    problems = [
        f"{linter.name}: {relative}\n{output}"
        for relative in wanted
        if (output := run(linter.command(project / relative)))
    ]
    return problems or [
        f"{linter.name}: the run over all files failed, each passes alone\n{together}"
    ]


def file_linters_problems(project: Path) -> list[str]:
    """Every file linter over one project; the problems found, empty when clean."""
    files = project_files(project)
    return [
        problem
        for linter in FILE_LINTERS
        for problem in file_linter_problems(project, files, linter)
    ]


def stack_files_problem(project: Path, stack: ComposeStack) -> str:
    """What the tool that runs a file combination finds wrong with it: `docker compose` for
    local development, `docker stack deploy`'s loader for a server stack."""
    if stack.name == "local":
        return compose_config_problem(project, stack)
    return stack_deploy_problem(project, stack)


def project_checks_problems(project: Path) -> list[str]:
    """The project-wide checks; the compose file checks are the only ones that read the
    git-ignored env files (.env, env/<environment>.env)."""
    problems = []
    if output := yamllint_problem(project):
        problems.append(output)
    if output := terraform_fmt_problem(project):
        problems.append(output)
    for stack in compose_stacks(project):
        if output := stack_files_problem(project, stack):
            problems.append(f"compose [{stack.name}]\n{output}")
    return problems
