"""Which files a project must have, and must not have, for its answers.

Each rule is a path and the condition under which it exists; a rendered project must contain
the path exactly when the condition holds. Add a rule with every conditional file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Answers = dict[str, Any]
Rule = tuple[str, Callable[[Answers], bool]]


def _always(_: Answers) -> bool:
    return True


def _stack(name: str) -> Callable[[Answers], bool]:
    return lambda answers: answers["api_stack"] == name


def _stack_with(stack: str, toggle: str) -> Callable[[Answers], bool]:
    return lambda answers: answers["api_stack"] == stack and bool(answers[toggle])


def _flag(name: str) -> Callable[[Answers], bool]:
    return lambda answers: bool(answers[name])


def _both(first: str, second: str) -> Callable[[Answers], bool]:
    return lambda answers: bool(answers[first]) and bool(answers[second])


def _backups_to(*targets: str) -> Callable[[Answers], bool]:
    return lambda answers: bool(answers["use_backups"]) and answers["backup_target"] in targets


def _environment(name: str) -> Callable[[Answers], bool]:
    return lambda answers: name in answers["environments"]


def _flag_and_environment(flag: str, name: str) -> Callable[[Answers], bool]:
    return lambda answers: bool(answers[flag]) and name in answers["environments"]


def _web(name: str) -> Callable[[Answers], bool]:
    return lambda answers: answers["web_frontend"] == name


def _web_with(name: str, toggle: str) -> Callable[[Answers], bool]:
    return lambda answers: answers["web_frontend"] == name and bool(answers[toggle])


RULES: list[Rule] = [
    (".copier-answers.yml", _always),
    ("README.md", _always),
    ("Makefile", _always),
    (".gitignore", _always),
    (".editorconfig", _always),
    (".yamllint.yaml", _always),
    (".env.example", _always),
    ("compose.yaml", _always),
    ("scripts/init-env", _always),
    # The tools README's "Before you start" lists, checked (`make doctor`).
    ("scripts/doctor", _always),
    # Zero-downtime releases on the server, and the stack as they run it.
    ("scripts/deploy", _always),
    ("scripts/rollback", _always),
    # The deploy key's forced command: only reviewed commits reach scripts/deploy.
    ("scripts/deploy-gate", _always),
    ("scripts/stack", _always),
    ("scripts/lib/deploy.sh", _always),
    ("scripts/lib/swarm.sh", _always),
    ("scripts/lib/server.sh", _always),
    ("docs/runbooks/deploy-and-rollback.md", _always),
    # Adding, draining and replacing nodes, scaling, moving the database node.
    ("docs/runbooks/swarm-nodes.md", _always),
    # k6's scenarios, the script that runs them, and how to read them.
    ("loadtest/main.js", _always),
    ("loadtest/scenarios.js", _always),
    ("loadtest/session.js", _always),
    ("scripts/loadtest", _always),
    ("docs/runbooks/load-testing.md", _always),
    ("docs/runbooks/cdn.md", _always),
    # Least-privilege database roles, set up before every migration (the db-roles service).
    ("infra/postgres/roles.sql", _always),
    ("docs/runbooks/database-roles.md", _always),
    ("infra/traefik/dynamic/retry.yml", _always),
    ("infra/traefik/dynamic/traefik-api.yml", _always),
    (".github/workflows/ci.yml", _always),
    (".github/workflows/deploy.yml", _always),
    (".github/dependabot.yml", _always),
    (".github/workflows/template-update.yml", _always),
    ("env/staging.env.example", _environment("staging")),
    ("env/production.env.example", _environment("production")),
    # Secrets: generated at copy time, git-ignored.
    (".env", _always),
    ("env/staging.env", _environment("staging")),
    ("env/production.env", _environment("production")),
    # The server: Traefik in front of the API, PostgreSQL and Redis.
    ("compose.prod.yaml", _always),
    ("infra/traefik/traefik.yml", _always),
    # Traefik's Docker API proxy: the shared HAProxy file and Traefik's allowlist.
    ("infra/docker-api/haproxy.cfg", _always),
    ("infra/docker-api/traefik.allow", _always),
    ("infra/traefik/dynamic/security-headers.yml", _always),
    ("infra/traefik/dynamic/rate-limit.yml", _always),
    ("docs/containers-and-edge.md", _always),
    ("apps/api/Dockerfile", _always),
    (".dockerignore", _always),
    ("apps/api/Makefile", _always),
    # Backups (scripts run by the backup service of compose.backup.yaml).
    *(
        (path, _flag("use_backups"))
        for path in (
            "compose.backup.yaml",
            "scripts/backup",
            "scripts/backup-prune",
            "scripts/base-backup",
            "scripts/restore",
            "scripts/restore-drill",
            "scripts/lib/backup-pitr-drill.sh",
            "infra/backup/Dockerfile",
            "infra/backup/retention.env",
            "infra/postgres/pgbackrest.conf",
            "infra/postgres/Dockerfile",
            "docs/runbooks/backup-and-restore.md",
        )
    ),
    # Retention away from the server, with a credential of its own (not for a local volume).
    (".github/workflows/backup-prune.yml", _backups_to("s3", "sftp")),
    ("infra/backup/s3-server-policy.json", _backups_to("s3")),
    # The postgres service's entrypoint there: its archiver's settings from the ssh_config.
    ("scripts/with-wal-archive-settings", _backups_to("sftp")),
    # Monitoring: Prometheus, Alertmanager, Grafana, Loki, Tempo, with runbooks per alert.
    *(
        (path, _flag("use_monitoring"))
        for path in (
            "compose.monitoring.yaml",
            "infra/docker-api/alloy.allow",
            "infra/docker-api/cadvisor.allow",
            "infra/monitoring/prometheus/prometheus.yml",
            "infra/monitoring/tempo/tempo.yml",
            "docs/monitoring.md",
            "docs/runbooks/api-down.md",
            "docs/runbooks/api-task-down.md",
            "docs/runbooks/host-missing.md",
        )
    ),
    *(
        (path, _both("use_monitoring", "use_backups"))
        for path in (
            "infra/monitoring/prometheus/rules/backups.yml",
            "docs/runbooks/backup-too-old.md",
            "docs/runbooks/base-backup-too-old.md",
            "docs/runbooks/wal-archive-failing.md",
            "docs/runbooks/wal-archive-lagging.md",
            "docs/runbooks/restore-drill-failed.md",
        )
    ),
    # Infrastructure as code: Terraform for Hetzner Cloud, the servers' cloud-init.
    *(
        (path, _flag("use_iac"))
        for path in (
            "infra/terraform/versions.tf",
            "infra/terraform/providers.tf",
            "infra/terraform/backend.tf",
            "infra/terraform/variables.tf",
            "infra/terraform/locals.tf",
            "infra/terraform/cloud_init.tf",
            "infra/terraform/ssh_keys.tf",
            "infra/terraform/firewall.tf",
            "infra/terraform/primary_ips.tf",
            "infra/terraform/nodes.tf",
            "infra/terraform/network.tf",
            "infra/terraform/load_balancer.tf",
            "infra/terraform/server.tf",
            "infra/terraform/outputs.tf",
            "infra/terraform/.gitignore",
            "infra/cloud-init/user-data.yaml.tftpl",
            "infra/cloud-init/provision-server.sh",
            "infra/cloud-init/docker-archive-keyring.asc",
            "docs/runbooks/provision-a-server.md",
            # Joins a node Terraform made to the swarm, carrying the token over SSH.
            "scripts/join-node",
        )
    ),
    ("infra/terraform/environments/staging.tfvars", _flag_and_environment("use_iac", "staging")),
    (
        "infra/terraform/environments/production.tfvars",
        _flag_and_environment("use_iac", "production"),
    ),
    # The NestJS stack: a pnpm workspace with the API and the database package.
    *(
        (path, _stack("nestjs"))
        for path in (
            "package.json",
            "pnpm-lock.yaml",
            "pnpm-workspace.yaml",
            ".npmrc",
            ".nvmrc",
            ".node-version",
            "tsconfig.base.json",
            ".prettierrc.json",
            "apps/api/package.json",
            "apps/api/src/main.ts",
            "apps/api/src/tracing/start-tracing.ts",
            "packages/database/package.json",
            "packages/database/src/schema.ts",
            "packages/database/migrations/0001_refresh_tokens_expires_at_idx.sql",
        )
    ),
    ("apps/api/src/auth/auth.module.ts", _stack_with("nestjs", "use_auth")),
    ("apps/api/src/auth/refresh-token-purge.ts", _stack_with("nestjs", "use_auth")),
    ("apps/api/src/users/users.module.ts", _stack_with("nestjs", "use_auth")),
    ("apps/api/src/cache/cache.module.ts", _stack_with("nestjs", "use_cache")),
    ("apps/api/src/notes/notes.cache.ts", _stack_with("nestjs", "use_cache")),
    ("apps/api/src/instrument.ts", _stack_with("nestjs", "use_sentry")),
    ("apps/api/src/errors/error-tracking.ts", _stack_with("nestjs", "use_sentry")),
    ("apps/api/test/sentry.e2e-spec.ts", _stack_with("nestjs", "use_sentry")),
    # The FastAPI stack: a uv project with one package per feature.
    *(
        (path, _stack("fastapi"))
        for path in (
            "apps/api/pyproject.toml",
            "apps/api/uv.lock",
            "apps/api/alembic.ini",
            "apps/api/app/main.py",
            "apps/api/app/tracing.py",
            "apps/api/migrations/versions/0001_initial.py",
            "apps/api/migrations/versions/0002_refresh_tokens_expires_at_index.py",
            "apps/api/app/jobs.py",
        )
    ),
    ("apps/api/app/auth/router.py", _stack_with("fastapi", "use_auth")),
    ("apps/api/app/auth/purge.py", _stack_with("fastapi", "use_auth")),
    ("apps/api/app/users/router.py", _stack_with("fastapi", "use_auth")),
    ("apps/api/tests/test_auth.py", _stack_with("fastapi", "use_auth")),
    ("apps/api/app/notes/cache.py", _stack_with("fastapi", "use_cache")),
    ("apps/api/app/error_tracking.py", _stack_with("fastapi", "use_sentry")),
    # The Next.js front end: a pnpm project of its own, whatever the API's stack.
    *(
        (path, _web("nextjs"))
        for path in (
            "apps/web/package.json",
            "apps/web/pnpm-lock.yaml",
            "apps/web/pnpm-workspace.yaml",
            "apps/web/Makefile",
            "apps/web/Dockerfile",
            "apps/web/.dockerignore",
            "apps/web/next.config.ts",
            "apps/web/src/app/page.tsx",
            "apps/web/src/app/health/route.ts",
            "apps/web/src/app/metrics/route.ts",
            "apps/web/src/lib/metrics.ts",
            "apps/web/src/instrumentation.ts",
            # Sentry's variant or one that does nothing: the callers read the same.
            "apps/web/src/lib/error-reports.ts",
        )
    ),
    # The web front end's error reports to Sentry: the browser's start, its settings, the
    # scrubbing both sides share.
    *(
        (path, _web_with("nextjs", "use_sentry"))
        for path in (
            "apps/web/src/instrumentation-client.ts",
            "apps/web/src/lib/browser-error-reports.ts",
            "apps/web/src/lib/scrub-secrets.ts",
            "apps/web/src/lib/scrub-secrets.test.ts",
            "apps/web/src/lib/error-reports.test.ts",
        )
    ),
    ("apps/web", _web("nextjs")),
    # Partials are included by other templates, never copied.
    ("_partials/env.example", lambda _: False),
    ("_partials/tools", lambda _: False),
]


def expected_presence(answers: Answers) -> dict[str, bool]:
    return {path: condition(answers) for path, condition in RULES}
