"""What the docker layer expects of each API stack's image: the rest of the stack is shared.

Every test of the layer runs once per stack; only these facts differ between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiStack:
    name: str
    answers: dict[str, Any]
    user: str  # the image's USER, by number
    command: list[str]  # the image's exec-form CMD
    runtime: str  # the program the HEALTHCHECK and the probes below run

    @property
    def uid(self) -> str:
        return self.user.split(":")[0]

    def connect_probe(self, url: str) -> list[str]:
        """A command, run in the API container, printing whether `url` answers at all."""
        if self.runtime == "node":
            script = (
                f"fetch('{url}', {{signal: AbortSignal.timeout(3000)}})"
                ".then(() => console.log('reachable'), () => console.log('unreachable'))"
            )
            return ["node", "-e", script]
        script = (
            "import urllib.error, urllib.request\n"
            "try:\n"
            f"    urllib.request.urlopen('{url}', timeout=3)\n"
            "    print('reachable')\n"
            "except urllib.error.HTTPError:\n"  # an answer, even a refusal
            "    print('reachable')\n"
            "except OSError:\n"
            "    print('unreachable')\n"
        )
        return ["python", "-c", script]


# The web front end's image, the same for every stack: Next.js' standalone server, as the
# node user.
WEB_USER = "1000:1000"
WEB_COMMAND = ["node", "server.js"]


def answers(project_name: str, api_stack: str) -> dict[str, Any]:
    return {
        "project_name": project_name,
        "api_stack": api_stack,
        "environments": ["production"],
        "domain": "example.org",
        # The web front end is the same for both stacks (tests/render checks it): its image
        # builds once, later builds of the same context come from Docker's cache.
        "web_frontend": "nextjs",
    }


# Distinct project names, so each stack's API image has its own name.
STACKS = (
    ApiStack(
        name="nestjs",
        answers=answers("Edge Check", "nestjs"),
        user="1000:1000",
        command=["node", "--enable-source-maps", "dist/main.js"],
        runtime="node",
    ),
    ApiStack(
        name="fastapi",
        answers=answers("Edge Check FastAPI", "fastapi"),
        user="65534:65534",
        command=["python", "-m", "app"],
        runtime="python",
    ),
)
