"""Least-privilege database roles, on a real PostgreSQL, per stack.

The generated project's infra/postgres/roles.sql sets up the roles as the superuser (as the
server's db-roles service does), `make migrate` runs as the owner role, and then the API's
role is tried: it reads and writes the tables the migrations made and those the owner makes
later, and cannot create a table or run a program on the database server (`COPY ... TO
PROGRAM`, what an SQL injection as a superuser would reach).
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from tests.harness import database_roles
from tests.harness.database_roles import DatabaseRoles
from tests.harness.project import GeneratedProject

# Roles that reach the server's programs and files; the API's must be in none.
SERVER_ACCESS_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")


@pytest.fixture(scope="module")
def roles(generated_project: GeneratedProject) -> DatabaseRoles:
    """A database of its own, its roles set up and its migrations applied as the owner."""
    generated_project.require("install")
    generated_project.require("migrate", database="roles")
    return generated_project.roles("roles")


def refused(url: str, statement: str) -> str:
    """The error PostgreSQL gives `statement` run at `url`; fails when it succeeds."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege as error:
            return str(error)
    raise AssertionError(f"{statement!r} succeeded as {url.split(':')[1].lstrip('/')}")


def test_api_role_can_neither_create_tables_nor_run_programs(roles: DatabaseRoles) -> None:
    create = refused(roles.api_url, "CREATE TABLE intruder (id int)")
    program = refused(roles.api_url, "COPY (SELECT 1) TO PROGRAM 'id'")
    schema = refused(roles.api_url, "CREATE SCHEMA intruder")
    print(f"\n[roles] as {roles.api}: CREATE TABLE: {create.splitlines()[0]}")
    print(f"[roles] as {roles.api}: COPY TO PROGRAM: {program.splitlines()[0]}")
    print(f"[roles] as {roles.api}: CREATE SCHEMA: {schema.splitlines()[0]}")
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        superuser, createdb, createrole = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone() or (None, None, None)
        assert (superuser, createdb, createrole) == (False, False, False)
        for role in SERVER_ACCESS_ROLES:
            member = conn.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [role])
            assert member.fetchone() == (False,), f"{roles.api} is a member of {role}"


def test_api_role_reads_and_writes_the_tables_migrations_made(roles: DatabaseRoles) -> None:
    email = f"roles-{uuid.uuid4().hex[:12]}@example.test"
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        row = conn.execute(
            "INSERT INTO users (id, email, password_hash, created_at)"
            " VALUES (gen_random_uuid(), %s, 'not-a-hash', now()) RETURNING id",
            [email],
        ).fetchone()
        assert row is not None
        conn.execute("UPDATE users SET email = upper(email) WHERE id = %s", [row[0]])
        read = conn.execute("SELECT email FROM users WHERE id = %s", [row[0]]).fetchone()
        assert read == (email.upper(),)
        deleted = conn.execute("DELETE FROM users WHERE id = %s", [row[0]])
        assert deleted.rowcount == 1
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    # Migrations ran as the owner role: it owns every table, not the superuser.
    assert owners == [(roles.owner,)]


def test_tables_the_owner_creates_later_are_granted_to_the_api(roles: DatabaseRoles) -> None:
    table = f"later_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(roles.owner_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("CREATE TABLE {} (id serial PRIMARY KEY, note text)").format(
                sql.Identifier(table)
            )
        )
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        inserted = conn.execute(
            sql.SQL("INSERT INTO {} (note) VALUES ('granted by default') RETURNING id").format(
                sql.Identifier(table)
            )
        ).fetchone()
        assert inserted == (1,)
    # The owner, too, is no superuser: it owns the schema and runs no programs.
    program = refused(roles.owner_url, "COPY (SELECT 1) TO PROGRAM 'id'")
    print(f"\n[roles] as {roles.owner}: COPY TO PROGRAM: {program.splitlines()[0]}")


def test_role_setup_is_idempotent_and_refuses_missing_settings(
    generated_project: GeneratedProject, roles: DatabaseRoles
) -> None:
    again = database_roles.run_roles_sql(
        generated_project.path, roles.database, roles.environment()
    )
    assert again.returncode == 0, again.stderr
    print(f"\n[roles] second run: {again.stdout.strip()}")
    missing = {k: v for k, v in roles.environment().items() if k != "DB_API_PASSWORD"}
    refused_run = database_roles.run_roles_sql(generated_project.path, roles.database, missing)
    assert refused_run.returncode != 0
    assert "not set: DB_API_PASSWORD" in refused_run.stderr, refused_run.stderr
    print(f"[roles] without DB_API_PASSWORD: {refused_run.stderr.strip().splitlines()[0]}")
    # Both runs changed nothing the API relies on: it still writes.
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() is not None
