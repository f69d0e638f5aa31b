"""Only reviewed code deploys: the deploy key's forced command, scripts/deploy-gate, over a
real sshd and a real git remote (tests/deploy/gate_server.py).

The remote holds main (commits A, B), the release tag v1.0.0 on A, and a branch whose
scripts/deploy would write a canary file. Staging and production each have a checkout
cloned from it and a deploy key authorized as the project's cloud-init does. What the gate
lets through reaches the checked-out commit's own scripts/deploy or scripts/rollback, which
stop at their first docker step (this server has no engine) with their own message.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.gate_server import GateServer
from tests.paths import VENV_BIN
from tests.render.test_answers_and_secrets import env_values
from tests.rendering import render
from tests.report import record
from tests.template_repo import git

ENVIRONMENTS = ("staging", "production")


@dataclass(frozen=True)
class Remote:
    server: GateServer
    first: str  # A: on main, tagged v1.0.0
    head: str  # B: on main, untagged
    branch: str  # F: on a branch, its scripts/deploy writes the canary
    later: str  # L: on a branch pushed after the servers cloned
    canary: Path
    api_image: str

    def age_key(self, environment: str) -> str:
        key_file = self.server.project / f"env/{environment}.agekey"
        (line,) = [x for x in key_file.read_text().splitlines() if x.startswith("AGE-SECRET")]
        return line + "\n"


def commit_with_canary(project: Path, branch: str, canary: Path) -> str:
    """A commit on a new branch off main whose scripts/deploy writes `canary` first thing."""
    git(project, "checkout", "--quiet", "-b", branch, "main")
    deploy = project / "scripts/deploy"
    lines = deploy.read_text().splitlines(keepends=True)
    deploy.write_text("".join([lines[0], f"echo ran >{canary}\n", *lines[1:]]))
    git(project, "commit", "--quiet", "--all", "--message", f"{branch}: not reviewed")
    commit = git(project, "rev-parse", "HEAD").strip()
    git(project, "checkout", "--quiet", "main")
    return commit


@pytest.fixture(scope="module")
def remote(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    folder = tmp_path_factory.mktemp("gate")
    project = render(template_repo, folder / "project", {"project_name": "Gate Check"})
    environ = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    for environment in ENVIRONMENTS:
        for action in ("init", "encrypt"):
            subprocess.run(
                ["bash", "scripts/secrets", action, environment],
                cwd=project,
                env=environ,
                check=True,
                capture_output=True,
            )
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "A")
    git(project, "tag", "--annotate", "v1.0.0", "--message", "release 1.0.0")
    first = git(project, "rev-parse", "HEAD").strip()
    git(project, "commit", "--quiet", "--allow-empty", "--message", "B")
    head = git(project, "rev-parse", "HEAD").strip()
    canary = folder / "canary"
    branch = commit_with_canary(project, "feature", canary)

    server = GateServer(project, folder)
    git(project, "push", "--quiet", str(server.origin), "main", "feature", "v1.0.0")
    for environment in ENVIRONMENTS:
        server.clone(environment)
    server.clone("production", "--accept=main")
    later = commit_with_canary(project, "later", canary)
    git(project, "push", "--quiet", str(server.origin), "later")

    api_image = env_values(project / "env/staging.env.example")["API_IMAGE"]
    server.sshd.start()
    try:
        yield Remote(server, first, head, branch, later, canary, api_image)
    finally:
        server.sshd.stop()


def refused(result: subprocess.CompletedProcess[str], *reasons: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "error: refused" in result.stderr, output
    for reason in reasons:
        assert reason in result.stderr, output
    # Nothing ran: neither scripts/deploy nor scripts/rollback said a word.
    assert "deploying" not in result.stdout, output
    assert "rolling back" not in result.stdout, output


def reached_deploy(remote: Remote, result: subprocess.CompletedProcess[str], tag: str) -> None:
    """scripts/deploy (or rollback) ran with TAG and got as far as the image."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"cannot pull {remote.api_image}:{tag}" in result.stderr, output


# Requests the forced command refuses, whatever follows on stdin; each would run under a
# plain `restrict` key. CANARY stands for the canary file's path.
NOT_A_REQUEST = {
    "a shell reading a script": ("bash -s", "'bash'"),
    "another program": ("ls -la", "not 'ls'"),
    "an interactive session": (None, "an interactive session"),
    "spaces only": ("   ", "an empty command"),
    "a second command after ;": ("deploy v1.0.0 1.0.0; touch CANARY", "only letters, digits"),
    "a command substitution": ("deploy $(touch CANARY) 1.0.0", "only letters, digits"),
    "a pipe": ("rollback | sh", "only letters, digits"),
    "an unknown verb": ("redeploy v1.0.0 1.0.0", "not 'redeploy'"),
    "a branch name as REF": ("deploy main 1.0.0", "REF 'main'"),
    "a short SHA": ("deploy abc1234 abc1234", "REF 'abc1234'"),
    "a tag outside v*": ("deploy release-1 1.0.0", "REF 'release-1'"),
    "a moving image tag": ("deploy v1.0.0 latest", "TAG 'latest'"),
    "deploy without TAG": ("deploy v1.0.0", "deploy takes REF, TAG and at most"),
    "a malformed digest": ("deploy v1.0.0 1.0.0 api=sha256:abc", "'api=sha256:abc': give"),
    "more digests than images": (
        "deploy v1.0.0 1.0.0" + f" api=sha256:{'a' * 64}" * 3,
        "at most one SERVICE=sha256:DIGEST per image",
    ),
    "rollback with two tags": ("rollback 1.0.0 0.9.0", "at most one TAG"),
    "a malformed rollback TAG": ("rollback 1.0", "TAG '1.0'"),
}


