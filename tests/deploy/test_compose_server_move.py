"""A server that ran v0.3.0's Docker Compose stack moves to the Swarm stack with its data.

The project is copied at v0.3.0 and its server stack started by v0.3.0's own scripts/deploy
(Docker Compose), rows are written through its API and Traefik gets a certificate from the
local ACME CA. Then the team's way: `copier update` to the working tree (its task, make env,
adds the new variables), commit, and on the server the steps of the deploy runbook's "Moving
a Docker Compose server to Swarm", run as the runbook writes them. Every row must come back
through the new API, from the very volume compose created, and Traefik must serve the
certificate it had (from the kept `letsencrypt` volume) instead of asking for a new one.
A rollback afterwards, to the compose release, must fail and leave the moved one serving.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.deploy.compose_server import (
    build_fastapi_release,
    build_release_standins,
    compose_env,
    image_app_digest,
    labelled,
    release_socket_proxies,
    remove_compose_project,
    source_digest,
)
from tests.deploy.runbook_steps import step_commands
from tests.docker.acme_ca import AcmeCa
from tests.docker.edge_stack import (
    build_release,
    build_standins,
    env_file_values,
    pebble_override,
    pebble_static_config,
)
from tests.docker.engine import docker, image_exists, start_engine, timed
from tests.docker.swarm import Stack, ensure_swarm, images_of_stack_file, project_script
from tests.paths import VENV_BIN
from tests.report import record
from tests.template_repo import snapshot_working_tree
from tests.update.project import commit_all, conflicted_files, copy_at, update

FROM_RELEASE = "v0.3.0"
ANSWERS: dict[str, Any] = {
    # Its own name: the compose project, the stack, its volumes and images are this test's.
    "project_name": "Move Check",
    # The stack whose image builds fastest (the move does not depend on the stack; the old
    # release's build does: build_fastapi_release).
    "api_stack": "fastapi",
    "web_frontend": "none",
    "environments": ["production"],
    "domain": "example.org",
    # The notes belong to an account, which must log in after the move with the password
    # it had (its hash is among the rows moved).
    "use_auth": True,
    "use_cache": False,
    "use_monitoring": False,
    "use_sentry": False,
    "use_backups": False,
    "use_iac": False,
}
ENVIRONMENT = "production"
ROWS = 25
# The release that ran on compose, and the one CI builds from the updated commit.
OLD_TAG = "v1"
NEW_TAG = "v2"
RUNBOOK = Path("docs/runbooks/deploy-and-rollback.md")
MOVE_SECTION = "Moving a Docker Compose server to Swarm"
# Files only this machine's server has (the Pebble override): the checkout stays clean for
# `copier update`, as env/ and .deploy/ (git-ignored) do on a real server.
LOCAL_FILES = ("compose.pebble.yaml", "infra/traefik/traefik.pebble.yml")


@pytest.fixture(scope="module")
def template_with_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_working_tree(tmp_path_factory.mktemp("history"), with_releases=True)


def remove_from_engine(name: str, images: list[str]) -> None:
    """The stack and the compose project called `name`, their volumes, and `images`."""
    if name in docker("stack", "ls", "--format", "{{.Name}}").split():
        Stack(name).remove()
    # The volumes compose created carry its labels, not the stack's: removed here.
    remove_compose_project(name)
    for image in images:
        if image_exists(image):
            docker("image", "rm", image)


@pytest.fixture
def project(template_with_history: Path, tmp_path: Path) -> Iterator[Path]:
    """The project at v0.3.0; whatever its servers leave on the engine goes afterwards."""
    with timed("start of the Docker engine"):
        start_engine()
        ensure_swarm()
    project = copy_at(template_with_history, FROM_RELEASE, tmp_path / "project", ANSWERS)
    with (project / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write("".join(f"/{name}\n" for name in LOCAL_FILES))
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    name = values["COMPOSE_PROJECT_NAME"]
    images = [f"{values['API_IMAGE']}:{tag}" for tag in (OLD_TAG, NEW_TAG)]
    images += release_socket_proxies(project)
    # An interrupted run's volumes would hand this one an old database.
    remove_from_engine(name, images)
    try:
        yield project
    finally:
        remove_from_engine(name, images)


def swarm_env(
    project: Path, override: str, static_config: Path, ports: tuple[int, int]
) -> dict[str, str]:
    """The environment the updated scripts/deploy runs in here (tests/deploy/server.py)."""
    return {
        "ENVIRONMENT": ENVIRONMENT,
        "STACK_FILES": f"compose.prod.yaml:{override}",
        "API_REPLICAS": "1",
        "TRAEFIK_HTTP_PORT": str(ports[0]),
        "TRAEFIK_HTTPS_PORT": str(ports[1]),
        "TRAEFIK_STATIC_CONFIG": f"./{static_config.relative_to(project)}",
        "DEPLOY_TIMEOUT": "180",
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    }


def certificate_fingerprint(https_port: int, host: str, roots_pem: str, wait: float = 120) -> str:
    """SHA-256 of the certificate Traefik serves for `host`, once one verifies against the
    ACME CA's roots (Traefik answers with its default certificate until it has one)."""
    context = ssl.create_default_context(cadata=roots_pem)
    deadline = time.monotonic() + wait
    while True:
        try:
            with (
                socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw,
                context.wrap_socket(raw, server_hostname=host) as tls,
            ):
                der = tls.getpeercert(binary_form=True)
                assert der is not None
                return hashlib.sha256(der).hexdigest()
        except (ssl.SSLError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def api_client(https_port: int, host: str, roots_pem: str) -> httpx.Client:
    """The API through Traefik, by its public name, with its certificate verified."""
    return httpx.Client(
        base_url=f"https://127.0.0.1:{https_port}/api/v1",
        headers={"Host": host},
        verify=ssl.create_default_context(cadata=roots_pem),
        timeout=10,
    )


def request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    sni = {"sni_hostname": client.headers["Host"]}
    return client.request(method, path, extensions=sni, **kwargs)


ACCOUNT = {"email": "mover@example.org", "password": "correct horse battery staple"}


def log_in(client: httpx.Client, wait: float = 0) -> bool:
    """Whether the account logs in; its access token then goes with every later request of
    `client`. Up to `wait` seconds while Traefik answers 404 (no router for the host yet:
    the first deploy of a stack starts Traefik, whose Swarm provider finds the API within
    its next polls)."""
    deadline = time.monotonic() + wait
    while True:
        response = request(client, "POST", "/auth/login", json=ACCOUNT)
        if response.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(1)
    if response.status_code != 200:
        return False
    client.headers["Authorization"] = f"Bearer {response.json()['accessToken']}"
    return True


def write_notes(client: httpx.Client) -> dict[str, tuple[str, str]]:
    """ROWS notes created through the API: id -> (title, body)."""
    written = {}
    for number in range(ROWS):
        note = {"title": f"before the move {number}", "body": f"row {number} of {ROWS}"}
        response = request(client, "POST", "/notes", json=note)
        assert response.status_code == 201, response.text
        written[response.json()["id"]] = (note["title"], note["body"])
    return written


def read_notes(client: httpx.Client) -> dict[str, tuple[str, str]]:
    response = request(client, "GET", "/notes", params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return {item["id"]: (item["title"], item["body"]) for item in response.json()["items"]}


def mounted_volumes(container: str) -> list[str]:
    return docker(
        "inspect", "--format", '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}',
        container,
    ).split()  # fmt: skip


def psql(container: str, values: dict[str, str], query: str) -> str:
    """One value, as the superuser, from the PostgreSQL in `container`."""
    return docker(
        "exec", container, "psql", "--username", values["POSTGRES_USER"],
        "--dbname", values["POSTGRES_DB"], "--tuples-only", "--no-align", "--command", query,
    ).strip()  # fmt: skip


# The cluster's identity, fixed at initdb: a PostgreSQL started on a new volume has another.
# (A local volume's CreatedAt is its folder's modification time, which PostgreSQL changes.)
SYSTEM_IDENTIFIER = "SELECT system_identifier FROM pg_control_system()"


def runbook_script(project: Path, new_tag: str) -> str:
    """Steps 2, 3 and 5 of the runbook's move, as written, for this environment: find the
    compose project, remove its containers and networks, deploy. Step 1 (daemon.json) and
    step 4 (swarm init) are the engine's, which is a swarm already (ensure_swarm)."""
    steps = step_commands(project / RUNBOOK, MOVE_SECTION)
    commands = [
        *(command for command in steps[2] if command.startswith("project=")),
        *(command for command in steps[3] if command.startswith("docker ")),
        *(command for command in steps[5] if command.startswith("make deploy")),
    ]
    assert len(commands) >= 3, f"the runbook's move has no commands to follow: {steps}"
    script = "\n".join(re.sub(r"\bENV\b", ENVIRONMENT, command) for command in commands)
    # The runbook's placeholder for the tag CI built from the updated commit.
    return re.sub(r"TAG=<[^>]+>", f"TAG={new_tag}", script)


def start_compose_server(
    template: Path, project: Path, acme_ca: AcmeCa, ports: tuple[int, int], scratch: Path
) -> None:
    """v0.3.0's server: its compose stack with release OLD_TAG, by its own scripts/deploy."""
    static_config = pebble_static_config(project, acme_ca)
    override = pebble_override(project, acme_ca)
    build_release_standins(template, FROM_RELEASE, project, scratch)
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    image = f"{values['API_IMAGE']}:{OLD_TAG}"
    build_fastapi_release(project, image, "0.3.0", scratch)
    assert image_app_digest(image) == source_digest(project), f"{image} holds other code"
    env = compose_env(project, override, static_config, *ports)
    with timed(f"{FROM_RELEASE}'s scripts/deploy {OLD_TAG} (docker compose)"):
        deployed = project_script(project, env, "deploy", OLD_TAG)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr


def seed_notes(client: httpx.Client) -> dict[str, tuple[str, str]]:
    """A new account's ROWS notes, written through the API."""
    registered = request(client, "POST", "/auth/register", json=ACCOUNT)
    assert registered.status_code == 201, registered.text
    assert log_in(client), "the account just registered cannot log in"
    return write_notes(client)


def update_and_release(project: Path) -> dict[str, str]:
    """The team's `copier update` (its task, make env, adds the new variables), committed;
    the server's checkout gets that commit and CI builds its release, NEW_TAG. The updated
    env file's values."""
    update(project)
    assert not conflicted_files(project)
    commit_all(project, "copier update")
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    assert "DB_API_PASSWORD" in values, "make env (the update's task) added no role passwords"
    build_standins(project, images_of_stack_file(project / "compose.prod.yaml"))
    build_release(project, NEW_TAG, "0.4.0")
    image = f"{values['API_IMAGE']}:{NEW_TAG}"
    assert image_app_digest(image) == source_digest(project), f"{image} holds other code"
    return values


def follow_runbook(project: Path, env: dict[str, str]) -> None:
    """On the server, the runbook's move as written, in `env` (swarm_env)."""
    script = runbook_script(project, NEW_TAG)
    with timed("the runbook's move of a compose server to the swarm"):
        moved = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=project,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert moved.returncode == 0, f"$ {script}\n{moved.stdout}{moved.stderr}"


def test_update_from_v030_moves_a_compose_server_to_swarm_with_its_rows(
    template_with_history: Path,
    project: Path,
    acme_ca: AcmeCa,
    ports: tuple[int, int],
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    values = env_file_values(project / "env" / f"{ENVIRONMENT}.env")
    name, host = values["COMPOSE_PROJECT_NAME"], values["API_HOST"]
    volume = f"{name}_postgres-data"
    roots = acme_ca.issuing_roots_pem()

    start_compose_server(template_with_history, project, acme_ca, ports, tmp_path)
    certificate = certificate_fingerprint(ports[1], host, roots)
    with api_client(ports[1], host, roots) as client:
        written = seed_notes(client)
    compose_postgres = labelled("container", name, "postgres")
    assert len(compose_postgres) == 1, compose_postgres
    cluster = psql(compose_postgres[0], values, SYSTEM_IDENTIFIER)

    values = update_and_release(project)
    static_config = pebble_static_config(project, acme_ca)
    env = swarm_env(project, pebble_override(project, acme_ca), static_config, ports)
    follow_runbook(project, env)
    # Step 3 left no container or network of the compose project, and every volume.
    assert not labelled("container", name)
    assert not labelled("network", name)
    assert {volume, f"{name}_letsencrypt"} <= set(labelled("volume", name))

    # What the stack serves, counted before any assertion, so the line shows what a broken
    # move lost.
    postgres = Stack(name).container("postgres")
    same_cluster = psql(postgres, values, SYSTEM_IDENTIFIER) == cluster
    in_database = int(psql(postgres, values, "SELECT count(*) FROM notes"))
    with api_client(ports[1], host, roots) as client:
        # A new, empty database would not know the account.
        served = read_notes(client) if log_in(client, wait=60) else {}
    kept = {note_id: row for note_id, row in served.items() if written.get(note_id) == row}
    same_certificate = certificate_fingerprint(ports[1], host, roots) == certificate
    record(
        f"update from {FROM_RELEASE} [{ANSWERS['api_stack']}]: compose -> swarm move kept "
        f"{in_database} of {len(written)} rows in {volume}; "
        f"the API serves {len(kept)} of them after the move; "
        f"certificate {'kept' if same_certificate else 'issued again'}; "
        f"{time.monotonic() - started:.0f} s"
    )
    assert volume in mounted_volumes(postgres), mounted_volumes(postgres)
    assert same_cluster, "PostgreSQL runs another cluster than the one compose's volume held"
    assert kept == written
    assert in_database == ROWS
    assert same_certificate, "Traefik asked for a new certificate: the letsencrypt volume was lost"

    # The release log's previous release is the compose one, which cannot run in the stack
    # (the runbook says so): a rollback to it fails at once and the moved release serves on.
    rollback_started = time.monotonic()
    rolled_back = project_script(project, env, "rollback")
    record(
        f"update from {FROM_RELEASE} [{ANSWERS['api_stack']}]: rollback to the compose "
        f"release after the move: exit {rolled_back.returncode} after "
        f"{time.monotonic() - rollback_started:.0f} s"
    )
    assert rolled_back.returncode != 0, rolled_back.stdout
    assert f"{NEW_TAG} keeps serving" in rolled_back.stderr, rolled_back.stderr
    assert Stack(name).running_images("api") == [f"{values['API_IMAGE']}:{NEW_TAG}"]
    with api_client(ports[1], host, roots) as client:
        assert log_in(client)
        assert read_notes(client) == written
