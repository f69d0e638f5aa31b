"""A project generated at v0.3.0, before the database roles, keeps its data through the update
that brings them, and its API then serves that data as the least-privilege API role.

At v0.3.0 everything connected as the superuser. The test copies a project at that release,
migrates a fresh database as the superuser and writes a user and notes through the old
API over HTTP. It then runs `copier update` to the working tree (whose task, scripts/init-env,
appends the role passwords to the env files and changes no existing value), the documented
step (infra/postgres/roles.sql as the superuser, as the db-roles service runs it on the next
deploy; docs/runbooks/database-roles.md), the updated migrations as the owner role, and
reads the rows back through the updated API, started as the API role.

The role setup and migrations are the stack's own; roles.sql and the compose wiring are the
same file for both stacks (tests/render/test_database_role_wiring.py), the migrations are not,
so both stacks run.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from tests.harness import database_roles, postgres
from tests.harness.accounts import Account, login, signed_up
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess, api_settings
from tests.harness.commands import run, toolchain_env
from tests.harness.database_roles import DatabaseRoles, superuser_url
from tests.harness.http import assert_status, client
from tests.harness.ports import free_port
from tests.harness.project import TARGET_TIMEOUTS, GeneratedProject
from tests.report import record
from tests.update.project import copy_at, update

FROM_RELEASE = "v0.3.0"
ANSWERS = {
    "use_auth": True,
    "use_cache": False,
    "use_sentry": False,
    "web_frontend": "none",
    "environments": ["production"],
    "use_monitoring": False,
    "use_backups": False,
    "use_iac": False,
}
NOTES = [("kept 1", "written before the update"), ("kept 2", "ü ✓ 𝄞"), ("kept 3", "")]


def env_values(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", path.read_text(), re.MULTILINE))


def make(project: GeneratedProject, target: str, database_url: str | None = None) -> None:
    extra = {"REDIS_URL": project.redis.url} if database_url else {}
    if database_url:
        project.redis.start()
        extra["DATABASE_URL"] = database_url
    result = run(
        ["make", "--no-print-directory", target],
        cwd=project.path,
        env=toolchain_env(extra),
        timeout=TARGET_TIMEOUTS[target],
    )
    assert result.ok, result.tail()


def started_api(project: GeneratedProject, database_url: str, name: str) -> ApiProcess:
    api = ApiProcess(
        project, api_settings(project, free_port(), database_url), project.workdir / name
    )
    api.start()
    return api


@pytest.mark.parametrize("stack", ["nestjs", "fastapi"])
def test_update_keeps_the_data_and_serves_it_as_the_api_role(
    stack: str, template_with_history: Path, tmp_path: Path
) -> None:
    answers = {"project_name": f"Roles {stack}", "api_stack": stack, **ANSWERS}
    path = copy_at(template_with_history, FROM_RELEASE, tmp_path / "project", answers)
    project = GeneratedProject(RuntimeCase(stack, "roles-update", answers), path, tmp_path)
    postgres.ensure_server()
    database = postgres.create_database("upd_roles")
    superuser = superuser_url(database_roles.database_of(database))
    roles: DatabaseRoles | None = None
    try:
        # v0.3.0 as it ran: migrations and the API as the superuser.
        for target in ("install", "build"):
            make(project, target)
        make(project, "migrate", superuser)
        old_api = started_api(project, superuser, "api-v0.3.0")
        try:
            with client(old_api.base_url) as http:
                account = signed_up(http, "before-update")
                for title, body in NOTES:
                    note = {"title": title, "body": body}
                    assert_status(http.post("notes", json=note, headers=account.headers), 201)
        finally:
            old_api.stop()
        before = env_values(path / "env" / "production.env")

        update(path)

        # scripts/init-env (copier's task) added the role passwords and kept every value.
        after = env_values(path / "env" / "production.env")
        assert {k: after[k] for k in before} == before
        added = sorted(set(after) - set(before))
        for name in ("DB_OWNER_PASSWORD", "DB_API_PASSWORD"):
            assert re.fullmatch(r"[0-9a-f]{64}", after.get(name, "")), (name, added)
        # The documented step, as db-roles runs it: the env file's passwords, with role names
        # of this test database's own (roles are shared by the whole test cluster).
        roles = DatabaseRoles(
            database=database_roles.database_of(database),
            owner=f"{database_roles.database_of(database)}_owner",
            owner_password=after["DB_OWNER_PASSWORD"],
            api=f"{database_roles.database_of(database)}_api",
            api_password=after["DB_API_PASSWORD"],
        )
        setup = database_roles.run_roles_sql(path, roles.database, roles.environment())
        assert setup.returncode == 0, setup.stderr
        for target in ("install", "build"):
            make(project, target)
        make(project, "migrate", roles.owner_url)

        new_api = started_api(project, roles.api_url, "api-updated")
        try:
            with client(new_api.base_url) as http:
                again = Account(account.email, account.password, account.id, account.created)
                again.tokens = login(http, again)
                listing = assert_status(http.get("notes", headers=again.headers), 200)
        finally:
            new_api.stop()
        read_back = sorted((item["title"], item["body"]) for item in listing["items"])
        assert read_back == sorted(NOTES), listing

        with psycopg.connect(superuser, connect_timeout=10) as conn:
            owners = conn.execute(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        assert owners == [(roles.owner,)], "the superuser's tables moved to the owner role"
        record(
            f"update [{stack}]: {FROM_RELEASE} -> working tree: env gained {', '.join(added)}; "
            f"{len(read_back)} notes written as the superuser read back through the API "
            f"as {roles.api}; tables owned by {roles.owner}"
        )
    finally:
        project.redis.stop()
        postgres.drop_database(database)
        if roles is not None:
            database_roles.drop_roles(roles.names)
