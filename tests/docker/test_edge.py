"""Through Traefik, as the internet sees the server: TLS, redirects, headers, what is closed."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from datetime import datetime, timedelta

from tests.docker.acme_ca import AcmeCa
from tests.docker.docker_api_calls import calls_in_log
from tests.docker.edge_stack import ENVIRONMENT, EdgeStack, env_file_values
from tests.docker.engine import docker
from tests.docker.http_client import http_get, https_get
from tests.docker.stacks import WEB_USER, ApiStack
from tests.report import record

# The home page's API status once its server-side call to http://api:<port> succeeded
# (apps/web/src/app/page.tsx marks the state in a data attribute).
WEB_API_REACHED = 'data-state="up"'
# Run in the web container: what its own server answers on /metrics (the image's PORT).
FETCH_OWN_METRICS = (
    "fetch('http://127.0.0.1:' + process.env.PORT + '/metrics')"
    ".then(r => r.text()).then(t => console.log(t))"
)


def test_certificate_for_the_api_host_comes_from_the_acme_ca(
    issued_certificate: dict[str, object], stack: EdgeStack
) -> None:
    alt_names = issued_certificate["subjectAltName"]
    assert isinstance(alt_names, tuple)
    assert [value for kind, value in alt_names if kind == "DNS"] == [stack.api_host]
    issuer = json.dumps(issued_certificate["issuer"])
    assert "Pebble" in issuer


def test_http_redirects_to_https(stack: EdgeStack, issued_certificate: object) -> None:
    response = http_get(stack, "/api/v1/health?probe=1")
    assert response.status_code in {301, 308}
    assert response.headers["location"] == f"https://{stack.api_host}/api/v1/health?probe=1"


def test_api_answers_over_https_with_security_headers(
    stack: EdgeStack, acme_ca: AcmeCa, issued_certificate: object
) -> None:
    response = https_get(stack, "/api/v1/health", acme_ca.issuing_roots_pem())
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"
    headers = response.headers
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert "includesubdomains" in headers["strict-transport-security"].lower()
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "x-powered-by" not in headers
    assert "x-request-id" in headers


def test_metrics_are_not_served_to_the_internet(
    stack: EdgeStack, acme_ca: AcmeCa, issued_certificate: object
) -> None:
    response = https_get(stack, "/api/v1/metrics", acme_ca.issuing_roots_pem())
    assert response.status_code == 404


def test_api_is_ready_so_migrations_postgres_and_redis_work(
    stack: EdgeStack, acme_ca: AcmeCa, issued_certificate: object
) -> None:
    response = https_get(stack, "/api/v1/health/ready", acme_ca.issuing_roots_pem())
    assert response.status_code == 200, response.text
    # scripts/deploy ran the migrations once, as a one-off task, and scaled it back to none.
    assert stack.swarm.desired_replicas("migrate") == 0


def test_api_connects_as_its_own_database_role(
    stack: EdgeStack, acme_ca: AcmeCa, issued_certificate: object
) -> None:
    """db-roles set the roles up on the fresh volume before migrations; the API's sessions
    are its role's, not the superuser's."""
    response = https_get(stack, "/api/v1/health/ready", acme_ca.issuing_roots_pem())
    assert response.status_code == 200, response.text
    values = env_file_values(stack.project / "env" / f"{ENVIRONMENT}.env")
    postgres = stack.swarm.container("postgres")
    sessions = docker(
        "exec", postgres, "psql", "--no-psqlrc", "--tuples-only", "--no-align",
        f"--username={values['POSTGRES_USER']}", f"--dbname={values['POSTGRES_DB']}",
        "--command=SELECT DISTINCT usename FROM pg_stat_activity"
        " WHERE datname = current_database() AND backend_type = 'client backend'"
        " AND pid <> pg_backend_pid()",
    )  # fmt: skip
    assert set(sessions.split()) == {values["DB_API_USER"]}, sessions
    print(f"\n[docker] sessions on {values['POSTGRES_DB']}: {sorted(set(sessions.split()))}")


def loopback_listener(port: int) -> str:
    """The program listening on 127.0.0.1:`port` (as `ss` names it), or "" if none."""
    listing = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    owner = re.search(r'users:\(\("([^"]+)"', listing)
    return owner.group(1) if owner else ""


def test_database_and_redis_are_not_reachable_from_the_host(stack: EdgeStack) -> None:
    proxies = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    for service, port in (("postgres", 5432), ("redis", 6379)):
        container = stack.swarm.container(service)
        published = docker("port", container).strip()
        assert published == "", f"{service} publishes {published}"
        # The engine publishes a port through docker-proxy: none forwards to this container.
        addresses = docker(
            "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
            container,
        ).split()  # fmt: skip
        forwards = [
            line
            for line in proxies.splitlines()
            if "docker-proxy" in line
            and any(f"-container-ip {address} " in f"{line} " for address in addresses)
        ]
        assert not forwards, f"{service} is forwarded: {forwards}"
        # Nothing of Docker's answers on the service's usual port on loopback. (Another program
        # of this machine may listen there, e.g. a developer's own PostgreSQL: not the stack.)
        with socket.socket() as probe:
            probe.settimeout(2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                listener = loopback_listener(port)
                assert listener not in {"", "docker-proxy"}, f"{service} answers on {port}"


def test_only_traefik_publishes_ports(stack: EdgeStack) -> None:
    """On the node itself (mode: host), the two ports only: Swarm publishes no address of
    the routing mesh for any service."""
    for service in ("api", "web", "postgres", "redis", "traefik-docker-api"):
        assert docker("port", stack.swarm.container(service)).strip() == "", service
        endpoint = docker(
            "service", "inspect", "--format", "{{json .Endpoint.Ports}}",
            stack.swarm.service(service),
        ).strip()  # fmt: skip
        assert endpoint in {"null", "[]"}, f"{service} publishes {endpoint}"
    published = docker("port", stack.swarm.container("traefik")).split()
    ports = {line.rsplit(":", 1)[1] for line in published if ":" in line}
    assert ports == {str(stack.http_port), str(stack.https_port)}, published


def process_uids(stack: EdgeStack, service: str) -> set[str]:
    """Real, effective, saved and file-system uids of the service's main process."""
    pid = docker("inspect", "--format", "{{.State.Pid}}", stack.swarm.container(service))
    with open(f"/proc/{pid.strip()}/status") as status:
        return set(next(line for line in status if line.startswith("Uid:")).split()[1:])


