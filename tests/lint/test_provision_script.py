"""The first-boot script's sops install, run for real: sourced in a private mount namespace
whose /usr/local/bin is an empty tmpfs, so it downloads, checks and installs sops there and
this machine's own /usr/local/bin never changes. (The rest of provision-server changes the
firewall, accounts and services of the machine it runs on: shellcheck and the user data
checks cover it.)"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import RenderedProject

SCRIPT = "infra/cloud-init/provision-server.sh"
# Only the system's directories: a sops on the caller's PATH (the venv has one) would make
# install_sops find sops already there and skip the download.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run_isolated(script_path: str, steps: str) -> subprocess.CompletedProcess[str]:
    program = (
        f'set -euo pipefail\nmount -t tmpfs tmpfs /usr/local/bin\nsource "{script_path}"\n{steps}\n'
    )
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "bash", "-c", program],
        env={"PATH": SYSTEM_PATH, "HOME": "/root"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def script(rendered_matrix: list[RenderedProject]) -> str:
    if os.geteuid() != 0:
        pytest.skip("a private mount namespace needs root")
    project = next(project for project in rendered_matrix if project.answers["use_iac"])
    return str(project.path / SCRIPT)


def test_install_sops_downloads_checks_and_installs_the_pinned_build(script: str) -> None:
    result = run_isolated(
        script, "install_sops\n/usr/local/bin/sops --version --disable-version-check"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sops 3.11.0" in result.stdout


def test_install_sops_refuses_a_download_with_another_checksum(script: str) -> None:
    result = run_isolated(
        script, f"SOPS_WHEEL_SHA256={'0' * 64}\ninstall_sops\necho installed anyway"
    )
    assert result.returncode != 0
    assert "does not match its sha256" in result.stderr
    assert "installed anyway" not in result.stdout


def test_the_swarm_gets_an_ipv6_gateway_bridge_before_it_exists(
    rendered_matrix: list[RenderedProject],
) -> None:
    """docker_gwbridge cannot change once the swarm exists: provision-server makes it with IPv6
    first (IPv6 clients reach Traefik's host-mode ports through it) and keeps the overlay
    networks out of the ranges Grafana's allowlist trusts. Checked as text only: this
    machine's engine is a swarm already, where init_swarm does nothing."""
    project = next(project for project in rendered_matrix if project.answers["use_iac"])
    text = (project.path / SCRIPT).read_text()
    body = text[text.index("init_swarm() {") : text.index("\n}\n", text.index("init_swarm() {"))]
    create, init = body.index("docker network create --ipv6"), body.index("docker swarm init")
    assert create < init, body
    assert "com.docker.network.bridge.name=docker_gwbridge" in body, body
    assert "--default-addr-pool 172.16.0.0/16" in body, body
    main = text[text.index("main() {") :]
    assert main.index("join_docker_group") < main.index("init_swarm"), main
