"""How a parallel run (pytest-xdist) hands tests to its workers: by the groups of
tests/layers.py, each group whole to one worker, in collection order.

xdist's own `--dist=loadgroup` reads `xdist_group` markers through a node id it rewrites, which
pytest 9 no longer lets it do; the group here comes from the node id's folder instead, through
xdist's scheduler hook. Ungrouped tests go one by one, filling the gaps the groups leave.
A plugin of the root conftest: the scheduler lives in xdist's controller.
"""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from tests.layers import FOLDERS


def scope_of(nodeid: str) -> str:
    """`group:<name>` for a test of a group, else the test's own node id."""
    # The file's path only: a parameter id may hold a "/" too.
    path, _, test = nodeid.partition("::")
    parts = path.split("/")
    parameter_id = test.partition("[")[2]
    folder = FOLDERS.get(parts[1]) if len(parts) > 2 and parts[0] == "tests" else None
    group = folder.group_of(parts[-1], parameter_id) if folder else None
    return f"group:{group}" if group else nodeid


class FolderGroupScheduling(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> FolderGroupScheduling:
    # The collection's order is the schedule (tests/conftest.py sorts it): longest groups first.
    config.option.loadscopereorder = False
    return FolderGroupScheduling(config, log)
