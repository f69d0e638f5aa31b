"""Bad answers are refused with a message that names the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.rendering import render


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param({"domain": "my shop.com"}, "contains white space", id="domain-with-space"),
        pytest.param({"domain": "localhost"}, "has no dot", id="domain-without-dot"),
        pytest.param({"domain": "Example.com"}, "must be lower case", id="domain-upper-case"),
        pytest.param({"domain": "-bad.example.com"}, "label '-bad'", id="domain-bad-label"),
        pytest.param({"domain": "https://example.com"}, "without scheme", id="domain-with-scheme"),
        pytest.param({"acme_email": "ops.example.com"}, "exactly one @", id="email-without-at"),
        pytest.param({"acme_email": "ops@localhost"}, "has no dot", id="email-bad-domain"),
        pytest.param({"project_slug": "my shop"}, "contains a space", id="slug-with-space"),
        pytest.param({"project_slug": "MyShop"}, "upper-case letters", id="slug-upper-case"),
        pytest.param({"project_slug": "1shop"}, "must start with a letter", id="slug-digit"),
        pytest.param({"project_name": "!!!"}, "at least one letter or digit", id="name-symbols"),
        pytest.param({"github_owner": "-acme"}, "not a valid user", id="owner-hyphen"),
        pytest.param({"api_stack": "django"}, "'django' is not in", id="unknown-api-stack"),
        pytest.param({"web_frontend": "vue"}, "'vue' is not in", id="unknown-frontend"),
        pytest.param({"environments": []}, "at least one server environment", id="no-env"),
        pytest.param(
            {"use_backups": True, "backup_target": "ftp"}, "'ftp' is not in", id="bad-target"
        ),
        pytest.param(
            {"hetzner_location": "ash", "hetzner_server_type": "cx33"},
            "cx33 is sold only in",
            id="server-type-not-in-location",
        ),
        pytest.param({"hetzner_server_type": "cx21"}, "'cx21' is not in", id="retired-server-type"),
        # A control character in any answer would break the line it lands on (a Makefile
        # target, an env file): refused naming the character (test_hostile_answers.py shows
        # what is accepted is escaped where it lands).
        pytest.param(
            {"project_name": "Shop\nall:; touch x"}, "a line break (U+000A)", id="name-nl"
        ),
        pytest.param({"project_name": "Shop\r"}, "a carriage return (U+000D)", id="name-cr"),
        pytest.param({"description": "One\ttwo"}, "a tab (U+0009)", id="description-tab"),
        pytest.param(
            {"description": "One\x00"}, "the control character (U+0000)", id="description-nul"
        ),
        pytest.param({"description": "A\u2028B"}, "a line separator (U+2028)", id="description-ls"),
        pytest.param(
            {"description": "A\x85B"}, "the control character (U+0085)", id="description-nel"
        ),
        pytest.param(
            {"acme_email": "ops\x1b@example.com"}, "the control character (U+001B)", id="email-esc"
        ),
        pytest.param({"acme_email": "ops@example.com\n"}, "a line break (U+000A)", id="email-nl"),
        # Legal, but no env file line reads it the same in bash and compose.
        pytest.param({"acme_email": "o'p`s@example.com"}, "holds both ' and `", id="email-quotes"),
    ],
)
def test_invalid_answer_is_rejected_naming_the_problem(
    template_repo: Path, tmp_path: Path, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        render(template_repo, tmp_path / "project", answers)
    assert not (tmp_path / "project" / ".copier-answers.yml").exists()
