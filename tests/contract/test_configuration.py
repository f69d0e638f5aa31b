"""Configuration is validated at boot: a bad variable stops the process with exit code 1
and a message on stderr naming it. Checked on the same build, with one variable broken."""

from __future__ import annotations

import itertools

import pytest

from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess

BOOT_TIMEOUT = 60.0
_instances = itertools.count()

# An empty value stands for a missing one: `make start` runs in the project root, whose .env
# fills in any variable the environment does not set (the environment wins, even when empty).
BROKEN = [
    pytest.param("APP_ENV", {"APP_ENV": "moon"}, id="APP_ENV-invalid"),
    pytest.param("APP_ENV", {"APP_ENV": ""}, id="APP_ENV-empty"),
    pytest.param("APP_NAME", {"APP_NAME": ""}, id="APP_NAME-empty"),
    pytest.param("DATABASE_URL", {"DATABASE_URL": ""}, id="DATABASE_URL-empty"),
    pytest.param("DATABASE_URL", {"DATABASE_URL": "not a url"}, id="DATABASE_URL-invalid"),
    pytest.param("REDIS_URL", {"REDIS_URL": ""}, id="REDIS_URL-empty"),
    pytest.param(
        "REDIS_URL",
        {"REDIS_URL": "redis://:__SECRET_REDIS_PASSWORD__@127.0.0.1:6379/0"},
        id="REDIS_URL-placeholder",
    ),
    pytest.param("PORT", {"PORT": "seventy"}, id="PORT-invalid"),
    pytest.param("LOG_LEVEL", {"LOG_LEVEL": "chatty"}, id="LOG_LEVEL-invalid"),
    pytest.param(
        "JWT_ACCESS_SECRET",
        {"JWT_ACCESS_SECRET": "too-short-31-characters-long-xx"},
        id="JWT_ACCESS_SECRET-31-chars",
    ),
    pytest.param(
        "JWT_ACCESS_SECRET",
        {"JWT_ACCESS_SECRET": "__SECRET_JWT_ACCESS_SECRET__-padded-to-be-long-enough"},
        id="JWT_ACCESS_SECRET-placeholder",
    ),
    pytest.param("JWT_ACCESS_SECRET", {"JWT_ACCESS_SECRET": ""}, id="JWT_ACCESS_SECRET-empty"),
    # Capped at 300: a long window would hand a thief with a spent token a fresh session.
    pytest.param(
        "REFRESH_TOKEN_REUSE_GRACE_SECONDS",
        {"REFRESH_TOKEN_REUSE_GRACE_SECONDS": "301"},
        id="REFRESH_TOKEN_REUSE_GRACE_SECONDS-301",
    ),
]
AUTH_VARIABLES = ("JWT_", "REFRESH_TOKEN_")
# The every-feature set's configuration has every variable the other set has: each broken
# value is tried there, and the other set shows with one that its own rendering validates too
# (a FastAPI boot costs about 2.5 s, and these would repeat the same code's checks).
CHECKED_ON_EVERY_SET = "APP_ENV-invalid"


@pytest.mark.parametrize(("variable", "overrides"), BROKEN)
def test_invalid_configuration_stops_the_process(
    request: pytest.FixtureRequest,
    running_api: ApiProcess,
    runtime_case: RuntimeCase,
    variable: str,
    overrides: dict[str, str],
) -> None:
    if variable.startswith(AUTH_VARIABLES) and not runtime_case.use_auth:
        pytest.skip(f"{runtime_case.id}: use_auth=false, no token settings")
    case_id = request.node.callspec.id.removeprefix(f"{runtime_case.id}-")
    if runtime_case.answer_set != "all-features" and case_id != CHECKED_ON_EVERY_SET:
        pytest.skip(f"{runtime_case.id}: same check as on all-features, whose config is a superset")
    broken = ApiProcess.for_project(
        running_api.project, name=f"config-{next(_instances)}", **overrides
    )
    stderr = broken.refused_to_start(f"a broken {variable}", BOOT_TIMEOUT)
    assert variable in stderr, f"stderr does not name {variable}\n{broken.output_tail()}"
