"""Logs: one JSON object a line, the request id on request lines, secrets redacted."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from tests.harness.accounts import PASSWORD, signed_up
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.http import show

LEVELS = {"debug", "info", "warn", "error"}


def with_id(request_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda record: record.get("requestId") == request_id


def completion_line(api: ApiProcess, request_id: str) -> dict[str, Any]:
    lines = api.wait_for_log(lambda r: with_id(request_id)(r) and "statusCode" in r)
    assert len(lines) == 1, (
        f"expected one completion line for {request_id}, got {lines}\n{api.output_tail()}"
    )
    return lines[0]


def test_every_line_is_a_json_object(api: ApiProcess, client: httpx.Client) -> None:
    client.get("no-such-route")
    lines = api.stdout_lines()
    first_json = next((i for i, line in enumerate(lines) if line.startswith("{")), None)
    assert first_json is not None, f"no JSON log line at all\n{api.output_tail()}"
    # make or pnpm may print a banner before the process starts; after that, only JSON.
    not_json = [line for line in lines[first_json:] if line.strip() and not line.startswith("{")]
    assert not not_json, f"non-JSON lines on stdout: {not_json[:5]}"
    for record in api.log_records():
        assert record.get("level") in LEVELS, f"level must be a name: {record}"
        if "statusCode" in record:  # a request's completion line
            assert record.get("requestId"), f"request line without requestId: {record}"
        datetime.fromisoformat(str(record["time"]).replace("Z", "+00:00"))
        assert isinstance(record.get("msg"), str), record


def test_one_completion_line_per_request(
    api: ApiProcess, client: httpx.Client, auth_headers: dict[str, str]
) -> None:
    request_id = f"logs-{uuid.uuid4().hex}"
    response = client.get(
        f"notes/{uuid.uuid4()}", headers={**auth_headers, "X-Request-Id": request_id}
    )
    assert response.status_code == 404, show(response)
    line = completion_line(api, request_id)
    assert line["method"] == "GET", line
    assert line["path"].startswith("/api/v1/notes/"), line
    assert line["statusCode"] == 404, line
    assert isinstance(line["durationMs"], (int, float)), line
    assert line["durationMs"] >= 0, line


def test_generated_request_ids_reach_the_log(api: ApiProcess, client: httpx.Client) -> None:
    response = client.get("no-such-route")
    request_id = response.headers["x-request-id"]
    assert completion_line(api, request_id)["statusCode"] == 404


def test_secrets_never_reach_the_log(
    api: ApiProcess, runtime_case: RuntimeCase, new_client: Callable[..., httpx.Client]
) -> None:
    client = new_client()
    secrets = {
        "bearer": f"secret-bearer-{uuid.uuid4().hex}",
        "cookie": f"secret-cookie-{uuid.uuid4().hex}",
        "password": f"secret-password-{uuid.uuid4().hex}",
    }
    headers = {
        "Authorization": f"Bearer {secrets['bearer']}",
        "Cookie": f"session={secrets['cookie']}",
    }
    # An invalid body naming a password: validation errors are a classic place to leak it.
    client.post(
        "notes", json={"title": "t", "body": "b", "password": secrets["password"]}, headers=headers
    )
    final_headers = headers
    if runtime_case.use_auth:
        account = signed_up(client, "redact")
        secrets |= {
            "access": account.access_token,
            "refresh": account.refresh_token,
            "login": PASSWORD,
        }
        client.post("auth/refresh", json={"refreshToken": account.refresh_token})
        client.post(
            "auth/login", json={"email": account.email, "password": "wrong " + secrets["password"]}
        )
        final_headers = account.headers
    # Logs are written in order: once the last request's line is out, all earlier ones are.
    last_id = f"redact-{uuid.uuid4().hex}"
    client.get("notes", headers={**final_headers, "X-Request-Id": last_id})
    completion_line(api, last_id)
    output = "\n".join(api.stdout_lines()) + api.stderr_path.read_text(errors="replace")
    leaked = sorted(name for name, value in secrets.items() if value in output)
    assert not leaked, f"secrets in the API's output: {leaked}"
