"""Drive the interactive `copier copy` through its prompts like a person at a terminal."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pexpect
import yaml

from tests.paths import VENV_BIN

DOWN = "\x1b[B"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: the text prompts come pre-filled with their default.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(self, template: Path, destination: Path) -> None:
        self.child = pexpect.spawn(
            str(VENV_BIN / "copier"),
            ["copy", "--trust", "--vcs-ref", "HEAD", str(template), str(destination)],
            encoding="utf-8",
            timeout=30,
            dimensions=(50, 200),
            # No cursor-position requests: pexpect never answers them, prompts would wait.
            env={**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"},
        )

    def wait_for(self, help_text: str) -> None:
        self.child.expect_exact(help_text)

    def type_text(self, help_text: str, text: str) -> None:
        self.wait_for(help_text)
        self.child.send(CLEAR_LINE + text + ENTER)

    def keep_default(self, help_text: str) -> None:
        self.wait_for(help_text)
        self.child.send(ENTER)

    def choose(self, help_text: str, moves_down: int) -> None:
        self.wait_for(help_text)
        self.child.send(DOWN * moves_down + ENTER)

    def confirm(self, help_text: str, yes: bool) -> None:
        self.wait_for(help_text)
        self.child.send("y" if yes else "n")

    def screen_after(self, pattern: str) -> str:
        self.child.expect(pattern)
        return ANSI.sub("", f"{self.child.before}{self.child.after}")


def test_interactive_copy_records_non_default_choices(template_repo: Path, tmp_path: Path) -> None:
    destination = tmp_path / "blue-whale"
    terminal = Terminal(template_repo, destination)

    terminal.type_text("Project name", "Blue Whale")
    terminal.keep_default("Slug for repository")  # derived: blue-whale
    terminal.type_text("One sentence", "Tracks whales.")
    terminal.type_text("GitHub user or organisation", "whale-corp")
    # A wrong answer is refused with the reason, and the question is asked again.
    terminal.type_text("DNS domain you control", "blue whale.io")
    assert "contains white space" in terminal.screen_after("white space")
    terminal.child.send(CLEAR_LINE + "bluewhale.io" + ENTER)
    terminal.type_text("E-mail for Let's Encrypt", "certs@bluewhale.io")
    terminal.choose("API stack", 1)  # fastapi
    terminal.choose("Web front end", 1)  # nextjs
    terminal.wait_for("Server environments")
    terminal.child.send(" " + ENTER)  # untick staging, keep production
    terminal.confirm("Users with register", yes=False)
    terminal.confirm("Cache reads", yes=False)
    terminal.confirm("Prometheus, Alertmanager", yes=True)
    terminal.confirm("Report errors to Sentry", yes=False)
    terminal.confirm("Scheduled, encrypted PostgreSQL backups", yes=True)
    terminal.choose("Where backups go", 1)  # s3 is the default: one down is sftp
    terminal.confirm("Provision the Hetzner servers", yes=True)
    terminal.choose("Hetzner Cloud location", 2)  # hel1
    terminal.choose("Hetzner Cloud server type", 4)  # from the default cx33 down to cpx32
    terminal.child.expect(pexpect.EOF)
    terminal.child.close()
    assert terminal.child.exitstatus == 0, terminal.child.before

    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    chosen = {key: value for key, value in answers.items() if not key.startswith("_")}
    assert chosen == {
        "project_name": "Blue Whale",
        "project_slug": "blue-whale",
        "description": "Tracks whales.",
        "github_owner": "whale-corp",
        "domain": "bluewhale.io",
        "acme_email": "certs@bluewhale.io",
        "api_stack": "fastapi",
        "web_frontend": "nextjs",
        "environments": ["production"],
        "use_auth": False,
        "use_cache": False,
        "use_monitoring": True,
        "use_sentry": False,
        "use_backups": True,
        "backup_target": "sftp",
        "use_iac": True,
        "hetzner_location": "hel1",
        "hetzner_server_type": "cpx32",
    }
    assert (destination / "env" / "production.env").exists()
    assert not (destination / "env" / "staging.env.example").exists()
