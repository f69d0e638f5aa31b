"""Edits a team makes to its generated project, and how to tell each one survived an update.

Each edit applies only where its file (or, for a new file, its folder) exists in the
starting version (an old release may not have the API yet), and says which files it touches:
the update may leave conflict markers in those, never in any other file. An edit to a file a
release moved is looked for where the file lives after the update (`lands_at`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class UserEdit:
    name: str
    path: str
    apply: Callable[[Path], None]
    survived: Callable[[Path], bool]
    deletes: bool = False
    # Where the file is after the update, when a release moved it; and what must exist for
    # the edit to apply (the folder, for a new file).
    lands_at: str = ""
    needs: str = ""

    @property
    def touches(self) -> set[str]:
        return {self.path, self.lands_at or self.path}


def _write(path: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        (project / path).write_text(text)

    return apply


def _append(path: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        with (project / path).open("a") as handle:
            handle.write(text)

    return apply


def _insert_after(path: str, anchor: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        target = project / path
        content = target.read_text()
        assert anchor in content, f"{path} has no {anchor!r} to edit after"
        target.write_text(content.replace(anchor, anchor + text, 1))

    return apply


def _prepend(path: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        target = project / path
        target.write_text(text + target.read_text())

    return apply


def _delete(path: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        (project / path).unlink()

    return apply


def _contains(path: str, text: str) -> Callable[[Path], bool]:
    return lambda project: (project / path).exists() and text in (project / path).read_text()


README_NOTE = "\nOur on-call rota lives in the team wiki; page the API owner first.\n"
MAKE_TARGET = "\nseed: ## Load demo data (team addition)\n\t@echo seeding\n"
ENV_VARIABLE = "FEATURE_WHALE_SONG=on\n"
API_COMMENT = "// Team note: notes are shown newest first on the dashboard.\n"
SCRAPE_JOB = """
  - job_name: team-worker
    static_configs:
      - targets: ["worker:9100"]
"""
TEAM_RULES = """groups:
  - name: team
    rules:
      - alert: WorkerQueueStuck
        expr: worker_queue_oldest_seconds > 600
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: The worker queue has not moved for 10 minutes.
"""
# Prometheus's files before and after 0.3.0 moved them (copier.yml: _migrations).
PROMETHEUS_BEFORE = "infra/monitoring/prometheus.yml"
PROMETHEUS_AFTER = "infra/monitoring/prometheus/prometheus.yml"
RULES_BEFORE = "infra/monitoring/rules"
RULES_AFTER = "infra/monitoring/prometheus/rules"

EDITS = [
    UserEdit(
        name="README paragraph",
        path="README.md",
        apply=_insert_after("README.md", "## Develop\n", README_NOTE),
        survived=_contains("README.md", README_NOTE.strip()),
    ),
    UserEdit(
        name="Makefile target",
        path="Makefile",
        apply=_append("Makefile", MAKE_TARGET),
        survived=_contains("Makefile", "seed: ## Load demo data (team addition)"),
    ),
    UserEdit(
        name="new environment variable",
        path=".env.example",
        apply=_append(".env.example", ENV_VARIABLE),
        survived=_contains(".env.example", ENV_VARIABLE.strip()),
    ),
    UserEdit(
        name="code in apps/api",
        path="apps/api/src/main.ts",
        apply=_prepend("apps/api/src/main.ts", API_COMMENT),
        survived=_contains("apps/api/src/main.ts", API_COMMENT.strip()),
    ),
    UserEdit(
        name="deleted optional file",
        path=".github/dependabot.yml",
        apply=_delete(".github/dependabot.yml"),
        survived=lambda project: not (project / ".github/dependabot.yml").exists(),
        deletes=True,
    ),
    *(
        UserEdit(
            name=f"scrape job in {path}",
            path=path,
            apply=_insert_after(path, "scrape_configs:\n", SCRAPE_JOB),
            survived=_contains(PROMETHEUS_AFTER, SCRAPE_JOB.strip()),
            lands_at=PROMETHEUS_AFTER,
        )
        for path in (PROMETHEUS_BEFORE, PROMETHEUS_AFTER)
    ),
    *(
        UserEdit(
            name=f"team rule file in {folder}",
            path=f"{folder}/team.yml",
            apply=_write(f"{folder}/team.yml", TEAM_RULES),
            survived=_contains(f"{RULES_AFTER}/team.yml", TEAM_RULES),
            lands_at=f"{RULES_AFTER}/team.yml",
            needs=folder,
        )
        for folder in (RULES_BEFORE, RULES_AFTER)
    ),
]


def applicable(project: Path) -> list[UserEdit]:
    return [edit for edit in EDITS if (project / (edit.needs or edit.path)).exists()]
