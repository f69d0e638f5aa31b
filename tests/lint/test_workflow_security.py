"""zizmor, the GitHub Actions security linter, over every rendered workflow: no finding at all.

It runs with --offline (no GitHub API here), so the audits that need the network (a pinned
SHA that is not on the tag its comment names, known-vulnerable action versions) are left to
Dependabot, which keeps each `uses: owner/repo@<sha> # vX.Y.Z` current. Default persona: every
finding it reports, at every severity and confidence, fails the test. The stricter personas'
extra findings are listed in docs/testing.md with the reason each is not fixed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import RenderedProject
from tests.lint.collect import distinct_files, is_workflow
from tests.lint.tools import tool
from tests.report import record

PINNED_CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2"
KEEP_NO_TOKEN = (
    "        with:\n"
    "          # Nothing here pushes: no token is left in .git/config for later steps.\n"
    "          persist-credentials: false\n"
)


def zizmor(*paths: Path) -> list[dict[str, Any]]:
    """zizmor's findings over these workflow files (its JSON output), [] when clean."""
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--format=json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # Exit 0: no finding; 10-14: findings, by their highest severity; anything else: it broke.
    assert result.returncode == 0 or 10 <= result.returncode <= 14, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    assert bool(findings) == (result.returncode != 0), result.stdout
    return findings


def describe(finding: dict[str, Any]) -> str:
    location = finding["locations"][0]
    where = next(iter(location["symbolic"]["key"].values())).get("verbatim_path", "?")
    line = location["concrete"]["location"]["start_point"]["row"] + 1
    level = finding["determinations"]
    return f"{where}:{line}: {finding['ident']} ({level['severity']}, {level['confidence']})"


def test_zizmor_finds_nothing_in_any_rendered_workflow(
    rendered_matrix: list[RenderedProject],
) -> None:
    files = distinct_files(rendered_matrix, is_workflow)
    assert files, "no workflow is rendered by any combination"
    findings = zizmor(*(entry.path for entry in files))
    rendered = sum(len(entry.labels) for entry in files)
    record(
        f"lint: zizmor --offline on {len(files)} distinct workflow(s) of {rendered} rendered:"
        f" {len(findings)} finding(s)"
    )
    assert not findings, "\n".join(map(describe, findings))


