"""A server as scripts/deploy-gate meets it: a real sshd on loopback, the project's git remote
(a bare repository) and one checkout per environment, cloned from it as the provisioning
runbook does. Each environment's deploy key is authorized with the line the project's
cloud-init writes, so the forced command under test is the project's own.

The server has no Docker engine (DOCKER_HOST names a socket nobody listens on): a request
the gate lets through reaches the checked-out scripts/deploy or scripts/rollback, which
validate their arguments, decrypt the env file with the age key sent on stdin, take the
deploy lock and then stop at their first docker step with their own message. The real
deploys, with Docker, are tests/deploy/test_deploy_and_rollback.py's.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.loopback_sshd import LoopbackSshd
from tests.paths import VENV_BIN
from tests.template_repo import git

CLOUD_INIT = "infra/cloud-init/user-data.yaml.tftpl"
# The deploy user's key line in cloud-init, as a JSON string inside Terraform's jsonencode().
DEPLOY_KEY_LINE = re.compile(
    r"^  - name: deploy\n(?:    .*\n)*?    ssh_authorized_keys: \$\{jsonencode\(\[\"(.*)\"\]\)\}$",
    re.MULTILINE,
)
PUBLIC_KEY = " ${deploy_ssh_public_key}"
NO_ENGINE = "unix:///nonexistent/docker.sock"


def authorized_key_options(project: Path, checkout: Path, environment: str) -> str:
    """The options cloud-init puts before the deploy key, for a checkout at `checkout`.
    Terraform's templatefile() fills in the same names (the lint layer runs it for real)."""
    found = DEPLOY_KEY_LINE.search((project / CLOUD_INIT).read_text())
    assert found, f"{CLOUD_INIT} has no ssh_authorized_keys line for the deploy user"
    line = found[1].replace('\\"', '"')
    assert line.endswith(PUBLIC_KEY), line
    return (
        line.removesuffix(PUBLIC_KEY)
        .replace("${deploy_path}", str(checkout))
        .replace("${environment}", environment)
    )


@dataclass
class GateServer:
    project: Path
    folder: Path
    sshd: LoopbackSshd = field(init=False)
    origin: Path = field(init=False)
    keys: dict[str, Path] = field(default_factory=dict)
    checkouts: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The session's PATH: sops where provision-server would put it, then the usual ones.
        self.sshd = LoopbackSshd(
            self.folder / "sshd",
            f"SetEnv PATH={VENV_BIN}:/usr/local/bin:/usr/bin:/bin DOCKER_HOST={NO_ENGINE}\n",
        )
        self.origin = self.folder / "origin.git"
        git(self.folder, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin))

    def clone(self, environment: str, *gate_options: str) -> None:
        """The environment's checkout and its deploy key, authorized as cloud-init does;
        `gate_options` go before the environment in the forced command, as an admin adds them."""
        name = "-".join((environment, *gate_options)).replace("=", "-").replace("--", "")
        checkout = self.folder / f"srv-{name}"
        git(self.folder, "clone", "--quiet", str(self.origin), str(checkout))
        options = authorized_key_options(self.project, checkout, environment)
        if gate_options:
            options = options.replace(
                f"deploy-gate {environment}", f"deploy-gate {' '.join(gate_options)} {environment}"
            )
        self.keys[name] = self.sshd.authorize(name, options)
        self.checkouts[name] = checkout

    def ssh(
        self, key: str, request: str | None, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """`ssh deploy@server REQUEST` with this key, as the deploy workflow runs it."""
        command = self.sshd.ssh_command(self.keys[key], *([request] if request else []))
        return subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "LANG": "C.UTF-8"},
        )

    def head(self, key: str) -> str:
        return git(self.checkouts[key], "rev-parse", "HEAD").strip()

    def has_object(self, key: str, commit: str) -> bool:
        result = subprocess.run(
            ["git", "cat-file", "-e", f"{commit}^{{commit}}"],
            cwd=self.checkouts[key],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0
