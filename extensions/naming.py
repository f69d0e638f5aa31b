"""Derive every name, host and port of a generated project from the answers.

Pure functions: the ContextHook calls them on every render, the unit tests call them directly.
Nothing here may fail on a missing answer; copier asks questions in order and renders defaults
before later answers exist.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

REGISTRY = "ghcr.io"
LOCAL_ENVIRONMENT = "local"
SERVER_ENVIRONMENTS = ("staging", "production")
API_PORTS = {"nestjs": 3000, "fastapi": 8000}
WEB_PORT = 3001
POSTGRES_PORT = 5432
REDIS_PORT = 6379
SLUG_MAX_LENGTH = 40


def slugify(text: str, separator: str = "-") -> str:
    """Lower-case ASCII words joined by `separator`: "Acme Shop!" -> "acme-shop"."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = separator.join(words)[:SLUG_MAX_LENGTH].strip(separator)
    # A slug names containers, images and databases: those must start with a letter.
    if slug and not slug[0].isalpha():
        slug = f"app{separator}{slug}"[:SLUG_MAX_LENGTH].strip(separator)
    return slug


def server_environments(chosen: Iterable[str] | None) -> list[str]:
    """The chosen server environments in promotion order (staging before production)."""
    picked = set(chosen or ())
    return [env for env in SERVER_ENVIRONMENTS if env in picked]


def all_environments(chosen: Iterable[str] | None) -> list[str]:
    """Local development always exists, then the chosen server environments."""
    return [LOCAL_ENVIRONMENT, *server_environments(chosen)]


def environment_domain(domain: str, environment: str) -> str:
    """The DNS zone an environment serves from: production owns the bare domain."""
    if environment == LOCAL_ENVIRONMENT:
        return "localhost"
    if environment == "production":
        return domain
    return f"{environment}.{domain}"


def host(service: str, domain: str, environment: str) -> str:
    """Public host name of a service: api.example.com, api.staging.example.com, api.localhost."""
    return f"{service}.{environment_domain(domain, environment)}"


def image_name(owner: str, slug: str, component: str) -> str:
    """Container image in the GitHub registry (registry paths must be lower case)."""
    return f"{REGISTRY}/{owner.lower()}/{slug}-{component}"


def compose_project(slug: str, environment: str) -> str:
    """Compose project name, unique per environment so two can share one Docker host."""
    return f"{slug}-{environment}"


def database_name(slug: str) -> str:
    """PostgreSQL identifiers: underscores rather than hyphens, so no quoting is needed."""
    return slugify(slug, separator="_")


# What the API process reads from its environment, in both stacks' configuration schemas
# (APP_VERSION comes from the image). The server stack hands the API these and nothing else
# of env/<environment>.env, which also holds backup, monitoring and database owner secrets.
API_VARIABLES = [
    "APP_NAME",
    "APP_ENV",
    "LOG_LEVEL",
    "HOST",
    "PORT",
    "ALLOWED_ORIGINS",
    "DATABASE_URL",
    "DB_POOL_MAX",
    "DB_POOL_IDLE_TIMEOUT_MS",
    "DB_POOL_CONNECT_TIMEOUT_MS",
    "REDIS_URL",
    "RATE_LIMIT_TTL_SECONDS",
    "RATE_LIMIT_MAX",
    "AUTH_RATE_LIMIT_MAX",
    "AUTH_REFRESH_RATE_LIMIT_MAX",
    "BODY_LIMIT_BYTES",
    "TRUST_PROXY",
    "SHUTDOWN_DELAY_MS",
    "SHUTDOWN_DRAIN_MS",
]
AUTH_VARIABLES = [
    "JWT_ACCESS_SECRET",
    "JWT_ACCESS_TTL_SECONDS",
    "REFRESH_TOKEN_TTL_SECONDS",
    "REFRESH_TOKEN_REUSE_GRACE_SECONDS",
    "REFRESH_TOKEN_PURGE_INTERVAL_SECONDS",
    "REFRESH_TOKEN_PURGE_RETENTION_SECONDS",
    "LOGIN_BACKOFF_AFTER_FAILURES",
    "LOGIN_BACKOFF_SECONDS",
    "LOGIN_BACKOFF_MAX_SECONDS",
]
SENTRY_VARIABLES = ["SENTRY_DSN"]
# Read by the OpenTelemetry SDK itself (app/tracing.py, src/tracing.ts), not by the
# configuration schema: the ones env/<environment>.env sets; the SDK reads any other OTEL_*.
TRACING_VARIABLES = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
]


def api_variables(answers: Mapping[str, Any]) -> list[str]:
    """The environment variables the API of these answers reads."""
    return [
        *API_VARIABLES,
        *(AUTH_VARIABLES if answers.get("use_auth", True) else []),
        *(SENTRY_VARIABLES if answers.get("use_sentry", True) else []),
        *TRACING_VARIABLES,
    ]


# The answers derive() reads, and all it may read: derive() sees only these, so a cache of its
# results keyed on them (derive_key) can never hand out values derived from stale answers.
DERIVED_FROM = (
    "project_name",
    "project_slug",
    "github_owner",
    "domain",
    "api_stack",
    "web_frontend",
    "environments",
    "use_auth",
    "use_sentry",
)
_MISSING = object()


def derive_key(answers: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """A hashable key of the answers derive() reads (type included: 1 and 1.0 differ in a
    name), or None when one of them cannot be hashed."""
    key: list[Any] = []
    for name in DERIVED_FROM:
        value = answers.get(name, _MISSING)
        if isinstance(value, list | tuple):
            value = tuple((type(item), item) for item in value)
        key.append((type(value), value))
    try:
        hash(tuple(key))
    except TypeError:
        return None
    return tuple(key)


def derive(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Everything templates need beyond the raw answers, in one namespace (`derived`)."""
    answers = {name: answers[name] for name in DERIVED_FROM if name in answers}
    slug = str(answers.get("project_slug") or slugify(str(answers.get("project_name", ""))))
    owner = str(answers.get("github_owner", ""))
    domain = str(answers.get("domain", ""))
    stack = str(answers.get("api_stack", "nestjs"))
    has_web = answers.get("web_frontend", "none") != "none"
    environments = all_environments(answers.get("environments"))
    components = ["api", "web"] if has_web else ["api"]
    return {
        "slug": slug,
        "db_name": database_name(slug),
        "environments": environments,
        "server_environments": environments[1:],
        "components": components,
        "images": {c: image_name(owner, slug, c) for c in components},
        "hosts": {
            env: {c: host(c, domain, env) for c in [*components, "grafana"]} for env in environments
        },
        "compose_projects": {env: compose_project(slug, env) for env in environments},
        "ports": {
            "api": API_PORTS.get(stack, API_PORTS["nestjs"]),
            "web": WEB_PORT,
            "postgres": POSTGRES_PORT,
            "redis": REDIS_PORT,
        },
        "repository_url": f"https://github.com/{owner}/{slug}",
        "api_variables": api_variables(answers),
    }
