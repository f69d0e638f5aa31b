"""Deploy, failed deploy and rollback with the project's own scripts, under constant traffic.

The tests run in order against one server, a one-node swarm running several tasks of the
API and of the web front end: v1 is deployed first, v2 replaces it while hey sends requests
through Traefik to the API and to the web front end, a v3 whose API health check fails is
rolled back by Swarm (and its healthy web tasks put back on v2), a rollback brings v1 back,
and a secret rotation redeploys it. Every request sent meanwhile must succeed.
"""

from __future__ import annotations

import json
import re
import subprocess
from contextlib import ExitStack
from dataclasses import replace

from tests.deploy.load import constant_load
from tests.deploy.server import REPLICAS, DeployServer, serving_version
from tests.docker.edge_stack import env_file_values
from tests.docker.engine import docker, image_exists
from tests.report import record

LOAD_PATH = "/api/v1/health"
# The web front end's home page: rendered on the server, which calls the API.
WEB_LOAD_PATH = "/"
# scripts/deploy's line for each state a new task goes through while it waits.
PROGRESS_LINE = re.compile(
    r"^  (?P<service>[a-z-]+) (?P<id>[0-9a-z]{12}): (?P<state>.+) \((?P<seconds>\d+)s\)$",
    re.MULTILINE,
)
LIVE = "running"
# Each target gets two streams: kept-alive connections, and a new connection (and TLS
# handshake) per request, which fails if the edge refuses a handshake at any moment.
CONNECTIONS = {"": False, " (new connections)": True}


def progress(output: str) -> dict[str, list[tuple[str, int]]]:
    """Per new task ("api 1a2b3c4d5e6f"), its (state, seconds) lines in order."""
    lines: dict[str, list[tuple[str, int]]] = {}
    for match in PROGRESS_LINE.finditer(output):
        container = f"{match['service']} {match['id']}"
        lines.setdefault(container, []).append((match["state"], int(match["seconds"])))
    return lines


def released_services(server: DeployServer) -> set[str]:
    return {"api", "web"} if server.web_image else {"api"}


def assert_progress_shown(server: DeployServer, output: str) -> None:
    """Every new task of each released service was shown from before it ran until it ran,
    with the seconds counting up."""
    shown = progress(output)
    released = [task for task in shown if task.split()[0] in released_services(server)]
    assert {task.split()[0] for task in released} == released_services(server), output
    assert len(released) >= REPLICAS * len(released_services(server)), output
    for task in released:
        states = shown[task]
        assert states[-1][0] == LIVE, f"{task} never shown running:\n{output}"
        assert states[0][0] != LIVE, f"{task} not shown before it ran:\n{output}"
        seconds = [elapsed for _, elapsed in states]
        assert seconds == sorted(seconds), f"{task}: elapsed seconds go back:\n{output}"


def test_deploy_refuses_a_moving_tag_and_an_unknown_environment(server: DeployServer) -> None:
    latest = server.script("deploy", "latest")
    assert latest.returncode != 0
    assert "not 'latest'" in latest.stderr
    wrong_env = replace(server, env={**server.env, "ENVIRONMENT": "qa"})
    result = wrong_env.script("deploy", "v1")
    assert result.returncode != 0
    assert "unknown environment 'qa'" in result.stderr


def test_first_deploy_starts_the_stack(server: DeployServer) -> None:
    result = server.script("deploy", "v1")
    assert result.returncode == 0, result.stdout + result.stderr
    # The ACME CA issues each host's certificate some seconds after its service appears, and
    # until then Traefik refuses the handshake (strict SNI): the deploy returns only once
    # every host has one, so a visitor right after it is served.
    for host in server.hosts:
        assert f"https://{host}: certificate served" in result.stdout, result.stdout
        assert server.handshake_refusal(host) is None
    assert serves(server, "v1", "1.0.0")
    assert_progress_shown(server, result.stdout)


def api_environment(server: DeployServer) -> list[str]:
    """NAME=value entries of a running API container's environment."""
    api = server.swarm_stack.container("api")
    entries: list[str] = json.loads(docker("inspect", "--format", "{{json .Config.Env}}", api))
    return entries


