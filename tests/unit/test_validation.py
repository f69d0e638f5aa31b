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


CONTROL_CHARACTERS = [
    ("\n", "a line break (U+000A)"),
    ("\r", "a carriage return (U+000D)"),
    ("\t", "a tab (U+0009)"),
    ("\x00", "the control character (U+0000)"),
    ("\x1b", "the control character (U+001B)"),
    ("\x7f", "the control character (U+007F)"),
    ("\x85", "the control character (U+0085)"),
    ("\u2028", "a line separator (U+2028)"),
    ("\u2029", "a paragraph separator (U+2029)"),
]
FREE_TEXT_VALIDATORS = {
    "project name": validation.project_name_problem,
    "description": validation.description_problem,
    "e-mail address": validation.email_problem,
    "domain": validation.domain_problem,
    "slug": validation.slug_problem,
    "GitHub owner": validation.github_owner_problem,
}


@pytest.mark.parametrize(("char", "name"), CONTROL_CHARACTERS)
@pytest.mark.parametrize("what", FREE_TEXT_VALIDATORS)
def test_control_characters_are_refused_by_every_answer(what: str, char: str, name: str) -> None:
    problem = FREE_TEXT_VALIDATORS[what](f"ab{char}c@example.com")
    assert problem.startswith(f"The {what} contains {name} at character 3;")


@pytest.mark.parametrize("value", ["Café — Zürich 東京", 'It\'s "quoted" $(x) `y` {{ 7*7 }}', ""])
def test_descriptions_of_printable_text_are_accepted(value: str) -> None:
    assert validation.description_problem(value) == ""


@pytest.mark.parametrize(
    "value",
    ["'ops*{x}|!@example.com", "|{ops}~^=+?#$%&/!`x`@example.com", "a/b&c@example.com"],
)
def test_legal_special_local_parts_are_accepted(value: str) -> None:
    assert validation.email_problem(value) == ""


def test_email_with_both_quote_kinds_is_refused_naming_why() -> None:
    assert "holds both ' and `" in validation.email_problem("o'p`s@example.com")
