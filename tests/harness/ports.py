"""Free TCP ports and loopback source addresses for tests."""

from __future__ import annotations

import itertools
import socket
import threading


def free_port() -> int:
    """A port nothing listens on right now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports, held together while the kernel picks them: one at a time,
    a port just released can be handed out again (two listeners on one port then collide)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("0.0.0.0", 0))  # free on every address: some listeners bind all
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


class LoopbackAddresses:
    """Hands out distinct 127.x.y.z source addresses.

    The API rate-limits per client IP. Linux routes all of 127.0.0.0/8 to the loopback
    interface, so a client bound to 127.0.3.7 reaches a server bound to 127.0.0.1 and the
    server sees 127.0.3.7: each test gets its own rate-limit bucket and none starves another.
    127.0.0.1 itself is left to the harness (readiness polling).
    """

    def __init__(self) -> None:
        self._numbers = itertools.count(0)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            n = next(self._numbers)
        return f"127.{1 + n // 64516}.{1 + (n // 254) % 254}.{1 + n % 254}"


ADDRESSES = LoopbackAddresses()
