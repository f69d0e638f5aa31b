"""The fresh-machine runs, started once per test session by the process that owns it.

Their work is downloads and package installs, which wait on the network far more than they use
the processor: started as soon as collection ends, they overlap the rest of the suite, and the
layer's tests, sorted last, read the results. Under xdist the controller owns the runs (one set
for all workers, whichever runs the tests) and each result crosses to the workers as a JSON file
in a folder every process is told about; without xdist the same process writes and reads it.

A plugin of the root conftest: the controller loads no conftest below tests/.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tests.docker.engine import start_engine
from tests.fresh_machine import runs
from tests.fresh_machine.machines import MachineRun, remove_leftover_machines
from tests.template_repo import snapshot_working_tree

FOLDER = "tests/fresh_machine/"
RESULTS = "shipshape_fresh_results"  # key in an xdist worker's workerinput
WAIT_SECONDS = 2400  # longer than a run's own timeout (1800 s) plus the template snapshot


class Background:
    """Starts every run of runs.RUNS once, each writing NAME.json into `results` when done."""

    def __init__(self) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="shipshape-fresh-"))
        self.results = self.scratch / "results"
        self.results.mkdir()
        self._executor: ThreadPoolExecutor | None = None

    def start_if_wanted(self, nodeids: Iterable[str]) -> None:
        if self._executor is not None or not any(FOLDER in nodeid for nodeid in nodeids):
            return
        self._executor = ThreadPoolExecutor(max_workers=len(runs.RUNS), thread_name_prefix="fresh")
        template = self._executor.submit(self._prepare)
        for name, run in runs.RUNS.items():
            self._executor.submit(self._run_and_write, name, template, run)

    def _prepare(self) -> Path:
        start_engine()
        return snapshot_working_tree(self.scratch / "template")

    def _run_and_write(
        self, name: str, template: Future[Path], run: Callable[[Path], MachineRun]
    ) -> None:
        try:
            outcome: dict[str, Any] = {"run": asdict(run(template.result()))}
        except Exception:  # the test that reads it shows why, instead of waiting in vain
            outcome = {"error": traceback.format_exc()}
        partial = self.results / f"{name}.partial"
        partial.write_text(json.dumps(outcome))
        partial.rename(self.results / f"{name}.json")

    def finish(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            remove_leftover_machines()
        shutil.rmtree(self.scratch, ignore_errors=True)


_background: Background | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _background
    if not hasattr(config, "workerinput"):
        _background = Background()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:  # xdist's controller, as it sets up a worker
    assert _background is not None
    node.workerinput[RESULTS] = str(_background.results)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    assert _background is not None
    _background.start_if_wanted(ids)


def pytest_collection_finish(session: pytest.Session) -> None:
    if _background is not None:  # without xdist (a worker has none, the controller no items)
        _background.start_if_wanted(item.nodeid for item in session.items)


def pytest_sessionfinish() -> None:
    if _background is not None:
        _background.finish()


def results_folder(config: pytest.Config) -> Path:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return Path(workerinput[RESULTS])
    assert _background is not None
    return _background.results


def wait_for(folder: Path, name: str) -> MachineRun:
    """The run `name`'s result, once its file is there."""
    path = folder / f"{name}.json"
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        assert time.monotonic() < deadline, f"fresh-machine run {name}: none after {WAIT_SECONDS} s"
        time.sleep(2)
    outcome = json.loads(path.read_text())
    if "error" in outcome:
        raise RuntimeError(f"fresh-machine run {name} failed to run:\n{outcome['error']}")
    return MachineRun(**outcome["run"])
