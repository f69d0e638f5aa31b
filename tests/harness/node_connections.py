"""What a Node.js command contacts: run it with `recording(log)` added to its environment,
then `contacted(log)` lists the hosts it looked up and the addresses it connected to
(tests/harness/node_connections.cjs, preloaded, writes them)."""

from __future__ import annotations

from pathlib import Path

PRELOAD = Path(__file__).with_name("node_connections.cjs")


def recording(log: Path) -> dict[str, str]:
    """Environment that makes every Node.js process of a command record its connections."""
    log.touch()
    return {"NODE_OPTIONS": f"--require {PRELOAD}", "NODE_CONNECTIONS_LOG": str(log)}


def contacted(log: Path) -> set[str]:
    """`lookup HOST` and `connect HOST:PORT` lines, each once."""
    return set(log.read_text().splitlines())
