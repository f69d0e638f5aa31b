"""Secrets from files, as on the server: compose mounts each secret at /run/secrets/NAME and
the API gets NAME_FILE instead of NAME, so `docker inspect` shows no secret. The API reads
every secret from its file and serves; NAME with NAME_FILE, a missing file and an empty one
stop it with exit code 1 and a message naming the variable (and the path).

Once per stack, on the every-feature answer set: the reading is one helper per stack, the
same code for every answer set, and that set has every secret (JWT_ACCESS_SECRET too).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
import pytest

from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess

BOOT_TIMEOUT = 60.0
_instances = itertools.count()


def skip_unless_every_feature(runtime_case: RuntimeCase) -> None:
    if runtime_case.answer_set != "all-features":
        pytest.skip(f"{runtime_case.id}: same helper as on all-features, which has every secret")


def secrets_of(process: ApiProcess) -> list[str]:
    return [n for n in ("DATABASE_URL", "REDIS_URL", "JWT_ACCESS_SECRET") if n in process.settings]


def from_files(running_api: ApiProcess, folder: Path) -> ApiProcess:
    """An instance of the project's API with every secret given as NAME_FILE, not NAME."""
    process = ApiProcess.for_project(running_api.project, name=f"secret-files-{next(_instances)}")
    folder.mkdir(mode=0o700)
    for name in secrets_of(process):
        path = folder / name.lower()
        # As scripts/server-compose writes them: no line end.
        path.write_text(process.settings.pop(name))
        process.settings[f"{name}_FILE"] = str(path)
    return process


def test_api_reads_every_secret_from_its_file(
    running_api: ApiProcess, runtime_case: RuntimeCase, tmp_path: Path
) -> None:
    skip_unless_every_feature(runtime_case)
    process = from_files(running_api, tmp_path / "secrets")
    given = set(process.settings)
    assert {"DATABASE_URL_FILE", "REDIS_URL_FILE", "JWT_ACCESS_SECRET_FILE"} <= given
    process.start()
    try:
        # Ready means it reached PostgreSQL and Redis with the URLs from the files; it booted
        # at all only with a JWT_ACCESS_SECRET (required, 32 characters at least).
        ready = httpx.get(f"{process.base_url}/health/ready", timeout=10)
        assert ready.status_code == 200, ready.text
    finally:
        process.stop()


def broken_file_case(name: str, process: ApiProcess) -> str:
    """Break DATABASE_URL's file the way `name` says; the text stderr must then contain."""
    path = Path(process.settings["DATABASE_URL_FILE"])
    if name == "both-set":
        process.settings["DATABASE_URL"] = path.read_text()
        return "DATABASE_URL_FILE"
    if name == "missing":
        path.unlink()
    else:
        path.write_text("")
    return str(path)


@pytest.mark.parametrize("case", ["both-set", "missing", "empty"])
def test_unusable_secret_file_stops_the_process(
    running_api: ApiProcess, runtime_case: RuntimeCase, tmp_path: Path, case: str
) -> None:
    skip_unless_every_feature(runtime_case)
    process = from_files(running_api, tmp_path / "secrets")
    expected = broken_file_case(case, process)
    stderr = process.refused_to_start(f"DATABASE_URL_FILE {case}", BOOT_TIMEOUT)
    assert "DATABASE_URL_FILE" in stderr, f"stderr does not name the variable\n{stderr}"
    assert expected in stderr, f"stderr does not say {expected!r}\n{stderr}"
