"""The deploy workflow's source map upload, run: the command of the web Dockerfile's
`upload-source-maps` stage (`sentry sourcemap upload`, the Sentry CLI of the web's locked
dev dependencies), on the folder the image's build stage makes (.next/static under
_next/), against a stand-in of Sentry's upload API (tests/harness/sentry_upload_receiver.py).

It runs on the front end the runtime layer has built (`make build`: the same build script
as the image's, debug ids injected), not in Docker: building the stage would build the
front end once more; it runs with the environment the Dockerfile's stages set. What the
Docker build adds is not run here: the token as a build secret and the stage's ARGs (the
lint layer checks the Dockerfile and the workflow). Each Sentry CLI run, the upload and the
build's debug-id step, contacts nothing but the Sentry it is given (found: each contacted
Sentry's own servers with usage data and GitHub for a newer release, on every build).
One stack's project: apps/web is the same files for both."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import httpx
import pytest

from tests.harness.commands import run, toolchain_env
from tests.harness.node_connections import contacted, recording
from tests.harness.ports import free_ports
from tests.harness.project import GeneratedProject
from tests.harness.sentry_upload_receiver import SentryUploadReceiver
from tests.harness.web_process import WebProcess
from tests.report import record

ORGANIZATION = "acme"
PROJECT = "web"
TOKEN = "sntrys_source-map-upload-test"
RELEASE = "9.9.9-maps"
DEBUG_ID = re.compile(r"^//# debugId=([0-9a-f-]{36})$", re.MULTILINE)
SOURCE_MAP = re.compile(r"^//# sourceMappingURL=(\S+)$", re.MULTILINE)


def upload_command(project: GeneratedProject, release: str, folder: Path) -> list[str]:
    """The upload-source-maps stage's command, for `release` and the maps in `folder`."""
    stage = dockerfile_stage(project, "upload-source-maps")
    line = re.search(r"^\s*(pnpm exec sentry sourcemap upload .*)$", stage, re.MULTILINE)
    assert line, f"no upload command in the upload-source-maps stage:\n{stage}"
    command = shlex.split(line.group(1))
    # The stage's ARG VERSION and the folder the build stage fills.
    assert command[-3:] == ["--release", "${VERSION}", "/source-maps"], command
    return [*command[:-2], release, str(folder)]


def dockerfile_stage(project: GeneratedProject, name: str) -> str:
    dockerfile = (project.path / "apps/web/Dockerfile").read_text()
    return dockerfile.split(f" AS {name}\n", 1)[1].split("\nFROM ", 1)[0]


def build_stage_environment(project: GeneratedProject) -> dict[str, str]:
    """The variables the Dockerfile's build stage sets (ENV), which the upload stage, built
    FROM it, runs with too."""
    stage = dockerfile_stage(project, "build").replace("\\\n", " ")
    return dict(
        pair.split("=", 1)
        for line in stage.splitlines()
        if line.startswith("ENV ")
        for pair in shlex.split(line.removeprefix("ENV "))
    )


def makefile_exports(project: GeneratedProject) -> dict[str, str]:
    """The variables apps/web/Makefile exports to every command it runs (`make build`)."""
    makefile = (project.path / "apps/web/Makefile").read_text()
    return dict(re.findall(r"^export (\w+) := (.*)$", makefile, re.MULTILINE))


def source_maps_folder(project: GeneratedProject, folder: Path) -> Path:
    """What the image's build stage puts in /source-maps: .next/static under _next/."""
    shutil.copytree(project.path / "apps/web/.next/static", folder / "_next/static")
    return folder


def built_chunks_with_maps(folder: Path) -> dict[str, str]:
    """Each browser script of the build that names a source map: its URL path -> the map's."""
    chunks = {}
    for script in sorted(folder.rglob("*.js")):
        named = SOURCE_MAP.search(script.read_text())
        if named:
            path = "/" + str(script.relative_to(folder))
            chunks[path] = path.rsplit("/", 1)[0] + "/" + named.group(1)
    return chunks


def page_scripts(page: str) -> list[str]:
    """The scripts a page names that a browser with modules runs."""
    tags = re.findall(r"<script\b[^>]*>", page)
    return [
        source.group(1)
        for tag in tags
        if "nomodule" not in tag.lower() and (source := re.search(r'src="([^"]+)"', tag))
    ]


