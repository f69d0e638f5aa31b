"""Every command the docs of a generated project tell the reader to run exists in it.

For each rendered answer set: the make targets, scripts and script options named in README.md
and docs/**/*.md (tests/docs_commands.py says how they are found and what is checked).
"""

from __future__ import annotations

import statistics
from pathlib import Path

from tests.conftest import RenderedProject
from tests.docs_commands import check_project, commands_of, split_words
from tests.render.problems import report
from tests.report import record


def test_every_documented_command_exists(rendered_matrix: list[RenderedProject]) -> None:
    problems: dict[str, list[str]] = {}
    counts = []
    for project in rendered_matrix:
        checker = check_project(project.path)
        checked = checker.checked
        # A project whose docs yield nothing to check means the extraction broke, not success.
        assert checked.make_targets, f"{project.id}: no make target found in the docs"
        assert checked.scripts, f"{project.id}: no script found in the docs"
        counts.append(checked.commands)
        record(
            f"render: docs commands of {project.id}: {checked.commands} checked "
            f"({checked.make_targets} make targets, {checked.scripts} scripts, "
            f"{checked.options} options)"
        )
        for problem in checker.problems:
            problems.setdefault(problem, []).append(project.id)
    record(
        f"render: docs commands over {len(counts)} answer sets: {sum(counts)} checked, "
        f"{min(counts)} to {max(counts)} per answer set (median {statistics.median(counts):g})"
    )
    assert not problems, report(problems)


MAKEFILE = """\
SHELL := bash
ENVIRONMENT ?= staging
.PHONY: deploy backup restore phony-only

deploy: ## Deploy TAG
\tbash scripts/deploy "$(TAG)"

help test: ## two targets on one line
\t@true

backup restore: ## Backups are off in this project
\t@echo "backups are not set up" >&2; exit 2
"""
DEPLOY_SCRIPT = """\
#!/usr/bin/env bash
# usage: scripts/deploy TAG [--dry-run]
case ${2:-} in --dry-run) echo dry ;; esac
"""
RUNBOOK = """\
# Runbook

```sh
ENVIRONMENT=production make deploy TAG=<image tag> ENVIRONMENT=staging   # fine
make help test && make missing-target
make -C apps/api lint
scripts/deploy v1 --dry-run --force 2>&1 | tee log
TAG=$(scripts/current-tag) ./scripts/deploy "$TAG"
scripts/not-executable
```

```console
$ make backup
make: this line is output, not a command
```

```yaml
run: make not-shell-so-not-checked
```

Inline, wrapped over two lines: `make
phony-only` and `scripts/deploy --dry-run`; not a command: `makefile` or `scripts`.
Libraries are files to read: `scripts/lib/deploy.sh`, `scripts/lib/gone.sh`.
"""


def make_project(root: Path) -> Path:
    (root / "docs" / "runbooks").mkdir(parents=True)
    (root / "scripts").mkdir()
    (root / "Makefile").write_text(MAKEFILE)
    (root / "docs" / "runbooks" / "deploy.md").write_text(RUNBOOK)
    (root / "README.md").write_text("Run `make help`.\n")
    deploy = root / "scripts" / "deploy"
    deploy.write_text(DEPLOY_SCRIPT)
    deploy.chmod(0o755)
    (root / "scripts" / "not-executable").write_text("#!/bin/sh\n")
    (root / "scripts" / "lib").mkdir()
    (root / "scripts" / "lib" / "deploy.sh").write_text("# shellcheck shell=bash\n")
    return root


def test_the_check_names_each_command_that_does_not_exist(tmp_path: Path) -> None:
    checker = check_project(make_project(tmp_path))
    assert sorted(checker.problems) == sorted(
        [
            "docs/runbooks/deploy.md:5: `make missing-target`: "
            "`missing-target` is not a target of Makefile",
            "docs/runbooks/deploy.md:6: `make -C apps/api lint`: no Makefile in apps/api",
            "docs/runbooks/deploy.md:7: `scripts/deploy v1 --dry-run --force`: "
            "scripts/deploy knows no option --force",
            "docs/runbooks/deploy.md:8: `scripts/current-tag`: "
            "scripts/current-tag does not exist in this project",
            "docs/runbooks/deploy.md:9: `scripts/not-executable`: "
            "scripts/not-executable is not executable",
            "docs/runbooks/deploy.md:13: `make backup`: "
            "`backup` only refuses in Makefile (one `exit` line)",
            "docs/runbooks/deploy.md:21: `make phony-only`: "
            "`phony-only` is not a target of Makefile",
            "docs/runbooks/deploy.md:23: `scripts/lib/gone.sh`: "
            "scripts/lib/gone.sh does not exist in this project",
        ]
    )
    # deploy (the assignments around it are not targets), help, test, missing-target, backup,
    # phony-only and the README's help; the `-C` folder has no Makefile to hold its target.
    assert checker.checked.make_targets == 7
    # deploy twice, current-tag inside $(...), not-executable, the inline deploy, two libraries.
    assert checker.checked.scripts == 7
    assert checker.checked.options == 3


def test_a_project_whose_docs_match_it_passes(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "docs" / "runbooks" / "deploy.md").write_text(
        "```bash\nmake deploy TAG=v1 && scripts/deploy v1 --dry-run\n```\n"
    )
    checker = check_project(project)
    assert checker.problems == []
    assert [str(command) for command in commands_of(project)] == [
        "make help",
        "make deploy TAG=v1",
        "scripts/deploy v1 --dry-run",
    ]


def test_shell_words_are_split_into_simple_commands() -> None:
    assert split_words('dc() { scripts/server-compose "$ENV" "$@"; }  # note') == [
        ["dc"],
        ["{", "scripts/server-compose", "$ENV", "$@"],
        ["}"],
    ]
    assert split_words("make deploy TAG=$(cat .deploy/ENV/current) ENVIRONMENT=ENV") == [
        ["make", "deploy", "TAG=SUBSTITUTION", "ENVIRONMENT=ENV"],
        ["cat", ".deploy/ENV/current"],
    ]