def test_api_process_runs_as_a_non_root_user(stack: EdgeStack, api_stack: ApiStack) -> None:
    uids = process_uids(stack, "api")
    assert uids == {api_stack.uid}
    assert "0" not in uids


def test_web_process_runs_as_a_non_root_user(stack: EdgeStack) -> None:
    uids = process_uids(stack, "web")
    assert uids == {WEB_USER.split(":")[0]}
    assert "0" not in uids


# A stack's services start together: Traefik's Swarm provider may ask for its Docker API proxy
# before the proxy's task is up and named in the network's DNS. It retries; these errors, up to
# a few seconds past the proxy's start, are that race, not a fault.
PROXY_DNS_SETTLE = timedelta(seconds=10)


def _proxy_not_up_yet(entry: dict[str, object], proxy_started: datetime) -> bool:
    if entry.get("providerName") != "swarm" or "traefik-docker-api" not in str(entry.get("error")):
        return False
    logged = datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))
    return logged <= proxy_started + PROXY_DNS_SETTLE


def test_traefik_logged_no_error(stack: EdgeStack, issued_certificate: object) -> None:
    proxy = stack.swarm.containers("traefik-docker-api", all_states=True)
    started = [docker("inspect", "--format", "{{.State.StartedAt}}", c).strip() for c in proxy]
    # Docker's nanoseconds are more than fromisoformat takes: seconds are enough here.
    proxy_started = min(datetime.fromisoformat(s[:19] + "+00:00") for s in started)
    errors: list[str] = []
    race: list[str] = []
    for line in stack.swarm.logs("traefik").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("level") in {"error", "fatal", "panic"}:
            (race if _proxy_not_up_yet(entry, proxy_started) else errors).append(line)
    record(
        f"docker: Traefik logged {len(race)} errors reaching its Docker API proxy before it had "
        f"started (retried), {len(errors)} other errors"
    )
    assert not errors, "\n".join(errors)


def test_traefik_needed_no_call_its_docker_api_proxy_refuses(
    stack: EdgeStack, issued_certificate: object
) -> None:
    """Routing the stack (a certificate issued for the API's host shows Traefik found it) took
    only calls infra/docker-api/traefik.allow names: the proxy's log has no refusal."""
    log = stack.swarm.logs("traefik-docker-api")
    calls = calls_in_log(log)
    for call, statuses in sorted(calls.items()):
        record(f"docker: Traefik in the stack called {call}: {', '.join(sorted(statuses))}")
    # Its Swarm provider's refresh: the services, their tasks, and the tasks' nodes.
    assert {"GET /v1.41/services", "GET /v1.41/tasks", "GET /v1.41/nodes/{id}"} <= set(calls), log[
        -3000:
    ]
    # The proxy refuses with 403: no call got anything but 200.
    assert all(statuses == {"200"} for statuses in calls.values()), calls


