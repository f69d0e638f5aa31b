"""scripts/join-node, run for real against stand-ins for the two servers it logs in to.

`ssh` on PATH is a script that runs the remote command line in a local shell, as the real
one hands it to the server's shell (one string, its words joined by spaces), with `sudo`,
`docker` and the node's settings file replaced: a manager that hands out join tokens and a
new node that records how it was asked to join. What is checked is what matters about a
credential in transit: the token reaches `docker swarm join` on the node, and no command
line of either SSH session carries it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RenderedProject

MANAGER, NODE = "manager.example", "node.example"
TOKENS = {"worker": "SWMTKN-1-worker-secret", "manager": "SWMTKN-1-manager-secret"}

FAKE_SSH = """#!/usr/bin/env bash
# ssh [-o OPTION]... USER@HOST COMMAND...: COMMAND in a local shell, as the server runs it.
while [[ $1 == -o ]]; do shift 2; done
target=$1
shift
printf '%s\\t%s\\n' "${target#*@}" "$*" >>"$FAKE_DIR/ssh.log"
FAKE_HOST=${target#*@} exec bash -c "$*"
"""
FAKE_SUDO = """#!/usr/bin/env bash
exec "$@"
"""
FAKE_CAT = """#!/usr/bin/env bash
# The node's /etc/SLUG/provision.env, written by cloud-init.
if [[ $# == 1 && $1 == /etc/*/provision.env && $FAKE_HOST == node.* ]]; then
  exec /bin/cat "$FAKE_DIR/provision.env"
fi
exec /bin/cat "$@"
"""
FAKE_DOCKER = """#!/usr/bin/env bash
case "$FAKE_HOST|$*" in
  "manager.example|info --format {{.Swarm.ControlAvailable}}")
    echo "${FAKE_MANAGER_CONTROL:-true}" ;;
  "manager.example|info --format {{.Swarm.NodeAddr}}") echo 10.0.1.11 ;;
  "manager.example|swarm join-token --quiet worker") echo SWMTKN-1-worker-secret ;;
  "manager.example|swarm join-token --quiet manager") echo SWMTKN-1-manager-secret ;;
  "manager.example|node ls") echo "ID  HOSTNAME  STATUS" ;;
  "node.example|info --format {{.Swarm.LocalNodeState}}") echo "${FAKE_NODE_STATE:-inactive}" ;;
  "node.example|swarm join "*) echo "$*" >>"$FAKE_DIR/joined.log" ;;
  *) echo "docker on $FAKE_HOST was not expected to run: $*" >&2; exit 3 ;;
esac
"""


@pytest.fixture(scope="module")
def join_node(rendered_matrix: list[RenderedProject]) -> Path:
    project = next(project for project in rendered_matrix if project.answers["use_iac"])
    return project.path / "scripts" / "join-node"


def run_join(
    join_node: Path, tmp_path: Path, role: str, **fake: str
) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """scripts/join-node MANAGER NODE with a node Terraform made as ROLE; the result, the SSH
    command lines and the node's join calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in {
        "ssh": FAKE_SSH,
        "sudo": FAKE_SUDO,
        "cat": FAKE_CAT,
        "docker": FAKE_DOCKER,
    }.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "provision.env").write_text(
        f"ENVIRONMENT=production\nSWARM_ROLE={role}\nPRIVATE_IP=10.0.1.101\nPRIVATE_SUBNET=10.0.1.0/24\n"
    )
    environment = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "FAKE_DIR": str(tmp_path),
        **fake,
    }
    result = subprocess.run(
        [str(join_node), MANAGER, NODE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    def read(name: str) -> str:
        path = tmp_path / name
        return path.read_text() if path.exists() else ""

    return result, read("ssh.log"), read("joined.log")


@pytest.mark.parametrize(
    ("role", "token"),
    [
        pytest.param("worker", TOKENS["worker"], id="worker"),
        pytest.param("manager", TOKENS["manager"], id="manager"),
        # A rebuilt first manager, whose own new swarm was left: it joins as a manager.
        pytest.param("first-manager", TOKENS["manager"], id="rebuilt-first-manager"),
    ],
)
def test_the_node_joins_with_the_token_of_its_role_and_no_command_line_carries_it(
    join_node: Path, tmp_path: Path, role: str, token: str
) -> None:
    result, ssh_log, joined = run_join(join_node, tmp_path, role)
    assert result.returncode == 0, result.stdout + result.stderr
    assert joined == f"swarm join --token {token} --advertise-addr 10.0.1.101 10.0.1.11:2377\n"
    assert not any(secret in ssh_log for secret in TOKENS.values()), ssh_log
    assert token not in result.stdout + result.stderr
    assert "ID  HOSTNAME  STATUS" in result.stdout


def test_a_node_in_a_swarm_already_is_left_alone(join_node: Path, tmp_path: Path) -> None:
    result, ssh_log, joined = run_join(join_node, tmp_path, "worker", FAKE_NODE_STATE="active")
    assert result.returncode == 0, result.stderr
    assert "in a swarm already" in result.stdout
    assert not joined
    assert "join-token" not in ssh_log


def test_a_worker_given_as_the_manager_is_refused(join_node: Path, tmp_path: Path) -> None:
    result, ssh_log, joined = run_join(join_node, tmp_path, "worker", FAKE_MANAGER_CONTROL="false")
    assert result.returncode == 1
    assert f"{MANAGER} is not a swarm manager" in result.stderr
    assert not joined
    assert "join-token" not in ssh_log


def test_a_node_without_swarm_settings_is_refused(join_node: Path, tmp_path: Path) -> None:
    result, _, joined = run_join(join_node, tmp_path, "")
    assert result.returncode == 1
    assert "sets no SWARM_ROLE" in result.stderr
    assert not joined
