"""Every rendered combination: no leftover Jinja, parseable data files, the right files."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import yaml

from tests.answers import QUESTIONS
from tests.conftest import RenderedProject
from tests.render.expectations import expected_presence
from tests.rendering import project_files

# Jinja that escaped rendering: a statement tag, a comment, or an expression naming an
# answer or a derived value. Narrow on purpose: `${{ github.ref }}` (Actions),
# `{{ $labels.job }}` (Prometheus), `{{route}}` (Grafana), `%s{%s}` and `${#var}` (shell)
# belong to the files' own formats.
_STATEMENTS = "if|elif|else|endif|for|endfor|set|raw|endraw|include|with|endwith|macro|endmacro"
_NAMES = "|".join(sorted([*QUESTIONS, "derived", "_copier_conf", "_copier_answers"]))
LEFTOVER_JINJA = re.compile(rf"\{{%-?\s*({_STATEMENTS})\b|(?<![$\w])\{{#|\{{\{{-?\s*({_NAMES})\b")
# Files that exist to be empty.
MAY_BE_EMPTY = {".gitkeep"}
# Written by tools (migration generators, package managers), which own their format: the
# template ships them as the tool wrote them, so regenerating them leaves no diff.
MACHINE_WRITTEN = re.compile(r"(^|/)(migrations/.*|[^/]*lock[^/]*\.(yaml|json)|uv\.lock)$")


def each_file(projects: list[RenderedProject]) -> Iterator[tuple[str, Path]]:
    """(label for messages, absolute path) of every file in every project."""
    for project in projects:
        for relative in project_files(project.path):
            yield f"{project.id}/{relative}", project.path / relative


def parse_problem(path: Path) -> str:
    """Why a data file does not parse, or "" (also "" for files that are not data)."""
    try:
        if path.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(path.read_text()))
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
    except (yaml.YAMLError, ValueError) as error:
        return str(error).replace("\n", " ")
    return ""


def report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems[:60])


def test_no_jinja_is_left_in_names_or_contents(rendered_matrix: list[RenderedProject]) -> None:
    problems = []
    for label, path in each_file(rendered_matrix):
        if path.suffix == ".jinja" or LEFTOVER_JINJA.search(label):
            problems.append(f"{label}: template syntax in the file name")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if LEFTOVER_JINJA.search(line):
                problems.append(f"{label}:{number}: {line.strip()}")
    assert not problems, report(problems)


def test_every_yaml_json_and_toml_file_parses(rendered_matrix: list[RenderedProject]) -> None:
    checked = 0
    problems = []
    for label, path in each_file(rendered_matrix):
        if path.suffix in {".yml", ".yaml", ".json", ".toml"}:
            checked += 1
            if problem := parse_problem(path):
                problems.append(f"{label}: {problem}")
    assert checked >= len(rendered_matrix), "expected at least one data file per project"
    assert not problems, report(problems)


def test_no_file_is_empty(rendered_matrix: list[RenderedProject]) -> None:
    problems = [
        f"{label}: empty"
        for label, path in each_file(rendered_matrix)
        if path.name not in MAY_BE_EMPTY and not path.read_text(errors="replace").strip()
    ]
    assert not problems, report(problems)


def test_no_directory_is_empty(rendered_matrix: list[RenderedProject]) -> None:
    # A folder whose only contents are conditional renders empty when the condition is false
    # (as packages/ did for FastAPI): the condition belongs on the folder's own name.
    problems = [
        f"{project.id}/{path.relative_to(project.path)}: empty directory"
        for project in rendered_matrix
        for path in project.path.rglob("*")
        if path.is_dir() and ".git" not in path.parts and not any(path.iterdir())
    ]
    assert not problems, report(problems)


def test_files_are_present_or_absent_as_the_answers_say(
    rendered_matrix: list[RenderedProject],
) -> None:
    problems = []
    for project in rendered_matrix:
        for relative, expected in expected_presence(project.answers).items():
            present = (project.path / relative).exists()
            if present != expected:
                state = "missing" if expected else "present but should not be"
                problems.append(f"{project.id}/{relative}: {state}")
    assert not problems, report(problems)


def test_every_file_ends_with_one_newline(rendered_matrix: list[RenderedProject]) -> None:
    # .editorconfig promises a final newline; Jinja's whitespace control can eat it.
    problems = []
    for label, path in each_file(rendered_matrix):
        if MACHINE_WRITTEN.search(label):
            continue
        data = path.read_bytes()
        if data and (not data.endswith(b"\n") or data.endswith(b"\n\n")):
            problems.append(f"{label}: does not end with exactly one newline")
    assert not problems, report(problems)
