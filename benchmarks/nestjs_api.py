"""Throughput, p99 latency and time to ready of the generated NestJS API, against a bare
NestJS hello-world on the same Fastify adapter measured in the same run.

What the ratios show is the cost of the generated API's middleware chain (request ids,
helmet, CORS, compression, pino logging, metrics, throttling in Redis, validation, JWT) and,
for the notes list, of a PostgreSQL query (plus the Redis cache with use_cache).

Needs wrk (Debian `wrk`), PostgreSQL via scripts/services, redis-server and Node.js 24 from
scripts/bootstrap. Run from the repository root:

    .venv/bin/python -m benchmarks.nestjs_api [--duration 5] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.harness.accounts import signed_up
from tests.harness.answer_sets import RUNTIME_CASES
from tests.harness.api_process import ApiProcess
from tests.harness.commands import run, toolchain_env
from tests.harness.http import client
from tests.harness.ports import free_port
from tests.harness.project import GeneratedProject, render
from tests.paths import ROOT
from tests.template_repo import snapshot_working_tree

BASELINE_DIR = ROOT / "benchmarks" / "nestjs-baseline"
NOTES_IN_LIST = 20
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p99_seconds: float
    # Server CPU time per request: unlike throughput, other jobs on a shared machine barely
    # move it, so it is the steadiest of the three ratios.
    cpu_seconds_per_request: float = 0.0


def wrk(url: str, duration: int, connections: int, headers: dict[str, str]) -> tuple[Load, int]:
    """One wrk run: its load figures and how many requests completed. Refuses results that
    contain errors (a 429 or 401 is not throughput)."""
    args = ["wrk", "--latency", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*args, url], capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests against {url}:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", output)
    total = re.search(r"(\d+) requests in", output)
    if not rate or not p99 or not total:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    load = Load(float(rate.group(1)), float(p99.group(1)) * UNITS[p99.group(2)])
    return load, int(total.group(1))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    url: str, args: argparse.Namespace, server_pid: int, headers: dict[str, str] | None = None
) -> Load:
    wrk(url, 3, args.connections, headers or {})  # warm-up: JIT, connection pools, caches
    before = cpu_seconds(server_pid)
    load, requests = wrk(url, args.duration, args.connections, headers or {})
    cpu = (cpu_seconds(server_pid) - before) / requests
    return Load(load.requests_per_second, load.p99_seconds, cpu)


# ------------------------------------------------------------------------- baseline app


class Baseline:
    """benchmarks/nestjs-baseline: `node main.js`, ready when /api/v1/health answers."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def install() -> None:
        result = run(
            ["pnpm", "install", "--frozen-lockfile"], BASELINE_DIR, toolchain_env(), timeout=600
        )
        if not result.ok:
            raise RuntimeError(result.tail())

    def start(self) -> float:
        started = time.monotonic()
        self.process = subprocess.Popen(
            ["node", "main.js"],
            cwd=BASELINE_DIR,
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


# ------------------------------------------------------------------------ generated API


def build_project(workdir: Path, rendered: Path | None) -> GeneratedProject:
    """Render the all-features answer set (or take an already rendered one), build, migrate."""
    case = next(c for c in RUNTIME_CASES if c.stack == "nestjs" and c.answer_set == "all-features")
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


def generated_api(project: GeneratedProject, name: str) -> ApiProcess:
    # A rate limit out of reach: the benchmark measures the throttler's cost, not its 429s.
    return ApiProcess.for_project(
        project, name=name, RATE_LIMIT_MAX="1000000000", AUTH_RATE_LIMIT_MAX="1000000000"
    )


def median_startup(start: Callable[[], float], stop: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        times.append(start())
        stop()
    return statistics.median(times)


def median_load(loads: list[Load]) -> Load:
    return Load(
        statistics.median(load.requests_per_second for load in loads),
        statistics.median(load.p99_seconds for load in loads),
        statistics.median(load.cpu_seconds_per_request for load in loads),
    )


def busy_warning() -> str:
    """This machine kind has 2 cores and may be shared: say when other work competes."""
    load1 = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if load1 > cores:
        return f"  WARNING: load average {load1:.1f} on {cores} cores: absolute numbers are noisy"
    return f"  load average {load1:.1f} on {cores} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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

    with tempfile.TemporaryDirectory(prefix="bench-nestjs-") as tmp:
        project = build_project(Path(tmp), args.project)
        Baseline.install()
        baseline = Baseline()
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
            # (other jobs, thermal) then hits both sides alike.
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
                "bare NestJS+Fastify GET /api/v1/health": (f"{baseline.url}/health", bare_pid, {}),
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