def test_api_container_gets_none_of_the_other_secrets(server: DeployServer) -> None:
    handed = {entry.partition("=")[0] for entry in api_environment(server)}
    values = env_file_values(server.project / "env" / "production.env")
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "RESTIC_PASSWORD"):
        if secret in values:
            assert secret not in handed
    # Its own secrets come as files, named by NAME_FILE.
    assert {"DATABASE_URL_FILE", "REDIS_URL_FILE", "JWT_ACCESS_SECRET_FILE"} <= handed
    api = server.swarm_stack.container("api")
    files = docker("exec", api, "ls", "/run/secrets").split()
    assert sorted(files) == ["api_database_url", "jwt_access_secret", "redis_url"]
    # Its DATABASE_URL is its own role's: the superuser's password is in no file either.
    for name in files:
        content = docker("exec", api, "cat", f"/run/secrets/{name}")
        assert values["POSTGRES_PASSWORD"] not in content, name


def generated_secrets(server: DeployServer) -> dict[str, str]:
    """Every value `make env` generated for the server (a __SECRET_NAME__ token in
    env/production.env.example), by name, as env/production.env holds it."""
    example = (server.project / "env" / "production.env.example").read_text()
    values = env_file_values(server.project / "env" / "production.env")
    return {name: values[name] for name in set(re.findall(r"__SECRET_([A-Z0-9_]+)__", example))}


def test_no_container_configuration_shows_a_secret(server: DeployServer) -> None:
    """What `docker inspect` (and anything reading the Docker API through a socket proxy)
    shows of every service of the stack and of every container of its tasks, running or
    done (db-roles, migrate), holds none of the generated secrets: they reach the
    containers as files only."""
    secrets = generated_secrets(server)
    stack = server.swarm_stack
    services = stack.services()
    shown = []
    for service in services:
        spec = docker("service", "inspect", stack.service(service))
        shown += [f"{service} service: {name}" for name, v in secrets.items() if v in spec]
    # The one-off services' tasks are gone once they ran (replicas 0): their specs remain.
    containers = [c for service in services for c in stack.containers(service, all_states=True)]
    for container in containers:
        info = json.loads(docker("inspect", container))[0]
        service = info["Config"]["Labels"]["com.docker.swarm.service.name"]
        fields = {
            "Config.Env": info["Config"]["Env"],
            "Config.Cmd": info["Config"]["Cmd"],
            "Config.Entrypoint": info["Config"]["Entrypoint"],
            "Args": info["Args"],
            "Config.Labels": info["Config"]["Labels"],
        }
        for field, value in fields.items():
            text = json.dumps(value)
            shown += [f"{service} {field}: {name}" for name, v in secrets.items() if v in text]
    record(
        f"deploy [{server.stack}]: docker inspect of {len(services)} services "
        f"({', '.join(services)}) and their {len(containers)} containers: "
        f"none of {len(secrets)} secrets shown"
    )
    expected = {"traefik", "traefik-docker-api", "db-roles", "migrate", "api", "postgres", "redis"}
    assert expected <= set(services), f"not inspected: {expected - set(services)}"
    assert not shown, "secret values in container configuration:\n" + "\n".join(shown)


def test_redis_requires_its_password_which_no_process_list_shows(server: DeployServer) -> None:
    password = env_file_values(server.project / "env" / "production.env")["REDIS_PASSWORD"]
    redis = server.swarm_stack.container("redis")
    processes = docker("top", redis, "-o", "pid,user,args")
    assert "redis-server" in processes
    assert password not in processes
    anonymous = docker("exec", redis, "sh", "-c", "REDISCLI_AUTH= redis-cli ping")
    assert "NOAUTH" in anonymous


