"""The real Prometheus with the project's config and rules, scraping what runs here,
once per API stack (dashboards and alerts are promised to work for both).

Checks that every target this machine can run is up; every rule loads and evaluates; every
dashboard query parses (Prometheus answers bad_data otherwise); the API, host and PostgreSQL
dashboards return data after some traffic; every metric an alert rule reads exists; on a
healthy stack only the Watchdog fires, and Alertmanager delivers it to the heartbeat webhook.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness.answer_sets import RUNTIME_CASES, RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.session import runtime_session
from tests.harness.web_process import WebProcess
from tests.monitoring.live_stack import NOT_RUNNING_HERE, LiveStack, has_web_front_end
from tests.monitoring.projects import (
    MONITORING_ANSWER_SETS,
    alert_rules,
    dashboards,
    panels,
)
from tests.monitoring.promql_names import metric_names
from tests.monitoring.webhook_receiver import WebhookReceiver
from tests.report import record

# Grafana's interval variables, as it would fill them for a short range.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
# Dashboards whose every query must return data here, and the panels that cannot, with why.
MUST_RETURN_DATA = {"api.json", "host.json", "postgres.json"}
EMPTY_HERE_BY_DESIGN = {
    "Server errors by route": "a healthy API answers no 5xx to the traffic sent here",
}
# Host alerts report on this machine itself, which the tests do not control.
THIS_MACHINE = {"HostDiskAlmostFull", "HostMemoryPressure"}


def first_case_of_each_stack() -> dict[str, RuntimeCase]:
    """One API per stack: the first runtime case of each (the contract suite builds the same
    project, so a full runtime run shares the build)."""
    cases: dict[str, RuntimeCase] = {}
    for case in RUNTIME_CASES:
        cases.setdefault(case.stack, case)
    return cases


STACK_CASES = first_case_of_each_stack()


@pytest.fixture(scope="module", params=list(STACK_CASES.values()), ids=list(STACK_CASES))
def case(request: pytest.FixtureRequest) -> RuntimeCase:
    """The stack under test: every live test runs once per stack, one whole stack at a time."""
    stack_case: RuntimeCase = request.param
    return stack_case


@pytest.fixture(scope="module")
def monitored(case: RuntimeCase, monitored_projects: dict[str, Path]) -> Path:
    """The monitoring answer set rendered for the API's stack: its prometheus.yml names the
    port that stack listens on (NestJS: with backups, their textfile metrics coming from its
    own backup scripts; FastAPI: without)."""
    name = next(
        name
        for name, answers in MONITORING_ANSWER_SETS.items()
        if answers["api_stack"] == case.stack
    )
    return monitored_projects[name]


@pytest.fixture(scope="module")
def api(
    case: RuntimeCase, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiProcess]:
    """The generated API, built and started by the runtime harness (the API is the same
    whatever use_monitoring says, so the contract suite's build is shared when both run)."""
    project = runtime_session(request.config, tmp_path_factory).project(case)
    api = ApiProcess.built_and_migrated(project, database="api", name="api-monitoring")
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def web(
    case: RuntimeCase,
    monitored: Path,
    api: ApiProcess,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebProcess | None]:
    """The runtime project's built web front end, calling the API above, when the monitored
    project probes one (its WebDown rule must then see it up)."""
    if not has_web_front_end(monitored):
        yield None
        return
    project = runtime_session(request.config, tmp_path_factory).project(case)
    assert case.has_web, f"{case.id} has no web front end to probe"
    web = WebProcess.for_web_project(project, f"http://127.0.0.1:{api.port}", "web-monitoring")
    web.start()
    yield web
    web.stop()


@pytest.fixture(scope="module")
def heartbeat(case: RuntimeCase) -> Iterator[WebhookReceiver]:
    """A receiver per stack, so each run's Alertmanager must deliver on its own."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def live(
    monitored: Path,
    api: ApiProcess,
    web: WebProcess | None,
    heartbeat: WebhookReceiver,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveStack]:
    stack = LiveStack(monitored, api, tmp_path_factory.mktemp("live-monitoring"), web)
    try:
        stack.start(heartbeat.url)
        # rate() needs a scrape before the traffic: the API's request series appear with the
        # first request, so one round creates them and a second, scraped later, moves them.
        assert stack.wait_for('up{job="api"} == 1'), stack.logs_tail()
        send_traffic(api)
        assert stack.wait_for('http_request_duration_seconds_count{job="api"}')
        statuses = send_traffic(api)
        recorded = 'sum(rate(http_request_duration_seconds_count{job="api"}[1m])) > 0'
        assert stack.wait_for(recorded), (statuses, api.output_tail())
        yield stack
    finally:
        stack.stop()


def send_traffic(api: ApiProcess) -> list[int]:
    """A mix the API records: 2xx, 4xx of known routes, 404 of unknown ones; the statuses."""
    statuses = []
    with httpx.Client(base_url=api.base_url, timeout=10) as client:
        for _ in range(5):
            statuses.append(client.get("/openapi.json").status_code)
            statuses.append(client.get("/notes").status_code)
            statuses.append(client.post("/notes", json={"unknown": "field"}).status_code)
            statuses.append(client.get("/no-such-route").status_code)
    return statuses


def promql_queries(project: Path) -> list[tuple[str, str, str]]:
    """(dashboard, panel title, query with Grafana's variables filled) of every Prometheus query."""
    queries = []
    for name, board in dashboards(project).items():
        for panel in panels(board):
            for target in panel.get("targets", []):
                if (target.get("datasource") or panel.get("datasource") or {}).get(
                    "type"
                ) != "prometheus":
                    continue
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                queries.append((name, panel["title"], expr))
    return queries


def test_every_target_that_runs_here_is_up(live: LiveStack, case: RuntimeCase) -> None:
    for job in live.skipped_jobs:
        assert job in NOT_RUNNING_HERE, f"job {job} has no target here and no reason why"
    record(
        f"monitoring [{case.stack}]: live Prometheus scraped every job except "
        + ", ".join(f"{job} ({NOT_RUNNING_HERE[job][1]})" for job in live.skipped_jobs)
    )
    down: list[dict[str, Any]] = []
    for _ in range(30):
        targets = live.api_get("targets")["data"]["activeTargets"]
        down = [target for target in targets if target["health"] != "up"]
        if targets and not down:
            break
        time.sleep(1)
    assert not down, [(t["labels"]["job"], t["lastError"]) for t in down]


def test_every_rule_loads_and_evaluates(live: LiveStack, monitored: Path) -> None:
    assert live.wait_for("ALERTS"), "no rule evaluated yet"
    groups = live.api_get("rules")["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == len(alert_rules(monitored))
    broken = [(rule["name"], rule.get("lastError")) for rule in rules if rule["health"] != "ok"]
    assert not broken


def test_every_dashboard_query_parses(live: LiveStack, monitored: Path, case: RuntimeCase) -> None:
    queries = promql_queries(monitored)
    failures = []
    for board, panel, expr in queries:
        answer = live.query(expr)
        if answer["status"] != "success":
            failures.append(
                f"{board} / {panel}: {answer.get('errorType')}: {answer.get('error')}\n  {expr}"
            )
    logql = sum(
        1
        for board in dashboards(monitored).values()
        for panel in panels(board)
        if (panel.get("datasource") or {}).get("type") == "loki"
    )
    record(
        f"monitoring [{case.stack}]: {len(queries)} dashboard PromQL queries parsed by the "
        "live Prometheus; "
        f"{logql} LogQL panel queries not run (Loki cannot run here)"
    )
    assert not failures, "\n".join(failures)


def test_api_host_and_postgres_dashboards_show_data(
    live: LiveStack, monitored: Path, case: RuntimeCase
) -> None:
    checked, empty = 0, []
    for board, panel, expr in promql_queries(monitored):
        if board not in MUST_RETURN_DATA or panel in EMPTY_HERE_BY_DESIGN:
            continue
        checked += 1
        if not live.wait_for(expr, timeout=5):
            empty.append(f"{board} / {panel}: {expr}")
    record(
        f"monitoring [{case.stack}]: {checked} queries of the API, host and PostgreSQL "
        "dashboards returned data "
        f"(not expected here: {', '.join(EMPTY_HERE_BY_DESIGN)})"
    )
    assert not empty, "no data:\n" + "\n".join(empty)


def test_every_metric_an_alert_reads_was_scraped(
    live: LiveStack, monitored: Path, case: RuntimeCase
) -> None:
    scraped = live.metric_names()
    elsewhere = {prefix: why for prefix, why in NOT_RUNNING_HERE.values()}
    missing, not_checked = [], set()
    for rule in alert_rules(monitored):
        for name in metric_names(rule["expr"]):
            if name.startswith(tuple(elsewhere)):
                not_checked.add(name)
            elif name not in scraped:
                missing.append(f"{rule['alert']}: {name}")
    record(
        f"monitoring [{case.stack}]: every metric of {len(alert_rules(monitored))} alert rules "
        "scraped, except from components not running here: " + ", ".join(sorted(not_checked))
    )
    assert not missing, missing


def test_prometheus_refuses_lifecycle_calls_from_the_network(live: LiveStack) -> None:
    """Anything on the monitoring network (Grafana, Alloy, an exporter) reaches Prometheus:
    with the lifecycle API on, one POST reloads or stops it. /-/quit is not sent: on a
    Prometheus that accepted it, the rest of this module would lose its server."""
    response = httpx.post(f"{live.prometheus_url}/-/reload", timeout=10)
    assert response.status_code == 403, (response.status_code, response.text)
    assert "Lifecycle API is not enabled" in response.text
    assert live.query("up")["status"] == "success"


def test_a_healthy_stack_fires_only_the_watchdog(live: LiveStack) -> None:
    live.wait_for('ALERTS{alertname="Watchdog"}')
    alerts = live.api_get("alerts")["data"]["alerts"]
    active = {alert["labels"]["alertname"] for alert in alerts} - THIS_MACHINE
    assert active == {"Watchdog"}, alerts


def test_alerts_carry_the_environment_label(live: LiveStack) -> None:
    watchdog = live.wait_for('ALERTS{alertname="Watchdog"}')
    assert watchdog
    answer = httpx.get(f"{live.alertmanager_url}/api/v2/alerts", timeout=10).json()
    labels = [alert["labels"] for alert in answer if alert["labels"]["alertname"] == "Watchdog"]
    assert labels, answer
    assert labels[0]["environment"] == "test"


def test_alertmanager_delivers_the_heartbeat(live: LiveStack, heartbeat: WebhookReceiver) -> None:
    for _ in range(60):
        if "Watchdog" in heartbeat.alert_names():
            break
        time.sleep(0.5)
    assert heartbeat.alert_names() == {"Watchdog"}, live.logs_tail()


# A metric only each stack's runtime exports: proof the scraped API is the stack under test.
RUNTIME_INFO = {"nestjs": "nodejs_version_info", "fastapi": "python_info"}


def test_the_request_histogram_has_the_same_labels_on_every_stack(
    live: LiveStack, case: RuntimeCase
) -> None:
    """Dashboards and alerts group and filter by these: a stack naming one differently would
    show empty panels and alerts that never fire, not errors."""
    assert live.wait_for(f'{RUNTIME_INFO[case.stack]}{{job="api"}}'), live.metric_names()
    series = live.api_get(
        "series", **{"match[]": 'http_request_duration_seconds_bucket{job="api"}'}
    )
    exposed = {name for labels in series["data"] for name in labels}
    added_by_prometheus = {"__name__", "job", "instance"}
    assert exposed - added_by_prometheus == {"le", "method", "route", "status_code"}
    statuses = {labels["status_code"] for labels in series["data"]}
    assert {"200", "404"} <= statuses, statuses


def test_backup_metrics_from_the_backup_scripts_reach_prometheus(live: LiveStack) -> None:
    if not live.has_backups:
        pytest.skip("this stack's monitoring answer set renders no backups")
    result = live.wait_for("backup_last_success_timestamp_seconds")
    assert result
    assert result[0]["metric"]["database"] == "app"
    assert not live.query("time() - max(backup_last_success_timestamp_seconds) > 26 * 3600")[
        "data"
    ]["result"]
