"""The built web front end of a generated project, started as `make web-start` does: the
standalone server.js that its image runs, on loopback."""

from __future__ import annotations

from tests.harness.api_process import ApiProcess
from tests.harness.ports import free_ports
from tests.harness.project import GeneratedProject


class WebProcess(ApiProcess):
    what = "the web front end"
    make_target = "web-start"
    # apps/web/Makefile's names: PORT and HOST in the project's .env are the API's.
    host_setting = "WEB_HOST"
    port_setting = "WEB_PORT"
    base_path = ""
    ready_path = "/health"
    live_path = "/health"

    def prepare(self) -> None:
        """Nothing: the API it calls may well be down, and the page must say so."""

    @classmethod
    def for_web_project(
        cls, project: GeneratedProject, api_url: str, name: str = "web", **overrides: str
    ) -> WebProcess:
        """A web server of `project` calling the API at `api_url`; `name` keeps its logs
        apart from other instances."""
        (port,) = free_ports(1)
        settings = {
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(port),
            "API_URL": api_url,
            "SHUTDOWN_DELAY_MS": "0",
        }
        settings.update(overrides)
        return cls(project, settings, project.workdir / name)
