"""The fresh-machine layer's tests read the runs started in the background.

The runs belong to the session's owner (background.py, a plugin of the root conftest), and the
root conftest sorts these tests last; here is only the fixture that waits for a result.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fresh_machine.background import results_folder, wait_for
from tests.fresh_machine.machines import MachineRun


@pytest.fixture(scope="session")
def fresh_run(pytestconfig: pytest.Config) -> Callable[[str], MachineRun]:
    """The result of the run of that name (see runs.RUNS), waiting for it if need be."""
    folder = results_folder(pytestconfig)
    return lambda name: wait_for(folder, name)