def test_api_container_cannot_reach_the_docker_api(stack: EdgeStack, api_stack: ApiStack) -> None:
    """Only Traefik shares a network with its Docker API proxy: a compromised API cannot use it."""
    api = stack.swarm.container("api")
    probe = api_stack.connect_probe("http://traefik-docker-api:2375/_ping")
    assert docker("exec", api, *probe).strip() == "unreachable"
    # The probe can tell: Traefik's ping (entry point `traefik`, :8080), on the shared edge
    # network, answers it.
    control = api_stack.connect_probe("http://traefik:8080/ping")
    assert docker("exec", api, *control).strip() == "reachable"


def test_certificate_for_the_web_host_comes_from_the_acme_ca(
    web_certificate: dict[str, object], web_host: str
) -> None:
    alt_names = web_certificate["subjectAltName"]
    assert isinstance(alt_names, tuple)
    assert [value for kind, value in alt_names if kind == "DNS"] == [web_host]
    assert "Pebble" in json.dumps(web_certificate["issuer"])


def test_web_http_redirects_to_https(stack: EdgeStack, web_host: str) -> None:
    response = http_get(stack, "/health", host=web_host)
    assert response.status_code in {301, 308}
    assert response.headers["location"] == f"https://{web_host}/health"


def test_web_answers_over_https_with_security_headers(
    stack: EdgeStack, acme_ca: AcmeCa, web_host: str, web_certificate: object
) -> None:
    response = https_get(stack, "/health", acme_ca.issuing_roots_pem(), host=web_host)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}
    headers = response.headers
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "x-powered-by" not in headers


def test_web_metrics_are_not_served_to_the_internet(
    stack: EdgeStack, acme_ca: AcmeCa, web_host: str, web_certificate: object
) -> None:
    """The web server serves /metrics (Prometheus scrapes it on the telemetry network); the
    web router's rule leaves that path out, as the API's does its own."""
    response = https_get(stack, "/metrics", acme_ca.issuing_roots_pem(), host=web_host)
    assert response.status_code == 404
    assert "nodejs_" not in response.text
    # The task serves them itself (every task is scraped, so any one will do), after a page.
    https_get(stack, "/", acme_ca.issuing_roots_pem(), host=web_host)
    served = "".join(
        docker("exec", task, "node", "-e", FETCH_OWN_METRICS)
        for task in stack.swarm.containers("web")
    )
    assert "web_api_call_duration_seconds_count" in served, served[-2000:]


def test_web_home_page_shows_the_api_reached_on_the_server_network(
    stack: EdgeStack, acme_ca: AcmeCa, web_host: str, web_certificate: object
) -> None:
    """The page is rendered on the server, which calls the API at http://api:<port>."""
    response = https_get(stack, "/", acme_ca.issuing_roots_pem(), host=web_host)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert WEB_API_REACHED in response.text, response.text[-2000:]
    # The page's own policy (apps/web/src/proxy.ts) reaches the browser through Traefik.
    policy = response.headers["content-security-policy"]
    assert "'nonce-" in policy
    assert "'unsafe-inline'" not in policy


def tcp_probe(host: str, port: int) -> list[str]:
    """A node command, run in a container, printing whether host:port accepts a connection."""
    script = (
        f"const s = require('net').connect({port}, '{host}');"
        "s.setTimeout(3000, () => { console.log('unreachable'); process.exit(0); });"
        "s.on('connect', () => { console.log('reachable'); process.exit(0); });"
        "s.on('error', () => { console.log('unreachable'); process.exit(0); });"
    )
    return ["node", "-e", script]


def test_web_container_reaches_the_api_but_not_the_data_stores(stack: EdgeStack) -> None:
    web = stack.swarm.container("web")
    for service, port in (("postgres", 5432), ("redis", 6379), ("traefik-docker-api", 2375)):
        assert docker("exec", web, *tcp_probe(service, port)).strip() == "unreachable", service
    # The probe can tell: the API, on the shared edge network, accepts the connection.
    api_port = int(env_file_values(stack.project / "env" / f"{ENVIRONMENT}.env")["PORT"])
    assert docker("exec", web, *tcp_probe("api", api_port)).strip() == "reachable"
