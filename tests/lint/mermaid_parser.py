"""Mermaid's own parser, run under Node.js, for the diagrams of generated projects' docs.

GitHub draws a ```mermaid block with the mermaid library; a diagram it cannot parse shows as
an error box in place of the picture. `mermaid.parse()` runs the same grammar without a
browser (jsdom stands in for the DOM its label sanitiser needs): tests/lint/mermaid/ pins
both in package.json and package-lock.json, installed with `npm ci` into .cache/mermaid on
first use (as scripts/bootstrap installs Node.js into .cache/node24), never into the
template's Python dependencies.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.harness.commands import NODE_BIN, toolchain_env
from tests.paths import ROOT

PACKAGE = Path(__file__).parent / "mermaid"
CACHE = ROOT / ".cache" / "mermaid"
MERMAID_BLOCK = re.compile(r"^```mermaid[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Parsed:
    diagram_type: str | None
    error: str | None


def mermaid_blocks(markdown: str) -> list[str]:
    """The text of every ```mermaid fenced block, in order."""
    return [match.group(1) for match in MERMAID_BLOCK.finditer(markdown)]


def install() -> Path:
    """The folder holding parse.mjs and its node_modules, installed from the lockfile once."""
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    lockfile = (PACKAGE / "package-lock.json").read_bytes()
    stamp = CACHE / ".installed-from-lockfile"
    # One installer at a time (pytest-xdist workers share .cache).
    with (CACHE.parent / "mermaid.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not (stamp.is_file() and stamp.read_bytes() == lockfile):
            shutil.rmtree(CACHE, ignore_errors=True)
            CACHE.mkdir()
            for name in ("package.json", "package-lock.json"):
                shutil.copy(PACKAGE / name, CACHE / name)
            npm = shutil.which("npm")
            assert npm, "npm is not installed (Debian: apt install npm)"
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=CACHE,
                env=toolchain_env(),
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert result.returncode == 0, f"npm ci of the mermaid parser failed:\n{result.stderr}"
            stamp.write_bytes(lockfile)
        # The script is read from the cache so that `import "mermaid"` finds node_modules there.
        shutil.copy(PACKAGE / "parse.mjs", CACHE / "parse.mjs")
    return CACHE


def parse(diagrams: list[str]) -> list[Parsed]:
    """Parse each diagram with mermaid; one result per diagram, in order."""
    folder = install()
    result = subprocess.run(
        [str(NODE_BIN / "node"), "parse.mjs"],
        cwd=folder,
        input=json.dumps(diagrams),
        env=toolchain_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"parse.mjs failed:\n{result.stderr}"
    answers = json.loads(result.stdout)
    assert len(answers) == len(diagrams)
    return [Parsed(answer.get("type"), answer.get("error")) for answer in answers]
