"""One registry per pytest run, so each answer set is rendered and built once.

tests/runtime and tests/contract each declare fixtures (a conftest applies to its own folder
only); both reach the same registry through config.stash, which pytest keeps per run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.harness.answer_sets import RuntimeCase
from tests.harness.project import GeneratedProject, render
from tests.template_repo import snapshot_working_tree


class RuntimeSession:
    def __init__(self, config: pytest.Config, root: Path) -> None:
        self.config = config
        self.root = root
        self._template: Path | None = None
        self.projects: dict[str, GeneratedProject] = {}

    def say(self, message: str) -> None:
        """A line on the terminal even while pytest captures output."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        if reporter is None or capture is None:
            print(message)
            return
        # Fixtures run with stdout captured at the file-descriptor level: step outside it.
        with capture.global_and_fixture_disabled():
            reporter.write_line(message)

    @property
    def template(self) -> Path:
        if self._template is None:
            self._template = snapshot_working_tree(self.root / "template")
        return self._template

    def project(self, case: RuntimeCase) -> GeneratedProject:
        if case.id not in self.projects and (reused := reused_project(case)):
            self.say(f"\n[runtime] answer set {case.id}: reusing {reused}")
            self.projects[case.id] = GeneratedProject(case, reused, self.root / case.id, self.say)
        if case.id not in self.projects:
            workdir = self.root / case.id
            workdir.mkdir(parents=True)
            result = render(self.template, workdir / "project", case.answers)
            if not result.ok:
                raise RuntimeError(f"{case.id}: copier copy failed\n{result.tail()}")
            self.say(f"\n[runtime] answer set {case.id}: {case.answers}")
            self.projects[case.id] = GeneratedProject(case, workdir / "project", workdir, self.say)
        return self.projects[case.id]

    def close(self) -> None:
        for project in self.projects.values():
            project.close()


def reused_project(case: RuntimeCase) -> Path | None:
    """SHIPSHAPE_RUNTIME_REUSE=DIR: use DIR/<case id>/project as rendered earlier (a quick
    loop while working on the API or this suite); make targets still run."""
    base = os.environ.get("SHIPSHAPE_RUNTIME_REUSE")
    if not base:
        return None
    path = Path(base) / case.id / "project"
    return path if (path / ".copier-answers.yml").exists() else None


SESSION_KEY = pytest.StashKey[RuntimeSession]()


def runtime_session(
    config: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> RuntimeSession:
    if SESSION_KEY not in config.stash:
        session = RuntimeSession(config, tmp_path_factory.mktemp("runtime"))
        config.stash[SESSION_KEY] = session
        config.add_cleanup(session.close)
    return config.stash[SESSION_KEY]
