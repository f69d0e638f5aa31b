"""The fresh-machine layer runs in the background from the start of the session.

Its work is downloads and package installs, which wait on the network far more than they use
the processor: started as soon as collection ends, it overlaps the rest of the suite, and its
tests, moved to the end, collect the results.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.docker.engine import start_engine
from tests.fresh_machine import runs
from tests.fresh_machine.machines import MachineRun, remove_leftover_machines
from tests.template_repo import snapshot_working_tree

HERE = Path(__file__).parent
_executor: ThreadPoolExecutor | None = None
_scratch: Path | None = None
_started: dict[str, Future[MachineRun]] = {}


def _is_fresh_machine_test(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).parent == HERE


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_is_fresh_machine_test)  # stable: the rest keep their order, these go last


def pytest_collection_finish(session: pytest.Session) -> None:
    global _executor, _scratch
    if not any(_is_fresh_machine_test(item) for item in session.items):
        return
    _scratch = Path(tempfile.mkdtemp(prefix="shipshape-fresh-"))
    _executor = ThreadPoolExecutor(max_workers=len(runs.RUNS), thread_name_prefix="fresh")
    template = _executor.submit(_prepare, _scratch)
    for name, run in runs.RUNS.items():
        _started[name] = _executor.submit(_after, template, run)


def _prepare(scratch: Path) -> Path:
    start_engine()
    return snapshot_working_tree(scratch / "template")


def _after(template: Future[Path], run: Callable[[Path], MachineRun]) -> MachineRun:
    return run(template.result())


def pytest_sessionfinish() -> None:
    if _executor is not None:
        _executor.shutdown(wait=False, cancel_futures=True)
        remove_leftover_machines()
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def fresh_runs() -> dict[str, Future[MachineRun]]:
    """The runs started at collection, by name (see runs.RUNS)."""
    assert _started, "the fresh-machine runs were not started (collection hook)"
    return _started
