from __future__ import annotations

import pytest

from extensions import validation

VALID_DOMAINS = ["example.com", "shop.example.co.uk", "xn--bcher-kva.de", "a1.io"]


@pytest.mark.parametrize("value", VALID_DOMAINS)
def test_valid_domains(value: str) -> None:
    assert validation.domain_problem(value) == ""


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "must not be empty"),
        ("my shop.com", "white space"),
        ("localhost", "has no dot"),
        ("Example.com", "lower case"),
        ("example.com.", "must not end with a dot"),
        ("https://example.com", "without scheme"),
        ("-x.example.com", "label '-x'"),
        ("a..b", "label ''"),
        ("10.0.0.1", "IP address"),
        ("x" * 64 + ".com", "label"),
        ("a." * 120 + "com", "too long"),
    ],
)
def test_invalid_domains_name_the_problem(value: str, fragment: str) -> None:
    assert fragment in validation.domain_problem(value)


@pytest.mark.parametrize("value", ["ops@example.com", "first.last+tag@mail.example.org"])
def test_valid_emails(value: str) -> None:
    assert validation.email_problem(value) == ""


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("ops.example.com", "exactly one @"),
        ("a@b@example.com", "exactly one @"),
        ("@example.com", "before @"),
        ("ops @example.com", "white space"),
        ("ops@localhost", "has no dot"),
    ],
)
def test_invalid_emails_name_the_problem(value: str, fragment: str) -> None:
    assert fragment in validation.email_problem(value)


@pytest.mark.parametrize("value", ["shop", "my-shop", "shop2", "a1-b2"])
def test_valid_slugs(value: str) -> None:
    assert validation.slug_problem(value) == ""


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("my shop", "contains a space"),
        ("MyShop", "upper-case"),
        ("2shop", "start with a letter"),
        ("my--shop", "single hyphens"),
        ("shop-", "single hyphens"),
        ("my_shop", "single hyphens"),
        ("s" * 41, "at most 40"),
        ("", "must not be empty"),
    ],
)
def test_invalid_slugs_name_the_problem(value: str, fragment: str) -> None:
    assert fragment in validation.slug_problem(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("acme", True),
        ("Acme-Labs", True),
        ("-acme", False),
        ("acme-", False),
        ("ac--me", False),
        ("a" * 40, False),
    ],
)
def test_github_owner(value: str, ok: bool) -> None:
    assert (validation.github_owner_problem(value) == "") is ok


def test_environments() -> None:
    assert validation.environments_problem(["staging"]) == ""
    assert "at least one" in validation.environments_problem([])
    assert "qa" in validation.environments_problem(["qa"])


def test_project_name() -> None:
    assert validation.project_name_problem("Acme") == ""
    assert "empty" in validation.project_name_problem("  ")
    assert "letter or digit" in validation.project_name_problem("???")


def test_cost_optimised_types_only_in_the_eu() -> None:
    assert validation.server_type_problem("cx33", "fsn1") == ""
    assert validation.server_type_problem("cpx32", "ash") == ""
    assert "sold only in" in validation.server_type_problem("cx33", "ash")
