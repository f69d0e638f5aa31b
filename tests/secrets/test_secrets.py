"""SOPS + age in a generated project: encrypt, decrypt, add a recipient, rotate a secret."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.paths import VENV_BIN
from tests.render.test_answers_and_secrets import env_values
from tests.rendering import render

ENVIRONMENT = "production"


def script(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # sops comes from the pinned PyPI wheel in .venv, age from Debian.
    environ = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", **(env or {})}
    environ.pop("SOPS_AGE_KEY", None)
    return subprocess.run(
        ["bash", *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def project(template_repo: Path, tmp_path: Path) -> Path:
    project = render(
        template_repo, tmp_path / "project", {"environments": ["staging", ENVIRONMENT]}
    )
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    ok(script(project, "scripts/secrets", "init", ENVIRONMENT))
    ok(script(project, "scripts/secrets", "encrypt", ENVIRONMENT))
    return project


def test_private_key_is_private_and_ignored_and_ciphertext_is_committable(project: Path) -> None:
    key = project / f"env/{ENVIRONMENT}.agekey"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    for private in (f"env/{ENVIRONMENT}.agekey", f"env/{ENVIRONMENT}.env"):
        ignored = subprocess.run(
            ["git", "check-ignore", "--quiet", private], cwd=project, check=False
        )
        assert ignored.returncode == 0, f"{private} is not git-ignored"
    for committed in (f"env/{ENVIRONMENT}.env.sops", f"env/{ENVIRONMENT}.recipients"):
        check = subprocess.run(
            ["git", "check-ignore", "--quiet", committed], cwd=project, check=False
        )
        assert check.returncode == 1, f"{committed} must be committable"


def test_ciphertext_hides_every_value_but_keeps_the_names(project: Path) -> None:
    plain = env_values(project / f"env/{ENVIRONMENT}.env")
    sealed = (project / f"env/{ENVIRONMENT}.env.sops").read_text()
    for name, value in plain.items():
        assert f"{name}=" in sealed, f"{name} should stay readable in diffs"
        if len(value) >= 8:
            assert value not in sealed, f"{name}'s value is readable in the encrypted file"


def test_round_trip_restores_the_exact_file(project: Path) -> None:
    plain = project / f"env/{ENVIRONMENT}.env"
    original = env_values(plain)
    plain.unlink()
    key_file = str(project / f"env/{ENVIRONMENT}.agekey")
    ok(
        script(
            project, "scripts/secrets", "decrypt", ENVIRONMENT, env={"SOPS_AGE_KEY_FILE": key_file}
        )
    )
    assert env_values(plain) == original
    assert oct(plain.stat().st_mode & 0o777) == "0o600"


def test_wrong_key_fails_naming_the_file_and_keeps_the_plain_file(
    project: Path, tmp_path: Path
) -> None:
    plain = project / f"env/{ENVIRONMENT}.env"
    before = plain.read_text()
    stranger = tmp_path / "stranger.agekey"
    subprocess.run(["age-keygen", "-o", str(stranger)], check=True, capture_output=True)
    result = script(
        project, "scripts/secrets", "decrypt", ENVIRONMENT, env={"SOPS_AGE_KEY_FILE": str(stranger)}
    )
    assert result.returncode != 0
    assert f"cannot decrypt env/{ENVIRONMENT}.env.sops" in result.stderr
    assert plain.read_text() == before


def test_added_recipient_can_decrypt_existing_ciphertext(project: Path, tmp_path: Path) -> None:
    operator = tmp_path / "operator.agekey"
    subprocess.run(["age-keygen", "-o", str(operator)], check=True, capture_output=True)
    public = subprocess.run(
        ["age-keygen", "-y", str(operator)], check=True, capture_output=True, text=True
    )
    ok(script(project, "scripts/secrets", "add-recipient", ENVIRONMENT, public.stdout.strip()))
    (project / f"env/{ENVIRONMENT}.env").unlink()
    ok(
        script(
            project,
            "scripts/secrets",
            "decrypt",
            ENVIRONMENT,
            env={"SOPS_AGE_KEY_FILE": str(operator)},
        )
    )


def test_rotation_changes_one_secret_everywhere_it_appears(project: Path) -> None:
    plain = project / f"env/{ENVIRONMENT}.env"
    before = env_values(plain)

    output = ok(script(project, "scripts/rotate-secret", "POSTGRES_PASSWORD", ENVIRONMENT))

    # What the server would get: decrypt the committed ciphertext afresh.
    plain.unlink()
    ok(script(project, "scripts/secrets", "decrypt", ENVIRONMENT))
    after = env_values(plain)
    new = after["POSTGRES_PASSWORD"]
    assert new != before["POSTGRES_PASSWORD"]
    assert len(new) == 64
    assert after["DATABASE_URL"] == before["DATABASE_URL"].replace(before["POSTGRES_PASSWORD"], new)
    unchanged = {k: v for k, v in before.items() if k not in {"POSTGRES_PASSWORD", "DATABASE_URL"}}
    assert {k: after[k] for k in unchanged} == unchanged
    assert "2 line(s) changed" in output
    assert "ALTER ROLE" in output, "the database role needs the new password too"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("LOG_LEVEL", "LOG_LEVEL is not a generated secret"),
        ("NO_SUCH_VARIABLE", "NO_SUCH_VARIABLE is not a variable of production"),
        ("RESTIC_PASSWORD", "RESTIC_PASSWORD is rotated with 'restic key add'"),
    ],
)
def test_only_generated_secrets_rotate(project: Path, name: str, message: str) -> None:
    before = (project / f"env/{ENVIRONMENT}.env.sops").read_text()
    result = script(project, "scripts/rotate-secret", name, ENVIRONMENT)
    assert result.returncode != 0
    assert message in result.stderr
    assert (project / f"env/{ENVIRONMENT}.env.sops").read_text() == before


def test_unknown_environment_is_named(project: Path) -> None:
    result = script(project, "scripts/secrets", "encrypt", "qa")
    assert result.returncode != 0
    assert "unknown environment 'qa'" in result.stderr
