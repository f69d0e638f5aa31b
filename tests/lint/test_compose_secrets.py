"""No secret in any server service's configuration, in every rendered combination: each one
reaches its containers as a file (a Swarm secret), made from files scripts/deploy writes.

The docker layer (tests/deploy) inspects the running compose.prod.yaml stack; the monitoring
and backup services run third-party images that cannot be pulled here, so this checks what
the stack would run for every service, from the merged configuration (`docker compose
config` of every stack file the server runs, after the project's own write_secret_files
wrote the secret files, as scripts/deploy does): no generated
secret value in its environment, command, entrypoint, health check or labels; every
/run/secrets/NAME it names is mounted; every secret file it mounts was written, and is not
empty unless the value is optional.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.lint.compose_stacks import compose_env, config_json
from tests.lint.tools import tool
from tests.report import record

# Empty until the operator fills them in (mail, webhooks, the bucket's keys).
OPTIONAL_SECRETS = {
    "smtp_password",
    "alert_webhook_url",
    "alert_heartbeat_url",
    "aws_access_key_id",
    "aws_secret_access_key",
}
# Services that hold a secret, whenever the answers give them.
NEEDS_SECRETS = {
    "postgres",
    "redis",
    "db-roles",
    "migrate",
    "api",
    "grafana",
    "alertmanager",
    "postgres-exporter",
    "redis-exporter",
    "backup",
}
MOUNTED = re.compile(r"/run/secrets/([A-Za-z0-9_.-]+)")


def generated_secrets(project: Path, environment: str) -> dict[str, str]:
    """Each value `make env` generated for the environment (a __SECRET_NAME__ token in its
    example file), by name."""
    example = (project / "env" / f"{environment}.env.example").read_text()
    values = dict(
        line.split("=", 1)
        for line in (project / "env" / f"{environment}.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return {name: values[name] for name in set(re.findall(r"__SECRET_([A-Z0-9_]+)__", example))}


# The project's own functions, as scripts/deploy calls them: the secret files of ENVIRONMENT.
WRITE_SECRET_FILES = """
source scripts/lib/usage.sh
source scripts/lib/secrets.sh
source scripts/lib/server.sh
resolve_environment
write_secret_files
printf '%s\\n%s\\n' "$SECRETS_DIR" "$STACK_FILES_DEFAULT"
"""


def server_config(project: Path, environment: str) -> dict[str, Any]:
    """The merged server stack as the swarm would run it, after the project's own
    write_secret_files (scripts/lib/server.sh) wrote the secret files."""
    written = subprocess.run(
        ["bash", "-c", WRITE_SECRET_FILES],
        cwd=project,
        env={**os.environ, "ENVIRONMENT": environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    secrets_dir, stack_files = written.stdout.split()
    args = [tool("docker-compose"), "--env-file", f"env/{environment}.env"]
    for file in stack_files.split(":"):
        args += ["--file", file]
    env = {**compose_env(project), "SECRETS_DIR": str(project / secrets_dir)}
    return config_json(args, project, env)


def secret_problems(config: dict[str, Any], secrets: dict[str, str]) -> list[str]:
    """Why some service's configuration shows a secret or misses its file (empty: none)."""
    problems = []
    declared = config.get("secrets", {})
    for name, service in config["services"].items():
        shown = json.dumps(
            {
                key: service.get(key)
                for key in (
                    "environment",
                    "command",
                    "entrypoint",
                    "healthcheck",
                    "labels",
                    "deploy",
                )
            }
        )
        problems += [
            f"{name}: {secret} in its configuration"
            for secret, value in secrets.items()
            if value in shown
        ]
        mounted = {entry["source"] for entry in service.get("secrets", [])}
        if name in NEEDS_SECRETS and not mounted:
            problems.append(f"{name}: mounts no secret file")
        problems += [
            f"{name}: reads /run/secrets/{file} but does not mount it"
            for file in set(MOUNTED.findall(shown)) - mounted
        ]
        for source in sorted(mounted):
            path = Path(declared.get(source, {}).get("file", ""))
            if not path.is_file():
                problems.append(f"{name}: secret {source}: no file {path}")
            elif source not in OPTIONAL_SECRETS and not path.read_text().strip():
                problems.append(f"{name}: secret {source}: {path} is empty")
    return problems


def distinct_server_stacks(projects: list[RenderedProject]) -> list[RenderedProject]:
    """One project per distinct set of compose files and server script (their content)."""
    seen: dict[tuple[str, ...], RenderedProject] = {}
    for project in projects:
        if not (project.path / "compose.prod.yaml").exists():
            continue
        server = project.path / "scripts" / "lib" / "server.sh"
        files = [*sorted(project.path.glob("compose*.yaml")), server]
        seen.setdefault(tuple(f.read_text() for f in files), project)
    return list(seen.values())


def test_no_server_service_shows_a_secret(
    rendered_matrix: list[RenderedProject], tmp_path: Path
) -> None:
    failures = []
    stacks = distinct_server_stacks(rendered_matrix)
    services: set[str] = set()
    for project in stacks:
        # A copy: the secret files are written into the project (.deploy/), which the render
        # layer's own checks of the rendered files must not see.
        copy = shutil.copytree(project.path, tmp_path / project.id, symlinks=True)
        answers = yaml.safe_load((copy / ".copier-answers.yml").read_text())
        environment = answers["environments"][0]
        config = server_config(copy, environment)
        services |= set(config["services"])
        problems = secret_problems(config, generated_secrets(copy, environment))
        failures += [f"{project.id} [{environment}]: {problem}" for problem in problems]
    record(
        f"lint: secrets as files in {len(stacks)} distinct server stacks, "
        f"{len(services)} services ({', '.join(sorted(services))})"
    )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("none", ""),
        ("value", "grafana: GRAFANA_ADMIN_PASSWORD in its configuration"),
        ("unmounted", "grafana: reads /run/secrets/other but does not mount it"),
        ("no file", "grafana: secret admin: no file"),
        ("empty", "grafana: secret admin: "),
        ("no secrets", "grafana: mounts no secret file"),
    ],
)
def test_secret_check_refuses_a_broken_service(tmp_path: Path, change: str, expected: str) -> None:
    """Each problem the check above looks for, in a made-up configuration of one service."""
    password = "0123456789abcdef"
    secret = tmp_path / "admin"
    secret.write_text(password)
    service: dict[str, Any] = {
        "environment": {"GF_SECURITY_ADMIN_PASSWORD__FILE": "/run/secrets/admin"},
        "secrets": [{"source": "admin"}],
    }
    if change == "value":
        service["environment"] = {"GF_SECURITY_ADMIN_PASSWORD": password}
    elif change == "unmounted":
        service["environment"]["OTHER_FILE"] = "/run/secrets/other"
    elif change == "no file":
        secret.unlink()
    elif change == "empty":
        secret.write_text("")
    elif change == "no secrets":
        service = {"environment": {}}
    config = {"services": {"grafana": service}, "secrets": {"admin": {"file": str(secret)}}}
    problems = secret_problems(config, {"GRAFANA_ADMIN_PASSWORD": password})
    if not expected:
        assert problems == []
    else:
        assert any(problem.startswith(expected) for problem in problems), problems
