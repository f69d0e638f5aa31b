"""Every script of every rendered project answers --help and refuses an unknown option.

A script's usage must be readable before anything it operates on exists: each runs from a
copy of its project's scripts/ folder alone (no env files, no env examples, no .deploy/),
with no ENVIRONMENT and none of the tools the scripts drive (docker, sops, restic, psql ...)
on PATH. Many answer sets render the same scripts: each distinct script, together with the
libraries it sources, runs once, and a failure names every project that carries it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import RenderedProject
from tests.harness.program_path import path_without
from tests.report import record

# What the scripts operate on: none of it may be needed to print a usage.
HIDDEN_TOOLS = frozenset(
    {
        "docker",
        "docker-compose",
        "sops",
        "age",
        "age-keygen",
        "restic",
        "psql",
        "pg_dump",
        "pg_restore",
        "jq",
        "flock",
    }
)
SOURCED = re.compile(r"lib/([A-Za-z0-9_.-]+)")
TIMEOUT = 30


@dataclass
class DistinctScript:
    name: str
    scripts_dir: Path
    labels: list[str] = field(default_factory=list)


def sourced_libraries(scripts_dir: Path, text: str, seen: set[str] | None = None) -> set[str]:
    """The lib/ files a script names, and those they name in turn."""
    seen = set() if seen is None else seen
    for name in SOURCED.findall(text):
        library = scripts_dir / "lib" / name
        if name not in seen and library.is_file():
            seen.add(name)
            sourced_libraries(scripts_dir, library.read_text(), seen)
    return seen


def project_scripts(project: RenderedProject) -> list[Path]:
    """The files directly under scripts/: every one is a script meant to be run."""
    scripts = sorted(path for path in (project.path / "scripts").iterdir() if path.is_file())
    not_executable = [str(p) for p in scripts if not p.stat().st_mode & stat.S_IXUSR]
    assert not not_executable, f"scripts that are not executable: {not_executable}"
    return scripts


def distinct_scripts(projects: list[RenderedProject]) -> list[DistinctScript]:
    by_content: dict[bytes, DistinctScript] = {}
    for project in projects:
        for script in project_scripts(project):
            text = script.read_text()
            digest = hashlib.sha256(script.name.encode() + b"\0" + text.encode())
            for library in sorted(sourced_libraries(script.parent, text)):
                digest.update(b"\0" + library.encode() + b"\0")
                digest.update((script.parent / "lib" / library).read_bytes())
            entry = by_content.setdefault(
                digest.digest(), DistinctScript(script.name, script.parent)
            )
            entry.labels.append(f"{project.id}/scripts/{script.name}")
    return list(by_content.values())


@pytest.fixture(scope="module")
def bare_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PATH with this machine's programs but none of HIDDEN_TOOLS."""
    folders = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    path = path_without(tmp_path_factory.mktemp("bare-bin"), HIDDEN_TOOLS, folders)
    assert shutil.which("bash", path=path)
    assert not any(shutil.which(tool, path=path) for tool in HIDDEN_TOOLS)
    return path


def run(script: Path, option: str, path: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(script), option],
        # No ENVIRONMENT, no SOPS key, no DATABASE_URL: only what any shell has.
        env={"PATH": path, "HOME": str(cwd), "LANG": "C.UTF-8"},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def problems(script: Path, path: str, cwd: Path) -> list[str]:
    """What is wrong with the script's --help, -h and --no-such-option, if anything."""
    found = []
    name = f"scripts/{script.name}"
    helps = [run(script, option, path, cwd) for option in ("--help", "-h")]
    for option, result in zip(("--help", "-h"), helps, strict=True):
        if result.returncode != 0 or name not in result.stdout or result.stderr:
            found.append(
                f"{option}: exit {result.returncode} (want 0, usage naming {name} on stdout,"
                f" nothing on stderr)\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
    wrong = run(script, "--no-such-option", path, cwd)
    usage = helps[0].stdout
    if wrong.returncode != 2 or not usage or usage not in wrong.stderr or wrong.stdout:
        found.append(
            f"--no-such-option: exit {wrong.returncode} (want 2, the --help usage on stderr,"
            f" nothing on stdout)\nstdout:\n{wrong.stdout}\nstderr:\n{wrong.stderr}"
        )
    elif "--no-such-option" not in wrong.stderr:
        found.append(f"--no-such-option: the error does not name the option\n{wrong.stderr}")
    return found


def test_every_script_prints_its_usage_and_refuses_unknown_options(
    rendered_matrix: list[RenderedProject], bare_path: str, tmp_path: Path
) -> None:
    scripts = distinct_scripts(rendered_matrix)
    names = sorted({entry.name for entry in scripts})
    record(
        f"render: --help, -h and an unknown option on {len(scripts)} distinct scripts"
        f" ({', '.join(names)}) of {sum(len(e.labels) for e in scripts)} rendered"
    )
    failures = []
    for index, entry in enumerate(scripts):
        # The scripts/ folder alone, outside its project: nothing else can be read.
        copy = shutil.copytree(entry.scripts_dir, tmp_path / str(index) / "scripts", symlinks=True)
        elsewhere = tmp_path / str(index) / "elsewhere"
        elsewhere.mkdir()
        if found := problems(copy / entry.name, bare_path, elsewhere):
            where = ", ".join(entry.labels[:3])
            if len(entry.labels) > 3:
                where += f" and {len(entry.labels) - 3} more"
            failures.append(f"in {where}:\n" + "\n".join(found))
    assert not failures, "\n\n".join(failures)
