"""Fresh Debian machines as a new user has them: only python3, git, make and curl.

Each is a container of a root fs made by debootstrap (the stand-ins' helper) with nothing but
those packages and their CA certificates, on the host network so that it reaches the package
registries as this machine does. A run clones the template snapshot into it and runs a command
there as root, as the README tells a new user to.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.docker.engine import DOCKER, docker, image_exists
from tests.docker.standins import CA_BUNDLE, rootfs_tarball

# What the README names as needed for `make demo` (curl: the fresh machine had it; the
# template does not use it), and the CA certificates every Debian install has.
NEW_USER_PACKAGES = ("python3", "git", "make", "curl", "ca-certificates")
SUITES = {"bookworm": "Debian 12", "trixie": "Debian 13"}
LABEL = "shipshape.test=fresh-machine"
# This machine reaches the registries through its own CA; the containers use the same settings.
PASSED_THROUGH = (
    "SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "HTTP_PROXY", "HTTPS_PROXY",
    "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
)  # fmt: skip

_image_locks = {suite: threading.Lock() for suite in SUITES}


@dataclass(frozen=True)
class MachineRun:
    suite: str
    what: str
    returncode: int
    output: str
    seconds: float

    def tail(self, lines: int = 80) -> str:
        text = "\n".join(self.output.splitlines()[-lines:])
        where = f"{self.what} on {SUITES[self.suite]}"
        return f"{where} (exit {self.returncode}, {self.seconds:.0f} s)\n{text}"


def fresh_image(suite: str) -> str:
    """The imported root fs of a new user's machine, made once per suite."""
    # Named by its packages: a changed list makes a new image, never reuses a stale one.
    tag = f"shipshape-fresh/{suite}:{'-'.join(NEW_USER_PACKAGES)}"
    with _image_locks[suite]:
        if not image_exists(tag):
            docker("import", str(rootfs_tarball(suite, NEW_USER_PACKAGES)), tag)
    return tag


def run_on_fresh_machine(suite: str, what: str, template: Path, script: str) -> MachineRun:
    """Clone `template` into a new machine of `suite` and run `script` (bash) in the clone."""
    image = fresh_image(suite)
    environment = [f"--env={name}" for name in PASSED_THROUGH if name in os.environ]
    command = [
        DOCKER, "run", "--rm", "--network=host", f"--label={LABEL}",
        f"--volume={template}:/template:ro",
        f"--volume={CA_BUNDLE}:/etc/ssl/certs/ca-certificates.crt:ro",
        *environment, image,
        "bash", "-euo", "pipefail", "-c",
        f"git clone --quiet /template /root/shipshape && cd /root/shipshape\n{script}",
    ]  # fmt: skip
    started = time.monotonic()
    try:
        completed = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800, check=False
        )
        returncode, output = completed.returncode, completed.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as timeout:
        returncode, output = -1, f"timed out after {timeout.timeout} s"
    return MachineRun(suite, what, returncode, output, time.monotonic() - started)


def remove_leftover_machines() -> None:
    """Containers of an interrupted run (`--rm` removes the others when they end)."""
    listed = subprocess.run(
        [DOCKER, "ps", "--all", "--quiet", f"--filter=label={LABEL}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if ids := listed.stdout.split():
        subprocess.run([DOCKER, "rm", "--force", *ids], capture_output=True, check=False)
