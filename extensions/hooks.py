"""The Jinja side of the extensions: filters and the context hook that copier.yml loads.

copier_template_extensions imports this file by path. It loads its sibling modules as a
package under a name unique to this checkout: an update renders an old and a new version of
the template in one process, and each must use its own code, never a cached twin.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, cast

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
escaping: ModuleType = importlib.import_module(f"{_PACKAGE}.escaping")

# CompiledTemplateCache and FileModeSettingOnce below replace parts of copier and Jinja inside
# the user's copier process, and rely on details neither project promises to keep (a private
# copier method, how a Jinja template is built from compiled code). They act only with exactly
# the versions the test suite runs (pyproject.toml pins them), whose sources of those parts
# tests/unit/test_hooks.py pins by hash; with any other version copier runs as it ships, a
# few tenths of a second slower per copy (docs/benchmarks.md). Adding a version here means
# reading those parts in it and pinning their hashes in that test.
TESTED_VERSIONS: dict[str, frozenset[str]] = {
    "copier": frozenset({"9.19.1"}),
    "jinja2": frozenset({"3.1.6"}),
}


def tested_versions(*distributions: str) -> bool:
    """Whether the running versions of `distributions` are all ones the suite tests."""
    for distribution in distributions:
        # Read at every call from the imported package, as it runs (and as tests set it).
        module = importlib.import_module(distribution)
        if getattr(module, "__version__", None) not in TESTED_VERSIONS[distribution]:
            return False
    return True


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
                # An answer written into a file goes through the filter of that file's
                # language, unless its validator holds it to a safe alphabet (validation.py).
                "yaml_string": escaping.yaml_string,
                "json_string": escaping.json_string,
                "dockerfile_string": escaping.dockerfile_string,
                "dotenv_value": escaping.dotenv_value,
                "comment_text": escaping.comment_text,
                "project_name_problem": validation.project_name_problem,
                "description_problem": validation.description_problem,
                "slug_problem": validation.slug_problem,
                "domain_problem": validation.domain_problem,
                "email_problem": validation.email_problem,
                "github_owner_problem": validation.github_owner_problem,
                "environments_problem": validation.environments_problem,
                "server_type_problem": validation.server_type_problem,
            }
        )


class DerivedContext(ContextHook):
    """Adds `derived` (names, hosts, images, ports) to every template's context.

    The hook runs for every render, a few thousand times per copy, with the same few answers:
    each set of answers is derived once and its result handed to every render that has them.
    Templates only read `derived`; none may change it, since the next render sees the same one.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.derived: dict[tuple[Any, ...], dict[str, Any]] = {}

    def hook(self, context: dict[str, Any]) -> None:
        key = naming.derive_key(context)
        if key is None:
            context["derived"] = naming.derive(context)
            return
        derived = self.derived.get(key)
        if derived is None:
            derived = self.derived[key] = naming.derive(context)
        context["derived"] = derived


class PlainTextTemplate(Template):
    """A template string without any Jinja syntax: it renders to itself, uncompiled."""

    text: str

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.text


def plain_text_template(environment: Environment, text: str) -> PlainTextTemplate:
    """A real Template (generate, stream and module work as usual) whose output is `text`."""

    def root(context: Any, missing: Any = None, environment: Any = environment) -> Any:
        yield text

    module: dict[str, Any] = {
        "name": None,
        "__file__": "<template>",
        "blocks": {},
        "root": root,
        "debug_info": "",
    }
    template = cast(
        PlainTextTemplate,
        PlainTextTemplate.from_module_dict(environment, module, environment.make_globals(None)),
    )
    template.text = text
    return template


