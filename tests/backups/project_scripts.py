"""Run a rendered project's backup scripts, and restic itself, against one repository."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness import prometheus_text

# Generous: the benchmark runs these scripts on a 1 GB database too.
TIMEOUT = 1800


@dataclass
class BackupSetup:
    """The settings a server's env file would give the scripts, pointed at test resources."""

    project: Path
    database_url: str
    repository: str
    work: Path
    password: str = "correct horse battery staple"
    extra: dict[str, str] = field(default_factory=dict)
    # Run the scripts as this account (setpriv), as the backup container runs them as postgres.
    account: str | None = None

    @property
    def metrics_dir(self) -> Path:
        return self.work / "metrics"

    def env(self, **overrides: str) -> dict[str, str]:
        settings = {
            "DATABASE_URL": self.database_url,
            "RESTIC_REPOSITORY": self.repository,
            "RESTIC_PASSWORD": self.password,
            "RESTIC_CACHE_DIR": str(self.work / "restic-cache"),
            "BACKUP_METRICS_DIR": str(self.metrics_dir),
            "APP_NAME": "backup-tests",
            "APP_ENV": "production",
            # The scripts' temporary files stay inside the test's folder.
            "TMPDIR": str(self.work),
            # restic buckets snapshots into days, weeks and months in local time.
            "TZ": "UTC",
            **self.extra,
            **overrides,
        }
        return {**os.environ, **settings}

    def run(self, script: str, *args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
        """Run scripts/<script> of the project; never raises on a non-zero exit."""
        switch = ["setpriv", f"--reuid={self.account}", f"--regid={self.account}", "--init-groups"]
        return subprocess.run(
            [
                *(switch if self.account else []),
                "bash",
                str(self.project / "scripts" / script),
                *args,
            ],
            env=self.env(**overrides),
            # No terminal: a live restore must then ask for --yes.
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def succeed(
        self, script: str, *args: str, **overrides: str
    ) -> subprocess.CompletedProcess[str]:
        result = self.run(script, *args, **overrides)
        assert result.returncode == 0, f"scripts/{script} {' '.join(args)} failed:\n{result.stderr}"
        return result

    def restic_command(self, *args: str) -> list[str]:
        """restic with the options the scripts give it (scripts/lib/backup-restic.sh)."""
        options = []
        if ssh_config := self.extra.get("BACKUP_SSH_CONFIG"):
            scheme, host = self.repository.split(":")[:2]
            if scheme == "sftp":
                options = ["-o", f"sftp.command=ssh -F {ssh_config} {host} -s sftp"]
            elif scheme == "rclone":
                options = ["-o", f"rclone.program=ssh -F {ssh_config} {host}"]
        return ["restic", *options, *args]

    def restic(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            self.restic_command(*args),
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, f"restic {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout

    def snapshots(self, *tags: str) -> list[dict[str, Any]]:
        """Snapshots carrying every tag given, oldest first."""
        args = ["snapshots", "--json"]
        if tags:
            args += ["--tag", ",".join(tags)]
        found: list[dict[str, Any]] = json.loads(self.restic(*args)) or []
        return sorted(found, key=lambda snapshot: str(snapshot["time"]))

    def metrics(self, file: str) -> list[prometheus_text.Sample]:
        samples, _ = prometheus_text.parse((self.metrics_dir / file).read_text())
        return samples

    def metric(self, file: str, name: str, **labels: str) -> float:
        found = prometheus_text.find(self.metrics(file), name, **labels)
        assert len(found) == 1, f"{name}{labels} in {file}: {found}"
        return found[0].value


def failure_cause(result: subprocess.CompletedProcess[str]) -> str:
    """The CAUSE of the script's `error [CAUSE]: ...` line."""
    for line in result.stderr.splitlines():
        if line.startswith("error ["):
            return line.split("[", 1)[1].split("]", 1)[0]
    raise AssertionError(f"no error line in:\n{result.stderr}")


def init_repository(repository: Path) -> Path:
    """`restic init` of a new repository at `repository`, with the password the scripts get."""
    subprocess.run(
        ["restic", "init", "--repository-version", "2", "--repo", str(repository)],
        env={**os.environ, "RESTIC_PASSWORD": BackupSetup.password},
        check=True,
        capture_output=True,
    )
    return repository
