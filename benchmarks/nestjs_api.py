"""Throughput, p99 latency and time to ready of the generated NestJS API, against a bare
NestJS hello-world on the same Fastify adapter measured in the same run.

What the ratios show is the cost of the generated API's middleware chain (request ids,
helmet, CORS, compression, pino logging, metrics, throttling in Redis, validation, JWT) and,
for the notes list, of a PostgreSQL query (plus the Redis cache with use_cache). The method
is benchmarks/api_load.py's, shared with the FastAPI benchmark.

Needs wrk (Debian `wrk`), PostgreSQL via scripts/services, redis-server and Node.js 24 from
scripts/bootstrap. Run from the repository root:

    .venv/bin/python -m benchmarks.nestjs_api [--duration 5] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.api_load import BareApp, run_benchmark
from tests.harness.commands import run, toolchain_env
from tests.harness.project import GeneratedProject
from tests.paths import ROOT

BASELINE_DIR = ROOT / "benchmarks" / "nestjs-baseline"


def install() -> None:
    result = run(
        ["pnpm", "install", "--frozen-lockfile"], BASELINE_DIR, toolchain_env(), timeout=600
    )
    if not result.ok:
        raise RuntimeError(result.tail())


def command(_: GeneratedProject) -> tuple[list[str], Path | None]:
    return ["node", "main.js"], BASELINE_DIR


BARE = BareApp(label="bare NestJS+Fastify", command=command, install=install)

if __name__ == "__main__":
    run_benchmark("nestjs", BARE, __doc__ or "")
