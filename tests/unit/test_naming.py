from __future__ import annotations

import pytest

from extensions import naming


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("My Service", "my-service"),
        ("Acme Shop!", "acme-shop"),
        ("  spaced   out  ", "spaced-out"),
        ("Crème brûlée API", "creme-brulee-api"),
        ("2fast", "app-2fast"),
        ("UPPER_case.name", "upper-case-name"),
        ("a" * 60, "a" * naming.SLUG_MAX_LENGTH),
        ("!!!", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert naming.slugify(text) == slug


def test_slugify_with_underscores_for_databases() -> None:
    assert naming.database_name("my-service") == "my_service"


def test_environments_keep_promotion_order_and_always_include_local() -> None:
    assert naming.all_environments(["production", "staging"]) == [
        "local",
        "staging",
        "production",
    ]
    assert naming.all_environments(None) == ["local"]
    assert naming.server_environments(["production", "qa"]) == ["production"]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("production", "api.example.com"),
        ("staging", "api.staging.example.com"),
        ("local", "api.localhost"),
    ],
)
def test_host_per_environment(environment: str, expected: str) -> None:
    assert naming.host("api", "example.com", environment) == expected


def test_image_name_is_lower_case_in_ghcr() -> None:
    assert naming.image_name("Acme-Labs", "shop", "api") == "ghcr.io/acme-labs/shop-api"


def test_derive_builds_every_name_from_the_answers() -> None:
    derived = naming.derive(
        {
            "project_name": "Acme Shop",
            "project_slug": "acme-shop",
            "github_owner": "Acme",
            "domain": "acme.io",
            "api_stack": "fastapi",
            "web_frontend": "nextjs",
            "environments": ["production", "staging"],
        }
    )
    assert derived["environments"] == ["local", "staging", "production"]
    assert derived["server_environments"] == ["staging", "production"]
    assert derived["images"] == {
        "api": "ghcr.io/acme/acme-shop-api",
        "web": "ghcr.io/acme/acme-shop-web",
    }
    assert derived["hosts"]["staging"] == {
        "api": "api.staging.acme.io",
        "web": "web.staging.acme.io",
        "grafana": "grafana.staging.acme.io",
    }
    assert derived["compose_projects"]["production"] == "acme-shop-production"
    assert derived["ports"]["api"] == 8000
    assert derived["db_name"] == "acme_shop"


def test_derive_never_fails_on_missing_answers() -> None:
    # Copier renders question defaults before later questions have answers.
    derived = naming.derive({})
    assert derived["environments"] == ["local"]
    assert derived["components"] == ["api"]
    assert derived["ports"]["api"] == naming.API_PORTS["nestjs"]


def test_derive_falls_back_to_a_slug_of_the_name() -> None:
    assert naming.derive({"project_name": "Blue Whale"})["slug"] == "blue-whale"
