"""How long a user waits for `copier copy --trust --defaults` of shipshape.

Times the real copier CLI, as a user runs it, copying shipshape's working tree (committed
into a scratch repository, as the tests do) and, as the baseline measured in the same run, a
one-file template: the ratio and the difference are what shipshape's questions, extensions,
files and task cost on top of copier itself. The target is a copy under 2 seconds.

Method, so that the figures mean the same on a busy 2-core machine and in CI:
- runs alternate between the templates (shipshape, baseline, shipshape, ...), so a change in
  the machine's load hits each alike; medians are printed with the fastest and slowest run;
- CPU time (user and system, of copier and every process it starts) is printed beside the
  wall time: on a machine shared with other jobs it moves far less with the load;
- one untimed run of each first. Python keeps its compiled bytecode in a cache (a scratch one
  here: PYTHONPYCACHEPREFIX), as a user's copier installation does from its first run on.
  Environments that set PYTHONDONTWRITEBYTECODE (CI images, this machine) would otherwise
  recompile copier and its dependencies in every run: about 0.5 s on each side that no user
  waits for.

Run from the repository root: `.venv/bin/python -m benchmarks.copy_time` (`make benchmark`).
`--against REF` adds shipshape at an earlier commit, measured in the same rounds (before and
after a change); `--ref REF` measures a commit instead of the working tree;
`--without-wrappers` adds shipshape without the two extensions that replace parts of copier
and Jinja in the user's process (CompiledTemplateCache, FileModeSettingOnce in
extensions/hooks.py), which is how copier runs it with a version they are not applied to.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.rendering import copier_copy_command
from tests.template_repo import git, snapshot_commit, snapshot_working_tree

RUNS = 7
TARGET_SECONDS = 2.0
# The _jinja_extensions entries that wrap copier's and Jinja's internals (extensions/hooks.py).
WRAPPERS = ("extensions/hooks.py:CompiledTemplateCache", "extensions/hooks.py:FileModeSettingOnce")


@dataclass
class Subject:
    label: str
    template: Path
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)


def copy_seconds(template: Path, destination: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU time of one `copier copy` through the CLI, into a new folder."""
    command = copier_copy_command(template, destination)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def one_file_template(path: Path) -> Path:
    path.mkdir()
    (path / "copier.yml").write_text("name:\n  type: str\n  default: demo\n")
    (path / "README.md.jinja").write_text("# {{ name }}\n")
    git(path, "init", "--quiet")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "--message", "baseline")
    return path


def without_wrappers(template: Path) -> Path:
    """The template repository with WRAPPERS left out of copier.yml, committed on top."""
    config = template / "copier.yml"
    lines = config.read_text().splitlines(keepends=True)
    kept = [line for line in lines if line.strip().removeprefix("- ") not in WRAPPERS]
    assert len(lines) - len(kept) == len(WRAPPERS), "copier.yml no longer lists the wrappers"
    config.write_text("".join(kept))
    git(template, "commit", "--quiet", "--all", "--message", "without the wrappers")
    return template


def copier_env(work: Path, cold_bytecode: bool) -> dict[str, str]:
    """The environment of each copy: a user's, with a bytecode cache that persists between
    runs (or, with cold_bytecode, none: every run compiles copier's modules again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if cold_bytecode:
        # Whatever __pycache__ folders the installation has, and nothing written.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def load_line() -> str:
    load1 = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    note = ": figures are noisy, compare the ratios" if load1 > cores else ""
    return f"load average {load1:.1f} on {cores} cores{note}"


def report(subjects: list[Subject], runs: int, cold_bytecode: bool) -> None:
    baseline, shipshape = subjects[0], subjects[1]
    print(f"copier copy --trust --defaults (the CLI), {runs} runs each, alternating, after one")
    bytecode = "compiled again in every run" if cold_bytecode else "cached, as after a first run"
    print(f"untimed run each; copier's bytecode {bytecode}; {load_line()}")
    header = f"{'median':>7} {'fastest':>8} {'slowest':>8} {'CPU':>6}"
    print(f"  {'':<34} {header}   vs baseline")
    for subject in subjects:
        line = (
            f"  {subject.label:<34} {subject.median:6.2f}s {min(subject.seconds):7.2f}s"
            f" {max(subject.seconds):7.2f}s {subject.cpu_median:5.2f}s"
        )
        if subject is not baseline:
            extra = subject.median - baseline.median
            line += f"   x{subject.median / baseline.median:.2f} (+{extra:.2f} s)"
        print(line)
    for subject in subjects[2:]:
        change = shipshape.median / subject.median
        cpu_change = shipshape.cpu_median / subject.cpu_median
        print(
            f"  {shipshape.label} against {subject.label}: x{change:.2f} of its time,"
            f" x{cpu_change:.2f} of its CPU time"
        )
    verdict = "within" if shipshape.median < TARGET_SECONDS else "OVER"
    print(f"  {shipshape.label}: {verdict} the {TARGET_SECONDS:.0f} s target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each template")
    parser.add_argument("--ref", help="measure shipshape at this commit, not the working tree")
    parser.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="REF",
        help="also measure shipshape at this commit, in the same rounds (repeatable)",
    )
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="write no bytecode: copier's modules are compiled in every run (the earlier method)",
    )
    parser.add_argument(
        "--without-wrappers",
        action="store_true",
        help="also measure shipshape without the copier and Jinja wrappers, in the same rounds",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="copy-time-") as scratch:
        work = Path(scratch)
        if args.ref:
            shipshape = Subject(f"shipshape at {args.ref}", snapshot_commit(work / "t0", args.ref))
        else:
            shipshape = Subject("shipshape (working tree)", snapshot_working_tree(work / "t0"))
        subjects = [
            Subject("one-file template (baseline)", one_file_template(work / "base")),
            shipshape,
        ]
        for index, ref in enumerate(args.against, start=1):
            subjects.append(
                Subject(f"shipshape at {ref}", snapshot_commit(work / f"t{index}", ref))
            )
        if args.without_wrappers:
            template = (
                snapshot_commit(work / "plain", args.ref)
                if args.ref
                else snapshot_working_tree(work / "plain")
            )
            subjects.append(Subject("shipshape without the wrappers", without_wrappers(template)))
        env = copier_env(work, args.cold_bytecode)
        for round_number in range(args.runs + 1):
            for index, subject in enumerate(subjects):
                destination = work / f"copy-{round_number}-{index}"
                seconds, cpu_seconds = copy_seconds(subject.template, destination, env)
                if round_number:  # the first round fills the bytecode cache
                    subject.seconds.append(seconds)
                    subject.cpu_seconds.append(cpu_seconds)
    report(subjects, args.runs, args.cold_bytecode)


if __name__ == "__main__":
    main()
