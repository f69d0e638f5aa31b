"""The generated Terraform (infra/terraform/) of every combination with infrastructure as code:
formatted as Terraform 1.15 formats it, and sound where `terraform validate` cannot look on
this machine (it needs the hcloud provider): declarations, pins, the token, the firewall."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import RenderedProject
from tests.lint import terraform_structure as structure
from tests.lint.linters import terraform_fmt_problem
from tests.lint.terraform import problem, terraform
from tests.report import record

TERRAFORM_DIR = Path("infra/terraform")


def iac_projects(projects: list[RenderedProject]) -> list[RenderedProject]:
    found = [project for project in projects if project.answers["use_iac"]]
    assert found, "no combination of the matrix renders infrastructure as code"
    return found


def uncommented_backend(project: Path) -> str:
    """backend.tf's documented remote-state block, as a team would uncomment it."""
    lines = (project / TERRAFORM_DIR / "backend.tf").read_text().splitlines()
    start = lines.index("# terraform {")
    return "\n".join(re.sub(r"^# ?", "", line) for line in lines[start:]) + "\n"


def test_terraform_fmt_accepts_every_configuration(
    rendered_matrix: list[RenderedProject], tmp_path: Path
) -> None:
    projects = iac_projects(rendered_matrix)
    failures = [
        f"{project.id}\n{output}"
        for project in projects
        if (output := terraform_fmt_problem(project.path))
    ]
    # The remote-state block is a comment until a team needs it: it must be ready to use.
    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "backend.tf").write_text(uncommented_backend(projects[0].path))
    if output := problem(terraform(backend, "fmt", "-check", "-diff")):
        failures.append(f"backend.tf, uncommented\n{output}")
    assert structure.parse((backend / "backend.tf").read_text())["terraform"]
    record(
        f"lint: terraform fmt -check over {len(projects)} infra/terraform folders (Terraform 1.15)"
    )
    assert not failures, "\n\n".join(failures)


def test_terraform_fmt_refuses_a_misformatted_file(
    rendered_matrix: list[RenderedProject], tmp_path: Path
) -> None:
    module = tmp_path / "terraform"
    shutil.copytree(iac_projects(rendered_matrix)[0].path / TERRAFORM_DIR, module)
    server = module / "server.tf"
    server.write_text(server.read_text().replace("  server_type  = ", "  server_type = ", 1))
    result = terraform(module, "fmt", "-check", "-recursive")
    assert result.returncode != 0
    assert "server.tf" in result.stdout


def test_configuration_is_sound(rendered_matrix: list[RenderedProject]) -> None:
    projects = iac_projects(rendered_matrix)
    failures = [
        f"{project.id}: {found}"
        for project in projects
        for found in structure.configuration_problems(project.path / TERRAFORM_DIR)
    ]
    record(
        f"lint: {len(projects)} Terraform configurations parsed (python-hcl2): variables declared "
        "and used, provider pinned, no token, firewall, nodes, private network, load balancer,"
        " outputs"
    )
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module")
def configuration(rendered_matrix: list[RenderedProject]) -> dict[str, str]:
    """One project's .tf files and tfvars, as text, for tests that break them."""
    directory = iac_projects(rendered_matrix)[0].path / TERRAFORM_DIR
    return {
        str(path.relative_to(directory)): path.read_text()
        for path in [*directory.glob("*.tf"), *directory.glob("environments/*.tfvars")]
    }


def problems_after(configuration: dict[str, str], file_name: str, old: str, new: str) -> list[str]:
    """The structural problems found once `old` becomes `new` in one file."""
    texts = dict(configuration)
    assert old in texts[file_name], f"{old!r} is not in {file_name}"
    texts[file_name] = texts[file_name].replace(old, new, 1)
    files = {name: structure.parse(text) for name, text in texts.items() if name.endswith(".tf")}
    tfvars = {
        name: structure.parse(text) for name, text in texts.items() if name.endswith(".tfvars")
    }
    return [
        *structure.version_problems(files),
        *structure.variable_problems(files, tfvars),
        *structure.token_problems(files, texts),
        *structure.firewall_problems(files),
        *structure.server_problems(files),
        *structure.node_count_problems(files),
        *structure.network_problems(files),
        *structure.load_balancer_problems(files),
        *structure.output_problems(files),
    ]


