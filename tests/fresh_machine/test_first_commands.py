"""The README's first commands on fresh Debian 12 and 13 machines (issue: the first hour).

`make demo` must need nothing but python3 >= 3.11, git and make, and leave the system as it
was; `scripts/bootstrap` (the first step of `make test`) must install everything else on
Debian 12 as root, with no PEP 668 refusal, and a second run must find it all in place.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fresh_machine.machines import SUITES, MachineRun
from tests.fresh_machine.runs import SECOND_RUN
from tests.report import record


def finished(fresh_run: Callable[[str], MachineRun], name: str) -> MachineRun:
    result = fresh_run(name)
    record(f"fresh machine: {result.what} on {SUITES[result.suite]} took {result.seconds:.0f} s")
    assert result.returncode == 0, result.tail()
    return result


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_make_demo_needs_only_python_git_and_make(
    fresh_run: Callable[[str], MachineRun], suite: str
) -> None:
    result = finished(fresh_run, f"demo-{suite}")
    assert "is ready in demo" in result.output, result.tail()
    assert "system packages: unchanged" in result.output, result.tail()
    assert "externally-managed-environment" not in result.output, result.tail()


def test_bootstrap_installs_the_rest_and_a_second_run_changes_nothing(
    fresh_run: Callable[[str], MachineRun],
) -> None:
    result = finished(fresh_run, "bootstrap-bookworm")
    first, _, second = result.output.partition(SECOND_RUN)
    assert second, result.tail()
    assert "externally-managed-environment" not in first, result.tail()
    assert "node 24:        v24." in second, result.tail()
    assert "pytest " in second.splitlines()[-1], result.tail()
    # Every step checks its result first: nothing is installed again.
    assert "Debian packages: all" in second, result.tail()
    assert "installing" not in second, result.tail()
