"""A login storm cannot exhaust the API's memory: 32 logins at once (right and wrong
passwords of known users, unknown e-mails, users whose hashes were made with the libraries'
former 64 MiB defaults) keep the API's resident memory under the container limit that
compose.prod.yaml sets, with a margin, and none of them gets a 5xx. And the server takes
no more connections at once than the bound that limit's sum counts on.

Password hashing is what costs memory (argon2's memory cost, per hash in progress); the API
bounds how many run at once (docs/http-contract.md). Without that bound FastAPI ran one per
thread of its 40-thread pool: 16 concurrent logins reached 1 GiB.

Once per stack, on the every-feature answer set, against an instance of its own (a fresh
process, so its memory is this storm's). Each request comes from its own loopback address:
the per-IP rate limits keep their production values and never answer 429 here.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
import yaml

from tests.harness.accounts import PASSWORD, Account, register
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.http import client, show, unique_email
from tests.harness.password_hashes import LEGACY_HASH, LEGACY_PASSWORD, store_hash
from tests.harness.ports import ADDRESSES
from tests.harness.project import GeneratedProject
from tests.harness.rss import MIB, TreeRssSampler, parse_memory, status_bytes
from tests.report import record

STORMED_SET = "all-features"
KNOWN_USERS = 16  # half of them with a hash of the former (64 MiB) parameters
WRONG_PASSWORDS = 8  # one per known user: a per-account backoff never starts
UNKNOWN_EMAILS = 8  # each pays the decoy hash
# What must stay free under the limit: RSS leaves out what the container's cgroup also
# counts (tmpfs /tmp, page cache of the files it reads), and allocators keep some slack.
MARGIN = 0.25
# The server's bound on connections at once (docs/http-contract.md): uvicorn's
# limit_concurrency, Node.js maxConnections.
MAX_CONNECTIONS = 100
BEYOND = 10  # connections opened past the bound


@dataclass(frozen=True)
class Attempt:
    email: str
    password: str
    expected: int  # 200 right password, 401 otherwise


@pytest.fixture(scope="module")
def storm_api(
    runtime_case: RuntimeCase, generated_project: GeneratedProject
) -> Iterator[ApiProcess]:
    if runtime_case.answer_set != STORMED_SET:
        pytest.skip(f"{runtime_case.id}: stormed once per stack, on the {STORMED_SET} set")
    api = ApiProcess.built_and_migrated(generated_project, database="storm")
    api.start()
    yield api
    api.stop()


def container_memory_limit(project: GeneratedProject) -> int:
    """The api service's memory limit in the rendered compose.prod.yaml, in bytes."""
    compose = yaml.safe_load((project.path / "compose.prod.yaml").read_text())
    return parse_memory(str(compose["services"]["api"]["deploy"]["resources"]["limits"]["memory"]))


def known_users(api: ApiProcess) -> list[Account]:
    """Registered one address each (AUTH_RATE_LIMIT_MAX is per address); every other one
    gets the hash an older release stored for the same password."""
    accounts = []
    for index in range(KNOWN_USERS):
        with client(api.base_url) as http:
            account = register(http, "storm", password=LEGACY_PASSWORD)
        if index % 2:
            store_hash(api.settings["DATABASE_URL"], account.email, LEGACY_HASH)
        accounts.append(account)
    return accounts


def attempts(accounts: list[Account]) -> list[Attempt]:
    right = [Attempt(a.email, a.password, 200) for a in accounts]
    wrong = [Attempt(a.email, f"not {PASSWORD}", 401) for a in accounts[:WRONG_PASSWORDS]]
    unknown = [Attempt(unique_email("storm-unknown"), PASSWORD, 401) for _ in range(UNKNOWN_EMAILS)]
    mixed = [*right, *wrong, *unknown]
    # Interleaved, so each kind is in flight together with the others.
    return [mixed[i] for step in range(4) for i in range(step, len(mixed), 4)]


def storm(api: ApiProcess, planned: list[Attempt]) -> list[httpx.Response]:
    """Every attempt at once: one thread and one source address each, released together."""
    clients = [client(api.base_url) for _ in planned]
    for http in clients:
        http.timeout = httpx.Timeout(60.0)  # a queue of hashes on a busy machine
    start = threading.Barrier(len(planned))

    def attempt(http: httpx.Client, login: Attempt) -> httpx.Response:
        start.wait()
        return http.post("auth/login", json={"email": login.email, "password": login.password})

    try:
        with ThreadPoolExecutor(max_workers=len(planned)) as pool:
            return list(pool.map(attempt, clients, planned))
    finally:
        for http in clients:
            http.close()


