"""Copier migration: carry the team's retention settings into infra/backup/retention.env.

    retention_policy.py BACKUP_TARGET

copier.yml runs it in the project after every update with backups on. Releases before the
file existed read the policy from BACKUP_KEEP_DAILY, BACKUP_KEEP_WEEKLY and
BACKUP_KEEP_MONTHLY in each env/<environment>.env on the server; now scripts/backup-prune
reads infra/backup/retention.env only, so a value a team changed there would be ignored
without a word. It acts when the update crosses that release: the project's last commit
has compose.backup.yaml but no infra/backup/retention.env. Then, from the env files present
here (git-ignored: often only on the servers):
- values that differ from the new file's are written into it, the largest of all
  environments for each rule (keeping more never loses a snapshot), and it says which;
- it always says where the policy went and that env files elsewhere must be checked by hand;
- for a remote target, that the server no longer removes snapshots: until the prune job of
  .github/workflows/backup-prune.yml has its GitHub Environment settings, nothing is removed;
  for sftp, that a plain sftp: repository is not append-only.
The BACKUP_KEEP_* lines of the env files stay; nothing reads them any more.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

POLICY = Path("infra/backup/retention.env")
RULES = ("BACKUP_KEEP_DAILY", "BACKUP_KEEP_WEEKLY", "BACKUP_KEEP_MONTHLY")
LINE = re.compile(r"^(BACKUP_KEEP_(?:DAILY|WEEKLY|MONTHLY))=([0-9]+)\s*$")


def committed(path: str) -> bool:
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", "HEAD", "--", f"./{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return bool(listing.strip())


def values(path: Path) -> dict[str, int]:
    found = {}
    for line in path.read_text().splitlines():
        if match := LINE.match(line):
            found[match[1]] = int(match[2])
    return found


def carry_over(project: Path, target: str) -> list[str]:
    """Write the env files' settings into the policy file; the lines to tell the user."""
    policy = project / POLICY
    current = values(policy)
    wanted: dict[str, int] = {}
    sources: dict[str, list[str]] = {}
    for env_file in sorted((project / "env").glob("*.env")):
        for name, value in values(env_file).items():
            if value != current.get(name):
                wanted[name] = max(value, wanted.get(name, value))
                sources.setdefault(name, []).append(f"{env_file.name}={value}")
    messages = [
        f"Backups: the retention policy is now {POLICY} (scripts/backup-prune reads it, away "
        "from the server); BACKUP_KEEP_* in env/<environment>.env are no longer read."
    ]
    if wanted:
        text = policy.read_text()
        for name, value in wanted.items():
            text = re.sub(rf"^{name}=.*$", f"{name}={value}", text, flags=re.MULTILINE)
        policy.write_text(text)
        for name in RULES:
            if name in wanted:
                messages.append(
                    f"  {name}={wanted[name]} written to {POLICY}, from {', '.join(sources[name])}"
                )
    messages.append(
        "  If you changed BACKUP_KEEP_* in an env file that is not here (on a server), put "
        f"the value into {POLICY} and commit it."
    )
    if target != "local":
        messages.append(
            "  The server no longer removes old snapshots: .github/workflows/backup-prune.yml "
            "does, with a prune credential of its own. Until its GitHub Environment settings "
            "are in place nothing is removed (docs/runbooks/backup-and-restore.md, "
            '"Retention runs away from the server").'
        )
    if target == "sftp":
        messages.append(
            "  An env file's RESTIC_REPOSITORY=sftp:... keeps working, but its key may delete "
            "every snapshot: the runbook's backup host (rclone:backup-host:..., rclone serve "
            "restic --append-only) is what makes the server's key append-only."
        )
    return messages


def main() -> int:
    target = sys.argv[1] if len(sys.argv) > 1 else "s3"
    project = Path.cwd()
    if not (project / POLICY).is_file() or committed(str(POLICY)):
        return 0
    if not committed("compose.backup.yaml"):
        return 0  # backups were just turned on: nothing to carry over
    print("\n".join(carry_over(project, target)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
