"""The first-boot script, run for real where it can be without changing this machine.

Its sops install: sourced in a private mount namespace whose /usr/local/bin is an empty
tmpfs, so it downloads, checks and installs sops there and this machine's own /usr/local/bin
never changes. Its firewall and swarm steps: sourced with ufw, docker and hostname replaced by
shell functions that log what they were asked, so the rules and the swarm's address are the
script's own, and nothing reaches this machine's firewall or engine. (The rest changes the
accounts and services of the machine it runs on: shellcheck and the user data checks cover
it.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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
    """docker_gwbridge cannot change once the node is in a swarm: provision-server makes it with
    IPv6 first, on every node (IPv6 clients reach Traefik's host-mode ports through it, on any
    manager), and keeps the overlay networks out of the ranges Grafana's allowlist trusts.
    Checked as text only: this machine's engine is a swarm already."""
    project = next(project for project in rendered_matrix if project.answers["use_iac"])
    text = (project.path / SCRIPT).read_text()
    bridge = function_body(text, "create_gateway_bridge")
    assert "docker network create --ipv6" in bridge, bridge
    assert "com.docker.network.bridge.name=docker_gwbridge" in bridge, bridge
    assert "--default-addr-pool 172.16.0.0/16" in function_body(text, "init_swarm")
    main = function_body(text, "main")
    steps = [
        main.index(step) for step in ("join_docker_group", "create_gateway_bridge", "init_swarm")
    ]
    assert steps == sorted(steps), main


def function_body(text: str, name: str) -> str:
    start = text.index(f"{name}() {{")
    return text[start : text.index("\n}\n", start)]


# The settings cloud-init writes for each kind of node (infra/cloud-init/user-data.yaml.tftpl).
SETTINGS = {
    "ENVIRONMENT": "production",
    "DEPLOY_PATH": "/srv/app",
    "ADMIN_CIDRS": "203.0.113.0/24 2001:db8::/48",
    "PRIVATE_IP": "10.0.1.11",
    "PRIVATE_SUBNET": "10.0.1.0/24",
}
SWARM_PORTS = ("2377", "7946", "4789", "esp")


def run_with_stubs(script: Path, role: str, steps: str, node_state: str = "inactive") -> str:
    """STEPS of the sourced script with ufw, docker and hostname replaced by functions that
    log their arguments: the real ones would change this machine. Returns the log."""
    settings = script.parent.parent / f"settings-{role}.env"
    values = {**SETTINGS, "SWARM_ROLE": role}
    settings.write_text("".join(f'{name}="{value}"\n' for name, value in values.items()))
    program = f"""
set -euo pipefail
source "{script}"
ufw() {{ echo "ufw $*" >&2; }}
docker() {{
  echo "docker $*" >&2
  case "$*" in
    "node ls") [[ {node_state} == active ]] ;;
    info) echo " Node Address: 203.0.113.5" ;;
  esac
}}
hostname() {{ echo "203.0.113.5 10.0.1.11 2a01:4f8::1"; }}
sleep() {{ :; }}
load_settings "{settings}"
{steps}
"""
    result = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def provision_script(
    rendered_matrix: list[RenderedProject], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    project = next(project for project in rendered_matrix if project.answers["use_iac"])
    copy = tmp_path_factory.mktemp("provision") / "cloud-init" / "provision-server.sh"
    copy.parent.mkdir()
    copy.write_text((project.path / SCRIPT).read_text())
    return copy


def test_the_host_firewall_opens_swarm_ports_to_the_private_subnet_only(
    provision_script: Path,
) -> None:
    """Hetzner's firewall guards public interfaces only: ufw is the Swarm ports' one guard."""
    rules = [
        line
        for line in run_with_stubs(provision_script, "worker", "configure_firewall").splitlines()
        if line.startswith("ufw allow")
    ]
    swarm = [rule for rule in rules if any(f" {port}" in rule for port in SWARM_PORTS)]
    opened = {
        (word, rule.split(" proto ")[1].split()[0])
        for rule in swarm
        for word in rule.split()
        if word in SWARM_PORTS
    }
    assert opened == {
        ("2377", "tcp"),
        ("7946", "tcp"),
        ("7946", "udp"),
        ("4789", "udp"),
        ("esp", "esp"),
    }, swarm
    assert all(" from 10.0.1.0/24 " in rule for rule in swarm), swarm
    # SSH from the admins' CIDRs only, as in the Hetzner firewall.
    ssh = [rule for rule in rules if "port 22 " in rule]
    assert [rule.split(" from ")[1].split()[0] for rule in ssh] == SETTINGS["ADMIN_CIDRS"].split()


@pytest.mark.parametrize("role", ["manager", "worker"])
def test_only_the_first_manager_creates_the_swarm(provision_script: Path, role: str) -> None:
    log = run_with_stubs(provision_script, role, "init_swarm")
    assert "swarm init" not in log, log
    assert "scripts/join-node" in log, log


def test_the_first_manager_advertises_its_private_address(provision_script: Path) -> None:
    log = run_with_stubs(provision_script, "first-manager", "init_swarm")
    (init,) = [line for line in log.splitlines() if line.startswith("docker swarm init")]
    assert "--advertise-addr 10.0.1.11 " in init, init


def test_a_swarm_on_another_address_is_named_not_recreated(provision_script: Path) -> None:
    """A server made before the private network: its swarm advertises the public address."""
    log = run_with_stubs(provision_script, "first-manager", "init_swarm", node_state="active")
    assert "swarm init" not in log, log
    assert "advertises 203.0.113.5, not 10.0.1.11" in log, log


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("leader", "SWARM_ROLE is 'leader'"),
        ("", "must set SWARM_ROLE, PRIVATE_IP and PRIVATE_SUBNET"),
    ],
)
def test_settings_without_a_known_role_are_refused(
    provision_script: Path, role: str, expected: str
) -> None:
    settings = provision_script.parent / "bad.env"
    values = {**SETTINGS, "SWARM_ROLE": role}
    settings.write_text("".join(f'{name}="{value}"\n' for name, value in values.items()))
    result = subprocess.run(
        ["bash", "-c", f'source "{provision_script}"\nload_settings "{settings}"'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