def test_login_storm_stays_under_the_memory_limit(
    runtime_case: RuntimeCase, storm_api: ApiProcess, generated_project: GeneratedProject
) -> None:
    limit = container_memory_limit(generated_project)
    planned = attempts(known_users(storm_api))
    server = storm_api.server_pid()

    with TreeRssSampler(server) as sampler:
        before = sampler.total()
        started = time.monotonic()
        responses = storm(storm_api, planned)
        seconds = time.monotonic() - started
    high_water = status_bytes(server, "VmHWM")  # the kernel's own peak, between samples too
    peak = max(sampler.peak, high_water)
    allowed = int(limit * (1 - MARGIN))

    statuses = Counter(response.status_code for response in responses)
    record(
        f"login storm {runtime_case.id}: {len(planned)} concurrent logins "
        f"({KNOWN_USERS} right of which {KNOWN_USERS // 2} with 64 MiB hashes, "
        f"{WRONG_PASSWORDS} wrong, {UNKNOWN_EMAILS} unknown) in {seconds:.2f}s, "
        f"statuses {dict(sorted(statuses.items()))}; RSS {before / MIB:.0f} MiB before, "
        f"peak {peak / MIB:.0f} MiB (sampled {sampler.peak / MIB:.0f} over {sampler.samples} "
        f"samples, VmHWM {high_water / MIB:.0f}); container limit {limit / MIB:.0f} MiB, "
        f"allowed with {MARGIN:.0%} margin {allowed / MIB:.0f} MiB, "
        f"headroom {(allowed - peak) / MIB:.0f} MiB"
    )

    server_errors = [show(r) for r in responses if r.status_code >= 500]
    assert not server_errors, f"{len(server_errors)} logins got a 5xx:{server_errors[0]}"
    unexpected = [
        f"{a.email} expected {a.expected}{show(r)}"
        for a, r in zip(planned, responses, strict=True)
        if r.status_code != a.expected
    ]
    assert not unexpected, f"{len(unexpected)} unexpected answers, first: {unexpected[0]}"
    assert storm_api.alive, f"the API died during the storm\n{storm_api.output_tail()}"
    assert peak <= allowed, (
        f"peak RSS {peak / MIB:.0f} MiB is over {allowed / MIB:.0f} MiB: the container limit "
        f"{limit / MIB:.0f} MiB less the {MARGIN:.0%} margin"
    )


def first_answer(connection: socket.socket) -> str:
    """A keep-alive GET /health on `connection`: its status code, or `closed` when the server
    dropped the connection without answering (Node.js past maxConnections)."""
    connection.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    received = b""
    try:
        while b"\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                return "closed"
            received += chunk
    except ConnectionResetError:
        return "closed"
    status = re.match(rb"HTTP/1\.1 (\d{3}) ", received)
    assert status, f"not an HTTP response: {received[:200]!r}"
    return status.group(1).decode()


def test_connections_beyond_the_bound_are_refused_at_once(
    runtime_case: RuntimeCase, storm_api: ApiProcess
) -> None:
    """Connections opened one after the other and kept open, each from its own address:
    the first ones are served, those past the bound get a 503 (uvicorn) or are closed
    (Node.js; Traefik retries those) at once, and the bound frees as connections close."""
    held: list[socket.socket] = []
    answers: list[str] = []
    try:
        for _ in range(MAX_CONNECTIONS + BEYOND):
            connection = socket.create_connection(
                (storm_api.host, storm_api.port),
                timeout=10,
                source_address=(ADDRESSES.next(), 0),
            )
            held.append(connection)
            answers.append(first_answer(connection))
    finally:
        for connection in held:
            connection.close()
    served = answers.count("200")
    refused = [answer for answer in answers if answer != "200"]
    with client(storm_api.base_url) as http:
        after = http.get("health")
    record(
        f"connection bound {runtime_case.id}: {len(answers)} connections held open, "
        f"{served} served, refused past the bound: {dict(Counter(refused))}, "
        f"after closing them: {after.status_code}"
    )
    assert served in (MAX_CONNECTIONS - 1, MAX_CONNECTIONS), (
        f"{served} of {len(answers)} connections served at once, the bound is {MAX_CONNECTIONS}"
    )
    assert set(refused) <= {"503", "closed"}, f"refused with {sorted(set(refused))}"
    assert answers[:served] == ["200"] * served, "a connection within the bound was refused"
    assert after.status_code == 200, f"the bound did not free{show(after)}"


# A pool of one connection, and a pool timeout the logins' hashing outlasts when a login
# holds the connection across it.
ONE_CONNECTION = {"DB_POOL_MAX": "1", "DB_POOL_CONNECT_TIMEOUT_MS": "2000"}
SERIAL_LOGINS = 16


def test_logins_hold_no_database_connection_while_hashing(
    runtime_case: RuntimeCase, generated_project: GeneratedProject
) -> None:
    """16 logins at once, with the slow hashes of the former parameters, against a pool of
    one connection: each login needs the connection for its queries, not for the argon2
    check between them, so none waits out the pool timeout. (FastAPI's login held it from
    the user lookup to the refresh token's insert: a storm on a busy server answered 500.)"""
    if runtime_case.answer_set != STORMED_SET:
        pytest.skip(f"{runtime_case.id}: once per stack, on the {STORMED_SET} set")
    api = ApiProcess.built_and_migrated(
        generated_project, database="storm", name="one-connection", **ONE_CONNECTION
    )
    api.start()
    try:
        accounts = []
        for _ in range(SERIAL_LOGINS):
            with client(api.base_url) as http:
                account = register(http, "pool", password=LEGACY_PASSWORD)
            store_hash(api.settings["DATABASE_URL"], account.email, LEGACY_HASH)
            accounts.append(account)
        started = time.monotonic()
        responses = storm(api, [Attempt(a.email, a.password, 200) for a in accounts])
        seconds = time.monotonic() - started
    finally:
        api.stop()
    statuses = Counter(response.status_code for response in responses)
    record(
        f"logins with one database connection {runtime_case.id}: {SERIAL_LOGINS} at once"
        f" (64 MiB hashes) in {seconds:.2f}s, pool timeout"
        f" {int(ONE_CONNECTION['DB_POOL_CONNECT_TIMEOUT_MS']) / 1000:.0f}s:"
        f" statuses {dict(sorted(statuses.items()))}"
    )
    failed = [show(r) for r in responses if r.status_code != 200]
    assert not failed, f"{len(failed)} of {SERIAL_LOGINS} logins failed, first:{failed[0]}"
