"""Schemathesis fuzzes each stack's running API from its own OpenAPI document, authenticated:
no server error and no response the document does not declare (status, content type, body
schema, headers), with every check Schemathesis has (`--checks all`).

Once per stack, on the every-feature answer set (it has every route): the fuzzer's API is an
instance of its own, on a database of its own, with the per-client rate limits and the login
backoff raised through their variables (LIMITS), since one fuzzer from one address would
otherwise spend most of its cases on 429s (the contract suite tests the limits themselves).
The run is bounded (cases per operation, a timeout) and seeded, so a failure reproduces.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.accounts import signed_up
from tests.harness.answer_sets import RuntimeCase
from tests.harness.api_process import ApiProcess
from tests.harness.commands import toolchain_env
from tests.harness.http import client
from tests.harness.project import GeneratedProject
from tests.paths import VENV_BIN
from tests.report import record

FUZZED_SET = "all-features"
SEED = 14
MAX_EXAMPLES = 40  # cases per operation and phase
TIMEOUT = 900.0
# High enough that the fuzzer never meets them; the values are still read and enforced.
LIMITS = {
    "RATE_LIMIT_MAX": "1000000",
    "AUTH_RATE_LIMIT_MAX": "1000000",
    "AUTH_REFRESH_RATE_LIMIT_MAX": "1000000",
    "LOGIN_BACKOFF_AFTER_FAILURES": "1000000",
}


@pytest.fixture(scope="module")
def fuzzed_api(
    runtime_case: RuntimeCase, generated_project: GeneratedProject
) -> Iterator[ApiProcess]:
    if runtime_case.answer_set != FUZZED_SET:
        pytest.skip(f"{runtime_case.id}: fuzzed once per stack, on the {FUZZED_SET} set")
    api = ApiProcess.built_and_migrated(generated_project, database="fuzz", **LIMITS)
    api.start()
    yield api
    api.stop()


def run_schemathesis(
    api: ApiProcess, token: str, workdir: Path
) -> subprocess.CompletedProcess[str]:
    """`st run` with every check; its reports and cache stay in `workdir`."""
    return subprocess.run(
        [
            str(VENV_BIN / "st"),
            "run",
            f"{api.base_url}/openapi.json",
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            # U+0000 in a string is a 400 naming the field (docs/http-contract.md,
            # test_input_bounds.py), a rule JSON Schema can only state as a pattern on every
            # string: the fuzzer leaves it out rather than read it as a valid input refused.
            "--generation-allow-x00",
            "false",
            "--request-timeout",
            "10",
            "--report",
            "junit",
            "--report-dir",
            str(workdir / "report"),
            "--output-truncate",
            "true",
        ],
        cwd=workdir,
        env=toolchain_env({"SCHEMATHESIS_TELEMETRY": "false"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def summary(output: str) -> str:
    """Operations tested, test cases and failures, from the run's SUMMARY section."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", output)
    tail = text[text.rfind("SUMMARY") :]
    tested = re.search(r"Tested: (\d+)", tail)
    cases = re.search(r"Test cases:\s*\n\s*(.+)", tail)
    failures = re.findall(r"❌ (ST\d+ [^:\n]+: \d+)", tail)
    return (
        f"{tested.group(1) if tested else '?'} operations, "
        f"{cases.group(1).strip() if cases else '? cases'}; "
        f"failures: {', '.join(failures) or 'none'}"
    )


def test_schemathesis_finds_nothing(
    runtime_case: RuntimeCase, fuzzed_api: ApiProcess, tmp_path: Path
) -> None:
    with client(fuzzed_api.base_url) as http:
        account = signed_up(http, "fuzzer")
    result = run_schemathesis(fuzzed_api, account.access_token, tmp_path)
    record(
        f"schemathesis {runtime_case.id} (seed {SEED}, {MAX_EXAMPLES} cases per operation and "
        f"phase, --checks all): {summary(result.stdout)}"
    )
    assert result.returncode == 0, result.stdout[-20000:]
