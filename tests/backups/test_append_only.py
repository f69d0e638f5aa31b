"""Backups survive a compromised server, per remote target: with the server's credential the
project's backup succeeds, but `restic forget --prune` and deleting a pack are refused and
every snapshot stays; with the prune credential scripts/backup-prune applies the policy."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.backups import seed_data
from tests.backups.append_only_servers import (
    LoopbackResticHost,
    s3_client,
    s3_credentials,
)
from tests.backups.loopback_servers import LoopbackS3Server
from tests.backups.project_scripts import BackupSetup
from tests.backups.test_targets import env_value
from tests.report import record

# What each storage answers when the credential may not delete.
REFUSALS = re.compile(r"403 Forbidden|Access Denied|AccessDenied")


@dataclass
class AppendOnlyTarget:
    name: str
    server: BackupSetup
    prune: BackupSetup
    # Try to delete a file of the repository with the server's credential: how it was refused.
    delete_with_server_credential: Callable[[str], str]


def policy_file(work: Path, daily: int) -> Path:
    """A retention policy like infra/backup/retention.env, keeping `daily` days only."""
    policy = work / "retention.env"
    policy.write_text(f"BACKUP_KEEP_DAILY={daily}\nBACKUP_KEEP_WEEKLY=0\nBACKUP_KEEP_MONTHLY=0\n")
    return policy


@pytest.fixture(params=["s3", "sftp"])
def target(
    request: pytest.FixtureRequest,
    backup_projects: dict[str, Path],
    database_url: str,
    tmp_path: Path,
) -> Iterator[AppendOnlyTarget]:
    name = str(request.param)
    project = backup_projects[name]
    repository = env_value(project, "RESTIC_REPOSITORY")

    def setup(repository: str, extra: dict[str, str]) -> BackupSetup:
        return BackupSetup(project, database_url, repository, tmp_path, extra=extra)

    with ExitStack() as running:
        if name == "sftp":
            host = LoopbackResticHost(tmp_path / "backup-host", tmp_path / "served-repository")
            host.start()
            running.callback(host.stop)
            assert repository.startswith(f"rclone:{host.alias}:"), repository

            def delete_over_ssh(file: str) -> str:
                status = host.request(host.client_config, "DELETE", f"/{file}")
                assert status == 403, f"DELETE /{file} with the server's key: {status}"
                # Overwriting is deleting too: rclone refuses to replace a file that exists.
                status = host.request(host.client_config, "POST", f"/{file}", b"garbage")
                assert status == 403, f"POST over /{file} with the server's key: {status}"
                return "403 Forbidden"

            yield AppendOnlyTarget(
                name=name,
                server=setup(repository, {"BACKUP_SSH_CONFIG": str(host.client_config)}),
                prune=setup(repository, {"BACKUP_SSH_CONFIG": str(host.prune_config)}),
                delete_with_server_credential=delete_over_ssh,
            )
            return

        s3 = LoopbackS3Server(tmp_path / "s3")
        s3.start()
        running.callback(s3.stop)
        bucket = repository.rsplit("/", 1)[1]
        policy = project / "infra/backup/s3-server-policy.json"
        credentials = s3_credentials(s3, bucket, policy)

        def delete_over_s3(file: str) -> str:
            client = s3_client(s3, credentials["server"])
            prune = s3_client(s3, credentials["prune"])
            original = client.get_object(Bucket=bucket, Key=file)["Body"].read()
            with pytest.raises(Exception, match="AccessDenied") as refused:
                client.delete_object(Bucket=bucket, Key=file)
            # PutObject cannot tell a new object from a replaced one: the bucket's versions
            # keep the original, and the server may not delete a version.
            client.put_object(Bucket=bucket, Key=file, Body=b"garbage")
            [earlier] = [
                version["VersionId"]
                for version in prune.list_object_versions(Bucket=bucket, Prefix=file)["Versions"]
                if not version["IsLatest"]
            ]
            with pytest.raises(Exception, match="AccessDenied"):
                client.delete_object(Bucket=bucket, Key=file, VersionId=earlier)
            kept = prune.get_object(Bucket=bucket, Key=file, VersionId=earlier)["Body"].read()
            assert kept == original, "the replaced pack's earlier version is gone"
            # What an operator does after such an attack: the earlier version back on top.
            prune.put_object(Bucket=bucket, Key=file, Body=kept)
            return str(refused.value)

        yield AppendOnlyTarget(
            name=name,
            server=setup(s3.repository(bucket), credentials["server"]),
            prune=setup(s3.repository(bucket), credentials["prune"]),
            delete_with_server_credential=delete_over_s3,
        )


def refused_restic(backups: BackupSetup, *args: str) -> str:
    """Run restic until the storage refuses it; its error output. restic 0.14 retries a
    refused request for about 45 s before it gives up with the same refusal, so it is
    interrupted at the first one (SIGINT: it removes its lock on the way out)."""
    process = subprocess.Popen(
        backups.restic_command(*args),
        env=backups.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    errors = []
    deadline = time.monotonic() + 120
    for line in process.stderr:
        errors.append(line)
        if REFUSALS.search(line) or time.monotonic() > deadline:
            process.send_signal(signal.SIGINT)
            break
    process.stderr.read()
    status = process.wait(timeout=60)
    output = "".join(errors)
    assert status != 0, f"restic {' '.join(args)} succeeded with the server's credential"
    assert REFUSALS.search(output), f"restic {' '.join(args)} failed otherwise:\n{output}"
    return output


def snapshot_ids(backups: BackupSetup) -> list[str]:
    return [snapshot["id"] for snapshot in backups.snapshots()]


def test_the_server_adds_and_only_the_prune_credential_removes(target: AppendOnlyTarget) -> None:
    seed_data.seed(target.server.database_url)
    # Two runs on one day: a policy of one day keeps the newer run only.
    target.server.succeed("backup")
    target.server.succeed("backup")
    before = snapshot_ids(target.server)
    assert len(before) == 4, "two runs, each a dump and a manifest"
    pack = next(line for line in target.prune.restic("list", "packs").splitlines() if line.strip())

    forget = refused_restic(target.server, "forget", "--keep-last", "1", "--prune")
    delete = target.delete_with_server_credential(f"data/{pack[:2]}/{pack}")

    assert snapshot_ids(target.server) == before, "the server's credential removed a snapshot"
    target.server.restic("check", "--read-data")
    # The server goes on backing up after the refusals (its locks are its own to remove).
    target.server.succeed("backup", "--reason", "after-refusal")

    policy = policy_file(target.prune.work, daily=1)
    result = target.prune.succeed("backup-prune", BACKUP_RETENTION_FILE=str(policy))

    assert "4 snapshot(s) removed" in result.stderr
    kept = target.prune.snapshots()
    assert [snapshot["tags"] for snapshot in kept if "kind:dump" in snapshot["tags"]] == [
        next(s["tags"] for s in kept if "reason:after-refusal" in s["tags"])
    ]
    assert len(kept) == 2, "the newest run's dump and manifest"
    target.prune.restic("check")
    record(
        f"backups [{target.name}]: with the server's credential forget --prune refused"
        f" ({first_refusal(forget)}), deleting a pack refused ({first_refusal(delete)}),"
        f" {len(before)} of {len(before)} snapshots kept and the backup goes on; with the prune"
        f" credential backup-prune removed 4, {len(kept)} kept"
    )


def first_refusal(output: str) -> str:
    found = REFUSALS.search(output)
    assert found, output
    return found.group(0)
