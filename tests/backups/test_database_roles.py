"""Backups with the server's database roles: pg_dump reads as the backup role
(pg_read_all_data, which writes nothing), restores and the drill write as the owner of the
schema, and the API's role keeps its rights on the restored tables.

The roles come from the project's own infra/postgres/roles.sql, as the db-roles service sets
them up, named after the test's database (roles are shared by the whole test cluster).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.backups import seed_data
from tests.backups.project_scripts import BackupSetup
from tests.harness import database_roles, postgres
from tests.harness.database_roles import DatabaseRoles


@pytest.fixture
def roles(local_backups: BackupSetup) -> Iterator[DatabaseRoles]:
    roles = DatabaseRoles.for_database(local_backups.database_url, backup=True)
    database_roles.set_up(local_backups.project, roles)
    yield roles
    # Their database first: a role cannot go while a database holds its objects.
    postgres.drop_database(local_backups.database_url)
    database_roles.drop_roles(roles.names)


def as_roles(roles: DatabaseRoles) -> dict[str, str]:
    """The URLs compose.backup.yaml gives the backup service."""
    return {
        "DATABASE_URL": roles.url(roles.backup, roles.backup_password),
        "RESTORE_DATABASE_URL": roles.owner_url,
    }


def test_backup_as_the_backup_role_restore_as_the_owner(
    local_backups: BackupSetup, roles: DatabaseRoles
) -> None:
    # Tables as migrations make them on a server: the owner's.
    seed_data.seed(roles.owner_url)
    backed_up = seed_data.contents(roles.owner_url)
    local_backups.succeed("backup", **as_roles(roles))

    backup_role = psycopg.connect(as_roles(roles)["DATABASE_URL"], connect_timeout=10)
    with backup_role, pytest.raises(psycopg.errors.InsufficientPrivilege):
        backup_role.execute("INSERT INTO customers (name) VALUES ('written by the backup role')")

    seed_data.change(roles.owner_url)
    # The API is connected while the restore swaps the database: the owner must end its
    # session (pg_signal_backend), as on a server.
    with psycopg.connect(roles.api_url, autocommit=True, connect_timeout=10) as api_session:
        api_session.execute("SELECT 1")
        restored = local_backups.succeed("restore", "--yes", **as_roles(roles))
    print(f"\n[backups] restore as {roles.owner}: {restored.stderr.strip().splitlines()[-1]}")

    assert seed_data.contents(roles.owner_url) == backed_up
    with psycopg.connect(roles.api_url, connect_timeout=10) as conn:
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        # The grants came back with the dump: the API writes to the restored tables.
        conn.execute("INSERT INTO customers (name) VALUES ('written after the restore')")
    assert owners == [(roles.owner,)]

    drill = local_backups.succeed("restore-drill", **as_roles(roles))
    print(f"[backups] drill as {roles.owner}: {drill.stderr.strip().splitlines()[-1]}")
