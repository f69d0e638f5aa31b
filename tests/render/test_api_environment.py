"""The server hands the API exactly the variables its configuration reads, and no other.

compose.prod.yaml names them (derived.api_variables); each stack's configuration schema is
what the API really reads. A variable added to one and not the other fails here, before a
deploy would start an API without it (or hand it a secret it has no use for).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from extensions.naming import TRACING_VARIABLES
from tests.conftest import RenderedProject

# Set in the image (the release's version), not in env/<environment>.env.
FROM_THE_IMAGE = {"APP_VERSION"}
# Read by the OpenTelemetry SDK, not by the configuration schema (extensions/naming.py).
READ_BY_THE_TRACING_SDK = set(TRACING_VARIABLES)
NESTJS_SCHEMA = "apps/api/src/config/config.schema.ts"
FASTAPI_SETTINGS = "apps/api/app/config.py"


def configuration_reads(project: Path) -> set[str]:
    """Variable names in the rendered API's configuration schema."""
    nestjs = project / NESTJS_SCHEMA
    if nestjs.exists():
        names = re.findall(r"^  ([A-Z][A-Z0-9_]*):", nestjs.read_text(), re.MULTILINE)
    else:
        fields = re.findall(
            r"^    ([a-z][a-z0-9_]*): ", (project / FASTAPI_SETTINGS).read_text(), re.MULTILINE
        )
        names = [name.upper() for name in fields]
    assert names, f"no configuration fields found in {project}"
    return set(names) - FROM_THE_IMAGE | READ_BY_THE_TRACING_SDK


def compose_environment(project: Path, service: str) -> set[str]:
    """The variables a service's configuration gets, by the name it reads: NAME, or NAME_FILE
    naming a secret file the service mounts (counted as NAME)."""
    compose = yaml.safe_load((project / "compose.prod.yaml").read_text())
    spec = compose["services"][service]
    entries = spec["environment"]
    if isinstance(entries, dict):
        entries = [f"{name}={value}" for name, value in entries.items()]
    assert "env_file" not in spec
    mounted = set(spec.get("secrets", []))
    names = set()
    for entry in entries:
        name, _, value = entry.partition("=")
        if name.endswith("_FILE"):
            # A secret reaches the service as a file only: never a value in the compose file.
            assert value.startswith("/run/secrets/"), f"{service}: {entry} is no secret file"
            assert value.removeprefix("/run/secrets/") in mounted, f"{service}: {entry} not mounted"
            name = name.removesuffix("_FILE")
        else:
            assert not value or "${" in value, f"{service}: {entry} names no variable"
        names.add(name)
    return names


def example_variables(project: Path) -> set[str]:
    names: set[str] = set()
    for example in (project / "env").glob("*.env.example"):
        names |= set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example.read_text(), re.MULTILINE))
    return names


def test_api_gets_what_its_configuration_reads(rendered_matrix: list[RenderedProject]) -> None:
    for project in rendered_matrix:
        handed = compose_environment(project.path, "api")
        assert handed == configuration_reads(project.path), project.id
        missing = handed - example_variables(project.path)
        assert not missing, f"{project.id}: not in env/*.env.example: {sorted(missing)}"


def test_migrations_get_the_database_url_only(rendered_matrix: list[RenderedProject]) -> None:
    for project in rendered_matrix:
        assert compose_environment(project.path, "migrate") == {"DATABASE_URL"}, project.id
