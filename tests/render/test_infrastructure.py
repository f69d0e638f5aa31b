"""Infrastructure as code follows the answers: one tfvars file per server environment with the
answered location and server type and the environment's derived hosts; the Makefile, CI and
Dependabot get their Terraform parts only with use_iac; git keeps state out and tfvars in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import yaml

from extensions import naming
from tests.conftest import RenderedProject

TERRAFORM = Path("infra/terraform")
OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)


def hcl(path: Path) -> dict[str, Any]:
    return dict(hcl2.loads(path.read_text(), serialization_options=OPTIONS))


def iac(projects: list[RenderedProject]) -> list[RenderedProject]:
    found = [project for project in projects if project.answers["use_iac"]]
    assert found
    return found


def expected_hosts(answers: dict[str, Any], environment: str) -> list[str]:
    derived = naming.derive(answers)
    services = [*derived["components"], *(["grafana"] if answers["use_monitoring"] else [])]
    return [derived["hosts"][environment][service] for service in services]


def test_one_tfvars_file_per_server_environment(rendered_matrix: list[RenderedProject]) -> None:
    problems = []
    for project in iac(rendered_matrix):
        answers = project.answers
        folder = project.path / TERRAFORM / "environments"
        present = sorted(path.stem for path in folder.glob("*.tfvars"))
        if present != sorted(answers["environments"]):
            problems.append(f"{project.id}: tfvars for {present}")
        for environment in answers["environments"]:
            values = hcl(folder / f"{environment}.tfvars")
            production = environment == "production"
            expected = {
                "environment": environment,
                "location": answers["hetzner_location"],
                "server_type": answers["hetzner_server_type"],
                "hosts": expected_hosts(answers, environment),
                "protection": production,
                "keep_ip_addresses": production,
                "backups": production,
            }
            for name, value in expected.items():
                if values.get(name) != value:
                    problems.append(
                        f"{project.id} {environment}.tfvars: {name} = {values.get(name)!r}, "
                        f"not {value!r}"
                    )
    assert not problems, "\n".join(problems)


def test_variables_know_the_project_and_its_environments(
    rendered_matrix: list[RenderedProject],
) -> None:
    for project in iac(rendered_matrix):
        variables = {
            name: body
            for block in hcl(project.path / TERRAFORM / "variables.tf")["variable"]
            for name, body in block.items()
        }
        derived = naming.derive(project.answers)
        assert variables["project"]["default"] == derived["slug"], project.id
        (check,) = variables["environment"]["validation"]
        listed = ", ".join(f'"{env}"' for env in derived["server_environments"])
        assert f"contains([{listed}], var.environment)" in check["condition"], project.id


def test_terraform_parts_appear_only_with_iac(rendered_matrix: list[RenderedProject]) -> None:
    for project in rendered_matrix:
        wanted = bool(project.answers["use_iac"])
        makefile = (project.path / "Makefile").read_text()
        ci = yaml.safe_load((project.path / ".github/workflows/ci.yml").read_text())
        dependabot = yaml.safe_load((project.path / ".github/dependabot.yml").read_text())
        ecosystems = {update["package-ecosystem"] for update in dependabot["updates"]}
        readme = (project.path / "README.md").read_text()
        found = {
            "make infra-plan": "\ninfra-plan: " in makefile,
            "make lint shellchecks provision-server": "provision-server.sh" in makefile,
            "CI job infrastructure": "infrastructure" in ci["jobs"],
            "Dependabot for Terraform": "terraform" in ecosystems,
            "README links the runbook": "docs/runbooks/provision-a-server.md" in readme,
        }
        wrong = [part for part, present in found.items() if present != wanted]
        assert not wrong, f"{project.id} (use_iac={wanted}): {wrong}"


def test_git_ignores_state_and_secrets_but_keeps_the_tfvars(
    rendered_matrix: list[RenderedProject], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(iac(rendered_matrix)[0].path, project)
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    module = TERRAFORM.as_posix()
    ignored = [
        f"{module}/.terraform/providers/registry.terraform.io/x",
        f"{module}/terraform.tfstate",
        f"{module}/terraform.tfstate.backup",
        f"{module}/terraform.tfstate.d/production/terraform.tfstate",
        f"{module}/production.tfplan",
        f"{module}/secrets.tfvars",
        f"{module}/environments/extra.auto.tfvars.json",
    ]
    kept = [
        f"{module}/environments/{project_env}.tfvars"
        for project_env in iac(rendered_matrix)[0].answers["environments"]
    ] + [f"{module}/.terraform.lock.hcl", f"{module}/server.tf"]

    def is_ignored(path: str) -> bool:
        check = subprocess.run(["git", "check-ignore", "--quiet", path], cwd=project, check=False)
        return check.returncode == 0

    assert [path for path in ignored if not is_ignored(path)] == []
    assert [path for path in kept if is_ignored(path)] == []
