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
from jinja2 import Environment
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
