"""Resident memory of a process tree, from /proc, sampled in the background while a test
loads it: what a container's memory limit is measured against."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.harness.processes import descendants

MIB = 1024 * 1024
# docker/compose memory units are binary: 512M is 512 MiB.
UNITS = {"": 1, "b": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}


def parse_memory(value: str) -> int:
    """Bytes of a compose memory value such as `512M` or `1g`."""
    match = re.fullmatch(r"(\d+)\s*([bkmg]?)b?", value.strip().lower())
    if match is None:
        raise ValueError(f"not a compose memory value: {value!r}")
    return int(match.group(1)) * UNITS[match.group(2)]


def status_bytes(pid: int, field: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM) in bytes; 0 once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{field}:\s+(\d+) kB$", text, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


class TreeRssSampler:
    """Sums VmRSS over a process and its descendants every `interval` seconds while the
    `with` block runs; `peak` is the largest sum seen, `samples` how many were taken."""

    def __init__(self, root: int, interval: float = 0.005) -> None:
        self.root = root
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def total(self) -> int:
        return sum(status_bytes(pid, "VmRSS") for pid in self._pids)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.total())
            self.samples += 1
            time.sleep(self.interval)

    def __enter__(self) -> Self:
        # The tree is read once: a server that forks (none does) would be seen at the start.
        self._pids = [self.root, *descendants(self.root)]
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.total())
