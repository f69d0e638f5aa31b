"""The API benchmarks' shared method: one generated API against a bare app of its stack.

benchmarks/nestjs_api.py and benchmarks/fastapi_api.py only say which stack and which bare
app; everything else is here and identical for both, so their figures compare:

- the all-features answer set of the stack is rendered (or `--project` given), installed,
  built and migrated, and started as `make start` would (tests/harness);
- start-to-ready time: median of `--startups` starts of each, the two started in alternation
  (`--startup-only` stops there);
- then the servers run at once and wrk measures, in interleaved rounds, the bare app's
  `GET /api/v1/health`, the generated API's `GET /api/v1/health` and an authenticated
  `GET /api/v1/notes` of NOTES_IN_LIST notes (cached), and both again on further instances
  of the generated API with one feature switched by a setting it has
  (benchmarks/feature_switches.py: the completion log line off, tracing on, Sentry on);
  medians of the rounds are kept, so drift in the machine's load (other jobs, thermal) hits
  every side alike;
- throughput, p99 and server CPU time per request are printed, then ratios to the bare app,
  then each feature's cost: CPU per request with it against without it.

Needs wrk (Debian `wrk`), PostgreSQL and Redis via scripts/services, and the stack's
toolchain from scripts/bootstrap.
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

from benchmarks.feature_switches import FeatureSwitch, feature_switches
from tests.harness.accounts import signed_up
from tests.harness.answer_sets import RUNTIME_CASES
from tests.harness.api_process import ApiProcess
from tests.harness.commands import toolchain_env
from tests.harness.http import client
from tests.harness.ports import free_port
from tests.harness.project import GeneratedProject, render
from tests.template_repo import snapshot_working_tree

NOTES_IN_LIST = 20
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class BareApp:
    """How one stack's bare hello-world is run: it serves GET /api/v1/health on $PORT."""

    label: str  # e.g. "bare FastAPI+uvicorn"
    # The command and working directory, given the generated project (whose toolchain or
    # virtual environment the bare app may share, so both run the same framework versions).
    command: Callable[[GeneratedProject], tuple[list[str], Path | None]]
    # Run once before the first start (e.g. installing the bare app's dependencies).
    install: Callable[[], None] = lambda: None


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


class BareProcess:
    """The bare app as a process, ready when /api/v1/health answers."""

    def __init__(self, bare: BareApp, project: GeneratedProject) -> None:
        self.command, self.cwd = bare.command(project)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        started = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
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
        raise RuntimeError("the bare app did not answer within 60s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def build_project(stack: str, workdir: Path, rendered: Path | None) -> GeneratedProject:
    """Render the all-features answer set (or take an already rendered one), build, migrate."""
    case = next(c for c in RUNTIME_CASES if c.stack == stack and c.answer_set == "all-features")
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


def generated_api(project: GeneratedProject, name: str, **settings: str) -> ApiProcess:
    # A rate limit out of reach: the benchmark measures the limiter's cost, not its 429s.
    return ApiProcess.for_project(
        project,
        name=name,
        RATE_LIMIT_MAX="1000000000",
        AUTH_RATE_LIMIT_MAX="1000000000",
        **settings,
    )


def median_startups(
    starts: dict[str, Callable[[], float]], stops: dict[str, Callable[[], None]], runs: int
) -> dict[str, float]:
    """Median seconds to ready of each server, started in alternation (a moment of load on
    the shared machine then falls on both sides alike)."""
    times: dict[str, list[float]] = {name: [] for name in starts}
    for _ in range(runs):
        for name, start in starts.items():
            times[name].append(start())
            stops[name]()
    return {name: statistics.median(values) for name, values in times.items()}


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


def parse_arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, medians kept")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--startups", type=int, default=3, help="starts to take the median of")
    parser.add_argument(
        "--project", type=Path, help="an already rendered all-features project to use"
    )
    parser.add_argument("--startup-only", action="store_true", help="only the start-to-ready times")
    return parser.parse_args()


def run_benchmark(stack: str, bare: BareApp, description: str) -> None:
    """The whole benchmark of one stack, printed (the scripts' main)."""
    args = parse_arguments(description.strip().splitlines()[0])
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (scripts/bootstrap does)")
    os.environ["PATH"] = toolchain_env()["PATH"]
    print(busy_warning())

    with tempfile.TemporaryDirectory(prefix=f"bench-{stack}-") as tmp:
        project = build_project(stack, Path(tmp), args.project)
        # Closed whatever fails (it stops the project's Redis).
        try:
            bare.install()
            baseline = BareProcess(bare, project)
            api = generated_api(project, "load")
            with feature_switches(project.case.answers["use_sentry"]) as switches:
                variants = [
                    (switch, generated_api(project, switch.name, **switch.settings))
                    for switch in ([] if args.startup_only else switches)
                ]
                try:
                    ready = startup_times(project, baseline, args.startups)
                    if args.startup_only:
                        report_startup(ready, args.startups)
                        return
                    baseline.start()
                    api.start()
                    for _, instance in variants:
                        instance.start()
                    loads = measure_rounds(bare, baseline, api, variants, args)
                finally:
                    # Before the receivers close: a traced instance sends its last spans.
                    for _, instance in variants:
                        instance.stop()
                    api.stop()
                    baseline.stop()
        finally:
            project.close()

    report(args, loads, variants, ready)


