"""The Jinja side: filters and the context hook, loaded the way copier loads them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from copier_template_extensions import TemplateExtensionLoader
from jinja2 import Environment, FileSystemLoader

from tests.paths import ROOT

HOOKS = "extensions/hooks.py"


@pytest.fixture
def env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(ROOT)),
        extensions=[
            TemplateExtensionLoader,
            f"{HOOKS}:ShipshapeFilters",
            f"{HOOKS}:DerivedContext",
        ],
    )


def render(env: Environment, source: str, **context: Any) -> str:
    # copier's context always carries _copier_conf; the hook only runs when it is there.
    return env.from_string(source).render(_copier_conf={}, **context)


def test_filters_are_registered(env: Environment) -> None:
    assert render(env, "{{ 'Acme Shop' | slugify }}") == "acme-shop"
    assert render(env, "{{ 'staging' | env_host('api', 'acme.io') }}") == "api.staging.acme.io"
    assert render(env, "{{ 'api' | image_name('Acme', 'shop') }}") == "ghcr.io/acme/shop-api"


def test_validator_filters_return_empty_or_the_problem(env: Environment) -> None:
    assert render(env, "{{ 'example.com' | domain_problem }}") == ""
    assert "no dot" in render(env, "{{ 'localhost' | domain_problem }}")
    assert "sold only" in render(env, "{{ 'cx23' | server_type_problem('hil') }}")


def test_context_hook_adds_derived_values(env: Environment) -> None:
    output = render(
        env,
        "{{ derived.hosts.production.api }} {{ derived.compose_projects.staging }}",
        project_slug="shop",
        domain="acme.io",
        environments=["staging", "production"],
    )
    assert output == "api.acme.io shop-staging"


def test_each_template_checkout_uses_its_own_extension_code(tmp_path: Path) -> None:
    # An update renders an old and a new version of the template in one process: each must
    # run its own naming code, not whichever version Python imported first.
    outputs = []
    for version, prefix in (("old", "api"), ("new", "gateway")):
        checkout = tmp_path / version
        shutil.copytree(ROOT / "extensions", checkout / "extensions")
        naming = checkout / "extensions" / "naming.py"
        source = naming.read_text().replace('f"{service}.', f'f"{prefix}-{{service}}.')
        naming.write_text(source)
        env = Environment(
            loader=FileSystemLoader(str(checkout)),
            extensions=[TemplateExtensionLoader, f"{HOOKS}:DerivedContext"],
        )
        context = {"domain": "acme.io", "environments": ["production"]}
        outputs.append(render(env, "{{ derived.hosts.production.api }}", **context))
    assert outputs == ["api-api.acme.io", "gateway-api.acme.io"]


def test_compiled_templates_are_reused_but_render_each_context() -> None:
    env = Environment(loader=FileSystemLoader(str(ROOT)), extensions=[TemplateExtensionLoader])
    compiled: list[str] = []
    compile_fresh = env.from_string

    def counting(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        compiled.append(source)
        return compile_fresh(source, globals, template_class)

    env.from_string = counting  # type: ignore[method-assign]
    env.add_extension(f"{HOOKS}:CompiledTemplateCache")
    source = "{% if stack == 'nestjs' %}api{% endif %}"
    outputs = [env.from_string(source).render(stack=stack) for stack in ("nestjs", "fastapi")]
    assert outputs == ["api", ""]
    assert compiled == [source], "the second use must not compile again"
