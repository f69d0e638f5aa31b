"""Every Swarm config of a server's stack files is a file of the checkout named after a hash
of its content, and scripts/deploy's export_config_versions gives each exactly that hash.

The configs carry files to services that run on nodes without the checkout (the Docker API
proxies and Alloy, one on every node). Their names hold `${<KEY>_CONFIG_VERSION}`, which
`docker stack deploy` needs set: scripts/lib/swarm.sh reads each config's `name:` and `file:`
lines and exports the hash of the stack's name and the file. Checked here for every rendered
answer set: the declared form (which that reading relies on), the file in the checkout, and
the function's output against hashes computed here; a changed file must change its name.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import RenderedProject
from tests.render.problems import problems_by_answer_set, report
from tests.report import record

STACK = "shipshape-check"
EXPORT_CONFIG_VERSIONS = """
set -euo pipefail
source scripts/lib/usage.sh
source scripts/lib/secrets.sh
source scripts/lib/server.sh
source scripts/lib/swarm.sh
STACK=$1
export_config_versions
env | grep _CONFIG_VERSION= | sort
"""


def stack_files(project: Path) -> list[str]:
    server = (project / "scripts" / "lib" / "server.sh").read_text()
    match = re.search(r"^STACK_FILES_DEFAULT=(\S+)$", server, re.MULTILINE)
    assert match, "scripts/lib/server.sh sets no STACK_FILES_DEFAULT"
    return match[1].split(":")


def declared_configs(project: Path) -> dict[str, dict[str, str]]:
    configs: dict[str, dict[str, str]] = {}
    for file in stack_files(project):
        configs.update(yaml.safe_load((project / file).read_text()).get("configs") or {})
    return configs


def expected_version(project: Path, file: str) -> str:
    content = f"{STACK}\n".encode() + (project / file).read_bytes()
    return hashlib.sha256(content).hexdigest()[:16]


def run_export(project: Path, stack: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", EXPORT_CONFIG_VERSIONS, "export_config_versions", stack],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def exported_versions(project: Path, *, stack: str = STACK) -> dict[str, str]:
    result = run_export(project, stack)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def problems_of(project: Path) -> list[str]:
    problems = []
    expected = {}
    for key, config in declared_configs(project).items():
        variable = f"{key.upper()}_CONFIG_VERSION"
        wanted = f"{key.replace('_', '-')}-${{{variable}:?set_by_scripts_deploy}}"
        if config.get("name") != wanted:
            problems.append(f"config {key}: name {config.get('name')!r}, not {wanted!r}")
        file = config.get("file", "")
        if not (project / file).is_file():
            problems.append(f"config {key}: no file {file!r} in the checkout")
            continue
        expected[variable] = expected_version(project, file)
    exported = exported_versions(project)
    if exported != expected:
        problems.append(f"export_config_versions gave {exported}, not {expected}")
    return problems


def test_every_config_is_versioned_by_its_content(rendered_matrix: list[RenderedProject]) -> None:
    problems = problems_by_answer_set(rendered_matrix, problems_of)
    counted = sum(len(declared_configs(project.path)) for project in rendered_matrix)
    record(
        f"render: {counted} Swarm configs of {len(rendered_matrix)} answer sets named after "
        "their content, as export_config_versions computes it"
    )
    assert counted, "no Swarm config in any answer set"
    assert not problems, report(problems)


def test_a_changed_file_is_a_new_config_and_a_missing_one_is_named(
    rendered_matrix: list[RenderedProject], tmp_path: Path
) -> None:
    project = shutil.copytree(rendered_matrix[0].path, tmp_path / "project")
    before = exported_versions(project)
    allowlist = project / "infra" / "docker-api" / "traefik.allow"
    allowlist.write_text(allowlist.read_text() + "# one more line\n")
    after = exported_versions(project)
    other_stack = exported_versions(project, stack="another-stack")
    allowlist.unlink()
    missing = run_export(project, STACK)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"TRAEFIK_ALLOWLIST_CONFIG_VERSION"}, (before, after)
    assert set(other_stack.values()).isdisjoint(after.values()), "two stacks share a config"
    assert missing.returncode != 0
    assert "./infra/docker-api/traefik.allow, which this checkout lacks" in missing.stderr