def startup_times(project: GeneratedProject, baseline: BareProcess, runs: int) -> dict[str, float]:
    def start_generated() -> float:
        instance = generated_api(project, "startup")
        instance.start()
        instance.stop()
        assert instance.seconds_to_ready is not None
        return instance.seconds_to_ready

    return median_startups(
        {"bare": baseline.start, "generated": start_generated},
        {"bare": baseline.stop, "generated": lambda: None},
        runs,
    )


def measure_rounds(
    bare: BareApp,
    baseline: BareProcess,
    api: ApiProcess,
    variants: list[tuple[FeatureSwitch, ApiProcess]],
    args: argparse.Namespace,
) -> dict[str, list[Load]]:
    """wrk against every target in turn, `args.rounds` times; the loads of each by label."""
    with client(api.base_url) as http:
        account = signed_up(http, "bench")
        for index in range(NOTES_IN_LIST):
            http.post(
                "notes",
                json={"title": f"note {index}", "body": "x" * 200},
                headers=account.headers,
            ).raise_for_status()
    assert baseline.process is not None
    notes = f"notes?page=1&pageSize={NOTES_IN_LIST}"

    def routes(instance: ApiProcess) -> dict[str, tuple[str, dict[str, str]]]:
        return {
            "health": (f"{instance.base_url}/health", {}),
            "notes": (f"{instance.base_url}/{notes}", account.headers),
        }

    # label: (url, server pid, headers). The instances share the project's database and
    # settings, so the account and its notes are everyone's.
    targets: dict[str, tuple[str, int, dict[str, str]]] = {
        f"{bare.label} GET /api/v1/health": (f"{baseline.url}/health", baseline.process.pid, {}),
    }
    for route, (url, headers) in routes(api).items():
        targets[ROUTE_LABELS[route]] = (url, api.server_pid(), headers)
    for switch, instance in variants:
        for route in switch.routes:
            url, headers = routes(instance)[route]
            targets[switched_label(route, switch)] = (
                url,
                instance.server_pid(),
                headers,
            )
    loads: dict[str, list[Load]] = {label: [] for label in targets}
    for round_number in range(args.rounds):
        print(f"round {round_number + 1}/{args.rounds} ...", flush=True)
        for label, (url, pid, headers) in targets.items():
            loads[label].append(measure(url, args, pid, headers))
    return loads


ROUTE_LABELS = {
    "health": "generated GET /api/v1/health",
    "notes": f"generated GET /api/v1/notes (Bearer, {NOTES_IN_LIST} items, cached)",
}


def switched_label(route: str, switch: FeatureSwitch) -> str:
    """The label of `route` measured on `switch`'s instance."""
    return f"{ROUTE_LABELS[route]}, {switch.label}"


def report(
    args: argparse.Namespace,
    loads: dict[str, list[Load]],
    variants: list[tuple[FeatureSwitch, ApiProcess]],
    ready: dict[str, float],
) -> None:
    print(
        f"\nwrk: 2 threads, {args.connections} connections, {args.duration}s per run after a 3s"
        f" warm-up; median of {args.rounds} interleaved rounds"
    )
    print(busy_warning())
    medians = {label: median_load(runs) for label, runs in loads.items()}
    bare_load = next(iter(medians.values()))
    for label, load in medians.items():
        print(f"  {label}")
        print(
            f"    {load.requests_per_second:>9.0f} req/s"
            f"  p99 {load.p99_seconds * 1000:7.2f} ms"
            f"  CPU {load.cpu_seconds_per_request * 1e6:6.0f} us/request"
        )
    print("ratios against the bare app (throughput: higher is better; p99, CPU: lower is better)")
    for label, load in list(medians.items())[1:]:
        throughput = load.requests_per_second / bare_load.requests_per_second
        cpu = load.cpu_seconds_per_request / bare_load.cpu_seconds_per_request
        print(
            f"  {label}\n    throughput x{throughput:.2f}"
            f"  p99 x{load.p99_seconds / bare_load.p99_seconds:.2f}"
            f"  CPU/request x{cpu:.2f}"
        )
    print("what each feature costs: CPU per request with the feature against without it")
    for switch, _ in variants:
        for route in switch.routes:
            default = medians[ROUTE_LABELS[route]].cpu_seconds_per_request
            switched = medians[switched_label(route, switch)].cpu_seconds_per_request
            with_it, without = (switched, default) if switch.switches_on else (default, switched)
            print(
                f"  {route}: {switch.label}: x{with_it / without:.2f}"
                f" ({with_it * 1e6:.0f} against {without * 1e6:.0f} us);"
                f" without it x{without / bare_load.cpu_seconds_per_request:.2f} the bare app"
            )
    report_startup(ready, args.startups)


def report_startup(ready: dict[str, float], runs: int) -> None:
    print(
        f"time from process start to ready (median of {runs}, started in alternation):"
        f" generated {ready['generated']:.2f}s (readiness: PostgreSQL + Redis),"
        f" bare {ready['bare']:.2f}s, x{ready['generated'] / ready['bare']:.1f}"
    )
    print(busy_warning())
