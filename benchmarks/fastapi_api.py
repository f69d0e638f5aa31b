"""Throughput, p99 latency and time to ready of the generated FastAPI API, against a bare
FastAPI hello-world served the same way (one uvicorn process, uvloop, httptools), measured in
the same run.

What the ratios show is the cost of the generated API's middleware chain (request id,
security headers, metrics, JSON logging, CORS, gzip, rate limiting in Redis, body limit,
validation, JWT) and, for the notes list, of a PostgreSQL query (plus the Redis cache). The
method is benchmarks/api_load.py's, shared with the NestJS benchmark.

Needs wrk (Debian `wrk`), PostgreSQL via scripts/services, redis-server and uv. Run from the
repository root:

    .venv/bin/python -m benchmarks.fastapi_api [--duration 5] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.api_load import BareApp, run_benchmark
from tests.harness.project import GeneratedProject
from tests.paths import ROOT

BASELINE = ROOT / "benchmarks" / "fastapi-baseline" / "main.py"


def command(project: GeneratedProject) -> tuple[list[str], Path | None]:
    """benchmarks/fastapi-baseline/main.py under the generated project's Python, so both
    run the same FastAPI, Starlette and uvicorn."""
    python = project.path / "apps" / "api" / ".venv" / "bin" / "python"
    return [str(python), str(BASELINE)], None


BARE = BareApp(label="bare FastAPI+uvicorn", command=command)

if __name__ == "__main__":
    run_benchmark("fastapi", BARE, __doc__ or "")
