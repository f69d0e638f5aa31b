"""The pgBackRest the backup tests run: the one scripts/bootstrap pins (2.55.x, the line the
project's images install), not whatever the machine has on PATH. Debian bookworm's own package
is 2.45, which cannot write an SFTP repository: a test run with it would fail the sftp target
for a reason that is not the project's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.paths import ROOT

# scripts/bootstrap links it here (install_pgbackrest).
LINK = ROOT / ".cache" / "tools" / "bin" / "pgbackrest"
# SFTP repositories came with 2.46.
MINIMUM = (2, 46)


def version_of(program: Path) -> tuple[int, ...]:
    """The version `program version` reports ("pgBackRest 2.55.1"), as numbers."""
    result = subprocess.run(
        [str(program), "version"], capture_output=True, text=True, timeout=30, check=False
    )
    found = re.fullmatch(r"pgBackRest (\d+(?:\.\d+)+)\S*", result.stdout.strip())
    problem = f"{program} does not run as pgBackRest: {result.stdout}{result.stderr}"
    assert result.returncode == 0, problem
    assert found, problem
    return tuple(int(part) for part in found[1].split("."))


def pgbackrest_folder() -> Path:
    """The folder of the pinned binary, to put first on PATH: it holds pgbackrest alone, so
    nothing else on PATH is shadowed. Fails naming the problem when it is missing or older
    than SFTP repositories need."""
    assert LINK.exists(), f"{LINK} is missing: run scripts/bootstrap (it pins pgBackRest)"
    program = LINK.resolve()
    version = version_of(program)
    assert version >= MINIMUM, (
        f"{program} is pgBackRest {'.'.join(map(str, version))}: SFTP repositories need"
        f" {'.'.join(map(str, MINIMUM))} or later; run scripts/bootstrap"
    )
    return program.parent


def path_with_pgbackrest(path: str) -> str:
    """`path` (a PATH value) with the pinned pgBackRest's folder first."""
    return f"{pgbackrest_folder()}:{path}"
