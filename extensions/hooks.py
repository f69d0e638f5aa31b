"""The Jinja side of the extensions: filters and the context hook that copier.yml loads.

copier_template_extensions imports this file by path. It loads its sibling modules as a
package under a name unique to this checkout: an update renders an old and a new version of
the template in one process, and each must use its own code, never a cached twin.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from copier_template_extensions import ContextHook
from jinja2 import Environment, Template
from jinja2.ext import Extension


def _load_package() -> str:
    package_dir = Path(__file__).resolve().parent
    digest = hashlib.sha256(str(package_dir).encode()).hexdigest()[:12]
    name = f"_shipshape_extensions_{digest}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
        )
        assert spec is not None
        assert spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return name


_PACKAGE = _load_package()
naming: ModuleType = importlib.import_module(f"{_PACKAGE}.naming")
validation: ModuleType = importlib.import_module(f"{_PACKAGE}.validation")


class ShipshapeFilters(Extension):
    """Filters for templates and for copier.yml defaults and validators."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            {
                "slugify": naming.slugify,
                "env_host": lambda env, service, domain: naming.host(service, domain, env),
                "image_name": lambda component, owner, slug: naming.image_name(
                    owner, slug, component
                ),
                "project_name_problem": validation.project_name_problem,
                "slug_problem": validation.slug_problem,
                "domain_problem": validation.domain_problem,
                "email_problem": validation.email_problem,
                "github_owner_problem": validation.github_owner_problem,
                "environments_problem": validation.environments_problem,
                "server_type_problem": validation.server_type_problem,
            }
        )


class DerivedContext(ContextHook):
    """Adds `derived` (names, hosts, images, ports) to every template's context."""

    def hook(self, context: dict[str, Any]) -> None:
        context["derived"] = naming.derive(context)


class CompiledTemplateCache(Extension):
    """Compile each template string once per copy.

    Copier compiles every part of every path with `from_string`, for every file: the
    `{% if api_stack == ... %}` folder names alone were compiled thousands of times per copy,
    half its time. A compiled template is immutable and renders with whatever context it is
    given, so it is reused by source. On a reuse the extensions' preprocess hooks still run,
    exactly as they would before a fresh compile (copier resets its yield state there).
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        compile_fresh = environment.from_string
        compiled: dict[str, Template] = {}

        def from_string(source: Any, globals: Any = None, template_class: Any = None) -> Template:
            if globals is not None or template_class is not None or not isinstance(source, str):
                return compile_fresh(source, globals, template_class)
            template = compiled.get(source)
            if template is None:
                template = compiled[source] = compile_fresh(source)
            else:
                environment.preprocess(source)
            return template

        environment.from_string = from_string  # type: ignore[method-assign]