@pytest.mark.parametrize(
    ("file_name", "old", "new", "expected"),
    [
        pytest.param(
            "firewall.tf",
            "source_ips  = var.admin_cidrs",
            "source_ips  = local.anywhere",
            "tcp/22 must be open to var.admin_cidrs only",
            id="ssh-open-to-anywhere",
        ),
        pytest.param(
            "firewall.tf",
            'port        = "443"',
            'port        = "5432"',
            "tcp/5432 is open",
            id="database-port-opened",
        ),
        pytest.param(
            "providers.tf",
            'provider "hcloud" {}',
            'provider "hcloud" {\n  token = "' + "a" * 64 + '"\n}',
            "provider hcloud sets token",
            id="hard-coded-token",
        ),
        pytest.param(
            "server.tf",
            "backups      = var.backups",
            "backups      = var.backup_enabled",
            "var.backup_enabled is not declared",
            id="undeclared-variable",
        ),
        pytest.param(
            "variables.tf",
            '  description = "Operating system image. Used only when the server is created."\n',
            "",
            "variable 'image' has no description",
            id="variable-without-description",
        ),
        pytest.param(
            "versions.tf",
            'version = "~> 1.68"',
            'version = ">= 0"',
            "the hcloud provider is not pinned",
            id="provider-not-pinned",
        ),
        pytest.param(
            "firewall.tf",
            'port        = "80"',
            'port        = "2377"',
            "tcp/2377 is open",
            id="swarm-port-opened-to-the-internet",
        ),
        pytest.param(
            "server.tf",
            "from = hcloud_server.main",
            "from = hcloud_server.primary",
            "no moved block from hcloud_server.main",
            id="first-server-not-moved",
        ),
        pytest.param(
            "variables.tf",
            "condition     = contains([1, 3, 5], var.managers)",
            "condition     = true",
            "variable 'managers' has no validation",
            id="manager-count-not-validated",
        ),
        pytest.param(
            "network.tf",
            "ip        = each.value.private_ip",
            "ip        = null",
            "hcloud_server_network.node.ip is",
            id="node-without-fixed-private-address",
        ),
        pytest.param(
            "load_balancer.tf",
            "count = local.clustered ? 1 : 0",
            "count = 1",
            "hcloud_load_balancer.edge is not conditional on local.clustered",
            id="load-balancer-for-one-node",
        ),
        pytest.param(
            "load_balancer.tf",
            "proxyprotocol    = true",
            "proxyprotocol    = false",
            "hides clients' addresses",
            id="load-balancer-without-proxy-protocol",
        ),
        pytest.param(
            "load_balancer.tf",
            "use_private_ip   = true",
            "use_private_ip   = false",
            "does not use private addresses",
            id="load-balancer-over-public-addresses",
        ),
        pytest.param(
            "outputs.tf",
            "entry_ipv4 = local.clustered ? hcloud_load_balancer.edge[0].ipv4 : ",
            "entry_ipv4 = ",
            "local.entry_ipv4 is",
            id="dns-not-at-the-load-balancer",
        ),
        pytest.param(
            "server.tf",
            "rebuild_protection = var.protection",
            "rebuild_protection = false",
            "rebuild_protection is False",
            id="production-not-protected",
        ),
    ],
)
def test_structure_checks_refuse_a_broken_configuration(
    configuration: dict[str, str], file_name: str, old: str, new: str, expected: str
) -> None:
    assert not problems_after(configuration, file_name, old, old), "the unbroken one must pass"
    found = problems_after(configuration, file_name, old, new)
    assert any(expected in line for line in found), found


def test_structure_checks_refuse_tfvars_for_undeclared_variables(
    configuration: dict[str, str],
) -> None:
    tfvars = next(name for name in configuration if name.endswith(".tfvars"))
    found = problems_after(configuration, tfvars, 'server_type = "', 'servertype = "')
    assert any("sets 'servertype', which no variable declares" in line for line in found), found
