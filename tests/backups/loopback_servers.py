"""Repository servers on 127.0.0.1 for the remote targets, run for real by the tests.

- SFTP (Hetzner Storage Box): the loopback sshd of tests/harness/loopback_sshd.py with the
  SFTP subsystem and one authorized key; the client side is the ssh_config file the scripts
  get as BACKUP_SSH_CONFIG, as on a server. (tests/backups/append_only_servers.py turns it
  into the backup host of the sftp target, rclone as each key's forced command.)
- S3 (Hetzner Object Storage): moto's S3-compatible server; over TLS with a certificate of its
  own for pgBackRest, which speaks only HTTPS to S3 (the client trusts that certificate alone).
"""

from __future__ import annotations

import ssl
import subprocess
import time
from pathlib import Path
from typing import ClassVar

import httpx
import yaml

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
    """moto on 127.0.0.1; with `tls`, behind a real Traefik that terminates TLS with a
    certificate of its own (moto's own TLS ends connections without TLS's close_notify, which
    OpenSSL 3 clients such as pgBackRest's refuse as an unexpected end of file)."""

    ACCESS: ClassVar[dict[str, str]] = {
        "AWS_ACCESS_KEY_ID": "backup-tests",
        "AWS_SECRET_ACCESS_KEY": "backup-tests-secret",
    }

    def __init__(self, folder: Path, tls: bool = False) -> None:
        self.folder = folder
        self.port = free_port()
        self.moto_port = free_port() if tls else self.port
        self.processes: list[subprocess.Popen[bytes]] = []
        folder.mkdir(parents=True, exist_ok=True)
        self.certificate = self._self_signed_certificate() if tls else None

    def _self_signed_certificate(self) -> Path:
        """A certificate for localhost (pgBackRest checks names, not addresses) and its key
        (certificate.key) in the server's folder."""
        certificate = self.folder / "certificate.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", str(certificate.with_suffix(".key")), "-out", str(certificate),
            ],
            check=True, capture_output=True,
        )  # fmt: skip
        certificate.chmod(0o644)
        return certificate

    def create_bucket(self, bucket: str) -> None:
        """What restic does on its own and pgBackRest expects done (moto takes unsigned calls).
        Retried while Traefik loads its routes."""
        scheme = "https" if self.certificate else "http"
        verify = ssl.create_default_context(cafile=self.certificate) if self.certificate else True
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.put(f"{scheme}://localhost:{self.port}/{bucket}", verify=verify)
                if response.status_code != 404:
                    response.raise_for_status()
                    return
            except httpx.ConnectError:  # Traefik listens before its TLS settings are loaded
                if time.monotonic() > deadline:
                    raise
            assert time.monotonic() < deadline, "Traefik has no route to moto after 20 s"
            time.sleep(0.2)

    def repository(self, bucket: str) -> str:
        return f"s3:http://127.0.0.1:{self.port}/{bucket}"

    def start(self) -> None:
        log = self.folder / "moto.log"
        with log.open("ab") as output:
            moto = subprocess.Popen(
                [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.moto_port)],
                stdout=output,
                stderr=output,
            )
        self.processes.append(moto)
        wait_for_port(moto, self.moto_port, log)
        if self.certificate:
            self._start_tls_proxy()

    def _start_tls_proxy(self) -> None:
        assert self.certificate
        dynamic = self.folder / "traefik-dynamic.yml"
        dynamic.write_text(
            yaml.safe_dump(
                {
                    "tls": {
                        "stores": {
                            "default": {
                                "defaultCertificate": {
                                    "certFile": str(self.certificate),
                                    "keyFile": str(self.certificate.with_suffix(".key")),
                                }
                            }
                        }
                    },
                    "http": {
                        "routers": {
                            "s3": {
                                "entryPoints": ["s3"],
                                "rule": "PathPrefix(`/`)",
                                "tls": {},
                                "service": "moto",
                            }
                        },
                        "services": {
                            "moto": {
                                "loadBalancer": {
                                    "servers": [{"url": f"http://127.0.0.1:{self.moto_port}"}]
                                }
                            }
                        },
                    },
                }
            )
        )
        log = self.folder / "traefik.log"
        with log.open("ab") as output:
            traefik = subprocess.Popen(
                [
                    str(VENV_BIN / "traefik"),
                    f"--entryPoints.s3.address=127.0.0.1:{self.port}",
                    f"--providers.file.filename={dynamic}",
                    "--log.level=ERROR",
                ],
                stdout=output,
                stderr=output,
            )
        self.processes.append(traefik)
        wait_for_port(traefik, self.port, log)

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)
        self.processes = []
