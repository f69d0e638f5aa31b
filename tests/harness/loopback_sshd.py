"""A dedicated OpenSSH sshd on 127.0.0.1, run for real as the current user: its own host key,
configuration and authorized_keys, all in a temporary folder. The backups' SFTP target and
the deploy gate's server are both this one server with different keys and settings."""

from __future__ import annotations

import getpass
import socket
import subprocess
import time
from pathlib import Path

from tests.harness.ports import free_port

SSHD = "/usr/sbin/sshd"


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


def keygen(key: Path) -> Path:
    """A new ed25519 key pair without passphrase: `key` and `key`.pub."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key.name, "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key


class LoopbackSshd:
    """sshd with `settings` (sshd_config lines) added; keys are authorized with `authorize`."""

    def __init__(self, folder: Path, settings: str = "") -> None:
        self.folder = folder
        self.port = free_port()
        self.user = getpass.getuser()
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self.host_key = keygen(folder / "host_key")
        self.authorized_keys = folder / "authorized_keys"
        self.authorized_keys.write_text("")
        host_public = self.host_key.with_suffix(".pub").read_text().split()
        self.known_hosts = folder / "known_hosts"
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_public[0]} {host_public[1]}\n")
        self.server_config = folder / "sshd_config"
        self.server_config.write_text(
            f"""ListenAddress 127.0.0.1
Port {self.port}
HostKey {self.host_key}
PidFile {folder / "sshd.pid"}
AuthorizedKeysFile {self.authorized_keys}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
# The key files live under /tmp, which is world-writable: StrictModes would refuse them.
StrictModes no
LogLevel ERROR
{settings}"""
        )

    def authorize(self, name: str, options: str = "") -> Path:
        """A new client key `name` whose public half is authorized with `options` (the
        authorized_keys options, such as command="...",restrict); its private key file."""
        key = keygen(self.folder / name)
        public = key.with_suffix(".pub").read_text().strip()
        with self.authorized_keys.open("a") as keys:
            keys.write(f"{options} {public}\n" if options else f"{public}\n")
        return key

    def ssh_command(self, key: Path, *command: str) -> list[str]:
        """ssh to this server with `key` alone, the host key checked, no user config read."""
        return [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            str(key),
            "-p",
            str(self.port),
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            f"{self.user}@127.0.0.1",
            *command,
        ]

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
