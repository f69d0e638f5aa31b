"""Every service of the server stack reaches PostgreSQL as its own role, never as the
superuser: the API, migrations and the backup job through the database URL file
scripts/server-compose writes for each from that role's variables, the exporter through its
role's variables. Only postgres itself and the role setup (db-roles) get the superuser's
password. What each role may do is proven on a real PostgreSQL in
tests/runtime/test_database_roles.py; this checks the wiring of every rendered combination.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import RenderedProject

# service -> (compose file, the variable naming how it connects, the secret file holding its
# URL or None for a plain user variable, and the prefix of its role's variables)
CONNECTIONS = {
    "migrate": ("compose.prod.yaml", "DATABASE_URL_FILE", "owner_database_url", "DB_OWNER"),
    "api": ("compose.prod.yaml", "DATABASE_URL_FILE", "api_database_url", "DB_API"),
    "postgres-exporter": ("compose.monitoring.yaml", "DATA_SOURCE_USER", None, "DB_MONITOR"),
    "backup": ("compose.backup.yaml", "DATABASE_URL_FILE", "backup_database_url", "DB_BACKUP"),
}
# The restore writes as the owner (it creates, renames and drops databases).
RESTORE = ("compose.backup.yaml", "RESTORE_DATABASE_URL_FILE", "owner_database_url", "DB_OWNER")
SUPERUSER_SERVICES = {"postgres", "db-roles"}


def environment(compose: dict[str, Any], service: str) -> dict[str, str]:
    entries = compose["services"][service].get("environment", {})
    if isinstance(entries, list):
        return dict(entry.partition("=")[::2] for entry in entries)
    return {name: str(value) for name, value in entries.items()}


def compose_files(project: Path) -> dict[str, dict[str, Any]]:
    return {
        path.name: yaml.safe_load(path.read_text())
        for path in project.glob("compose.*.yaml")
        if path.name != "compose.yaml"  # local development: the superuser (tests create DBs)
    }


def connects_as(project: Path, value: str, secret: str | None, role: str) -> bool:
    """Whether a connection setting is `role`'s: its user variable, or the secret file that
    scripts/server-compose (lib/server.sh) writes from that role's user and password."""
    if secret is None:
        return re.search(rf"\$\{{{role}_USER[:}}]", value) is not None
    writer = (project / "scripts" / "lib" / "server.sh").read_text()
    url = f'write_secret {secret} "postgres://${{value[{role}_USER]}}:${{value[{role}_PASSWORD]}}'
    return value == f"/run/secrets/{secret}" and url in writer


def test_each_service_connects_as_its_own_role(rendered_matrix: list[RenderedProject]) -> None:
    checked = 0
    for project in rendered_matrix:
        files = compose_files(project.path)
        for service, (file, variable, secret, role) in [
            *CONNECTIONS.items(),
            ("backup", RESTORE),
        ]:
            if file not in files:
                continue
            value = environment(files[file], service).get(variable, "")
            assert connects_as(project.path, value, secret, role), (
                f"{project.id}: {service}'s {variable} is not {role}'s: {value!r}"
            )
            checked += 1
    assert checked >= len(rendered_matrix) * 2


def test_only_postgres_and_the_role_setup_get_the_superuser_password(
    rendered_matrix: list[RenderedProject],
) -> None:
    for project in rendered_matrix:
        for name, compose in compose_files(project.path).items():
            for service in compose.get("services", {}):
                values = " ".join(environment(compose, service).values())
                if service in SUPERUSER_SERVICES:
                    continue
                assert "POSTGRES_PASSWORD" not in values, f"{project.id}: {name} {service}"
                assert not re.search(r"\$\{POSTGRES_USER[:}]", values), (
                    f"{project.id}: {name} {service} connects as the superuser"
                )


def test_role_setup_gets_the_roles_the_project_has(rendered_matrix: list[RenderedProject]) -> None:
    for project in rendered_matrix:
        compose = yaml.safe_load((project.path / "compose.prod.yaml").read_text())
        handed = set(environment(compose, "db-roles"))
        expected = {"DB_OWNER_USER", "DB_API_USER"}
        if project.answers["use_monitoring"]:
            expected.add("DB_MONITOR_USER")
        if project.answers["use_backups"]:
            expected.add("DB_BACKUP_USER")
        users = {name for name in handed if name.endswith("_USER") and name.startswith("DB_")}
        assert users == expected, project.id
        # Each role's password comes from its own secret file, read into psql's environment.
        mounted = set(compose["services"]["db-roles"]["secrets"])
        command = " ".join(compose["services"]["db-roles"]["command"])
        for user in expected:
            password = user.replace("_USER", "_PASSWORD")
            assert password.lower() in mounted, f"{project.id}: {password.lower()}"
            assert f"{password}=$$(cat /run/secrets/{password.lower()})" in command, project.id
        # Both are one-off services scripts/deploy runs in order (db-roles, then migrate).
        for one_off in ("db-roles", "migrate"):
            deploy = compose["services"][one_off]["deploy"]
            assert deploy["replicas"] == 0, f"{project.id}: {one_off}"
            assert deploy["restart_policy"]["condition"] == "none", f"{project.id}: {one_off}"
        assert (project.path / "infra" / "postgres" / "roles.sql").is_file()
