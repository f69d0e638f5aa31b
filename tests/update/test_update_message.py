"""What copier prints after an update: the version, where the changes are described, env
files, conflicts, and how to regenerate exactly the lockfiles this project has.

The update runs through copier's CLI from the newest release to the working tree, on a
project with a FastAPI API and the Next.js front end (a uv lockfile and a pnpm lockfile,
no root pnpm workspace), so the message is rendered by copier for a real update.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.paths import VENV_BIN
from tests.template_repo import GIT_IDENTITY, releases
from tests.update.project import copy_at


def test_after_update_message_names_the_version_changelog_env_conflicts_and_lockfiles(
    template_with_history: Path, tmp_path: Path
) -> None:
    newest, _ = releases()[-1]
    answers = {"api_stack": "fastapi", "web_frontend": "nextjs"}
    project = copy_at(template_with_history, newest, tmp_path / "project", answers)

    result = subprocess.run(
        [str(VENV_BIN / "copier"), "update", "--trust", "--defaults", "--vcs-ref", "HEAD"],
        cwd=project,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path), **GIT_IDENTITY},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    message = result.stderr
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())

    assert f"is updated to shipshape {recorded['_commit']}." in message, message
    assert f"CHANGELOG.md ({recorded['_src_path']})" in message
    assert "`make env` has just added any new variables" in message
    # The step that gives a project older than the database roles its roles, and where it is.
    assert "infra/postgres/roles.sql as the superuser" in message
    assert "docs/runbooks/database-roles.md" in message
    # The conflict search it prints is a working git command in the project (1: no match).
    search = next(line.strip() for line in message.splitlines() if "git grep" in line)
    found = subprocess.run(["bash", "-c", search], cwd=project, capture_output=True, check=False)
    assert found.returncode == 1, found.stderr
    assert "(cd apps/web && pnpm install)" in message
    assert "(cd apps/api && uv lock)" in message
    assert "\n    pnpm install " not in message, "no root pnpm workspace in a FastAPI project"