# Each edit breaks one rule a generated workflow keeps; zizmor must name it.
BREAKAGES: dict[str, tuple[Callable[[str], str], str]] = {
    "unpinned action": (
        lambda ci: ci.replace(PINNED_CHECKOUT, "actions/checkout@v6.0.2"),
        "unpinned-uses",
    ),
    "token left in .git/config": (
        lambda ci: ci.replace(f"{PINNED_CHECKOUT}\n{KEEP_NO_TOKEN}", f"{PINNED_CHECKOUT}\n"),
        "artipacked",
    ),
    "pull request title in a shell": (
        lambda ci: ci.replace(
            "      - name: Install\n",
            '      - name: Greet\n        run: echo "${{ github.event.pull_request.title }}"\n'
            "      - name: Install\n",
        ),
        "template-injection",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_zizmor_refuses_a_broken_workflow(
    rendered_matrix: list[RenderedProject], tmp_path: Path, breakage: str
) -> None:
    edit, ident = BREAKAGES[breakage]
    original = (rendered_matrix[0].path / ".github" / "workflows" / "ci.yml").read_text()
    broken = edit(original)
    assert broken != original, f"the edit for {breakage!r} changed nothing"
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(broken)
    assert ident in {finding["ident"] for finding in zizmor(workflow)}


# What zizmor does not know: what this template's workflows must do with their images and
# dependencies, and which job may hold which write scope. Checked on the parsed YAML, since
# Trivy's database, the advisory databases, GHCR and Sigstore are out of reach here.
TRIVY = "aquasecurity/trivy-action@"
BUILD_PUSH = "docker/build-push-action@"
ATTEST = "actions/attest-build-provenance@"
# (workflow, job): the write scopes it holds, and why. Every other job reads at most.
WRITES = {
    ("deploy.yml", "build"): {"packages", "id-token", "attestations"},  # push, sign, store
    ("template-update.yml", "update"): {"contents", "pull-requests"},  # push a branch, open a PR
}


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if str(step.get("uses", "")).startswith(action)]


def write_scopes(permissions: Any) -> set[str]:
    if permissions in ("write-all", "read-all"):
        return {"*"} if permissions == "write-all" else set()
    return {scope for scope, level in (permissions or {}).items() if level == "write"}


# The one request a deploy job sends: the server's forced command (scripts/deploy-gate)
# accepts nothing else, and the age key is the only line on ssh's stdin.
GATE_REQUEST = '"$DEPLOY_USER@$DEPLOY_HOST" "deploy $ref $TAG${digests[*]:+ ${digests[*]}}"'
AGE_KEY_ON_STDIN = "printf '%s\\n' \"$age_key\" | ssh "


def deploy_job_problems(workflow: dict[str, Any]) -> list[str]:
    """What a deploy job does beyond asking the server's gate for `deploy REF TAG`."""
    problems = []
    jobs = {job_id: job for job_id, job in workflow["jobs"].items() if job_id.startswith("deploy-")}
    if not jobs:
        problems.append("deploy.yml: no deploy job")
    for job_id, job in jobs.items():
        if job.get("permissions") != {}:
            problems.append(f"deploy.yml: {job_id} holds a token ({job.get('permissions')})")
        script = "\n".join(str(step.get("run", "")) for step in job["steps"])
        if "bash -s" in script or "${{" in script:
            problems.append(f"deploy.yml: {job_id} sends a script or expands ${{{{ }}}} in run:")
        if GATE_REQUEST not in script or AGE_KEY_ON_STDIN not in script:
            problems.append(f"deploy.yml: {job_id} does not send only 'deploy REF TAG'")
    return problems


def digest_problems(workflow: dict[str, Any], image: str, digest: str) -> list[str]:
    """Whether every deploy job hands the server the digest the build pushed `image` as
    (servers pull by it: a tag moved since cannot change what runs)."""
    output = f"{image}_digest"
    if workflow["jobs"]["build"].get("outputs", {}).get(output) != digest:
        return [f"deploy.yml: the build job has no output {output} = {digest}"]
    wanted = f"${{{{ needs.build.outputs.{output} }}}}"
    return [
        f"deploy.yml: {job_id} does not pass the {image} image's digest"
        for job_id, job in workflow["jobs"].items()
        if job_id.startswith("deploy-")
        and not any(
            step.get("env", {}).get(f"{image.upper()}_DIGEST") == wanted for step in job["steps"]
        )
    ]


def supply_chain_problems(
    workflows: dict[str, dict[str, Any]], audit_commands: list[str]
) -> list[str]:
    """What the generated CI and deploy workflows miss of the scan, audit, SBOM, attestation
    and least-privilege rules; [] when they keep all of them."""
    problems = []
    ci_jobs = workflows["ci.yml"]["jobs"]
    audit_job = ci_jobs.get("audit", {})
    audits = " ".join(str(step.get("run", "")) for step in audit_job.get("steps", []))
    for command in audit_commands:
        if command not in audits:
            problems.append(f"ci.yml: no audit job runs {command}")
    image_steps = ci_jobs["image"]["steps"]
    for build in steps_using(ci_jobs["image"], BUILD_PUSH):
        tag = build["with"].get("tags")
        scans = [
            step
            for step in image_steps[image_steps.index(build) :]
            if str(step.get("uses", "")).startswith(TRIVY) and step["with"].get("image-ref") == tag
        ]
        wanted = {"severity": "CRITICAL", "ignore-unfixed": True, "exit-code": "1"}
        if not build["with"].get("load") or not scans:
            problems.append(f"ci.yml: image {tag} is not loaded and scanned by Trivy")
        elif any(scans[0]["with"].get(key) != value for key, value in wanted.items()):
            problems.append(f"ci.yml: the scan of {tag} does not fail on fixable CRITICAL")
    build_job = workflows["deploy.yml"]["jobs"]["build"]
    attested = {str(step["with"].get("subject-digest")) for step in steps_using(build_job, ATTEST)}
    for build in steps_using(build_job, BUILD_PUSH):
        options = build["with"]
        if options.get("sbom") is not True or options.get("provenance") != "mode=max":
            problems.append(f"deploy.yml: {build['name']} pushes no SBOM and full provenance")
        digest = f"${{{{ steps.{build.get('id')}.outputs.digest }}}}"
        if digest not in attested:
            problems.append(f"deploy.yml: {build['name']}: no provenance attestation")
        problems.extend(digest_problems(workflows["deploy.yml"], str(build.get("id")), digest))
    problems.extend(deploy_job_problems(workflows["deploy.yml"]))
    for name, workflow in workflows.items():
        if write_scopes(workflow.get("permissions")) or "permissions" not in workflow:
            problems.append(f"{name}: the workflow's default token is not read-only")
        for job_id, job in workflow["jobs"].items():
            held = write_scopes(job.get("permissions", workflow.get("permissions")))
            allowed = WRITES.get((name, job_id), set())
            if held - allowed:
                problems.append(f"{name}: job {job_id} holds {sorted(held - allowed)}")
            elif held != allowed:
                problems.append(f"{name}: job {job_id} lacks {sorted(allowed - held)}")
    return problems


def audit_commands(answers: dict[str, Any]) -> list[str]:
    """The dependency audits a project's CI must run, by its answers."""
    commands = ["pnpm audit --audit-level critical"] if answers["api_stack"] == "nestjs" else []
    if answers["api_stack"] == "fastapi":
        commands.append("pip-audit --strict --disable-pip --require-hashes")
    if answers.get("web_frontend") == "nextjs" and not commands[0].startswith("pnpm"):
        commands.append("pnpm audit --audit-level critical")
    return commands


def rendered_workflows(project: Path) -> dict[str, dict[str, Any]]:
    folder = project / ".github" / "workflows"
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yml"))}


def test_workflows_scan_audit_attest_with_least_privilege(
    rendered_matrix: list[RenderedProject],
) -> None:
    for project in rendered_matrix:
        dependabot = yaml.safe_load((project.path / ".github" / "dependabot.yml").read_text())
        ecosystems = {update["package-ecosystem"] for update in dependabot["updates"]}
        # What keeps every `@<sha> # vX.Y.Z` pin current.
        assert "github-actions" in ecosystems, f"{project.id}: Dependabot skips the actions"
    failures = {
        project.id: problems
        for project in rendered_matrix
        if (
            problems := supply_chain_problems(
                rendered_workflows(project.path), audit_commands(project.answers)
            )
        )
    }
    record(
        f"lint: audit, Trivy scan, SBOM, attestation and per-job token scopes checked in"
        f" {len(rendered_matrix)} projects' workflows"
    )
    assert not failures, "\n".join(f"{key}: {value}" for key, value in failures.items())


def without_attestation(workflows: dict[str, Any]) -> None:
    build = workflows["deploy.yml"]["jobs"]["build"]
    build["steps"] = [step for step in build["steps"] if step not in steps_using(build, ATTEST)]


def write_token_in_ci(workflows: dict[str, Any]) -> None:
    workflows["ci.yml"]["jobs"]["image"]["permissions"] = {"contents": "read", "id-token": "write"}


def scan_without_failing(workflows: dict[str, Any]) -> None:
    for step in steps_using(workflows["ci.yml"]["jobs"]["image"], TRIVY):
        del step["with"]["exit-code"]


def no_audit(workflows: dict[str, Any]) -> None:
    del workflows["ci.yml"]["jobs"]["audit"]


def no_sbom(workflows: dict[str, Any]) -> None:
    for step in steps_using(workflows["deploy.yml"]["jobs"]["build"], BUILD_PUSH):
        del step["with"]["sbom"]


def shell_on_the_server(workflows: dict[str, Any]) -> None:
    for job_id, job in workflows["deploy.yml"]["jobs"].items():
        if job_id.startswith("deploy-"):
            for step in job["steps"]:
                step["run"] = step["run"].replace(GATE_REQUEST.split(" ", 1)[1], "'bash -s'")


def deploy_by_tag_only(workflows: dict[str, Any]) -> None:
    for job_id, job in workflows["deploy.yml"]["jobs"].items():
        if job_id.startswith("deploy-"):
            for step in job["steps"]:
                step.get("env", {}).pop("API_DIGEST", None)


def token_in_a_deploy_job(workflows: dict[str, Any]) -> None:
    for job_id, job in workflows["deploy.yml"]["jobs"].items():
        if job_id.startswith("deploy-"):
            job["permissions"] = {"contents": "read"}


@pytest.mark.parametrize(
    ("breakage", "named"),
    [
        (shell_on_the_server, "sends a script"),
        (token_in_a_deploy_job, "holds a token"),
        (deploy_by_tag_only, "does not pass the api image's digest"),
        (without_attestation, "no provenance attestation"),
        (write_token_in_ci, "job image holds ['id-token']"),
        (scan_without_failing, "does not fail on fixable CRITICAL"),
        (no_audit, "no audit job"),
        (no_sbom, "no SBOM"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_the_supply_chain_check_refuses_a_broken_workflow(
    rendered_matrix: list[RenderedProject], breakage: Callable[[dict[str, Any]], None], named: str
) -> None:
    project = rendered_matrix[0]
    workflows = rendered_workflows(project.path)
    commands = audit_commands(project.answers)
    assert not supply_chain_problems(workflows, commands)
    breakage(workflows)
    assert any(named in problem for problem in supply_chain_problems(workflows, commands))
