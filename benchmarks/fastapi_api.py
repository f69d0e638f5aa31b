"""Throughput, p99 latency and time to ready of the generated FastAPI API, against a bare
FastAPI hello-world served the same way (one uvicorn process, uvloop, httptools), measured in
the same run.

What the ratios show is the cost of the generated API's middleware chain (request id,
security headers, metrics, JSON logging, CORS, gzip, rate limiting in Redis, body limit,
validation, JWT) and, for the notes list, of a PostgreSQL query (plus the Redis cache).

Needs wrk (Debian `wrk`), PostgreSQL via scripts/services, redis-server and uv. Run from the
repository root:

    .venv/bin/python -m benchmarks.fastapi_api [--duration 5] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.nestjs_api import (
    NOTES_IN_LIST,
    Load,
    busy_warning,
    generated_api,
    measure,
    median_load,
    median_startup,
)
from tests.harness.accounts import signed_up
from tests.harness.answer_sets import RUNTIME_CASES
from tests.harness.commands import toolchain_env
from tests.harness.http import client
from tests.harness.ports import free_port
from tests.harness.project import GeneratedProject, render
from tests.paths import ROOT
from tests.template_repo import snapshot_working_tree

BASELINE = ROOT / "benchmarks" / "fastapi-baseline" / "main.py"


class Baseline:
    """benchmarks/fastapi-baseline/main.py under the generated project's Python."""

    def __init__(self, python: Path) -> None:
        self.python = python
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(self.python), str(BASELINE)],
            env=toolchain_env({"PORT": str(self.port)}),
            stdout=subprocess.DEVNULL,
        )
        deadline = started + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        raise RuntimeError("the baseline app did not answer within 60s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def build_project(workdir: Path, rendered: Path | None) -> GeneratedProject:
    """Render the all-features answer set (or take an already rendered one), install, migrate."""
    case = next(c for c in RUNTIME_CASES if c.stack == "fastapi" and c.answer_set == "all-features")
    if rendered is None:
        template = snapshot_working_tree(workdir / "template")
        rendered = workdir / "project"
        result = render(template, rendered, case.answers)
        if not result.ok:
            raise RuntimeError(result.tail())
    project = GeneratedProject(case, rendered, workdir)
    for target in ("install", "build"):
        print(f"make {target} ...", flush=True)
        project.require(target)
    project.require("migrate", database="api")
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, medians kept")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--startups", type=int, default=3, help="starts to take the median of")
    parser.add_argument(
        "--project", type=Path, help="an already rendered all-features project to use"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (scripts/bootstrap does)")
    os.environ["PATH"] = toolchain_env()["PATH"]
    print(busy_warning())

    with tempfile.TemporaryDirectory(prefix="bench-fastapi-") as tmp:
        project = build_project(Path(tmp), args.project)
        baseline = Baseline(project.path / "apps" / "api" / ".venv" / "bin" / "python")
        api = generated_api(project, "load")
        try:
            baseline_ready = median_startup(baseline.start, baseline.stop, args.startups)

            def start_generated() -> float:
                instance = generated_api(project, "startup")
                instance.start()
                instance.stop()
                assert instance.seconds_to_ready is not None
                return instance.seconds_to_ready

            generated_ready = median_startup(start_generated, lambda: None, args.startups)

            # Both servers up at once, measured in alternation: drift in the machine's load
            # then hits both sides alike.
            baseline.start()
            api.start()
            with client(api.base_url) as http:
                account = signed_up(http, "bench")
                for index in range(NOTES_IN_LIST):
                    http.post(
                        "notes",
                        json={"title": f"note {index}", "body": "x" * 200},
                        headers=account.headers,
                    ).raise_for_status()
            assert baseline.process is not None
            bare_pid, api_pid = baseline.process.pid, api.server_pid()
            targets = {
                "bare FastAPI+uvicorn GET /api/v1/health": (f"{baseline.url}/health", bare_pid, {}),
                "generated GET /api/v1/health": (f"{api.base_url}/health", api_pid, {}),
                f"generated GET /api/v1/notes (Bearer, {NOTES_IN_LIST} items)": (
                    f"{api.base_url}/notes?page=1&pageSize={NOTES_IN_LIST}",
                    api_pid,
                    account.headers,
                ),
            }
            loads: dict[str, list[Load]] = {label: [] for label in targets}
            for round_number in range(args.rounds):
                print(f"round {round_number + 1}/{args.rounds} ...", flush=True)
                for label, (url, pid, headers) in targets.items():
                    loads[label].append(measure(url, args, pid, headers))
        finally:
            api.stop()
            baseline.stop()
            project.close()

    print(
        f"\nwrk: 2 threads, {args.connections} connections, {args.duration}s per run after a 3s"
        f" warm-up; median of {args.rounds} interleaved rounds"
    )
    print(busy_warning())
    rows = [(label, median_load(runs)) for label, runs in loads.items()]
    bare = rows[0][1]
    for label, load in rows:
        print(
            f"  {label:<52} {load.requests_per_second:>9.0f} req/s"
            f"  p99 {load.p99_seconds * 1000:7.2f} ms"
            f"  CPU {load.cpu_seconds_per_request * 1e6:6.0f} us/request"
        )
    print("ratios against the bare app (throughput: higher is better; p99, CPU: lower is better)")
    for label, load in rows[1:]:
        print(
            f"  {label:<52} throughput x{load.requests_per_second / bare.requests_per_second:.2f}"
            f"  p99 x{load.p99_seconds / bare.p99_seconds:.2f}"
            f"  CPU/request x{load.cpu_seconds_per_request / bare.cpu_seconds_per_request:.1f}"
        )
    print(
        f"time from process start to ready (median of {args.startups}): generated "
        f"{generated_ready:.2f}s (readiness: PostgreSQL + Redis), bare {baseline_ready:.2f}s, "
        f"x{generated_ready / baseline_ready:.1f}"
    )


if __name__ == "__main__":
    main()