def renders_as_itself(environment: Environment) -> Callable[[str], bool]:
    """A test of whether a template string renders to itself in this environment.

    True for one line holding none of the environment's start markers (`{{`, `{%`, `{#`): Jinja
    would compile it to a single constant. Never true where Jinja could still change such text:
    line statements or comments, autoescaping, async rendering, an extension that filters
    the token stream.
    """
    markers = (
        environment.block_start_string,
        environment.variable_start_string,
        environment.comment_start_string,
        "\n",
        "\r",
    )
    if (
        environment.is_async
        or environment.autoescape is not False
        or environment.line_statement_prefix is not None
        or environment.line_comment_prefix is not None
        or any(
            type(extension).filter_stream is not Extension.filter_stream
            for extension in environment.extensions.values()
        )
    ):
        return lambda source: False
    return lambda source: not any(marker in source for marker in markers)


class CompiledTemplateCache(Extension):
    """Compile each template string once per copy, and plain text never.

    Copier compiles every part of every path with `from_string`, for every file: the
    `{% if api_stack == ... %}` folder names alone were compiled thousands of times per copy,
    half its time. A compiled template is immutable and renders with whatever context it is
    given, so it is reused by source. Most parts (`src`, `package.json`, the answers file's
    name) hold no Jinja at all: those become a template that returns its text, with no compile
    and no render context. The extensions' preprocess hooks still run on every call, exactly as
    they would before a fresh compile (copier resets its yield state there). Only with the
    copier and Jinja versions the suite tests (TESTED_VERSIONS).
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        if not tested_versions("copier", "jinja2"):
            return
        compile_fresh = environment.from_string
        compiled: dict[str, Template] = {}
        # Decided at the first call, once every extension is loaded.
        is_plain: list[Callable[[str], bool]] = []

        def from_string(source: Any, globals: Any = None, template_class: Any = None) -> Template:
            if globals is not None or template_class is not None or not isinstance(source, str):
                return compile_fresh(source, globals, template_class)
            template = compiled.get(source)
            if template is None:
                if not is_plain:
                    is_plain.append(renders_as_itself(environment))
                if is_plain[0](source) and environment.preprocess(source) == source:
                    template = plain_text_template(environment, source)
                else:
                    template = compile_fresh(source)
                compiled[source] = template
            else:
                environment.preprocess(source)
            return template

        environment.from_string = from_string  # type: ignore[method-assign]


class FileModeSettingOnce(Extension):
    """Ask git for the destination's `core.fileMode` once per copy, not once per file.

    copier (9.19) runs `git config --get core.fileMode` in the destination after writing each
    file, to mirror executable bits into the git index where git ignores them on disk
    (`core.fileMode=false`). One git process per file was a fifth of a copy's time. The
    setting cannot change while one copy writes its files, so each copy (a copier Worker; an
    update makes one per render) asks once per destination. Where it is `false`, copier's own
    method runs unchanged for every file; elsewhere it would have returned, and still does.
    Only with the copier versions the suite tests (TESTED_VERSIONS).
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        ask_git_once()


def ask_git_once() -> None:
    """Wrap copier's Worker._sync_git_index_executable_bit (once per process)."""
    if not tested_versions("copier"):
        return
    try:
        from copier._main import Worker
        from copier._vcs import get_git
        from plumbum import ProcessExecutionError
    except ImportError:
        return
    sync = getattr(Worker, "_sync_git_index_executable_bit", None)
    if sync is None or getattr(sync, "asks_git_once", False):
        return

    # Arguments pass through untouched: only `self` is read (the method only ever acts when
    # fileMode is false).
    @functools.wraps(sync)
    def sync_once(self: Any, *args: Any, **kwargs: Any) -> None:
        root = self.subproject.local_abspath
        settings = self.__dict__.setdefault("_shipshape_file_mode", {})
        if root not in settings:
            try:
                git = get_git(context_dir=root)
                settings[root] = git("config", "--type=bool", "--get", "core.fileMode").strip()
            except ProcessExecutionError:
                settings[root] = None  # not a repository, or unset: copier's method returns
        if settings[root] == "false":
            sync(self, *args, **kwargs)

    sync_once.asks_git_once = True  # type: ignore[attr-defined]
    Worker._sync_git_index_executable_bit = sync_once  # type: ignore[method-assign]
