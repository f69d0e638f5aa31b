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
    ],
)
def test_invalid_answer_is_rejected_naming_the_problem(
    template_repo: Path, tmp_path: Path, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        render(template_repo, tmp_path / "project", answers)
    assert not (tmp_path / "project" / ".copier-answers.yml").exists()
