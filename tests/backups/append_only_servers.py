"""The remote targets as the generated project sets them up against a compromised server: one
credential that can only add (the server's), one that may delete (the prune job's).

- sftp: the loopback sshd as the backup host. Each key's authorized_keys line forces
  `rclone serve restic --stdio` on one folder, with --append-only for the server's key, as the
  backup runbook tells the user to write them; restic reaches it as rclone:backup-host:...
- s3: moto's S3 server with IAM enforced: a user per credential, the server's limited by the
  policy the project generates (infra/backup/s3-server-policy.json), on a versioned bucket.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any

# boto3 (moto's own dependency) ships no type information.
import boto3  # type: ignore[import-untyped]

from tests.backups.loopback_servers import LoopbackS3Server, LoopbackSftpServer

RCLONE = "/usr/bin/rclone"
# The host alias of the sftp target's env example (RESTIC_REPOSITORY=rclone:backup-host:...).
BACKUP_HOST_ALIAS = "backup-host"


class LoopbackResticHost(LoopbackSftpServer):
    """The backup host: the server's key appends, the prune key may delete, nothing else runs."""

    def __init__(self, folder: Path, repository: Path) -> None:
        self.served = repository
        super().__init__(folder, alias=BACKUP_HOST_ALIAS)
        self.prune_key = self.authorize("prune_key", self.forced_rclone(""))
        self.prune_config = self._write_client_config(self.prune_key, "prune_ssh_config")

    def forced_rclone(self, mode: str) -> str:
        """authorized_keys options: the key runs rclone's restic server on stdio, nothing else."""
        command = f"{RCLONE} serve restic --stdio{mode} -q {shlex.quote(str(self.served))}"
        return f'command="{command}",restrict'

    def authorize_client(self) -> Path:
        return self.authorize("client_key", self.forced_rclone(" --append-only"))

    def repository(self, path: Path | None = None) -> str:
        # The forced command picks the folder: what follows the alias is not used.
        return f"rclone:{self.alias}:ignored"

    def request(self, config: Path, method: str, path: str, body: bytes = b"") -> int:
        """One request of restic's REST protocol through the key's forced command, as anyone
        holding that key could send it; the status code rclone answers. rclone speaks HTTP/2
        on stdio: curl sends the request to a loopback port bridged to ssh's stdin and stdout."""
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port = listener.getsockname()[1]
            bridge = threading.Thread(target=self._bridge, args=(listener, config), daemon=True)
            bridge.start()
            result = subprocess.run(
                ["curl", "--silent", "--http2-prior-knowledge", "--request", method,
                 "--data-binary", "@-", "--output", "/dev/null", "--write-out", "%{http_code}",
                 f"http://127.0.0.1:{port}{path}"],
                input=body, capture_output=True, timeout=30, check=False,
            )  # fmt: skip
            bridge.join(timeout=30)
        assert result.returncode == 0, f"curl failed: {result!r}"
        return int(result.stdout)

    def _bridge(self, listener: socket.socket, config: Path) -> None:
        connection, _ = listener.accept()
        with (
            connection,
            subprocess.Popen(
                ["ssh", "-F", str(config), self.alias],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            ) as ssh,
        ):
            assert ssh.stdin is not None
            assert ssh.stdout is not None
            to_ssh, from_ssh = ssh.stdin, ssh.stdout.fileno()

            def upstream() -> None:
                with contextlib.suppress(OSError):
                    while data := connection.recv(65536):
                        to_ssh.write(data)
                        to_ssh.flush()
                with contextlib.suppress(OSError):
                    to_ssh.close()

            threading.Thread(target=upstream, daemon=True).start()
            with contextlib.suppress(OSError):
                while data := os.read(from_ssh, 65536):
                    connection.sendall(data)


def _moto_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """moto names HEAD on a bucket s3:HeadBucket, where S3 checks s3:ListBucket (which the
    policy grants): the same right under moto's name, so restic can find the bucket."""
    statements = [*policy["Statement"]]
    statements.append(
        {"Effect": "Allow", "Action": "s3:HeadBucket", "Resource": statements[0]["Resource"]}
    )
    return {**policy, "Statement": statements}


def s3_credentials(
    server: LoopbackS3Server, bucket: str, server_policy: Path
) -> dict[str, dict[str, str]]:
    """Create the bucket and two IAM users with access keys, then make moto enforce IAM on
    every later request. Returns each credential's environment ("server", "prune")."""
    # Straight to moto, behind any TLS proxy: boto3 need not trust its certificate.
    endpoint = f"http://127.0.0.1:{server.moto_port}"
    session = boto3.session.Session(region_name="us-east-1", **_boto_keys(server.ACCESS))
    admin = session.client("s3", endpoint_url=endpoint)
    admin.create_bucket(Bucket=bucket)
    # As the runbook sets it up: a replaced object keeps its earlier version.
    admin.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    iam = session.client("iam", endpoint_url=endpoint)
    policies = {
        "server": _moto_policy(json.loads(server_policy.read_text())),
        "prune": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        },
    }
    credentials = {}
    for user, policy in policies.items():
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="backups", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        credentials[user] = {
            "AWS_ACCESS_KEY_ID": str(key["AccessKeyId"]),
            "AWS_SECRET_ACCESS_KEY": str(key["SecretAccessKey"]),
        }
    # From here on every request is authenticated and checked against its user's policy.
    # (A form content type would hide the body from moto, which reads it raw.)
    enforce = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0",
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    urllib.request.urlopen(enforce, timeout=10).close()
    return credentials


def _boto_keys(environment: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": environment["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": environment["AWS_SECRET_ACCESS_KEY"],
    }


def s3_client(server: LoopbackS3Server, environment: dict[str, str]) -> Any:
    session = boto3.session.Session(region_name="us-east-1", **_boto_keys(environment))
    return session.client("s3", endpoint_url=f"http://127.0.0.1:{server.moto_port}")
