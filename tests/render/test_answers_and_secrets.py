"""The answers file records every answer and no secret; secrets land in git-ignored files."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml

from tests.answers import QUESTIONS
from tests.conftest import RenderedProject

SECRET_TOKEN = re.compile(r"__SECRET_([A-Z0-9_]+)__")


def env_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def generated_secrets(project: Path) -> dict[str, dict[str, str]]:
    """{env file: {variable: value}} for every variable its example marks as a secret."""
    secrets = {}
    for example in [project / ".env.example", *sorted((project / "env").glob("*.env.example"))]:
        real = example.with_name(example.name.removesuffix(".example"))
        marked = {
            name for name, value in env_values(example).items() if SECRET_TOKEN.fullmatch(value)
        }
        secrets[str(real.relative_to(project))] = {
            name: value for name, value in env_values(real).items() if name in marked
        }
    return secrets


def asked(question: dict[str, Any], answers: dict[str, Any]) -> bool:
    when = str(question.get("when", "true"))
    if when in {"true", "True"}:
        return True
    variable = re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", when)
    assert variable, f"the test understands only `when: {{{{ flag }}}}`, got {when!r}"
    return bool(answers.get(variable.group(1), QUESTIONS[variable.group(1)].get("default")))


def test_answers_file_holds_every_answer_given(rendered_matrix: list[RenderedProject]) -> None:
    for project in rendered_matrix:
        recorded = yaml.safe_load((project.path / ".copier-answers.yml").read_text())
        for name, question in QUESTIONS.items():
            if not asked(question, project.answers):
                assert name not in recorded, f"{project.id}: {name} recorded but not asked"
                continue
            assert name in recorded, f"{project.id}: answer {name} missing"
            if name in project.answers:
                assert recorded[name] == project.answers[name], f"{project.id}: {name}"
        assert recorded["_src_path"], project.id


def test_no_secret_reaches_the_answers_file(rendered_matrix: list[RenderedProject]) -> None:
    for project in rendered_matrix:
        answers_text = (project.path / ".copier-answers.yml").read_text()
        secrets = generated_secrets(project.path)
        assert secrets[".env"], f"{project.id}: no secret generated into .env"
        for env_file, values in secrets.items():
            for name, value in values.items():
                assert len(value) == 64, f"{project.id}/{env_file}: {name} is not 32 random bytes"
                assert value not in answers_text, f"{project.id}: {name} leaked into answers"


def test_secrets_are_private_distinct_and_consistent(
    rendered_matrix: list[RenderedProject],
) -> None:
    for project in rendered_matrix:
        secrets = generated_secrets(project.path)
        seen: dict[str, str] = {}
        for env_file, values in secrets.items():
            mode = stat.S_IMODE((project.path / env_file).stat().st_mode)
            assert mode == 0o600, f"{project.id}/{env_file}: mode {oct(mode)}"
            text = (project.path / env_file).read_text()
            assert not SECRET_TOKEN.search(text), f"{project.id}/{env_file}: placeholder left"
            database_url = env_values(project.path / env_file)["DATABASE_URL"]
            assert f":{values['POSTGRES_PASSWORD']}@" in database_url, env_file
            for value in values.values():
                assert value not in seen, f"{project.id}: {env_file} reuses {seen.get(value)}"
                seen[value] = env_file


def test_env_files_are_git_ignored_and_examples_are_not(
    rendered_matrix: list[RenderedProject],
) -> None:
    gitignore = (rendered_matrix[0].path / ".gitignore").read_text().splitlines()
    for pattern in (".env", "env/*.env", "!.env.example", "!env/*.env.example"):
        assert pattern in gitignore, pattern
