"""Every `scripts/<name>` a generated project's scripts, Makefile and workflows name exists.

The docs' commands are checked by test_runbook_commands.py; this covers what the scripts
themselves print or call (`die "... run scripts/stack ENV ps"`, the next step they suggest),
which an operator copies as readily. Names built at run time (`scripts/$name`) are not
checked; every literal one is.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RenderedProject
from tests.render.problems import problems_by_answer_set, report
from tests.report import record

# A literal path under scripts/: a name, then optionally a file under a folder (lib/x.sh).
SCRIPT_REFERENCE = re.compile(r"(?<![\w./-])scripts/([a-z][a-z0-9-]*(?:/[a-z0-9][\w.-]*)?)")


def referring_files(project: Path) -> list[Path]:
    files = [path for path in (project / "scripts").rglob("*") if path.is_file()]
    files += [project / "Makefile"]
    files += sorted((project / ".github").rglob("*.yml"))
    return files


def script_references(project: Path) -> list[tuple[str, str]]:
    """(file, scripts/name) for each literal name in the project's referring files."""
    return [
        (str(path.relative_to(project)), f"scripts/{match[1].rstrip('.')}")
        for path in referring_files(project)
        for match in SCRIPT_REFERENCE.finditer(path.read_text())
    ]


def missing_scripts(project: Path) -> list[str]:
    """`file: scripts/name` for each name no file of the project has."""
    return [
        f"{file}: {name}"
        for file, name in script_references(project)
        if not (project / name).exists()
    ]


def test_the_check_finds_a_script_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "scripts" / "lib").mkdir(parents=True)
    (tmp_path / "scripts" / "lib" / "server.sh").write_text("")
    (tmp_path / "scripts" / "stack").write_text(
        'source scripts/lib/server.sh\necho "then run scripts/server-compose ENV exec"\n'
        'bash "scripts/$name"; cat my-scripts/x\n'
    )
    (tmp_path / "Makefile").write_text("deploy:\n\tbash scripts/deploy\n")
    assert missing_scripts(tmp_path) == [
        "scripts/stack: scripts/server-compose",
        "Makefile: scripts/deploy",
    ]


def test_every_script_a_project_names_exists(rendered_matrix: list[RenderedProject]) -> None:
    problems = problems_by_answer_set(rendered_matrix, missing_scripts)
    references = sum(len(script_references(project.path)) for project in rendered_matrix)
    record(
        f"render: {references} names of scripts in the scripts, Makefiles and workflows of "
        f"{len(rendered_matrix)} answer sets checked to exist"
    )
    assert not problems, report(problems)
