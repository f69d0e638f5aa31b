"""Render the project's Alertmanager template the way its container does at start."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.monitoring.projects import monitoring_dir

# Every variable the template reads (compose.monitoring.yaml passes these, the secrets as
# NAME_FILE: the files compose mounts).
SECRETS = ("SMTP_PASSWORD", "ALERT_WEBHOOK_URL", "ALERT_HEARTBEAT_URL")
VARIABLES = (
    "SMTP_SMARTHOST",
    "SMTP_FROM",
    "SMTP_USERNAME",
    "ALERT_EMAIL_TO",
    *SECRETS,
    *(f"{name}_FILE" for name in SECRETS),
)


def render_alertmanager_config(project: Path, output: Path, values: dict[str, str]) -> Path:
    """Run render-config.sh with only `values` set (POSIX sh, as busybox runs it)."""
    folder = monitoring_dir(project) / "alertmanager"
    env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
    env.update(values)
    subprocess.run(
        ["sh", str(folder / "render-config.sh"), str(folder / "alertmanager.yml"), str(output)],
        env=env,
        check=True,
        capture_output=True,
        timeout=30,
    )
    return output
