"""The deploy workflow's source map upload, run: the command of the web Dockerfile's
`upload-source-maps` stage (`sentry sourcemap upload`, the Sentry CLI of the web's locked
dev dependencies), on the folder the image's build stage makes (.next/static under
_next/), against a stand-in of Sentry's upload API (tests/harness/sentry_upload_receiver.py).

It runs on the front end the runtime layer has built (`make build`: the same build script
as the image's, debug ids injected), not in Docker: building the stage would build the
front end once more. What the Docker build adds is not run here: the token as a build
secret and the stage's ARGs (the lint layer checks the Dockerfile and the workflow).
One stack's project: apps/web is the same files for both."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import httpx

from tests.harness.commands import run, toolchain_env
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
    dockerfile = (project.path / "apps/web/Dockerfile").read_text()
    stage = dockerfile.split(" AS upload-source-maps\n", 1)[1].split("\nFROM ", 1)[0]
    line = re.search(r"^\s*(pnpm exec sentry sourcemap upload .*)$", stage, re.MULTILINE)
    assert line, f"no upload command in the upload-source-maps stage:\n{stage}"
    command = shlex.split(line.group(1))
    # The stage's ARG VERSION and the folder the build stage fills.
    assert command[-3:] == ["--release", "${VERSION}", "/source-maps"], command
    return [*command[:-2], release, str(folder)]


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
    with SentryUploadReceiver(ORGANIZATION, TOKEN) as sentry:
        upload = run(
            upload_command(sentry_web_project, RELEASE, folder),
            cwd=sentry_web_project.path / "apps/web",
            env=toolchain_env(
                {
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
