"""Each test folder's layer and, for a parallel run, its group: one table for the root
conftest (markers, collection order) and tests/schedule.py (which worker runs what)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.harness.answer_sets import RUNTIME_STACKS


@dataclass(frozen=True)
class Folder:
    """A test folder's layer (its marker) and, where its tests share something costly or
    fixed, the group that keeps them in one worker of a parallel run (tests/schedule.py)."""

    layer: str
    group: str | None = None
    # Test files whose tests share nothing with the rest of the folder's group: (file name,
    # group) pairs, so a parallel run can hand them to another worker.
    file_groups: tuple[tuple[str, str], ...] = ()
    # Tests whose parameter id names a stack go to that stack's part of the group: what they
    # share (a built project, a running API) is built per stack, so two workers can take
    # the two stacks without building anything twice.
    split_by_stack: bool = False

    def group_of(self, file_name: str, parameter_id: str = "") -> str | None:
        group = dict(self.file_groups).get(file_name, self.group)
        if group and self.split_by_stack:
            named = set(re.split(r"[-\[\]]", parameter_id)) & set(RUNTIME_STACKS)
            if len(named) == 1:
                return f"{group}-{named.pop()}"
        return group


# By folder, so a new test file cannot forget its layer. In the order a parallel run hands the
# groups out: the longest first, so that what is left at the end is short; then the folders
# with nothing to share, test by test, filling gaps; the fresh-machine tests, which only wait
# for their runs in the background, last.
FOLDERS = {
    # The generated projects built once per runtime answer set (tests/harness/fixtures.py),
    # each stack's in a group of its own.
    "contract": Folder("runtime", "builds", split_by_stack=True),
    "runtime": Folder("runtime", "builds", split_by_stack=True),
    "monitoring": Folder("runtime", "builds", split_by_stack=True),
    # One Docker engine with fixed container, image and network names: one server at a time.
    # deploy first: the docker folder's edge stack (a session fixture) stays up to the end of
    # the session, and two server stacks cannot share the edge network's IPv6 subnet.
    # test_nodes.py too: its own engines run on a network of their own, but it builds the same
    # stand-ins in the same build contexts (.cache/docker/context), which two workers at once
    # would overwrite under each other's builds.
    "deploy": Folder("docker", "engine"),
    "docker": Folder("docker", "engine"),
    # The template's release history, snapshotted once per worker. Two groups of about equal
    # length that share nothing else, so a parallel run can give them two workers: the team's
    # edits and answers (with the memory of the projects the file linters passed), and what an
    # update does to migrations and data (copier's migrations, the database's, PostgreSQL).
    "update": Folder(
        "update",
        "update",
        file_groups=tuple(
            (file, "update-migrations")
            for file in (
                "test_database_migrations.py",
                "test_database_roles_update.py",
                "test_retention_policy_update.py",
                "test_skip_if_exists.py",
                "test_tagless_clone.py",
                "test_wal_archive_update.py",
            )
        ),
    ),
    "backups": Folder("runtime", "backups"),
    # The rendered answer matrix (conftest.rendered_matrix).
    "render": Folder("render", "matrix"),
    "lint": Folder("lint", "matrix"),
    "workflows": Folder("workflows", "workflows"),
    "secrets": Folder("runtime"),
    "interactive": Folder("interactive"),
    "unit": Folder("unit"),
    "fresh_machine": Folder("fresh"),
}
SCHEDULE = list(FOLDERS)
