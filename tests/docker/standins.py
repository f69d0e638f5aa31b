"""Local stand-ins for the third-party images a generated project uses (pulls fail here).

Each stand-in is built on one Debian bookworm root fs (debootstrap --variant=minbase, imported
with `docker import`) and tagged exactly with the name the project's compose file or
Dockerfile ARG uses, so the project runs unchanged. The root fs tarball is cached under
.cache/docker/; Docker's build cache makes every later build of a stand-in a no-op.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from tests.docker.engine import build, docker, image_exists, run, timed
from tests.paths import ROOT

CACHE = ROOT / ".cache" / "docker"
STANDINS = Path(__file__).parent / "standins"
ROOTFS_IMAGE = "shipshape-standin/bookworm-rootfs:minbase"
BASE_IMAGE = "shipshape-standin/bookworm:base"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEBIAN_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
# npm as the official Node.js 24 image ships it.
NPM_SPEC = "npm@11"
TRAEFIK_BINARY = ROOT / ".venv" / "bin" / "traefik"
# Debian's restic (bootstrap installs it): the official image holds one static binary too.
RESTIC_BINARY = Path("/usr/bin/restic")
# CPython builds on this machine, newest patch release last within each minor version: the
# relocatable python-build-standalone ones uv manages, then pyenv's (built on this bookworm).
PYTHON_BUILDS = (
    (Path.home() / ".local" / "share" / "uv" / "python", "cpython-{minor}.*-linux-x86_64-gnu"),
    (Path.home() / ".pyenv" / "versions", "{minor}.*"),
)
# What the official slim image does not carry either (tests, the static library, bytecode),
# plus what needs libraries it lacks (Tk) and a site-packages that belongs to the host.
PYTHON_TREE_LEFT_OUT = (
    "test", "idle_test", "tests", "__pycache__", "site-packages", "libpython*.a",
    "_tkinter*.so", "tkinter", "idlelib", "turtledemo", "pkgconfig",
)  # fmt: skip


def debian_mirror() -> str:
    """The machine's own Debian mirror (the first non-security URIs entry)."""
    for match in re.finditer(r"^URIs:\s*(\S+)", DEBIAN_SOURCES.read_text(), re.MULTILINE):
        if "security" not in match.group(1):
            return match.group(1)
    return "http://deb.debian.org/debian"


def rootfs_tarball(suite: str = "bookworm", include: tuple[str, ...] = ()) -> Path:
    """A minimal Debian root fs (with `include`d packages) as a tarball, made once and cached.

    The stand-ins start from bare bookworm; the fresh-machine layer from a suite with only
    the few packages a new user's machine is assumed to have.
    """
    name = "-".join([suite, "minbase", *include])
    tarball = CACHE / f"{name}.tar"
    if tarball.exists():
        return tarball
    CACHE.mkdir(parents=True, exist_ok=True)
    command = ["debootstrap", "--variant=minbase"]
    if include:
        command.append(f"--include={','.join(include)}")
    with timed(f"debootstrap of {name}"), tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        rootfs = Path(scratch) / "rootfs"
        run([*command, suite, str(rootfs), debian_mirror()])
        # Package lists and downloaded .debs are build leftovers, as in debian:bookworm-slim.
        for leftovers in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in (rootfs / leftovers).glob("*"):
                if path.is_file():
                    path.unlink()
        partial = tarball.with_suffix(".partial")
        run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."])
        partial.rename(tarball)
    return tarball


def base_image() -> str:
    """The imported root fs with this machine's CA bundle: every stand-in starts here."""
    if not image_exists(ROOTFS_IMAGE):
        tarball = rootfs_tarball()
        with timed("docker import of the root fs"):
            docker("import", str(tarball), ROOTFS_IMAGE)
    context = staged_context("base")
    shutil.copy(CA_BUNDLE, context / "ca-certificates.crt")
    build(context, BASE_IMAGE, build_args={"ROOTFS_IMAGE": ROOTFS_IMAGE})
    return BASE_IMAGE


def staged_context(kind: str) -> Path:
    """A fresh build context under .cache/docker/ holding the stand-in's files."""
    context = CACHE / "context" / kind
    shutil.rmtree(context, ignore_errors=True)
    shutil.copytree(STANDINS / kind, context)
    return context


