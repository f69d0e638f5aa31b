"""Fresh databases on the shared test PostgreSQL that scripts/services runs on loopback."""

from __future__ import annotations

import os
import secrets
import subprocess

import psycopg
from psycopg import sql

from tests.paths import ROOT

# The same port variable scripts/services reads, so both agree on where the server is.
HOST, USER, PASSWORD = "127.0.0.1", "postgres", "postgres"
PORT = int(os.environ.get("SHIPSHAPE_PG_PORT", "55432"))
ADMIN_URL = f"postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/postgres"


def ensure_server() -> None:
    """Start the shared server unless it runs already (scripts/services is idempotent)."""
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services"), "start", "postgres"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"scripts/services start postgres failed:\n{result.stdout}{result.stderr}"
        )


def create_database(prefix: str) -> str:
    """A new, empty database; returns its URL. Unique names: reruns never see old data."""
    name = f"{prefix}_{secrets.token_hex(4)}".lower().replace("-", "_")
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
