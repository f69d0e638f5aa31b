"""Release images by digest: the project's scripts/lib/images.sh with a real engine and a real
registry on loopback.

A tag in a registry moves whenever someone pushes to it. Two images are pushed under one
tag, so the registry's tag ends on the second; a server told the first one's digest must run
the first, say clearly when a digest is not in the registry, refuse a malformed digest or a
service the project does not release, and keep the digest in its release log for rollbacks.
The deploy story (test_deploy_and_rollback.py) runs images built on the engine, which have no
registry digest: it shows that deploys without digests work as before.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docker.engine import build, docker, start_engine
from tests.docker.stacks import answers
from tests.harness.loopback_registry import LoopbackRegistry, push
from tests.rendering import render
from tests.report import record

TAG = "1.0.0"
# A digest no registry holds.
ABSENT = "sha256:" + "0" * 64


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackRegistry]:
    start_engine()
    with LoopbackRegistry(tmp_path_factory.mktemp("registry")) as running:
        yield running


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both released services (API and web front end): the scripts are the same per stack."""
    return render(
        template_repo,
        tmp_path_factory.mktemp("digests") / "project",
        answers("Digest Check", "fastapi"),
    )


def image_id(tag: str) -> str:
    return docker("image", "inspect", "--format", "{{.Id}}", tag).strip()


@pytest.fixture(scope="module")
def pushed(registry: LoopbackRegistry, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two images pushed as API_IMAGE:TAG in turn, so the registry's tag ends on the second:
    their digests, their image ids, and the repository."""
    repository = f"{registry.host}/digest-check/api"
    found = {"repository": repository}
    for name in ("first", "second"):
        context = tmp_path_factory.mktemp(f"image-{name}")
        (context / "release").write_text(f"{name}\n")
        (context / "Dockerfile").write_text("FROM scratch\nCOPY release /release\n")
        build(context, f"{repository}:{TAG}")
        found[f"{name}_id"] = image_id(f"{repository}:{TAG}")
        found[f"{name}_digest"] = push(f"{repository}:{TAG}")
    assert found["first_digest"] != found["second_digest"]
    return found


def run_lib(
    project: Path, repository: str, script: str, state: Path
) -> subprocess.CompletedProcess[str]:
    """`script` in bash with the project's server libraries sourced, as scripts/deploy has them."""
    env_file = state / "production.env"
    env_file.write_text(f"API_IMAGE={repository}\nWEB_IMAGE={repository}-web\n")
    prelude = (
        "set -euo pipefail; "
        "for lib in secrets server images deploy; do source scripts/lib/$lib.sh; done; "
        f"ENV_FILE={env_file}; STATE_DIR={state}; "
    )
    return subprocess.run(
        ["bash", "-c", prelude + script],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def forget_local(repository: str) -> None:
    """The server has never pulled anything from this repository."""
    listed = docker("image", "ls", "--quiet", repository).split()
    if listed:
        docker("image", "rm", "--force", *sorted(set(listed)))


def test_a_digest_runs_its_image_although_the_tag_moved(
    project: Path, pushed: dict[str, str], tmp_path: Path
) -> None:
    repository = pushed["repository"]
    forget_local(repository)
    result = run_lib(
        project,
        repository,
        f"parse_digests api={pushed['first_digest']}; "
        f'ensure_image "$(image_of api)" {TAG} "${{RELEASE_DIGESTS[api]}}"',
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert f"pulling {repository}@{pushed['first_digest']} as {TAG}" in result.stdout
    assert image_id(f"{repository}:{TAG}") == pushed["first_id"]
    record(
        f"digests: registry tag {TAG} -> {pushed['second_digest'][:19]}..., deployed "
        f"{pushed['first_digest'][:19]}... runs as {TAG}: image {pushed['first_id'][:19]}..."
    )


def test_a_local_tag_of_other_content_is_replaced_by_the_digest(
    project: Path, pushed: dict[str, str], tmp_path: Path
) -> None:
    repository = pushed["repository"]
    forget_local(repository)
    docker("pull", "--quiet", f"{repository}:{TAG}")  # the moved tag: the second image
    assert image_id(f"{repository}:{TAG}") == pushed["second_id"]
    result = run_lib(
        project,
        repository,
        f'ensure_image "$(image_of api)" {TAG} {pushed["first_digest"]}',
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert image_id(f"{repository}:{TAG}") == pushed["first_id"]


def test_a_digest_the_registry_lacks_fails_naming_it(
    project: Path, pushed: dict[str, str], tmp_path: Path
) -> None:
    result = run_lib(
        project, pushed["repository"], f'ensure_image "$(image_of api)" {TAG} {ABSENT}', tmp_path
    )
    assert result.returncode != 0
    assert f"cannot pull {pushed['repository']}@{ABSENT}" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (f"db={ABSENT}", "'db=sha256:"),
        ("api=sha256:abc", "the digest of api, 'sha256:abc'"),
        (f"api={ABSENT.upper()}", "is not sha256:<64 hex digits>"),
        ("api", "'api' is not SERVICE=sha256"),
    ],
)
def test_malformed_digests_are_refused_by_name(
    project: Path, pushed: dict[str, str], tmp_path: Path, argument: str, message: str
) -> None:
    result = run_lib(project, pushed["repository"], f"parse_digests '{argument}'", tmp_path)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def test_the_release_log_keeps_the_digest_for_a_rollback(
    project: Path, pushed: dict[str, str], tmp_path: Path
) -> None:
    repository, digest = pushed["repository"], pushed["first_digest"]
    result = run_lib(
        project,
        repository,
        f'ensure_image "$(image_of api)" {TAG} {digest}; record deploy {TAG} ok; '
        "record deploy other failed 'it broke'; logged_digests " + TAG,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in (tmp_path / "releases.log").read_text().splitlines()]
    assert lines[0][1:] == ["deploy", TAG, "ok", "", f"api={digest}"]
    # The web image was never pulled here: a release log line without its digest.
    assert lines[1][1:] == ["deploy", "other", "failed", "it broke", ""]
    assert result.stdout.splitlines()[-1] == f"api={digest}"


def test_a_redeploy_without_digests_uses_the_ones_the_release_log_kept(
    project: Path, tmp_path: Path
) -> None:
    """scripts/deploy TAG of a tag that went live before pulls by the logged digest. The engine
    is out of reach (DOCKER_HOST points nowhere), so the script stops at the pull it chose."""
    digest = "sha256:" + "cd" * 32
    subprocess.run(["bash", "scripts/init-env"], cwd=project, check=True, capture_output=True)
    state = project / ".deploy" / "production"
    state.mkdir(parents=True, exist_ok=True)
    (state / "releases.log").write_text(
        f"2026-01-01T00:00:00Z\tdeploy\t{TAG}\tok\t\tapi={digest}\n"
    )
    result = subprocess.run(
        ["bash", "scripts/deploy", TAG],
        cwd=project,
        env={**os.environ, "ENVIRONMENT": "production", "DOCKER_HOST": f"unix://{tmp_path}/none"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    api_image = (project / "env" / "production.env").read_text().split("API_IMAGE=", 1)[1]
    assert result.returncode == 1, result
    assert f"cannot pull {api_image.splitlines()[0]}@{digest}" in result.stderr, result