def under_load(server: DeployServer, what: str, *script: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/<script> while hey sends constant traffic to the API and the web front end;
    print and check the failures."""
    targets = {"api": (server.api_host, LOAD_PATH)}
    if server.web_host:
        targets["web"] = (server.web_host, WEB_LOAD_PATH)
    with ExitStack() as stack:
        loads = {
            f"{name}{label}": stack.enter_context(
                constant_load(server.https_port, host, path, new_connections=new)
            )
            for name, (host, path) in targets.items()
            for label, new in CONNECTIONS.items()
        }
        result = server.script(*script)
    summary = ", ".join(f"{name} {load.summary()}" for name, load in loads.items())
    record(f"deploy [{server.stack}]: {what} under load: {summary}")
    failed = sum(load.failed for load in loads.values())
    failures = "\n".join(
        f"{name}: {load.failures()}" for name, load in loads.items() if load.failed
    )
    assert failed == 0, f"{summary}\n{failures}\n{server.troubled_requests()}\n{result.stdout}"
    return result


def serves(server: DeployServer, tag: str, version: str) -> bool:
    """REPLICAS tasks of each released service run, each with the image of `tag`, and the
    API answers as `version`."""
    images = server.running_api_images()
    if (
        server.web_image
        and server.running_images("web") != [f"{server.web_image}:{tag}"] * REPLICAS
    ):
        return False
    return images == [f"{server.api_image}:{tag}"] * REPLICAS and serving_version(server) == version


def test_deploy_under_load_has_no_failed_request(server: DeployServer) -> None:
    result = under_load(server, "v1 -> v2", "deploy", "v2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert serves(server, "v2", "2.0.0")
    # The database roles are set up (idempotently) before the release's migrations.
    roles_at = result.stdout.index("setting up the database roles")
    assert roles_at < result.stdout.index("applying migrations of v2"), result.stdout
    assert result.stdout.index("applying migrations of v2") < result.stdout.index("releasing v2")
    assert_progress_shown(server, result.stdout)


def test_failed_deploy_keeps_the_running_release(server: DeployServer) -> None:
    result = under_load(server, "failing v3 refused", "deploy", "v3")
    assert result.returncode != 0
    assert "Swarm rolled api back to the running release" in result.stderr, result.stderr
    assert "v2 keeps serving" in result.stderr, result.stderr
    # The new API task never ran; Swarm stopped it after its health check failed.
    api = [states for name, states in progress(result.stdout).items() if name[:4] == "api "]
    assert api, result.stdout
    assert all(LIVE not in [state for state, _ in states] for states in api), result.stdout
    assert serves(server, "v2", "2.0.0")


def test_rollback_brings_the_previous_release_back(server: DeployServer) -> None:
    result = under_load(server, "rollback v2 -> v1", "rollback")
    assert result.returncode == 0, result.stdout + result.stderr
    assert serves(server, "v1", "1.0.0")


def test_rotated_secret_is_redeployed_with_no_failed_request(server: DeployServer) -> None:
    for step in (["secrets", "init", "production"], ["secrets", "encrypt", "production"]):
        assert server.script(*step).returncode == 0
    before = env_file_values(server.project / "env" / "production.env")["JWT_ACCESS_SECRET"]
    result = under_load(
        server, "rotation redeploy", "rotate-secret", "JWT_ACCESS_SECRET", "production", "--deploy"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    after = env_file_values(server.project / "env" / "production.env")["JWT_ACCESS_SECRET"]
    assert after != before
    # Every new API task reads the new value from its secret file.
    for api in server.swarm_stack.containers("api"):
        assert docker("exec", api, "cat", "/run/secrets/jwt_access_secret") == after
    assert server.running_api_images() == [f"{server.api_image}:v1"] * REPLICAS


def test_release_log_records_every_release_and_old_images_are_pruned(
    server: DeployServer,
) -> None:
    assert server.release_log() == [
        ["deploy", "v1", "ok"],
        ["deploy", "v2", "ok"],
        ["deploy", "v3", "failed"],
        ["rollback", "v1", "ok"],
        ["deploy", "v1", "ok"],
    ]
    assert (server.project / ".deploy" / "production" / "current").read_text() == "v1\n"
    # KEEP_RELEASES=2: the two live releases stay for rollbacks, the failed one goes.
    for image in filter(None, (server.api_image, server.web_image)):
        assert image_exists(f"{image}:v1")
        assert image_exists(f"{image}:v2")
        assert not image_exists(f"{image}:v3")
