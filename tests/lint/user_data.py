"""A generated project's cloud-init user data, rendered as Terraform renders it for a server,
and the checks it must pass before Hetzner hands it to one.

Terraform fills in infra/cloud-init/user-data.yaml.tftpl in infra/terraform/cloud_init.tf,
from the variables and locals only. Those files, with the environment's tfvars, evaluate
without the hcloud provider: a copy of them plus one output is a configuration the real
Terraform can apply here, so the user data checked is exactly what a server would get.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.lint.terraform import problem, terraform
from tests.lint.tools import run, tool

# The files of infra/terraform/ that need no provider (cloud_init.tf's and nodes.tf's
# comments say so).
PROVIDER_FREE = ("variables.tf", "locals.tf", "nodes.tf", "cloud_init.tf")
# What the tests read back: each node's user data, the plan of nodes, whether a load
# balancer goes in front, and the private addresses the network resources use.
OUTPUTS = """\
output "user_data" {
  value = local.user_data
}
output "nodes" {
  value = local.nodes
}
output "clustered" {
  value = local.clustered
}
output "network" {
  value = {
    range         = local.network_range
    subnet        = local.subnet_range
    load_balancer = local.load_balancer_private_ip
    zone          = local.network_zones[var.location]
  }
}
"""
# The first manager's key in local.nodes (nodes.tf): the node that creates the swarm.
FIRST_MANAGER = "manager-1"
# Docker's apt release key (https://docs.docker.com/engine/install/debian/).
DOCKER_KEY_FINGERPRINT = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"
# Hetzner accepts at most 32 KiB of user data.
USER_DATA_LIMIT = 32 * 1024


@dataclass(frozen=True)
class SampleKeys:
    """Real key pairs made with ssh-keygen: what an admin and the deploy job would use."""

    admin: str
    deploy: str


def make_sample_keys(directory: Path) -> SampleKeys:
    public = {}
    for name in ("admin", "deploy"):
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                f"{name}@tests",
                "-f",
                str(directory / name),
            ],
            check=True,
        )
        public[name] = (directory / f"{name}.pub").read_text().strip()
    return SampleKeys(**public)


def sample_tfvars(keys: SampleKeys, **overrides: Any) -> str:
    """The values a team fills into environments/ENV.tfvars (and overrides, as HCL)."""
    values: dict[str, Any] = {
        "admin_ssh_public_keys": [keys.admin],
        "deploy_ssh_public_key": keys.deploy,
        **overrides,
    }
    return "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())


@dataclass(frozen=True)
class Rendered:
    """The first manager's user data (`text`) and, when Terraform succeeded, every output."""

    text: str
    problem: str
    outputs: dict[str, Any] = field(default_factory=dict)

    def node_text(self, key: str) -> str:
        """The user data of one node of local.nodes (manager-1, manager-2, worker-1 ...)."""
        return str(self.outputs["user_data"][key])

    def node_data(self, key: str) -> dict[str, Any]:
        loaded = yaml.safe_load(self.node_text(key))
        assert isinstance(loaded, dict)
        return loaded

    @property
    def data(self) -> dict[str, Any]:
        loaded = yaml.safe_load(self.text)
        assert isinstance(loaded, dict)
        return loaded


def render_user_data(project: Path, environment: str, workdir: Path, tfvars: str) -> Rendered:
    """Terraform's user data for `environment`, with `tfvars` applied after the committed
    environments/ENV.tfvars (later files win, as with -var-file on the command line)."""
    shutil.copytree(project / "infra", workdir / "infra")
    module = workdir / "infra" / "terraform"
    for path in module.glob("*.tf"):
        if path.name not in PROVIDER_FREE:
            path.unlink()
    (module / "test_outputs.tf").write_text(OUTPUTS)
    (module / "sample.tfvars").write_text(tfvars)
    steps = [
        ("init", "-input=false", "-no-color"),
        (
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            f"-var-file=environments/{environment}.tfvars",
            "-var-file=sample.tfvars",
        ),
    ]
    for step in steps:
        if failed := problem(terraform(module, *step)):
            return Rendered("", failed)
    output = terraform(module, "output", "-json")
    if failed := problem(output):
        return Rendered("", failed)
    outputs = {name: value["value"] for name, value in json.loads(output.stdout).items()}
    return Rendered(str(outputs["user_data"][FIRST_MANAGER]), "", outputs)


def cloud_config_keys() -> set[str]:
    """Every top-level key cloud-init knows, from its own schema (Debian's cloud-init, a
    Python package of the system's python3)."""
    script = (
        "import json; from cloudinit.config.schema import get_schema; s = get_schema(); "
        "refs = [part['$ref'].rsplit('/', 1)[1] for part in s['allOf']]; "
        "print(json.dumps(sorted({k for r in refs for k in s['$defs'][r].get('properties', {})})))"
    )
    result = subprocess.run(
        ["/usr/bin/python3", "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(result.stdout))


def schema_problem(path: Path) -> str:
    """cloud-init's own validation; deprecations count too (they become errors later)."""
    result = subprocess.run(
        [tool("cloud-init"), "schema", "--config-file", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = f"{result.stdout}{result.stderr}".strip()
    if result.returncode != 0 or "deprecat" in output.lower():
        return f"$ cloud-init schema --config-file {path.name}\n{output}"
    return ""


def unknown_keys(data: dict[str, Any], known: set[str]) -> list[str]:
    """Top-level keys cloud-init would ignore without a word (its schema allows any key)."""
    return sorted(data.keys() - known)


def embedded_scripts(data: dict[str, Any]) -> dict[str, str]:
    """Shell scripts inside the user data: write_files with a shell #! line, and runcmd (which
    cloud-init runs as one /bin/sh script)."""
    scripts = {}
    for entry in data.get("write_files", []):
        content = str(entry.get("content", ""))
        first_line = content.split("\n", 1)[0]
        if first_line.startswith("#!") and re.search(r"\b(ba)?sh\b", first_line):
            scripts[f"write_files {entry['path']}"] = content
    commands = data.get("runcmd", [])
    if commands:
        lines = [shlex.join(map(str, c)) if isinstance(c, list) else str(c) for c in commands]
        scripts["runcmd"] = "#!/bin/sh\n" + "\n".join(lines) + "\n"
    return scripts


def shellcheck_problems(scripts: dict[str, str], workdir: Path) -> list[str]:
    problems = []
    for index, (name, script) in enumerate(sorted(scripts.items())):
        path = workdir / f"script-{index}.sh"
        path.write_text(script)
        if output := run([tool("shellcheck"), "--severity=style", str(path)]):
            problems.append(f"{name}\n{output}")
    return problems


def written_file(data: dict[str, Any], path: str) -> str:
    for entry in data.get("write_files", []):
        if entry.get("path") == path:
            return str(entry.get("content", ""))
    raise AssertionError(f"the user data writes no {path}")


def key_fingerprints(armored: str, workdir: Path) -> list[str]:
    """Primary key fingerprints of an armored OpenPGP key, as gpg reads them."""
    home = workdir / "gnupg"
    home.mkdir(mode=0o700, exist_ok=True)
    result = subprocess.run(
        ["gpg", "--homedir", str(home), "--show-keys", "--with-colons", "--with-fingerprint"],
        input=armored,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    return [
        lines[index + 1].split(":")[9]
        for index, line in enumerate(lines)
        if line.startswith("pub:")
        and index + 1 < len(lines)
        and lines[index + 1].startswith("fpr:")
    ]
