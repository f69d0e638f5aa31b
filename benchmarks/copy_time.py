"""How long `copier copy --trust --defaults --vcs-ref HEAD . DEST` takes.

Prints the median of several runs of the real CLI for shipshape and, as the baseline
measured in the same run, for a one-file template: the ratio is what shipshape's questions,
extensions, files and tasks cost on top of copier itself. The target is under 2 seconds.

Run from the repository root: `.venv/bin/python -m benchmarks.copy_time` (`make benchmark`).
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.rendering import copier_copy_command
from tests.template_repo import git, snapshot_working_tree

RUNS = 7
TARGET_SECONDS = 2.0


def time_copy(template: Path, workdir: Path) -> float:
    durations = []
    for run in range(RUNS):
        destination = workdir / f"copy-{run}"
        started = time.perf_counter()
        subprocess.run(copier_copy_command(template, destination), check=True, capture_output=True)
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def one_file_template(path: Path) -> Path:
    path.mkdir()
    (path / "copier.yml").write_text("name:\n  type: str\n  default: demo\n")
    (path / "README.md.jinja").write_text("# {{ name }}\n")
    git(path, "init", "--quiet")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "--message", "baseline")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shipshape = snapshot_working_tree(work / "shipshape")
        baseline = one_file_template(work / "baseline")
        (work / "out-shipshape").mkdir()
        (work / "out-baseline").mkdir()
        shipshape_seconds = time_copy(shipshape, work / "out-shipshape")
        baseline_seconds = time_copy(baseline, work / "out-baseline")
    verdict = "within" if shipshape_seconds < TARGET_SECONDS else "OVER"
    print(f"copier copy, median of {RUNS} runs:")
    print(f"  one-file template (baseline): {baseline_seconds:.2f} s")
    print(
        f"  shipshape defaults:           {shipshape_seconds:.2f} s "
        f"({shipshape_seconds / baseline_seconds:.2f}x baseline; "
        f"{verdict} the {TARGET_SECONDS:.0f} s target)"
    )


if __name__ == "__main__":
    main()
