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


# A row for a table every answer set has: `users` where the schema has one (auth on, or
# NestJS, whose first migration always makes it), else `notes` (FastAPI without auth).
ROWS = {
    "users": (
        "INSERT INTO users (id, email, password_hash, created_at)"
        " VALUES (gen_random_uuid(), %s, 'not-a-hash', now()) RETURNING id"
    ),
    "notes": (
        "INSERT INTO notes (id, title, body, created_at, updated_at)"
        " VALUES (gen_random_uuid(), %s, '', now(), now()) RETURNING id"
    ),
}
TEXT_COLUMN = {"users": "email", "notes": "title"}


def test_api_role_reads_and_writes_the_tables_migrations_made(roles: DatabaseRoles) -> None:
    text = f"roles-{uuid.uuid4().hex[:12]}@example.test"
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        has_users = conn.execute("SELECT to_regclass('public.users') IS NOT NULL").fetchone()
        table = "users" if has_users == (True,) else "notes"
        row = conn.execute(ROWS[table], [text]).fetchone()
        assert row is not None
        column = sql.Identifier(TEXT_COLUMN[table])
        update = sql.SQL("UPDATE {} SET {} = upper({}) WHERE id = %s")
        conn.execute(update.format(sql.Identifier(table), column, column), [row[0]])
        select = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(column, sql.Identifier(table))
        assert conn.execute(select, [row[0]]).fetchone() == (text.upper(),)
        delete = sql.SQL("DELETE FROM {} WHERE id = %s").format(sql.Identifier(table))
        assert conn.execute(delete, [row[0]]).rowcount == 1
    print(f"\n[roles] as {roles.api}: INSERT, UPDATE, SELECT, DELETE on {table}: ok")
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
    # Both runs changed nothing the API relies on: it still reads every table of the schema.
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in tables.fetchall():
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
