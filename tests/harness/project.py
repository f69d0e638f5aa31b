"""A generated project under runtime test: rendered once, each make target run at most once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.harness import database_roles, postgres
from tests.harness.answer_sets import RuntimeCase
from tests.harness.commands import CommandResult, run, toolchain_env
from tests.harness.redis_server import RedisServer
from tests.rendering import copier_copy_command

# Generous ceilings: pnpm install on a cold store downloads a few hundred packages.
TARGET_TIMEOUTS = {
    "install": 1200.0,
    "lint": 600.0,
    "typecheck": 600.0,
    "build": 600.0,
    "migrate": 300.0,
    "test": 1200.0,
}


def render(template: Path, destination: Path, answers: dict[str, Any]) -> CommandResult:
    """The real copier CLI, as a user runs it (extensions and tasks need --trust)."""
    data_file = destination.parent / f"{destination.name}.answers.yml"
    data_file.write_text(yaml.safe_dump(answers))
    return run(
        copier_copy_command(template, destination, "--data-file", str(data_file)),
        cwd=destination.parent,
        env=toolchain_env(),
        timeout=300,
    )


class GeneratedProject:
    def __init__(
        self,
        case: RuntimeCase,
        path: Path,
        workdir: Path,
        say: Callable[[str], None] = print,
    ) -> None:
        self.case = case
        self.say = say
        self.path = path
        self.workdir = workdir
        self.results: dict[str, CommandResult] = {}
        self._databases: dict[str, str] = {}
        self._roles: dict[str, database_roles.DatabaseRoles] = {}
        # One Redis for the project's own tests and the API: only the contract suite stops it.
        self.redis = RedisServer(workdir / "redis")

    def database(self, purpose: str) -> str:
        """A fresh database per purpose ("tests", "api"), created on first use."""
        if purpose not in self._databases:
            postgres.ensure_server()
            self._databases[purpose] = url = postgres.create_database(f"rt_{purpose}")
            # As on a server: the project's role setup runs before any migration.
            # With a monitor role: the monitoring layer's postgres-exporter connects as it.
            roles = database_roles.DatabaseRoles.for_database(url, monitor=True)
            self._roles[purpose] = roles
            database_roles.set_up(self.path, roles)
        return self._databases[purpose]

    def roles(self, purpose: str) -> database_roles.DatabaseRoles:
        """The owner and API roles of the database for `purpose` (created with it)."""
        self.database(purpose)
        return self._roles[purpose]

    def make(self, target: str, database: str = "tests") -> CommandResult:
        """`make TARGET` in the project root, once; later calls return the first result."""
        key = f"{target}@{database}" if target in ("migrate", "test") else target
        if key not in self.results:
            if target != "install":
                self.require("install")
            self.results[key] = result = self.run_make(target, database)
            status = "ok" if result.ok else f"FAILED (exit {result.returncode})"
            self.say(f"[runtime] {self.case.id}: make {target}: {status} in {result.seconds:.0f}s")
        return self.results[key]

    def run_make(self, target: str, database: str = "tests") -> CommandResult:
        """`make TARGET` now. Targets that touch services get DATABASE_URL/REDIS_URL of fresh
        instances (the project's .env points at compose services that do not run here).
        Migrations run as the owner role, as the server's migrate service does; the project's
        own tests as the superuser, as `make test` does locally (they create databases)."""
        extra: dict[str, str] = {}
        if target in ("migrate", "test"):
            self.redis.start()
            url = self.roles(database).owner_url if target == "migrate" else self.database(database)
            extra = {"DATABASE_URL": url, "REDIS_URL": self.redis.url}
        return run(
            ["make", "--no-print-directory", target],
            cwd=self.path,
            env=toolchain_env(extra),
            timeout=TARGET_TIMEOUTS[target],
        )

    def require(self, target: str, database: str = "tests") -> None:
        """Raise with the output tail when a target fails (fixtures turn it into an error)."""
        result = self.make(target, database)
        if not result.ok:
            raise RuntimeError(f"{self.case.id}: make {target} failed\n{result.tail()}")

    def close(self) -> None:
        self.redis.stop()
        for purpose, url in self._databases.items():
            try:
                postgres.drop_database(url)
                database_roles.drop_roles(self._roles[purpose].names)
            except Exception as error:  # cleanup must not hide the test result
                print(f"could not drop {url} or its roles: {error}")
