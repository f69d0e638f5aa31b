"""Repository servers on 127.0.0.1 for the remote targets, run for real by the tests.

- SFTP (Hetzner Storage Box): a dedicated OpenSSH sshd with its own host key and one
  authorized key, all in a temporary folder; the client side is the ssh_config file the
  scripts get as BACKUP_SSH_CONFIG, as on a server. (tests/backups/append_only_servers.py
  turns it into the backup host of the sftp target, rclone as each key's forced command.)
- S3 (Hetzner Object Storage): moto's S3-compatible server.
"""

from __future__ import annotations

import getpass
import socket
import subprocess
import time
from pathlib import Path
from typing import ClassVar

from tests.harness.ports import free_port
from tests.paths import VENV_BIN

SSHD = "/usr/sbin/sshd"
# The host alias of a plain SFTP repository (RESTIC_REPOSITORY=sftp:storagebox:/...).
SSH_HOST_ALIAS = "storagebox"


def wait_for_port(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server not listening on {port} after 20 s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LoopbackSftpServer:
    def __init__(self, folder: Path, alias: str = SSH_HOST_ALIAS) -> None:
        self.folder = folder
        self.alias = alias
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self._make_keys()
        self.server_config = self._write_server_config()
        self.client_config = self._write_client_config()

    def _keygen(self, name: str) -> Path:
        key = self.folder / name
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
            check=True,
            capture_output=True,
        )
        return key

    def _make_keys(self) -> None:
        self.host_key = self._keygen("host_key")
        self.client_key = self._keygen("client_key")
        self.authorized_keys = self.folder / "authorized_keys"
        self.authorized_keys.write_text(self.authorized_line(self.client_key))
        host_public = self.host_key.with_suffix(".pub").read_text().split()
        self.known_hosts = self.folder / "known_hosts"
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_public[0]} {host_public[1]}\n")

    def authorized_line(self, key: Path) -> str:
        """The authorized_keys line of client key `key`: any command, SFTP included."""
        return key.with_suffix(".pub").read_text()

    def _write_server_config(self) -> Path:
        config = self.folder / "sshd_config"
        config.write_text(
            f"""ListenAddress 127.0.0.1
Port {self.port}
HostKey {self.host_key}
PidFile {self.folder / "sshd.pid"}
AuthorizedKeysFile {self.authorized_keys}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
# The key files live under /tmp, which is world-writable: StrictModes would refuse them.
StrictModes no
Subsystem sftp internal-sftp
LogLevel ERROR
"""
        )
        return config

    def _write_client_config(self, key: Path | None = None, name: str = "ssh_config") -> Path:
        config = self.folder / name
        config.write_text(
            f"""Host {self.alias}
  HostName 127.0.0.1
  Port {self.port}
  User {getpass.getuser()}
  IdentityFile {key or self.client_key}
  IdentitiesOnly yes
  UserKnownHostsFile {self.known_hosts}
  StrictHostKeyChecking yes
  BatchMode yes
"""
        )
        return config

    def repository(self, path: Path) -> str:
        return f"sftp:{self.alias}:{path}"

    def start(self) -> None:
        # sshd insists on its privilege separation directory.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        log = self.folder / "sshd.log"
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(self.server_config)], stdout=output, stderr=output
            )
        wait_for_port(self.process, self.port, log)

    def stop(self) -> None:
        stop(self.process)
        self.process = None


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
