"""Deploy, failed deploy and rollback with the project's own scripts, under constant traffic.

The tests run in order against one server: v1 is deployed first, v2 replaces it while hey
sends requests through Traefik, a v3 whose health check fails is refused, and a rollback
brings v1 back. Every request during the last three must succeed.
"""

from __future__ import annotations

from dataclasses import replace

from tests.deploy.load import constant_load
from tests.deploy.server import DeployServer, serving_version
from tests.docker.engine import image_exists
from tests.report import record

LOAD_PATH = "/api/v1/health"


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
    assert server.running_api_images() == [f"{server.api_image}:v1"]
    assert serving_version(server) == "1.0.0"


def test_deploy_under_load_has_no_failed_request(server: DeployServer) -> None:
    with constant_load(server.https_port, server.api_host, LOAD_PATH) as load:
        result = server.script("deploy", "v2")
    record(f"deploy: v1 -> v2 under load: {load.summary()}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert load.failed == 0, load.output
    assert server.running_api_images() == [f"{server.api_image}:v2"]
    assert serving_version(server) == "2.0.0"


def test_failed_deploy_keeps_the_running_release(server: DeployServer) -> None:
    with constant_load(server.https_port, server.api_host, LOAD_PATH) as load:
        result = server.script("deploy", "v3")
    record(f"deploy: failing v3 refused under load: {load.summary()}")
    assert result.returncode != 0
    assert "the new container is unhealthy" in result.stderr, result.stderr
    assert "v2 keeps serving" in result.stderr, result.stderr
    assert load.failed == 0, load.output
    assert server.running_api_images() == [f"{server.api_image}:v2"]
    assert serving_version(server) == "2.0.0"


def test_rollback_brings_the_previous_release_back(server: DeployServer) -> None:
    with constant_load(server.https_port, server.api_host, LOAD_PATH) as load:
        result = server.script("rollback")
    record(f"deploy: rollback v2 -> v1 under load: {load.summary()}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert load.failed == 0, load.output
    assert server.running_api_images() == [f"{server.api_image}:v1"]
    assert serving_version(server) == "1.0.0"


def test_release_log_records_every_release_and_old_images_are_pruned(
    server: DeployServer,
) -> None:
    assert server.release_log() == [
        ["deploy", "v1", "ok"],
        ["deploy", "v2", "ok"],
        ["deploy", "v3", "failed"],
        ["rollback", "v1", "ok"],
    ]
    assert (server.project / ".deploy" / "production" / "current").read_text() == "v1\n"
    # KEEP_RELEASES=2: the two live releases stay for rollbacks, the failed one goes.
    assert image_exists(f"{server.api_image}:v1")
    assert image_exists(f"{server.api_image}:v2")
    assert not image_exists(f"{server.api_image}:v3")