def standin_kind(image: str) -> str:
    """Which stand-in an image name needs: the last path part of its repository."""
    repository = image.rsplit(":", 1)[0].rsplit("/", 1)[-1]
    kinds = {
        "node": "node",
        "traefik": "traefik",
        "postgres": "postgres",
        "redis": "redis",
        "haproxy": "haproxy",
        "python": "python",
        "restic": "restic",
        # A swarm node: the docker:dind image (tests/deploy/nodes.py).
        "docker": "docker",
    }
    assert repository in kinds, f"no stand-in for the image {image}"
    return kinds[repository]


def node_binary(image: str) -> Path:
    """The node binary bootstrap installed from the npm package node@<major of the tag>."""
    major = re.match(r"node:(\d+)", image)
    assert major, f"cannot tell the Node.js major of {image}"
    binary = ROOT / ".cache" / f"node{major.group(1)}" / "node_modules" / "node" / "bin" / "node"
    assert binary.exists(), f"{binary} is missing: run scripts/bootstrap"
    return binary


def python_build(image: str) -> Path:
    """A CPython build on this machine with the X.Y of a python:X.Y-... tag."""
    minor = re.match(r"python:(\d+\.\d+)", image)
    assert minor, f"cannot tell the Python version of {image}"
    found = [
        home
        for directory, pattern in PYTHON_BUILDS
        for home in sorted(directory.glob(pattern.format(minor=minor.group(1))), key=version_key)
        if (home / "bin" / f"python{minor.group(1)}").is_file()
    ]
    assert found, f"no CPython {minor.group(1)} build on this machine for {image}"
    return found[-1]


def version_key(home: Path) -> tuple[int, ...]:
    """3.13.0 < 3.13.10 in a directory name such as cpython-3.13.10-linux-x86_64-gnu."""
    version = re.search(r"(\d+)\.(\d+)\.(\d+)", home.name)
    return tuple(int(part) for part in version.groups()) if version else (0,)


def stage_python(home: Path, context: Path) -> str:
    """Copy the interpreter, its shared library and standard library into the build context.

    Returns the build's X.Y.Z. Only the interpreter's own bin entries are taken: the scripts
    there (pip, pydoc, idle) name the host's path in their shebangs; ensurepip makes pip anew.
    """
    version = run(
        [str(home / "bin" / "python3"), "-c", "import platform; print(platform.python_version())"]
    )
    minor = ".".join(version.split(".")[:2])
    bin_dir = context / "python" / "bin"
    bin_dir.mkdir(parents=True)
    shutil.copy2(home / "bin" / f"python{minor}", bin_dir / f"python{minor}")
    (bin_dir / "python3").symlink_to(f"python{minor}")
    (bin_dir / "python").symlink_to("python3")
    ignore = shutil.ignore_patterns(*PYTHON_TREE_LEFT_OUT)
    shutil.copytree(home / "lib", context / "python" / "lib", symlinks=True, ignore=ignore)
    shutil.copytree(home / "include", context / "python" / "include", symlinks=True)
    return version.strip()


def npm_tarball() -> Path:
    cached = CACHE / "npm.tgz"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        packed = run(["npm", "pack", NPM_SPEC, "--silent", "--pack-destination", str(CACHE)])
        (CACHE / packed.strip().splitlines()[-1]).rename(cached)
    return cached


def build_standin(image: str) -> None:
    """Build the stand-in for `image` and tag it with exactly that name."""
    kind = standin_kind(image)
    base = base_image()
    context = staged_context(kind)
    if kind == "node":
        shutil.copy(node_binary(image), context / "node")
        shutil.copy(npm_tarball(), context / "npm.tgz")
    if kind == "traefik":
        shutil.copy(TRAEFIK_BINARY, context / "traefik")
    if kind == "restic":
        shutil.copy(RESTIC_BINARY, context / "restic")
    build_args = {"BASE": base}
    if kind == "python":
        build_args["PYTHON_VERSION"] = stage_python(python_build(image), context)
    with timed(f"stand-in {image}"):
        # Stand-ins that apt-get install their software need the host's network.
        build(context, image, build_args=build_args, network_host=True)