@pytest.mark.parametrize("case", NOT_A_REQUEST)
def test_the_forced_command_refuses_anything_but_deploy_and_rollback(
    remote: Remote, case: str
) -> None:
    request, reason = NOT_A_REQUEST[case]
    if request:
        request = request.replace("CANARY", str(remote.canary))
    before = remote.server.head("staging")
    result = remote.server.ssh("staging", request, stdin=f"touch {remote.canary}\n")
    refused(result, reason)
    assert not remote.canary.exists(), "the refused request ran a command"
    assert remote.server.head("staging") == before
    record(f"deploy gate: refused {case}: {request!r}, nothing ran")


def test_a_branch_commit_is_refused_and_its_deploy_script_never_runs(remote: Remote) -> None:
    # The clone the admin made holds the branch's commit: only reachability decides.
    assert remote.server.has_object("staging", remote.branch)
    before = remote.server.head("staging")
    result = remote.server.ssh(
        "staging", f"deploy {remote.branch} {remote.branch}", remote.age_key("staging")
    )
    refused(result, f"REF {remote.branch}: not a commit of origin's main nor tagged v*")
    assert not remote.canary.exists(), "the branch's scripts/deploy ran"
    assert remote.server.head("staging") == before
    record("deploy gate: a branch commit the clone holds is refused, its scripts/deploy never ran")


def test_the_gate_fetches_main_and_release_tags_only(remote: Remote) -> None:
    result = remote.server.ssh(
        "staging", f"deploy {remote.later} {remote.later}", remote.age_key("staging")
    )
    refused(result, f"REF {remote.later}: not a commit of origin's main nor tagged v*")
    assert not remote.server.has_object("staging", remote.later), "a branch was fetched"
    assert not remote.canary.exists()
    record("deploy gate: a branch pushed later is refused and never fetched")


def test_staging_deploys_a_commit_of_main_through_its_scripts_deploy(remote: Remote) -> None:
    checkout = remote.server.checkouts["staging"]
    (checkout / "env/staging.env").unlink(missing_ok=True)
    commit = remote.head
    result = remote.server.ssh("staging", f"deploy {commit} {commit}", remote.age_key("staging"))
    assert f"deploying {commit} ({commit}, {commit[:12]}) to staging" in result.stdout, result
    reached_deploy(remote, result, commit)
    assert remote.server.head("staging") == commit
    # That commit's scripts/deploy decrypted the env file with the key sent on stdin and
    # took staging's lock before it went for the image.
    decrypted = env_values(checkout / "env/staging.env")
    assert decrypted == env_values(remote.server.project / "env/staging.env")
    assert (checkout / ".deploy/staging/lock").exists()


def test_the_image_tag_must_be_one_the_commit_is_built_as(remote: Remote) -> None:
    result = remote.server.ssh("staging", f"deploy v1.0.0 {remote.head}", remote.age_key("staging"))
    refused(result, f"TAG {remote.head}: v1.0.0 is built as {remote.first}")


def test_production_refuses_a_commit_of_main_without_a_release_tag(remote: Remote) -> None:
    before = remote.server.head("production")
    result = remote.server.ssh(
        "production", f"deploy {remote.head} {remote.head}", remote.age_key("production")
    )
    refused(result, "production deploys release tags (v*) only")
    assert remote.server.head("production") == before


def test_production_deploys_a_release_tag(remote: Remote) -> None:
    result = remote.server.ssh("production", "deploy v1.0.0 1.0.0", remote.age_key("production"))
    assert "deploying 1.0.0 (v1.0.0, " in result.stdout, result
    reached_deploy(remote, result, "1.0.0")
    assert remote.server.head("production") == remote.first
    record("deploy gate: production deploys v1.0.0 through scripts/deploy, refuses untagged main")


def test_digests_reach_scripts_deploy_which_pulls_by_them(remote: Remote) -> None:
    digest = "sha256:" + "ab" * 32
    result = remote.server.ssh(
        "production", f"deploy v1.0.0 1.0.0 api={digest}", remote.age_key("production")
    )
    assert "deploying 1.0.0 (v1.0.0, " in result.stdout, result
    assert result.returncode == 1, result
    assert f"cannot pull {remote.api_image}@{digest}" in result.stderr, result


def test_production_deploys_main_where_the_forced_command_accepts_it(remote: Remote) -> None:
    commit = remote.head
    result = remote.server.ssh(
        "production-accept-main", f"deploy {commit} {commit}", remote.age_key("production")
    )
    reached_deploy(remote, result, commit)
    assert remote.server.head("production-accept-main") == commit


def test_rollback_goes_through_the_gate_to_a_release_that_went_live(remote: Remote) -> None:
    state = remote.server.checkouts["staging"] / ".deploy/staging"
    state.mkdir(parents=True, exist_ok=True)
    (state / "releases.log").write_text(
        f"2026-01-01T00:00:00Z\tdeploy\t1.0.0\tok\t\n2026-01-02T00:00:00Z\tdeploy\t{remote.head}\tok\t\n"
    )
    (state / "current").write_text(f"{remote.head}\n")
    key = remote.age_key("staging")

    never_live = remote.server.ssh("staging", "rollback 0.9.0", key)
    refused(never_live, "TAG 0.9.0: it never went live on staging")

    for request in ("rollback", "rollback 1.0.0"):
        result = remote.server.ssh("staging", request, key)
        assert "rolling back staging" in result.stdout, result
        # scripts/rollback chose (or was given) 1.0.0, the release before the current one.
        reached_deploy(remote, result, "1.0.0")


def test_a_line_on_stdin_that_is_no_age_key_is_refused(remote: Remote) -> None:
    result = remote.server.ssh("staging", "rollback", stdin="export SOPS_AGE_KEY=x\n")
    refused(result, "standard input: its first line must be an age key")
