"""The linters over an updated project, the file linters once per distinct project.

Several update cases end in the same project: each older release is updated to the same
working tree as the latest release with the same answers, and the answer-change test updates
every release to one answer set. The file linters (shellcheck, actionlint, the schemas,
hadolint) read only files git would commit, so a project whose committable files are byte for
byte those of one they passed passes them again: it is not linted twice. The git-ignored env
files differ in every copy (fresh secrets) and only `docker compose config` reads them: the
project-wide checks run for every project.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.lint.linters import file_linters_problems, project_checks_problems
from tests.update.project import tracked_files


def committable_digest(project: Path) -> str:
    """Every file git would commit, by path and content."""
    digest = hashlib.sha256()
    for name in sorted(tracked_files(project)):
        content = (project / name).read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode() + content)
    return digest.hexdigest()


class LintOnce:
    """Remembers the projects that passed the file linters, by their committable files."""

    def __init__(self) -> None:
        self.clean: set[str] = set()
        self.linted = 0
        self.reused = 0

    def problems(self, project: Path) -> list[str]:
        digest = committable_digest(project)
        if digest in self.clean:
            self.reused += 1
            file_problems = []
        else:
            self.linted += 1
            file_problems = file_linters_problems(project)
            if not file_problems:
                self.clean.add(digest)
        return file_problems + project_checks_problems(project)
