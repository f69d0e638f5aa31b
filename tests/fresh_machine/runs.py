"""What a new user does on a fresh machine, as scripts run in a clone of the template."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from tests.fresh_machine.machines import MachineRun, run_on_fresh_machine

SECOND_RUN = "===== scripts/bootstrap, second run ====="

# `make demo` with the system left as it was: no Debian package added, nothing in the system
# Python (its pip refuses installs there anyway, PEP 668).
MAKE_DEMO = r"""
dpkg-query --show >/tmp/packages-before
make demo
test -f demo/.copier-answers.yml
test -f demo/.env
dpkg-query --show | diff /tmp/packages-before - && echo "system packages: unchanged"
if python3 -c 'import copier' 2>/dev/null; then echo "copier in the system Python" >&2; exit 1; fi
echo "copier: $(.cache/tools/bin/copier --version) in .cache/tools only"
"""

# The test suite's set-up, twice: the second run must find everything in place.
BOOTSTRAP = rf"""
bash scripts/bootstrap
echo "{SECOND_RUN}"
bash scripts/bootstrap
.venv/bin/pytest --version
"""

RUNS: dict[str, Callable[[Path], MachineRun]] = {
    "demo-bookworm": partial(run_on_fresh_machine, "bookworm", "make demo", script=MAKE_DEMO),
    "demo-trixie": partial(run_on_fresh_machine, "trixie", "make demo", script=MAKE_DEMO),
    "bootstrap-bookworm": partial(
        run_on_fresh_machine, "bookworm", "scripts/bootstrap", script=BOOTSTRAP
    ),
}
