"""docs/benchmarks.md keeps the figures of every benchmark script it lists: a merge once
dropped the replicas, backup and point-in-time sections (issue 18's replicas ratio among them)
with nothing to notice it."""

from __future__ import annotations

import re

from tests.paths import ROOT

DOC = ROOT / "docs" / "benchmarks.md"
# Each script of the document's table, and the bold title that opens its figures.
FIGURES = {
    "copy_time": "**Copy**",
    "nestjs_api": "**NestJS**",
    "fastapi_api": "**FastAPI**",
    "replicas": "**Replicas**",
    "backup_restore": "**Backups**",
    "pitr": "**Point-in-time recovery**",
}


def test_every_listed_benchmark_has_its_figures() -> None:
    text = DOC.read_text()
    listed = set(re.findall(r"^\| `python -m benchmarks\.(\w+)", text, re.MULTILINE))
    assert listed == set(FIGURES), (
        f"scripts in the table {sorted(listed)}, with a figures title here {sorted(FIGURES)}"
    )
    figures = text.split("\n## Latest figures", 1)[1]
    missing = [
        f"{script} ({title})"
        for script, title in FIGURES.items()
        if not re.search(rf"^{re.escape(title)} ", figures, re.MULTILINE)
    ]
    assert not missing, f"{DOC.name} lists these without their figures: {missing}"
