"""A generated project's least-privilege database roles, set up on a test database by the
project's own infra/postgres/roles.sql, as the server's db-roles service runs it.

Roles are cluster-wide and the test cluster is shared by every test database (and every
engineer's run): each database gets roles named after it, dropped when it is dropped.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from tests.harness import postgres

# Where the generated project keeps its role setup.
ROLES_SQL = Path("infra") / "postgres" / "roles.sql"


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def superuser_url(database: str) -> str:
    """The test cluster's superuser, connected to `database`."""
    return (
        f"postgres://{postgres.USER}:{postgres.PASSWORD}@{postgres.HOST}:{postgres.PORT}/{database}"
    )


@dataclass(frozen=True)
class DatabaseRoles:
    """The owner and API roles of one database (optionally monitor and backup), with names
    derived from the database's name and fresh passwords."""

    database: str
    owner: str
    owner_password: str
    api: str
    api_password: str
    monitor: str = ""
    monitor_password: str = ""
    backup: str = ""
    backup_password: str = ""

    @classmethod
    def for_database(cls, url: str, monitor: bool = False, backup: bool = False) -> DatabaseRoles:
        name = database_of(url)

        def password() -> str:
            return secrets.token_hex(32)  # as scripts/init-env makes them

        return cls(
            database=name,
            owner=f"{name}_owner",
            owner_password=password(),
            api=f"{name}_api",
            api_password=password(),
            monitor=f"{name}_monitor" if monitor else "",
            monitor_password=password() if monitor else "",
            backup=f"{name}_backup" if backup else "",
            backup_password=password() if backup else "",
        )

    def url(self, role: str, password: str) -> str:
        return f"postgres://{role}:{password}@{postgres.HOST}:{postgres.PORT}/{self.database}"

    @property
    def owner_url(self) -> str:
        return self.url(self.owner, self.owner_password)

    @property
    def api_url(self) -> str:
        return self.url(self.api, self.api_password)

    @property
    def names(self) -> list[str]:
        return [name for name in (self.owner, self.api, self.monitor, self.backup) if name]

    def environment(self) -> dict[str, str]:
        """The variables roles.sql reads, as env/<environment>.env holds them."""
        values = {
            "DB_OWNER_USER": self.owner,
            "DB_OWNER_PASSWORD": self.owner_password,
            "DB_API_USER": self.api,
            "DB_API_PASSWORD": self.api_password,
            "DB_MONITOR_USER": self.monitor,
            "DB_MONITOR_PASSWORD": self.monitor_password,
            "DB_BACKUP_USER": self.backup,
            "DB_BACKUP_PASSWORD": self.backup_password,
        }
        return {name: value for name, value in values.items() if value}


def run_roles_sql(
    project: Path, database: str, variables: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """The project's roles.sql as the superuser on `database`, with
    `variables` as its environment (passwords never in arguments), as db-roles runs it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "PG", "DATABASE_"))
    }
    env |= {
        "PGHOST": postgres.HOST,
        "PGPORT": str(postgres.PORT),
        "PGUSER": postgres.USER,
        "PGPASSWORD": postgres.PASSWORD,
        "PGDATABASE": database,
        **variables,
    }
    return subprocess.run(
        ["psql", "--no-psqlrc", f"--file={project / ROLES_SQL}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def set_up(project: Path, roles: DatabaseRoles) -> None:
    """Create the roles on their database with the project's roles.sql; raise with its output
    when it fails."""
    result = run_roles_sql(project, roles.database, roles.environment())
    if result.returncode != 0:
        raise RuntimeError(f"roles.sql failed (exit {result.returncode}):\n{result.stderr}")


def drop_roles(names: list[str]) -> None:
    """Drop roles whose database is gone. The maintenance database (ADMIN_URL's) still holds
    the owner's grants of the WAL functions (roles.sql), revoked first: DROP OWNED BY leaves
    grants on built-in functions in place."""
    with psycopg.connect(postgres.ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        for name in names:
            role = sql.Identifier(name)
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(sql.SQL(REVOKE_WAL_FUNCTIONS).format(role))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


REVOKE_WAL_FUNCTIONS = (
    "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_switch_wal(),"
    " pg_catalog.pg_create_restore_point(text), pg_catalog.pg_backup_start(text, boolean),"
    " pg_catalog.pg_backup_stop(boolean) FROM {}"
)
