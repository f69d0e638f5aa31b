"""scripts/init-env in a generated project: creates env files once, then only adds."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.render.test_answers_and_secrets import env_values
from tests.rendering import render


def run_init_env(project: Path) -> str:
    result = subprocess.run(
        ["bash", "scripts/init-env"], cwd=project, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_rerun_keeps_every_value_and_adds_new_variables(
    template_repo: Path, tmp_path: Path
) -> None:
    project = render(template_repo, tmp_path / "project", {})
    env_file = project / ".env"
    # A team edits a value; the template later adds variables, one reusing a secret.
    env_file.write_text(env_file.read_text().replace("LOG_LEVEL=debug", "LOG_LEVEL=warn"))
    before = env_values(env_file)
    with (project / ".env.example").open("a") as example:
        example.write("NEW_TOKEN=__SECRET_NEW_TOKEN__\n")
        example.write("READ_ONLY_URL=postgres://ro:__SECRET_POSTGRES_PASSWORD__@db/app\n")
        example.write("NEW_SETTING=42\n")

    output = run_init_env(project)

    after = env_values(env_file)
    assert {name: after[name] for name in before} == before, "an existing value changed"
    assert after["LOG_LEVEL"] == "warn"
    assert len(after["NEW_TOKEN"]) == 64
    assert after["NEW_TOKEN"] not in before.values()
    assert after["READ_ONLY_URL"] == f"postgres://ro:{before['POSTGRES_PASSWORD']}@db/app"
    assert after["NEW_SETTING"] == "42"
    assert "added NEW_TOKEN to .env" in output
    assert "unchanged env/production.env" in output

    assert "unchanged .env" in run_init_env(project)
    assert env_values(env_file) == after


def test_missing_env_file_is_created_again(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "project", {"environments": ["staging"]})
    old = env_values(project / "env" / "staging.env")
    (project / "env" / "staging.env").unlink()

    assert "created env/staging.env" in run_init_env(project)

    new = env_values(project / "env" / "staging.env")
    assert new.keys() == old.keys()
    assert new["POSTGRES_PASSWORD"] != old["POSTGRES_PASSWORD"]