def test_the_upload_sends_the_maps_whose_debug_ids_the_served_scripts_carry(
    sentry_web_project: GeneratedProject, tmp_path: Path
) -> None:
    """For the release, one artifact bundle for the project, with a source map of every
    browser script that names one; each map carries the debug id that the script, as the
    running server serves it, carries too (how Sentry finds a stack frame's map); the server
    serves none of the maps."""
    folder = source_maps_folder(sentry_web_project, tmp_path / "source-maps")
    chunks = built_chunks_with_maps(folder)
    assert chunks, f"no built browser script names a source map under {folder}"
    connections = tmp_path / "connections.log"
    with SentryUploadReceiver(ORGANIZATION, TOKEN) as sentry:
        upload = run(
            upload_command(sentry_web_project, RELEASE, folder),
            cwd=sentry_web_project.path / "apps/web",
            env=toolchain_env(
                {
                    **build_stage_environment(sentry_web_project),
                    **recording(connections),
                    "SENTRY_URL": sentry.url,
                    "SENTRY_AUTH_TOKEN": TOKEN,
                    "SENTRY_ORG": ORGANIZATION,
                    "SENTRY_PROJECT": PROJECT,
                    # Its settings and caches, not the account's.
                    "SENTRY_CONFIG_DIR": str(tmp_path / "sentry-cli"),
                }
            ),
            timeout=120,
        )
    assert upload.ok, upload.tail()
    assert not sentry.errors, f"{sentry.errors}\n{sentry.requests}"
    sentry_host = httpx.URL(sentry.url).host
    recorded = contacted(connections)
    assert any(sentry_host in line for line in recorded), f"no connection recorded: {recorded}"
    elsewhere = {line for line in recorded if sentry_host not in line}
    assert not elsewhere, f"the upload contacted more than the Sentry it was given: {elsewhere}"
    assert len(sentry.bundles) == 1, sentry.requests
    bundle = sentry.bundles[0]
    assert (bundle.release, bundle.projects) == (RELEASE, [PROJECT])
    maps = bundle.entries("source_map")
    assert sorted(maps) == sorted(f"~{path}" for path in chunks.values()), sorted(maps)
    scripts = bundle.entries("minified_source")

    (port,) = free_ports(1)
    server = WebProcess.for_web_project(sentry_web_project, f"http://127.0.0.1:{port}", "web-maps")
    server.start()
    try:
        page = httpx.get(f"{server.origin}/", timeout=10).text
        mismatched = []
        for path, map_path in chunks.items():
            served = httpx.get(f"{server.origin}{path}", timeout=10)
            assert served.status_code == 200, path
            debug_ids = DEBUG_ID.findall(served.text)
            uploaded_map = maps[f"~{map_path}"]
            content = json.loads(bundle.files[uploaded_map["path"]])
            expected = [uploaded_map["headers"]["debug-id"]]
            if debug_ids != expected or content.get("debugId") != expected[0]:
                mismatched.append(f"{path}: served {debug_ids}, its map {expected}")
            assert scripts[f"~{path}"]["headers"]["debug-id"] == expected[0], path
            assert httpx.get(f"{server.origin}{map_path}", timeout=10).status_code == 404
    finally:
        server.stop()
    assert not mismatched, "\n".join(mismatched)
    # The scripts the page has a browser run are among them (the SDK's chunk comes later, on
    # demand). Not Next.js' polyfills for browsers without modules (`noModule`): prebuilt,
    # without a map.
    on_page = set(page_scripts(page))
    assert on_page, page[-2000:]
    assert on_page <= set(chunks), sorted(on_page - set(chunks))
    record(
        f"web source map upload {sentry_web_project.case.id}: `{' '.join(upload.args[:5])}` "
        f"sent {len(maps)} maps of release {RELEASE} in {len(sentry.chunks)} chunks "
        f"({len(sentry.requests)} requests); each served script's debug id is its map's; "
        "no map served"
    )


@pytest.mark.parametrize("runner", ["make", "image"])
def test_the_builds_debug_id_step_contacts_no_one(
    sentry_web_project: GeneratedProject, runner: str, tmp_path: Path
) -> None:
    """The Sentry CLI step of the web's build script (package.json), run as `make build` runs
    it and as the image's build stage does, on a copy of the build's scripts: offline work,
    so it looks up and connects to no host."""
    web = sentry_web_project.path / "apps/web"
    script = json.loads((web / "package.json").read_text())["scripts"]["build"]
    step = shlex.split(script.split(" && ", 1)[1])
    assert step[:3] == ["sentry", "sourcemap", "inject"], script
    scripts = tmp_path / "static"
    shutil.copytree(web / ".next/static", scripts)
    runner_environment = (
        makefile_exports(sentry_web_project)
        if runner == "make"
        else build_stage_environment(sentry_web_project)
    )
    connections = tmp_path / "connections.log"
    injected = run(
        ["pnpm", "exec", *step[:-1], str(scripts)],
        cwd=web,
        env=toolchain_env(
            {
                **runner_environment,
                **recording(connections),
                "SENTRY_CONFIG_DIR": str(tmp_path / "sentry-cli"),
            }
        ),
        timeout=120,
    )
    assert injected.ok, injected.tail()
    assert not contacted(connections), (
        f"`{' '.join(step)}` as {runner} runs it contacted {sorted(contacted(connections))}"
    )
    record(
        f"web build {sentry_web_project.case.id}: `{' '.join(step)}` as {runner} runs it "
        "contacted no host"
    )
