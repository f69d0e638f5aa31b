"""Repository servers on 127.0.0.1 for the remote targets, run for real by the tests.

- SFTP (Hetzner Storage Box): the loopback sshd of tests/harness/loopback_sshd.py with the
  SFTP subsystem and one authorized key; the client side is the ssh_config file the scripts
  get as BACKUP_SSH_CONFIG, as on a server. (tests/backups/append_only_servers.py turns it
  into the backup host of the sftp target, rclone as each key's forced command.)
- S3 (Hetzner Object Storage): moto's S3-compatible server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import ClassVar

from tests.harness.loopback_sshd import LoopbackSshd, stop, wait_for_port
from tests.harness.ports import free_port
from tests.paths import VENV_BIN

# The host alias of a plain SFTP repository (RESTIC_REPOSITORY=sftp:storagebox:/...).
SSH_HOST_ALIAS = "storagebox"


class LoopbackSftpServer(LoopbackSshd):
    def __init__(self, folder: Path, alias: str = SSH_HOST_ALIAS) -> None:
        super().__init__(folder, "Subsystem sftp internal-sftp\n")
        self.alias = alias
        self.client_key = self.authorize_client()
        self.client_config = self._write_client_config(self.client_key)

    def authorize_client(self) -> Path:
        """The server's key: any command, SFTP included."""
        return self.authorize("client_key")

    def _write_client_config(self, key: Path, name: str = "ssh_config") -> Path:
        config = self.folder / name
        config.write_text(
            f"""Host {self.alias}
  HostName 127.0.0.1
  Port {self.port}
  User {self.user}
  IdentityFile {key}
  IdentitiesOnly yes
  UserKnownHostsFile {self.known_hosts}
  StrictHostKeyChecking yes
  BatchMode yes
"""
        )
        return config

    def repository(self, path: Path) -> str:
        return f"sftp:{self.alias}:{path}"


class LoopbackS3Server:
    ACCESS: ClassVar[dict[str, str]] = {
        "AWS_ACCESS_KEY_ID": "backup-tests",
        "AWS_SECRET_ACCESS_KEY": "backup-tests-secret",
    }

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def repository(self, bucket: str) -> str:
        return f"s3:http://127.0.0.1:{self.port}/{bucket}"

    def start(self) -> None:
        log = self.folder / "moto.log"
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=output,
                stderr=output,
            )
        wait_for_port(self.process, self.port, log)

    def stop(self) -> None:
        stop(self.process)
        self.process = None
