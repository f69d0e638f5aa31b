"""`make dev`: the same app under uvicorn's reloader (restarts on every change in app/)."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from fastapi import FastAPI

from app.logs import configure_logging
from app.main import create_app
from app.server import load_settings


def create() -> FastAPI:
    """Called by the reloader in each fresh worker process."""
    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)  # the reloader's own lines, as JSON too
    uvicorn.run(
        "app.dev:create",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=True,
        reload_dirs=[str(Path(__file__).parent)],
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
